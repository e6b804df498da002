/* explore: the exploration loop, shrinking and the reproducer (see explore.h).
 *
 * Generation is gen.c, running and judging judge.c.
 *
 * Determinism: one PRNG per run, seeded from the exploration seed and the
 * run index; runner seed 0, so a reproducer fails under `sessim run FILE`
 * exactly as it did here. Bounds: steps per run, runs, pieces per write,
 * attempts to find an applicable step kind, the shrinker's budget, and a
 * per-run alarm when runs are isolated in child processes.
 */
#include "explore/explore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "explore/gen.h"
#include "explore/judge.h"
#include "base/exit.h"
#include "base/pool.h"
#include "model/buf.h"
#include "scenario/emit.h"
#include "base/mem.h"
#include "base/paths.h"
#include "report/report.h"
#include "explore/shrink.h"
#include "live/adapter.h"
#include "live/hostport.h"
#include "live/server_file.h"
#include "live/twin.h"
#include "scenario/loader.h"


struct shrink_ctx {
    const struct judge_options *judge;
    const struct judge_verdict *target;
};

/* Whether account b's roster mirrors item `it` of account a (I11). */
static bool mirrored(const struct scenario *s, const struct scenario_account *a,
                     const struct scenario_roster_item *it, const struct scenario_account *b)
{
    static const enum scenario_subscription mirror_of[] = {
        [SCENARIO_SUBSCRIPTION_NONE] = SCENARIO_SUBSCRIPTION_NONE,
        [SCENARIO_SUBSCRIPTION_TO] = SCENARIO_SUBSCRIPTION_FROM,
        [SCENARIO_SUBSCRIPTION_FROM] = SCENARIO_SUBSCRIPTION_TO,
        [SCENARIO_SUBSCRIPTION_BOTH] = SCENARIO_SUBSCRIPTION_BOTH};
    for (size_t k = 0; k < b->roster_count; k++)
        if (scenario_contact_is(s, b->roster[k].contact, a->name))
            return b->roster[k].subscription == mirror_of[it->subscription] &&
                   b->roster[k].ask == SCENARIO_ASK_NONE;
    return false;
}

/* Preset rosters a real server could hold: between two preset accounts,
 * each item has its mirror and no pending request (I11). The shrinker
 * may not produce a starting state the model could never reach. */
static bool presets_consistent(const struct scenario *s)
{
    for (size_t i = 0; i < s->account_count; i++) {
        const struct scenario_account *a = &s->accounts[i];
        for (size_t j = 0; j < a->roster_count; j++) {
            for (size_t k = 0; k < s->account_count; k++) {
                if (scenario_contact_is(s, a->roster[j].contact, s->accounts[k].name) &&
                    (a->roster[j].ask != SCENARIO_ASK_NONE ||
                     !mirrored(s, a, &a->roster[j], &s->accounts[k])))
                    return false;
            }
        }
    }
    return true;
}

static bool fails_the_same(const struct scenario *candidate, void *ctx)
{
    const struct shrink_ctx *sc = ctx;
    if (!presets_consistent(candidate))
        return false;
    struct judge_verdict v;
    judge_run(candidate, sc->judge, &v);
    bool same = judge_same_failure(sc->target, &v);
    judge_verdict_free(&v);
    return same;
}

/* ---- the reproducer ---- */

/* What the report says was violated: its first line past the step
 * label, then its "  RULE: message" lines. */
