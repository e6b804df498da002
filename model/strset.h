/* strset: a small sorted set of owned strings.
 *
 * Used for per-session address sets (the directed-presence set of P8, the
 * presence view behind I7). Iteration is in ascending byte order, so any
 * traffic generated from a set is deterministic (SEMANTICS 0.4).
 */
#ifndef SESSIM_MODEL_STRSET_H
#define SESSIM_MODEL_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct heap;

/* A zeroed strset is empty, on the C library's allocator; set heap to use
 * a model's. */
struct strset {
    char **items;    /* sorted, owned */
    size_t n, cap;
    struct heap *heap;
};

/* Adds a copy of s; false when it was there already. */
bool strset_add(struct strset *set, const char *s);
/* Removes s; false when it was not there. */
bool strset_remove(struct strset *set, const char *s);
/* Removes every item for which drop(item, ctx) is true. */
void strset_remove_if(struct strset *set, bool (*drop)(const char *item, const void *ctx),
                      const void *ctx);
/* Moves the contents out: *out takes the set's storage (and heap), the set
 * is empty. */
void strset_take(struct strset *set, struct strset *out);
/* Frees every item and the storage; the set is empty and reusable. */
void strset_clear(struct strset *set);

#endif
