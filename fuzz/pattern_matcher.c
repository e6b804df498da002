/* Fuzz target: the stanza pattern matcher (sim/match.h).
 *
 * The input is two XML fragments separated by the first NUL byte (without
 * one, the second is the first again), each parsed with
 * xmlstream_parse_element in jabber:client. Properties checked:
 * - reflexive: an element with no special value ({any}, {absent},
 *   {capture:...}) and no urn:sessim attribute matches itself;
 * - a pattern built from an element matches it: some attributes and
 *   children dropped, some values and texts replaced by {any} or
 *   {capture:cN}, an {absent} attribute and a sessim:absent child added for
 *   names the element lacks, sessim:exact on some elements whose children
 *   are all kept; the pattern passes match_pattern_check, every
 *   capture binds, a root capture binds the value it stood for, and the
 *   pattern survives serialization and reparsing;
 * - generalizing never loses a match: when a plain first element matches
 *   the second, so does the pattern built from it without absent or exact parts;
 * - matching is pure: with or without a capture store the answer is the
 *   same, and match_receive_set of one pattern agrees with match_stanza.
 * Choices derive from a hash of the input. A violation is reported with
 * fuzz/common/finding.h (the two elements and the pattern built, as XML)
 * and aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/finding.h"
#include "model/buf.h"
#include "scenario/match.h"
#include "model/prng.h"
#include "model/stanza.h"
#include "model/xmlstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ABSENT_NS "urn:x-fuzz:absent"

struct gen {
    struct prng prng;     /* choices */
    unsigned captures;    /* capture names used: c0, c1, ... */
    bool narrow;          /* add {absent} attributes, sessim:absent children and
                           * sessim:exact where every child is kept */
};

/* What a report shows: the input's two elements and the current pattern. */
static const struct stanza_node *shown_a, *shown_b, *shown_pattern;

static void show(struct buf *msg, const char *name, const struct stanza_node *el)
{
    if (el == NULL)
        return;
    buf_puts(msg, name);
    stanza_serialize(el, STANZA_NS_CLIENT, false, msg);
    buf_putc(msg, '\n');
}

static void fail(const char *what)
{
    struct buf msg = {0};
    show(&msg, "first element:  ", shown_a);
    show(&msg, "second element: ", shown_b);
    show(&msg, "pattern built:  ", shown_pattern);
    finding_fail("pattern_matcher", what, buf_cstr(&msg));
}

