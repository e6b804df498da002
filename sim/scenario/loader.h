/* loader: reads a scenario file (scenarios/FORMAT.md) into a struct
 * scenario (scenario.h).
 *
 * Two passes: yamltree.h builds a tree of positioned YAML nodes, then a
 * schema walk reads every mapping through a table of fields, so that an
 * unknown key, a wrong type or a missing key is reported in one place,
 * as FILE:LINE:COLUMN: message (scenario_error_format). `send` strings and
 * `receive` patterns are parsed as they will be at run time and every
 * `${...}` must name something known. Any bytes give a scenario or an
 * error: no crash, leak or unbounded work (fuzzed via loader_load_buffer).
 */
#ifndef SESSIM_SIM_LOADER_H
#define SESSIM_SIM_LOADER_H

#include <stddef.h>

#include "scenario/scenario.h"

/* Reads and loads the file at path. Returns the scenario (free with
 * scenario_free), or NULL and fills *err (err may be NULL); err->file is
 * path. An unreadable or too large file has line and column 0. */
struct scenario *loader_load(const char *path, struct scenario_error *err);

/* Loads len bytes of YAML (need not be NUL-terminated); name is used as
 * the file name in the scenario and in errors. Same results as
 * loader_load. */
struct scenario *loader_load_buffer(const char *name, const char *data, size_t len,
                                    struct scenario_error *err);

#endif
