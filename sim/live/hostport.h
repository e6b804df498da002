/* hostport: the address of a server sessim talks to (`--target tcp://HOST:PORT`).
 *
 * HOST is a name, an IPv4 address or an IPv6 address in brackets
 * ("tcp://[::1]:5222"); PORT is 0-65535. Names are resolved when a
 * connection is made (getaddrinfo, every address tried in order), so a
 * parse never touches the network. Errors are messages in the caller's
 * buffer; nothing is printed. Sockets returned are the caller's to close.
 */
#ifndef SESSIM_SIM_HOSTPORT_H
#define SESSIM_SIM_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>

#define HOSTPORT_HOST_MAX 256
#define HOSTPORT_CONNECT_TIMEOUT_MS 5000

struct hostport {
    char host[HOSTPORT_HOST_MAX];  /* without brackets */
    unsigned port;
};

/* Parses "tcp://HOST:PORT" into *out. False with a message in err for
 * anything else (no scheme, empty host, unbalanced brackets, bad port). */
bool hostport_parse(const char *url, struct hostport *out, char *err, size_t errsize);
/* Whether HOST is a loopback address or "localhost" (no resolution). */
bool hostport_is_loopback(const struct hostport *hp);
/* Writes "HOST:PORT" ("[HOST]:PORT" for IPv6) into out. */
void hostport_format(const struct hostport *hp, char *out, size_t size);
/* A connected, non-blocking TCP socket (TCP_NODELAY) to hp, waiting at
 * most timeout_ms for each address. -1 with a message in err (naming the
 * address and the reason) on failure. */
int hostport_connect(const struct hostport *hp, int timeout_ms, char *err, size_t errsize);
/* A port on 127.0.0.1 nobody listens on now (bound and released); 0 with
 * a message in err when there is none. */
unsigned hostport_free_port(char *err, size_t errsize);

#endif