static void put_detail(struct buf *d, const struct judge_verdict *v)
{
    const char *msg = v->message != NULL ? v->message : "";
    const char *first = strstr(msg, "): ");
    size_t n = strcspn(first != NULL ? first + 3 : msg, "\n");
    buf_append(d, first != NULL ? first + 3 : msg, n);
    buf_putc(d, '\n');
    for (const char *line = strchr(msg, '\n'); line != NULL; line = strchr(line + 1, '\n')) {
        const char *p = line + 1;
        size_t id = strspn(p + (p[0] != '\0' && p[1] != '\0' ? 2 : 0),
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        if (strncmp(p, "  ", 2) == 0 && id > 0 && p[2] >= 'A' && p[2] <= 'Z' && p[2 + id] == ':')
            buf_append(d, p, strcspn(p, "\n") + 1);
    }
}

/* Steps other than `receive` (the expectations a live reproducer gained). */
static size_t own_steps(const struct scenario *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->step_count; i++)
        n += s->steps[i].kind != SCENARIO_STEP_RECEIVE;
    return n;
}

/* Names and describes the shrunk scenario: seed, run, reason, detail. */
static void label(struct scenario *s, const struct explore_options *opt,
                  const struct explore_result *res, const struct judge_verdict *v, size_t before)
{
    struct buf b = {0};
    buf_puts(&b, "explore seed ");
    buf_put_u64(&b, opt->seed);
    buf_puts(&b, " run ");
    buf_put_u64(&b, res->failed_run + 1);
    buf_puts(&b, ": ");
    buf_puts(&b, v->reason);
    scenario_string_set(&s->name, buf_cstr(&b));
    buf_clear(&b);
    char line[512];
    const char *live = opt->replay_options != NULL ? opt->replay_options : "";
    const char *profile = opt->profile == SCENARIO_PROFILE_PROSODY ? "" : "--profile ";
    snprintf(line, sizeof line,
             "Found by `sessim explore %s%s%s%s%s%s--seed %llu --steps %zu`, run %zu (run seed "
             "0x%016llx);\nshrunk from %zu to %zu steps. Fails with: %s\n",
             live, *live ? " " : "", opt->sm ? "--sm " : "", profile,
             *profile ? scenario_profile_name(opt->profile) : "", *profile ? " " : "",
             (unsigned long long)opt->seed, opt->steps,
             res->failed_run + 1, (unsigned long long)res->failed_seed, before, own_steps(s),
             v->reason);
    buf_puts(&b, line);
    if (*live != '\0')
        buf_puts(&b, "The receive steps are the model's traffic: the scenario passes on the\n"
                     "model and fails on the server where the two differ.\n");
    else
        put_detail(&b, v);
    buf_puts(&b, s->description != NULL ? s->description : "");
    scenario_string_set(&s->description, buf_cstr(&b));
    if (strncmp(v->reason, "invariant ", 10) == 0) {
        snprintf(line, sizeof line, "SEMANTICS %s", v->reason + 10);
        scenario_strings_add(&s->spec, line);
    }
    buf_free(&b);
}

/* Writes res->reproducer under opt->out_dir and replays the file as
 * `sessim run` would, into *replay. False when it cannot be written. */
static bool write_reproducer(const struct explore_options *opt, const struct judge_options *jo,
                             struct explore_result *res, struct judge_verdict *replay, FILE *out)
{
    char path[4096], err[4200];
    snprintf(path, sizeof path, "%s/seed-%llu-run-%zu.yaml", opt->out_dir,
             (unsigned long long)opt->seed, res->failed_run + 1);
    int e = paths_make_parents(path);   /* out_dir and the folders above it */
    if (e != 0) {
        fprintf(out, "  cannot create %s: %s\n", opt->out_dir, strerror(e));
        return false;
    }
    scenario_string_set(&res->reproducer->file, path);
    if (!emit_file(res->reproducer, path, err, sizeof err)) {
        fprintf(out, "  cannot write the reproducer: %s\n", err);
        return false;
    }
    res->path = mem_strdup(path);
    struct scenario_error lerr;
    struct scenario *back = loader_load(path, &lerr);
    if (back == NULL) {
        fprintf(out, "  the reproducer does not load: %s\n", lerr.message);
        return false;
    }
    judge_run(back, jo, replay);
    scenario_free(back);
    return true;
}

/* ---- exploring ---- */

