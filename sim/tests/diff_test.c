/* diff: the class of a scenario from its two outcomes (and, in a server's
 * profile other than Prosody's, from its traffic), the listing of
 * understood divergences read from DIVERGENCES.md text, and the live bench
 * without a server. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "live/diff.h"
#include "base/count.h"
#include "suites.h"


static const struct {
    enum runner_outcome model, live;
    enum diff_class cls;
} classes[] = {
    {RUNNER_PASS, RUNNER_PASS, DIFF_BOTH},      {RUNNER_PASS, RUNNER_FAIL, DIFF_MODEL_ONLY},
    {RUNNER_FAIL, RUNNER_PASS, DIFF_SERVER_ONLY}, {RUNNER_FAIL, RUNNER_FAIL, DIFF_NEITHER},
    {RUNNER_PASS, RUNNER_SKIP, DIFF_NOT_LIVE},  {RUNNER_FAIL, RUNNER_SKIP, DIFF_NOT_LIVE},
};

START_TEST(test_diff_classify_outcome_pairs)
{
    ck_assert_int_eq(diff_classify(classes[_i].model, classes[_i].live), classes[_i].cls);
}
END_TEST

START_TEST(test_diff_class_texts)
{
    ck_assert_str_eq(diff_class_text(DIFF_BOTH), "pass on both");
    ck_assert_str_eq(diff_class_text(DIFF_MODEL_ONLY), "model only");
    ck_assert_str_eq(diff_class_text(DIFF_SERVER_ONLY), "server only");
    ck_assert_str_eq(diff_class_text(DIFF_NEITHER), "fail on both");
    ck_assert_str_eq(diff_class_text(DIFF_PROFILE), "profile differs");
}
END_TEST

/* Failing on both in the server's profile agrees only when no stanza
 * differs; different traffic is a divergence; other classes stay. */
START_TEST(test_diff_in_server_profile_by_traffic)
{
    ck_assert_int_eq(diff_in_server_profile(DIFF_NEITHER, false), DIFF_AGREE);
    ck_assert_int_eq(diff_in_server_profile(DIFF_NEITHER, true), DIFF_PROFILE);
    ck_assert_int_eq(diff_in_server_profile(DIFF_MODEL_ONLY, true), DIFF_MODEL_ONLY);
    ck_assert_int_eq(diff_in_server_profile(DIFF_BOTH, false), DIFF_BOTH);
    ck_assert(diff_class_diverges(DIFF_PROFILE));
    ck_assert(diff_class_diverges(DIFF_MODEL_ONLY));
    ck_assert(diff_class_diverges(DIFF_SERVER_ONLY));
    ck_assert(!diff_class_diverges(DIFF_AGREE));
    ck_assert(!diff_class_diverges(DIFF_NEITHER));
    ck_assert(!diff_class_diverges(DIFF_NOT_LIVE));
}
END_TEST

/* Fail on both is a failure whatever the listing says, a divergence only
 * when not listed; errors win. */
START_TEST(test_diff_exit_status)
{
    size_t counts[DIFF_ERROR + 1] = {0};
    counts[DIFF_BOTH] = 3;
    counts[DIFF_MODEL_ONLY] = 2;
    counts[DIFF_NOT_LIVE] = 1;
    counts[DIFF_AGREE] = 4;     /* not counted */
    counts[DIFF_PROFILE] = 1;   /* a divergence: fails when not listed */
    ck_assert_int_eq(diff_exit_status(counts, 0), 0);
    ck_assert_int_eq(diff_exit_status(counts, 1), 1);
    counts[DIFF_NEITHER] = 1;
    ck_assert_int_eq(diff_exit_status(counts, 0), 1);
    counts[DIFF_ERROR] = 1;
    ck_assert_int_eq(diff_exit_status(counts, 0), 2);
}
END_TEST

static const char listing_text[] =
    "# Divergences\n"
    "- `scenarios/ignored/before-any-heading.yaml` (model only)\n"
    "Intro with `scenarios/x.yaml` (model only) in text.\n"
    "## T2: tombstone expiry\n"
    "\n"
    "- `scenarios/tombstones/a.yaml` (model only)\n"
    "- `scenarios/tombstones/b.yaml` (server only)\n"
    "- `scenarios/tombstones/c.yaml` (model only, varies)\n"
    "- `scenarios/tombstones/d.yaml`\n"
    "- `scenarios/tombstones/e.yaml` (sometimes)\n"
    "* `scenarios/tombstones/f.yaml` (model only)\n"
    "## 0.4 order\n"
    "- `scenarios/accounts/g.yaml` (model only, varies)\n"
    "## E3: stream management\n"
    "- `scenarios/stream-management/h.yaml` (profile differs)\n"
    "- `scenarios/stream-management/i.yaml` (profile differs, varies)\n"
    "- `scenarios/stream-management/j.yaml` (profile differs, sometimes)\n";

