/* merge (and explore's --json, --seed-range and --time): the JSON summary
 * is byte-identical for the same options and names the failure, its rules
 * and reproducer; a seed range runs the first run of each seed; a time
 * limit stops starting runs; merging shard reports sums them and exits 1
 * when one failed, 2 when a file is not a report. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore/explore.h"
#include "explore/gen.h"
#include "base/count.h"
#include "explore/merge.h"
#include "suites.h"


static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* What was written to the temporary file f (closed). */
static char *read_back(FILE *f)
{
    rewind(f);
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* Runs an exploration with output to a string and the JSON to path. */
static char *explore_json(struct explore_options *o, const char *path, int *status)
{
    FILE *out = tmpfile();
    ck_assert_ptr_nonnull(out);
    struct explore_result res;
    o->json_path = path;
    *status = explore_run(o, out, NULL, &res);
    explore_result_free(&res);
    return read_back(out);
}

static const char *planted(const struct scenario *s, size_t steps_run, void *ctx)
{
    (void)s;
    (void)ctx;
    return steps_run > 0 ? "planted" : NULL;
}

static char *merge_text(const char *const *paths, size_t n, int *status)
{
    FILE *out = tmpfile();
    ck_assert_ptr_nonnull(out);
    *status = merge_reports(paths, n, out);
    return read_back(out);
}

static char dir[] = "/tmp/sessim-merge-XXXXXX";
static char path_a[64], path_b[64], path_c[64], path_fail[64];

static void setup(void)
{
    strcpy(dir, "/tmp/sessim-merge-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path_a, sizeof path_a, "%s/a.json", dir);
    snprintf(path_b, sizeof path_b, "%s/b.json", dir);
    snprintf(path_c, sizeof path_c, "%s/c.json", dir);
    snprintf(path_fail, sizeof path_fail, "%s/fail.json", dir);
}

START_TEST(test_explore_json_is_byte_identical_for_a_seed)
{
    struct explore_options o = {.seed = 7, .runs = 6, .steps = 120};
    int s1, s2;
    free(explore_json(&o, path_a, &s1));
    free(explore_json(&o, path_b, &s2));
    ck_assert_int_eq(s1, 0);
    ck_assert_int_eq(s2, 0);
    char *a = slurp(path_a), *b = slurp(path_b);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "\"seed\": 7,\n"));
    ck_assert_ptr_nonnull(strstr(a, "\"runs\": 6,\n"));
    ck_assert_ptr_nonnull(strstr(a, "\"steps_per_run\": 120,\n"));
    ck_assert_ptr_nonnull(strstr(a, "\"failed\": [],\n"));
    ck_assert_ptr_nonnull(strstr(a, "\"kinds\": {\"connect\": "));
    free(a);
    free(b);
}
END_TEST

START_TEST(test_explore_json_names_the_failure)
{
    struct explore_options o = {.seed = 3, .runs = 4, .steps = 50, .oracle = planted,
                                .out_dir = dir, .shrink_tests_max = 200};
    int status;
    free(explore_json(&o, path_fail, &status));
    ck_assert_int_eq(status, 1);
    char *j = slurp(path_fail);
    ck_assert_ptr_nonnull(strstr(j, "\"failures\": 1,\n"));
    ck_assert_ptr_nonnull(strstr(j, "\"reason\": \"oracle: planted\", \"rules\": []"));
    ck_assert_ptr_nonnull(strstr(j, "\"reproducer\": \"/tmp/sessim-merge-"));
    ck_assert_ptr_nonnull(strstr(j, "\"replayed\": true}"));
    free(j);
}
END_TEST