struct explorer {
    struct explore_options opt;   /* with defaults filled in */
    struct judge_options judge;   /* how runs are made */
    FILE *out, *err;
    bool live;                    /* a progress line on err (a terminal) */
    double start;                 /* when the first run began (clock) */
    unsigned tenths;              /* --time, err not a terminal: tenths reported */
    double busy;                  /* seconds spent generating and running (not shrinking) */
    size_t counts[GEN_KINDS_MAX];
    struct pool *pool;            /* --jobs: the workers; NULL: runs made here */
    struct gen_fit fit_store;
    const struct gen_fit *fit;    /* what a described live server fixes, or NULL */
};

/* What the live server fixes, when it is described by a server file. */
static void fit_to_server(struct explorer *x)
{
    const struct server_file *sf = x->opt.live ? adapter_server_file(x->opt.live) : NULL;
    if (sf == NULL)
        return;
    x->fit_store = (struct gen_fit){
        (sf->given & SERVER_FILE_CONFLICT) != 0, (sf->given & SERVER_FILE_OFFLINE) != 0,
        (sf->given & SERVER_FILE_REGISTRATION) != 0, true, sf->conflict, sf->offline,
        sf->registration};
    x->fit = &x->fit_store;
}

static void clear_live(struct explorer *x)
{
    if (x->live)
        fputs("\r\033[K", x->err);
}

static void progress(struct explorer *x, const struct explore_result *res)
{
    size_t runs = x->opt.runs, done = res->runs;
    if (runs >= 100 && done % (runs / 10) == 0 && done < runs) {
        clear_live(x);
        fprintf(x->out, "progress: %zu/%zu runs, %zu steps, %zu failures\n", done, runs,
                res->steps, res->failures);
        fflush(x->out);
    }
    if (x->opt.time_limit > 0 && !x->live && x->err != NULL) {
        /* A run bounded by time has no tenth of its runs: its progress goes
         * to err (as the throughput does) each tenth of the time. */
        double elapsed = clock_now_s() - x->start;
        unsigned tenths = (unsigned)(elapsed * 10 / x->opt.time_limit);
        if (tenths > x->tenths && tenths < 10) {
            x->tenths = tenths;
            fprintf(x->err, "explore: %u%% of %.0f s: %zu runs, %zu steps, %.0f steps/s, "
                            "%zu failures\n", tenths * 10, x->opt.time_limit, done, res->steps,
                    x->busy > 0 ? (double)res->steps / x->busy : 0.0, res->failures);
            fflush(x->err);
        }
    }
    if (x->live && done % 8 == 0) {
        double t = x->busy;
        fprintf(x->err, "\r\033[Kexplore: %zu/%zu runs, %zu steps, %.0f steps/s, %zu failures",
                done, runs, res->steps, t > 0 ? (double)res->steps / t : 0.0, res->failures);
        fflush(x->err);
    }
}

static void print_indented(FILE *f, const char *text, const char *indent)
{
    while (*text != '\0') {
        size_t n = strcspn(text, "\n");
        fprintf(f, "%s%.*s\n", indent, (int)n, text);
        text += n + (text[n] == '\n');
    }
}

/* Whether a live run's failure shows again in a second run (timing on a
 * loaded machine, an order Prosody draws at start: 0.4). The model's own
 * failures are deterministic and need no second run. */
static bool repeats(struct explorer *x, const struct scenario *s, const struct judge_verdict *v)
{
    if (x->opt.live == NULL || strncmp(v->reason, "invariant ", 10) == 0 ||
        strncmp(v->reason, "unparseable", 11) == 0)
        return true;
    struct judge_verdict again;
    judge_run(s, &x->judge, &again);
    bool same = judge_same_failure(v, &again);
    judge_verdict_free(&again);
    return same;
}

/* Shrinks, labels, writes and replays the failure of run res->failed_run.
 * Returns the exit status. */
