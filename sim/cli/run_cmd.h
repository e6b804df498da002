/* run_cmd: `sessim run`: replays scenarios on the model (or on a live
 * Prosody with --target) and reports.
 *
 * Loads each file of PATHS, keeps those selected (--tag, -k), runs them
 * (runner.h), prints one line per scenario (its report and log below it
 * with -v; failures only with -q) and the totals, and writes the JUnit,
 * TAP, JSON and HTML reports asked for. --fail-fast stops after the first
 * scenario that fails or file that does not load, in file order (also
 * with -j: what workers ran past it is dropped) and says how many
 * selected scenarios were not run. --list prints what would run and runs
 * nothing. Exit status: 0 all passed (skips allowed), 1 a scenario
 * failed, 2 an input or usage error (a file that does not load, a report
 * that cannot be written, -k patterns that select nothing).
 */
#ifndef SESSIM_SIM_RUN_CMD_H
#define SESSIM_SIM_RUN_CMD_H

/* Its help (base/usage.h), shown by `sessim --help` and `sessim run --help`. */
#define RUN_CMD_LINE                                                                          \
    "run [PATHS...] [--tag T] [-k PATTERN] [--list] [--fail-fast] [-q | -v] [--color WHEN] "  \
    "[-j N] [--junit F] [--tap F] [--json F] [--html F] [--seed N] [--profile NAME] "         \
    "[--target URL [--settle MS] [--pacing P] [--prosody PROG | --server FILE] "              \
    "[--divergences FILE]]"
#define RUN_CMD_SUMMARY "replay scenarios on the model and check traffic, state and invariants"
#define RUN_CMD_OPTIONS                                                                    \
    "--tag T      only scenarios tagged T (repeatable: any of them)\n"                   \
    "-k, --name PATTERN  only scenarios whose path or title contains PATTERN; with\n"     \
    "             * ? or [ a glob matching the whole path or title (repeatable: any\n"   \
    "             of them); none selected is an error (exit 2)\n"                         \
    "--list       print the scenarios that would run (PATH  TITLE), run nothing\n"       \
    "--fail-fast  stop after the first failure, in file order (with -j too), and say\n"  \
    "             how many scenarios were not run\n"                                     \
    "-q           print only failures and the summary\n"                                 \
    "-v           show every step, its traffic and notes, passing scenarios too\n"       \
    "--color WHEN colour PASS/FAIL/SKIP: auto (default: on a terminal, unless\n"         \
    "             NO_COLOR is set), always or never\n"                                    \
    "--junit F    write a JUnit XML report to F\n"                                        \
    "--tap F      write a TAP version 13 report to F\n"                                   \
    "--json F     write a JSON report to F\n"                                             \
    "--html F     write an HTML report with a sequence diagram per scenario to F\n"       \
    "--seed N     seed of the model and the harness (default 0)\n"                        \
    "--profile NAME  the model follows prosody (default), ejabberd or rfc, in scenarios\n"  \
    "             whose server: gives no profile (the scenario's own wins)\n"              \
    "-j N         run the scenarios in N processes; the output is the same (not with\n"    \
    "             --html or --target: those run in one)\n"                                \
    "--target URL run on a Prosody sessim starts on 127.0.0.1:PORT (0: a free port)\n"    \
    "--settle MS  with --target: quiet time that ends a step (default 200)\n"             \
    "--pacing P   with --target: roundtrip (pings end a step where they prove the server\n" \
    "             has finished; default for Prosody) or settle (the quiet time always;\n" \
    "             default with --server unless its file says pacing: roundtrip)\n"          \
    "--prosody PROG  with --target: the Prosody program (default: prosody from PATH)\n"    \
    "--server FILE   with --target tcp://HOST:PORT: a server sessim did not start, as FILE\n" \
    "             describes it (sim/README.md); scenarios it cannot set up are SKIP\n"       \
    "--divergences FILE  on a live server: failures listed in FILE as `sessim diff`\n"   \
    "             reads it (default: the server's own list, scenarios/DIVERGENCES.md\n"    \
    "             for Prosody, a server file's divergences:) are marked\n"               \
    "             [listed divergence: RULE]; they still fail (exit 1)\n"

/* `sessim run ...`; argv[0] is "run". Returns the exit status. */
int run_cmd_main(int argc, char **argv);

#endif
