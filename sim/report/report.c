/* report: results collector and JUnit/TAP/JSON writers (see report.h).
 *
 * Every string goes through one UTF-8 decoder and a per-format escaping
 * rule, so an odd byte in a failure message (a stanza echoed from send_raw)
 * cannot make a report unparseable.
 */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "base/mem.h"

struct stored {
    struct report_entry e;  /* its pointers point at the copies below */
    char *path, *scenario, *message, *description;
    char **tags, **spec, **notes;
};

struct report {
    struct stored *items;
    size_t len, cap;
};

static const char *const outcome_names[] = {
#define REPORT_NAME(name, word, label) word,
    REPORT_OUTCOMES(REPORT_NAME)
#undef REPORT_NAME
};

static char *copy_str(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t len = strlen(s);
    char *d = mem_realloc(NULL, len + 1);
    memcpy(d, s, len + 1);
    return d;
}

static char **copy_strs(const char *const *v, size_t n)
{
    char **d = mem_realloc(NULL, n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = copy_str(v[i]);
    return d;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- collector ------------------------------------------------------------ */

struct report *report_new(void)
{
    struct report *r = mem_realloc(NULL, sizeof *r);
    *r = (struct report){0};
    return r;
}

void report_free(struct report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->len; i++) {
        struct stored *s = &r->items[i];
        free(s->path);
        free(s->scenario);
        free(s->message);
        free(s->description);
        free_strs(s->notes, s->e.notes_len);
        free_strs(s->tags, s->e.tags_len);
        free_strs(s->spec, s->e.spec_len);
    }
    free(r->items);
    free(r);
}

void report_add(struct report *r, const struct report_entry *e)
{
    if (r->len == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->items = mem_realloc(r->items, r->cap * sizeof *r->items);
    }
    struct stored *s = &r->items[r->len++];
    s->path = copy_str(e->path);
    s->scenario = copy_str(e->scenario);
    s->message = copy_str(e->message);
    s->tags = copy_strs(e->tags, e->tags_len);
    s->spec = copy_strs(e->spec, e->spec_len);
    s->description = copy_str(e->description);
    s->notes = copy_strs(e->notes, e->notes_len);
    s->e = *e;
    s->e.description = s->description;
    s->e.notes = (const char *const *)s->notes;
    s->e.path = s->path;
    s->e.scenario = s->scenario;
    s->e.message = s->message;
    s->e.tags = (const char *const *)s->tags;
    s->e.spec = (const char *const *)s->spec;
}

size_t report_len(const struct report *r)
{
    return r->len;
}

size_t report_count(const struct report *r, enum report_outcome outcome)
{
    size_t n = 0;
    for (size_t i = 0; i < r->len; i++)
        n += r->items[i].e.outcome == outcome;
    return n;
}

const struct report_entry *report_get(const struct report *r, size_t i)
{
    return i < r->len ? &r->items[i].e : NULL;
}

const char *report_outcome_name(enum report_outcome outcome)
{
    return outcome_names[outcome];
}

/* ---- characters ------------------------------------------------------------- */

#define REPLACEMENT 0xFFFDul

/* Decodes one UTF-8 sequence from s (len > 0) into *cp and returns its
 * length; an invalid byte decodes as U+FFFD with length 1. */
static size_t utf8_next(const unsigned char *s, size_t len, unsigned long *cp)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;
    *cp = REPLACEMENT;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;   /* no overlong forms */
        hi = c == 0xED ? 0x9F : 0xBF;   /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;   /* nothing above U+10FFFF */
    } else {
        return 1;
    }
    if (len < n || s[1] < lo || s[1] > hi)
        return 1;
    unsigned long v = c & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 1;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    *cp = v;
    return n;
}

static void put_utf8(FILE *f, unsigned long cp)
{
    if (cp < 0x80) {
        fputc((int)cp, f);
        return;
    }
    size_t n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    unsigned char out[4];
    for (size_t i = n - 1; i > 0; i--) {
        out[i] = (unsigned char)(0x80 | (cp & 0x3F));
        cp >>= 6;
    }
    out[0] = (unsigned char)(lead[n] | cp);
    fwrite(out, 1, n, f);
}

/* Writes len bytes of s, decoded, through one escaping rule. */
static void put_text_n(FILE *f, const char *s, size_t len, void (*put)(FILE *f, unsigned long cp))
{
    const unsigned char *p = (const unsigned char *)s;
    while (len > 0) {
        unsigned long cp;
        size_t n = utf8_next(p, len, &cp);
        put(f, cp);
        p += n;
        len -= n;
    }
}