static int handle_failure(struct explorer *x, struct explore_result *res, struct scenario *s,
                          const struct judge_verdict *v)
{
    FILE *out = x->out;
    clear_live(x);
    fprintf(out, "FAIL run %zu/%zu (run seed 0x%016llx): %s", res->failed_run + 1, x->opt.runs,
            (unsigned long long)res->failed_seed, v->reason);
    if (v->steps_run > 0)
        fprintf(out, " at step %zu of %zu", v->steps_run, s->step_count);
    fputc('\n', out);
    fflush(out);
    struct shrink_ctx ctx = {&x->judge, v};
    struct shrink_stats stats;
    shrink_scenario(s, fails_the_same, &ctx, x->opt.shrink_tests_max, &stats);
    fprintf(out, "  shrunk to %zu steps (from %zu, %zu runs of the shrinker%s)\n", s->step_count,
            stats.steps_before, stats.tests, stats.exhausted ? ", stopped by its bound" : "");
    struct scenario *expected = x->opt.live != NULL ? twin_transcribe(s) : NULL;
    if (expected != NULL) {
        fprintf(out, "  with the model's traffic as %zu receive steps\n",
                expected->step_count - s->step_count);
        scenario_free(s);
        s = expected;
    }
    label(s, &x->opt, res, v, stats.steps_before);
    res->reproducer = s;
    snprintf(res->reason, sizeof res->reason, "%s", v->reason);
    snprintf(res->rules, sizeof res->rules, "%s", v->rules[0] ? v->rules : " ");
    struct buf yaml = {0};
    emit_scenario(s, &yaml);
    fputs("  reproducer:\n", out);
    print_indented(out, buf_cstr(&yaml), "    ");
    buf_free(&yaml);
    if (x->opt.out_dir == NULL)
        return EXIT_FAILED;
    struct judge_verdict replay;
    memset(&replay, 0, sizeof replay);
    if (!write_reproducer(&x->opt, &x->judge, res, &replay, out))
        return EXIT_USAGE;
    res->replayed = judge_same_failure(v, &replay);
    fprintf(out, "  written to %s\n  replay: sessim run %s%s%s\n", res->path,
            x->opt.replay_options ? x->opt.replay_options : "",
            x->opt.replay_options ? " " : "", res->path);
    if (!res->replayed)
        fprintf(out, "  (the written file does not fail the same way: %s)\n",
                replay.failed ? replay.reason : "it passes");
    print_indented(out, replay.message != NULL ? replay.message : "", "    ");
    judge_verdict_free(&replay);
    return EXIT_FAILED;
}

static void summary(struct explorer *x, const struct explore_result *res)
{
    clear_live(x);
    fprintf(x->out, "explore: %zu runs, %zu steps, %zu failure%s", res->runs, res->steps,
            res->failures, res->failures == 1 ? "" : "s");
    if (x->opt.live != NULL)
        fprintf(x->out, ", %zu difference%s not repeated", res->unrepeated,
                res->unrepeated == 1 ? "" : "s");
    if (res->not_live > 0)   /* the model's verdict alone for those */
        fprintf(x->out, ", %zu not run live", res->not_live);
    fputs("\nkinds written:", x->out);
    for (size_t i = 0; i < gen_kind_count(x->opt.sm); i++)
        fprintf(x->out, " %s %zu%s", gen_kind_name(i), x->counts[i],
                i + 1 < gen_kind_count(x->opt.sm) ? "," : "");
    fputc('\n', x->out);
    fflush(x->out);
    double t = x->busy;
    if (x->err != NULL)
        fprintf(x->err, "explore: %zu steps in %.2f s, %.0f steps/s, every invariant after "
                        "every step\n",
                res->steps, t, t > 0 ? (double)res->steps / t : 0.0);
    if (x->err != NULL && x->opt.verbose && x->opt.live != NULL) {
        struct buf b = {0};
        adapter_stats_text(adapter_stats(x->opt.live), &b);
        fputs(buf_cstr(&b), x->err);
        buf_free(&b);
    }
}

