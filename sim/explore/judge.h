/* judge: one run of the explorer and its verdict.
 *
 * A generated scenario is run (in this process, or in a child process so
 * that a crash or a hang is a verdict too), and the runner's result is
 * read as a verdict: the first violated rule, unparseable server bytes,
 * or the harness step that could not be done; with a live server, the
 * first difference between the model's and the server's traffic (twin.h).
 * The reason is one line that shrinking can hold constant ("invariant
 * I7", "harness: CLIENT has no connection"); judge_same_failure compares
 * two verdicts that way. Runs use runner seed 0, like `sessim run`.
 */
#ifndef SESSIM_SIM_JUDGE_H
#define SESSIM_SIM_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario/scenario.h"

#define JUDGE_REASON_MAX 128
#define JUDGE_RUN_SECONDS_MAX 120   /* an isolated run taking longer is a failure (hang) */

struct adapter;

/* A test hook: an extra oracle called after a run the runner passed
 * (steps_run steps executed). Returns NULL when the run is fine, else a
 * short reason (static text). Tests plant failures with it; the model is
 * never changed for that. */
typedef const char *judge_oracle(const struct scenario *s, size_t steps_run, void *ctx);

/* How runs are made. Every pointer is borrowed. */
struct judge_options {
    bool isolate;              /* each run in a child process */
    judge_oracle *oracle;      /* NULL: none */
    void *oracle_ctx;
    struct adapter *live;       /* differential: the live server; NULL: the model alone */
    unsigned settle_ms;
};

struct judge_verdict {
    bool failed;
    bool broken;                       /* the live server could not be run */
    bool not_live;                     /* differential: the server could not set the run
                                        * up (SKIP there), the model's verdict alone */
    char reason[JUDGE_REASON_MAX];     /* one line */
    char rules[JUDGE_REASON_MAX];      /* every violated rule: " I4 I7 " */
    size_t steps_run;
    char *message;                     /* the runner's report (owned), or NULL */
};

/* Runs s as opt says and fills *v (release with judge_verdict_free). A
 * child that crashes or exceeds JUDGE_RUN_SECONDS_MAX fails with reason
 * "crash: ...". */
void judge_run(const struct scenario *s, const struct judge_options *opt,
               struct judge_verdict *v);

/* Whether v fails the way target did: the same violated rule (among
 * others), else the same reason. */
bool judge_same_failure(const struct judge_verdict *target, const struct judge_verdict *v);

/* Releases the message of v. */
void judge_verdict_free(struct judge_verdict *v);

#endif