static void put_text(FILE *f, const char *s, void (*put)(FILE *f, unsigned long cp))
{
    put_text_n(f, s, strlen(s), put);
}

struct escape {
    unsigned long cp;
    const char *text;
};

/* The escape for cp in table, or NULL. */
static const char *escape_find(const struct escape *table, size_t n, unsigned long cp)
{
    for (size_t i = 0; i < n; i++)
        if (table[i].cp == cp)
            return table[i].text;
    return NULL;
}

#define ESCAPE(table, cp) escape_find(table, COUNT(table), cp)

/* Characters XML 1.0 can carry (§2.2), below U+10000 where that matters. */
static bool xml_char(unsigned long cp)
{
    return cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x20 && cp != 0xFFFE && cp != 0xFFFF);
}

static void put_xml(FILE *f, unsigned long cp, const char *escaped)
{
    if (escaped != NULL)
        fputs(escaped, f);
    else if (!xml_char(cp))
        fprintf(f, "#x%02lX", cp);
    else
        put_utf8(f, cp);
}

static void put_xml_attr(FILE *f, unsigned long cp)
{
    static const struct escape table[] = {
        {'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"},  {'"', "&quot;"},
        {'\'', "&apos;"}, {'\t', "&#9;"}, {'\n', "&#10;"}, {'\r', "&#13;"},
    };
    put_xml(f, cp, ESCAPE(table, cp));
}

static void put_xml_text(FILE *f, unsigned long cp)
{
    static const struct escape table[] = {
        {'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'\r', "&#13;"},
    };
    put_xml(f, cp, ESCAPE(table, cp));
}

/* RFC 8259 §7: quote, backslash and control characters are escaped. */
static void put_json(FILE *f, unsigned long cp)
{
    static const struct escape table[] = {
        {'"', "\\\""}, {'\\', "\\\\"}, {'\b', "\\b"}, {'\f', "\\f"},
        {'\n', "\\n"}, {'\r', "\\r"},  {'\t', "\\t"},
    };
    const char *e = ESCAPE(table, cp);
    if (e != NULL)
        fputs(e, f);
    else if (cp < 0x20)
        fprintf(f, "\\u%04lx", cp);
    else
        put_utf8(f, cp);
}

/* Characters YAML 1.2 writes as themselves (§5.1 c-printable), minus NEL. */
static bool yaml_printable(unsigned long cp)
{
    return cp == '\t' || cp == '\n' || (cp >= 0x20 && cp <= 0x7E) ||
           (cp >= 0xA0 && cp != 0xFEFF && cp != 0xFFFE && cp != 0xFFFF);
}

/* Inside a YAML double-quoted scalar. */
static void put_yaml_quoted(FILE *f, unsigned long cp)
{
    static const struct escape table[] = {
        {'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\t', "\\t"}, {'\r', "\\r"},
    };
    const char *e = ESCAPE(table, cp);
    if (e != NULL)
        fputs(e, f);
    else if (!yaml_printable(cp))
        fprintf(f, cp < 0x100 ? "\\x%02lX" : "\\u%04lX", cp);
    else
        put_utf8(f, cp);
}

/* A TAP test line: `#` would start a directive, a line break a new line. */
static void put_tap_line(FILE *f, unsigned long cp)
{
    static const struct escape table[] = {{'#', "\\#"}, {'\\', "\\\\"}};
    const char *e = ESCAPE(table, cp);
    if (e != NULL)
        fputs(e, f);
    else if (cp < 0x20 || cp == 0x7F)
        fputc(' ', f);
    else
        put_utf8(f, cp);
}

static size_t first_line_len(const char *s)
{
    return strcspn(s, "\r\n");
}

/* ---- summary ------------------------------------------------------------------ */

static bool finish(FILE *f)
{
    return fflush(f) == 0 && !ferror(f);
}

bool report_write_summary(const struct report *r, FILE *f)
{
    fprintf(f, "%zu passed, %zu failed", report_count(r, REPORT_PASS),
            report_count(r, REPORT_FAIL));
    size_t skipped = report_count(r, REPORT_SKIP);
    if (skipped > 0)
        fprintf(f, ", %zu skipped", skipped);
    fputc('\n', f);
    return finish(f);
}

/* ---- JUnit XML ------------------------------------------------------------------ */

static void xml_attr(FILE *f, const char *name, const char *value)
{
    fprintf(f, " %s=\"", name);
    put_text(f, value, put_xml_attr);
    fputc('"', f);
}

/* The counts both <testsuites> and <testsuite> carry. JUnit counts files
 * that did not load as errors, not failures; time is "0" (the reports are
 * deterministic; no durations are measured). The common schema
 * (sim/tests/junit/junit-10.xsd) has `skipped` on <testsuite> only. */
static void xml_counts(FILE *f, const struct report *r, bool suite)
{
    size_t errors = 0;
    for (size_t i = 0; i < r->len; i++)
        errors += r->items[i].e.load_error;
    fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"", r->len,
            report_count(r, REPORT_FAIL) - errors, errors);
    if (suite)
        fprintf(f, " skipped=\"%zu\"", report_count(r, REPORT_SKIP));
    fputs(" time=\"0\"", f);
}

/* One "key: value" line of a test case's <system-out>. */
static void junit_out_line(FILE *f, const char *key, const char *value)
{
    fprintf(f, "%s: ", key);
    put_text(f, value, put_xml_text);
    fputc('\n', f);
}

/* What the report knows of a scenario beside its outcome (title, tags,
 * spec, skipped steps), as lines of <system-out>: the common schema
 * allows no <properties> in a <testcase>, and CI systems show a test
 * case's output beside it. */
static void junit_system_out(FILE *f, const struct report_entry *e)
{
    fputs("      <system-out>", f);
    junit_out_line(f, "title", e->scenario);
    for (size_t i = 0; i < e->tags_len; i++)
        junit_out_line(f, "tag", e->tags[i]);
    for (size_t i = 0; i < e->spec_len; i++)
        junit_out_line(f, "spec", e->spec[i]);
    if (e->skipped_steps > 0)
        fprintf(f, "skipped steps: %zu\n", e->skipped_steps);
    fputs("</system-out>\n", f);
}

/* <failure message="first line">whole message</failure> (the message
 * starts with its FILE:LINE); <error> for a file that did not load. */
static void junit_failure(FILE *f, const struct report_entry *e)
{
    const char *msg = e->message ? e->message : "failed";
    const char *tag = e->load_error ? "error" : "failure";
    fprintf(f, "      <%s message=\"", tag);
    put_text_n(f, msg, first_line_len(msg), put_xml_attr);
    fputs("\">", f);
    put_text(f, msg, put_xml_text);
    fprintf(f, "</%s>\n", tag);
}

static void junit_skipped(FILE *f, const struct report_entry *e)
{
    fputs("      <skipped", f);
    if (e->message != NULL)
        xml_attr(f, "message", e->message);
    fputs("/>\n", f);
}

static void junit_testcase(FILE *f, const struct report_entry *e)
{
    const char *slash = strrchr(e->path, '/');
    size_t dir_len = slash ? (size_t)(slash - e->path) : 0;
    /* classname: the file's folder ("sessim" for a bare file name, never
     * "."); name: the path, unique where titles may repeat (the title is
     * in <system-out>). */
    bool dir = dir_len > 0 && !(dir_len == 1 && e->path[0] == '.');
    fputs("    <testcase classname=\"", f);
    put_text_n(f, dir ? e->path : "sessim", dir ? dir_len : 6, put_xml_attr);
    fputc('"', f);
    xml_attr(f, "name", e->path);
    fputs(" time=\"0\">\n", f);
    switch (e->outcome) {
    case REPORT_PASS:
        break;
    case REPORT_FAIL:
        junit_failure(f, e);
        break;
    case REPORT_SKIP:
        junit_skipped(f, e);
        break;
    }
    junit_system_out(f, e);
    fputs("    </testcase>\n", f);
}

bool report_write_junit(const struct report *r, FILE *f)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", f);
    xml_counts(f, r, false);
    fputs(">\n  <testsuite name=\"sessim\"", f);
    xml_counts(f, r, true);
    fputs(">\n", f);
    for (size_t i = 0; i < r->len; i++)
        junit_testcase(f, &r->items[i].e);
    fputs("  </testsuite>\n</testsuites>\n", f);
    return finish(f);
}

