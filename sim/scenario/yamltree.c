/* yamltree: a YAML document as a tree of positioned nodes (see yamltree.h).
 *
 * libyaml's event parser feeds the tree; the builder already refuses
 * aliases, tags, second documents, NUL bytes, deep nesting, non-string
 * keys and duplicate keys, each at its 1-based line and column.
 */
#include "scenario/yamltree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/mem.h"
#include "base/text.h"

#define YAMLTREE_QUOTE_MAX 60

static bool fail_at(struct yamltree *t, unsigned long line, unsigned long column, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

/* Records the error (the last one wins). Always returns false. */
static bool fail_at(struct yamltree *t, unsigned long line, unsigned long column, const char *fmt,
                    ...)
{
    t->err->line = line;
    t->err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->err->message, sizeof t->err->message, fmt, ap);
    va_end(ap);
    return false;
}

static void offset_position(const struct yamltree *t, size_t offset, unsigned long *line,
                            unsigned long *column);

/* libyaml reports an error at the end of the stream on the line after the
 * last one: such a position becomes the end of the input itself (computed
 * once per load, so that placing every node stays linear). */
static void clamp_to_input(const struct yamltree *t, unsigned long *line, unsigned long *column)
{
    if (*line > t->end_line || (*line == t->end_line && *column > t->end_column)) {
        *line = t->end_line;
        *column = t->end_column;
    }
}

/* A libyaml mark as a 1-based position inside the input. */
static void mark_position(const struct yamltree *t, const yaml_mark_t *m, unsigned long *line,
                          unsigned long *column)
{
    *line = (unsigned long)m->line + 1;
    *column = (unsigned long)m->column + 1;
    clamp_to_input(t, line, column);
}

static bool fail_mark(struct yamltree *t, const yaml_mark_t *m, const char *message)
{
    unsigned long line, column;
    mark_position(t, m, &line, &column);
    return fail_at(t, line, column, "%s", message);
}

static struct yamltree_node *tree_add(struct yamltree *t, enum yamltree_kind kind, const yaml_mark_t *m)
{
    struct yamltree_node *n = mem_calloc(1, sizeof *n);
    n->kind = kind;
    mark_position(t, m, &n->line, &n->column);
    t->all = mem_grow(t->all, t->all_count, &t->all_cap, sizeof *t->all);
    t->all[t->all_count++] = n;
    if (t->depth == 0) {
        t->root = n;
        return n;
    }
    struct yamltree_node *p = t->open[t->depth - 1];
    p->kids = mem_grow(p->kids, p->count, &p->cap, sizeof *p->kids);
    p->kids[p->count++] = n;
    return n;
}

/* Adds a node under the open collection; NULL after an error. */
static struct yamltree_node *open_node(struct yamltree *t, enum yamltree_kind kind, const yaml_mark_t *m,
                               const yaml_char_t *tag)
{
    if (tag != NULL)
        return fail_mark(t, m, "YAML tags are not supported"), NULL;
    if (t->depth > 0 && kind != YAMLTREE_SCALAR) {
        const struct yamltree_node *p = t->open[t->depth - 1];
        if (p->kind == YAMLTREE_MAP && p->count % 2 == 0)
            return fail_mark(t, m, "mapping keys must be strings"), NULL;
    }
    /* libyaml's scanner is quadratic in the flow nesting depth: stop early. */
    if (kind != YAMLTREE_SCALAR && t->depth >= t->depth_max) {
        char msg[64];
        snprintf(msg, sizeof msg, "nesting deeper than %zu levels", t->depth_max);
        return fail_mark(t, m, msg), NULL;
    }
    struct yamltree_node *n = tree_add(t, kind, m);
    if (kind != YAMLTREE_SCALAR) {
        t->open = mem_grow(t->open, t->depth, &t->open_cap, sizeof *t->open);
        t->open[t->depth++] = n;
    }
    return n;
}

static bool on_scalar(struct yamltree *t, const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(v, '\0', len) != NULL)
        return fail_mark(t, &ev->start_mark, "strings must not contain NUL characters");
    struct yamltree_node *n = open_node(t, YAMLTREE_SCALAR, &ev->start_mark, ev->data.scalar.tag);
    if (n == NULL)
        return false;
    n->text = mem_strndup(v, len);
    n->len = len;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return true;
}

