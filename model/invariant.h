/* invariant: the state checker run after every step (SEMANTICS I1-I15).
 *
 * invariant_check reads the whole model state and reports every violation
 * with its rule id, a message and the connections involved. It never
 * changes the model. A healthy model reports nothing; unit tests corrupt
 * state on purpose (through model/internal.h) to prove each rule is caught.
 * A model that ran out of memory (model.h) is not checked: 0 violations;
 * an allocation failing inside a check makes the model fail the same way.
 */
#ifndef SESSIM_MODEL_INVARIANT_H
#define SESSIM_MODEL_INVARIANT_H

#include <stddef.h>

#include "model.h"

#define INVARIANT_MESSAGE_MAX 256
#define INVARIANT_CONNS_MAX 4

struct invariant_violation {
    const char *rule;                        /* "I4" (static string) */
    char message[INVARIANT_MESSAGE_MAX];
    unsigned conns[INVARIANT_CONNS_MAX];     /* connections involved */
    size_t nconns;
};

/* Checks every invariant; writes at most max violations into out and
 * returns how many were found in all (may exceed max). Cost: the whole
 * state. */
size_t invariant_check(const struct model *m, struct invariant_violation *out, size_t max);

/* The incremental check: the same rules, but only for the sessions and
 * accounts touched since the previous call (every session that sent,
 * received, changed or was destroyed; every account whose roster, pending
 * requests or existence changed), so its cost follows what the steps did.
 * Rules that relate a session to another (I7 views, G8 grants) are checked
 * from the touched side. Use invariant_check periodically and at the end. */
size_t invariant_check_touched(struct model *m, struct invariant_violation *out, size_t max);

#endif
