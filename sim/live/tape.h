/* tape: records what a run exchanged with its target, to compare two runs.
 *
 * tape_wrap puts a recorder in front of any target: every call goes to the
 * wrapped target unchanged, and the tape keeps, per connection, the server
 * bytes the runner consumed (each with the step it arrived in, told from
 * the settle the runner ends every step with) and the ids the clients
 * sent.
 * tape_first_difference reads two tapes' server bytes back into stanzas
 * (stream features, which the harness consumes and which list each
 * server's own mechanisms, left out), normalises them (norm.h: xml:lang and
 * server-chosen ids), and reports the earliest stanza
 * where they differ, side by side. Two stanzas are the same when each
 * matches the other as a pattern (scenarios/FORMAT.md "Patterns": attributes,
 * children in any order, trimmed text).
 */
#ifndef SESSIM_SIM_TAPE_H
#define SESSIM_SIM_TAPE_H

#include <stdbool.h>

#include "model/buf.h"
#include "run/target.h"

#define TAPE_STANZA_TEXT_MAX 600   /* bytes of a stanza shown in a difference */

struct tape;

/* An empty tape. Free with tape_free (after the wrapping target). */
struct tape *tape_new(void);
void tape_free(struct tape *tp);

/* A target that forwards to inner (now owned by it: freeing the wrapper
 * frees inner) and records into tp, which must outlive it. */
struct target *tape_wrap(struct tape *tp, struct target *inner);

enum tape_order {
    TAPE_IN_ORDER,     /* stanza by stanza, in arrival order */
    TAPE_STEP_SETS     /* the stanzas of one step on one connection, as a set
                        * (a server free to order them, SEMANTICS 0.4); an
                        * unavailable from another resource of the account
                        * that only b has is no difference (DIVERGENCES.md
                        * P8: Prosody's directed set holds own resources) */
};

/* Appends the earliest difference between the traffic on a and on b,
 * labelled name_a and name_b, as
 *   "first difference: connection C (JID), stanza N, step S:\n"
 *   "  NAME_A: <stanza/>\n  NAME_B: (nothing)\n"
 * and returns true; returns false (appending nothing) when every
 * connection carried the same stanzas. With TAPE_STEP_SETS the two
 * stanzas shown are the first of each side that has no equal on the other
 * in that step. kind (may be NULL) gets one line naming what differs
 * without connections, numbers or content, to tell one difference from
 * another: "NAME_A <iq type='error'> item-not-found, NAME_B (nothing)". */
bool tape_first_difference(const struct tape *a, const struct tape *b, const char *name_a,
                           const char *name_b, enum tape_order order, struct buf *out,
                           struct buf *kind);

#endif
