/* roster: sorted roster items of one account (see roster.h). */
#include "roster.h"

#include <string.h>

#include "heap.h"
#include "sorted.h"

static void roster_groups_free(struct heap *h, struct roster_item *it)
{
    for (size_t i = 0; i < it->ngroups; i++)
        heap_free(h, it->groups[i]);
    heap_free(h, it->groups);
    it->groups = NULL;
    it->ngroups = 0;
}

static void roster_item_free(struct heap *h, struct roster_item *it)
{
    heap_free(h, it->jid);
    heap_free(h, it->name);
    roster_groups_free(h, it);
}

void roster_clear(struct roster *r)
{
    for (size_t i = 0; i < r->nitems; i++)
        roster_item_free(r->heap, &r->items[i]);
    heap_free(r->heap, r->items);
    r->items = NULL;
    r->nitems = r->capitems = 0;
}

static const char *roster_item_key(const void *p)
{
    return ((const struct roster_item *)p)->jid;
}

static size_t roster_lookup(const struct roster *r, const char *jid, bool *found)
{
    return sorted_search(r->items, r->nitems, sizeof *r->items, jid, roster_item_key, found);
}

struct roster_item *roster_find(const struct roster *r, const char *jid)
{
    bool found;
    size_t i = roster_lookup(r, jid, &found);
    return found ? &r->items[i] : NULL;
}

struct roster_item *roster_ensure(struct roster *r, const char *jid)
{
    bool found;
    size_t i = roster_lookup(r, jid, &found);
    if (found)
        return &r->items[i];
    if (r->nitems == r->capitems) {
        size_t cap = r->capitems ? r->capitems * 2 : 4;
        r->items = heap_realloc(r->heap, r->items, cap * sizeof *r->items);
        r->capitems = cap;
    }
    char *copy = heap_strdup(r->heap, jid);
    memmove(&r->items[i + 1], &r->items[i], (r->nitems - i) * sizeof r->items[0]);
    r->nitems++;
    memset(&r->items[i], 0, sizeof r->items[i]);
    r->items[i].jid = copy;
    r->items[i].subscription = MODEL_SUB_NONE;
    return &r->items[i];
}

bool roster_remove(struct roster *r, const char *jid)
{
    bool found;
    size_t i = roster_lookup(r, jid, &found);
    if (!found)
        return false;
    roster_item_free(r->heap, &r->items[i]);
    memmove(&r->items[i], &r->items[i + 1], (r->nitems - i - 1) * sizeof r->items[0]);
    r->nitems--;
    return true;
}

void roster_item_set_meta(struct roster *r, struct roster_item *it, const char *name,
                          const char *const *groups, size_t ngroups)
{
    heap_free(r->heap, it->name);
    it->name = name && name[0] ? heap_strdup(r->heap, name) : NULL;
    roster_groups_free(r->heap, it);
    it->groups = ngroups ? heap_alloc(r->heap, ngroups * sizeof *it->groups) : NULL;
    for (size_t i = 0; i < ngroups; i++) {
        bool dup = false;
        for (size_t k = 0; k < it->ngroups && !dup; k++)
            dup = strcmp(it->groups[k], groups[i]) == 0;
        if (!dup)
            it->groups[it->ngroups++] = heap_strdup(r->heap, groups[i]);
    }
}

unsigned long long roster_reported_version(const struct roster *r)
{
    return r->version > 1 ? r->version : 1;
}

const char *roster_subscription_name(enum model_subscription s)
{
    switch (s) {
    case MODEL_SUB_NONE: return "none";
    case MODEL_SUB_TO: return "to";
    case MODEL_SUB_FROM: return "from";
    case MODEL_SUB_BOTH: return "both";
    }
    return "none";
}

void roster_item_to_xml(const struct roster_item *it, struct stanza *st,
                        struct stanza_node *query)
{
    struct stanza_node *el = stanza_element_add(st, query, "jabber:iq:roster", "item");
    stanza_attr_add(st, el, "", "jid", it->jid);
    stanza_attr_add(st, el, "", "subscription", roster_subscription_name(it->subscription));
    if (it->name)
        stanza_attr_add(st, el, "", "name", it->name);
    if (it->ask)
        stanza_attr_add(st, el, "", "ask", "subscribe");
    for (size_t i = 0; i < it->ngroups; i++) {
        struct stanza_node *g = stanza_element_add(st, el, "jabber:iq:roster", "group");
        stanza_text_add(st, g, it->groups[i], strlen(it->groups[i]));
    }
}

bool roster_grants_from(enum model_subscription s)
{
    return s == MODEL_SUB_FROM || s == MODEL_SUB_BOTH;
}

bool roster_grants_to(enum model_subscription s)
{
    return s == MODEL_SUB_TO || s == MODEL_SUB_BOTH;
}
