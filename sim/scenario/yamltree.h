/* yamltree: one YAML document (libyaml) as a tree of positioned nodes.
 *
 * The first pass of the scenario loader (loader.h). Nodes are scalars
 * (text, whether written plain), sequences and mappings (children: items,
 * or key, value, key, ...), each with its 1-based line and column in
 * characters. The builder refuses what a scenario never needs, so the
 * schema walk never meets it: aliases, tags, a second document, NUL bytes,
 * nesting deeper than a bound, non-string keys and duplicate keys. Errors
 * are one message at a position inside the input. Every node is owned by
 * the tree (yamltree_free); the input is borrowed while the tree lives.
 */
#ifndef SESSIM_SIM_YAMLTREE_H
#define SESSIM_SIM_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

#define YAMLTREE_MESSAGE_MAX 320

enum yamltree_kind { YAMLTREE_SCALAR, YAMLTREE_SEQ, YAMLTREE_MAP };

struct yamltree_node {
    enum yamltree_kind kind;
    bool plain;                   /* scalar written without quotes or | > */
    unsigned long line, column;
    char *text;                   /* scalar, NUL-terminated, no NUL inside */
    size_t len;
    struct yamltree_node **kids;  /* sequence items; mapping key, value, key, ... */
    size_t count, cap;
};

/* Where building failed and why. */
struct yamltree_error {
    unsigned long line, column;   /* 1-based, inside the input */
    char message[YAMLTREE_MESSAGE_MAX];
};

struct yamltree {
    struct yamltree_node *root;   /* NULL for an empty document */
    /* the builder's state: */
    struct yamltree_node **all;   /* every node, for freeing without recursion */
    size_t all_count, all_cap;
    struct yamltree_node **open;  /* collections being built */
    size_t depth, open_cap, depth_max;
    unsigned documents;
    const char *data;             /* the input (borrowed) */
    size_t len;
    unsigned long end_line, end_column;   /* the end of the input */
    struct yamltree_error *err;
};

/* Parses len bytes of YAML (data may be NULL when len is 0) into t,
 * nesting at most depth_max lists and mappings. False with *err set; t is
 * to be freed with yamltree_free either way. Out of memory aborts. */
bool yamltree_build(struct yamltree *t, const char *data, size_t len, size_t depth_max,
                    struct yamltree_error *err);

/* Releases every node. */
void yamltree_free(struct yamltree *t);

#endif
