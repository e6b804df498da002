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
#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "model/buf.h"
#include "base/mem.h"
#include "report/report.h"


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
