/* strset: sorted string set (see strset.h). */
#include "strset.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *item_of(const void *p)
{
    return *(char *const *)p;
}

bool strset_add(struct strset *set, const char *s)
{
    bool found;
    size_t i = model_search(set->items, set->n, sizeof *set->items, s, item_of, &found);
    if (found)
        return false;
    model_grow((void **)&set->items, &set->cap, set->n, sizeof *set->items);
    memmove(&set->items[i + 1], &set->items[i], (set->n - i) * sizeof *set->items);
    set->items[i] = model_xstrdup(s);
    set->n++;
    return true;
}

bool strset_remove(struct strset *set, const char *s)
{
    bool found;
    size_t i = model_search(set->items, set->n, sizeof *set->items, s, item_of, &found);
    if (!found)
        return false;
    free(set->items[i]);
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
            free(set->items[i]);
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
        free(set->items[i]);
    free(set->items);
    set->items = NULL;
    set->n = set->cap = 0;
}
