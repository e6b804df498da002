/* strset: sorted string set (see strset.h). */
#include "strset.h"

#include <string.h>

#include "heap.h"
#include "sorted.h"

static const char *strset_key(const void *p)
{
    return *(char *const *)p;
}

bool strset_add(struct strset *set, const char *s)
{
    bool found;
    size_t i = sorted_search(set->items, set->n, sizeof *set->items, s, strset_key, &found);
    if (found)
        return false;
    heap_grow(set->heap, (void **)&set->items, &set->cap, set->n, sizeof *set->items);
    char *copy = heap_strdup(set->heap, s);
    memmove(&set->items[i + 1], &set->items[i], (set->n - i) * sizeof *set->items);
    set->items[i] = copy;
    set->n++;
    return true;
}

bool strset_remove(struct strset *set, const char *s)
{
    bool found;
    size_t i = sorted_search(set->items, set->n, sizeof *set->items, s, strset_key, &found);
    if (!found)
        return false;
    heap_free(set->heap, set->items[i]);
    memmove(&set->items[i], &set->items[i + 1], (set->n - i - 1) * sizeof *set->items);
    set->n--;
    return true;
}

void strset_remove_if(struct strset *set, bool (*drop)(const char *item, const void *ctx),
                      const void *ctx)
{
    size_t k = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (drop(set->items[i], ctx))
            heap_free(set->heap, set->items[i]);
        else
            set->items[k++] = set->items[i];
    }
    set->n = k;
}

void strset_take(struct strset *set, struct strset *out)
{
    *out = *set;
    set->items = NULL;
    set->n = set->cap = 0;
}

void strset_clear(struct strset *set)
{
    for (size_t i = 0; i < set->n; i++)
        heap_free(set->heap, set->items[i]);
    heap_free(set->heap, set->items);
    set->items = NULL;
    set->n = set->cap = 0;
}
