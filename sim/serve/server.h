/* server: `sessim serve`, the model behind a TCP listener.
 *
 * One poll loop: every accepted connection becomes a model connection
 * (model_connect), the bytes a client writes go to model_input as they
 * arrive (any fragmentation), and what the model writes for a connection
 * goes out on its socket as the socket takes it. A client's EOF is a lost
 * connection (model_hangup); a connection the model closed is closed once
 * its output is written. Accounts, rosters and server settings come from a
 * scenario's `server:` and `accounts:` (preset.h; its steps are not run).
 * The model's clock follows the real clock (starting at the current date,
 * advanced by the monotonic clock each loop turn) or, with
 * SERVER_CLOCK_MANUAL, stays at the model's default date so that the
 * output is a function of the seed and the traffic.
 *
 * Limits (peer.h): connections beyond the maximum are refused, a client
 * whose unread output passes out_max is disconnected, an unauthenticated
 * connection quiet for idle_ms is disconnected; the model's stanza size
 * and depth limits apply to what it parses. Every connection event is one
 * line on the log: open, authenticated, bound, closed (and why), refused.
 * SIGINT or SIGTERM stops the loop: every socket is closed, the listener
 * too, the recording (if any) is written, and server_run returns 0.
 */
#ifndef SESSIM_SIM_SERVER_H
#define SESSIM_SIM_SERVER_H

#include <stdint.h>
#include <stdio.h>

#include "scenario/scenario.h"
#include "serve/net.h"
#include "serve/peer.h"

/* Where `sessim serve` listens unless told otherwise: loopback, port
 * 5222 + 10000, so that it does not clash with a system XMPP server. */
#define SERVER_LISTEN_DEFAULT "127.0.0.1:15222"

enum server_clock { SERVER_CLOCK_REAL, SERVER_CLOCK_MANUAL };

struct server_options {
    struct net_endpoint listen;        /* port 0: a free one (logged) */
    const struct scenario *setup;      /* server: and accounts: (borrowed) */
    uint64_t seed;
    enum server_clock clock;
    struct peer_limits limits;
    const char *record_dir;            /* NULL: no recording */
    FILE *log;                         /* connection events, one per line */
};

/* Runs the server until SIGINT or SIGTERM. Returns 0 after a clean stop,
 * 1 when the listener cannot be opened, the accounts cannot be preset or
 * the recording cannot be written (a message on the log). */
int server_run(const struct server_options *o);

#endif
