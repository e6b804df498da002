/* internal: the model's shared state, for model/ files only (never sim/).
 *
 * The server is a struct model holding:
 * - conns: every connection ever opened, indexed by id - 1. A connection
 *   keeps its output queue after its session is destroyed, so a client can
 *   still read the stream error and close the server sent (S7, I15).
 * - accounts (persistent, SEMANTICS 0.3): a hash map by name, each with
 *   its password, roster, pending-in requests and offline store; tombstones.
 * - users (volatile): the host/user/resource table of I3, a hash map by
 *   user name, each entry listing its connected resources sorted by
 *   resource.
 * Persistent state survives model_restart; conns, sessions and users don't.
 * A hibernating session (SM11) stays attached to its closed connection.
 *
 * Sessions follow the reference server's structure (SEMANTICS 0.9):
 * notopen, authenticated (type c2s_unauthed → c2s), username, host,
 * resource, full_jid, priority, presence, interested, roster.
 */
#ifndef SESSIM_MODEL_INTERNAL_H
#define SESSIM_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "map.h"
#include "model.h"
#include "prng.h"
#include "roster.h"
#include "smacks.h"
#include "stanza.h"
#include "strset.h"
#include "xmlstream.h"

struct account;

struct session {
    struct model *m;
    unsigned conn;
    struct xmlstream *parser;
    bool notopen;            /* no stream header since connect or the last restart */
    bool header_sent;        /* server header written on this stream */
    bool authenticated;      /* type c2s (after SASL success) */
    char *username;          /* after SASL */
    const char *host;        /* after the first header: the model's domain */
    const char *resource;    /* after bind: points into full_jid */
    char *full_jid;          /* after bind */
    int priority;
    struct stanza *presence; /* last broadcast available presence (P6) */
    unsigned long long presence_ms; /* when it was broadcast: its delay stamp */
    bool interested;         /* roster requested (R2) */
    struct roster *roster;   /* the account's roster, while bound (A9) */
    struct strset directed;  /* P8: addresses that got directed presence */
    struct strset seen;      /* I7: full JIDs whose available presence this
                              * session received and still believes */
    unsigned long long id_counter;
    unsigned long long connected_ms; /* S12 */
    /* Observations for invariants, made outside the code they check:
     * the type of the last broadcast presence it sent (route.c, P6/P7),
     * and whether a roster push ever reached it while not interested
     * (model_send, R7). */
    enum { SESSION_SAID_NOTHING, SESSION_SAID_AVAILABLE, SESSION_SAID_UNAVAILABLE } said;
    bool pushed_uninterested;
    struct smacks *sm;       /* SM2: after <enable/>, else NULL */
    uint32_t stanzas_in;     /* jabber:client elements read, for I18 (not SM4's count) */
    bool busy;               /* inside its own parser's callbacks: free later */
    bool destroyed;          /* S9: inert, freed when no longer busy */
};

struct conn {
    struct session *session; /* NULL once destroyed */
    struct buf out;          /* bytes not yet drained by the client */
    bool closed;
    bool touched;            /* listed in model.touched */
};

/* A host/user/resource table entry: the connected resources of one user. */
struct user {
    char *name;
    struct session **res;    /* sorted by resource */
    size_t nres, capres;
};

struct tombstone {
    char *name;
    unsigned long long deleted_ms;
};

struct model {
    struct model_config cfg;
    char *domain;
    struct prng prng;
    struct stanza *bare_presence;   /* <presence/>: shared by every session whose
                                     * stored presence is just that (P6) */
    unsigned long long now_ms;
    unsigned long hash_salt;

    struct conn *conns;
    size_t nconns, capconns;
    unsigned *touched;           /* connections touched since the last
                                  * invariant_check_touched */
    size_t ntouched, captouched;
    struct strset touched_accounts;
    size_t nsessions;        /* live sessions */

    unsigned long long account_serial;
    struct map accounts;         /* name → struct account */
    struct account **sorted;     /* cache for model_account_at, by name */
    size_t nsorted;
    bool sorted_valid;
    struct tombstone *tombstones; /* sorted by name */
    size_t ntombstones, captombstones;
    struct map users;            /* name → struct user */
    struct smacks_state sm;      /* SM17 expired tokens (persistent), I16 ledger */
};

/* Everything below is implemented in the file its prefix names. */

/* model.c: tables */
struct session *model_session(const struct model *m, unsigned conn);
struct user *model_user_find(const struct model *m, const char *name);
/* Enters a bound session into the table (A9) / removes it (S9). */
void model_user_add(struct model *m, struct session *s);
void model_user_remove(struct model *m, struct session *s);
/* The session of user@domain/resource, or NULL. */
struct session *model_resource_find(const struct model *m, const char *user,
                                    const char *resource);
struct jid;
/* The connected resource a full JID names (its domain is not checked), or
 * NULL, also for a bare JID. */
struct session *model_resource_of(const struct model *m, const struct jid *j);
/* Whether a JID's domain is the server's own. */
bool model_domain_is_local(const struct model *m, const struct jid *j);
/* Appends bytes to a connection's output. */
void model_write(struct model *m, unsigned conn, const char *bytes, size_t len);
/* Serializes a stanza onto a live session's stream; nothing for a
 * destroyed one (I5). */
void model_send(struct model *m, struct session *s, const struct stanza_node *el);
/* Marks a session / an account for invariant_check_touched. */
void model_touch(struct model *m, const struct session *s);
void model_touch_account(struct model *m, const char *name);
/* Destroys a session (S9): out of the tables, P15, connection closed. */
void model_session_destroy(struct model *m, struct session *s, const char *reason);
/* Generates an id / resource from the PRNG into out (cap bytes). */
void model_random_id(struct model *m, char *out, size_t len);
void *model_xalloc(size_t n);
/* Binary search by name in a sorted array of size-byte elements, the name
 * of each read through get(). Returns the index, or the insertion point
 * with *found false. */
size_t model_search(const void *base, size_t n, size_t size, const char *name,
                    const char *(*get)(const void *), bool *found);
/* Makes room for one more element in a growable array. */
void model_grow(void **base, size_t *cap, size_t n, size_t size);
char *model_xstrdup(const char *s);

#endif
