/* explain: why a pattern does not match a stanza (see explain.h). */
#include "scenario/explain.h"

#include <stdarg.h>
#include <string.h>

#include "base/text.h"
#include "scenario/match.h"

#define EXPLAIN_DEPTH 4           /* levels of child elements the diagnosis descends */

static bool is_element(const struct stanza_node *n, const char *ns, const char *name)
{
    return n->ns != NULL && strcmp(n->ns, ns) == 0 && strcmp(n->name, name) == 0;
}

static bool is_xml_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The element's own text without leading and trailing white space. */
static void trimmed_text(const struct stanza_node *el, struct buf *out)
{
    struct buf raw = {0};
    const char *s = stanza_text(el, &raw);
    size_t len = raw.len;
    while (len > 0 && is_xml_space(*s)) {
        s++;
        len--;
    }
    while (len > 0 && is_xml_space(s[len - 1]))
        len--;
    buf_clear(out);
    buf_append(out, s, len);
    buf_free(&raw);
}

static bool is_wildcard(const char *v)
{
    return strcmp(v, "{any}") == 0 || strncmp(v, "{capture:", 9) == 0;
}

static void why_line(struct buf *out, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void why_line(struct buf *out, const char *path, const char *fmt, ...)
{
    text_printf(out, "    - %s%s", path, *path ? ": " : "");
    va_list ap;
    va_start(ap, fmt);
    text_vprintf(out, fmt, ap);
    va_end(ap);
    buf_putc(out, '\n');
}

static void why_attrs(const struct stanza_node *pat, const struct stanza_node *act,
                      const char *path, struct buf *out)
{
    for (const struct stanza_attr *a = pat->attrs; a != NULL; a = a->next) {
        if (strcmp(a->ns, MATCH_NS) == 0)
            continue;
        const char *v = stanza_attr(act, a->ns, a->name);
        if (strcmp(a->value, "{absent}") == 0) {
            if (v != NULL)
                why_line(out, path, "attribute '%s' should be absent, actual '%s'", a->name, v);
        } else if (v == NULL) {
            why_line(out, path, "attribute '%s': expected '%s', actual has none", a->name,
                     a->value);
        } else if (!is_wildcard(a->value) && strcmp(a->value, v) != 0) {
            why_line(out, path, "attribute '%s': expected '%s', actual '%s'", a->name, a->value,
                     v);
        }
    }
}

static void why_text(const struct stanza_node *pat, const struct stanza_node *act,
                     const char *path, struct buf *out)
{
    struct buf p = {0}, a = {0};
    trimmed_text(pat, &p);
    trimmed_text(act, &a);
    const char *ps = buf_cstr(&p), *as = buf_cstr(&a);
    if (p.len > 0 && (is_wildcard(ps) ? a.len == 0 : strcmp(ps, as) != 0))
        why_line(out, path, "text: expected '%s', actual '%s'", ps, as);
    buf_free(&p);
    buf_free(&a);
}

static void why_element(const struct stanza_node *pat, const struct stanza_node *act,
                        const char *path, int depth, struct buf *out);

/* A pattern child: an absent one must match no actual child, another must
 * match one; when it matches none, descend into a child of the same name. */
static void why_child(const struct stanza_node *pc, const struct stanza_node *act,
                      const char *path, int depth, struct buf *out)
{
    bool absent = match_directive(pc, "absent");
    const struct stanza_node *same = NULL;
    for (const struct stanza_node *ac = stanza_child(act, NULL, NULL); ac != NULL;
         ac = stanza_child_next(ac, NULL, NULL)) {
        if (match_stanza(pc, ac, NULL)) {
            if (absent)
                why_line(out, path, "unexpected child <%s>", ac->name);
            return;
        }
        if (same == NULL && is_element(ac, pc->ns, pc->name))
            same = ac;
    }
    if (absent)
        return;
    if (same != NULL && depth < EXPLAIN_DEPTH) {
        struct buf sub = {0};
        text_printf(&sub, "%s%s<%s>", path, *path ? "/" : "", pc->name);
        why_element(pc, same, buf_cstr(&sub), depth + 1, out);
        buf_free(&sub);
    } else {
        struct buf b = {0};
        stanza_serialize(pc, act->ns, false, &b);
        why_line(out, path, "no child matches %s", buf_cstr(&b));
        buf_free(&b);
    }
}

/* The next child element from c on; of a pattern (pattern true), absent
 * children skipped. */
static const struct stanza_node *next_element(const struct stanza_node *c, bool pattern)
{
    while (c != NULL && (c->kind != STANZA_ELEMENT || (pattern && match_directive(c, "absent"))))
        c = c->next;
    return c;
}

/* Under sessim:exact="true": the children of both by name when those
 * differ, else (when no line said why yet: explained false) the first
 * one out of place. */
static void why_exact(const struct stanza_node *pat, const struct stanza_node *act,
                      const char *path, bool explained, struct buf *out)
{
    if (!match_directive(pat, "exact"))
        return;
    struct buf want = {0}, got = {0};
    bool names = true;
    size_t first_off = 0;
    const struct stanza_node *pc = next_element(pat->children, true);
    const struct stanza_node *ac = next_element(act->children, false);
    for (size_t i = 1; pc != NULL || ac != NULL; i++) {
        names = names && pc != NULL && ac != NULL && is_element(ac, pc->ns, pc->name);
        if (first_off == 0 && names && !match_stanza(pc, ac, NULL))
            first_off = i;
        if (pc != NULL) {
            text_printf(&want, " <%s>", pc->name);
            pc = next_element(pc->next, true);
        }
        if (ac != NULL) {
            text_printf(&got, " <%s>", ac->name);
            ac = next_element(ac->next, false);
        }
    }
    if (!names)
        why_line(out, path, "children: expected exactly%s in this order, actual%s",
                 want.len ? buf_cstr(&want) : " none", got.len ? buf_cstr(&got) : " none");
    else if (first_off > 0 && !explained)
        why_line(out, path, "children: child %zu does not match the pattern's child %zu",
                 first_off, first_off);
    buf_free(&want);
    buf_free(&got);
}

/* Appends one "    - ..." line per visible difference between pattern and
 * actual (the matcher itself only says yes or no). */
static void why_element(const struct stanza_node *pat, const struct stanza_node *act,
                        const char *path, int depth, struct buf *out)
{
    if (!is_element(act, pat->ns, pat->name)) {
        why_line(out, path, "expected element <%s> in '%s', actual <%s> in '%s'", pat->name,
                 pat->ns, act->name, act->ns);
        return;
    }
    why_attrs(pat, act, path, out);
    why_text(pat, act, path, out);
    size_t before = out->len;
    for (const struct stanza_node *pc = stanza_child(pat, NULL, NULL); pc != NULL;
         pc = stanza_child_next(pc, NULL, NULL))
        why_child(pc, act, path, depth, out);
    why_exact(pat, act, path, out->len > before, out);
}

void explain_mismatch(const struct stanza_node *pat, const struct stanza_node *act,
                      struct buf *out)
{
    struct buf lines = {0};
    why_element(pat, act, "", 0, &lines);
    if (lines.len == 0)
        buf_puts(&lines, "    - its children cannot each match a distinct actual child\n");
    buf_append(out, lines.data, lines.len);
    buf_free(&lines);
}
