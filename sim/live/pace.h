/* pace: when a live server has finished reacting to a step.
 *
 * Two ways (scenarios/FORMAT.md "Live targets", sim/README.md "Pacing"):
 * settle waits until no byte moved for a fixed time; roundtrip sends an
 * XEP-0199 ping (an iq get to the server's domain with an id of the
 * harness's own) on a connection and waits for its answer. A round trip
 * proves quiescence only on a server that handles one connection's
 * stanzas in order and finishes every synchronous effect of a stanza,
 * the routing into other sessions' output queues included, before it
 * reads the next: Prosody (one event loop) does, ejabberd (a process per
 * session, routing by message passing) does not.
 *
 * pace_conn follows one connection's two byte streams tag by tag (norm.h's
 * reading) to say when a ping may be written: the server's stream is open
 * and named its domain (the header's `from`); the client's bytes end
 * between stanzas at stream level with no text after the last tag; the
 * client has not closed its stream, has no negotiation step in flight
 * (SASL <auth/>, <response/>: the server may reset its parser after it)
 * and has not asked for stream management (a ping would change the
 * XEP-0198 counts the scenario sees). Before authentication Prosody answers
 * a ping with an error, an answer all the same. It also tells whether a
 * resource was bound (an iq result carrying <bind/>): only bound sessions
 * receive what others send.
 * A connection no ping may follow can still be shown read by the kernel
 * (tcpdiag.h; target_tcp.c pings the others then).
 * pace_conn_server takes the answers out of the server's bytes, so nothing
 * above the target sees them. Pure: no I/O, no clock.
 */
#ifndef SESSIM_SIM_PACE_H
#define SESSIM_SIM_PACE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/buf.h"

/* The id prefix of the harness's pings; answers with it are removed. */
#define PACE_ID_PREFIX "sessim-pace-"

enum pace_mode {
    PACE_SETTLE,      /* a fixed quiet time ends every step */
    PACE_ROUNDTRIP    /* pings end a step; settle where they prove nothing */
};

/* Parses "roundtrip" or "settle"; false for anything else. */
bool pace_mode_parse(const char *text, enum pace_mode *mode);
/* "roundtrip" or "settle". */
const char *pace_mode_name(enum pace_mode mode);

/* One connection. A zeroed struct is a fresh connection; release with
 * pace_conn_free. The flags are read by the target. */
struct pace_conn {
    /* client bytes */
    struct buf cheld;       /* an unfinished tag, from its '<' */
    unsigned cdepth;        /* 1: between stanzas in the stream */
    bool ctext;             /* text other than spaces since the last stream-level tag */
    bool cbad;              /* bytes the tracker cannot follow (for good) */
    bool cclosed;           /* </stream:stream> sent */
    bool sm;                /* <enable/> or <resume/> sent (for good) */
    bool negotiating;       /* <auth/> or the like sent, not failed, no new stream yet */
    /* server bytes */
    struct buf sheld;       /* a ping answer being taken out */
    struct buf domain;      /* the stream header's from */
    unsigned sdepth;
    bool sopen;             /* a stream header came and the stream has not ended */
    bool sclosed;           /* the server's </stream:stream> came */
    bool bound;             /* a resource was bound */
    bool parent_result;     /* the open stream-level element is an iq result */
    bool in_answer;         /* the open stream-level element is a ping answer */
    unsigned pending;       /* pings written and not answered */
};

/* How a step ended on a live target, for the statistics -v prints
 * (adapter_stats): without a wait, by round trips (IDLE to RESTART), or by
 * the settle time for the reason given (the first that applies). */
#define PACE_ENDS(X)                                                              \
    X(IDLE, "idle", "nothing was written, nothing to wait for")                  \
    X(ROUNDTRIP, "roundtrip", "every ping answered")                              \
    X(READ, "read", "every byte read, pings answered on other connections")      \
    X(RESTART, "restart", "a restart, every old connection ended")               \
    X(SETTLE, "settle", "pacing settle")                                          \
    X(ADVANCE, "advance", "a real wait")                                          \
    X(SM, "sm", "stream management asked for")                                    \
    X(NO_STREAM, "no-stream", "the server's stream is not open")                  \
    X(NEGOTIATING, "negotiating", "a SASL step in flight")                        \
    X(MID_STANZA, "mid-stanza", "client bytes end inside a stanza")               \
    X(UNTRACKED, "untracked", "client bytes the tracker cannot follow")           \
    X(UNANSWERED, "unanswered", "an answer did not come in time")

enum pace_end {
#define PACE_END_ENUM(n, name, text) PACE_END_##n,
    PACE_ENDS(PACE_END_ENUM)
#undef PACE_END_ENUM
    PACE_END_COUNT
};

/* The end's short name ("roundtrip", "mid-stanza") and its description. */
const char *pace_end_name(enum pace_end e);
const char *pace_end_text(enum pace_end e);

/* Follows the client bytes written on the connection. */
void pace_conn_client(struct pace_conn *pc, const char *bytes, size_t len);
/* Appends to out the server bytes (complete tags, as norm_stream_feed
 * gives them) without the answers to pings; final: the connection has
 * ended (nothing is pending any more). Returns the answers taken out. */
size_t pace_conn_server(struct pace_conn *pc, const char *bytes, size_t len, bool final,
                        struct buf *out);
/* Whether a ping may be written on the connection now. */
bool pace_conn_can_ping(const struct pace_conn *pc);
/* Why not: PACE_END_ROUNDTRIP when a ping may be written, else the
 * reason (SM, NO_STREAM, NEGOTIATING, MID_STANZA, UNTRACKED; a closed
 * client stream is MID_STANZA's "not between stanzas"). */
enum pace_end pace_conn_why_not(const struct pace_conn *pc);
/* Whether the client's stream header is complete (nothing held, nothing
 * after it) while the server's stream is not open yet and never was
 * closed: the server answers a header with its own, after which a ping
 * may follow. */
bool pace_conn_header_due(const struct pace_conn *pc);
/* Appends a ping with id PACE_ID_PREFIX + seq to out and counts it pending.
 * Only when pace_conn_can_ping. */
void pace_conn_ping(struct pace_conn *pc, unsigned long seq, struct buf *out);
/* Releases the held bytes. */
void pace_conn_free(struct pace_conn *pc);

#endif
