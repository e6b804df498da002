/* live: a Prosody server on 127.0.0.1 that sessim starts, fills and stops.
 *
 * An instance owns a directory (a fresh temporary one, or one the caller
 * names) with the generated config, data/ (Prosody's internal storage) and
 * the server's log. live_prepare gives a scenario a clean server: the old
 * one is killed, data/ emptied, and a config written from the scenario's
 * `server:` (SEMANTICS 0.8: loopback only, PLAIN without TLS, registration
 * without throttling, tombstones, offline, roster; s2s, TLS and posix off).
 * Accounts and initial rosters are written as Prosody's own storage files
 * before any client connects: no client traffic sets them up. The server
 * starts on first use as a foreground child (`prosody --config FILE -F`,
 * its own process group, killed if sessim dies) and listens on 127.0.0.1
 * only; live_restart kills it and starts it again on the same data, so
 * every connection is lost and persistent state kept (scenarios/FORMAT.md
 * `restart`). It is always stopped by its pid: by live_free, live_prepare,
 * and by the handler sessim installs for SIGINT, SIGTERM, SIGHUP and
 * SIGPIPE, which also removes the temporary directories before dying.
 *
 * Spares (timing only): when sessim picks the port (0), an instance has a
 * second directory (another temporary one, or DIR.spare beside a named DIR)
 * and port. As soon as live_prepare has given a scenario its server (a
 * taken spare, or the current directory made clean), a spare starts in the
 * other directory from the next scenario's settings when the caller said
 * them (live_expect), else from the same settings (while that guess holds
 * for at least half of the prepares after the first); the next live_prepare
 * takes it when its settings give the same config (the spare becomes the
 * current server, with the new port and directory, and its storage files
 * are written into its data/ before any client connects: sim/README.md
 * "Spares"), else kills it (wasted) and prepares the current directory as
 * above. live_port and live_dir name the current server; they may change at
 * each live_prepare.
 *
 * The text generators (config, storage files, path encoding) are pure and
 * exported for tests.
 */
#ifndef SESSIM_SIM_LIVE_H
#define SESSIM_SIM_LIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/buf.h"
#include "scenario/scenario.h"
#include "run/target.h"

#define LIVE_ERROR_MAX 512
#define LIVE_HOST "127.0.0.1"          /* the only address ever used */
#define LIVE_START_TIMEOUT_MS 15000u   /* until the c2s port is open */
#define LIVE_STOP_TIMEOUT_MS 3000u     /* SIGTERM, then SIGKILL */
#define LIVE_TAIL_MAX 600              /* bytes of a log quoted in a message */

/* What a generated config says. */
struct live_config {
    const char *dir;                   /* instance directory (absolute) */
    unsigned port;                     /* c2s port on LIVE_HOST */
    bool as_root;                      /* adds run_as_root = true */
    const struct scenario_server *server;
};

/* Appends the Prosody config for c to out. */
void live_config_text(const struct live_config *c, struct buf *out);
/* Appends s as a Lua string literal (quotes, escapes). */
void live_lua_string(const char *s, struct buf *out);
/* Appends s encoded as Prosody's datamanager names files: every byte that
 * is not an ASCII letter or digit becomes %xx. */
void live_path_encode(const char *s, struct buf *out);
/* Appends the accounts store file of an internal_plain account. */
void live_account_text(const char *password, struct buf *out);
/* Appends one roster item as a line of the roster store file. */
void live_roster_item_text(const struct target_roster_item *item, struct buf *out);
/* The end of the file at path (its last LIVE_TAIL_MAX bytes, however long
 * the file) as one line, newlines and tabs made spaces, into out (size
 * bytes, NUL-terminated; "" when the file cannot be read). For messages
 * that quote a server's log. */
void live_file_tail(const char *path, char *out, size_t size);

struct live;

/* A new instance using the Prosody program `prosody` (a path, or a name
 * searched in PATH; NULL: "prosody") in dir (NULL: a new temporary
 * directory, removed by live_free), on port (0: a free one). Nothing runs
 * yet. NULL with a message in err when the program is not found or the
 * directory or port cannot be had. */
struct live *live_new(const char *prosody, const char *dir, unsigned port, char *err,
                      size_t errsize);
/* Stops the server and releases the instance. NULL is a no-op. */
void live_free(struct live *l);

/* A clean server for a scenario with these settings: kills a running
 * server, empties data/, writes the config. False on failure. */
bool live_prepare(struct live *l, const struct scenario_server *server);
/* The settings of the scenario that will follow the next live_prepare's
 * (a caller that knows them, as the explorer does its next run's): that
 * prepare starts the spare from them. Borrowed until that live_prepare
 * returns; NULL: guess. Timing only. */
void live_expect(struct live *l, const struct scenario_server *next);
/* Adds an account to the storage written at the next start. False once
 * the scenario's server has started, or when the name is empty or taken. */
bool live_account_create(struct live *l, const char *user, const char *password);
/* Adds an initial roster item of an added account. False otherwise. */
bool live_roster_preset(struct live *l, const char *user, const struct target_roster_item *item);
/* Starts the server unless it runs (writing the storage files first after
 * a prepare; a taken spare is only waited for) and waits until it listens.
 * False on failure. */
bool live_start(struct live *l);
/* Kills the server and starts it again on the same data. */
bool live_restart(struct live *l);

/* The c2s port and the directory of the current server, and whether it
 * runs and listens. */
unsigned live_port(const struct live *l);
const char *live_dir(const struct live *l);
bool live_running(const struct live *l);
/* Whether the current server is a spare live_prepare took that live_start
 * has not waited for yet. */
bool live_spare_taken(const struct live *l);
/* Spares killed unused (their settings did not fit, or they died). */
unsigned long live_spares_wasted(const struct live *l);
/* Server processes started so far: cold starts, spares, restarts. */
unsigned long live_servers_started(const struct live *l);
/* The version the server announced in its log ("" before a start). */
const char *live_version(const struct live *l);
/* The last failure message ("" when none). */
const char *live_error(const struct live *l);

#endif