static void json_failure(FILE *f, const struct explore_result *res)
{
    fprintf(f, "  \"failed\": [\n    {\"run\": %zu, \"run_seed\": \"0x%016llx\", \"reason\": ",
            res->failed_run + 1, (unsigned long long)res->failed_seed);
    report_json_string(f, res->reason);
    fputs(", \"rules\": [", f);
    const char *p = res->rules;
    for (bool first = true; *(p += strspn(p, " ")) != '\0'; first = false) {
        size_t n = strcspn(p, " ");
        fprintf(f, "%s\"%.*s\"", first ? "" : ", ", (int)n, p);
        p += n;
    }
    fprintf(f, "], \"reproducer_steps\": %zu, \"reproducer\": ",
            res->reproducer != NULL ? res->reproducer->step_count : 0);
    if (res->path != NULL)
        report_json_string(f, res->path);
    else
        fputs("null", f);
    fprintf(f, ", \"replayed\": %s}\n  ],\n", res->replayed ? "true" : "false");
}

/* The --json summary: a function of the options and the runs done. */
static bool write_json(const struct explorer *x, const struct explore_result *res)
{
    FILE *f = fopen(x->opt.json_path, "w");
    if (f == NULL)
        return false;
    fprintf(f, "{\n  \"sessim_explore\": 1,\n  \"seed\": %llu,\n",
            (unsigned long long)x->opt.seed);
    if (x->opt.seed_range)
        fprintf(f, "  \"seed_range\": [%llu, %llu],\n", (unsigned long long)x->opt.seed,
                (unsigned long long)x->opt.seed_last);
    fprintf(f, "  \"steps_per_run\": %zu,\n  \"runs\": %zu,\n  \"steps\": %zu,\n"
               "  \"failures\": %zu,\n", x->opt.steps, res->runs, res->steps, res->failures);
    if (x->opt.live != NULL)
        fprintf(f, "  \"differential\": true,\n  \"unrepeated\": %zu,\n  \"not_live\": %zu,\n",
                res->unrepeated, res->not_live);
    if (res->failures > 0)
        json_failure(f, res);
    else
        fputs("  \"failed\": [],\n", f);
    fputs("  \"kinds\": {", f);
    for (size_t i = 0; i < gen_kind_count(x->opt.sm); i++)
        fprintf(f, "%s\"%s\": %zu", i ? ", " : "", gen_kind_name(i), x->counts[i]);
    fputs("}\n}\n", f);
    return fclose(f) == 0;
}

static void header(const struct explorer *x)
{
    const struct explore_options *o = &x->opt;
    if (o->seed_range)
        fprintf(x->out, "sessim explore: seeds %llu..%llu, one run each x %zu steps\n",
                (unsigned long long)o->seed, (unsigned long long)o->seed_last, o->steps);
    else if (o->time_limit > 0 && o->runs == EXPLORE_RUNS_MAX)
        fprintf(x->out, "sessim explore: seed %llu, runs until the time is up x %zu steps\n",
                (unsigned long long)o->seed, o->steps);
    else
        fprintf(x->out, "sessim explore: seed %llu, %zu runs x %zu steps\n",
                (unsigned long long)o->seed, o->runs, o->steps);
    if (o->profile != SCENARIO_PROFILE_PROSODY)
        fprintf(x->out, "  the model follows the %s profile\n", scenario_profile_name(o->profile));
    if (o->time_limit > 0)
        fprintf(x->out, "  (no run starts after %.0f s: the number of runs depends on speed)\n",
                o->time_limit);
    if (o->live != NULL) {
        char at[HOSTPORT_HOST_MAX + 16];
        adapter_address(o->live, at, sizeof at);
        fprintf(x->out, "  differential: each run on the model and on %s at %s, settle %u ms\n",
                adapter_name(o->live), at, o->settle_ms);
    }
    fflush(x->out);
}

