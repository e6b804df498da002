/* names: a string -> index map (see names.h). */
#include "base/names.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

static size_t name_hash(const char *s, size_t len)
{
    size_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t index_slot(const struct names *ix, const char *key, size_t len)
{
    size_t i = name_hash(key, len) & (ix->cap - 1);
    while (ix->keys[i] != NULL &&
           !(strncmp(ix->keys[i], key, len) == 0 && ix->keys[i][len] == '\0'))
        i = (i + 1) & (ix->cap - 1);
    return i;
}

bool names_find(const struct names *ix, const char *key, size_t len, size_t *value)
{
    if (ix->cap == 0)
        return false;
    size_t i = index_slot(ix, key, len);
    if (ix->keys[i] == NULL)
        return false;
    if (value != NULL)
        *value = ix->values[i];
    return true;
}

void names_put(struct names *ix, const char *key, size_t value)
{
    if (2 * (ix->count + 1) > ix->cap) {
        struct names bigger = {NULL, NULL, ix->cap == 0 ? 16 : 2 * ix->cap, 0};
        bigger.keys = mem_calloc(bigger.cap, sizeof *bigger.keys);
        bigger.values = mem_calloc(bigger.cap, sizeof *bigger.values);
        for (size_t i = 0; i < ix->cap; i++)
            if (ix->keys[i] != NULL)
                names_put(&bigger, ix->keys[i], ix->values[i]);
        free(ix->keys);
        free(ix->values);
        *ix = bigger;
    }
    size_t i = index_slot(ix, key, strlen(key));
    ix->keys[i] = key;
    ix->values[i] = value;
    ix->count++;
}

void names_free(struct names *ix)
{
    free(ix->keys);
    free(ix->values);
}
