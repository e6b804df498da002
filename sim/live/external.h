/* external: a server sessim did not start, as its server file describes it
 * (`sessim run --target tcp://HOST:PORT --server FILE`).
 *
 * external_new checks the server before any scenario runs: it starts it
 * when the file gives a start command (a child of sessim in its own
 * process group, output to DIR/server.out, waited for until the port
 * accepts connections), opens a stream to the domain, creates a probe
 * account the way the file says, logs in with it and removes it. Each
 * failure there is a message (unreachable host, wrong domain, refused
 * registration or authentication) and no instance.
 *
 * Per scenario: external_fits says why a scenario cannot run here (its
 * domain, settings, initial rosters in-band traffic cannot reach;
 * server_file_fits); external_prepare
 * gives it a clean server: the reset command when there is one, else the
 * accounts the scenario may have (its `accounts:` and `register` steps,
 * with their passwords) are removed in-band (or by the remove command),
 * and a server sessim started that has died since is started again;
 * external_finish removes them again after the scenario. Accounts are
 * created by in-band registration or the create command. A restart runs
 * the restart command, or stops and starts a server sessim started.
 */
#ifndef SESSIM_SIM_EXTERNAL_H
#define SESSIM_SIM_EXTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "live/hostport.h"
#include "live/server_file.h"
#include "model/buf.h"
#include "run/target.h"
#include "scenario/scenario.h"

#define EXTERNAL_ERROR_MAX 1024
#define EXTERNAL_READY_TIMEOUT_MS 30000u   /* a started server's port opens */
#define EXTERNAL_COMMAND_TIMEOUT_MS 60000u /* a reset, restart or account command */

struct external;

/* Takes sf (consumed, even on failure). NULL with a message in err. */
struct external *external_new(struct server_file *sf, const struct hostport *hp, char *err,
                              size_t errsize);
/* Stops a server it started (stop command, else SIGTERM to its process
 * group) after removing the last scenario's accounts. NULL: no-op. */
void external_free(struct external *e);

const struct hostport *external_hostport(const struct external *e);
const struct server_file *external_server_file(const struct external *e);
/* Whether a restart step can run (a restart command, or a start command). */
bool external_can_restart(const struct external *e);

bool external_fits(const struct external *e, const struct scenario *s, struct buf *why);
bool external_prepare(struct external *e, const struct scenario *s);
bool external_account_create(struct external *e, const char *user, const char *password);
/* Notes an initial roster item of a created account; the items are set up
 * in band by external_rosters_apply. */
void external_roster_preset(struct external *e, const char *user,
                            const struct target_roster_item *item);
/* Sets up the noted initial rosters in band, before the scenario's first
 * connection: a roster set for an item with a name or groups or none
 * subscription, then every `subscribe` of a to/both item, then every
 * `subscribed` that approves one (sent as each account, no initial
 * presence, each batch followed by a ping), so that no request stays
 * pending and nothing reaches the scenario's clients. No-op when none
 * are noted. */
bool external_rosters_apply(struct external *e);
bool external_restart(struct external *e);
void external_finish(struct external *e);
/* The last failure ("" when none). */
const char *external_error(const struct external *e);

#endif
