/* lint_cmd: `sessim lint`: loads scenarios without running them and
 * prints FILE:LINE:COLUMN: message for each that does not load, then the
 * count. Exit status: 0 every file loaded, 2 otherwise.
 */
#ifndef SESSIM_SIM_LINT_CMD_H
#define SESSIM_SIM_LINT_CMD_H

/* Its help (base/usage.h). */
#define LINT_CMD_LINE "lint [PATHS...]"
#define LINT_CMD_SUMMARY \
    "load scenarios without running them; print FILE:LINE:COLUMN: message per error"
#define LINT_CMD_OPTIONS NULL

/* `sessim lint [PATHS...]`; argv[0] is "lint". Returns the exit status. */
int lint_cmd_main(int argc, char **argv);

#endif
