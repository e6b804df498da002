/* sessim: the command line (DESIGN.md, scenarios/FORMAT.md "Exit status").
 *
 *   sessim run [PATHS...] [options]   replay scenarios on the model
 *   sessim lint [PATHS...]            load scenarios, report input errors
 *
 * Commands come from one table (name, handler, usage, summary), so a new
 * one (explore, import-scansion) is one row. PATHS are files, or
 * directories searched recursively for *.yaml in byte order of their
 * paths; the default is `scenarios`. Exit status: 0 all passed (skips
 * allowed), 1 a scenario failed, 2 an input or usage error. Output depends
 * only on the inputs and the seed: no timestamps, no durations.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bench.h"
#include "base/count.h"
#include "base/exit.h"
#include "base/mem.h"
#include "cli/serve_cmd.h"
#include "live/diff.h"
#include "cli/explore_cmd.h"
#include "explore/explore.h"
#include "explore/merge.h"
#include "report/html.h"
#include "report/report.h"
#include "run/runner.h"
#include "base/paths.h"
#include "scenario/loader.h"
#include "scenario/scansion.h"
#include "scenario/scenario.h"
#include "report/specmap.h"
#include "live/target_tcp.h"
#include "scenario/template.h"

#define SESSIM_VERSION "0.1.0"
#define CLI_DEFAULT_PATH PATHS_DEFAULT

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);  /* argv[0] is the command name */
    const char *usage;                  /* after "sessim " */
    const char *summary;
    const char *options;                /* option lines, or NULL */
};

static int cmd_run(int argc, char **argv);
static int cmd_lint(int argc, char **argv);
static int cmd_bench(int argc, char **argv);
static int cmd_import_scansion(int argc, char **argv);
static int cmd_coverage_map(int argc, char **argv);
static int cmd_diff(int argc, char **argv);
static int cmd_explore(int argc, char **argv);
static int cmd_merge(int argc, char **argv);
static int cmd_new(int argc, char **argv);

static const struct cli_command commands[] = {
    {"run", cmd_run,
     "run [PATHS...] [--tag T] [--junit F] [--tap F] [--json F] [--html F] [--seed N] [-v] "
     "[--target URL [--settle MS] [--prosody PROG]]",
     "replay scenarios on the model and check traffic, state and invariants",
     "--tag T      only scenarios tagged T (repeatable: any of them)\n"
     "--junit F    write a JUnit XML report to F\n"
     "--tap F      write a TAP version 13 report to F\n"
     "--json F     write a JSON report to F\n"
     "--html F     write an HTML report with a sequence diagram per scenario to F\n"
     "--seed N     seed of the model and the harness (default 0)\n"
     "-v           show notes and every step\n"
     "--target URL run on a Prosody sessim starts on 127.0.0.1:PORT (0: a free port)\n"
     "--settle MS  with --target: quiet time that ends a step (default 200)\n"
     "--prosody PROG  with --target: the Prosody program (default: prosody from PATH)\n"},
    {"lint", cmd_lint, "lint [PATHS...]",
     "load scenarios without running them; print FILE:LINE:COLUMN: message per error", NULL},
    {"bench", cmd_bench, "bench [--help]", "run the benchmarks (see `sessim bench --help`)",
     NULL},
    {"import-scansion", cmd_import_scansion, "import-scansion FILE.scs [-o OUT.yaml] [--help]",
     "translate a Prosody scansion script into a scenario (see its --help)", NULL},
    {"coverage-map", cmd_coverage_map, "coverage-map [PATHS...] [--json F] [--semantics FILE]",
     "list each SEMANTICS rule id with the scenarios citing it, and the rules none cites", NULL},
    {"spec-map", cmd_coverage_map, "spec-map [PATHS...] [--json F] [--semantics FILE]",
     "the same as coverage-map", NULL},
    {"diff", cmd_diff, "diff [PATHS...] [--jobs N] [--divergences FILE] [--help]",
     "run scenarios on the model and on a live Prosody; report divergences (see its --help)",
     NULL},
    {"explore", cmd_explore,
     "explore [--seed S] [--steps N] [--runs R] [--out DIR] [-v] [--help]",
     "random scenarios with faults, invariants after every step, failures shrunk to YAML "
     "(see its --help)",
     NULL},
    {"merge", cmd_merge, "merge FILE...",
     "merge the --json reports of explore shards into one summary (exit 1 if one failed)",
     NULL},
    {"serve", serve_cmd_serve,
     "serve [--listen HOST:PORT] [--seed N] [--clock real|manual] [--record DIR] [FILE.yaml]",
     "the model as a TCP server for real clients, preset from FILE (see its --help)", NULL},
    {"record", serve_cmd_record,
     "record --listen HOST:PORT --upstream tcp://HOST:PORT [--out FILE] [--redact]",
     "a proxy that writes the traffic between clients and a server as a scenario "
     "(see its --help)",
     NULL},
    {"new", cmd_new, "new NAME [-o FILE]",
     "write a commented scenario template to FILE (default scenarios/NAME.yaml; never "
     "overwrites)",
     NULL},
};

