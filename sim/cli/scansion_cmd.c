/* scansion_cmd: `sessim import-scansion` (see scansion_cmd.h). */
#include "cli/scansion_cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "base/exit.h"
#include "base/usage.h"
#include "base/mem.h"
#include "base/text.h"
#include "model/buf.h"
#include "scenario/emit.h"
#include "scenario/loader.h"
#include "scenario/scansion.h"
#include "scenario/scenario.h"

#define SCS_FILE_MAX (4u * 1024u * 1024u)

struct scs_cli {
    const char *in, *out;
    const char **tags, **spec;
    size_t ntags, nspec;
    struct scansion_insert *inserts;
    size_t ninserts;
    struct scansion_options opt;
};

static const char scs_usage[] =
    "usage: sessim import-scansion FILE.scs [-o OUT.yaml] [--spec S]... [--tag T]...\n"
    "                              [--until LINE] [--note TEXT] [--insert LINE STEP]...\n"
    "  translate a scansion script into a scenario (stdout without -o)\n"
    "  --spec S      add S to the scenario's spec: (repeatable)\n"
    "  --tag T       add the tag T after 'scansion' (repeatable)\n"
    "  --until LINE  translate only the actions before that line of the script\n"
    "  --note TEXT   append a paragraph to the description\n"
    "  --insert LINE STEP\n"
    "                add STEP (one scenario step, flow syntax) after the steps of\n"
    "                the action on that line of the script (repeatable)\n"
    "  Exit status: 0 written; 1 written, but the script needs what the model\n"
    "  lacks (a component such as MUC or pubsub, a module; each is named on\n"
    "  stderr with its line): on the model those stanzas meet errors or silence;\n"
    "  2 bad input or usage (nothing written).\n";

/* A usage error: "sessim: " the message, then how to get this command's help. */
static int bad_usage(const char *fmt, const char *arg)
{
    static const struct usage cmd = {.name = "import-scansion"};
    return usage_error(&cmd, fmt, arg);
}

/* The command line for the header: each argument shell-quoted if needed. */
static char *command_line(int argc, char **argv)
{
    struct buf b = {0};
    buf_puts(&b, "sessim import-scansion");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool plain = a[0] != '\0';
        for (const char *p = a; plain && *p != '\0'; p++)
            plain = isalnum((unsigned char)*p) || strchr("_./:=@%+,-", *p) != NULL;
        buf_putc(&b, ' ');
        if (plain) {
            buf_puts(&b, a);
            continue;
        }
        buf_putc(&b, '\'');
        for (const char *p = a; *p != '\0'; p++) {
            if (*p == '\'')
                buf_puts(&b, "'\\''");
            else
                buf_putc(&b, *p == '\n' ? ' ' : *p);
        }
        buf_putc(&b, '\'');
    }
    char *s = mem_strndup(buf_cstr(&b), b.len);
    buf_free(&b);
    return s;
}

static bool parse_line_number(const char *s, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v == 0)
        return false;
    *out = v;
    return true;
}

static void push(const char ***list, size_t *n, const char *v)
{
    *list = mem_realloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = v;
}

/* `--insert LINE STEP` at argv[*i]; returns 0 or the usage exit status. */
static int parse_insert(int argc, char **argv, int *i, struct scs_cli *cli)
{
    unsigned long line;
    if (*i + 2 >= argc)
        return bad_usage("option '%s' needs a line number and a step", argv[*i]);
    if (!parse_line_number(argv[*i + 1], &line))
        return bad_usage("--insert needs a line number, not '%s'", argv[*i + 1]);
    cli->inserts = mem_realloc(cli->inserts, (cli->ninserts + 1) * sizeof *cli->inserts);
    cli->inserts[cli->ninserts++] = (struct scansion_insert){line, argv[*i + 2]};
    *i += 2;
    return 0;
}

