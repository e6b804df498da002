/* diff: every scenario on the model and on a live server, side by side.
 *
 *   sessim diff [PATHS...] [--server NAME|FILE] [--target tcp://HOST:PORT]
 *               [--settle MS] [--jobs N] [--divergences FILE] [--dir DIR]
 *               [--prosody PROG] [-v]
 *
 * Each scenario runs once on the model and once on a clean server (an
 * adapter, adapter.h: the Prosody sessim starts by default, or `--server
 * NAME|FILE`; through the tcp target, target_tcp.h), both recorded
 * (tape.h), and is classed: pass on both, model only, server only, fail
 * on both, or not run live (a `target: model` scenario, one the server
 * cannot set up, or one the live target cannot finish). With a server
 * whose profile is not Prosody's, a scenario that pins no profile and
 * fails on both there but passes on the model in Prosody's profile is
 * classed by its traffic: the same (server-chosen ids and xml:lang
 * aside): the profile agrees with the server, not counted; else profile
 * differs, a divergence between the profile and the server. For a
 * divergence (model only, server only, profile differs) the report gives
 * the failing side's message and the first stanza where the two servers'
 * traffic differs.
 * Divergences that are understood are listed per server, one file each
 * (scenarios/DIVERGENCES.md for Prosody; a server file names its own with
 * `divergences:`, scenarios/DIVERGENCES-ejabberd.md for ejabberd; one
 * `## RULE` section per finding, listing lines "- `scenarios/AREA/FILE.yaml`
 * (model only)", "(server only)", "(model only, varies)", "(profile
 * differs)" or "(profile differs, varies)"); the exit
 * status is 1 when a divergence is not listed there with its class or a
 * scenario fails on both (it fails `sessim run` too: the scenario or the
 * model is wrong, no listing excuses it), 2 on bad input or when the
 * server cannot be run, else 0. N workers (--jobs,
 * default DIFF_JOBS_DEFAULT) each own a server on its own free port; the
 * report is printed in scenario order, whatever the timing.
 */
#ifndef SESSIM_SIM_DIFF_H
#define SESSIM_SIM_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "report/table.h"
#include "run/runner.h"

#define DIFF_JOBS_DEFAULT 4u
#define DIFF_JOBS_MAX 64u
#define DIFF_BENCH_JOBS 8u         /* servers of the live bench, as live-check */
#define DIFF_MESSAGE_LINES 12      /* of a failure report, unless -v */
#define DIFF_LISTING_DEFAULT "scenarios/DIVERGENCES.md"

/* X(name, label, summary text): the label starts each scenario's line of
 * the report (at most DIFF_LABEL_WIDTH characters), the text names the
 * class in the summary and in DIVERGENCES.md. */
#define DIFF_CLASSES(X)                              \
    X(BOTH, "both", "pass on both")                  \
    X(MODEL_ONLY, "model only", "model only")        \
    X(SERVER_ONLY, "server only", "server only")     \
    X(NEITHER, "fail on both", "fail on both")       \
    X(AGREE, "fail on both", "fail on both in the server's profile (not counted)") \
    X(PROFILE, "profile diff", "profile differs")    \
    X(NOT_LIVE, "skipped", "not run live")           \
    X(ERROR, "error", "input errors")
#define DIFF_LABEL_WIDTH 12

enum diff_class {
#define DIFF_ENUM(name, word, text) DIFF_##name,
    DIFF_CLASSES(DIFF_ENUM)
#undef DIFF_ENUM
};

/* The class of a scenario from its two outcomes (a live skip is NOT_LIVE). */
enum diff_class diff_classify(enum runner_outcome model, enum runner_outcome live);
/* The class of a scenario that pins no profile, run in the profile of a
 * server other than Prosody (--server ejabberd), and that passes on the
 * model as `sessim run` runs it (Prosody's profile), from its class cls
 * there: NEITHER becomes AGREE when no stanza differs (the model,
 * following that server, fails with it where the scenario expects what
 * Prosody does: not counted), else PROFILE (the profile and the server
 * differ: a divergence); any other class is kept. */
enum diff_class diff_in_server_profile(enum diff_class cls, bool traffic_differs);
/* The other class a listing "(CLASS, varies)" of class c accepts: pass on
 * both for model only, the server's profile agreeing for profile differs. */
enum diff_class diff_varies_to(enum diff_class c);
/* Whether class c is a divergence, listed or not (model only, server
 * only, profile differs). */
bool diff_class_diverges(enum diff_class c);
/* "model only" and the like, as in DIVERGENCES.md and the summary. */
const char *diff_class_text(enum diff_class c);

/* The exit status of a diff that ran (counts per class, divergences not
 * listed): 1 when a divergence is not listed or a scenario fails on both,
 * 2 when a file did not load, else 0. */
int diff_exit_status(const size_t counts[DIFF_ERROR + 1], size_t unlisted);

/* One listing line of DIVERGENCES.md. */
struct diff_listed {
    char *path;                /* as written between the backquotes */
    char *rule;                /* the heading's first word ("P13"), or "" */
    enum diff_class cls;       /* DIFF_MODEL_ONLY, DIFF_SERVER_ONLY or DIFF_PROFILE */
    bool varies;               /* "(model only, varies)": the server's outcome
                                * depends on an order or a timing it does not
                                * fix, so pass on both is expected too;
                                * "(profile differs, varies)": fail on both
                                * with the same traffic too */
};

struct diff_listing {
    struct diff_listed *items;
    size_t n;
};

/* Reads the listing lines of a DIVERGENCES.md text into out (appended;
 * lines that are not listing lines are ignored). */
void diff_listing_parse(const char *text, struct diff_listing *out);
/* diff_listing_parse of the file at path; returns 0, or the errno that
 * kept it from being read (out untouched). */
int diff_listing_read(const char *path, struct diff_listing *out);
/* The entry listing path (equal, or a suffix after a '/') with class cls,
 * or NULL. */
const struct diff_listed *diff_listing_find(const struct diff_listing *l, const char *path,
                                            enum diff_class cls);
void diff_listing_free(struct diff_listing *l);

/* The command (argv[0] is "diff"); returns the exit status. */
int diff_main(int argc, char **argv);

/* `sessim bench --only live`: the whole corpus on the model (the mean of
 * rounds passes, one thread) and on live Prosody servers (DIFF_BENCH_JOBS in
 * parallel, pacing roundtrip) in the same run; adds both times and their
 * ratios to t (goal: the model >= 1000x faster, summing the scenarios' live
 * times as if run one after another); then the corpus again with pacing
 * settle, and the ratio of the two ("live pacing", goal >= 10x). Prints a note and returns 0 when
 * Prosody is not installed (it installs nothing; t is not touched and may
 * be NULL then); 1 when the live run fails. */
int diff_bench(struct table *t, unsigned rounds);

#endif
