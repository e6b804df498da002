/* specmap: the SEMANTICS rule coverage map (contract in specmap.h).
 *
 * A map is a list of rules, each with the scenarios citing it; document
 * rules come first in document order, ids only cited are appended as they
 * are met and flagged. Lookups are linear: SEMANTICS has about 130 ids and
 * a scenario cites a handful, so a run over the corpus stays well below a
 * million comparisons.
 */
#include "report/specmap.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/count.h"
#include "base/exit.h"
#include "base/text.h"
#include "model/buf.h"
#include "base/mem.h"
#include "base/paths.h"
#include "report/report.h"
#include "scenario/loader.h"

#define SPECMAP_DEFAULT_SEMANTICS "model/SEMANTICS.md"
#define SPECMAP_EXE "/proc/self/exe"   /* the running binary, on Linux */
#define SPECMAP_EXE_LEVELS 4           /* .build/<flavour>/sessim: the checkout is 2 up */
#define SPECMAP_PATH_MAX 4096
#define SPECMAP_FILE_MAX (16u * 1024u * 1024u)

struct specmap_rule {
    char id[SPECMAP_ID_MAX];
    char *summary;                /* NULL for an id only cited */
    bool documented;
    char **scenarios;             /* paths, owned, in the order added */
    size_t nscenarios;
};

struct specmap {
    char *source;                 /* the SEMANTICS file read, or NULL */
    struct specmap_rule *rules;
    size_t len, cap;
    size_t scenarios;             /* scenarios added */
};

struct specmap *specmap_new(void)
{
    struct specmap *m = mem_realloc(NULL, sizeof *m);
    memset(m, 0, sizeof *m);
    return m;
}

void specmap_free(struct specmap *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->len; i++) {
        for (size_t k = 0; k < m->rules[i].nscenarios; k++)
            free(m->rules[i].scenarios[k]);
        free(m->rules[i].scenarios);
        free(m->rules[i].summary);
    }
    free(m->rules);
    free(m->source);
    free(m);
}

/* ---- ids ---- */

/* Length of the rule id at s (at most len bytes): capital letters then
 * digits ("P7", "R18"), or "0." and digits; 0 when there is none. */
static size_t id_length(const char *s, size_t len)
{
    size_t i = 0;
    if (len >= 3 && s[0] == '0' && s[1] == '.' && isdigit((unsigned char)s[2])) {
        i = 2;
    } else {
        while (i < len && s[i] >= 'A' && s[i] <= 'Z')
            i++;
        if (i == 0)
            return 0;
    }
    size_t digits = i;
    while (i < len && isdigit((unsigned char)s[i]))
        i++;
    return i > digits && i < SPECMAP_ID_MAX ? i : 0;
}

static struct specmap_rule *rule_find(const struct specmap *m, const char *id, size_t len)
{
    for (size_t i = 0; i < m->len; i++)
        if (strlen(m->rules[i].id) == len && memcmp(m->rules[i].id, id, len) == 0)
            return &m->rules[i];
    return NULL;
}

static struct specmap_rule *rule_add(struct specmap *m, const char *id, size_t len)
{
    if (m->len == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->rules = mem_realloc(m->rules, m->cap * sizeof *m->rules);
    }
    struct specmap_rule *r = &m->rules[m->len++];
    memset(r, 0, sizeof *r);
    memcpy(r->id, id, len);
    r->id[len] = '\0';
    return r;
}

/* The start of a rule's text, markup dropped, at most
 * SPECMAP_SUMMARY_MAX characters (cut at a space, then "..."). */
static char *summary_of(const char *s, size_t len)
{
    struct buf b = {0};
    for (size_t i = 0; i < len && b.len < 4 * SPECMAP_SUMMARY_MAX; i++)
        if (s[i] != '*' && s[i] != '`' && !(b.len == 0 && (s[i] == ' ' || s[i] == '\t')))
            buf_putc(&b, s[i] == '\t' ? ' ' : s[i]);
    size_t n = b.len, chars = 0, cut = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)b.data[i] & 0xC0) != 0x80 && ++chars > SPECMAP_SUMMARY_MAX)
            break;
        if (b.data[i] == ' ')
            cut = i;
        if (i + 1 == n)
            cut = n;
    }
    char *text = mem_strndup(b.data ? b.data : "", cut);
    if (cut < n) {
        text = mem_realloc(text, cut + 4);
        memcpy(text + cut, "...", 4);
    }
    buf_free(&b);
    return text;
}

