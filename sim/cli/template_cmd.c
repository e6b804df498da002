/* template_cmd: `sessim new` (see template_cmd.h). */
#include "cli/template_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exit.h"
#include "base/mem.h"
#include "base/paths.h"
#include "base/usage.h"
#include "scenario/template.h"

#define TEMPLATE_CMD_DIR "scenarios/"   /* where NAME goes without -o */

static const char template_usage[] =
    "usage: sessim new NAME [-o FILE]\n"
    "  write a commented scenario template to FILE (default scenarios/NAME.yaml);\n"
    "  an existing file is never overwritten. NAME: letters, digits, '_', '-', '.',\n"
    "  and '/' between path segments.\n";

/* A usage error: "sessim: " the message, then how to get this command's help. */
static int bad_usage(const char *fmt, const char *arg)
{
    static const struct usage cmd = {.name = "new"};
    return usage_error(&cmd, fmt, arg);
}

/* Reads NAME and -o FILE; returns 0, -1 for --help, or the exit status. */
static int parse_args(int argc, char **argv, const char **name, const char **out)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(template_usage, stdout);
            return -1;
        }
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (i + 1 >= argc)
                return bad_usage("option '%s' needs a value", argv[i]);
            *out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return bad_usage("unknown option '%s' for 'new'", argv[i]);
        } else if (*name != NULL) {
            return bad_usage("unexpected argument '%s' (one NAME)", argv[i]);
        } else {
            *name = argv[i];
        }
    }
    if (*name == NULL)
        return bad_usage("%s", "missing NAME");
    const char *problem = template_name_problem(*name);
    if (problem != NULL) {
        fprintf(stderr, "sessim: scenario name '%s' %s\n", *name, problem);
        return EXIT_USAGE;
    }
    return 0;
}

int template_cmd_main(int argc, char **argv)
{
    const char *name = NULL, *out = NULL;
    int status = parse_args(argc, argv, &name, &out);
    if (status != 0)
        return status < 0 ? EXIT_OK : status;
    char *path = NULL;
    if (out == NULL) {
        size_t size = sizeof TEMPLATE_CMD_DIR + strlen(name) + sizeof ".yaml";
        path = mem_calloc(1, size);
        snprintf(path, size, "%s%s.yaml", TEMPLATE_CMD_DIR, name);
    }
    char err[600];
    const char *dest = out != NULL ? out : path;
    int e = paths_make_parents(dest);   /* `new a/b`: scenarios/a/ may not exist */
    if (e != 0)
        snprintf(err, sizeof err, "cannot create the folder of %s: %s", dest, strerror(e));
    status = e == 0 && template_write(dest, name, err, sizeof err) == 0 ? EXIT_OK : EXIT_USAGE;
    if (status == EXIT_OK)
        printf("wrote %s\n", dest);
    else
        fprintf(stderr, "sessim: %s\n", err);
    free(path);
    return status;
}
