/* twin: one scenario on the model and on a live server, side by side.
 *
 * twin_run replays a scenario twice, on the model (every invariant checked
 * after every step, as always) and on the server of an adapter (prepared
 * afresh for the scenario, adapter.h, target_tcp.h), both recorded
 * (tape.h), and compares what the two servers sent: `sessim diff` per
 * scenario file, the differential explorer per generated run.
 * twin_transcribe turns a run's model traffic into expectations: a copy of
 * the scenario with, after each step, one `receive` per client holding
 * what the model sent that client in the step (in any order; ids no
 * client sent as `{any}`, as norm.h compares them), and leftovers not
 * ignored. The copy passes on the model by construction and fails on a
 * server that sends anything else: a differential finding made into a
 * scenario that `sessim run --target` reproduces.
 */
#ifndef SESSIM_SIM_TWIN_H
#define SESSIM_SIM_TWIN_H

#include <stdbool.h>

#include "model/buf.h"
#include "live/adapter.h"
#include "run/runner.h"
#include "scenario/scenario.h"
#include "live/tape.h"

#define TWIN_ERROR_MAX ADAPTER_ERROR_MAX

struct twin_result {
    struct runner_result model, live;
    bool differs;              /* the traffic differs (tape_first_difference) */
    struct buf difference;     /* then: the side-by-side text */
    struct buf kind;           /* then: its one-line kind */
    char error[TWIN_ERROR_MAX];   /* why the live target could not be made, or "" */
};

/* Runs s on the model and on a's server (settle_ms: target_tcp's settle),
 * compares the traffic in the given order (the server's side named by
 * adapter_name), and fills *out (release with twin_result_free). */
void twin_run(const struct scenario *s, struct adapter *a, unsigned settle_ms,
              enum tape_order order, struct twin_result *out);
void twin_result_free(struct twin_result *r);

/* The scenario s with the model's traffic written in as `receive` steps
 * (see above): target any, leftovers checked; NULL when s does not pass
 * on the model (its traffic is then no expectation). Free with
 * scenario_free. s must have no `receive` steps of its own. */
struct scenario *twin_transcribe(const struct scenario *s);

#endif
