/* preset: a target given the state a scenario starts from, before its
 * first step (scenarios/FORMAT.md `accounts:`).
 *
 * Every account is created first, then the rosters are preset, so an item
 * may name an account listed after its owner. A contact key with no '@'
 * means KEY@DOMAIN with the scenario's `server: domain`. Shared by the
 * runner (every scenario) and `sessim serve` (a server started from a
 * scenario file whose steps are not run). No traffic is sent.
 */
#ifndef SESSIM_SIM_PRESET_H
#define SESSIM_SIM_PRESET_H

#include <stdbool.h>

#include "run/target.h"
#include "scenario/scenario.h"

/* Creates s's accounts on t and presets their rosters. Returns true, or
 * false with *line set to the YAML line of the account or roster item that
 * failed (target_error(t) says why); the accounts made until then stay. */
bool preset_accounts(const struct scenario *s, struct target *t, unsigned long *line);

#endif
