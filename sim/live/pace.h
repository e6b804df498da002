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

/* Follows the client bytes written on the connection. */
void pace_conn_client(struct pace_conn *pc, const char *bytes, size_t len);
/* Appends to out the server bytes (complete tags, as norm_stream_feed
 * gives them) without the answers to pings; final: the connection has
 * ended (nothing is pending any more). Returns the answers taken out. */
size_t pace_conn_server(struct pace_conn *pc, const char *bytes, size_t len, bool final,
                        struct buf *out);
/* Whether a ping may be written on the connection now. */
bool pace_conn_can_ping(const struct pace_conn *pc);
/* Appends a ping with id PACE_ID_PREFIX + seq to out and counts it pending.
 * Only when pace_conn_can_ping. */
void pace_conn_ping(struct pace_conn *pc, unsigned long seq, struct buf *out);
/* Releases the held bytes. */
void pace_conn_free(struct pace_conn *pc);

#endif