#define CLI_NCOMMANDS (COUNT(commands))

/* ---- usage ---- */

/* Prints text with every line indented. */
static void print_indented(FILE *f, const char *text, const char *indent)
{
    while (*text != '\0') {
        const char *nl = strchr(text, '\n');
        size_t n = nl ? (size_t)(nl - text) : strlen(text);
        fprintf(f, "%s%.*s\n", indent, (int)n, text);
        text += n + (nl != NULL);
    }
}

static void print_usage(FILE *f)
{
    fputs("usage: sessim COMMAND [ARGS...]\n"
          "       sessim --help | --version\n\ncommands:\n",
          f);
    for (size_t i = 0; i < CLI_NCOMMANDS; i++) {
        fprintf(f, "  sessim %s\n      %s\n", commands[i].usage, commands[i].summary);
        if (commands[i].options != NULL)
            print_indented(f, commands[i].options, "      ");
    }
    fputs("\nPATHS are scenario files or directories searched recursively for *.yaml\n"
          "(default: " CLI_DEFAULT_PATH ").\n"
          "Exit status: 0 all passed (skips allowed), 1 a scenario failed, 2 input or usage "
          "error.\n",
          f);
}

static void print_command_usage(FILE *f, const struct cli_command *c)
{
    fprintf(f, "usage: sessim %s\n  %s\n", c->usage, c->summary);
    if (c->options != NULL)
        print_indented(f, c->options, "  ");
}

static int usage_error(const struct cli_command *c, const char *fmt, const char *arg)
{
    fputs("sessim: ", stderr);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'sessim %s%s--help'.\n", c ? c->name : "", c ? " " : "");
    return EXIT_USAGE;
}

/* PATHS that hold no *.yaml file: an input error (exit 2). */
static void no_scenarios(char **args, size_t nargs, const char *what)
{
    fprintf(stderr, "sessim: no scenarios (*.yaml) %s in", what);
    if (nargs == 0)
        fputs(" " CLI_DEFAULT_PATH, stderr);
    for (size_t i = 0; i < nargs; i++)
        fprintf(stderr, " %s", args[i]);
    fputc('\n', stderr);
}

/* ---- options ---- */

struct cli_run_options {
    struct paths tags;
    const char *junit, *tap, *json;
    const char *html;                 /* --html: the page, built in html_report */
    struct html_report *html_report;
    uint64_t seed;
    bool verbose;
    const char *target, *settle;      /* --target, --settle */
    const char *prosody;              /* --prosody */
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
                                         "--prosody"};
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
            return usage_error(&commands[0], "option '%s' needs a value", valued[k]);
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
        else if (!parse_seed(v, &o->seed))
            return usage_error(&commands[0], "--seed needs a non-negative integer, not '%s'", v);
        return 0;
    }
    return usage_error(&commands[0], "unknown option '%s' for 'run'", arg);
}

