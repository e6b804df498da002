/* net: TCP endpoints (net.h). */
#include "serve/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static bool parse_port(const char *s, unsigned *out)
{
    if (*s == '\0' || strlen(s) > 5)
        return false;
    unsigned v = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned)(*s - '0');
    }
    *out = v;
    return v <= 65535;
}

static bool parse_host(const char *host, unsigned char addr[4])
{
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    struct in_addr in;
    if (inet_pton(AF_INET, host, &in) != 1)
        return false;
    memcpy(addr, &in.s_addr, 4);
    return true;
}

bool net_endpoint_parse(const char *text, struct net_endpoint *out, char *err, size_t errsize)
{
    memset(out, 0, sizeof *out);
    const char *s = strncmp(text, "tcp://", 6) == 0 ? text + 6 : text;
    const char *colon = strrchr(s, ':');
    size_t hlen = colon != NULL ? (size_t)(colon - s) : 0;
    if (colon == NULL || hlen == 0 || hlen >= NET_HOST_MAX) {
        snprintf(err, errsize, "'%s' is not HOST:PORT", text);
        return false;
    }
    memcpy(out->host, s, hlen);
    out->host[hlen] = '\0';
    if (!parse_port(colon + 1, &out->port)) {
        snprintf(err, errsize, "'%s': the port must be 0 to 65535", text);
        return false;
    }
    if (!parse_host(out->host, out->addr)) {
        snprintf(err, errsize, "'%s': the host must be an IPv4 address or localhost", text);
        return false;
    }
    return true;
}

bool net_endpoint_is_loopback(const struct net_endpoint *e)
{
    return e->addr[0] == 127;
}

void net_endpoint_format(const struct net_endpoint *e, char *out, size_t size)
{
    snprintf(out, size, "%u.%u.%u.%u:%u", e->addr[0], e->addr[1], e->addr[2], e->addr[3],
             e->port);
}

static void sockaddr_of(const struct net_endpoint *e, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)e->port);
    memcpy(&sa->sin_addr.s_addr, e->addr, 4);
}

bool net_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 &&
           fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

static int fail_fd(int fd, const char *what, char *err, size_t errsize)
{
    snprintf(err, errsize, "%s: %s", what, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

int net_listen(struct net_endpoint *e, char *err, size_t errsize)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return fail_fd(fd, "socket", err, errsize);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa;
    sockaddr_of(e, &sa);
    char where[NET_HOST_MAX + 16];
    net_endpoint_format(e, where, sizeof where);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        return fail_fd(fd, where, err, errsize);
    if (listen(fd, 128) != 0 || !net_nonblocking(fd))
        return fail_fd(fd, where, err, errsize);
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        return fail_fd(fd, where, err, errsize);
    e->port = ntohs(sa.sin_port);
    return fd;
}

int net_accept(int listen_fd, char *peer, size_t peersize)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = accept(listen_fd, (struct sockaddr *)&sa, &len);
    if (fd < 0)
        return -1;
    if (!net_nonblocking(fd)) {
        close(fd);
        return -1;
    }
    struct net_endpoint e = {.port = ntohs(sa.sin_port)};
    memcpy(e.addr, &sa.sin_addr.s_addr, 4);
    net_endpoint_format(&e, peer, peersize);
    return fd;
}

int net_connect(const struct net_endpoint *e, char *err, size_t errsize)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return fail_fd(fd, "socket", err, errsize);
    struct sockaddr_in sa;
    sockaddr_of(e, &sa);
    char where[NET_HOST_MAX + 16];
    net_endpoint_format(e, where, sizeof where);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || !net_nonblocking(fd))
        return fail_fd(fd, where, err, errsize);
    return fd;
}

unsigned long net_raise_fd_limit(unsigned long want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return (unsigned long)rl.rlim_cur;
}