/* ---- TAP version 13 ----------------------------------------------------------- */

/* A line that a line-oriented TAP parser could take for the start or the
 * end of a YAML block, whatever its indentation. */
static bool yaml_marker_line(const char *line, size_t len)
{
    while (len > 0 && *line == ' ') {
        line++;
        len--;
    }
    return len == 3 && (memcmp(line, "...", 3) == 0 || memcmp(line, "---", 3) == 0);
}

/* Whether msg can be a YAML literal block (`|-`) that reads back exactly:
 * printable, not starting with blanks (indentation is detected from the
 * first line), no final line break (`|-` strips it), no marker lines. */
static bool yaml_literal_ok(const char *msg)
{
    size_t len = strlen(msg);
    if (len == 0 || msg[0] == ' ' || msg[0] == '\t' || msg[0] == '\n' || msg[len - 1] == '\n')
        return false;
    const unsigned char *p = (const unsigned char *)msg;
    for (size_t i = 0, n; i < len; i += n) {
        unsigned long cp;
        n = utf8_next(p + i, len - i, &cp);
        if (!yaml_printable(cp))
            return false;
    }
    for (const char *line = msg;;) {
        size_t ll = strcspn(line, "\n");
        if (yaml_marker_line(line, ll))
            return false;
        if (line[ll] == '\0')
            return true;
        line += ll + 1;
    }
}

