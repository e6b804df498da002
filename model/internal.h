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
 * Every allocation goes through m->heap (heap.h).
 *
 * Sessions follow the reference server's structure (SEMANTICS 0.9):
 * notopen (as !header_sent), authenticated (type c2s_unauthed → c2s),
 * username, host, resource, full_jid, priority, presence, interested,
 * roster.
 */
#ifndef SESSIM_MODEL_INTERNAL_H
#define SESSIM_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "heap.h"
#include "map.h"
#include "model.h"
#include "prng.h"
#include "roster.h"
#include "smacks.h"
#include "stanza.h"
#include "strset.h"
#include "xmlstream.h"

struct account;
struct session;

/* Idle sessions that keep their expat parser (xmlstream_warm): the most
 * recently fed ones, so that a busy session neither frees nor rebuilds a
 * parser at every input, while N idle sessions hold N - 8 fewer parsers;
 * and as many parsers of closed connections, which new ones reuse. */
#define MODEL_WARM_PARSERS 8u

/* What the layers above conn and session are told (set by model_new in
 * model.c): conn_send reports every stanza it writes to a live session
 * (presence keeps the I7 views), session_destroy every bound session it
 * destroys (presence broadcasts P15's unavailable). Lower modules call
 * these hooks instead of including presence.h. */
struct model_observer {
    void (*sent)(struct session *s, const struct stanza_node *el);
    void (*destroyed)(struct session *s, const char *reason);
};

struct session {
    struct model *m;
    unsigned conn;
    int priority;
    struct xmlstream *parser;
    bool header_sent;        /* server header written on this stream */
    bool authenticated;      /* type c2s (after SASL success) */
    bool interested;         /* roster requested (R2) */
    bool pushed_uninterested; /* see `said` */
    bool busy;               /* inside its own parser's callbacks: free later */
    bool destroyed;          /* S9: inert, freed when no longer busy */
    char *username;          /* after SASL */
    const char *host;        /* after the first header: the model's domain */
    const char *resource;    /* after bind: points into full_jid */
    char *full_jid;          /* after bind */
    struct stanza *presence; /* last broadcast available presence (P6) */
    unsigned long long presence_ms; /* when it was broadcast: its delay stamp */
    struct roster *roster;   /* the account's roster, while bound (A9) */
    struct strset directed;  /* P8: addresses that got directed presence */
    struct strset seen;      /* I7: full JIDs whose available presence this
                              * session received and still believes */
    unsigned long long id_counter;
    unsigned long long connected_ms; /* S12 */
    /* Observations for invariants, made outside the code they check:
     * the type of the last broadcast presence it sent (route.c, P6/P7),
     * and whether a roster push ever reached it while not interested
     * (conn_send, R7: pushed_uninterested). */
    enum { SESSION_SAID_NOTHING, SESSION_SAID_AVAILABLE, SESSION_SAID_UNAVAILABLE } said;
    uint32_t stanzas_in;     /* jabber:client elements read, for I18 (not SM4's count) */
    struct smacks *sm;       /* SM2: after <enable/>, else NULL */
};

struct conn {
    struct session *session; /* NULL once destroyed */
    struct buf out;          /* bytes not yet drained by the client */
    bool closed;
    bool touched;            /* listed in model.touched */
    bool draining;           /* listed in model.draining */
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

/* The model follows ejabberd's rules (SEMANTICS EJn) or the RFCs' (RFCn)
 * where the profile replaces Prosody's. */
#define PROFILE_EJABBERD(m) ((m)->cfg.profile == MODEL_PROFILE_EJABBERD)
#define PROFILE_RFC(m) ((m)->cfg.profile == MODEL_PROFILE_RFC)
/* EJ10: a text as Prosody writes it, or as ejabberd does. */
#define PROFILE_TEXT(m, prosody, ejabberd) (PROFILE_EJABBERD(m) ? (ejabberd) : (prosody))

struct model {
    struct heap heap;               /* every allocation of the model */
    const struct model_observer *observer;
    struct model_config cfg;
    char *domain;
    struct prng prng;
    struct stanza *bare_presence;   /* <presence/>: shared by every session whose
                                     * stored presence is just that (P6) */
    struct stanza *features[2];     /* S5: the stream features before and after
                                     * authentication (they follow the config
                                     * only), built once by session_features_new */
    struct buf features_bytes[2];   /* and their serialization */
    struct buf header_tail[2];      /* S4: the stream header after its id, without
                                     * and with version (session_header_tail) */
    unsigned long long now_ms;
    unsigned long hash_salt;
    struct xmlstream_warm warm;     /* idle sessions keeping their expat parser */
    struct heap_resource warm_spares;   /* frees warm's spare parsers */
    /* model_output_stanzas: told where each written stanza is (NULL: none) */
    void (*stanza_hook)(void *ctx, unsigned conn, const struct stanza_node *el, size_t end,
                        size_t len);
    void *stanza_hook_ctx;
    /* model_output_headers: told where each written stream header is */
    void (*header_hook)(void *ctx, unsigned conn, const struct xmlstream_header *h, size_t end,
                        size_t len);
    void *header_hook_ctx;

    struct conn *conns;
    size_t nconns, capconns;
    size_t conns_retired;        /* connections [0, conns_retired) are closed
                                  * and hold no session: they never change
                                  * again (conn_retire) */
    unsigned *touched;           /* connections touched since the last
                                  * invariant_check_touched */
    size_t ntouched, captouched;
    unsigned *draining;          /* connections of enabled sessions written to
                                  * during the current input (SM9, conn_drain) */
    size_t ndraining, capdraining;
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

#endif
