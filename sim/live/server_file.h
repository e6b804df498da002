/* server_file: the description of a server sessim did not start (`--server FILE`).
 *
 * A YAML file (sim/README.md "Server files" is the format) says the
 * server's domain; its lifecycle: already running, or commands to start,
 * stop, reset and restart it; how accounts are created and removed
 * (in-band registration, or commands); and which settings it has
 * (conflict policy, offline storage, registration, tombstones, the model
 * profile it follows), so a scenario asking for others is skipped; and the
 * list of its known divergences from the model (`divergences:`,
 * scenarios/DIVERGENCES.md's format); and `pacing:`, roundtrip only for a
 * server where a ping's answer proves it has finished (pace.h), else the
 * default settle. Commands are run by /bin/sh -c
 * with placeholders {dir} (a directory sessim made for the server), {host},
 * {port}, {domain}, {here} (the server file's directory), and for account
 * commands {user} and {password}, each replaced shell-quoted. Errors are FILE:LINE:COL: message (1-based).
 */
#ifndef SESSIM_SIM_SERVER_FILE_H
#define SESSIM_SIM_SERVER_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/buf.h"
#include "live/pace.h"
#include "scenario/scenario.h"

#define SERVER_FILE_ERROR_MAX 1024
#define SERVER_FILE_SIZE_MAX (1u << 20)

enum server_file_accounts {
    SERVER_FILE_ACCOUNTS_REGISTER,  /* in-band registration (XEP-0077) */
    SERVER_FILE_ACCOUNTS_COMMAND    /* accounts.create / accounts.remove */
};

/* Settings bits of server_file.given. */
#define SERVER_FILE_CONFLICT 1u
#define SERVER_FILE_OFFLINE 2u
#define SERVER_FILE_REGISTRATION 4u
#define SERVER_FILE_TOMBSTONES 8u
#define SERVER_FILE_PROFILE 16u

struct server_file {
    char *file;                     /* the path it was loaded from */
    char *here;                     /* {here}: its directory, absolute when it exists */
    char *domain;                   /* default "localhost" */
    char *divergences;              /* the divergence list, as written (relative to
                                     * here unless absolute), or NULL */
    bool running;                   /* lifecycle.running: started by someone else */
    char *start, *stop, *reset, *restart;   /* lifecycle commands; NULL: none */
    enum server_file_accounts accounts;
    char *create, *remove;          /* account commands; NULL: none */
    unsigned given;                 /* SERVER_FILE_* settings the file states */
    enum scenario_conflict conflict;
    bool offline, registration, tombstones;
    enum scenario_profile profile;  /* the model profile it follows (format 1.4) */
    enum pace_mode pacing;          /* how steps end (pace.h); default PACE_SETTLE */
};

/* Loads the file at path. NULL with "FILE:LINE:COL: message" (or "FILE:
 * message" when it cannot be read) in err. Free with server_file_free. */
struct server_file *server_file_load(const char *path, char *err, size_t errsize);
/* The same from len bytes named name. */
struct server_file *server_file_load_buffer(const char *name, const char *data, size_t len,
                                            char *err, size_t errsize);
void server_file_free(struct server_file *sf);

/* Values of the placeholders; NULL fields are left as written. */
struct server_file_vars {
    const char *dir, *host, *port, *domain, *here, *user, *password;
};
/* Appends command with every {name} replaced by its value, quoted for
 * /bin/sh (single quotes). */
void server_file_expand(const char *command, const struct server_file_vars *v, struct buf *out);
/* Why a scenario cannot run on the server as described (its domain, a
 * setting it needs that the server has otherwise, a queue limit other
 * than the default, a resumption time other than the default (SM12), an initial roster that in-band subscription
 * handshakes cannot reach: a pending request, a subscription with a
 * contact that is no account of the scenario or whose item does not
 * mirror it): appends the reason to
 * out and returns false; true when nothing stands in the way. */
bool server_file_fits(const struct server_file *sf, const struct scenario *s, struct buf *out);

#endif