START_TEST(test_explore_seed_range_runs_the_first_run_of_each_seed)
{
    struct explore_options o = {.seed = 3, .seed_range = true, .seed_last = 5, .steps = 40,
                                .verbose = true};
    int status;
    char *text = explore_json(&o, path_a, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_int_eq(strncmp(text, "sessim explore: seeds 3..5, one run each x 40 steps\n", 52), 0);
    for (uint64_t k = 3; k <= 5; k++) {
        char line[64];
        snprintf(line, sizeof line, "\nrun %u: seed 0x%016llx,", (unsigned)(k - 2),
                 (unsigned long long)gen_run_seed(k, 0));
        ck_assert_ptr_nonnull(strstr(text, line));
    }
    ck_assert_ptr_nonnull(strstr(text, "\nexplore: 3 runs, "));
    char *j = slurp(path_a);
    ck_assert_ptr_nonnull(strstr(j, "\"seed_range\": [3, 5],\n"));
    free(j);
    free(text);
}
END_TEST

START_TEST(test_explore_time_limit_stops_starting_runs)
{
    struct explore_options o = {.seed = 1, .steps = 20, .time_limit = 0.05};
    int status;
    char *text = explore_json(&o, path_a, &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(text, "runs until the time is up x 20 steps\n"));
    ck_assert_ptr_nonnull(strstr(text, "the number of runs depends on speed"));
    unsigned long runs = 0;
    const char *sum = strstr(text, "\nexplore: ");
    ck_assert_ptr_nonnull(sum);
    ck_assert_int_eq(sscanf(sum, "\nexplore: %lu runs", &runs), 1);
    ck_assert_uint_ge(runs, 1);
    ck_assert_uint_lt(runs, 1000000);
    free(text);
}
END_TEST

START_TEST(test_merge_sums_shards)
{
    struct explore_options a = {.seed = 1, .seed_range = true, .seed_last = 3, .steps = 30};
    struct explore_options b = {.seed = 4, .seed_range = true, .seed_last = 8, .steps = 30};
    int status;
    free(explore_json(&a, path_a, &status));
    free(explore_json(&b, path_b, &status));
    const char *paths[] = {path_a, path_b};
    char *text = merge_text(paths, COUNT(paths), &status);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(text, ": seeds 1..3, 3 runs x 30 steps, "));
    ck_assert_ptr_nonnull(strstr(text, ": seeds 4..8, 5 runs x 30 steps, "));
    ck_assert_ptr_nonnull(strstr(text, "merge: 2 reports, 8 runs, "));
    ck_assert_ptr_nonnull(strstr(text, " 0 failures\n"));
    free(text);
}
END_TEST

START_TEST(test_merge_fails_when_a_shard_failed)
{
    struct explore_options a = {.seed = 1, .runs = 2, .steps = 30};
    struct explore_options f = {.seed = 3, .runs = 4, .steps = 50, .oracle = planted,
                                .out_dir = dir, .shrink_tests_max = 200};
    int status;
    free(explore_json(&a, path_a, &status));
    free(explore_json(&f, path_fail, &status));
    const char *paths[] = {path_a, path_fail};
    char *text = merge_text(paths, COUNT(paths), &status);
    ck_assert_int_eq(status, 1);
    ck_assert_ptr_nonnull(strstr(text, "FAIL "));
    ck_assert_ptr_nonnull(strstr(text, "oracle: planted"));
    ck_assert_ptr_nonnull(strstr(text, "  reproducer ("));
    ck_assert_ptr_nonnull(strstr(text, "merge: 2 reports, 3 runs, "));
    ck_assert_ptr_nonnull(strstr(text, " 1 failure\n"));
    free(text);
}
END_TEST

START_TEST(test_merge_refuses_what_is_not_a_report)
{
    FILE *f = fopen(path_c, "w");
    fputs("{\"runs\": 3}\n", f);
    fclose(f);
    const char *paths[] = {path_c, "/nonexistent/x.json"};
    int status;
    char *text = merge_text(paths, COUNT(paths), &status);
    ck_assert_int_eq(status, 2);
    ck_assert_ptr_nonnull(strstr(text, "is not a readable"));
    free(text);
}
END_TEST

Suite *merge_suite(void)
{
    Suite *s = suite_create("merge");
    TCase *tc = tcase_create("merge");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_explore_json_is_byte_identical_for_a_seed);
    tcase_add_test(tc, test_explore_json_names_the_failure);
    tcase_add_test(tc, test_explore_seed_range_runs_the_first_run_of_each_seed);
    tcase_add_test(tc, test_explore_time_limit_stops_starting_runs);
    tcase_add_test(tc, test_merge_sums_shards);
    tcase_add_test(tc, test_merge_fails_when_a_shard_failed);
    tcase_add_test(tc, test_merge_refuses_what_is_not_a_report);
    suite_add_tcase(s, tc);
    return s;
}