static bool same_text(const struct yamltree_node *a, const struct yamltree_node *b)
{
    return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

static bool before(const struct yamltree_node *a, const struct yamltree_node *b)
{
    return a->line < b->line || (a->line == b->line && a->column < b->column);
}

/* Total order: text, then position. */
static int key_order(const void *pa, const void *pb)
{
    const struct yamltree_node *a = *(const struct yamltree_node *const *)pa;
    const struct yamltree_node *b = *(const struct yamltree_node *const *)pb;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    int c = memcmp(a->text, b->text, a->len);
    if (c != 0)
        return c;
    return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

/* Reports the earliest second occurrence of a key (sorting keeps this
 * O(n log n) for huge mappings). */
static bool check_duplicates(struct yamltree *t, const struct yamltree_node *map)
{
    size_t n = map->count / 2;
    if (n < 2)
        return true;
    const struct yamltree_node **keys = mem_calloc(n, sizeof *keys);
    for (size_t i = 0; i < n; i++)
        keys[i] = map->kids[2 * i];
    qsort(keys, n, sizeof *keys, key_order);
    const struct yamltree_node *dup = NULL, *first = NULL;
    for (size_t i = 1; i < n; i++) {
        bool second = same_text(keys[i - 1], keys[i]) &&
                      (i < 2 || !same_text(keys[i - 2], keys[i]));
        if (second && (dup == NULL || before(keys[i], dup))) {
            dup = keys[i];
            first = keys[i - 1];
        }
    }
    free(keys);
    if (dup == NULL)
        return true;
    char q[YAMLTREE_QUOTE_MAX + 4];
    text_excerpt(dup->text, dup->len, YAMLTREE_QUOTE_MAX, q);
    return fail_at(t, dup->line, dup->column, "duplicate key '%s' (first at %lu:%lu)", q,
                   first->line, first->column);
}

static bool on_event(struct yamltree *t, const yaml_event_t *ev, bool *done)
{
    switch (ev->type) {
    case YAML_NO_EVENT:
    case YAML_STREAM_END_EVENT:
        *done = true;
        return true;
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        return true;
    case YAML_DOCUMENT_START_EVENT:
        if (t->documents++ == 0)
            return true;
        return fail_mark(t, &ev->start_mark, "a scenario file holds one YAML document, found a second one");
    case YAML_ALIAS_EVENT:
        return fail_mark(t, &ev->start_mark, "YAML aliases are not supported");
    case YAML_SCALAR_EVENT:
        return on_scalar(t, ev);
    case YAML_SEQUENCE_START_EVENT:
        return open_node(t, YAMLTREE_SEQ, &ev->start_mark, ev->data.sequence_start.tag) != NULL;
    case YAML_MAPPING_START_EVENT:
        return open_node(t, YAMLTREE_MAP, &ev->start_mark, ev->data.mapping_start.tag) != NULL;
    case YAML_SEQUENCE_END_EVENT:
        t->depth--;
        return true;
    case YAML_MAPPING_END_EVENT:
        t->depth--;
        return check_duplicates(t, t->open[t->depth]);
    }
    return true;
}

/* 1-based line and column (in characters) of a byte offset in the input. */
static void offset_position(const struct yamltree *t, size_t offset, unsigned long *line,
                            unsigned long *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset && i < t->len; i++) {
        if (t->data[i] == '\n') {
            ++*line;
            *column = 1;
        } else if (((unsigned char)t->data[i] & 0xC0) != 0x80) {
            ++*column;
        }
    }
}

/* The first byte of the character at a 1-based position, or '\0'. */
static char byte_at(const struct yamltree *t, unsigned long line, unsigned long column)
{
    size_t i = 0;
    for (unsigned long l = 1; l < line && i < t->len; i++)
        l += t->data[i] == '\n';
    for (unsigned long c = 1; i < t->len && t->data[i] != '\n'; i++) {
        if (((unsigned char)t->data[i] & 0xC0) != 0x80 && c++ == column)
            return t->data[i];
    }
    return '\0';
}

static bool parser_failed(struct yamltree *t, const yaml_parser_t *p)
{
    const char *problem = p->problem != NULL ? p->problem : "invalid YAML";
    unsigned long line, column;
    switch (p->error) {
    case YAML_READER_ERROR:
        offset_position(t, p->problem_offset, &line, &column);
        if (p->problem_value < 0)
            return fail_at(t, line, column, "%s", problem);
        return fail_at(t, line, column, "%s (#x%X)", problem, (unsigned)p->problem_value);
    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR:
    case YAML_COMPOSER_ERROR:
        mark_position(t, &p->problem_mark, &line, &column);
        if (p->error == YAML_SCANNER_ERROR && byte_at(t, line, column) == '\t')
            return fail_at(t, line, column, "tab character: YAML indents with spaces only");
        if (p->context == NULL)
            return fail_at(t, line, column, "%s", problem);
        unsigned long cline, ccolumn;
        mark_position(t, &p->context_mark, &cline, &ccolumn);
        return fail_at(t, line, column, "%s (%s at %lu:%lu)", problem, p->context, cline,
                       ccolumn);
    case YAML_MEMORY_ERROR:
        mem_out_of_memory();
        return false;
    case YAML_NO_ERROR:
    case YAML_WRITER_ERROR:
    case YAML_EMITTER_ERROR:
        break;
    }
    return fail_at(t, 1, 1, "%s", problem);
}

bool yamltree_build(struct yamltree *t, const char *data, size_t len, size_t depth_max,
                    struct yamltree_error *err)
{
    memset(t, 0, sizeof *t);
    memset(err, 0, sizeof *err);
    t->data = data != NULL ? data : "";
    t->len = data != NULL ? len : 0;
    t->depth_max = depth_max;
    t->err = err;
    offset_position(t, t->len, &t->end_line, &t->end_column);
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        mem_out_of_memory();
    yaml_parser_set_input_string(&p, (const unsigned char *)t->data, t->len);
    bool ok = true, done = false;
    while (ok && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            ok = parser_failed(t, &p);
            break;
        }
        ok = on_event(t, &ev, &done);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return ok;
}

void yamltree_free(struct yamltree *t)
{
    for (size_t i = 0; i < t->all_count; i++) {
        free(t->all[i]->text);
        free(t->all[i]->kids);
        free(t->all[i]);
    }
    free(t->all);
    free(t->open);
}
