/* net: TCP endpoints for `sessim serve` and `sessim record`.
 *
 * Parses HOST:PORT (and tcp://HOST:PORT) endpoints, opens a non-blocking
 * listening socket, accepts and connects non-blocking sockets, and tells
 * whether an address is loopback. IPv4 only: HOST is a dotted quad or
 * "localhost" (127.0.0.1); no name resolution, so nothing here depends on
 * the resolver's configuration. Errors are messages written into the
 * caller's buffer; nothing is printed. File descriptors returned are the
 * caller's to close.
 */
#ifndef SESSIM_SIM_NET_H
#define SESSIM_SIM_NET_H

#include <stdbool.h>
#include <stddef.h>

#define NET_HOST_MAX 64

struct net_endpoint {
    char host[NET_HOST_MAX];   /* as written ("localhost" kept) */
    unsigned char addr[4];     /* IPv4, network order */
    unsigned port;             /* 0-65535; 0: any free port (listen only) */
};

/* Parses "HOST:PORT" or "tcp://HOST:PORT" into *out. False with a message
 * in err for anything else (no host, bad port, a name other than
 * localhost). */
bool net_endpoint_parse(const char *text, struct net_endpoint *out, char *err, size_t errsize);
/* Whether the endpoint's address is in 127.0.0.0/8. */
bool net_endpoint_is_loopback(const struct net_endpoint *e);
/* Writes "A.B.C.D:PORT" into out (at least 22 bytes). */
void net_endpoint_format(const struct net_endpoint *e, char *out, size_t size);

/* A non-blocking listening socket on e (SO_REUSEADDR, backlog 128); when
 * e->port is 0 it is set to the port the system chose. -1 with a message
 * in err on failure. */
int net_listen(struct net_endpoint *e, char *err, size_t errsize);
/* Accepts one connection as a non-blocking, close-on-exec socket; its peer
 * is written as "A.B.C.D:PORT" into peer. -1 when none is waiting (or on
 * an error, errno set). */
int net_accept(int listen_fd, char *peer, size_t peersize);
/* A blocking connect to e, then made non-blocking. -1 with a message in
 * err on failure. */
int net_connect(const struct net_endpoint *e, char *err, size_t errsize);
/* Makes fd non-blocking and close-on-exec; false on failure. */
bool net_nonblocking(int fd);
/* Raises the soft limit of open files towards want (at most the hard
 * limit); returns the soft limit in effect afterwards. */
unsigned long net_raise_fd_limit(unsigned long want);

#endif
