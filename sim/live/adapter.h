/* adapter: a live server behind one interface, whoever starts it.
 *
 * Everything that runs scenarios on a real server (target_tcp, twin, diff,
 * the differential explorer) holds an adapter and asks it, per scenario:
 * whether the scenario fits the server (adapter_fits; else the scenario is
 * SKIP with the reason), to give it a clean server (adapter_prepare: the
 * scenario's `server:` settings and nothing left of the last one), to
 * create its accounts and initial roster items, a connection, a restart on
 * the same data, and to clean up after it (adapter_finish).
 *
 * Two implementations: the Prosody sessim starts (live.h: a config
 * generated per scenario, accounts and rosters written as Prosody's files
 * before the start), and a server described by a server file (external.h:
 * commands or in-band traffic; servers/NAME.yaml are the shipped ones).
 * adapter_open makes either from `--server NAME|FILE` (NAME "prosody" is
 * the first; another NAME is servers/NAME.yaml under the current
 * directory or above the sessim binary). An adapter also names its
 * server (for reports: "prosody", "ejabberd"), its divergence list
 * (scenarios/DIVERGENCES.md for Prosody, a server file's `divergences:`)
 * and the model profile that describes it (settings: `profile:`).
 */
#ifndef SESSIM_SIM_ADAPTER_H
#define SESSIM_SIM_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>

#include "model/buf.h"
#include "live/pace.h"
#include "run/target.h"
#include "scenario/scenario.h"

#define ADAPTER_ERROR_MAX 1024
#define ADAPTER_PROSODY "prosody"                       /* the built-in adapter's name */
#define ADAPTER_PROSODY_DIVERGENCES "scenarios/DIVERGENCES.md"
#define ADAPTER_SERVERS_DIR "servers"                   /* servers/NAME.yaml */

struct adapter;

/* How adapter_open makes an adapter. Every pointer is borrowed. */
struct adapter_spec {
    const char *server;    /* NULL or "prosody": the Prosody sessim starts; a
                            * NAME (no '/', no ".yaml"): servers/NAME.yaml;
                            * else a server file's path */
    const char *target;    /* "tcp://HOST:PORT" or NULL: 127.0.0.1 on a free
                            * port (a server file then needs a start command) */
    const char *prosody;   /* the Prosody program (NULL: prosody from PATH) */
    const char *dir;       /* the Prosody instance's directory (NULL: temporary) */
};

/* A new adapter as spec says. For a server file the server is started
 * (when the file says how) and checked (external_new). NULL with a
 * message in err (FILE:LINE:COL for a file) on bad input or when the
 * server cannot be had. Free with adapter_free. */
struct adapter *adapter_open(const struct adapter_spec *spec, char *err, size_t errsize);
/* Stops a server it started and releases everything. NULL: no-op. */
void adapter_free(struct adapter *a);

/* Whether spec names the built-in Prosody adapter. */
bool adapter_spec_is_prosody(const struct adapter_spec *spec);
/* The path of a server file named by spec->server (a NAME resolved as
 * above), or NULL (with a message in err) when there is none. Owned by
 * the caller (free). */
char *adapter_server_path(const char *server, char *err, size_t errsize);

/* The divergence list of the server spec names, without starting it:
 * scenarios/DIVERGENCES.md for Prosody, a server file's `divergences:`
 * (owned by the caller). NULL with err "" when the file names none, NULL
 * with a message in err when the file cannot be loaded. */
char *adapter_spec_divergences(const struct adapter_spec *spec, char *err, size_t errsize);

/* The server file of a described server, NULL for Prosody (which takes
 * any settings and initial rosters). */
const struct server_file *adapter_server_file(const struct adapter *a);

/* ---- per scenario ---- */

/* True when s can run here; else false with the reason appended to why. */
bool adapter_fits(struct adapter *a, const struct scenario *s, struct buf *why);
/* A clean server for s (its settings, no state of an earlier scenario). */
bool adapter_prepare(struct adapter *a, const struct scenario *s);
/* The scenario that will follow the next adapter_prepare's, for a server
 * that can start its clean server ahead (Prosody: live_expect). Borrowed
 * until that adapter_prepare returns; NULL: not known. Timing only. */
