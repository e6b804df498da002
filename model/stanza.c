/* stanza: element trees in one arena, and their serializer (see stanza.h). */
#include "stanza.h"

#include <assert.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "heap.h"

#define ARENA_ALIGN (alignof(struct stanza_node))   /* nodes and attributes */

struct arena_block {
    struct arena_block *next;
    alignas(max_align_t) unsigned char data[];
};

struct stanza {
    struct heap *heap;            /* allocator of the arena (NULL: the C library) */
    struct stanza_node *root;
    struct arena_block *blocks;   /* overflow blocks, newest first */
    unsigned char *cur;
    size_t left;
    size_t bytes;                 /* total arena capacity */
    alignas(max_align_t) unsigned char first[];   /* the first block, inline */
};

/* The first block's size: with the tree's header and a heap's block
 * header, a new tree is one allocation of 1 KiB, which glibc's malloc
 * serves from its per-thread cache (requests up to 1032 bytes), so a tree
 * made and freed per stanza stays off malloc's slower path. */
#define ARENA_FIRST_BYTES (1024u - sizeof(struct heap_block) - offsetof(struct stanza, first))

/* Namespaces common enough to be shared instead of copied into each tree. */
static const char *const well_known_ns[] = {
    "",
    STANZA_NS_CLIENT,
    STANZA_NS_STREAM,
    STANZA_NS_XML,
    "urn:ietf:params:xml:ns:xmpp-stanzas",
    "urn:ietf:params:xml:ns:xmpp-streams",
    "urn:ietf:params:xml:ns:xmpp-sasl",
    "urn:ietf:params:xml:ns:xmpp-bind",
    "urn:ietf:params:xml:ns:xmpp-session",
    "jabber:iq:roster",
    "jabber:iq:register",
    "urn:xmpp:delay",
    "urn:xmpp:ping",
};

/* n bytes at the given alignment (1 for strings, ARENA_ALIGN for nodes):
 * strings pack without padding, so a tree costs what it holds. */
static void *arena_take(struct stanza *st, size_t n, size_t align)
{
    size_t pad = (align - (size_t)((uintptr_t)st->cur & (align - 1))) & (align - 1);
    if (pad + n > st->left) {
        size_t size = st->bytes > n ? st->bytes : n;
        struct arena_block *b = heap_alloc(st->heap, sizeof *b + size);
        b->next = st->blocks;
        st->blocks = b;
        st->cur = b->data;
        st->left = size;
        st->bytes += size;
        pad = 0;
    }
    void *p = st->cur + pad;
    st->cur += pad + n;
    st->left -= pad + n;
    return p;
}

static void *arena_alloc(struct stanza *st, size_t n)
{
    return arena_take(st, n, ARENA_ALIGN);
}

/* A tree whose first arena block holds `first` bytes (each node is
 * aligned where it is taken, so any size will do). */
static struct stanza *stanza_new_sized(struct heap *h, size_t first)
{
    struct stanza *st = heap_alloc(h, sizeof *st + first);
    st->heap = h;
    st->root = NULL;
    st->blocks = NULL;
    st->cur = st->first;
    st->left = first;
    st->bytes = first;
    return st;
}

struct stanza *stanza_new(struct heap *h)
{
    return stanza_new_sized(h, ARENA_FIRST_BYTES);
}

void stanza_free(struct stanza *st)
{
    if (st == NULL)
        return;
    struct arena_block *b = st->blocks;
    while (b != NULL) {
        struct arena_block *next = b->next;
        heap_free(st->heap, b);
        b = next;
    }
    heap_free(st->heap, st);
}

struct stanza_node *stanza_root(const struct stanza *st)
{
    return st->root;
}

size_t stanza_arena_bytes(const struct stanza *st)
{
    return st->bytes;
}

