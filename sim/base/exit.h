/* exit: the exit statuses of sessim and of its child processes.
 *
 * Every command maps its outcome to one of these (STYLE §4: only sim/
 * exits); children forked by base/proc.h use them too, so a parent can
 * tell a finished child from one that could not report.
 */
#ifndef SESSIM_SIM_EXIT_H
#define SESSIM_SIM_EXIT_H

enum exit_status {
    EXIT_OK = 0,          /* all passed (skips allowed), or help printed */
    EXIT_FAILED = 1,      /* a scenario failed, a divergence is not listed, a run failed */
    EXIT_USAGE = 2,       /* an input or usage error, or a setup that could not be done */
    EXIT_PIPE = 3,        /* a child could not write its result to its parent */
    EXIT_EXEC = 127,      /* a child could not run the program it was to run */
};

#endif
