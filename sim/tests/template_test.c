/* template: the written template loads and passes on the model, names are
 * validated, an existing file is never overwritten, `sessim new` exits
 * 0/2 as documented. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/runner.h"
#include "base/count.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "suites.h"
#include "cli/template_cmd.h"
#include "scenario/template.h"


static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/sessim-template-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
    char path[128];
    static const char *const files[] = {"t.yaml", "cli.yaml"};
    for (size_t i = 0; i < COUNT(files); i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

START_TEST(test_template_loads_and_passes)
{
    char path[128], err[700];
    snprintf(path, sizeof path, "%s/t.yaml", dir);
    ck_assert_int_eq(template_write(path, "presence/first-try", err, sizeof err), 0);
    struct scenario_error e;
    struct scenario *s = loader_load(path, &e);
    ck_assert_msg(s != NULL, "%s:%lu:%lu: %s", path, e.line, e.column, e.message);
    ck_assert_str_eq(s->name, "presence/first-try");
    ck_assert_uint_eq(s->client_count, 2);
    ck_assert_uint_eq(s->steps[s->step_count - 1].kind, SCENARIO_STEP_CHECK);
    struct runner_result r;
    runner_run(s, NULL, &r);
    ck_assert_msg(r.outcome == RUNNER_PASS, "%s", r.message ? r.message : "not a pass");
    ck_assert_uint_eq(r.steps_run, s->step_count);
    runner_result_free(&r);
    scenario_free(s);
}
END_TEST

START_TEST(test_template_shows_every_top_level_key)
{
    static const char *const keys[] = {"scenario:", "description:", "tags:", "spec:",
                                       "target:", "leftovers:", "server:", "accounts:",
                                       "clients:", "steps:"};
    char *text = template_text("x");
    for (size_t i = 0; i < COUNT(keys); i++)
        ck_assert_msg(strstr(text, keys[i]) != NULL, "missing %s", keys[i]);
    free(text);
}
END_TEST

START_TEST(test_template_refuses_to_overwrite)
{
    char path[128], err[700];
    snprintf(path, sizeof path, "%s/t.yaml", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("mine\n", f);
    fclose(f);
    ck_assert_int_eq(template_write(path, "x", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "already exists"));
    ck_assert_ptr_nonnull(strstr(err, path));
    char buf[16] = {0};
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
    fclose(f);
    ck_assert_str_eq(buf, "mine\n");
}
END_TEST

START_TEST(test_template_reports_unwritable_path)
{
    char err[700];
    ck_assert_int_eq(template_write("/nonexistent-dir/x.yaml", "x", err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent-dir/x.yaml: cannot create: No such file or directory");
}
END_TEST

static const struct {
    const char *name;
    const char *problem;   /* NULL: valid */
} names[] = {
    {"presence", NULL},
    {"roster/push-2.v1", NULL},
    {"", "is empty"},
    {"a b", "may use only letters, digits, '_', '-', '.' and '/'"},
    {"x\xc3\xa9", "may use only letters, digits, '_', '-', '.' and '/'"},
    {"../etc", "has a segment starting with '.' or '-'"},
    {"a/.hidden", "has a segment starting with '.' or '-'"},
    {"-x", "has a segment starting with '.' or '-'"},
    {"a//b", "has an empty path segment"},
    {"/abs", "has an empty path segment"},
    {"dir/", "has an empty path segment"},
    {"a'b", "may use only letters, digits, '_', '-', '.' and '/'"},
};

START_TEST(test_template_name_problem)
{
    const char *got = template_name_problem(names[_i].name);
    if (names[_i].problem == NULL)
        ck_assert_ptr_null(got);
    else
        ck_assert_str_eq(got != NULL ? got : "(valid)", names[_i].problem);
}
END_TEST

START_TEST(test_template_name_too_long)
{
    char name[TEMPLATE_NAME_MAX + 2];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    ck_assert_str_eq(template_name_problem(name), "is longer than 120 bytes");
    name[TEMPLATE_NAME_MAX] = '\0';
    ck_assert_ptr_null(template_name_problem(name));
}
END_TEST

static int run_main(const char *a1, const char *a2, const char *a3)
{
    char *argv[] = {"new", (char *)a1, (char *)a2, (char *)a3, NULL};
    int argc = 1 + (a1 != NULL) + (a2 != NULL) + (a3 != NULL);
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");
    int rc = template_cmd_main(argc, argv);
    fclose(stderr);
    stderr = saved;
    return rc;
}

START_TEST(test_template_main_exit_status)
{
    char path[128];
    snprintf(path, sizeof path, "%s/cli.yaml", dir);
    ck_assert_int_eq(run_main("x", "-o", path), 0);
    ck_assert_int_eq(run_main("x", "-o", path), 2);     /* exists */
    ck_assert_int_eq(run_main("a b", "-o", path), 2);   /* bad NAME */
    ck_assert_int_eq(run_main(NULL, NULL, NULL), 2);    /* no NAME */
    ck_assert_int_eq(run_main("x", "-o", NULL), 2);     /* -o without value */
    ck_assert_int_eq(run_main("x", "--force", NULL), 2);
    ck_assert_int_eq(run_main("x", "y", NULL), 2);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
}
END_TEST

Suite *template_suite(void)
{
    Suite *s = suite_create("template");
    TCase *tc = tcase_create("template");
    tcase_add_checked_fixture(tc, make_dir, remove_dir);
    tcase_add_test(tc, test_template_loads_and_passes);
    tcase_add_test(tc, test_template_shows_every_top_level_key);
    tcase_add_test(tc, test_template_refuses_to_overwrite);
    tcase_add_test(tc, test_template_reports_unwritable_path);
    tcase_add_loop_test(tc, test_template_name_problem, 0, (int)COUNT(names));
    tcase_add_test(tc, test_template_name_too_long);
    tcase_add_test(tc, test_template_main_exit_status);
    suite_add_tcase(s, tc);
    return s;
}
