/* client: the harness side of one scenario client's connection.
 *
 * A client owns a stream parser that reads what the server wrote on its
 * current connection into a FIFO of received stanza trees, remembers the
 * server's stream header (its id), whether the connection has ended, and
 * the phase of the stream as seen from the client: a SASL <success/> makes
 * the parser restart (RFC 6120 §6.4.6; the next server bytes are a new
 * stream), a server header after that means the authenticated stream is
 * open, a bind result carrying a <jid> records the bound resource. It also
 * keeps a small ring of the last stanzas sent and received, for reports.
 *
 * Received stanzas stay pending across connections: a client that
 * reconnects keeps what it had not consumed (scenarios/FORMAT.md "Restart and
 * closed connections"). The client never decides what a step means; the
 * runner does. Ownership: every string and tree is owned by the client and
 * released by client_free; accessors return borrowed pointers valid until
 * the next call that changes the client.
 */
#ifndef SESSIM_SIM_CLIENT_H
#define SESSIM_SIM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/buf.h"
#include "model/stanza.h"
#include "run/target.h"
#include "model/xmlstream.h"

#define CLIENT_HISTORY_MAX 10      /* entries of the traffic ring */
#define CLIENT_HISTORY_TEXT_MAX 240 /* bytes kept of one entry */
#define CLIENT_BATCH_MAX 16        /* entries held back during a harness phase */
#define CLIENT_TRACE_TEXT_MAX 4000 /* bytes of one entry shown in a trace */
#define CLIENT_STANZA_MAX (64u * 1024u * 1024u) /* largest server stanza read */

#define CLIENT_NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define CLIENT_NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define CLIENT_NS_SM "urn:xmpp:sm:3"

/* Phase of the current connection, as the client sees it. */
enum client_state {
    CLIENT_IDLE,        /* no connection yet */
    CLIENT_RAW,         /* connection open, no server stream header yet */
    CLIENT_UNAUTHED,    /* server header received, not authenticated */
    CLIENT_SASL_DONE,   /* <success/> received, restarted stream not open yet */
    CLIENT_AUTHED,      /* authenticated stream open, no resource */
    CLIENT_BOUND        /* bind result with a <jid> received */
};

/* Direction of a traffic ring entry. */
enum client_dir { CLIENT_SENT, CLIENT_RECEIVED, CLIENT_EVENT };

/* Raw bytes: escaped and marked when truncated only when the ring is
 * written (client_history_write), i.e. on a failure. */
struct client_history_entry {
    size_t step;                   /* 0-based index of the step it happened in */
    enum client_dir dir;
    size_t len;                    /* bytes of the whole text */
    char text[CLIENT_HISTORY_TEXT_MAX];   /* its first CLIENT_HISTORY_TEXT_MAX bytes at most */
};

struct client_pending {
    struct stanza *stanza;
    size_t step;                   /* the step during which it arrived */
};

struct client {
    char *name, *account;
    char *resource;                /* the resource it asks for by default */
    char *asked_resource;          /* override of the latest connect, or NULL */
    char *bound_resource;          /* resource bound on the current connection, or NULL */
    char *sm_resource;             /* the bound resource when <enabled/> arrived: what
                                    * <resumed/> binds again */
    unsigned conn;                 /* current (or last) connection, 0 before any */
    enum client_state state;
    bool closed;                   /* the current connection has ended */
    bool stream_ended;             /* the server's </stream:stream> arrived */
    bool stream_error;             /* a <stream:error> arrived on the current connection */
    char *stream_id;               /* id of the latest server header, or NULL */
    unsigned headers;              /* server headers on the current connection */
    enum xmlstream_error parse_error; /* server bytes that did not parse */
    const char *wire_fault;        /* bytes after the server's </stream:stream>, or the
                                    * connection ended inside markup; NULL when none */
    char last_mark;                /* last non-whitespace byte from the server on the
                                    * current connection, '\0' before any */
    size_t step;                   /* tag for new entries; set by the runner */
    unsigned long binds, registers, unregisters; /* harness iqs sent, for their ids */
    /* Stream management (XEP-0198) as the client keeps it: <enabled/>
     * starts the count of message/presence/iq received (sm_h, mod 2^32)
     * on streams where it is on (sm_enabled: after <enabled/> or
     * <resumed/>, off on a new connection);
     * its id is the token to resume with; <resumed/> makes the stream
     * bound again. Server <r/>s are counted and kept out of the pending
     * stanzas (the harness never answers them on its own), except after a
     * stream error, where nothing but the closing tag may come (SEMANTICS
     * SM14, I15): such an <r/> stays pending for `receive`. A new session
     * (connect or register on a new connection, any bind result) resets all
     * of it; a resume keeps it. */
    bool sm_enabled;
    char *sm_id;                   /* NULL: not resumable */
    uint32_t sm_h;
    unsigned long sm_requests;
    struct xmlstream *parser;
    struct client_pending *pending;
    size_t npending, pending_cap;
    struct client_history_entry history[CLIENT_HISTORY_MAX];
    size_t history_len, history_next;
    struct client_history_entry batch[CLIENT_BATCH_MAX]; /* see client_batch_begin */
    size_t batch_len;
    bool batching;
    /* Take the trees the target holds for the stanzas it wrote (the model:
     * target_stanzas) instead of parsing their bytes again; set by the
     * runner. */
    bool use_trees;
    const char *injected;          /* the bytes of the tree being handed over */
    size_t injected_len;
    /* Borrowed, NULL: none. Gets every ring entry as it is kept, one line
     * each ("  NAME -> <presence/>"; CLIENT_TRACE_TEXT_MAX bytes of it;
     * a harness phase as its summary): the runner's -v log. */
    struct buf *trace;
};

