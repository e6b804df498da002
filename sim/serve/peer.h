/* peer: one accepted (or upstream) socket, its output queue and limits.
 *
 * What a hostile client can make the server hold is bounded here:
 * - bytes read per call are at most PEER_READ_CHUNK (the model's stanza
 *   size and depth limits bound what its parser keeps between calls);
 * - bytes queued for a socket that does not read are at most out_max: a
 *   queue that would grow past it is refused, and the caller closes the
 *   connection (serve queues in the model's output buffer and checks its
 *   length against the same limit);
 * - an unauthenticated connection idle for idle_ms is closed by the loop,
 *   and so is one the server closed whose client has not read the rest;
 * - connections beyond connections_max are accepted and closed at once.
 * The socket is non-blocking; the peer never blocks and never prints.
 * Ownership: the peer owns fd and its queue (peer_close releases both).
 */
#ifndef SESSIM_SIM_PEER_H
#define SESSIM_SIM_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/buf.h"

#define PEER_READ_CHUNK 16384u
#define PEER_OUT_MAX_DEFAULT (1024u * 1024u)       /* bytes queued per socket */
#define PEER_CONNECTIONS_MAX_DEFAULT 1024u
#define PEER_IDLE_MS_DEFAULT 60000u                /* unauthenticated and quiet */

struct peer_limits {
    size_t connections_max;
    size_t out_max;
    uint64_t idle_ms;
};

/* Outcome of one read or write. */
enum peer_io { PEER_OK, PEER_AGAIN, PEER_EOF, PEER_ERROR };

struct peer {
    int fd;                    /* -1 once closed */
    char name[32];             /* the remote address, "A.B.C.D:PORT" */
    struct buf out;            /* queued bytes not yet written */
    uint64_t last_ms;          /* monotonic time of the last bytes read */
};

/* Writes "WHO: " and the formatted text as one line on log, flushed (the
 * connection events of serve and record). */
void peer_log(FILE *log, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills l with the defaults above. */
void peer_limits_default(struct peer_limits *l);

/* A peer on fd (consumed) named name, active at now_ms. */
void peer_init(struct peer *p, int fd, const char *name, uint64_t now_ms);
/* Closes the socket and frees the queue (idempotent). */
void peer_close(struct peer *p);

/* Reads at most size bytes into b; *n is set on PEER_OK. */
enum peer_io peer_read(struct peer *p, char *b, size_t size, size_t *n);
/* Writes as much of bytes as the socket takes now; *n = bytes written. */
enum peer_io peer_write(struct peer *p, const char *bytes, size_t len, size_t *n);
/* Queues bytes; false (nothing queued) when the queue would pass max. */
bool peer_queue(struct peer *p, const char *bytes, size_t len, size_t max);
/* Writes what the queue holds; PEER_OK when it is empty afterwards. */
enum peer_io peer_flush(struct peer *p);

#endif
