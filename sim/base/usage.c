/* usage: help, usage errors and printing shared by the commands (see
 * usage.h). */
#include "base/usage.h"

#include <string.h>

#include "base/exit.h"
#include "base/paths.h"

void usage_print_indented(FILE *f, const char *text, const char *indent)
{
    while (*text != '\0') {
        const char *nl = strchr(text, '\n');
        size_t n = nl ? (size_t)(nl - text) : strlen(text);
        fprintf(f, "%s%.*s\n", indent, (int)n, text);
        text += n + (nl != NULL);
    }
}

void usage_print(FILE *f, const struct usage *c)
{
    fprintf(f, "usage: sessim %s\n  %s\n", c->line, c->summary);
    if (c->options != NULL)
        usage_print_indented(f, c->options, "  ");
}

int usage_error(const struct usage *c, const char *fmt, const char *arg)
{
    fputs("sessim: ", stderr);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'sessim %s%s--help'.\n", c ? c->name : "", c ? " " : "");
    return EXIT_USAGE;
}

void usage_no_scenarios(char **args, size_t nargs, const char *what)
{
    fprintf(stderr, "sessim: no scenarios (*.yaml) %s in", what);
    if (nargs == 0)
        fputs(" " PATHS_DEFAULT, stderr);
    for (size_t i = 0; i < nargs; i++)
        fprintf(stderr, " %s", args[i]);
    fputc('\n', stderr);
}
