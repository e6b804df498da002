/* checker: a scenario's `check:` step answered by the in-memory model.
 *
 * The model target's check operation (target.h): session flags of the
 * clients' current connections, the session count, accounts, tombstones,
 * offline counts, roster items and presence, compared with what the step
 * expects (scenarios/FORMAT.md `check`). Each mismatch is one line of the
 * report; names are listed sorted, so the report does not depend on the
 * model's order. Reads the model only (model.h queries), writes nothing
 * else.
 */
#ifndef SESSIM_SIM_CHECKER_H
#define SESSIM_SIM_CHECKER_H

#include "model/buf.h"
#include "run/target.h"

struct model;

/* Compares m with the step q->step (SCENARIO_STEP_CHECK); appends one
 * line per mismatch to out and returns their number. */
int checker_run(const struct model *m, const struct target_check *q, struct buf *out);

#endif
