/* invariant: the state checker run after every step (SEMANTICS I1-I15).
 *
 * invariant_check reads the whole model state and reports every violation
 * with its rule id, a message and the connections involved. It never
 * changes the model. A healthy model reports nothing; unit tests corrupt
 * state on purpose (through model/internal.h) to prove each rule is caught.
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
 * returns how many were found in all (may exceed max). */
size_t invariant_check(const struct model *m, struct invariant_violation *out, size_t max);

#endif