static void tap_yaml_message(FILE *f, const char *msg)
{
    if (!yaml_literal_ok(msg)) {
        fputs("  message: \"", f);
        put_text(f, msg, put_yaml_quoted);
        fputs("\"\n", f);
        return;
    }
    fputs("  message: |-\n", f);
    for (const char *line = msg;;) {
        size_t ll = strcspn(line, "\n");
        fputs("    ", f);
        put_text_n(f, line, ll, put_utf8);
        fputc('\n', f);
        if (line[ll] == '\0')
            return;
        line += ll + 1;
    }
}

static void tap_yaml_block(FILE *f, const struct report_entry *e)
{
    fputs("  ---\n  file: \"", f);
    put_text(f, e->path, put_yaml_quoted);
    fputs("\"\n", f);
    if (e->line > 0)
        fprintf(f, "  line: %lu\n", e->line);
    if (e->skipped_steps > 0)
        fprintf(f, "  skipped_steps: %zu\n", e->skipped_steps);
    if (e->outcome == REPORT_FAIL && e->message != NULL)
        tap_yaml_message(f, e->message);
    fputs("  ...\n", f);
}

static void tap_entry(FILE *f, size_t number, const struct report_entry *e)
{
    fprintf(f, "%s %zu - ", e->outcome == REPORT_FAIL ? "not ok" : "ok", number);
    put_text(f, e->scenario, put_tap_line);
    if (e->outcome == REPORT_SKIP) {
        fputs(" # SKIP", f);
        if (e->message != NULL) {
            fputc(' ', f);
            put_text_n(f, e->message, first_line_len(e->message), put_tap_line);
        }
    }
    fputc('\n', f);
    if (e->outcome == REPORT_FAIL || (e->outcome == REPORT_PASS && e->skipped_steps > 0))
        tap_yaml_block(f, e);
}

bool report_write_tap(const struct report *r, FILE *f)
{
    fprintf(f, "TAP version 13\n1..%zu\n", r->len);
    for (size_t i = 0; i < r->len; i++)
        tap_entry(f, i + 1, &r->items[i].e);
    return finish(f);
}

/* ---- JSON ------------------------------------------------------------------------ */

void report_json_string(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    put_text(f, s, put_json);
    fputc('"', f);
}

static void json_strings(FILE *f, const char *const *v, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            fputs(", ", f);
        report_json_string(f, v[i]);
    }
    fputc(']', f);
}

static void json_entry(FILE *f, const struct report_entry *e)
{
    fputs("    {\n      \"file\": ", f);
    report_json_string(f, e->path);
    fputs(",\n      \"scenario\": ", f);
    report_json_string(f, e->scenario);
    fputs(",\n      \"tags\": ", f);
    json_strings(f, e->tags, e->tags_len);
    fputs(",\n      \"spec\": ", f);
    json_strings(f, e->spec, e->spec_len);
    fputs(",\n      \"description\": ", f);
    report_json_string(f, e->description);
    fputs(",\n      \"notes\": ", f);
    json_strings(f, e->notes, e->notes_len);
    fprintf(f, ",\n      \"outcome\": \"%s\",\n      \"skipped_steps\": %zu,\n      \"line\": ",
            report_outcome_name(e->outcome), e->skipped_steps);
    if (e->line > 0)
        fprintf(f, "%lu", e->line);
    else
        fputs("null", f);
    fputs(",\n      \"message\": ", f);
    report_json_string(f, e->message);
    fputs("\n    }", f);
}

bool report_write_json(const struct report *r, FILE *f)
{
    fprintf(f,
            "{\n  \"summary\": {\"total\": %zu, \"passed\": %zu, \"failed\": %zu, "
            "\"skipped\": %zu},\n  \"results\": [",
            r->len, report_count(r, REPORT_PASS), report_count(r, REPORT_FAIL),
            report_count(r, REPORT_SKIP));
    for (size_t i = 0; i < r->len; i++) {
        fputs(i > 0 ? ",\n" : "\n", f);
        json_entry(f, &r->items[i].e);
    }
    fputs(r->len > 0 ? "\n  ]\n}\n" : "]\n}\n", f);
    return finish(f);
}
