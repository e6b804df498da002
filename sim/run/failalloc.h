/* failalloc: replays a scenario on the model with its n-th allocation
 * failing, for every n up to the allocation count of a clean run (the
 * method of libexpat's tests/alloc_tests.c), to hold the model to the
 * out-of-memory policy of model.h.
 *
 * The model's allocation hooks count every allocation, expat's included;
 * from the n-th on, every allocation fails (an exhausted heap). Each run
 * must end with the model reporting the failure through its API (the
 * scenario fails with "model: out of memory", or the model cannot be
 * created), and once the target is freed no block may be left: a crash is
 * a crash, a leak is counted here (and LeakSanitizer sees it too).
 *
 * The hooks have no context pointer (expat's memory suite has none), so
 * their counters are this module's; one sweep at a time, single-threaded.
 */
#ifndef SESSIM_SIM_FAILALLOC_H
#define SESSIM_SIM_FAILALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"

#define FAILALLOC_MESSAGE_MAX 512

struct failalloc_result {
    size_t allocations;       /* allocations of the clean run */
    size_t runs;              /* runs made, the clean one included */
    bool ok;                  /* every run kept the policy */
    char message[FAILALLOC_MESSAGE_MAX]; /* the first problem; "" when ok */
};

/* Runs s with the given seed once cleanly (it must pass, or be skipped:
 * then nothing more is run), then once for each n = 1 .. allocations with
 * allocation n failing. Fills *out; returns out->ok. */
bool failalloc_sweep(const struct scenario *s, uint64_t seed, struct failalloc_result *out);

#endif
