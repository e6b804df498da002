/* run_cmd: `sessim run` (see run_cmd.h). */
#include "cli/run_cmd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "base/exit.h"
#include "base/usage.h"
#include "base/mem.h"
#include "base/paths.h"
#include "live/target_tcp.h"
#include "report/html.h"
#include "report/report.h"
#include "run/runner.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"

static const struct usage help = {"run", RUN_CMD_LINE, RUN_CMD_SUMMARY, RUN_CMD_OPTIONS};

struct cli_run_options {
    struct paths tags;
    const char *junit, *tap, *json;
    const char *html;                 /* --html: the page, built in html_report */
    struct html_report *html_report;
    uint64_t seed;
    bool verbose;
    const char *target, *settle;      /* --target, --settle */
    const char *prosody;              /* --prosody */
    const char *server;               /* --server FILE */
    struct target_tcp_setup *live;    /* the live server, with --target */
    char **args;               /* positional arguments (PATHS) */
    size_t nargs;
};

/* The value of option argv[*i] ("--x V" or "--x=V"), or NULL when missing. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static bool option_is(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static bool parse_seed(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
        return false;
    *out = v;
    return true;
}

/* One option of `run` at argv[*i]; returns 0, or the usage exit status. */
static int parse_run_option(int argc, char **argv, int *i, struct cli_run_options *o)
{
    static const char *const valued[] = {"--tag",  "--junit",  "--tap",    "--json",
                                         "--seed", "--target", "--settle", "--html",
                                         "--prosody", "--server"};
    const char *arg = argv[*i];
    if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
        o->verbose = true;
        return 0;
    }
    for (size_t k = 0; k < COUNT(valued); k++) {
        if (!option_is(arg, valued[k]))
            continue;
        const char *v = option_value(argc, argv, i, valued[k]);
        if (v == NULL)
            return usage_error(&help, "option '%s' needs a value", valued[k]);
        if (k == 0)
            paths_add(&o->tags, v);
        else if (k == 1)
            o->junit = v;
        else if (k == 2)
            o->tap = v;
        else if (k == 3)
            o->json = v;
        else if (k == 5)
            o->target = v;
        else if (k == 6)
            o->settle = v;
        else if (k == 7)
            o->html = v;
        else if (k == 8)
            o->prosody = v;
        else if (k == 9)
            o->server = v;
        else if (!parse_seed(v, &o->seed))
            return usage_error(&help, "--seed needs a non-negative integer, not '%s'", v);
        return 0;
    }
    return usage_error(&help, "unknown option '%s' for 'run'", arg);
}

static bool wanted(const struct scenario *s, const struct paths *tags)
{
    if (tags->len == 0)
        return true;
    for (size_t i = 0; i < tags->len; i++)
        for (size_t k = 0; k < s->tags.count; k++)
            if (strcmp(tags->items[i], s->tags.items[k].text) == 0)
                return true;
    return false;
}

static const enum report_outcome outcome_report[] = {
    [RUNNER_PASS] = REPORT_PASS, [RUNNER_FAIL] = REPORT_FAIL, [RUNNER_SKIP] = REPORT_SKIP};

static void add_to_report(struct report *rep, const char *path, const struct scenario *s,
                            const struct runner_result *res)
{
    const char **tags = mem_calloc(s->tags.count + 1, sizeof *tags);
    const char **spec = mem_calloc(s->spec.count + 1, sizeof *spec);
    const char **notes = mem_calloc(s->step_count + 1, sizeof *notes);
    size_t notes_len = 0;
    for (size_t i = 0; i < s->step_count; i++)
        if (s->steps[i].kind == SCENARIO_STEP_NOTE)
            notes[notes_len++] = s->steps[i].note;
    for (size_t i = 0; i < s->tags.count; i++)
        tags[i] = s->tags.items[i].text;
    for (size_t i = 0; i < s->spec.count; i++)
        spec[i] = s->spec.items[i].text;
    struct report_entry e = {path, s->name, tags, s->tags.count, spec, s->spec.count,
                             outcome_report[res->outcome], res->steps_skipped, res->message,
                             res->line, s->description, notes, notes_len};
    report_add(rep, &e);
    free(notes);
    free(tags);
    free(spec);
}

