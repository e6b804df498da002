/* names: a map from names to indexes (open addressing, FNV-1a).
 *
 * For lookups by name in arrays that a loader fills: the keys are
 * borrowed (they live in the array), the values are indexes. Lookups
 * take a length, so a key need not be NUL-terminated in the query. A
 * zeroed struct names is empty. Allocation cannot fail (base/mem.h).
 */
#ifndef SESSIM_SIM_NAMES_H
#define SESSIM_SIM_NAMES_H

#include <stdbool.h>
#include <stddef.h>

struct names {
    const char **keys;
    size_t *values;
    size_t cap, count;
};

/* Whether key (len bytes) is present; its value into *value (may be NULL). */
bool names_find(const struct names *ix, const char *key, size_t len, size_t *value);
/* Adds key (borrowed, NUL-terminated, not yet present) with value. */
void names_put(struct names *ix, const char *key, size_t value);
/* Releases the table (not the keys). */
void names_free(struct names *ix);

#endif
