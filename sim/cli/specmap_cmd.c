/* specmap_cmd: `sessim coverage-map` and `sessim spec-map` (see
 * specmap_cmd.h). */
#include "cli/specmap_cmd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exit.h"
#include "base/mem.h"
#include "base/paths.h"
#include "base/usage.h"
#include "base/text.h"
#include "report/specmap.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"

#define SPECMAP_CMD_DEFAULT_SEMANTICS "model/SEMANTICS.md"
/* Where `make install` puts it, under the prefix (PREFIX/bin/sessim). */
#define SPECMAP_CMD_INSTALLED_SEMANTICS "share/doc/sessim/SEMANTICS.md"
#define SPECMAP_CMD_EXE "/proc/self/exe"   /* the running binary, on Linux */
#define SPECMAP_CMD_EXE_LEVELS 4           /* .build/<flavour>/sessim: the checkout is 2 up */
#define SPECMAP_CMD_PATH_MAX 4096
#define SPECMAP_CMD_FILE_MAX (16u * 1024u * 1024u)

static const char specmap_usage[] =
    "usage: sessim coverage-map [PATHS...] [--json F] [--semantics FILE]\n"
    "  list every SEMANTICS rule id with the scenarios whose spec: cites it,\n"
    "  then the rules no scenario cites\n"
    "  --json F          also write the map as JSON to F\n"
    "  --semantics FILE  the rules' document (default " SPECMAP_CMD_DEFAULT_SEMANTICS " of the\n"
    "                    checkout: under the current directory, else under the\n"
    "                    directory of the sessim binary or one of its parents,\n"
    "                    else the installed " SPECMAP_CMD_INSTALLED_SEMANTICS ");\n"
    "                    without a readable list of rule ids the exit status is 2\n";

struct specmap_cli {
    const char *json, *semantics;   /* semantics NULL: the default document */
    char **args;
    size_t nargs;
};

/* A usage error: "sessim: " the message, then how to get this command's help. */
static int bad_usage(const char *fmt, const char *arg)
{
    static const struct usage cmd = {.name = "coverage-map"};
    return usage_error(&cmd, fmt, arg);
}

/* Returns 0, -1 after --help, or the usage exit status. */
static int parse_args(int argc, char **argv, struct specmap_cli *cli)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(specmap_usage, stdout);
            return -1;
        }
        bool json = strcmp(a, "--json") == 0, sem = strcmp(a, "--semantics") == 0;
        if ((json || sem) && i + 1 >= argc)
            return bad_usage("option '%s' needs a value", a);
        if (json) {
            cli->json = argv[++i];
        } else if (sem) {
            cli->semantics = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            return bad_usage("unknown option '%s' for 'coverage-map'", a);
        } else {
            cli->args[cli->nargs++] = argv[i];
        }
    }
    return 0;
}

/* dir/name when that file exists: an owned path, else NULL. */
static char *existing_under(const char *dir, const char *name)
{
    char path[SPECMAP_CMD_PATH_MAX + sizeof SPECMAP_CMD_INSTALLED_SEMANTICS + 1];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0 ? mem_strdup(path) : NULL;
}

/* The default document: SPECMAP_CMD_DEFAULT_SEMANTICS under the current
 * directory, else under the directory of the running binary or one of its
 * parents (SPECMAP_CMD_EXE_LEVELS in all), so that a checkout's binary finds its
 * checkout's copy from anywhere, or an installed binary its installed copy
 * (SPECMAP_CMD_INSTALLED_SEMANTICS under the same parents). Owned path, or
 * NULL when there is none. */
static char *default_semantics(void)
{
    if (access(SPECMAP_CMD_DEFAULT_SEMANTICS, F_OK) == 0)
        return mem_strdup(SPECMAP_CMD_DEFAULT_SEMANTICS);
    char exe[SPECMAP_CMD_PATH_MAX];
    ssize_t n = readlink(SPECMAP_CMD_EXE, exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    for (int level = 0; level < SPECMAP_CMD_EXE_LEVELS; level++) {
        char *slash = strrchr(exe, '/');
        if (slash == NULL)
            return NULL;
        *slash = '\0';
        char *path = existing_under(exe, SPECMAP_CMD_DEFAULT_SEMANTICS);
        if (path == NULL)
            path = existing_under(exe, SPECMAP_CMD_INSTALLED_SEMANTICS);
        if (path != NULL)
            return path;
    }
    return NULL;
}

/* Reads the rules of file into m; false (with a message) when it cannot
 * be read or names no rule id. */
static bool read_semantics(struct specmap *m, const char *file)
{
    char *text;
    size_t len;
    int err = text_read_file(file, SPECMAP_CMD_FILE_MAX, &text, &len);
    if (err != 0) {
        fprintf(stderr, "sessim: %s: %s\n", file, strerror(err));
        return false;
    }
    bool ok = specmap_add_rules(m, file, text, len) > 0;
    if (!ok)
        fprintf(stderr, "sessim: %s: no rule ids (a rule is a line opening with \"**ID.**\")\n",
                file);
    free(text);
    return ok;
}

/* The rules of --semantics FILE, else of the default document. */
static bool read_rules(struct specmap *m, const struct specmap_cli *cli)
{
    if (cli->semantics != NULL)
        return read_semantics(m, cli->semantics);
    char *file = default_semantics();
    if (file == NULL) {
        fputs("sessim: coverage-map: no rule list: " SPECMAP_CMD_DEFAULT_SEMANTICS
              " is neither under the current directory nor beside the sessim binary;"
              " run from the checkout's root or give --semantics FILE\n",
              stderr);
        return false;
    }
    bool ok = read_semantics(m, file);
    free(file);
    return ok;
}

/* Loads every scenario into the map; false when one did not load. */
static bool read_scenarios(struct specmap *m, const struct paths *paths)
{
    bool ok = true;
    for (size_t i = 0; i < paths->len; i++) {
        struct scenario_error err;
        struct scenario *s = loader_load(paths->items[i], &err);
        if (s == NULL) {
            char msg[SCENARIO_MESSAGE_MAX + 512];
            scenario_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "%s\n", msg);
            ok = false;
            continue;
        }
        specmap_add_scenario(m, paths->items[i], s);
        scenario_free(s);
    }
    return ok;
}

static bool write_json_file(const struct specmap *m, const char *file)
{
    FILE *f = fopen(file, "w");
    bool ok = f != NULL && specmap_write_json(m, f);
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "sessim: cannot write %s: %s\n", file, strerror(errno));
    return ok;
}

int specmap_cmd_main(int argc, char **argv)
{
    struct specmap_cli cli = {NULL, NULL, NULL, 0};
    cli.args = mem_realloc(NULL, ((size_t)argc + 1) * sizeof *cli.args);
    int status = parse_args(argc, argv, &cli);
    struct specmap *m = specmap_new();
    struct paths paths = {0};
    if (status == 0) {
        bool ok = read_rules(m, &cli) && paths_collect(cli.args, cli.nargs, &paths);
        ok = ok && read_scenarios(m, &paths);
        ok = ok && specmap_write_text(m, stdout) && fflush(stdout) == 0;
        ok = ok && (cli.json == NULL || write_json_file(m, cli.json));
        status = ok ? EXIT_OK : EXIT_USAGE;
    }
    paths_free(&paths);
    specmap_free(m);
    free(cli.args);
    return status < 0 ? EXIT_OK : status;
}
