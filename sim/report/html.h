/* html: a run as one self-contained HTML page (`sessim run --html FILE`).
 *
 * The page has a summary table (outcome, scenario, file, tags, spec
 * references, steps) and, per scenario, a sequence diagram drawn as inline
 * SVG from the traffic the runner recorded (runner_options.record): one
 * lane per client and one for the server, an arrow for every stanza sent
 * and received (harness negotiation drawn small and grey), stream errors,
 * closes, hang-ups and restarts marked, receive/check/note steps shown
 * where they happened, and the failing step highlighted with the expected
 * and actual stanzas. No scripts, fonts, images or links outside the file.
 * Output is a function of what was added: no clock, no paths but the ones
 * given. The report copies everything it is given.
 */
#ifndef SESSIM_SIM_HTML_H
#define SESSIM_SIM_HTML_H

#include <stdbool.h>
#include <stdio.h>

#include "run/runner.h"
#include "scenario/scenario.h"

struct html_report;

/* An empty report. Free with html_report_free. Allocation failure aborts. */
struct html_report *html_report_new(void);
/* Releases the report. NULL is a no-op. */
void html_report_free(struct html_report *h);

/* Adds one scenario run: s as loaded from path, res as runner_run left it
 * (with options.record, or the diagram shows no traffic). */
void html_report_add(struct html_report *h, const char *path, const struct scenario *s,
                     const struct runner_result *res);
/* Adds a file that did not load (counted as failed), with the loader's
 * message. */
void html_report_add_error(struct html_report *h, const char *path, const char *message);

/* Writes the page to f; false when f reports a write error. */
bool html_report_write(const struct html_report *h, FILE *f);

#endif