/* ---- run ---- */

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
    for (size_t i = 0; i < s->tags.count; i++)
        tags[i] = s->tags.items[i].text;
    for (size_t i = 0; i < s->spec.count; i++)
        spec[i] = s->spec.items[i].text;
    struct report_entry e = {path, s->name, tags, s->tags.count, spec, s->spec.count,
                             outcome_report[res->outcome], res->steps_skipped, res->message,
                             res->line};
    report_add(rep, &e);
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
        printf("%s  %s  %s\n", runner_outcome_label(res.outcome), path, s->name);
        if (o->verbose)
            print_indented(stdout, res.log, "    ");
        if (res.message != NULL)
            print_indented(stdout, res.message, "    ");
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
    if (o->target == NULL)
        return usage_error(&commands[0], "%s", "--settle and --prosody need --target");
    o->live = target_tcp_setup_new(o->target, o->settle, o->prosody, err, sizeof err);
    return o->live != NULL ? 0 : usage_error(&commands[0], "%s", err);
}

static int cmd_run(int argc, char **argv)
{
    struct cli_run_options o = {0};
    o.args = mem_calloc((size_t)argc + 1, sizeof *o.args);
    int status = 0;
    for (int i = 1; i < argc && status == 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_command_usage(stdout, &commands[0]);
            status = -1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            status = parse_run_option(argc, argv, &i, &o);
        } else {
            o.args[o.nargs++] = argv[i];
        }
    }
    if (status == 0 && (o.target != NULL || o.settle != NULL || o.prosody != NULL))
        status = setup_target(&o);
    if (status == 0) {
        struct paths paths = {0};
        bool found = paths_collect(o.args, o.nargs, &paths);
        if (paths.len == 0)
            no_scenarios(o.args, o.nargs, "to run");
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

/* ---- lint ---- */

static int cmd_lint(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_command_usage(stdout, &commands[1]);
            return EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return usage_error(&commands[1], "unknown option '%s' for 'lint'", argv[i]);
    }
    struct paths paths = {0};
    bool ok = paths_collect(argv + 1, (size_t)argc - 1, &paths);
    if (paths.len == 0) {
        no_scenarios(argv + 1, (size_t)argc - 1, "to check");
        ok = false;
    }
    size_t errors = 0;
    for (size_t i = 0; i < paths.len; i++) {
        struct scenario_error err;
        struct scenario *s = loader_load(paths.items[i], &err);
        if (s == NULL) {
            char msg[SCENARIO_MESSAGE_MAX + 512];
            scenario_error_format(&err, msg, sizeof msg);
            printf("%s\n", msg);
            errors++;
        }
        scenario_free(s);
    }
    printf("%zu scenario%s checked, %zu with errors\n", paths.len, paths.len == 1 ? "" : "s",
           errors);
    paths_free(&paths);
    return ok && errors == 0 ? EXIT_OK : EXIT_USAGE;
}

/* ---- bench ---- */

static int cmd_bench(int argc, char **argv)
{
    return bench_main(argc, argv);
}

/* ---- diff ---- */

static int cmd_diff(int argc, char **argv)
{
    return diff_main(argc, argv);
}

/* ---- import-scansion ---- */

static int cmd_import_scansion(int argc, char **argv)
{
    return scansion_main(argc, argv);
}

/* ---- coverage-map ---- */

static int cmd_coverage_map(int argc, char **argv)
{
    return specmap_main(argc, argv);
}

/* ---- explore ---- */

static int cmd_explore(int argc, char **argv)
{
    return explore_cmd_main(argc, argv);
}

static int cmd_merge(int argc, char **argv)
{
    return merge_main(argc, argv);
}

/* ---- new ---- */

static int cmd_new(int argc, char **argv)
{
    return template_main(argc, argv);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("sessim %s\n", SESSIM_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < CLI_NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    return usage_error(NULL, "unknown command '%s'", argv[1]);
}
