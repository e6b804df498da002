/* explore: `sessim explore`, seeded random simulation of the model with
 * fault injection, invariants after every step, and shrinking to a
 * minimal YAML reproducer (DESIGN.md "Explorer"; VOPR in miniature).
 *
 * A run is one generated scenario: seed → PRNG → per-run "swarm" knobs
 * (which step kinds are on and their weights, how many users, clients and
 * resources, the server settings, preset rosters), then a step list drawn
 * from a table with one row per step kind. The generator keeps a shadow of
 * what each client's harness state may be (a set of possible states), so
 * every step it writes is one the runner can execute; the runner replays
 * the scenario with `leftovers: ignore` and runner seed 0, checking every
 * invariant and that every server byte parses after each step. A run
 * fails when the runner does (violated rule, unparseable bytes, or a step
 * the shadow thought possible), when the process crashes (with isolation:
 * each run in a child process), or when the test hook says so. The first
 * failure is shrunk (shrink.h) under "fails for the same reason" and
 * written as YAML that `sessim run FILE` fails the same way.
 * Output on the given stream is a function of the options: no clock, no
 * addresses; throughput goes to the error stream only.
 *
 * Differential (`--target tcp://127.0.0.1:PORT`, DESIGN.md "Explorer"):
 * every run is also replayed on a live Prosody that sessim starts (a clean
 * server per run, live.h), and the two servers' traffic is compared per
 * connection, the stanzas of one step as a set (twin.h). Live runs leave
 * out what a live server cannot be asked or is known to do otherwise:
 * `advance`, the random-resource conflict policy, and the divergences that
 * generated steps would hit (one list: scenarios/DIVERGENCES.md, each
 * section saying how live runs avoid it). A difference is confirmed by a
 * second run before it counts (one that does not repeat is reported and
 * passed over), shrunk under "the same kind of first difference", and
 * written with the model's traffic as its `receive` steps
 * (twin_transcribe): it passes on the model and fails on the server with
 * `sessim run --target`. Runs are not
 * isolated then (the server belongs to this process), and the output
 * depends on what the server does as well as on the options.
 */
#ifndef SESSIM_SIM_EXPLORE_H
#define SESSIM_SIM_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "explore/judge.h"
#include "scenario/scenario.h"

#define EXPLORE_RUNS_DEFAULT 100
#define EXPLORE_STEPS_DEFAULT 200
#define EXPLORE_STEPS_MAX 1000000      /* per run */
#define EXPLORE_RUNS_MAX 100000000
#define EXPLORE_OUT_DEFAULT "reports/explore"
#define EXPLORE_REASON_MAX JUDGE_REASON_MAX
/* Differential defaults: every live step costs a settle time. */
#define EXPLORE_LIVE_RUNS_DEFAULT 20
#define EXPLORE_LIVE_STEPS_DEFAULT 30
#define EXPLORE_LIVE_SHRINK_DEFAULT 150

/* A test hook: an extra oracle called after a run the runner passed
 * (judge.h). */
typedef judge_oracle explore_oracle;

struct explore_options {
    uint64_t seed;
    bool seed_range;           /* one run per seed in [seed, seed_last]: run seed */
    uint64_t seed_last;        /*   gen_run_seed(k, 0), as run 1 of `--seed k` */
    size_t runs;               /* 0: EXPLORE_RUNS_DEFAULT (unbounded with time_limit) */
    double time_limit;         /* seconds; > 0: no run starts after it (clock!) */
    const char *json_path;     /* machine-readable summary written here; NULL: none */
    size_t steps;              /* per run; 0: EXPLORE_STEPS_DEFAULT */
    const char *out_dir;       /* reproducers go here; NULL: none written */
    bool verbose;              /* one line per run */
    bool sm;                   /* stream-management vocabulary (--sm) */
    enum scenario_profile profile; /* --profile: the model's (default prosody) */
    bool isolate;              /* each run and shrink candidate in a child process */
    size_t jobs;               /* worker processes for the runs (pool.h); 0, 1: none.
                                *   The output is the same for every value */
    size_t shrink_tests_max;   /* 0: SHRINK_TESTS_DEFAULT */
    explore_oracle *oracle;    /* NULL: none */
    void *oracle_ctx;
    /* Differential: the live server (borrowed), its settle time, and the
     * options that `sessim run` needs to replay on it (shown, not used). */
    struct adapter *live;       /* NULL: the model alone */
    unsigned settle_ms;
    const char *replay_options;   /* "--target tcp://127.0.0.1:0 ..." */
};

struct explore_result {
    size_t runs;               /* runs done, the failing one included */
    size_t steps;              /* scenario steps executed */
    size_t failures;           /* 0, or 1: exploring stops at the first */
    size_t unrepeated;         /* differential: differences a second run did not show */
    size_t not_live;           /* differential: runs the server could not set up */
    /* The failure, when there is one. */
    size_t failed_run;         /* 0-based */
    uint64_t failed_seed;      /* the run's own seed */
    char reason[EXPLORE_REASON_MAX];  /* "invariant I7", "crash: signal 6", ... */
    char rules[EXPLORE_REASON_MAX];   /* every violated rule: " I4 I7 " (or " ") */
    struct scenario *reproducer;      /* shrunk (owned; NULL without failure) */
    char *path;                       /* the YAML written, or NULL */
    bool replayed;             /* the written file failed again for the same reason */
};

/* Runs the exploration, printing the seed first, progress, the failure
 * (shrunk reproducer, its path and the replay command) and a summary on
 * out; a live progress line (on a terminal) and the throughput on err
 * (NULL: none). Fills *res (release with explore_result_free). Returns 0
 * when nothing failed, 1 when a failure was found, 2 when the reproducer
 * could not be written or the live server could not be run. */
int explore_run(const struct explore_options *opt, FILE *out, FILE *err,
                struct explore_result *res);

/* Releases what a result owns. */
void explore_result_free(struct explore_result *res);

#endif