/* Initialises c (strings copied). salt seeds the parser's hashing. */
void client_init(struct client *c, const char *name, const char *account,
                 const char *resource, uint64_t salt);
/* Releases everything c holds. */
void client_free(struct client *c);

/* Opens a new connection on t: a fresh parser, state CLIENT_RAW, pending
 * stanzas kept. Returns false (t's error says why) on failure. */
bool client_open(struct client *c, struct target *t);
/* A connection exists and has not ended. */
bool client_is_open(const struct client *c);
/* Writes bytes on the current connection and records them in the ring,
 * as shown when not NULL, else as the bytes. false: t's error says why. */
bool client_send(struct client *c, struct target *t, const char *bytes, size_t len,
                 const char *shown);
/* client_send of bytes built from a header h or a stanza el the client
 * holds parsed (target_send_parsed), recorded as the bytes. */
bool client_send_parsed(struct client *c, struct target *t, const char *bytes, size_t len,
                        const struct xmlstream_header *h, const struct stanza_node *el);
/* Reads everything the server has written, parses it into pending
 * stanzas, and notes whether the connection has ended. */
void client_pump(struct client *c, struct target *t);
/* The client hangs up its current connection. */
void client_hangup(struct client *c, struct target *t);

/* Forgets the stream-management state (a new session). */
void client_sm_reset(struct client *c);
/* The client told the server (in <resume/>) that it handled h stanzas: its
 * count goes on from there, so stanzas sent again are counted again. An h
 * that is not a decimal number leaves the count alone. */
void client_sm_claim(struct client *c, const char *h);

/* The resource the variables name: the latest bound one, else the one it
 * will ask for. */
const char *client_resource(const struct client *c);
/* The resource the next bind asks for. */
const char *client_asked_resource(const struct client *c);
/* Sets the override for the next binds (NULL: back to the default). */
void client_set_asked_resource(struct client *c, const char *resource);

/* Pending stanza i (< npending), its root, and the step it arrived in. */
const struct stanza_node *client_pending_at(const struct client *c, size_t i);
size_t client_pending_step(const struct client *c, size_t i);
/* Removes and frees pending stanza i. */
void client_pending_remove(struct client *c, size_t i);

/* Holds back the ring entries of a harness phase (stream negotiation):
 * client_batch_end with a summary replaces them by that one event line
 * (the phase went as expected), with NULL adds them as they were (the
 * traffic explains where it stopped; the oldest are lost past
 * CLIENT_BATCH_MAX). */
void client_batch_begin(struct client *c);
void client_batch_end(struct client *c, const char *summary);
/* Adds an event line ("connected, bound as ...") to the ring. */
void client_event(struct client *c, const char *text);
/* Appends the ring, oldest first, one line per entry, each prefixed with
 * indent: "[step N] -> <presence/>". */
void client_history_write(const struct client *c, struct buf *out, const char *indent);

/* Appends a received stanza as text, as a client stream would carry it. */
void client_stanza_write(const struct stanza_node *n, struct buf *out);
/* Appends at most max bytes of text for a one-line report, control
 * characters escaped, "..." when cut. */
void client_text_write(const char *text, size_t len, size_t max, struct buf *out);

#endif
