/* sessim: the command line (DESIGN.md, scenarios/FORMAT.md "Exit status").
 *
 *   sessim run [PATHS...] [options]   replay scenarios on the model
 *   sessim lint [PATHS...]            load scenarios, report input errors
 *
 * Commands come from one table (name, handler, usage, summary), so a new
 * one is one row; a command's front end (arguments, usage, exit status,
 * printing) is a file of its own in cli/ (*_cmd.c, bench.c); only `diff`
 * still has its front end beside its engine (live/diff.c). PATHS are files, or
 * directories searched recursively for *.yaml in byte order of their
 * paths; the default is `scenarios`. Exit status: 0 all passed (skips
 * allowed), 1 a scenario failed, 2 an input or usage error. Output depends
 * only on the inputs and the seed: no timestamps, no durations.
 */
#include <stdio.h>
#include <string.h>

#include "cli/bench.h"
#include "cli/lint_cmd.h"
#include "cli/run_cmd.h"
#include "base/count.h"
#include "base/exit.h"
#include "base/usage.h"
#include "cli/serve_cmd.h"
#include "live/diff.h"
#include "cli/explore_cmd.h"
#include "cli/merge_cmd.h"
#include "base/paths.h"
#include "cli/scansion_cmd.h"
#include "cli/specmap_cmd.h"
#include "cli/template_cmd.h"

/* The Makefile passes both: the VERSION file (with `git describe`) and the
 * version in the title of scenarios/FORMAT.md. */
#ifndef SESSIM_VERSION
#define SESSIM_VERSION "unknown"
#endif
#ifndef SESSIM_SCENARIO_FORMAT
#define SESSIM_SCENARIO_FORMAT "unknown"
#endif
#define CLI_DEFAULT_PATH PATHS_DEFAULT

struct cli_command {
    int (*run)(int argc, char **argv);  /* argv[0] is the command name */
    struct usage help;
};

static const struct cli_command commands[] = {
    {run_cmd_main, {"run", RUN_CMD_LINE, RUN_CMD_SUMMARY, RUN_CMD_OPTIONS}},
    {lint_cmd_main, {"lint", LINT_CMD_LINE, LINT_CMD_SUMMARY, LINT_CMD_OPTIONS}},
    {bench_main, {"bench", "bench [--help]", "run the benchmarks (see `sessim bench --help`)",
     NULL}},
    {scansion_cmd_main, {"import-scansion", "import-scansion FILE.scs [-o OUT.yaml] [--help]",
     "translate a Prosody scansion script into a scenario (see its --help)", NULL}},
    {specmap_cmd_main, {"coverage-map", "coverage-map [PATHS...] [--json F] [--semantics FILE]",
     "list each SEMANTICS rule id with the scenarios citing it, and the rules none cites", NULL}},
    {specmap_cmd_main, {"spec-map", "spec-map [PATHS...] [--json F] [--semantics FILE]",
     "the same as coverage-map", NULL}},
    {diff_main, {"diff", "diff [PATHS...] [--jobs N] [--divergences FILE] [--help]",
     "run scenarios on the model and on a live Prosody; report divergences (see its --help)",
     NULL}},
    {explore_cmd_main, {"explore",
     "explore [--seed S] [--steps N] [--runs R] [--out DIR] [-v] [--help]",
     "random scenarios with faults, invariants after every step, failures shrunk to YAML "
     "(see its --help)",
     NULL}},
    {merge_cmd_main, {"merge", "merge FILE...",
     "merge the --json reports of explore shards into one summary (exit 1 if one failed)",
     NULL}},
    {serve_cmd_serve, {"serve",
     "serve [--listen HOST:PORT] [--seed N] [--clock real|manual] [--record DIR] [FILE.yaml]",
     "the model as a TCP server for real clients, preset from FILE (see its --help)", NULL}},
    {serve_cmd_record, {"record",
     "record --listen HOST:PORT --upstream tcp://HOST:PORT [--out FILE] [--redact]",
     "a proxy that writes the traffic between clients and a server as a scenario "
     "(see its --help)",
     NULL}},
    {template_cmd_main, {"new", "new NAME [-o FILE]",
     "write a commented scenario template to FILE (default scenarios/NAME.yaml; never "
     "overwrites)",
     NULL}},
};

#define CLI_NCOMMANDS (COUNT(commands))

/* ---- usage ---- */

static void print_usage(FILE *f)
{
    fputs("usage: sessim COMMAND [ARGS...]\n"
          "       sessim --help | --version\n\ncommands:\n",
          f);
    for (size_t i = 0; i < CLI_NCOMMANDS; i++) {
        const struct usage *u = &commands[i].help;
        fprintf(f, "  sessim %s\n      %s\n", u->line, u->summary);
        if (u->options != NULL)
            usage_print_indented(f, u->options, "      ");
    }
    fputs("\nPATHS are scenario files or directories searched recursively for *.yaml\n"
          "(default: " CLI_DEFAULT_PATH ").\n"
          "Exit status: 0 all passed (skips allowed), 1 a scenario failed, 2 input or usage "
          "error.\n",
          f);
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
        printf("sessim %s\nscenario format %s\n", SESSIM_VERSION, SESSIM_SCENARIO_FORMAT);
        return EXIT_OK;
    }
    for (size_t i = 0; i < CLI_NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].help.name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    return usage_error(NULL, "unknown command '%s'", argv[1]);
}
