/* usage: what every sessim command line shares.
 *
 * A command's help (usage line, summary, option lines), the usage error
 * every command prints the same way ("sessim: ...", then how to get help;
 * exit status 2), the message for PATHS that hold no scenario, and
 * indented printing of multi-line text (reports, logs). Prints to the
 * stream given, or to stderr for errors.
 */
#ifndef SESSIM_SIM_USAGE_H
#define SESSIM_SIM_USAGE_H

#include <stddef.h>
#include <stdio.h>

/* A command's help: its name, its usage after "sessim ", a one-line
 * summary, and option lines (or NULL). */
struct usage {
    const char *name;
    const char *line;
    const char *summary;
    const char *options;
};

/* Prints text with every line indented. */
void usage_print_indented(FILE *f, const char *text, const char *indent);
/* "usage: sessim LINE", the summary and the options. */
void usage_print(FILE *f, const struct usage *u);
/* Prints "sessim: " fmt (with arg) and how to get help for u (NULL: for
 * sessim) on stderr; returns the usage exit status. */
int usage_error(const struct usage *u, const char *fmt, const char *arg);
/* PATHS that hold no *.yaml file (an input error): what was to be done
 * with them ("to run", "to check"). */
void usage_no_scenarios(char **args, size_t nargs, const char *what);

#endif
