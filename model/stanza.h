/* stanza: an XML element tree (one stanza, or any XML fragment) and its
 * serializer.
 *
 * A tree lives in one arena, created by stanza_new and released, with every
 * node and string in it, by one stanza_free. Nodes and strings are borrowed
 * from the tree. Elements carry a namespace URI ("" for none) and a local
 * name; attributes are namespace-qualified and keep insertion order;
 * children are elements and text nodes in document order.
 *
 * The serializer is deterministic: it declares a default namespace only
 * where an element's namespace differs from its parent's, uses the `xml`
 * prefix for the XML namespace, declares other attribute namespaces with
 * generated prefixes, and escapes text so that parsing the output gives an
 * equal tree (RFC 6120 §11 restricted XML: no DTD, comments or PIs emitted).
 */
#ifndef SESSIM_MODEL_STANZA_H
#define SESSIM_MODEL_STANZA_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define STANZA_NS_XML "http://www.w3.org/XML/1998/namespace"
#define STANZA_NS_STREAM "http://etherx.jabber.org/streams"
#define STANZA_NS_CLIENT "jabber:client"

struct stanza_attr {
    const char *ns;         /* "" for an unqualified attribute */
    const char *name;
    const char *value;
    struct stanza_attr *next;
};

enum stanza_kind { STANZA_ELEMENT, STANZA_TEXT };

struct stanza_node {
    enum stanza_kind kind;
    struct stanza_node *parent;     /* NULL for the root */
    struct stanza_node *next;       /* next sibling */
    /* STANZA_ELEMENT */
    const char *ns;
    const char *name;
    struct stanza_attr *attrs, *attrs_last;
    struct stanza_node *children, *children_last;
    /* STANZA_TEXT: text bytes (UTF-8, NUL-terminated, len excludes NUL) */
    const char *text;
    size_t text_len;
};

struct stanza;   /* opaque: the arena that owns a tree */
struct heap;

/* Creates an empty tree whose arena comes from h (NULL: the C library;
 * see heap.h). Free with stanza_free. */
struct stanza *stanza_new(struct heap *h);
/* Releases the tree and everything in it. NULL is a no-op. */
void stanza_free(struct stanza *st);
/* The root element, or NULL while the tree is empty. */
struct stanza_node *stanza_root(const struct stanza *st);
/* Bytes of node and string storage held by the tree's arena (its
 * capacity). Strings pack without padding: an empty tree takes that many
 * bytes of strings, NULs included, before its arena grows. */
size_t stanza_arena_bytes(const struct stanza *st);

/* Copies len bytes into the arena and NUL-terminates them. */
const char *stanza_strndup(struct stanza *st, const char *s, size_t len);
const char *stanza_strdup(struct stanza *st, const char *s);

/* Adds an element as the last child of parent (NULL: becomes the root;
 * the tree must be empty). ns and name are copied, except that a namespace
 * equal to the parent's shares the parent's string and a common one ("",
 * STANZA_NS_CLIENT, STANZA_NS_STREAM, STANZA_NS_XML, the RFC 6120 ones, ...)
 * shares one static string, so trees cost what they hold. Returns the
 * element. */
struct stanza_node *stanza_element_add(struct stanza *st, struct stanza_node *parent,
                                       const char *ns, const char *name);
/* Appends an attribute (strings are copied). The caller keeps names unique. */
void stanza_attr_add(struct stanza *st, struct stanza_node *el, const char *ns,
                     const char *name, const char *value);
/* Sets an unqualified attribute: replaces its value or appends it. value
 * NULL removes it. */
void stanza_attr_set(struct stanza *st, struct stanza_node *el, const char *name,
                     const char *value);
/* Appends text as the last child of el (merged into a trailing text node).
 * len 0 adds nothing: a tree holds no empty text node. */
void stanza_text_add(struct stanza *st, struct stanza_node *el, const char *text, size_t len);
/* Deep-copies src (from any tree) as the last child of parent in st
 * (parent NULL: as st's root). Returns the copy. */
struct stanza_node *stanza_copy_into(struct stanza *st, struct stanza_node *parent,
                                     const struct stanza_node *src);
/* A new tree on h holding a deep copy of src, its arena sized to fit (one
 * block of h). */
struct stanza *stanza_clone(struct heap *h, const struct stanza_node *src);
/* The same with room for `extra` more arena bytes (additions planned:
 * strings of that many bytes, NULs included, still take no further block). */
struct stanza *stanza_clone_extra(struct heap *h, const struct stanza_node *src, size_t extra);

/* Value of the attribute (ns "" for unqualified), or NULL. */
const char *stanza_attr(const struct stanza_node *el, const char *ns, const char *name);
/* First child element with that namespace (NULL: any) and name (NULL: any). */
struct stanza_node *stanza_child(const struct stanza_node *el, const char *ns, const char *name);
/* Next sibling element after child with the same filters. */
struct stanza_node *stanza_child_next(const struct stanza_node *child, const char *ns,
                                      const char *name);
/* Number of child elements. */
size_t stanza_child_count(const struct stanza_node *el);
/* Concatenated text of el's direct text children, in the arena-free buffer
 * out (cleared first). Returns out's contents. */
const char *stanza_text(const struct stanza_node *el, struct buf *out);

/* Deep structural equality: namespaces, names, attributes in order,
 * children in order, text byte for byte. */
bool stanza_equal(const struct stanza_node *a, const struct stanza_node *b);

/* Appends the serialization of el. parent_ns is the default namespace in
 * scope where el is written (e.g. "jabber:client" inside a client stream);
 * with stream_prefix, elements of STANZA_NS_STREAM are written with the
 * `stream:` prefix (declared by the stream header). */
void stanza_serialize(const struct stanza_node *el, const char *parent_ns, bool stream_prefix,
                      struct buf *out);
/* Appends text escaped for element content (& < > and CR); s may be NULL
 * when len is 0. */
void stanza_escape_text(const char *s, size_t len, struct buf *out);
/* Appends text escaped for a quoted attribute value (& < > " ' TAB LF CR);
 * s may be NULL when len is 0. */
void stanza_escape_attr(const char *s, size_t len, struct buf *out);

#endif
