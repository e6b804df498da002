/* plainxml: the plain XML subset parsed directly (see plainxml.h).
 *
 * One pass over the bytes, no recursion: start tags add an element under
 * the current one, end tags go back to its parent, text goes to the current
 * element as it is decoded (stanza_text_add merges the pieces, as the
 * stream parser's one text node between two tags). Whatever is outside the
 * subset makes the parse give up.
 */
#include "run/plainxml.h"

#include <stdbool.h>
#include <string.h>

#include "model/buf.h"
#include "model/xmlstream.h"

#define NS_XMLNS "http://www.w3.org/2000/xmlns/"
#define NAME_MAX_LEN 63   /* longer names are left to expat */

struct cursor {
    const char *at, *end;
    struct stanza *st;
    struct stanza_node *el;   /* the open element; NULL before the root */
    unsigned depth;           /* elements open */
    struct buf scratch;       /* decoded attribute values, then text */
};

/* An attribute of the start tag being read: its name in the input, its
 * decoded value at an offset of the scratch buffer. */
struct attr {
    const char *name;
    size_t name_len, value_at;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static void skip_space(struct cursor *c)
{
    while (c->at < c->end && is_space(*c->at))
        c->at++;
}

/* A name without a prefix; its length, 0 when there is none or it is
 * longer than NAME_MAX_LEN. */
static size_t name(struct cursor *c)
{
    const char *start = c->at;
    if (c->at < c->end && is_name_start(*c->at))
        for (c->at++; c->at < c->end && is_name_char(*c->at); c->at++)
            ;
    size_t n = (size_t)(c->at - start);
    return n <= NAME_MAX_LEN ? n : 0;
}

/* A name of the input as a C string in out (NAME_MAX_LEN + 1 bytes). */
static const char *name_copy(const char *name, size_t len, char *out)
{
    memcpy(out, name, len);
    out[len] = '\0';
    return out;
}

/* One of the five predefined entities after '&', decoded into out. */
static bool entity(struct cursor *c, struct buf *out)
{
    static const struct {
        const char *ref;
        char ch;
    } refs[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"apos;", '\''}, {"quot;", '"'}};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        size_t n = strlen(refs[i].ref);
        if ((size_t)(c->end - c->at) >= n && memcmp(c->at, refs[i].ref, n) == 0) {
            c->at += n;
            buf_putc(out, refs[i].ch);
            return true;
        }
    }
    return false;
}

/* Bytes up to the next stop byte (or the end) go to out as they are,
 * entities decoded; the stop byte is not consumed. False on a byte a
 * parser would change or refuse: outside printable ASCII (but tab and
 * line feed where text allows them), '<' inside an attribute value, "]]>"
 * in text, or an entity other than the five predefined ones. */
static bool chars(struct cursor *c, char stop, bool in_text, struct buf *out)
{
    const char *run = c->at, *start = c->at;
    while (c->at < c->end && *c->at != stop) {
        char ch = *c->at;
        bool plain = ch >= 0x20 && ch <= 0x7e && ch != '&' && ch != '<';
        if (plain && ch == '>' && in_text && c->at - start >= 2 && memcmp(c->at - 2, "]]", 2) == 0)
            return false;   /* "]]>" is not allowed in text */
        if (plain || (in_text && (ch == '\t' || ch == '\n'))) {
            c->at++;
            continue;
        }
        if (ch != '&')
            return false;
        buf_append(out, run, (size_t)(c->at - run));
        c->at++;
        if (!entity(c, out))
            return false;
        run = c->at;
    }
    buf_append(out, run, (size_t)(c->at - run));
    return true;
}

/* A quoted attribute value, decoded into the scratch buffer and ended
 * with a NUL. */
static bool value(struct cursor *c)
{
    if (c->at >= c->end || (*c->at != '\'' && *c->at != '"'))
        return false;
    char quote = *c->at++;
    if (!chars(c, quote, false, &c->scratch) || c->at >= c->end)
        return false;
    c->at++;
    buf_putc(&c->scratch, '\0');
    return true;
}

static bool name_is(const struct attr *a, const char *s)
{
    return a->name_len == strlen(s) && memcmp(a->name, s, a->name_len) == 0;
}