static unsigned choose(struct gen *g, unsigned n)
{
    return (unsigned)prng_below(&g->prng, n);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The value with XML white space trimmed, as the matcher compares text. */
static void trimmed(const char *s, size_t len, struct buf *out)
{
    while (len > 0 && is_space(s[0])) {
        s++;
        len--;
    }
    while (len > 0 && is_space(s[len - 1]))
        len--;
    buf_clear(out);
    buf_append(out, s, len);
}

/* Whether a value would be read as special by the matcher. */
static bool is_special(const char *v, size_t len)
{
    struct buf t = {0};
    trimmed(v, len, &t);
    const char *s = buf_cstr(&t);
    bool special = strcmp(s, "{any}") == 0 || strcmp(s, "{absent}") == 0 ||
                   strncmp(s, "{capture:", 9) == 0;
    buf_free(&t);
    return special;
}

/* No special value and no urn:sessim attribute anywhere below el. */
static bool is_plain(const struct stanza_node *el)
{
    for (const struct stanza_attr *a = el->attrs; a != NULL; a = a->next)
        if (strcmp(a->ns, MATCH_NS) == 0 || is_special(a->value, strlen(a->value)))
            return false;
    struct buf text = {0};
    stanza_text(el, &text);
    bool plain = !is_special(buf_cstr(&text), text.len);
    buf_free(&text);
    for (const struct stanza_node *c = el->children; plain && c != NULL; c = c->next)
        if (c->kind == STANZA_ELEMENT)
            plain = is_plain(c);
    return plain;
}

static void add_capture(struct gen *g, struct stanza *st, struct stanza_node *el,
                        const char *ns, const char *name)
{
    char value[32];
    snprintf(value, sizeof value, "{capture:c%u}", g->captures++);
    if (name != NULL)
        stanza_attr_add(st, el, ns, name, value);
    else
        stanza_text_add(st, el, value, strlen(value));
}

/* Copies one attribute of src into the pattern: kept, dropped, {any} or a
 * capture. Directives and special values are never copied as they are. */
static void gen_attr(struct gen *g, struct stanza *st, struct stanza_node *el,
                     const struct stanza_attr *a)
{
    if (strcmp(a->ns, MATCH_NS) == 0)
        return;
    unsigned c = choose(g, 5);
    bool special = is_special(a->value, strlen(a->value));
    if (c == 0 || (special && c == 1))
        return;
    if (c == 1)
        stanza_attr_add(st, el, a->ns, a->name, a->value);
    else if (c == 2 || c == 3)
        stanza_attr_add(st, el, a->ns, a->name, "{any}");
    else
        add_capture(g, st, el, a->ns, a->name);
}

/* The pattern's text: the element's text nodes, or {any} or a capture when
 * the trimmed text is not empty, or nothing. */
static void gen_text(struct gen *g, struct stanza *st, struct stanza_node *el,
                     const struct stanza_node *src)
{
    struct buf text = {0}, t = {0};
    stanza_text(src, &text);
    trimmed(buf_cstr(&text), text.len, &t);
    unsigned c = choose(g, 4);
    if (t.len > 0 && c == 1)
        stanza_text_add(st, el, "{any}", 5);
    else if (t.len > 0 && c == 2)
        add_capture(g, st, el, NULL, NULL);
    else if (c == 3 && !is_special(buf_cstr(&text), text.len))
        stanza_text_add(st, el, text.data ? text.data : "", text.len);
    buf_free(&text);
    buf_free(&t);
}

static void gen_absent(struct gen *g, struct stanza *st, struct stanza_node *el,
                       const struct stanza_node *src)
{
    if (stanza_attr(src, "", "fuzz-absent") == NULL && choose(g, 2) == 0)
        stanza_attr_add(st, el, "", "fuzz-absent", "{absent}");
    if (stanza_child(src, ABSENT_NS, "gone") == NULL && choose(g, 2) == 0) {
        struct stanza_node *gone = stanza_element_add(st, el, ABSENT_NS, "gone");
        stanza_attr_add(st, gone, MATCH_NS, "absent", "true");
    }
}

/* Builds in st (under parent, NULL: as root) a pattern that src matches. */
static void gen_element(struct gen *g, struct stanza *st, struct stanza_node *parent,
                        const struct stanza_node *src)
{
    struct stanza_node *el = stanza_element_add(st, parent, src->ns, src->name);
    for (const struct stanza_attr *a = src->attrs; a != NULL; a = a->next)
        gen_attr(g, st, el, a);
    gen_text(g, st, el, src);
    bool exact = g->narrow && choose(g, 4) == 0;
    if (exact)
        stanza_attr_add(st, el, MATCH_NS, "exact", "true");
    for (const struct stanza_node *c = src->children; c != NULL; c = c->next)
        if (c->kind == STANZA_ELEMENT && (exact || choose(g, 3) != 0))
            gen_element(g, st, el, c);
    if (g->narrow)
        gen_absent(g, st, el, src);
}

static struct stanza *parse(const char *text, size_t len)
{
    enum xmlstream_error e;
    unsigned long line, col;
    return xmlstream_parse_element(text, len, STANZA_NS_CLIENT, &e, &line, &col);
}

/* The pattern reparses from its serialization into an equal tree. */
static void check_round_trip(const struct stanza_node *pat)
{
    struct buf ser = {0};
    stanza_serialize(pat, STANZA_NS_CLIENT, false, &ser);
    struct stanza *again = parse(buf_cstr(&ser), ser.len);
    if (again == NULL || !stanza_equal(pat, stanza_root(again)))
        fail("a pattern does not survive serialization");
    stanza_free(again);
    buf_free(&ser);
}

/* A root capture binds exactly the value it stood for. */
static void check_root_captures(const struct stanza_node *pat, const struct stanza_node *act,
                                const struct match_vars *vars)
{
    for (const struct stanza_attr *a = pat->attrs; a != NULL; a = a->next) {
        if (strncmp(a->value, "{capture:", 9) != 0)
            continue;
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(strlen(a->value) - 10), a->value + 9);
        const char *v = match_vars_get(vars, name);
        if (v == NULL || strcmp(v, stanza_attr(act, a->ns, a->name)) != 0)
            fail("a root attribute capture bound another value");
    }
}