/* A line "**ID.** text", "**ID. Title** text" or "**0.N Title.** text":
 * the id and its summary. */
static void rule_line(struct specmap *m, const char *s, size_t len)
{
    if (len < 4 || s[0] != '*' || s[1] != '*')
        return;
    size_t n = id_length(s + 2, len - 2);
    if (n == 0 || rule_find(m, s + 2, n) != NULL)
        return;
    const char *after = s + 2 + n;
    size_t rest = len - 2 - n;
    char sep = s[2] == '0' ? ' ' : '.';
    if (rest < 1 || after[0] != sep)
        return;
    struct specmap_rule *r = rule_add(m, s + 2, n);
    r->documented = true;
    r->summary = summary_of(after + 1, rest - 1);
}

size_t specmap_add_rules(struct specmap *m, const char *source, const char *text, size_t len)
{
    size_t before = m->len;
    free(m->source);
    m->source = mem_strndup(source, strlen(source));
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - text - i) : len - i;
        rule_line(m, text + i, n);
        i += n + 1;
    }
    return m->len - before;
}

/* ---- citations ---- */

static void cite(struct specmap *m, const char *id, size_t len, const char *path)
{
    struct specmap_rule *r = rule_find(m, id, len);
    if (r == NULL)
        r = rule_add(m, id, len);
    if (r->nscenarios > 0 && strcmp(r->scenarios[r->nscenarios - 1], path) == 0)
        return;   /* cited twice by the same scenario */
    r->scenarios = mem_realloc(r->scenarios, (r->nscenarios + 1) * sizeof *r->scenarios);
    r->scenarios[r->nscenarios++] = mem_strndup(path, strlen(path));
}

/* "SEMANTICS P7, P8 and more": the ids up to the first other word. */
static void cite_entry(struct specmap *m, const char *entry, const char *path)
{
    static const char prefix[] = "SEMANTICS ";
    if (strncmp(entry, prefix, sizeof prefix - 1) != 0)
        return;
    const char *p = entry + sizeof prefix - 1;
    for (;;) {
        p += strspn(p, " ,;/");
        size_t word = strcspn(p, " ,;/");
        if (word == 0 || id_length(p, word) != word)
            return;
        cite(m, p, word, path);
        p += word;
    }
}

void specmap_add_scenario(struct specmap *m, const char *path, const struct scenario *s)
{
    m->scenarios++;
    for (size_t i = 0; i < s->spec.count; i++)
        cite_entry(m, s->spec.items[i].text, path);
}

/* ---- order without a document ---- */

/* Rank of an id's section: 0, S, A, P, R, M, O, G, T, X, I, then the
 * other letters. */
static int section_rank(const char *id)
{
    static const char order[] = "0SAPRMOGTXI";
    const char *at = strchr(order, id[0]);
    return at ? (int)(at - order) : (int)sizeof order + (id[0] - 'A');
}

static unsigned long id_number(const char *id)
{
    const char *p = id;
    while (*p != '\0' && !isdigit((unsigned char)*p))
        p++;
    if (p[0] == '0' && p[1] == '.')
        p += 2;
    return strtoul(p, NULL, 10);
}

