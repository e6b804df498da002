/* roster: one account's roster (SEMANTICS 0.3, R1-R8).
 *
 * Items are keyed by normalised bare JID and kept sorted by it, so every
 * iteration is in ascending byte order (SEMANTICS 0.4). Each item has a
 * subscription, an ask flag, an optional name, a set of groups (kept in
 * insertion order, duplicates merged) and the hidden pre-approval flag.
 * The version counter V grows by one per persisted change (R3).
 * The roster owns its items and their strings.
 */
#ifndef SESSIM_MODEL_ROSTER_H
#define SESSIM_MODEL_ROSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "stanza.h"

struct roster_item {
    char *jid;
    enum model_subscription subscription;
    bool ask;
    bool approved;           /* R19 pre-approval, never shown */
    unsigned long long granted_serial; /* serial of the contact's account when
                                        * from/both was granted (0: unknown) */
    char *name;              /* NULL: none */
    char **groups;
    size_t ngroups;
};

struct heap;

struct roster {
    struct roster_item *items;   /* sorted by jid */
    size_t nitems, capitems;
    unsigned long long version;
    struct heap *heap;           /* allocator of items and strings */
};

/* Releases every item; the roster is empty afterwards. */
void roster_clear(struct roster *r);
/* The item for jid, or NULL. */
struct roster_item *roster_find(const struct roster *r, const char *jid);
/* The item for jid, created (subscription none) when missing. */
struct roster_item *roster_ensure(struct roster *r, const char *jid);
/* Removes the item for jid; false when there was none. */
bool roster_remove(struct roster *r, const char *jid);
/* Replaces the name (NULL or "" for none) and groups of it, an item of r. */
void roster_item_set_meta(struct roster *r, struct roster_item *it, const char *name,
                          const char *const *groups, size_t ngroups);
/* The version reported to clients: max(V, 1) (R3). */
unsigned long long roster_reported_version(const struct roster *r);
/* Appends <item jid subscription [name] [ask]><group/>...</item> to query. */
void roster_item_to_xml(const struct roster_item *it, struct stanza *st,
                        struct stanza_node *query);
/* The contact receives the owner's presence (from/both) / the owner
 * receives the contact's (to/both). */
bool roster_grants_from(enum model_subscription s);
bool roster_grants_to(enum model_subscription s);
/* The word for a subscription state ("none", "to", "from", "both"). */
const char *roster_subscription_name(enum model_subscription s);

#endif
