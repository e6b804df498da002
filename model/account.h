/* account: persistent per-account state (SEMANTICS 0.3) and tombstones (T*).
 *
 * The account table of a model is a hash map by (normalised) name. An account
 * owns its password, roster, pending-in requests and offline store; all of
 * it survives model_restart and goes with account_destroy (G7 step 5).
 * Tombstones are kept apart from account data (T1).
 */
#ifndef SESSIM_MODEL_ACCOUNT_H
#define SESSIM_MODEL_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "roster.h"
#include "stanza.h"

struct model;

/* A stored stanza (offline messages O1, pending-in subscribe requests
 * R14c); an offline message keeps the time it was stored for its delay
 * stamp, a pending request is replayed as it is (R20). */
struct account_stored {
    char *key;               /* pending-in: requester's bare JID; offline: NULL */
    struct stanza *stanza;
    unsigned long long time_ms;   /* offline only */
};

struct account {
    char *name;
    unsigned long long serial;           /* unique per creation: a re-created
                                          * account is a different one (G8) */
    char *password;
    struct roster roster;
    struct account_stored *pending_in;   /* sorted by key */
    size_t npending_in, cappending_in;
    struct account_stored *offline;      /* arrival order */
    size_t noffline, capoffline;
};

/* Sets up the empty account table (model_new). */
void account_table_init(struct model *m, uint64_t seed);
/* The i-th account in ascending name order, NULL past the end (the order
 * is cached until the table changes). */
struct account *account_sorted_at(struct model *m, size_t i);
/* The account with that normalised name, or NULL. */
struct account *account_find(const struct model *m, const char *name);
/* Creates an account; NULL when the name exists. name must be normalised. */
struct account *account_create(struct model *m, const char *name, const char *password);
/* Takes the account out of the table (G7 step 1): lookups fail, the
 * struct stays valid until account_destroy. */
void account_detach(struct model *m, struct account *a);
/* Erases a detached account and everything it owns (G7 step 5). */
void account_destroy(struct model *m, struct account *a);
/* Frees every account and tombstone (model_free). */
void account_free_all(struct model *m);

/* Serial of the local account behind bare JID jid, 0 when there is none. */
unsigned long long account_serial_of(const struct model *m, const char *jid);

/* T2: true while a tombstone for name is active at the model's clock; an
 * expired one is removed by the lookup. */
bool account_tombstone_active(struct model *m, const char *name);
/* The same test without removing anything (for queries and invariants). */
bool account_tombstone_live(const struct model *m, const char *name);
/* Marks a persisted change of a's roster or pending requests: V+1 (R3)
 * and a touch for the incremental invariant check. */
void account_changed(struct model *m, struct account *a);
/* Marks account name for invariant_check_touched. */
void account_touch(struct model *m, const char *name);
/* T1: records a tombstone at the current time for name, which has none
 * (its account was created while it had no active one, T3). */
void account_tombstone_add(struct model *m, const char *name);

#endif
