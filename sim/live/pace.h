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
 * client has not closed its stream and has no negotiation step in flight
 * (SASL <auth/>, <response/>: the server may reset its parser after it).
 * Before authentication Prosody answers a ping with an error, an answer
 * all the same. It also tells whether a resource was bound (an iq result
 * carrying <bind/>): only bound sessions receive what others send.
 *
 * Stream management (XEP-0198): a ping is a stanza, so on a connection
 * where the server has said <enabled/> or <resumed/> it would change the
 * counts (h, the server's unacked queue) the scenario sees. There the
 * round trip is an ack request instead, <r/>, a nonza no count sees,
 * which Prosody answers with <a h='N'/> at once (mod_smacks handle_r).
 * It is written in the other XEP-0198 namespace than the session's
 * (urn:xmpp:sm:2 beside urn:xmpp:sm:3): Prosody answers a request in the
 * request's namespace, so the probe's answers are told apart from every
 * <a/> that answers the scenario's own requests or that Prosody sends
 * unasked (the last <a/> before it closes a session, SEMANTICS SM14),
 * which all come in the session's namespace and pass untouched, as do
 * the server's own <r/> requests. This holds only while no client of the
 * scenario has used the probe's namespace (pace_conn.cns; the target
 * checks every connection). No probe follows an <enable/> or <resume/>
 * whose answer has not come (the server may answer <failed/>, after which
 * an <r/> is ignored), nor goes to a session whose enable failed: that
 * one takes pings as before. Prosody 0.12 parses what a client writes
 * after <resumed/> with the parser of the connection that first enabled
 * the session (mod_c2s's session.data keeps it), which holds whatever the
 * dropped connections left: the target probes a resumed connection only
 * while every stream-management connection ended between stanzas
 * (pace_conn_between_stanzas, PACE_END_RESUMED).
 *
 * A connection no ping may follow can still be shown read by the kernel
 * (tcpdiag.h; target_tcp.c pings the others then).
 * pace_conn_server takes the answers to the harness's pings and probes
 * out of the server's bytes, so nothing above the target sees them.
 * Pure: no I/O, no clock.
 */
#ifndef SESSIM_SIM_PACE_H
#define SESSIM_SIM_PACE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/buf.h"

/* The id prefix of the harness's pings; answers with it are removed. */
#define PACE_ID_PREFIX "sessim-pace-"

/* XEP-0198's namespaces, as bits (pace_conn.cns, sm_ns). */
#define PACE_SM2 1u   /* urn:xmpp:sm:2 */
#define PACE_SM3 2u   /* urn:xmpp:sm:3 */

enum pace_mode {
    PACE_SETTLE,      /* a fixed quiet time ends every step */
    PACE_ROUNDTRIP    /* pings end a step; settle where they prove nothing */
};

/* Parses "roundtrip" or "settle"; false for anything else. */
bool pace_mode_parse(const char *text, enum pace_mode *mode);
/* "roundtrip" or "settle". */
const char *pace_mode_name(enum pace_mode mode);

/* What a server's stream-level element answers. */
enum pace_answer {
    PACE_ANSWER_NONE,   /* nothing of the harness's: it goes to the scenario */
    PACE_ANSWER_PING,   /* a ping waited for (an iq result or error with the id of
                         * one written since the last pace_conn_give_up) */
    PACE_ANSWER_LATE,   /* any other iq with PACE_ID_PREFIX: taken out, answers nothing */
    PACE_ANSWER_PROBE   /* a probe (an <a/> in the probe's namespace); the first
                         * late_probes of them answer nothing */
};

/* One connection. A zeroed struct is a fresh connection; release with
 * pace_conn_free. The flags are read by the target. */
struct pace_conn {
    /* client bytes */
    struct buf cheld;       /* an unfinished tag, from its '<' */
    unsigned cdepth;        /* 1: between stanzas in the stream */
    bool ctext;             /* text other than spaces since the last stream-level tag */
    bool cbad;              /* bytes the tracker cannot follow (for good) */
    bool cclosed;           /* </stream:stream> sent */
    unsigned cns;           /* PACE_SM2 | PACE_SM3: the XEP-0198 namespaces in the client's tags */
    unsigned sm_asked;      /* <enable/> or <resume/> sent, no <enabled/>, <resumed/>, <failed/> yet */
    bool negotiating;       /* <auth/> or the like sent, not failed, no new stream yet */
    /* server bytes */
    struct buf sheld;       /* a ping answer being taken out */
    struct buf domain;      /* the stream header's from */
    unsigned sdepth;
    bool sopen;             /* a stream header came and the stream has not ended */
    bool sclosed;           /* the server's </stream:stream> came */
    bool bound;             /* a resource was bound (or a bound session resumed) */
    bool parent_result;     /* the open stream-level element is an iq result */
    unsigned sm_ns;         /* the namespace bit of the server's <enabled/> or <resumed/>; 0: none */
    bool resumed;           /* the server said <resumed/>: a session moved onto the connection */
    enum pace_answer in_answer;   /* what the open stream-level element answers */
    unsigned pending;       /* pings and probes written, waited for and not answered */
    unsigned probes;        /* probes written and not answered (their answers are taken out
                             * even when nobody waits for them any more) */
    unsigned late_probes;   /* of those, written before the last pace_conn_give_up: the
                             * server answers in order, so the next answers are theirs */
    unsigned long ping_last;    /* the seq of the newest ping written */
    unsigned long ping_late;    /* pings up to this seq are no longer waited for */
};

/* How a step ended on a live target, for the statistics -v prints
 * (adapter_stats): without a wait, by round trips (IDLE to RESTART), or by
 * the settle time for the reason given (the first that applies). */
#define PACE_ENDS(X)                                                              \
    X(IDLE, "idle", "nothing was written, nothing to wait for")                  \
    X(ROUNDTRIP, "roundtrip", "every ping or <r/> answered")                      \
    X(READ, "read", "every byte read, pings answered on other connections")      \
    X(RESTART, "restart", "a restart, every old connection ended")               \
    X(SETTLE, "settle", "pacing settle")                                          \
    X(ADVANCE, "advance", "a real wait")                                          \
    X(SM, "sm", "stream management in both namespaces")                           \
    X(SM_ASKED, "sm-asked", "an <enable/> or <resume/> not answered")             \
    X(RESUMED, "resumed", "a session resumed after a connection left a stanza open") \
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
 * reason (SM_ASKED, NO_STREAM, NEGOTIATING, MID_STANZA, UNTRACKED; a
 * closed client stream is MID_STANZA's "not between stanzas"). */
enum pace_end pace_conn_why_not(const struct pace_conn *pc);
/* Whether the client's stream header is complete (nothing held, nothing
 * after it) while the server's stream is not open yet and never was
 * closed: the server answers a header with its own, after which a ping
 * may follow. */
bool pace_conn_header_due(const struct pace_conn *pc);
/* Whether the client's bytes so far end between stanzas at stream level
 * (with nothing the tracker cannot follow). */
bool pace_conn_between_stanzas(const struct pace_conn *pc);
/* Whether an <enable/> or <resume/> written on the connection waits for
 * its answer while the server's stream is open. */
bool pace_conn_sm_due(const struct pace_conn *pc);
/* The namespace bit a probe is written in (the other one than the
 * session's), 0 when stream management is not on: then a ping. */
unsigned pace_conn_probe_ns(const struct pace_conn *pc);
/* Appends to out a ping with id PACE_ID_PREFIX + seq (above 0, and above
 * the seq of every ping written on the connection before), or where stream
 * management is on an <r/> in pace_conn_probe_ns (seq unused), and counts
 * it pending. Only when pace_conn_can_ping, and for a probe only while no
 * client has written in the probe's namespace (cns). Returns whether it
 * was a probe. */
bool pace_conn_ping(struct pace_conn *pc, unsigned long seq, struct buf *out);
/* Nobody waits for the pings and probes written so far any more (the
 * settle time ended the step): their answers are still taken out when
 * they come, but a late one never stands for a ping or probe written
 * after it. */
void pace_conn_give_up(struct pace_conn *pc);
/* Releases the held bytes. */
void pace_conn_free(struct pace_conn *pc);

#endif
