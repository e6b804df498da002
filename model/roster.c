/* roster: sorted roster items of one account (see roster.h). */
#include "roster.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void item_free(struct roster_item *it)
{
    free(it->jid);
    free(it->name);
    for (size_t i = 0; i < it->ngroups; i++)
        free(it->groups[i]);
    free(it->groups);
}

void roster_clear(struct roster *r)
{
    for (size_t i = 0; i < r->nitems; i++)
        item_free(&r->items[i]);
    free(r->items);
    r->items = NULL;
    r->nitems = r->capitems = 0;
}

static const char *item_jid_of(const void *p)
{
    return ((const struct roster_item *)p)->jid;
}

static size_t lookup(const struct roster *r, const char *jid, bool *found)
{
    return model_search(r->items, r->nitems, sizeof *r->items, jid, item_jid_of, found);
}

struct roster_item *roster_find(const struct roster *r, const char *jid)
{
    bool found;
    size_t i = lookup(r, jid, &found);
    return found ? &r->items[i] : NULL;
}

struct roster_item *roster_ensure(struct roster *r, const char *jid)
{
    bool found;
    size_t i = lookup(r, jid, &found);
    if (found)
        return &r->items[i];
    if (r->nitems == r->capitems) {
        r->capitems = r->capitems ? r->capitems * 2 : 4;
        struct roster_item *items = realloc(r->items, r->capitems * sizeof *items);
        if (items == NULL)
            abort();
        r->items = items;
    }
    memmove(&r->items[i + 1], &r->items[i], (r->nitems - i) * sizeof r->items[0]);
    r->nitems++;
    memset(&r->items[i], 0, sizeof r->items[i]);
    r->items[i].jid = model_xstrdup(jid);
    r->items[i].subscription = MODEL_SUB_NONE;
    return &r->items[i];
}

bool roster_remove(struct roster *r, const char *jid)
{
    bool found;
    size_t i = lookup(r, jid, &found);
    if (!found)
        return false;
    item_free(&r->items[i]);
    memmove(&r->items[i], &r->items[i + 1], (r->nitems - i - 1) * sizeof r->items[0]);
    r->nitems--;
    return true;
}

void roster_item_set_meta(struct roster_item *it, const char *name, const char *const *groups,
                          size_t ngroups)
{
    free(it->name);
    it->name = name && name[0] ? model_xstrdup(name) : NULL;
    for (size_t i = 0; i < it->ngroups; i++)
        free(it->groups[i]);
    free(it->groups);
    it->groups = ngroups ? model_xalloc(ngroups * sizeof *it->groups) : NULL;
    it->ngroups = 0;
    for (size_t i = 0; i < ngroups; i++) {
        bool dup = false;
        for (size_t k = 0; k < it->ngroups && !dup; k++)
            dup = strcmp(it->groups[k], groups[i]) == 0;
        if (!dup)
            it->groups[it->ngroups++] = model_xstrdup(groups[i]);
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