/* The attributes of a start tag, up to its '>' or "/>" (not consumed). */
static bool attributes(struct cursor *c, struct attr *attrs, size_t *n)
{
    *n = 0;
    for (;;) {
        const char *before = c->at;
        skip_space(c);
        if (c->at >= c->end)
            return false;
        if (*c->at == '>' || *c->at == '/')
            return true;
        if (c->at == before || *n == PLAINXML_ATTRS_MAX)
            return false;   /* attributes are separated by whitespace */
        struct attr *a = &attrs[(*n)++];
        a->name = c->at;
        a->name_len = name(c);
        if (a->name_len == 3 && memcmp(a->name, "xml", 3) == 0 && c->at < c->end &&
            *c->at == ':') {
            c->at++;
            if (name(c) != 4 || memcmp(c->at - 4, "lang", 4) != 0)
                return false;
            a->name_len = 8;   /* "xml:lang" */
        }
        if (a->name_len == 0)
            return false;
        skip_space(c);
        if (c->at >= c->end || *c->at++ != '=')
            return false;
        skip_space(c);
        a->value_at = c->scratch.len;
        if (!value(c))
            return false;
    }
}

static bool duplicated(const struct attr *attrs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (attrs[i].name_len == attrs[j].name_len &&
                memcmp(attrs[i].name, attrs[j].name, attrs[i].name_len) == 0)
                return true;
    return false;
}

/* A start tag after its '<': the element, open unless it ends with "/>". */
static bool start_tag(struct cursor *c, const char *default_ns)
{
    const char *tag = c->at;
    size_t tag_len = name(c);
    struct attr attrs[PLAINXML_ATTRS_MAX];
    size_t n;
    buf_clear(&c->scratch);
    if (tag_len == 0 || !attributes(c, attrs, &n) || duplicated(attrs, n))
        return false;
    const char *ns = c->el != NULL ? c->el->ns : default_ns;
    for (size_t i = 0; i < n; i++)
        if (name_is(&attrs[i], "xmlns"))
            ns = c->scratch.data + attrs[i].value_at;
    if (ns[0] == '\0' || strcmp(ns, STANZA_NS_XML) == 0 || strcmp(ns, NS_XMLNS) == 0)
        return false;   /* an undeclared default, or a reserved URI: expat decides */
    char local[NAME_MAX_LEN + 1];
    struct stanza_node *el = stanza_element_add(c->st, c->el, ns,
                                                name_copy(tag, tag_len, local));
    for (size_t i = 0; i < n; i++) {
        const char *v = c->scratch.data + attrs[i].value_at;
        if (name_is(&attrs[i], "xml:lang"))
            stanza_attr_add(c->st, el, STANZA_NS_XML, "lang", v);
        else if (!name_is(&attrs[i], "xmlns"))
            stanza_attr_add(c->st, el, "",
                            name_copy(attrs[i].name, attrs[i].name_len, local), v);
    }
    if (*c->at == '/') {
        c->at++;
        return c->at < c->end && *c->at++ == '>' && c->depth < XMLSTREAM_DEPTH_MAX_DEFAULT;
    }
    c->at++;
    c->el = el;
    return ++c->depth <= XMLSTREAM_DEPTH_MAX_DEFAULT;
}

/* An end tag after its "</": it must close the open element. */
static bool end_tag(struct cursor *c)
{
    const char *tag = c->at;
    size_t tag_len = name(c);
    if (tag_len == 0 || tag_len != strlen(c->el->name) || memcmp(tag, c->el->name, tag_len) != 0)
        return false;
    skip_space(c);
    if (c->at >= c->end || *c->at++ != '>')
        return false;
    c->el = c->el->parent;
    c->depth--;
    return true;
}

/* Text up to the next '<', decoded, added to the open element. */
static bool text(struct cursor *c)
{
    buf_clear(&c->scratch);
    if (!chars(c, '<', true, &c->scratch))
        return false;
    stanza_text_add(c->st, c->el, c->scratch.data, c->scratch.len);
    return true;
}

/* One step: a tag or a run of text. False when the input is not plain. */
static bool next(struct cursor *c, const char *default_ns)
{
    if (*c->at != '<')
        return c->el != NULL && text(c);
    c->at++;
    if (c->at < c->end && *c->at == '/') {
        c->at++;
        return c->el != NULL && end_tag(c);
    }
    return start_tag(c, default_ns);
}

struct stanza *plainxml_parse(const char *text, size_t len, const char *default_ns)
{
    struct cursor c = {.at = text, .end = text + len, .st = stanza_new(NULL)};
    bool ok = len > 0 && text[0] == '<';
    while (ok && c.at < c.end && (c.el != NULL || stanza_root(c.st) == NULL))
        ok = next(&c, default_ns);
    ok = ok && c.el == NULL && c.at == c.end && stanza_root(c.st) != NULL;
    buf_free(&c.scratch);
    if (ok)
        return c.st;
    stanza_free(c.st);
    return NULL;
}
