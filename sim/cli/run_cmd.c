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
#include "base/pool.h"
#include "live/target_tcp.h"
#include "report/html.h"
#include "model/buf.h"
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
    size_t jobs;                      /* -j: worker processes (base/pool.h); 0, 1: none */
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

static int parse_jobs(const char *v, struct cli_run_options *o)
{
    uint64_t n;
    if (!parse_seed(v, &n) || n == 0 || n > POOL_JOBS_MAX)
        return usage_error(&help, "-j needs a number of processes from 1 to 256, not '%s'", v);
    o->jobs = (size_t)n;
    return 0;
}

/* One option of `run` at argv[*i]; returns 0, or the usage exit status. */
static int parse_run_option(int argc, char **argv, int *i, struct cli_run_options *o)
{
    static const char *const valued[] = {"--tag",  "--junit",  "--tap",    "--json",
                                         "--seed", "--target", "--settle", "--html",
                                         "--prosody", "--server", "-j", "--jobs"};
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
        else if (k >= 10)
            return parse_jobs(v, o);
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
                             res->line, s->description, notes, notes_len, false};
    report_add(rep, &e);
    free(notes);
    free(tags);
    free(spec);
}

/* Loads and runs one file, printing on out (errors on err); returns
 * false on an input error. */
static bool run_file(const char *path, const struct cli_run_options *o, struct report *rep,
                     FILE *out, FILE *err_out)
{
    struct scenario_error err;
    struct scenario *s = loader_load(path, &err);
    if (s == NULL) {
        char msg[SCENARIO_MESSAGE_MAX + 512];
        scenario_error_format(&err, msg, sizeof msg);
        fflush(out);
        fprintf(err_out, "%s\n", msg);
        fflush(err_out);
        struct report_entry e = {.path = path, .scenario = path, .outcome = REPORT_FAIL,
                                 .message = msg, .line = err.line, .load_error = true};
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
        fprintf(out, "%s  %s  %s", runner_outcome_label(res.outcome), path, s->name);
        if (res.steps_skipped > 0)   /* live: advance and check steps */
            fprintf(out, "  (%zu step%s skipped)", res.steps_skipped,
                    res.steps_skipped == 1 ? "" : "s");
        fputc('\n', out);
        if (o->verbose)
            usage_print_indented(out, res.log, "    ");
        if (res.message != NULL)
            usage_print_indented(out, res.message, "    ");
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

/* ---- -j: scenarios in worker processes ---- */

struct run_jobs {
    const struct paths *paths;
    const struct cli_run_options *o;
};

static void put_strs(struct buf *b, const char *const *items, size_t n)
{
    pool_put(b, &n, sizeof n);
    for (size_t i = 0; i < n; i++)
        pool_put_str(b, items[i]);
}

/* File i in a worker: its standard output and error, whether its input
 * was fine, and its report entry (when it has one). */
static bool run_job(void *ctx, size_t i, struct buf *b)
{
    const struct run_jobs *j = ctx;
    char *text[2] = {NULL, NULL};
    size_t len[2];
    FILE *out = open_memstream(&text[0], &len[0]), *err = open_memstream(&text[1], &len[1]);
    struct report *rep = report_new();
    bool ok = out != NULL && err != NULL && run_file(j->paths->items[i], j->o, rep, out, err);
    if (out != NULL)
        fclose(out);
    if (err != NULL)
        fclose(err);
    pool_put(b, &ok, sizeof ok);
    pool_put_str(b, text[0]);
    pool_put_str(b, text[1]);
    size_t n = report_len(rep);
    pool_put(b, &n, sizeof n);
    if (n > 0) {
        const struct report_entry *e = report_get(rep, 0);
        pool_put(b, e, sizeof *e);
        pool_put_str(b, e->scenario);
        pool_put_str(b, e->message);
        pool_put_str(b, e->description);
        put_strs(b, e->tags, e->tags_len);
        put_strs(b, e->spec, e->spec_len);
        put_strs(b, e->notes, e->notes_len);
    }
    report_free(rep);
    free(text[0]);
    free(text[1]);
    return false;
}

/* n strings read back into a new array (free each and it with free_strs). */
static bool get_strs(const struct buf *b, size_t *pos, char ***items, size_t *n)
{
    *items = NULL;
    if (!pool_get(b, pos, n, sizeof *n) || *n > b->len)
        return false;
    *items = mem_calloc(*n + 1, sizeof **items);
    for (size_t i = 0; i < *n; i++)
        if (!pool_get_str(b, pos, &(*items)[i]))
            return false;
    return true;
}

static void free_strs(char **items, size_t n)
{
    for (size_t i = 0; items != NULL && i < n; i++)
        free(items[i]);
    free(items);
}

/* The report entry of file `path` read back into rep; false when short. */
static bool get_entry(const struct buf *b, size_t *pos, const char *path, struct report *rep)
{
    struct report_entry e;
    char *scenario = NULL, *message = NULL, *description = NULL;
    char **tags = NULL, **spec = NULL, **notes = NULL;
    size_t ntags = 0, nspec = 0, nnotes = 0;
    bool ok = pool_get(b, pos, &e, sizeof e) && pool_get_str(b, pos, &scenario) &&
              pool_get_str(b, pos, &message) && pool_get_str(b, pos, &description) &&
              get_strs(b, pos, &tags, &ntags) && get_strs(b, pos, &spec, &nspec) &&
              get_strs(b, pos, &notes, &nnotes);
    if (ok) {
        /* every pointer of the worker's entry replaced by this process's copy */
        e = (struct report_entry){path, scenario, (const char *const *)tags, ntags,
                                  (const char *const *)spec, nspec, e.outcome, e.skipped_steps,
                                  message, e.line, description, (const char *const *)notes,
                                  nnotes, e.load_error};
        report_add(rep, &e);
    }
    free(scenario);
    free(message);
    free(description);
    free_strs(tags, ntags);
    free_strs(spec, nspec);
    free_strs(notes, nnotes);
    return ok;
}

/* File i's result from its worker, printed and added as run_file would
 * have; false on an input error, or when the worker ended without it. */
static bool take_job(struct pool *p, size_t i, const char *path, struct report *rep)
{
    struct buf b = {0};
    size_t pos = 0, n = 0;
    bool ok = false;
    char *out = NULL, *err = NULL;
    bool read = pool_next(p, i, &b) && pool_get(&b, &pos, &ok, sizeof ok) &&
                pool_get_str(&b, &pos, &out) && pool_get_str(&b, &pos, &err) &&
                pool_get(&b, &pos, &n, sizeof n) && (n == 0 || get_entry(&b, &pos, path, rep));
    fputs(out != NULL ? out : "", stdout);
    if (err != NULL && *err != '\0') {
        fflush(stdout);
        fputs(err, stderr);
        fflush(stderr);
    }
    if (!read)
        fprintf(stderr, "sessim: the worker process running %s ended early\n", path);
    free(out);
    free(err);
    buf_free(&b);
    return read && ok;
}

/* Runs every file, in worker processes with -j (not with --html or a
 * live target, whose state is this process's). False on an input error. */
static bool run_files(const struct paths *paths, const struct cli_run_options *o,
                      struct report *rep)
{
    bool input_ok = true;
    struct run_jobs j = {paths, o};
    struct pool *p = o->jobs > 1 && paths->len > 1 && o->html_report == NULL && o->live == NULL
                         ? pool_new(o->jobs, paths->len, run_job, &j)
                         : NULL;
    for (size_t i = 0; i < paths->len; i++)
        input_ok = (p != NULL ? take_job(p, i, paths->items[i], rep)
                              : run_file(paths->items[i], o, rep, stdout, stderr)) &&
                   input_ok;
    pool_free(p);
    return input_ok;
}

static int run_collected(const struct paths *paths, const struct cli_run_options *opts)
{
    struct cli_run_options with = *opts;
    const struct cli_run_options *o = &with;
    with.html_report = opts->html != NULL ? html_report_new() : NULL;
    struct report *rep = report_new();
    bool input_ok = run_files(paths, o, rep);
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
