/* hostport: parse and connect (see hostport.h). */
#include "live/hostport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HOSTPORT_SCHEME "tcp://"

/* The port after the host: ":" then 1-5 digits, at most 65535, nothing more. */
static bool parse_port(const char *p, unsigned *port)
{
    unsigned long v = 0;
    if (*p++ != ':' || *p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9' && v <= 65535; p++)
        v = v * 10 + (unsigned long)(*p - '0');
    *port = (unsigned)v;
    return *p == '\0' && v <= 65535;
}

bool hostport_parse(const char *url, struct hostport *out, char *err, size_t errsize)
{
    size_t n = strlen(HOSTPORT_SCHEME);
    const char *h = url + n, *end = NULL;
    bool ok = strncmp(url, HOSTPORT_SCHEME, n) == 0;
    if (ok && *h == '[') {
        end = strchr(h, ']');
        ok = end != NULL && end > h + 1;
        h++;
    } else if (ok) {
        end = strrchr(h, ':');
        ok = end != NULL && end > h && memchr(h, ':', (size_t)(end - h)) == NULL;
    }
    size_t hlen = ok ? (size_t)(end - h) : 0;
    ok = ok && hlen < sizeof out->host && parse_port(end + (*end == ']'), &out->port);
    if (ok) {
        memcpy(out->host, h, hlen);
        out->host[hlen] = '\0';
        return true;
    }
    snprintf(err, errsize, "--target must be tcp://HOST:PORT (HOST a name, an IPv4 address "
                           "or [IPv6]; PORT 0-65535), not '%s'", url);
    return false;
}

bool hostport_is_loopback(const struct hostport *hp)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (strcmp(hp->host, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, hp->host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, hp->host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

void hostport_format(const struct hostport *hp, char *out, size_t size)
{
    bool v6 = strchr(hp->host, ':') != NULL;
    snprintf(out, size, "%s%s%s:%u", v6 ? "[" : "", hp->host, v6 ? "]" : "", hp->port);
}

/* One address: a non-blocking connect, waited for; 0 or an errno. */
static int try_address(const struct addrinfo *ai, int timeout_ms, int *fd_out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return errno;
    int one = 1, e = 0;
    socklen_t elen = sizeof e;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        e = errno;
    } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        e = errno;
        if (e == EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int r = poll(&p, 1, timeout_ms);
            e = r == 0 ? ETIMEDOUT : r < 0 ? errno : 0;
            if (e == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0)
                e = errno;
        }
    }
    if (e != 0) {
        close(fd);
        return e;
    }
    *fd_out = fd;
    return 0;
}

int hostport_connect(const struct hostport *hp, int timeout_ms, char *err, size_t errsize)
{
    char where[HOSTPORT_HOST_MAX + 16], port[8];
    hostport_format(hp, where, sizeof where);
    snprintf(port, sizeof port, "%u", hp->port);
    struct addrinfo hints, *list = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(hp->host, port, &hints, &list);
    if (g != 0) {
        snprintf(err, errsize, "cannot resolve %s: %s", hp->host, gai_strerror(g));
        return -1;
    }
    int fd = -1, e = 0;
    for (const struct addrinfo *ai = list; ai != NULL && fd < 0; ai = ai->ai_next)
        e = try_address(ai, timeout_ms, &fd);
    freeaddrinfo(list);
    if (fd < 0)
        snprintf(err, errsize, "cannot connect to %s: %s", where, strerror(e));
    return fd;
}

unsigned hostport_free_port(char *err, size_t errsize)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &alen) == 0;
    if (!ok)
        snprintf(err, errsize, "cannot find a free port on 127.0.0.1: %s", strerror(errno));
    if (fd >= 0)
        close(fd);
    return ok ? ntohs(a.sin_port) : 0;
}