static uint64_t seed_of_run(const struct explore_options *o, size_t i)
{
    return o->seed_range ? gen_run_seed(o->seed + i, 0) : gen_run_seed(o->seed, i);
}

/* Run i in a worker (pool.h): generated and judged there; its result is
 * the verdict's fixed part, its message and the kind counts. */
static bool pool_run(void *ctx, size_t i, struct buf *out)
{
    struct explorer *x = ctx;
    size_t counts[GEN_KINDS_MAX] = {0};
    struct scenario *s =
        gen_scenario_profiled(seed_of_run(&x->opt, i), x->opt.steps, false, x->opt.sm,
                              x->opt.profile, counts);
    struct judge_verdict v;
    judge_run(s, &x->judge, &v);
    scenario_free(s);
    pool_put(out, &v, sizeof v);
    pool_put_str(out, v.message);
    pool_put(out, counts, sizeof counts);
    judge_verdict_free(&v);
    return v.failed || v.broken;   /* nothing after it is used */
}

/* Run i read back from its worker into *v and x->counts; a broken
 * verdict when the worker ended without it. */
static void pool_result(struct explorer *x, size_t i, struct judge_verdict *v)
{
    struct buf b = {0};
    size_t pos = 0, counts[GEN_KINDS_MAX];
    memset(v, 0, sizeof *v);
    bool ok = pool_next(x->pool, i, &b) && pool_get(&b, &pos, v, sizeof *v) &&
              pool_get_str(&b, &pos, &v->message) && pool_get(&b, &pos, counts, sizeof counts);
    buf_free(&b);
    if (!ok) {
        judge_verdict_free(v);
        memset(v, 0, sizeof *v);
        v->broken = true;
        snprintf(v->reason, sizeof v->reason, "the worker process of run %zu ended early",
                 i + 1);
        return;
    }
    for (size_t k = 0; k < GEN_KINDS_MAX; k++)
        x->counts[k] += counts[k];
}

/* Run i: made here, or read back from its worker. The scenario is
 * returned when this process needs it (made here, or a failure to
 * shrink: generated again, the same for the same seed); else NULL. */
static struct scenario *next_run(struct explorer *x, size_t i, uint64_t seed,
                                 struct judge_verdict *v)
{
    bool live = x->opt.live != NULL;
    if (x->pool == NULL) {
        struct scenario *s = gen_scenario_fitted(seed, x->opt.steps, live, x->opt.sm,
                                                 x->opt.profile, x->fit, x->counts);
        judge_run(s, &x->judge, v);
        return s;
    }
    pool_result(x, i, v);
    if (!v->failed)
        return NULL;
    size_t scratch[GEN_KINDS_MAX] = {0};
    return gen_scenario_profiled(seed, x->opt.steps, live, x->opt.sm, x->opt.profile, scratch);
}

/* Live: the scenario of run i + 1, which the server is told of so that
 * its clean server can start during run i (adapter_expect); NULL when
 * there is none. The caller frees it after run i. */
static struct scenario *expect_next(struct explorer *x, size_t i)
{
    if (x->opt.live == NULL || i + 1 >= x->opt.runs)
        return NULL;
    size_t scratch[GEN_KINDS_MAX] = {0};
    struct scenario *next = gen_scenario_fitted(seed_of_run(&x->opt, i + 1), x->opt.steps, true,
                                                x->opt.sm, x->opt.profile, x->fit, scratch);
    adapter_expect(x->opt.live, next);
    return next;
}

/* --jobs: the workers, when there are to be any. False when they could
 * not be started (said on out). */
static bool start_pool(struct explorer *x)
{
    if (x->opt.jobs < 2 || x->opt.live != NULL || x->opt.runs < 2)
        return true;
    size_t jobs = x->opt.jobs < POOL_JOBS_MAX ? x->opt.jobs : POOL_JOBS_MAX;
    x->pool = pool_new(jobs, x->opt.runs, pool_run, x);
    if (x->pool == NULL)
        fprintf(x->out, "explore: cannot start %zu worker processes: %s\n", jobs,
                strerror(errno));
    return x->pool != NULL;
}