const char *stanza_strndup(struct stanza *st, const char *s, size_t len)
{
    char *p = arena_take(st, len + 1, 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

const char *stanza_strdup(struct stanza *st, const char *s)
{
    return stanza_strndup(st, s, strlen(s));
}

/* Whether ns is one of the well-known namespaces itself (its address). */
static bool well_known_at(const char *ns)
{
    const char *const *end = well_known_ns + sizeof well_known_ns / sizeof well_known_ns[0];
    for (const char *const *w = well_known_ns; w != end; w++)
        if (*w == ns)
            return true;
    return false;
}

/* ns as the parent's, a well-known one or a copy. A copy of a tree finds
 * its well-known namespaces by address, before any comparison. */
static const char *intern_ns(struct stanza *st, const struct stanza_node *parent, const char *ns)
{
    if ((parent != NULL && parent->ns == ns) || well_known_at(ns))
        return ns;
    if (parent != NULL && strcmp(parent->ns, ns) == 0)
        return parent->ns;
    for (size_t i = 0; i < sizeof well_known_ns / sizeof well_known_ns[0]; i++)
        if (well_known_ns[i][0] == ns[0] && strcmp(well_known_ns[i], ns) == 0)
            return well_known_ns[i];
    return stanza_strdup(st, ns);
}

static struct stanza_node *node_add(struct stanza *st, struct stanza_node *parent,
                                    enum stanza_kind kind)
{
    struct stanza_node *n = arena_alloc(st, sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->parent = parent;
    if (parent == NULL) {
        assert(st->root == NULL);
        st->root = n;
    } else if (parent->children_last == NULL) {
        parent->children = parent->children_last = n;
    } else {
        parent->children_last->next = n;
        parent->children_last = n;
    }
    return n;
}

struct stanza_node *stanza_element_add(struct stanza *st, struct stanza_node *parent,
                                       const char *ns, const char *name)
{
    assert(parent == NULL || parent->kind == STANZA_ELEMENT);
    const char *ins = intern_ns(st, parent, ns);
    struct stanza_node *el = node_add(st, parent, STANZA_ELEMENT);
    el->ns = ins;
    el->name = stanza_strdup(st, name);
    return el;
}

void stanza_attr_add(struct stanza *st, struct stanza_node *el, const char *ns,
                     const char *name, const char *value)
{
    struct stanza_attr *a = arena_alloc(st, sizeof *a);
    a->ns = ns[0] == '\0' ? "" : intern_ns(st, NULL, ns);
    a->name = stanza_strdup(st, name);
    a->value = stanza_strdup(st, value);
    a->next = NULL;
    if (el->attrs_last == NULL)
        el->attrs = a;
    else
        el->attrs_last->next = a;
    el->attrs_last = a;
}

void stanza_attr_set(struct stanza *st, struct stanza_node *el, const char *name,
                     const char *value)
{
    struct stanza_attr *prev = NULL;
    for (struct stanza_attr *a = el->attrs; a != NULL; prev = a, a = a->next) {
        if (a->ns[0] != '\0' || strcmp(a->name, name) != 0)
            continue;
        if (value != NULL) {
            a->value = stanza_strdup(st, value);
            return;
        }
        if (prev == NULL)
            el->attrs = a->next;
        else
            prev->next = a->next;
        if (el->attrs_last == a)
            el->attrs_last = prev;
        return;
    }
    if (value != NULL)
        stanza_attr_add(st, el, "", name, value);
}

void stanza_text_add(struct stanza *st, struct stanza_node *el, const char *text, size_t len)
{
    if (len == 0)
        return;
    struct stanza_node *last = el->children_last;
    if (last != NULL && last->kind == STANZA_TEXT) {
        char *p = arena_take(st, last->text_len + len + 1, 1);
        memcpy(p, last->text, last->text_len);
        memcpy(p + last->text_len, text, len);
        p[last->text_len + len] = '\0';
        last->text = p;
        last->text_len += len;
        return;
    }
    struct stanza_node *t = node_add(st, el, STANZA_TEXT);
    t->text = stanza_strndup(st, text, len);
    t->text_len = len;
}

struct stanza_node *stanza_copy_into(struct stanza *st, struct stanza_node *parent,
                                     const struct stanza_node *src)
{
    assert(src->kind == STANZA_ELEMENT);
    struct stanza_node *el = stanza_element_add(st, parent, src->ns, src->name);
    for (const struct stanza_attr *a = src->attrs; a != NULL; a = a->next)
        stanza_attr_add(st, el, a->ns, a->name, a->value);
    for (const struct stanza_node *c = src->children; c != NULL; c = c->next) {
        if (c->kind == STANZA_TEXT)
            stanza_text_add(st, el, c->text, c->text_len);
        else
            stanza_copy_into(st, el, c);
    }
    return el;
}

/* Arena bytes a deep copy of el takes (what stanza_copy_into allocates). */
static size_t tree_bytes(const struct stanza_node *el)
{
    /* each node or attribute may need ARENA_ALIGN - 1 bytes of padding;
     * well-known namespaces are shared, others copied */
    const size_t pad = ARENA_ALIGN - 1;
    size_t n = pad + sizeof *el + strlen(el->name) + 1 + strlen(el->ns) + 1;
    for (const struct stanza_attr *a = el->attrs; a != NULL; a = a->next)
        n += pad + sizeof *a + strlen(a->ns) + 1 + strlen(a->name) + 1 + strlen(a->value) + 1;
    for (const struct stanza_node *c = el->children; c != NULL; c = c->next)
        n += c->kind == STANZA_TEXT ? pad + sizeof *c + c->text_len + 1 : tree_bytes(c);
    return n;
}

struct stanza *stanza_clone_extra(struct heap *h, const struct stanza_node *src, size_t extra)
{
    /* sized to fit, so long-lived copies (stored presence, offline
     * messages) cost what they hold */
    struct stanza *st = stanza_new_sized(h, tree_bytes(src) + extra);
    stanza_copy_into(st, NULL, src);
    return st;
}

struct stanza *stanza_clone(struct heap *h, const struct stanza_node *src)
{
    return stanza_clone_extra(h, src, 0);
}

const char *stanza_attr(const struct stanza_node *el, const char *ns, const char *name)
{
    for (const struct stanza_attr *a = el->attrs; a != NULL; a = a->next)
        if (strcmp(a->name, name) == 0 && strcmp(a->ns, ns) == 0)
            return a->value;
    return NULL;
}

static bool element_is(const struct stanza_node *n, const char *ns, const char *name)
{
    return n->kind == STANZA_ELEMENT && (ns == NULL || strcmp(n->ns, ns) == 0) &&
           (name == NULL || strcmp(n->name, name) == 0);
}

struct stanza_node *stanza_child(const struct stanza_node *el, const char *ns, const char *name)
{
    for (struct stanza_node *c = el->children; c != NULL; c = c->next)
        if (element_is(c, ns, name))
            return c;
    return NULL;
}

struct stanza_node *stanza_child_next(const struct stanza_node *child, const char *ns,
                                      const char *name)
{
    for (struct stanza_node *c = child->next; c != NULL; c = c->next)
        if (element_is(c, ns, name))
            return c;
    return NULL;
}

size_t stanza_child_count(const struct stanza_node *el)
{
    size_t n = 0;
    for (const struct stanza_node *c = el->children; c != NULL; c = c->next)
        n += c->kind == STANZA_ELEMENT;
    return n;
}

const char *stanza_text(const struct stanza_node *el, struct buf *out)
{
    buf_clear(out);
    for (const struct stanza_node *c = el->children; c != NULL; c = c->next)
        if (c->kind == STANZA_TEXT)
            buf_append(out, c->text, c->text_len);
    return buf_cstr(out);
}

static bool attrs_equal(const struct stanza_attr *a, const struct stanza_attr *b)
{
    for (; a != NULL && b != NULL; a = a->next, b = b->next)
        if (strcmp(a->ns, b->ns) != 0 || strcmp(a->name, b->name) != 0 ||
            strcmp(a->value, b->value) != 0)
            return false;
    return a == NULL && b == NULL;
}

bool stanza_equal(const struct stanza_node *a, const struct stanza_node *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == STANZA_TEXT)
        return a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0;
    if (strcmp(a->ns, b->ns) != 0 || strcmp(a->name, b->name) != 0 ||
        !attrs_equal(a->attrs, b->attrs))
        return false;
    const struct stanza_node *x = a->children, *y = b->children;
    for (; x != NULL && y != NULL; x = x->next, y = y->next)
        if (!stanza_equal(x, y))
            return false;
    return x == NULL && y == NULL;
}

/* ---- serializer ---- */

/* The serializer appends with put and put_c, which leave the buffer
 * unterminated between calls; each public entry point terminates it at
 * its end (buf_cstr; buf.h: data is NUL-terminated when len > 0), and so
 * does grow before it allocates, so that a failed allocation (heap.h)
 * leaves what was written terminated. Room for the NUL is always kept. */
static void grow(struct buf *out, size_t n)
{
    if (out->data != NULL)
        out->data[out->len] = '\0';
    buf_reserve(out, n);
}

static inline void put(struct buf *out, const char *s, size_t n)
{
    if (out->cap - out->len < n + 1)
        grow(out, n);
    memcpy(out->data + out->len, s, n);
    out->len += n;
}

static inline void put_c(struct buf *out, char c)
{
    if (out->cap - out->len < 2)
        grow(out, 1);
    out->data[out->len++] = c;
}

/* Appends a string literal (its length known at compile time). */
#define PUT_LIT(out, lit) put((out), (lit), sizeof(lit) - 1)

/* Bytes escaped in text (1) and in attribute values (2). */
enum { ESC_TEXT = 1, ESC_ATTR = 2 };
static const unsigned char escaped[256] = {
    ['&'] = ESC_TEXT | ESC_ATTR, ['<'] = ESC_TEXT | ESC_ATTR, ['>'] = ESC_TEXT | ESC_ATTR,
    ['\r'] = ESC_TEXT | ESC_ATTR, ['"'] = ESC_ATTR, ['\''] = ESC_ATTR, ['\t'] = ESC_ATTR,
    ['\n'] = ESC_ATTR,
};

/* Appends s escaped: runs of plain bytes are copied whole (s may be NULL
 * when len is 0). */
static void escape(const char *s, size_t len, bool attr, struct buf *out)
{
    const unsigned char mask = attr ? ESC_ATTR : ESC_TEXT;
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if ((escaped[(unsigned char)s[i]] & mask) == 0)
            continue;
        put(out, s + run, i - run);
        switch (s[i]) {
        case '&': PUT_LIT(out, "&amp;"); break;
        case '<': PUT_LIT(out, "&lt;"); break;
        case '>': PUT_LIT(out, "&gt;"); break;
        case '\r': PUT_LIT(out, "&#13;"); break;
        case '"': PUT_LIT(out, "&quot;"); break;
        case '\'': PUT_LIT(out, "&apos;"); break;
        case '\t': PUT_LIT(out, "&#9;"); break;
        case '\n': PUT_LIT(out, "&#10;"); break;
        default: break;   /* none: escaped[] holds the bytes above */
        }
        run = i + 1;
    }
    if (run < len)
        put(out, s + run, len - run);
}

void stanza_escape_text(const char *s, size_t len, struct buf *out)
{
    escape(s, len, false, out);
    buf_cstr(out);
}

void stanza_escape_attr(const char *s, size_t len, struct buf *out)
{
    escape(s, len, true, out);
    buf_cstr(out);
}

static void put_str(struct buf *out, const char *s)
{
    put(out, s, strlen(s));
}

static void put_attr(struct buf *out, const char *prefix, const char *name, const char *value)
{
    put_c(out, ' ');
    if (prefix != NULL) {
        put_str(out, prefix);
        put_c(out, ':');
    }
    put_str(out, name);
    PUT_LIT(out, "='");
    escape(value, strlen(value), true, out);
    put_c(out, '\'');
}

/* Whether two namespaces are equal: the same string first, as the
 * well-known ones and a parent's shared by its children are. */
static bool same_ns(const char *a, const char *b)
{
    return a == b || strcmp(a, b) == 0;
}

/* Attributes in foreign namespaces get prefixes ns1, ns2, ... declared on
 * the element itself (one per attribute: simple and deterministic). */
static void put_attrs(const struct stanza_node *el, struct buf *out)
{
    unsigned k = 0;
    for (const struct stanza_attr *a = el->attrs; a != NULL; a = a->next) {
        if (a->ns[0] == '\0') {
            put_attr(out, NULL, a->name, a->value);
        } else if (same_ns(a->ns, STANZA_NS_XML)) {
            put_attr(out, "xml", a->name, a->value);
        } else {
            char prefix[16] = "ns";
            unsigned n = ++k, i = 2;
            char digits[12];
            size_t d = 0;
            do {
                digits[d++] = (char)('0' + n % 10);
                n /= 10;
            } while (n > 0);
            while (d > 0)
                prefix[i++] = digits[--d];
            prefix[i] = '\0';
            PUT_LIT(out, " xmlns:");
            put_str(out, prefix);
            PUT_LIT(out, "='");
            escape(a->ns, strlen(a->ns), true, out);
            put_c(out, '\'');
            put_attr(out, prefix, a->name, a->value);
        }
    }
}

static void serialize(const struct stanza_node *el, const char *parent_ns, bool stream_prefix,
                      struct buf *out)
{
    assert(el->kind == STANZA_ELEMENT);
    bool prefixed = stream_prefix && same_ns(el->ns, STANZA_NS_STREAM);
    put_c(out, '<');
    if (prefixed)
        PUT_LIT(out, "stream:");
    size_t name_len = strlen(el->name);
    put(out, el->name, name_len);
    const char *scope = parent_ns;
    if (!prefixed && !same_ns(el->ns, parent_ns)) {
        PUT_LIT(out, " xmlns='");
        escape(el->ns, strlen(el->ns), true, out);
        put_c(out, '\'');
        scope = el->ns;
    }
    put_attrs(el, out);
    if (el->children == NULL) {
        PUT_LIT(out, "/>");
        return;
    }
    put_c(out, '>');
    for (const struct stanza_node *c = el->children; c != NULL; c = c->next) {
        if (c->kind == STANZA_TEXT)
            escape(c->text, c->text_len, false, out);
        else
            serialize(c, scope, stream_prefix, out);
    }
    PUT_LIT(out, "</");
    if (prefixed)
        PUT_LIT(out, "stream:");
    put(out, el->name, name_len);
    put_c(out, '>');
}

void stanza_serialize(const struct stanza_node *el, const char *parent_ns, bool stream_prefix,
                      struct buf *out)
{
    serialize(el, parent_ns, stream_prefix, out);
    out->data[out->len] = '\0';   /* an element is never empty: data is set */
}
