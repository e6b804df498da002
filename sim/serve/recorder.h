/* recorder: the traffic of client connections turned into a scenario.
 *
 * Fed the bytes each side of each connection wrote, in the order they
 * passed, it parses both streams (xmlstream) and builds a scenario
 * (scenario.h builders; written with emit.h) that replays that traffic:
 * - accounts: the base scenario's, and every account a client
 *   authenticated as with SASL PLAIN,
 *   with the password seen (or RECORDER_REDACTED with `redact`), its
 *   roster preset from the first roster result it received;
 *   `server: domain` from the first stream header's `to`;
 * - the negotiation (stream headers, features, SASL PLAIN, the stream
 *   restart, resource binding) is folded into one `connect` step, with the
 *   resource the client asked for (a client asking none is given its name);
 * - every later stanza a client sent is a `send`; `</stream:stream>` is a
 *   `close`, a TCP close without it a `drop`;
 * - what the server wrote to a client between two client steps is one
 *   `receive` of those stanzas in any order, and a connection the server
 *   ended is `receive: closed`. Values the server chooses are `{any}`: ids
 *   no client sent, delay stamps, roster versions; xml:lang is left out.
 *   A client's full and bare JIDs are written as ${CLIENT.full} and
 *   ${CLIENT.jid} wherever they are a whole attribute value, so generated
 *   resources replay;
 * - stream management (format 1.1): the client's <enable/>, <r/>, <a/> are
 *   `enable`, `request`, `ack` (with `h` only when it is not the count the
 *   harness keeps), a <resume/> on a new stream is `resume` of the client
 *   whose <enabled/> gave that id; the server's <r/> is left out (the
 *   harness absorbs it) and its resumption id is ${CLIENT.smid}.
 * Clients are named by their account, then ACCOUNT2, ACCOUNT3, ... for
 * further connections open at the same time; a later connection of the
 * same account and resource reuses the client. A connection that never
 * authenticated is written with `send_raw` of its bytes. The scenario sets
 * `leftovers: ignore` when the traffic stopped mid-way (a connection still
 * open at the end). Ownership: the recorder owns everything it keeps;
 * recorder_scenario's result is the caller's (scenario_free).
 */
#ifndef SESSIM_SIM_RECORDER_H
#define SESSIM_SIM_RECORDER_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario/scenario.h"

#define RECORDER_REDACTED "REDACTED"

struct recorder_options {
    const char *name;          /* the `scenario:` line */
    bool redact;               /* passwords replaced by RECORDER_REDACTED */
    unsigned conn;             /* only this connection's traffic; 0: all */
};

struct recorder;

/* An empty recording. base (may be NULL; borrowed, must outlive the
 * recorder) gives the scenario's server settings and accounts, as
 * `sessim serve` was preset; without it they are found in the traffic. */
struct recorder *recorder_new(const struct scenario *base);
void recorder_free(struct recorder *r);

/* A new connection with id conn (ids unique within the recorder). */
void recorder_open(struct recorder *r, unsigned conn);
/* Bytes the client wrote on conn. */
void recorder_client(struct recorder *r, unsigned conn, const char *bytes, size_t len);
/* Bytes the server wrote on conn. */
void recorder_server(struct recorder *r, unsigned conn, const char *bytes, size_t len);
/* The client closed its TCP connection. */
void recorder_client_gone(struct recorder *r, unsigned conn);
/* The server closed its TCP connection. */
void recorder_server_gone(struct recorder *r, unsigned conn);

/* The ids of the connections recorded, in open order: the i-th, 0 past
 * the end. */
unsigned recorder_conn_at(const struct recorder *r, size_t i);

/* The scenario of what was recorded, or NULL when nothing (with
 * o->conn: nothing of that connection) makes a step. */
struct scenario *recorder_scenario(const struct recorder *r, const struct recorder_options *o);

#endif
