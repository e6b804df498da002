/* run_cmd: `sessim run` (see run_cmd.h). */
#include "cli/run_cmd.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/count.h"
#include "base/exit.h"
#include "base/usage.h"
#include "base/mem.h"
#include "base/paths.h"
#include "base/pool.h"
#include "live/adapter.h"
#include "live/diff.h"
#include "live/target_tcp.h"
#include "report/html.h"
#include "model/buf.h"
#include "report/report.h"
#include "run/runner.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"

static const struct usage help = {"run", RUN_CMD_LINE, RUN_CMD_SUMMARY, RUN_CMD_OPTIONS};

/* --color: when the outcome labels get colours. */
enum run_color { RUN_COLOR_AUTO, RUN_COLOR_NEVER, RUN_COLOR_ALWAYS };

struct cli_run_options {
    struct paths tags;
    struct paths names;               /* -k/--name patterns */
    const char *junit, *tap, *json;
    const char *html;                 /* --html: the page, built in html_report */
    struct html_report *html_report;
    uint64_t seed;
    bool verbose, quiet;              /* -v, -q */
    bool fail_fast, list;             /* --fail-fast, --list */
    enum run_color color;             /* --color */
    bool colored;                     /* the labels get colours (color resolved) */
    size_t jobs;                      /* -j: worker processes (base/pool.h); 0, 1: none */
    const char *target, *settle;      /* --target, --settle */
    const char *pacing;               /* --pacing */
    const char *prosody;              /* --prosody */
    const char *server;               /* --server FILE */
    enum scenario_profile profile;    /* --profile: of scenarios that give none */
    struct target_tcp_setup *live;    /* the live server, with --target */
    const char *divergences;          /* --divergences FILE */
    char *own_listing;                /* the server's own divergence list (adapter.h) */
    const char *listed_in;            /* with a live target: the listing read, or NULL */
    struct diff_listing listing;      /* its divergences (diff.h) */
    char **args;               /* positional arguments (PATHS) */
    size_t nargs;
};