void adapter_expect(struct adapter *a, const struct scenario *next);
bool adapter_account_create(struct adapter *a, const char *user, const char *password);
/* An initial roster item of an account created before; false with a
 * reason when the server cannot have one set. */
bool adapter_roster_preset(struct adapter *a, const char *user,
                           const struct target_roster_item *item);
/* The server running and listening (Prosody starts on first use). */
bool adapter_start(struct adapter *a);
/* A new connection (non-blocking, TCP_NODELAY), started first if needed;
 * -1 with the reason in adapter_error. */
int adapter_connect(struct adapter *a);
/* What targets on this server can do (TARGET_CAN_RESTART, TARGET_REAL_CLOCK). */
unsigned adapter_caps(const struct adapter *a);
/* Every connection lost, persistent state kept (scenarios/FORMAT.md). */
bool adapter_restart(struct adapter *a);
/* After a scenario (accounts an external server keeps are removed). */
void adapter_finish(struct adapter *a);

/* ---- what it says of itself ---- */

/* "prosody", or the server file's name without ".yaml" ("ejabberd"). */
const char *adapter_name(const struct adapter *a);
/* Where connections go, "HOST:PORT" ("[HOST]:PORT" for IPv6), into out. */
void adapter_address(const struct adapter *a, char *out, size_t size);
/* The server's version once known ("" before). */
const char *adapter_version(const struct adapter *a);
/* Server processes started so far (live.h); 0 for a server sessim does
 * not start per scenario. */
unsigned long adapter_servers_started(const struct adapter *a);
/* The model profile the server follows: prosody for Prosody, a server
 * file's settings: profile (prosody when it states none). Scenarios that
 * pin no profile run on the model with it. */
enum scenario_profile adapter_profile(const struct adapter *a);
/* How a step ends on this server (pace.h): roundtrip for Prosody, a
 * server file's `pacing:` (settle when it states none); set overrides it
 * (--pacing). */
enum pace_mode adapter_pacing(const struct adapter *a);
void adapter_set_pacing(struct adapter *a, enum pace_mode pacing);
/* The divergence list of this server (a path), or NULL when none is named. */
const char *adapter_divergences(const struct adapter *a);
/* The last failure ("" when none). */
const char *adapter_error(const struct adapter *a);

/* ---- where a live run's time goes ---- */

/* Kept by the adapter over its life, filled by the targets on it (how
 * each step ended, target_tcp.h) and by the adapter (clean servers);
 * printed by explore -v and diff -v on standard error (timings, never
 * in a report). */
struct adapter_stats {
    unsigned long ends[PACE_END_COUNT];  /* steps, by how they ended (pace.h) */
    double end_s[PACE_END_COUNT];        /* seconds spent ending them */
    unsigned long pings;                 /* pings written */
    unsigned long probes;                /* <r/> probes written (stream management on, pace.h) */
    unsigned long waits;                 /* waits for an expected answer inside steps */
    double wait_s;
    unsigned long advances;              /* real waits of `advance` steps */
    double advance_s;
    unsigned long prepares, starts, restarts;   /* clean servers, cold starts, restarts */
    double prepare_s, start_s, restart_s;
    unsigned long spares_taken;          /* clean servers started ahead (live.h), */
    double spare_s;                      /* and the time left waiting for them */
    unsigned long spares_wasted;         /* spares killed unused (settings differed) */
    /* The whole run, filled by a caller that measures it (diff -v), else 0: */
    unsigned long servers;               /* server processes started */
    double wall_s;                       /* the caller's wall time */
    double self_cpu_s, servers_cpu_s;    /* CPU of sessim's process, of its servers */
};

/* The adapter's statistics, to add to. */
struct adapter_stats *adapter_stats(struct adapter *a);
/* Adds every figure of from to into. */
void adapter_stats_add(struct adapter_stats *into, const struct adapter_stats *from);
/* Appends the statistics as lines of text ("  pacing: ..."), for -v. */
void adapter_stats_text(const struct adapter_stats *st, struct buf *out);

#endif
