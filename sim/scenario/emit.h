/* emit: writes a loaded or generated scenario as YAML that loader_load
 * reads back to an equal scenario (scenarios/FORMAT.md, version 1).
 *
 * Every user string (names, stanzas, passwords, notes) is written
 * double-quoted with YAML escapes, so any text survives, line breaks and
 * control characters included; only the format's own words (step names,
 * enumerations, booleans, counts, durations) are plain. Clients the loader
 * made implicit stay implicit (named by their first step only) when
 * reloading would recreate them in the same order; every other client is
 * declared under `clients:`. Output is a function of the scenario alone.
 * Equal here means emit_equal: every field but `file` and the line/column
 * positions. Strings must be UTF-8 without NUL, as the loader gives them.
 */
#ifndef SESSIM_SIM_EMIT_H
#define SESSIM_SIM_EMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "model/buf.h"
#include "scenario/scenario.h"

/* Appends the YAML of s to out. Returns false (out then holds a partial
 * text) when a string is not valid UTF-8, or when s cannot be written in
 * the format at all: no steps, or a `check` step with no key. */
bool emit_scenario(const struct scenario *s, struct buf *out);

/* Appends text (NUL-terminated) as a YAML double-quoted scalar: UTF-8
 * kept where libyaml reads it literally, everything else escaped (\t, \n,
 * \r, \", \\, \xXX, \uXXXX). False when text is not valid UTF-8 (out then
 * holds the part before, closed). */
bool emit_quoted(struct buf *out, const char *text);

/* Appends text as a YAML string that the loader reads back the same:
 * plain when it is a word of letters, digits, '_', '.' and '-' opening
 * with a letter or '_' (and not a null), else emit_quoted. */
bool emit_string(struct buf *out, const char *text);

/* Writes the YAML of s to the file at path (created or truncated). Returns
 * false with a message in err (size bytes, may be NULL) on failure. */
bool emit_file(const struct scenario *s, const char *path, char *err, size_t size);

/* Whether a and b hold the same scenario (file names and positions
 * aside). When they differ and why is not NULL, appends one line saying
 * where the first difference is. */
bool emit_equal(const struct scenario *a, const struct scenario *b, struct buf *why);

#endif
