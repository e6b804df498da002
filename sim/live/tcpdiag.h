/* tcpdiag: what the kernel says of the server's end of a loopback TCP
 * connection (Linux sock_diag, as ss(8) reads it).
 *
 * Round-trip pacing (pace.h) cannot ping on a connection whose client
 * bytes end inside a stanza; it can still prove that the server has read
 * every byte of it: the server's socket has received all the client wrote
 * (tcp_info's bytes_received) and holds none unread (the receive queue);
 * and that the client has read all the server has sent (bytes_sent) and
 * the server's socket holds nothing written and not sent yet (notsent:
 * Nagle's algorithm keeps a small segment back while an earlier one waits
 * for the client's delayed ACK).
 * Only for connections between two sockets of this machine (the server
 * on 127.0.0.1); no privileges needed. No state, no allocation.
 */
#ifndef SESSIM_SIM_TCPDIAG_H
#define SESSIM_SIM_TCPDIAG_H

#include <stdbool.h>

/* The server's socket of a connection. */
struct tcpdiag_peer {
    unsigned long long received;   /* bytes it received from the client */
    unsigned long long unread;     /* bytes received that the server has not read */
    unsigned long long sent;       /* bytes it sent to the client (retransmissions too) */
    unsigned long long unsent;     /* bytes the server wrote that it has not sent yet */
};

/* Looks up the other end of the connected IPv4 loopback socket fd. False
 * when the kernel does not say (no such socket, sock_diag unavailable, an
 * IPv6 socket). */
bool tcpdiag_peer(int fd, struct tcpdiag_peer *out);

#endif