START_TEST(test_diff_listing_reads_listing_lines_under_rules)
{
    struct diff_listing l = {0};
    diff_listing_parse(listing_text, &l);
    ck_assert_uint_eq(l.n, 7);
    ck_assert_str_eq(l.items[0].path, "scenarios/ignored/before-any-heading.yaml");
    ck_assert_str_eq(l.items[0].rule, "");
    ck_assert_str_eq(l.items[1].rule, "T2");
    ck_assert_int_eq(l.items[2].cls, DIFF_SERVER_ONLY);
    ck_assert_int_eq(l.items[3].cls, DIFF_MODEL_ONLY);
    ck_assert(l.items[3].varies);
    ck_assert(!l.items[1].varies);
    ck_assert_str_eq(l.items[4].rule, "0.4");
    ck_assert_int_eq(l.items[5].cls, DIFF_PROFILE);
    ck_assert_str_eq(l.items[5].rule, "E3");
    ck_assert(!l.items[5].varies);
    ck_assert_int_eq(l.items[6].cls, DIFF_PROFILE);
    ck_assert(l.items[6].varies);
    ck_assert_int_eq(diff_varies_to(DIFF_PROFILE), DIFF_AGREE);
    ck_assert_int_eq(diff_varies_to(DIFF_MODEL_ONLY), DIFF_BOTH);
    diff_listing_free(&l);
    ck_assert_uint_eq(l.n, 0);
}
END_TEST

static const struct {
    const char *path;
    enum diff_class cls;
    const char *rule;   /* NULL: not listed */
} finds[] = {
    {"scenarios/tombstones/a.yaml", DIFF_MODEL_ONLY, "T2"},
    {"./scenarios/tombstones/a.yaml", DIFF_MODEL_ONLY, "T2"},
    {"/home/u/sessim/scenarios/tombstones/a.yaml", DIFF_MODEL_ONLY, "T2"},
    {"xscenarios/tombstones/a.yaml", DIFF_MODEL_ONLY, NULL},
    {"scenarios/tombstones/a.yaml", DIFF_SERVER_ONLY, NULL},
    {"scenarios/tombstones/b.yaml", DIFF_SERVER_ONLY, "T2"},
    {"scenarios/tombstones/d.yaml", DIFF_MODEL_ONLY, NULL},
    {"tombstones/a.yaml", DIFF_MODEL_ONLY, NULL},
    {"scenarios/stream-management/h.yaml", DIFF_PROFILE, "E3"},
    {"scenarios/stream-management/h.yaml", DIFF_MODEL_ONLY, NULL},
    {"scenarios/tombstones/a.yaml", DIFF_PROFILE, NULL},
};

START_TEST(test_diff_listing_find_by_path_suffix_and_class)
{
    struct diff_listing l = {0};
    diff_listing_parse(listing_text, &l);
    const struct diff_listed *e = diff_listing_find(&l, finds[_i].path, finds[_i].cls);
    if (finds[_i].rule == NULL) {
        ck_assert_ptr_null(e);
    } else {
        ck_assert_ptr_nonnull(e);
        ck_assert_str_eq(e->rule, finds[_i].rule);
    }
    diff_listing_free(&l);
}
END_TEST

START_TEST(test_diff_usage_errors)
{
    static char *const bad[][4] = {
        {"diff", "--jobs", "0", NULL},
        {"diff", "--jobs", "65", NULL},
        {"diff", "--settle", "0", NULL},
        {"diff", "--target", "tcp://10.1.1.1:5222", NULL},
        {"diff", "--target", "tcp://127.0.0.1:5222", "--jobs"},
        {"diff", "--bogus", NULL, NULL},
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        int argc = 0;
        while (argc < 4 && bad[i][argc] != NULL)
            argc++;
        ck_assert_int_eq(diff_main(argc, (char **)bad[i]), 2);
    }
}
END_TEST

/* Without a Prosody in PATH the live bench is a note, not a failure, and
 * installs nothing. */
START_TEST(test_diff_bench_skips_without_prosody)
{
    const char *old = getenv("PATH");
    char *saved = old != NULL ? strcpy(malloc(strlen(old) + 1), old) : NULL;
    ck_assert_int_eq(setenv("PATH", "/nonexistent-sessim-dir", 1), 0);
    int rc = diff_bench(NULL, 1);
    if (saved != NULL)
        setenv("PATH", saved, 1);
    free(saved);
    ck_assert_int_eq(rc, 0);
}
END_TEST

Suite *diff_suite(void)
{
    Suite *s = suite_create("diff");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_diff_classify_outcome_pairs, 0, COUNT(classes));
    tcase_add_test(tc, test_diff_class_texts);
    tcase_add_test(tc, test_diff_in_server_profile_by_traffic);
    tcase_add_test(tc, test_diff_exit_status);
    tcase_add_test(tc, test_diff_listing_reads_listing_lines_under_rules);
    tcase_add_loop_test(tc, test_diff_listing_find_by_path_suffix_and_class, 0, COUNT(finds));
    tcase_add_test(tc, test_diff_usage_errors);
    tcase_add_test(tc, test_diff_bench_skips_without_prosody);
    suite_add_tcase(s, tc);
    return s;
}
