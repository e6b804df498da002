/* sorted: binary search in an array kept sorted by a string key.
 *
 * The tables of the model (resources of a user, tombstones, roster items,
 * string sets) are arrays sorted by a name in ascending byte order, so
 * iteration is deterministic (SEMANTICS 0.4). Leaf module: no allocation,
 * nothing of the model.
 */
#ifndef SESSIM_MODEL_SORTED_H
#define SESSIM_MODEL_SORTED_H

#include <stdbool.h>
#include <stddef.h>

/* Searches name among n elements of size bytes at base, the key of each
 * read through key_of(). Returns its index with *found true, or the
 * insertion point with *found false. */
size_t sorted_search(const void *base, size_t n, size_t size, const char *name,
                     const char *(*key_of)(const void *elem), bool *found);

#endif
