/* gen: the explorer's scenario generator.
 *
 * A run seed gives a PRNG (model/prng.h), the PRNG per-run "swarm" knobs
 * (which step kinds are on and their weights, how many users, clients and
 * resources, the server settings, preset rosters), then a step list drawn
 * from a table with one row per step kind. A shadow of what each client's
 * harness state may be makes every written step one the runner can
 * execute (gen.c explains it). Output is a function of the run seed, the
 * step count and the vocabulary (model only, or fit for a live server
 * too). The scenario is the caller's (scenario_free).
 */
#ifndef SESSIM_SIM_GEN_H
#define SESSIM_SIM_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"

#define GEN_KINDS_MAX 32

/* The scenario of run seed run_seed with steps steps. */
struct scenario *gen_scenario(uint64_t run_seed, size_t steps);

/* The same; with live, the vocabulary a live server can be asked too;
 * adds the steps written of each kind to counts (GEN_KINDS_MAX entries;
 * NULL: not counted). With sm, the vocabulary gains stream management
 * (enable, ack, request, resume, a connection lost inside an <a/>, clock
 * jumps across the hibernation time); without it a seed gives the
 * scenario it gave before that vocabulary existed. */
struct scenario *gen_scenario_counted(uint64_t run_seed, size_t steps, bool live, bool sm,
                                      size_t *counts);
/* The same under a model profile: the scenario gives `profile` (unless
 * prosody, the default, so that prosody runs are those of before), and
 * the shadow follows that profile's rules. */
struct scenario *gen_scenario_profiled(uint64_t run_seed, size_t steps, bool live, bool sm,
                                       enum scenario_profile profile, size_t *counts);

/* What a live server fixes (the differential explorer against a server
 * file's adapter): the settings it states. Generated scenarios keep to it
 * (their initial rosters, mirrored pairs with no pending request, can be
 * set up in band). */
struct gen_fit {
    bool conflict_fixed, offline_fixed, registration_fixed;
    bool sm_fixed;   /* its own stream management settings: none set (FORMAT) */
    enum scenario_conflict conflict;
    bool offline, registration;
};
/* The same, keeping to fit (NULL: nothing fixed, as gen_scenario_profiled). */
struct scenario *gen_scenario_fitted(uint64_t run_seed, size_t steps, bool live, bool sm,
                                     enum scenario_profile profile, const struct gen_fit *fit,
                                     size_t *counts);

/* The seed of run `index` of an exploration with seed `seed`. */
uint64_t gen_run_seed(uint64_t seed, size_t index);

/* Number of rows (step kinds) of the vocabulary (with or without stream
 * management), and a row's name. */
size_t gen_kind_count(bool sm);
const char *gen_kind_name(size_t row);

#endif
