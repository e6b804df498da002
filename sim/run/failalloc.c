/* failalloc: the failing-allocator sweep (see failalloc.h). */
#include "run/failalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "run/runner.h"
#include "run/target.h"

/* The hooks' state: context-free hooks need file-scope counters. */
static size_t failalloc_count;     /* allocations asked for so far */
static size_t failalloc_fail_at;   /* 1-based; 0: none fails */
static size_t failalloc_live;      /* blocks handed out and not freed */

static bool failalloc_refuse(void)
{
    failalloc_count++;
    return failalloc_fail_at != 0 && failalloc_count >= failalloc_fail_at;
}

static void *failalloc_malloc(size_t n)
{
    if (failalloc_refuse())
        return NULL;
    void *p = malloc(n);
    if (p != NULL)
        failalloc_live++;
    return p;
}

static void *failalloc_realloc(void *p, size_t n)
{
    if (failalloc_refuse())
        return NULL;
    void *q = realloc(p, n);
    if (q != NULL && p == NULL)
        failalloc_live++;
    return q;
}

static void failalloc_free(void *p)
{
    if (p != NULL)
        failalloc_live--;
    free(p);
}

static const struct model_allocator failalloc_allocator = {failalloc_malloc, failalloc_realloc,
                                                           failalloc_free};

static struct target *failalloc_target_new(const struct scenario *s, uint64_t seed, void *ctx)
{
    (void)ctx;
    return target_model_new_with(&s->server, seed, &failalloc_allocator);
}

/* One run with allocation fail_at failing (0: none); the result is the
 * caller's to free. */
static void failalloc_run(const struct scenario *s, uint64_t seed, size_t fail_at,
                          struct runner_result *res)
{
    failalloc_count = 0;
    failalloc_fail_at = fail_at;
    failalloc_live = 0;
    struct runner_options opt = {.seed = seed, .target_new = failalloc_target_new};
    runner_run(s, &opt, res);
}

/* Whether the run with allocation n failing kept the policy; if not, says
 * why in out->message. */
static bool failalloc_judge(size_t n, const struct runner_result *res,
                            struct failalloc_result *out)
{
    const char *msg = res->message ? res->message : "";
    const char *why = NULL;
    if (failalloc_live != 0)
        why = "blocks leaked";
    else if (failalloc_count < n)
        why = "the run made fewer allocations than the clean one";
    else if (res->outcome != RUNNER_FAIL ||
             (strstr(msg, "out of memory") == NULL &&
              strstr(msg, "cannot create the target") == NULL))
        why = "the failure was not reported as out of memory";
    if (why == NULL)
        return true;
    snprintf(out->message, sizeof out->message,
             "allocation %zu of %zu failing: %s (%zu left); the run: %s", n, out->allocations,
             why, failalloc_live, res->outcome == RUNNER_PASS ? "passed" : msg);
    return false;
}

bool failalloc_sweep(const struct scenario *s, uint64_t seed, struct failalloc_result *out)
{
    memset(out, 0, sizeof *out);
    struct runner_result res;
    failalloc_run(s, seed, 0, &res);
    out->allocations = failalloc_count;
    out->runs = 1;
    out->ok = res.outcome != RUNNER_FAIL && failalloc_live == 0;
    if (!out->ok)
        snprintf(out->message, sizeof out->message, "the clean run %s (%zu blocks left)",
                 res.outcome == RUNNER_FAIL ? "failed" : "leaked", failalloc_live);
    bool skipped = res.outcome == RUNNER_SKIP;
    runner_result_free(&res);
    for (size_t n = 1; out->ok && !skipped && n <= out->allocations; n++) {
        failalloc_run(s, seed, n, &res);
        out->runs++;
        out->ok = failalloc_judge(n, &res, out);
        runner_result_free(&res);
    }
    failalloc_fail_at = 0;
    return out->ok;
}