static int rule_order(const void *pa, const void *pb)
{
    const struct specmap_rule *a = pa, *b = pb;
    int ra = section_rank(a->id), rb = section_rank(b->id);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    unsigned long na = id_number(a->id), nb = id_number(b->id);
    if (na != nb)
        return na < nb ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* A view of m with its rules in output order: document order, or
 * without a document the cited ids sorted. It shares m's strings; free
 * only its rules array. */
static struct specmap ordered(const struct specmap *m)
{
    struct specmap v = *m;
    v.rules = mem_realloc(NULL, (m->len ? m->len : 1) * sizeof *v.rules);
    if (m->len > 0)
        memcpy(v.rules, m->rules, m->len * sizeof *v.rules);
    if (m->source == NULL && m->len > 1)
        qsort(v.rules, v.len, sizeof *v.rules, rule_order);
    return v;
}

size_t specmap_rule_count(const struct specmap *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->len; i++)
        n += m->rules[i].documented || m->source == NULL;
    return n;
}

size_t specmap_covered_count(const struct specmap *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->len; i++)
        n += (m->rules[i].documented || m->source == NULL) && m->rules[i].nscenarios > 0;
    return n;
}

/* ---- text ---- */

static bool is_rule(const struct specmap *m, const struct specmap_rule *r)
{
    return r->documented || m->source == NULL;
}

static void print_rules(const struct specmap *m, FILE *f)
{
    for (size_t i = 0; i < m->len; i++) {
        const struct specmap_rule *r = &m->rules[i];
        if (!is_rule(m, r))
            continue;
        fprintf(f, "%-5s %3zu  %s\n", r->id, r->nscenarios, r->summary ? r->summary : "");
        for (size_t k = 0; k < r->nscenarios; k++)
            fprintf(f, "            %s\n", r->scenarios[k]);
    }
}

/* "HEADING (N): a b c" for the rules that match want (cited or not), or
 * the ids the document lacks; nothing when there are none. */
static void print_list(const struct specmap *m, FILE *f, const char *heading, bool unknown)
{
    size_t n = 0;
    for (size_t i = 0; i < m->len; i++) {
        const struct specmap_rule *r = &m->rules[i];
        bool match = unknown ? !is_rule(m, r) : is_rule(m, r) && r->nscenarios == 0;
        if (!match)
            continue;
        if (n++ == 0)
            fprintf(f, "%s:", heading);
        fprintf(f, " %s", r->id);
        if (unknown)
            fprintf(f, " (%s%s)", r->scenarios[0], r->nscenarios > 1 ? ", ..." : "");
    }
    if (n > 0)
        fprintf(f, "\n");
}

bool specmap_write_text(const struct specmap *map, FILE *f)
{
    struct specmap view = ordered(map);
    const struct specmap *m = &view;
    size_t total = specmap_rule_count(m), covered = specmap_covered_count(m);
    fprintf(f, "SEMANTICS rules cited by %zu scenario%s (ids from %s)\n", m->scenarios,
            m->scenarios == 1 ? "" : "s",
            m->source ? m->source : "the scenarios' spec: entries; no SEMANTICS.md read");
    print_rules(m, f);
    print_list(m, f, "\nrules no scenario cites", false);
    print_list(m, f, "cited ids that SEMANTICS.md does not have", true);
    fprintf(f, "covered: %zu of %zu rule ids (%.1f%%)\n", covered, total,
            total ? 100.0 * (double)covered / (double)total : 0.0);
    free(view.rules);
    return !ferror(f);
}

/* ---- JSON ---- */

static void json_rule(FILE *f, const struct specmap_rule *r, bool last)
{
    fputs("    {\"id\": ", f);
    report_json_string(f, r->id);
    if (r->summary != NULL) {
        fputs(", \"summary\": ", f);
        report_json_string(f, r->summary);
    }
    fputs(", \"scenarios\": [", f);
    for (size_t k = 0; k < r->nscenarios; k++) {
        fputs(k ? ", " : "", f);
        report_json_string(f, r->scenarios[k]);
    }
    fprintf(f, "]}%s\n", last ? "" : ",");
}

/* The rules (unknown false) or the ids the document lacks, as a list. */
static void json_rules(const struct specmap *m, FILE *f, const char *key, bool unknown)
{
    size_t n = 0, written = 0;
    for (size_t i = 0; i < m->len; i++)
        n += is_rule(m, &m->rules[i]) != unknown;
    fprintf(f, "  \"%s\": [%s", key, n ? "\n" : "");
    for (size_t i = 0; i < m->len; i++)
        if (is_rule(m, &m->rules[i]) != unknown)
            json_rule(f, &m->rules[i], ++written == n);
    fprintf(f, "%s],\n", n ? "  " : "");
}