/* Loads and runs one file; returns false on an input error. */
static bool run_file(const char *path, const struct cli_run_options *o, struct report *rep)
{
    struct scenario_error err;
    struct scenario *s = loader_load(path, &err);
    if (s == NULL) {
        char msg[SCENARIO_MESSAGE_MAX + 512];
        scenario_error_format(&err, msg, sizeof msg);
        fflush(stdout);
        fprintf(stderr, "%s\n", msg);
        fflush(stderr);
        struct report_entry e = {.path = path, .scenario = path, .outcome = REPORT_FAIL,
                                 .message = msg, .line = err.line};
        report_add(rep, &e);
        if (o->html_report != NULL)
            html_report_add_error(o->html_report, path, msg);
        return false;
    }
    if (wanted(s, &o->tags)) {
        struct runner_options ro = {.seed = o->seed, .verbose = o->verbose,
                                    .target_new = o->live ? target_tcp_setup_target : NULL,
                                    .target_ctx = o->live, .record = o->html_report != NULL};
        struct runner_result res;
        runner_run(s, &ro, &res);
        if (o->html_report != NULL)
            html_report_add(o->html_report, path, s, &res);
        printf("%s  %s  %s", runner_outcome_label(res.outcome), path, s->name);
        if (res.steps_skipped > 0)   /* live: advance and check steps */
            printf("  (%zu step%s skipped)", res.steps_skipped, res.steps_skipped == 1 ? "" : "s");
        putchar('\n');
        if (o->verbose)
            usage_print_indented(stdout, res.log, "    ");
        if (res.message != NULL)
            usage_print_indented(stdout, res.message, "    ");
        add_to_report(rep, path, s, &res);
        runner_result_free(&res);
    }
    scenario_free(s);
    return true;
}

/* Writes one report file; false after printing an error. */
static bool write_report(const char *file, bool (*writer)(const struct report *, FILE *),
                         const struct report *rep)
{
    if (file == NULL)
        return true;
    FILE *f = fopen(file, "w");
    bool ok = f != NULL && writer(rep, f);
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "sessim: cannot write %s: %s\n", file, strerror(errno));
    return ok;
}

/* --html: the page (html.h); false after printing an error. */
static bool write_html(const char *file, const struct html_report *h)
{
    if (file == NULL)
        return true;
    FILE *f = fopen(file, "w");
    bool ok = f != NULL && html_report_write(h, f);
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "sessim: cannot write %s: %s\n", file, strerror(errno));
    return ok;
}

static int run_collected(const struct paths *paths, const struct cli_run_options *opts)
{
    struct cli_run_options with = *opts;
    const struct cli_run_options *o = &with;
    with.html_report = opts->html != NULL ? html_report_new() : NULL;
    struct report *rep = report_new();
    bool input_ok = true;
    for (size_t i = 0; i < paths->len; i++)
        input_ok = run_file(paths->items[i], o, rep) && input_ok;
    report_write_summary(rep, stdout);
    fflush(stdout);
    bool written = write_report(o->junit, report_write_junit, rep) &&
                   write_report(o->tap, report_write_tap, rep) &&
                   write_report(o->json, report_write_json, rep) &&
                   write_html(o->html, with.html_report);
    int status = !input_ok || !written                 ? EXIT_USAGE
                 : report_count(rep, REPORT_FAIL) > 0 ? EXIT_FAILED
                                                      : EXIT_OK;
    report_free(rep);
    html_report_free(with.html_report);
    return status;
}

/* --target and --settle: the live server to run on (target_tcp.h). */
static int setup_target(struct cli_run_options *o)
{
    char err[512];
    if (o->server != NULL && o->prosody != NULL)
        return usage_error(&help, "%s", "--server and --prosody exclude each other");
    if (o->server != NULL) {
        o->live = target_tcp_setup_server(o->target, o->settle, o->server, err, sizeof err);
        return o->live != NULL ? 0 : usage_error(&help, "%s", err);
    }
    if (o->target == NULL)
        return usage_error(&help, "%s", "--settle and --prosody need --target");
    o->live = target_tcp_setup_new(o->target, o->settle, o->prosody, err, sizeof err);
    return o->live != NULL ? 0 : usage_error(&help, "%s", err);
}

int run_cmd_main(int argc, char **argv)
{
    struct cli_run_options o = {0};
    o.args = mem_calloc((size_t)argc + 1, sizeof *o.args);
    int status = 0;
    for (int i = 1; i < argc && status == 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage_print(stdout, &help);
            status = -1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            status = parse_run_option(argc, argv, &i, &o);
        } else {
            o.args[o.nargs++] = argv[i];
        }
    }
    if (status == 0 && (o.target != NULL || o.settle != NULL || o.prosody != NULL ||
                        o.server != NULL))
        status = setup_target(&o);
    if (status == 0) {
        struct paths paths = {0};
        bool found = paths_collect(o.args, o.nargs, &paths);
        if (paths.len == 0)
            usage_no_scenarios(o.args, o.nargs, "to run");
        status = paths.len > 0 ? run_collected(&paths, &o) : EXIT_USAGE;
        if (!found)
            status = EXIT_USAGE;
        paths_free(&paths);
    }
    target_tcp_setup_free(o.live);
    paths_free(&o.tags);
    free(o.args);
    return status < 0 ? EXIT_OK : status;
}
