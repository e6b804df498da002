/* shrink: reduces a failing scenario to a small one that fails the same way.
 *
 * "Fails the same way" is the caller's predicate (the explorer's: the
 * runner fails with the same violated rule); the shrinker knows nothing of
 * XMPP. It alternates, until nothing changes or the work bound is reached:
 *   1. delta debugging over the step list (ddmin: drop halves, quarters,
 *      ... down to single steps), which leaves a list from which no single
 *      step can be removed;
 *   2. per-step simplification, from a table of simplifiers per step kind:
 *      one stanza of a multi-stanza send, an XML stanza with one child,
 *      attribute or text removed, numbers (priorities) halved, connect and
 *      auth/register options back to their defaults, advances halved, raw
 *      fragments of one client joined into one write (text with text;
 *      hex or base64 with either as the bytes of both, in the first one's
 *      byte form; text with variables never with bytes), a batched raw
 *      text write without its junk or one of its stanzas, a raw write of
 *      one whole stanza as a plain `send`;
 *   3. fewer clients (an unused one goes, or one hands its steps to an
 *      earlier one), accounts, roster relationships (an item goes with its
 *      mirror, the contact's item for the owner, as a consistent pair was
 *      preset), and server settings back to the format's defaults.
 * Every candidate is a scenario the predicate judges; a candidate that
 * still fails replaces the current one. Work is bounded by the number of
 * predicate calls. The candidate passed to the predicate is borrowed for
 * the call only (it shares strings with the scenario being shrunk).
 */
#ifndef SESSIM_SIM_SHRINK_H
#define SESSIM_SIM_SHRINK_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario/scenario.h"

/* Default bound on predicate calls. */
#define SHRINK_TESTS_DEFAULT 4000
/* Rounds of (1, 2, 3) at most. */
#define SHRINK_ROUNDS_MAX 32

/* Whether candidate still fails the way the original did. */
typedef bool shrink_predicate(const struct scenario *candidate, void *ctx);

struct shrink_stats {
    size_t tests;              /* predicate calls made */
    size_t steps_before, steps_after;
    size_t rounds;             /* rounds run */
    bool exhausted;            /* stopped by the bound before a fixpoint */
};

/* Shrinks s in place: on return it still satisfies the predicate (it is
 * assumed to on entry; that is not re-checked) and every change tried
 * last round was refused. tests_max bounds predicate calls (0:
 * SHRINK_TESTS_DEFAULT). stats may be NULL. */
void shrink_scenario(struct scenario *s, shrink_predicate *fails, void *ctx, size_t tests_max,
                     struct shrink_stats *stats);

#endif