/* Returns 0, -1 after --help, or the usage exit status. */
static int parse_args(int argc, char **argv, struct scs_cli *cli)
{
    static const char *const valued[] = {"-o", "--spec", "--tag", "--until", "--note"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(scs_usage, stdout);
            return -1;
        }
        if (strcmp(a, "--insert") == 0) {
            int status = parse_insert(argc, argv, &i, cli);
            if (status != 0)
                return status;
            continue;
        }
        size_t k = 0;
        while (k < COUNT(valued) && strcmp(a, valued[k]) != 0)
            k++;
        if (k == COUNT(valued)) {
            if (a[0] == '-' && a[1] != '\0')
                return bad_usage("unknown option '%s' for 'import-scansion'", a);
            if (cli->in != NULL)
                return bad_usage("one script at a time ('%s' is a second one)", a);
            cli->in = a;
            continue;
        }
        if (i + 1 >= argc)
            return bad_usage("option '%s' needs a value", a);
        const char *v = argv[++i];
        if (k == 0)
            cli->out = v;
        else if (k == 1)
            push(&cli->spec, &cli->nspec, v);
        else if (k == 2)
            push(&cli->tags, &cli->ntags, v);
        else if (k == 3 && !parse_line_number(v, &cli->opt.until))
            return bad_usage("--until needs a line number, not '%s'", v);
        else if (k == 4)
            cli->opt.note = v;
    }
    return cli->in != NULL ? 0 : bad_usage("%s", "missing the script to import");
}

/* Reads the whole file (at most SCS_FILE_MAX bytes); NULL after a message. */
static char *slurp(const char *path, size_t *len)
{
    char *data;
    int err = text_read_file(path, SCS_FILE_MAX, &data, len);
    if (err != 0)
        fprintf(stderr, "sessim: %s: %s\n", path,
                err == EFBIG ? "larger than 4 MiB" : strerror(err));
    return data;
}

/* Loads the translation like any scenario, then writes it. */
static int write_scenario(const struct scs_cli *cli, const char *yaml)
{
    const char *name = cli->out ? cli->out : "<stdout>";
    struct scenario_error err;
    struct scenario *s = loader_load_buffer(name, yaml, strlen(yaml), &err);
    if (s == NULL) {
        char msg[SCENARIO_MESSAGE_MAX + 256];
        scenario_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "sessim: the translation of %s does not load: %s\n", cli->in, msg);
        return EXIT_USAGE;
    }
    scenario_free(s);
    bool to_file = cli->out != NULL;
    FILE *f = to_file ? fopen(cli->out, "w") : stdout;
    bool ok = f != NULL && fputs(yaml, f) >= 0;
    if (f != NULL)
        ok = (to_file ? fclose(f) : fflush(f)) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "sessim: cannot write %s: %s\n", name, strerror(errno));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* What the script needs that the model lacks, on stderr (scansion.h);
 * returns the exit status of a written translation. */
static int warn_needs(const char *script, const struct scansion_needs *needs)
{
    if (needs->n == 0)
        return EXIT_OK;
    for (size_t i = 0; i < needs->n; i++)
        fprintf(stderr, "%s:%lu: warning: the model lacks what this needs: %s\n", script,
                needs->items[i].line, needs->items[i].what);
    unsigned long first = needs->items[0].line;
    fprintf(stderr,
            "sessim: warning: %zu stanza%s of %s need%s what the model lacks: the scenario "
            "was written, but on the model %s errors or silence instead (--until %lu "
            "translates only the actions before line %lu)\n",
            needs->stanzas, needs->stanzas == 1 ? "" : "s", script,
            needs->stanzas == 1 ? "s" : "", needs->stanzas == 1 ? "it meets" : "they meet",
            first, first);
    return EXIT_FAILED;
}

int scansion_cmd_main(int argc, char **argv)
{
    struct scs_cli cli;
    memset(&cli, 0, sizeof cli);
    int status = parse_args(argc, argv, &cli);
    size_t len = 0;
    char *text = status == 0 ? slurp(cli.in, &len) : NULL;
    if (status == 0 && text == NULL)
        status = EXIT_USAGE;
    if (text != NULL) {
        char *command = command_line(argc, argv);
        cli.opt.source = cli.in;
        cli.opt.command = command;
        cli.opt.tags = cli.tags;
        cli.opt.ntags = cli.ntags;
        cli.opt.spec = cli.spec;
        cli.opt.nspec = cli.nspec;
        cli.opt.inserts = cli.inserts;
        cli.opt.ninserts = cli.ninserts;
        struct scansion_error err;
        struct scansion_needs needs;
        char *yaml = scansion_translate(text, len, &cli.opt, &needs, &err);
        if (yaml == NULL) {
            fprintf(stderr, "%s:%lu: %s\n", cli.in, err.line, err.message);
            status = EXIT_USAGE;
        } else {
            status = write_scenario(&cli, yaml);
            if (status == EXIT_OK)
                status = warn_needs(cli.in, &needs);
        }
        free(yaml);
        free(command);
        free(text);
    }
    free(cli.tags);
    free(cli.spec);
    free(cli.inserts);
    return status < 0 ? EXIT_OK : status;
}
