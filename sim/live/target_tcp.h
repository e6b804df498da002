/* target_tcp: a live server over TCP behind the target interface.
 *
 * `sessim run --target tcp://127.0.0.1:PORT` runs scenarios against a
 * Prosody that sessim starts on that port (PORT 0: a free one), `--server
 * NAME|FILE` against another server (adapter.h): every scenario gets a
 * clean server with its `accounts:`, and `restart` restarts it on the
 * same data. The client bytes are exactly those the model gets (plain
 * TCP, no TLS, SASL PLAIN). Only 127.0.0.1 is accepted for the Prosody
 * sessim starts; a server it did not start is reached at any
 * tcp://HOST:PORT through its server file (external.h).
 *
 * Timing (scenarios/FORMAT.md "Live targets", pace.h): a step ends when the
 * server has finished reacting to it. With pacing roundtrip (the adapter's:
 * Prosody's, or a server file's `pacing:`; --pacing overrides) the target
 * pings (XEP-0199) each connection written on, then every bound one, and
 * the step ends when every answer is back; the answers are taken out of
 * the traffic. Where stream management is on, the ping is an XEP-0198 <r/>
 * that no count sees (pace.h); an <enable/> or <resume/> is first waited
 * for its answer. A connection whose bytes end inside a stanza is shown read
 * by the kernel (tcpdiag.h) and the step ends by pings on the others. Where
 * a ping proves nothing (mid-stanza with no other connection,
 * mid-negotiation, both XEP-0198 namespaces used, a real advance; a
 * restart ends when every old connection has) and with pacing settle, the server is quiet once nothing was
 * sent or received for the settle time (default 200 ms, --settle). How
 * each step ended and what it cost is added to the adapter's statistics
 * (adapter_stats). After a step that sent nothing
 * the target is already settled, and `receive: nothing` holds when nothing
 * had arrived by the step's end. A stanza or close the runner waits for
 * (connect phases, `receive`, `close`) may take TARGET_TCP_WAIT_SETTLES
 * settle times after the last traffic (a connect phase, which a server
 * always answers, ten such waits: run/runner.c). Delay stamps and stream ids the server chooses are
 * normalised as they arrive (norm.h). `advance` and `check` are skipped
 * (no TARGET_CAN_ADVANCE / TARGET_CAN_CHECK); connection ids are 1, 2, ...
 * in connect order, as on the model.
 */
#ifndef SESSIM_SIM_TARGET_TCP_H
#define SESSIM_SIM_TARGET_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "live/adapter.h"
#include "scenario/scenario.h"
#include "run/target.h"

#define TARGET_TCP_SETTLE_DEFAULT_MS 200u
#define TARGET_TCP_SETTLE_MAX_MS 60000u
#define TARGET_TCP_SEND_TIMEOUT_MS 10000
/* A stanza the runner expects may come this many settle times after the
 * last traffic (a loaded machine); only a failing expectation waits so long. */
#define TARGET_TCP_WAIT_SETTLES 5u
/* How often the server's reading of a connection is looked at (tcpdiag.h). */
#define TARGET_TCP_DRAIN_POLL_MS 1u

/* Parses "tcp://127.0.0.1:PORT" (PORT 0-65535, 0: any free port) into
 * *port. False with a message in err for anything else, any other host
 * included. */
bool target_tcp_url_parse(const char *url, unsigned *port, char *err, size_t errsize);
/* Parses a --pacing value: roundtrip or settle. */
bool target_tcp_pacing_parse(const char *text, enum pace_mode *mode, char *err, size_t errsize);
/* Parses a --settle value: whole milliseconds, 1 to TARGET_TCP_SETTLE_MAX_MS. */
bool target_tcp_settle_parse(const char *text, unsigned *ms, char *err, size_t errsize);

/* A target for scenario s on the server of adapter a (borrowed; it
 * outlives the target): when s does not fit the server (adapter_fits) the
 * target's skip reason says why and nothing is prepared; else the server
 * is prepared for s (adapter_prepare) and, for Prosody, started at the
 * first connect. NULL with a message in err when the prepare fails. */
struct target *target_tcp_new(struct adapter *a, const struct scenario *s, unsigned settle_ms,
                              char *err, size_t errsize);

/* What `sessim run --target URL [--server NAME|FILE] [--settle MS]` holds
 * for the whole run. */
struct target_tcp_setup;

/* Parses settle and pacing (NULL: the default, and the adapter's pacing)
 * and opens the adapter of spec
 * (adapter_open: the Prosody sessim starts, nothing running yet, or a
 * described server, checked before any scenario). NULL with a message in
 * err (FILE:LINE:COL for a server file) on bad input or when the server
 * cannot be had. */
struct target_tcp_setup *target_tcp_setup_new(const struct adapter_spec *spec, const char *settle,
                                              const char *pacing, char *err, size_t errsize);
/* The setup's adapter and settle time. */
struct adapter *target_tcp_setup_adapter(const struct target_tcp_setup *setup);
unsigned target_tcp_setup_settle(const struct target_tcp_setup *setup);
/* runner_options.target_new, with the setup as ctx: a target for s. On
 * failure it prints the reason to stderr and returns NULL. */
struct target *target_tcp_setup_target(const struct scenario *s, uint64_t seed, void *setup);
/* Stops the server and releases everything. NULL is a no-op. */
void target_tcp_setup_free(struct target_tcp_setup *setup);

#endif
