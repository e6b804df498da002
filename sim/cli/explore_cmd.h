/* explore_cmd: the command line of `sessim explore`.
 *
 * A thin front end: it parses the options (see `sessim explore --help`),
 * draws a seed from the system when none is given (entropy at the edge),
 * sets up the live server of --target, and calls explore_run, which
 * prints. Exit status: 0 nothing failed, 1 a failure was found, 2 a usage
 * error, a reproducer that could not be written or a live server that
 * could not be run.
 */
#ifndef SESSIM_SIM_EXPLORE_CMD_H
#define SESSIM_SIM_EXPLORE_CMD_H

/* `sessim explore [--seed S] [--steps N] [--runs R] [--out DIR] [-v] ...`:
 * argv[0] is the command name. Returns the exit status. */
int explore_cmd_main(int argc, char **argv);

#endif
