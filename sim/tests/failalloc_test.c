/* failalloc: the model keeps its out-of-memory policy (model.h) with any
 * one allocation failing, in a fixed handful of scenarios. `make
 * check-failalloc` runs every scenario: SESSIM_FAILALLOC_PATHS names the
 * files or directories (space-separated) instead of the handful, and a
 * line per scenario goes to stderr. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/paths.h"
#include "run/failalloc.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "suites.h"

/* One of each: stream and SASL errors, subscriptions with roster pushes,
 * presence broadcast and unavailable on hangup, offline store with a
 * restart, account deletion, a resource conflict. */
static const char *const failalloc_sample[] = {
    "scenarios/lifecycle/xml-malformed.yaml",
    "scenarios/subscription/handshake-mutual.yaml",
    "scenarios/presence/close-unavailable-contacts-and-directed.yaml",
    "scenarios/accounts/restart-keeps-offline.yaml",
    "scenarios/accounts/unregister-contact-both.yaml",
    "scenarios/lifecycle/conflict-kick-old.yaml",
};

static struct paths failalloc_paths;

static void failalloc_collect(void)
{
    if (failalloc_paths.len > 0)
        return;
    const char *env = getenv("SESSIM_FAILALLOC_PATHS");
    if (env == NULL) {
        for (size_t i = 0; i < sizeof failalloc_sample / sizeof failalloc_sample[0]; i++)
            paths_add(&failalloc_paths, failalloc_sample[i]);
        return;
    }
    char *copy = strdup(env);
    char *args[256];
    size_t n = 0;
    for (char *t = strtok(copy, " "); t != NULL && n < 256; t = strtok(NULL, " "))
        args[n++] = t;
    paths_collect(args, n, &failalloc_paths);
    free(copy);
}

START_TEST(test_failalloc_every_allocation_failing_is_reported_and_freed)
{
    const char *path = failalloc_paths.items[_i];
    struct scenario_error err;
    struct scenario *s = loader_load(path, &err);
    ck_assert_msg(s != NULL, "%s does not load", path);
    struct failalloc_result r;
    bool ok = failalloc_sweep(s, 0, &r);
    if (getenv("SESSIM_FAILALLOC_PATHS") != NULL)
        fprintf(stderr, "failalloc: %s: %zu allocations, %zu runs%s%s\n", path, r.allocations,
                r.runs, ok ? "" : ": ", r.message);
    ck_assert_msg(ok, "%s: %s", path, r.message);
    ck_assert_uint_eq(r.runs, r.allocations + 1);
    scenario_free(s);
}
END_TEST

Suite *failalloc_suite(void)
{
    failalloc_collect();
    Suite *s = suite_create("failalloc");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_failalloc_every_allocation_failing_is_reported_and_freed, 0,
                        (int)failalloc_paths.len);
    suite_add_tcase(s, tc);
    return s;
}