/* Builds a pattern from a, checks it matches a and, when given, b. */
static void check_generated(uint64_t seed, bool narrow, const struct stanza_node *a,
                            const struct stanza_node *b)
{
    struct gen g = {{0}, 0, narrow};
    prng_seed(&g.prng, seed);
    struct stanza *st = stanza_new(NULL);
    gen_element(&g, st, NULL, a);
    const struct stanza_node *pat = stanza_root(st);
    shown_pattern = pat;
    struct buf msg = {0};
    if (!match_pattern_check(pat, NULL, &msg))
        fail(buf_cstr(&msg));
    struct match_vars vars = {0};
    if (!match_stanza(pat, a, &vars))
        fail("a pattern built from an element does not match it");
    if (vars.len != g.captures)
        fail("a capture of a matching pattern did not bind");
    check_root_captures(pat, a, &vars);
    if (b != NULL && !match_stanza(pat, b, NULL))
        fail("generalizing a matching pattern lost the match");
    check_round_trip(pat);
    match_vars_free(&vars);
    buf_free(&msg);
    stanza_free(st);
    shown_pattern = NULL;
}

/* match_stanza with and without captures, and a one-pattern receive set,
 * agree. Returns the answer. */
static bool check_pure(const struct stanza_node *pat, const struct stanza_node *act)
{
    struct match_vars vars = {0};
    bool plain = match_stanza(pat, act, NULL);
    bool captured = match_stanza(pat, act, &vars);
    size_t assigned = 7;
    bool set = match_receive_set(&pat, 1, &act, 1, NULL, &assigned);
    if (plain != captured || plain != set || (set ? assigned != 0 : assigned != MATCH_UNASSIGNED))
        fail("match_stanza and match_receive_set disagree");
    if (!captured && vars.len != 0)
        fail("a failed match bound captures");
    match_vars_free(&vars);
    return plain;
}

static uint64_t hash(const uint8_t *data, size_t size)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ull;
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (data == NULL)
        return 0;
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t alen = nul ? (size_t)(nul - text) : size;
    struct stanza *sa = parse(text, alen);
    struct stanza *sb = nul ? parse(nul + 1, size - alen - 1) : parse(text, alen);
    const struct stanza_node *a = sa ? stanza_root(sa) : NULL;
    const struct stanza_node *b = sb ? stanza_root(sb) : NULL;
    uint64_t seed = hash(data, size);
    shown_a = a;
    shown_b = b;
    if (a != NULL && finding_planted())
        fail("planted: a property every input breaks");
    if (a != NULL) {
        if (is_plain(a) && !check_pure(a, a))
            fail("a plain element does not match itself");
        check_generated(seed, true, a, NULL);
    }
    if (a != NULL && b != NULL) {
        bool ab = check_pure(a, b);
        check_pure(b, a);
        if (ab && is_plain(a))
            check_generated(seed ^ 0x9e3779b97f4a7c15ull, false, a, b);
    }
    shown_a = shown_b = NULL;
    stanza_free(sa);
    stanza_free(sb);
    return 0;
}
