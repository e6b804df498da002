/* report: the results of a run and their writers (DESIGN.md "Reports").
 *
 * A collector keeps one entry per scenario, in the order they were added,
 * and writes them as JUnit XML, TAP version 13 or JSON, plus the summary
 * line `N passed, N failed[, N skipped]` (scenarios/FORMAT.md "Exit status
 * and output"). Output is a function of the entries alone: no timestamps,
 * durations, host names or addresses. Strings are written as UTF-8; bytes
 * that are not valid UTF-8 become U+FFFD, and characters a format cannot
 * carry are escaped (XML 1.0 has no control characters: they are written as
 * the text `#xHH`). The collector copies everything it is given.
 */
#ifndef SESSIM_SIM_REPORT_H
#define SESSIM_SIM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "run/runner.h"

/* X(name, word, label): outcome of one scenario and its name in reports
 * (the runner's list, run/runner.h). */
#define REPORT_OUTCOMES(X) RUNNER_OUTCOMES(X)

enum report_outcome {
#define REPORT_ENUM(name, word, label) REPORT_##name,
    REPORT_OUTCOMES(REPORT_ENUM)
#undef REPORT_ENUM
};

/* One scenario's result. Every pointer is borrowed by report_add. */
struct report_entry {
    const char *path;                /* scenario file, as given on the command line */
    const char *scenario;            /* its `scenario:` text */
    const char *const *tags;         /* tags_len tags */
    size_t tags_len;
    const char *const *spec;         /* spec_len spec references */
    size_t spec_len;
    enum report_outcome outcome;
    size_t skipped_steps;            /* steps the target could not run */
    const char *message;             /* failure text (any lines) or skip reason; NULL: none */
    unsigned long line;              /* line of the failing step; 0: none */
    const char *description;         /* the scenario's description; NULL: none */
    const char *const *notes;        /* notes_len texts of its `note` steps */
    size_t notes_len;
    bool load_error;                 /* REPORT_FAIL because the file did not load */
};

struct report;

/* An empty collector. Free with report_free. Allocation failure aborts. */
struct report *report_new(void);
/* Releases the collector and its copies. NULL is a no-op. */
void report_free(struct report *r);
/* Appends a deep copy of e (path and scenario must not be NULL). */
void report_add(struct report *r, const struct report_entry *e);
/* Number of entries, and number with the given outcome. */
size_t report_len(const struct report *r);
size_t report_count(const struct report *r, enum report_outcome outcome);
/* Entry i (< report_len), borrowed until report_free. */
const struct report_entry *report_get(const struct report *r, size_t i);
/* "pass", "fail" or "skip". */
const char *report_outcome_name(enum report_outcome outcome);

/* Each writer writes the whole report to f and returns false when f
 * reports a write error (ferror). f stays open. */

/* `N passed, N failed` with `, N skipped` when any, and a newline. */
bool report_write_summary(const struct report *r, FILE *f);
/* JUnit XML: one <testsuite name="sessim">, a <testcase> per entry with
 * classname = the file's directory, <failure> or <skipped>, and tags, spec
 * and skipped steps as <properties>. */
bool report_write_junit(const struct report *r, FILE *f);
/* TAP version 13: `ok N - name`; `not ok N - name` followed by a YAML
 * diagnostic block (file, line, skipped_steps, message), which a pass with
 * skipped steps gets too; `ok N - name # SKIP reason` for skips. */
bool report_write_tap(const struct report *r, FILE *f);
/* JSON (RFC 8259): {"summary": {...}, "results": [...]}, two-space indent. */
bool report_write_json(const struct report *r, FILE *f);

/* Writes s as a JSON string literal (RFC 8259 escapes; invalid UTF-8 as
 * U+FFFD; NULL as null), for every JSON sessim writes. */
void report_json_string(FILE *f, const char *s);

#endif