int explore_run(const struct explore_options *opt, FILE *out, FILE *err,
                struct explore_result *res)
{
    struct explorer x;
    memset(&x, 0, sizeof x);
    memset(res, 0, sizeof *res);
    x.opt = *opt;
    bool live = opt->live != NULL;
    x.opt.runs = opt->runs              ? opt->runs
                 : opt->time_limit > 0 ? EXPLORE_RUNS_MAX
                 : live                ? EXPLORE_LIVE_RUNS_DEFAULT
                                       : EXPLORE_RUNS_DEFAULT;
    if (opt->seed_range)
        x.opt.runs = (size_t)(opt->seed_last - opt->seed + 1);
    x.opt.steps = opt->steps ? opt->steps : live ? EXPLORE_LIVE_STEPS_DEFAULT
                                                 : EXPLORE_STEPS_DEFAULT;
    if (live && opt->shrink_tests_max == 0)
        x.opt.shrink_tests_max = EXPLORE_LIVE_SHRINK_DEFAULT;
    if (live)
        x.opt.isolate = false;   /* the server belongs to this process */
    x.judge = (struct judge_options){x.opt.isolate, x.opt.oracle, x.opt.oracle_ctx, x.opt.live,
                                     x.opt.settle_ms};
    x.out = out;
    x.err = err;
    x.live = err != NULL && !opt->verbose && isatty(fileno(err));
    fit_to_server(&x);
    header(&x);
    int status = start_pool(&x) ? EXIT_OK : EXIT_USAGE;
    x.start = clock_now_s();
    for (size_t i = 0; i < x.opt.runs && status == EXIT_OK; i++) {
        uint64_t seed = seed_of_run(&x.opt, i);
        double t0 = clock_now_s();
        if (opt->time_limit > 0 && t0 - x.start >= opt->time_limit)
            break;
        struct judge_verdict v;
        struct scenario *next = expect_next(&x, i);
        struct scenario *s = next_run(&x, i, seed, &v);
        if (next != NULL) {
            adapter_expect(x.opt.live, NULL);
            scenario_free(next);
        }
        x.busy += clock_now_s() - t0;
        res->runs++;
        res->steps += v.steps_run;
        res->not_live += v.not_live;
        if (opt->verbose)
            fprintf(out, "run %zu: seed 0x%016llx, %zu steps, %s\n", i + 1,
                    (unsigned long long)seed, v.steps_run,
                    v.failed     ? v.reason
                    : v.not_live ? "pass on the model, not run live"
                                 : "pass");
        if (v.broken) {
            clear_live(&x);
            fprintf(out, "explore: %s\n", v.reason);
            status = EXIT_USAGE;
        } else if (v.failed && !repeats(&x, s, &v)) {
            res->unrepeated++;
            clear_live(&x);
            fprintf(out, "run %zu: a difference that a second run did not show, passed over: "
                         "%s\n", i + 1, v.reason);
            scenario_free(s);
        } else if (v.failed) {
            res->failures = 1;
            res->failed_run = i;
            res->failed_seed = seed;
            pool_free(x.pool);   /* the shrinker needs the cores */
            x.pool = NULL;
            status = handle_failure(&x, res, s, &v);
        } else {
            scenario_free(s);
        }
        judge_verdict_free(&v);
        progress(&x, res);
    }
    pool_free(x.pool);
    summary(&x, res);
    if (opt->json_path != NULL && !write_json(&x, res)) {
        fprintf(out, "explore: cannot write %s\n", opt->json_path);
        return EXIT_USAGE;
    }
    return status;
}

void explore_result_free(struct explore_result *res)
{
    scenario_free(res->reproducer);
    free(res->path);
    res->reproducer = NULL;
    res->path = NULL;
}
