/* proxy: `sessim record`, a recording proxy between real clients and a
 * real server.
 *
 * One poll loop: every client accepted on the listener gets its own
 * connection to the upstream server, and the bytes of both directions are
 * passed on unchanged as they come, and handed to a recorder (recorder.h)
 * in the order they passed. When either side closes, the other is closed
 * too (what was queued for it is written first when the socket takes it
 * at once). Limits (peer.h): connections beyond the maximum are refused,
 * a side whose unread queue passes out_max is cut off with its pair. One
 * log line per connection event. On SIGINT or SIGTERM every socket is
 * closed, the scenario of everything that passed is written (emit.h), and
 * proxy_run returns 0.
 */
#ifndef SESSIM_SIM_PROXY_H
#define SESSIM_SIM_PROXY_H

#include <stdbool.h>
#include <stdio.h>

#include "scenario/scenario.h"
#include "serve/net.h"
#include "serve/peer.h"

struct proxy_options {
    struct net_endpoint listen;     /* port 0: a free one (logged) */
    struct net_endpoint upstream;
    const char *out;                /* the scenario file; NULL: stdout */
    bool redact;                    /* passwords as RECORDER_REDACTED */
    const struct scenario *base;    /* the upstream's accounts, when known (may be NULL) */
    struct peer_limits limits;
    FILE *log;
};

/* Runs the proxy until SIGINT or SIGTERM. Returns 0 after a clean stop
 * with the scenario written (or nothing recorded: a message says so), 1
 * when the listener cannot be opened or the scenario cannot be written. */
int proxy_run(const struct proxy_options *o);

#endif