/* What became of one file. */
enum run_file_result {
    RUN_FILE_DONE,     /* passed, skipped, or not selected */
    RUN_FILE_FAILED,   /* its scenario failed */
    RUN_FILE_BAD       /* it did not load (an input error) */
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

static int parse_color(const char *v, struct cli_run_options *o)
{
    static const char *const words[] = {[RUN_COLOR_AUTO] = "auto", [RUN_COLOR_NEVER] = "never",
                                        [RUN_COLOR_ALWAYS] = "always"};
    for (size_t k = 0; k < COUNT(words); k++)
        if (strcmp(v, words[k]) == 0) {
            o->color = (enum run_color)k;
            return 0;
        }
    return usage_error(&help, "--color needs never, always or auto, not '%s'", v);
}

/* The options of `run` that take a value. */
enum run_valued {
    RUN_TAG, RUN_JUNIT, RUN_TAP, RUN_JSON, RUN_SEED, RUN_TARGET, RUN_SETTLE, RUN_HTML,
    RUN_PROSODY, RUN_SERVER, RUN_JOBS, RUN_NAME, RUN_COLOR, RUN_PROFILE, RUN_DIVERGENCES,
    RUN_PACING
};

/* Sets valued option `which` to v; returns 0, or the usage exit status. */
static int set_valued(enum run_valued which, const char *v, struct cli_run_options *o)
{
    const char **slot = NULL;
    switch (which) {
    case RUN_TAG:
        paths_add(&o->tags, v);
        return 0;
    case RUN_NAME:
        paths_add(&o->names, v);
        return 0;
    case RUN_JOBS:
        return parse_jobs(v, o);
    case RUN_COLOR:
        return parse_color(v, o);
    case RUN_PROFILE:
        return scenario_profile_parse(v, &o->profile)
                   ? 0
                   : usage_error(&help, "--profile must be prosody, ejabberd or rfc, not '%s'", v);
    case RUN_SEED:
        return parse_seed(v, &o->seed)
                   ? 0
                   : usage_error(&help, "--seed needs a non-negative integer, not '%s'", v);
    case RUN_JUNIT:
        slot = &o->junit;
        break;
    case RUN_TAP:
        slot = &o->tap;
        break;
    case RUN_JSON:
        slot = &o->json;
        break;
    case RUN_TARGET:
        slot = &o->target;
        break;
    case RUN_SETTLE:
        slot = &o->settle;
        break;
    case RUN_PACING:
        slot = &o->pacing;
        break;
    case RUN_HTML:
        slot = &o->html;
        break;
    case RUN_PROSODY:
        slot = &o->prosody;
        break;
    case RUN_SERVER:
        slot = &o->server;
        break;
    case RUN_DIVERGENCES:
        slot = &o->divergences;
        break;
    }
    *slot = v;
    return 0;
}

/* A flag of `run` at arg: sets it and returns true, else false. */
static bool set_flag(const char *arg, struct cli_run_options *o)
{
    const struct {
        const char *short_name, *long_name;
        bool *flag;
    } flags[] = {{"-v", "--verbose", &o->verbose}, {"-q", "--quiet", &o->quiet},
                 {NULL, "--fail-fast", &o->fail_fast}, {NULL, "--list", &o->list}};
    for (size_t k = 0; k < COUNT(flags); k++)
        if ((flags[k].short_name != NULL && strcmp(arg, flags[k].short_name) == 0) ||
            strcmp(arg, flags[k].long_name) == 0) {
            *flags[k].flag = true;
            return true;
        }
    return false;
}

/* One option of `run` at argv[*i]; returns 0, or the usage exit status. */
static int parse_run_option(int argc, char **argv, int *i, struct cli_run_options *o)
{
    static const struct {
        const char *name;
        enum run_valued which;
    } valued[] = {{"--tag", RUN_TAG},         {"--junit", RUN_JUNIT},   {"--tap", RUN_TAP},
                  {"--json", RUN_JSON},       {"--seed", RUN_SEED},     {"--target", RUN_TARGET},
                  {"--settle", RUN_SETTLE},   {"--html", RUN_HTML},     {"--prosody", RUN_PROSODY},
                  {"--server", RUN_SERVER},   {"-j", RUN_JOBS},         {"--jobs", RUN_JOBS},
                  {"-k", RUN_NAME},           {"--name", RUN_NAME},     {"--color", RUN_COLOR},
                  {"--profile", RUN_PROFILE}, {"--divergences", RUN_DIVERGENCES},
                  {"--pacing", RUN_PACING}};
    const char *arg = argv[*i];
    if (set_flag(arg, o))
        return 0;
    for (size_t k = 0; k < COUNT(valued); k++) {
        if (!option_is(arg, valued[k].name))
            continue;
        const char *v = option_value(argc, argv, i, valued[k].name);
        if (v == NULL)
            return usage_error(&help, "option '%s' needs a value", valued[k].name);
        return set_valued(valued[k].which, v, o);
    }
    return usage_error(&help, "unknown option '%s' for 'run'", arg);
}

/* -k/--name: a pattern with * ? or [ is a glob (fnmatch, '*' crossing
 * '/') that must match the whole path or title; any other is a
 * substring of either. Case counts. */
static bool name_matches(const char *pattern, const char *path, const char *title)
{
    if (strpbrk(pattern, "*?[") != NULL)
        return fnmatch(pattern, path, 0) == 0 || fnmatch(pattern, title, 0) == 0;
    return strstr(path, pattern) != NULL || strstr(title, pattern) != NULL;
}

/* Selected by --tag (any of them) and -k (any of them). */
static bool wanted(const struct scenario *s, const char *path, const struct cli_run_options *o)
{
    bool tagged = o->tags.len == 0, named = o->names.len == 0;
    for (size_t i = 0; i < o->tags.len && !tagged; i++)
        for (size_t k = 0; k < s->tags.count; k++)
            tagged |= strcmp(o->tags.items[i], s->tags.items[k].text) == 0;
    for (size_t i = 0; i < o->names.len && !named; i++)
        named = name_matches(o->names.items[i], path, s->name);
    return tagged && named;
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

/* The outcome label, in colour when asked (green, red, yellow). */
static void print_label(FILE *out, enum runner_outcome outcome, bool colored)
{
    static const char *const colors[] = {[RUNNER_PASS] = "32", [RUNNER_FAIL] = "31",
                                         [RUNNER_SKIP] = "33"};
    if (colored)
        fprintf(out, "\033[%sm%s\033[0m", colors[outcome], runner_outcome_label(outcome));
    else
        fputs(runner_outcome_label(outcome), out);
}

/* A scenario's line, its -v log and its report (failures only with -q). */
static void print_result(FILE *out, const char *path, const struct scenario *s,
                         const struct runner_result *res, const struct cli_run_options *o)
{
    if (o->quiet && res->outcome != RUNNER_FAIL)
        return;
    print_label(out, res->outcome, o->colored);
    fprintf(out, "  %s  %s", path, s->name);
    if (res->steps_skipped > 0)   /* live: advance and check steps */
        fprintf(out, "  (%zu step%s skipped)", res->steps_skipped,
                res->steps_skipped == 1 ? "" : "s");
    const struct diff_listed *e = res->outcome == RUNNER_FAIL && o->listed_in != NULL
                                      ? diff_listing_find(&o->listing, path, DIFF_MODEL_ONLY)
                                      : NULL;
    if (e != NULL)
        fprintf(out, "  [listed divergence: %s]", e->rule[0] != '\0' ? e->rule : "-");
    fputc('\n', out);
    if (o->verbose)
        usage_print_indented(out, res->log, "    ");
    if (res->message != NULL)
        usage_print_indented(out, res->message, "    ");
}

/* Prints a file's load error on err_out (after flushing out). */
static void print_load_error(const struct scenario_error *err, FILE *out, FILE *err_out,
                             char *msg, size_t size)
{
    scenario_error_format(err, msg, size);
    fflush(out);
    fprintf(err_out, "%s\n", msg);
    fflush(err_out);
}

/* On a live server (--target, --server), `target: model` scenarios do
 * not run (SKIP). */
static bool runs_here(const struct scenario *s, const struct cli_run_options *o)
{
    return (o->target == NULL && o->server == NULL) || s->target != SCENARIO_TARGET_MODEL;
}

/* Loads and runs one file, printing on out (errors on err). */
static enum run_file_result run_file(const char *path, const struct cli_run_options *o,
                                     struct report *rep, FILE *out, FILE *err_out)
{
    struct scenario_error err;
    struct scenario *s = loader_load(path, &err);
    if (s == NULL) {
        char msg[SCENARIO_MESSAGE_MAX + 512];
        print_load_error(&err, out, err_out, msg, sizeof msg);
        struct report_entry e = {.path = path, .scenario = path, .outcome = REPORT_FAIL,
                                 .message = msg, .line = err.line, .load_error = true};
        report_add(rep, &e);
        if (o->html_report != NULL)
            html_report_add_error(o->html_report, path, msg);
        return RUN_FILE_BAD;
    }
    enum run_file_result result = RUN_FILE_DONE;
    scenario_profile_default(s, o->profile);
    if (wanted(s, path, o)) {
        struct runner_options ro = {.seed = o->seed, .verbose = o->verbose,
                                    .target_new = o->live ? target_tcp_setup_target : NULL,
                                    .target_ctx = o->live, .record = o->html_report != NULL};
        struct runner_result res;
        runner_run(s, &ro, &res);
        if (o->html_report != NULL)
            html_report_add(o->html_report, path, s, &res);
        print_result(out, path, s, &res, o);
        add_to_report(rep, path, s, &res);
        if (res.outcome == RUNNER_FAIL)
            result = RUN_FILE_FAILED;
        runner_result_free(&res);
    }
    scenario_free(s);
    return result;
}

/* --list: the file's line when it is selected and would run. */
static enum run_file_result list_file(const char *path, const struct cli_run_options *o,
                                      size_t *listed)
{
    struct scenario_error err;
    struct scenario *s = loader_load(path, &err);
    if (s == NULL) {
        char msg[SCENARIO_MESSAGE_MAX + 512];
        print_load_error(&err, stdout, stderr, msg, sizeof msg);
        return RUN_FILE_BAD;
    }
    if (wanted(s, path, o) && runs_here(s, o)) {
        printf("%s  %s\n", path, s->name);
        ++*listed;
    }
    scenario_free(s);
    return RUN_FILE_DONE;
}

/* How many of files from..len-1 are selected (those that do not load are
 * not counted): what --fail-fast left out. */
static size_t count_selected(const struct paths *paths, size_t from,
                             const struct cli_run_options *o)
{
    size_t n = 0;
    for (size_t i = from; i < paths->len; i++) {
        struct scenario_error err;
        struct scenario *s = loader_load(paths->items[i], &err);
        n += s != NULL && wanted(s, paths->items[i], o);
        scenario_free(s);
    }
    return n;
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

/* File i in a worker: its standard output and error, what became of it,
 * and its report entry (when it has one). With --fail-fast the worker
 * stops after a file that failed: nothing after it is used. */
static bool run_job(void *ctx, size_t i, struct buf *b)
{
    const struct run_jobs *j = ctx;
    char *text[2] = {NULL, NULL};
    size_t len[2];
    FILE *out = open_memstream(&text[0], &len[0]), *err = open_memstream(&text[1], &len[1]);
    struct report *rep = report_new();
    enum run_file_result result = out != NULL && err != NULL
                                      ? run_file(j->paths->items[i], j->o, rep, out, err)
                                      : RUN_FILE_BAD;
    if (out != NULL)
        fclose(out);
    if (err != NULL)
        fclose(err);
    pool_put(b, &result, sizeof result);
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
    return j->o->fail_fast && result != RUN_FILE_DONE;
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
 * have; RUN_FILE_BAD also when the worker ended without it. */
static enum run_file_result take_job(struct pool *p, size_t i, const char *path,
                                     struct report *rep)
{
    struct buf b = {0};
    size_t pos = 0, n = 0;
    enum run_file_result result = RUN_FILE_BAD;
    char *out = NULL, *err = NULL;
    bool read = pool_next(p, i, &b) && pool_get(&b, &pos, &result, sizeof result) &&
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
    return read ? result : RUN_FILE_BAD;
}

/* Runs every file, in worker processes with -j (not with --html or a
 * live target, whose state is this process's); with --fail-fast, up to
 * the first that failed or did not load, in file order (what workers
 * did past it is dropped), then says how many were not run. False on an
 * input error. */
static bool run_files(const struct paths *paths, const struct cli_run_options *o,
                      struct report *rep)
{
    bool input_ok = true;
    struct run_jobs j = {paths, o};
    struct pool *p = o->jobs > 1 && paths->len > 1 && o->html_report == NULL && o->live == NULL
                         ? pool_new(o->jobs, paths->len, run_job, &j)
                         : NULL;
    size_t i = 0;
    for (bool stop = false; i < paths->len && !stop; i++) {
        enum run_file_result r = p != NULL ? take_job(p, i, paths->items[i], rep)
                                           : run_file(paths->items[i], o, rep, stdout, stderr);
        input_ok = input_ok && r != RUN_FILE_BAD;
        stop = o->fail_fast && r != RUN_FILE_DONE;
    }
    pool_free(p);
    if (i < paths->len) {
        size_t left = count_selected(paths, i, o);
        printf("stopped at the first failure (--fail-fast): %zu scenario%s not run\n", left,
               left == 1 ? "" : "s");
    }
    return input_ok;
}

/* With --target: how many failures are divergences listed (diff.h), on
 * a line before the totals. */
static void print_listed(const struct report *rep, const struct cli_run_options *o)
{
    size_t failed = 0, listed = 0;
    for (size_t i = 0; i < report_len(rep) && o->listed_in != NULL; i++) {
        const struct report_entry *e = report_get(rep, i);
        if (e->outcome != REPORT_FAIL || e->load_error)
            continue;
        failed++;
        /* Only the server ran: a model-only divergence and one between
         * the server and its profile both fail here. */
        listed += diff_listing_find(&o->listing, e->path, DIFF_MODEL_ONLY) != NULL ||
                  diff_listing_find(&o->listing, e->path, DIFF_PROFILE) != NULL;
    }
    if (failed > 0)
        printf("%zu of the %zu failure%s %s divergence%s listed in %s\n", listed, failed,
               failed == 1 ? "" : "s", listed == 1 ? "is a" : "are", listed == 1 ? "" : "s",
               o->listed_in);
}

/* -k patterns that selected nothing: an input error (exit 2). */
static bool names_matched(const struct report *rep, const struct cli_run_options *o)
{
    for (size_t i = 0; i < report_len(rep); i++)
        if (!report_get(rep, i)->load_error)
            return true;
    if (o->names.len == 0)
        return true;
    fflush(stdout);
    fputs("sessim: no scenario's path or title matches -k/--name", stderr);
    for (size_t i = 0; i < o->names.len; i++)
        fprintf(stderr, "%s'%s'", i == 0 ? " " : " or ", o->names.items[i]);
    fputc('\n', stderr);
    return false;
}

static int run_collected(const struct paths *paths, const struct cli_run_options *opts)
{
    struct cli_run_options with = *opts;
    const struct cli_run_options *o = &with;
    with.html_report = opts->html != NULL ? html_report_new() : NULL;
    struct report *rep = report_new();
    bool input_ok = run_files(paths, o, rep);
    print_listed(rep, o);
    report_write_summary(rep, stdout);
    fflush(stdout);
    input_ok = names_matched(rep, o) && input_ok;
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

/* --list: what would run, a line each; runs nothing, starts no server,
 * writes no report. */
static int list_collected(const struct paths *paths, const struct cli_run_options *o)
{
    bool input_ok = true;
    size_t listed = 0;
    for (size_t i = 0; i < paths->len; i++)
        input_ok = list_file(paths->items[i], o, &listed) == RUN_FILE_DONE && input_ok;
    fflush(stdout);
    if (listed == 0 && o->names.len > 0) {
        struct report *none = report_new();
        input_ok = names_matched(none, o) && input_ok;
        report_free(none);
    }
    return input_ok ? EXIT_OK : EXIT_USAGE;
}

/* --target, --server, --settle and --pacing: the live server to run on
 * (target_tcp.h, adapter.h). */
static int setup_target(struct cli_run_options *o)
{
    char err[ADAPTER_ERROR_MAX];
    if (o->server != NULL && o->prosody != NULL)
        return usage_error(&help, "%s", "--server and --prosody exclude each other");
    if (o->target == NULL && o->server == NULL)
        return usage_error(&help, "%s", "--settle, --pacing and --prosody need --target");
    struct adapter_spec spec = {o->server, o->target, o->prosody, NULL};
    o->live = target_tcp_setup_new(&spec, o->settle, o->pacing, err, sizeof err);
    return o->live != NULL ? 0 : usage_error(&help, "%s", err);
}

/* With a live target: the divergences listed for it (--divergences FILE,
 * else the server's own list: scenarios/DIVERGENCES.md for the Prosody
 * sessim starts, a server file's `divergences:`), whose failures are
 * named as such. */
static int read_listing(struct cli_run_options *o)
{
    char err[ADAPTER_ERROR_MAX];
    struct adapter_spec spec = {o->server, o->target, o->prosody, NULL};
    if (o->divergences == NULL)
        o->own_listing = adapter_spec_divergences(&spec, err, sizeof err);
    const char *path = o->divergences != NULL ? o->divergences : o->own_listing;
    int status = path != NULL ? diff_listing_read(path, &o->listing) : ENOENT;
    if (status != 0 && o->divergences != NULL) {
        fprintf(stderr, "sessim: %s: %s\n", o->divergences, strerror(status));
        return EXIT_USAGE;
    }
    o->listed_in = status == 0 ? path : NULL;
    return 0;
}

/* NO_COLOR (https://no-color.org): set and not empty. */
static bool no_color(void)
{
    const char *v = getenv("NO_COLOR");
    return v != NULL && *v != '\0';
}

/* Checks what the options say together and settles the colours. */
static int settle_options(struct cli_run_options *o)
{
    if (o->quiet && o->verbose)
        return usage_error(&help, "%s", "-q and -v exclude each other");
    o->colored = o->color == RUN_COLOR_ALWAYS ||
                 (o->color == RUN_COLOR_AUTO && isatty(STDOUT_FILENO) && !no_color());
    if (o->divergences != NULL && o->target == NULL && o->server == NULL)
        return usage_error(&help, "%s", "--divergences needs --target or --server");
    if (o->list || (o->target == NULL && o->settle == NULL && o->pacing == NULL &&
                    o->prosody == NULL && o->server == NULL))
        return 0;
    int status = read_listing(o);
    return status == 0 ? setup_target(o) : status;
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
    if (status == 0)
        status = settle_options(&o);
    if (status == 0) {
        struct paths paths = {0};
        bool found = paths_collect(o.args, o.nargs, &paths);
        if (paths.len == 0)
            usage_no_scenarios(o.args, o.nargs, "to run");
        status = paths.len == 0 ? EXIT_USAGE
                 : o.list       ? list_collected(&paths, &o)
                                : run_collected(&paths, &o);
        if (!found)
            status = EXIT_USAGE;
        paths_free(&paths);
    }
    target_tcp_setup_free(o.live);
    paths_free(&o.tags);
    paths_free(&o.names);
    diff_listing_free(&o.listing);
    free(o.own_listing);
    free(o.args);
    return status < 0 ? EXIT_OK : status;
}