bool specmap_write_json(const struct specmap *map, FILE *f)
{
    struct specmap view = ordered(map);
    const struct specmap *m = &view;
    fputs("{\n  \"semantics\": ", f);
    if (m->source)
        report_json_string(f, m->source);
    else
        fputs("null", f);
    fprintf(f, ",\n  \"scenarios\": %zu,\n", m->scenarios);
    json_rules(m, f, "rules", false);
    fputs("  \"uncited\": [", f);
    size_t n = 0;
    for (size_t i = 0; i < m->len; i++) {
        const struct specmap_rule *r = &m->rules[i];
        if (is_rule(m, r) && r->nscenarios == 0) {
            fputs(n++ ? ", " : "", f);
            report_json_string(f, r->id);
        }
    }
    fputs("],\n", f);
    json_rules(m, f, "unknown", true);
    fprintf(f, "  \"covered\": %zu,\n  \"total\": %zu\n}\n", specmap_covered_count(m),
            specmap_rule_count(m));
    free(view.rules);
    return !ferror(f);
}

/* ---- the command ---- */

static const char specmap_usage[] =
    "usage: sessim coverage-map [PATHS...] [--json F] [--semantics FILE]\n"
    "  list every SEMANTICS rule id with the scenarios whose spec: cites it,\n"
    "  then the rules no scenario cites\n"
    "  --json F          also write the map as JSON to F\n"
    "  --semantics FILE  the rules' document (default " SPECMAP_DEFAULT_SEMANTICS " of the\n"
    "                    checkout: under the current directory, else under the\n"
    "                    directory of the sessim binary or one of its parents);\n"
    "                    without a readable list of rule ids the exit status is 2\n";

struct specmap_cli {
    const char *json, *semantics;   /* semantics NULL: the default document */
    char **args;
    size_t nargs;
};

static int usage_error(const char *fmt, const char *arg)
{
    fputs("sessim: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'sessim coverage-map --help'.\n", stderr);
    return EXIT_USAGE;
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
            return usage_error("option '%s' needs a value", a);
        if (json) {
            cli->json = argv[++i];
        } else if (sem) {
            cli->semantics = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option '%s' for 'coverage-map'", a);
        } else {
            cli->args[cli->nargs++] = argv[i];
        }
    }
    return 0;
}

/* The default document: SPECMAP_DEFAULT_SEMANTICS under the current
 * directory, else under the directory of the running binary or one of its
 * parents (SPECMAP_EXE_LEVELS in all), so that a checkout's binary finds its
 * checkout's copy from anywhere. Owned path, or NULL when there is none. */
static char *default_semantics(void)
{
    if (access(SPECMAP_DEFAULT_SEMANTICS, F_OK) == 0)
        return mem_strdup(SPECMAP_DEFAULT_SEMANTICS);
    char exe[SPECMAP_PATH_MAX];
    ssize_t n = readlink(SPECMAP_EXE, exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    for (int level = 0; level < SPECMAP_EXE_LEVELS; level++) {
        char *slash = strrchr(exe, '/');
        if (slash == NULL)
            return NULL;
        *slash = '\0';
        char path[sizeof exe + sizeof SPECMAP_DEFAULT_SEMANTICS];
        snprintf(path, sizeof path, "%s/%s", exe, SPECMAP_DEFAULT_SEMANTICS);
        if (access(path, F_OK) == 0)
            return mem_strdup(path);
    }
    return NULL;
}

/* Reads the rules of file into m; false (with a message) when it cannot
 * be read or names no rule id. */
static bool read_semantics(struct specmap *m, const char *file)
{
    char *text;
    size_t len;
    int err = text_read_file(file, SPECMAP_FILE_MAX, &text, &len);
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
        fputs("sessim: coverage-map: no rule list: " SPECMAP_DEFAULT_SEMANTICS
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

int specmap_main(int argc, char **argv)
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
