/* model: a deterministic in-memory XMPP server, bytes in and bytes out.
 *
 * The facade a target drives (DESIGN.md "The model is a byte-level server"):
 * model_connect opens a connection, model_input feeds client bytes in any
 * fragmentation, model_hangup is a lost TCP connection, model_output /
 * model_output_consume drain what the server wrote, model_closed says the
 * server closed the connection. Every input is processed to completion
 * before the call returns (SEMANTICS 0.4), so after any call the model is
 * quiescent. Time advances only through model_advance; randomness comes
 * from the seed given to model_new. No I/O, no globals, no wall clock.
 *
 * Connection ids are 1-based and never reused within a model. The query
 * functions at the end read state for scenario `check:` steps and reports;
 * strings they return are borrowed until the next call that changes state.
 */
#ifndef SESSIM_MODEL_MODEL_H
#define SESSIM_MODEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#define MODEL_DAY_MS (24ull * 60 * 60 * 1000)
/* S12: unauthenticated sessions are closed this long after connecting. */
#define MODEL_C2S_TIMEOUT_MS (300ull * 1000)

/* X1-X4: what binding a resource that another session of the account holds
 * does. */
enum model_conflict {
    MODEL_CONFLICT_KICK_OLD,
    MODEL_CONFLICT_REJECT_NEW,
    MODEL_CONFLICT_RANDOM
};

struct model_config {
    const char *domain;                   /* served host; copied */
    enum model_conflict conflict;
    bool offline;                         /* O1/O2 */
    bool registration;                    /* G1 */
    bool tombstones;                      /* T1 */
    unsigned long long tombstone_expiry_ms; /* T2; 0 = never expires */
    size_t stanza_size_max;               /* S3; 0 = 256 KiB */
    unsigned depth_max;                   /* 0 = default */
    unsigned long long start_time_ms;     /* clock at creation (ms since epoch) */
    unsigned long long sm_hibernation_ms; /* SM12; 0 = 600 s */
};

/* Fills c with the SEMANTICS 0.8 model defaults (localhost, kick-old,
 * offline, registration and tombstones on, 30 days, 256 KiB). */
void model_config_default(struct model_config *c);

struct model;

/* A new server with no accounts. Free with model_free. */
struct model *model_new(const struct model_config *c, unsigned long long seed);
void model_free(struct model *m);

/* Subscription states of a roster item (R8). */
enum model_subscription { MODEL_SUB_NONE, MODEL_SUB_TO, MODEL_SUB_FROM, MODEL_SUB_BOTH };

struct model_roster_item {
    const char *jid;            /* bare JID of the contact */
    enum model_subscription subscription;
    bool ask;                   /* ask="subscribe" */
    const char *name;           /* NULL: none */
    const char *const *groups;
    size_t ngroups;
};

/* Creates an account (persistent state, SEMANTICS 0.3). Returns false when
 * the name is invalid, taken, or under an active tombstone (T3, I14). */
bool model_account_create(struct model *m, const char *username, const char *password);
/* Sets a roster item of an existing account directly (scenario `accounts:`),
 * without traffic. Returns false for an unknown account or an invalid JID. */
bool model_roster_preset(struct model *m, const char *username,
                         const struct model_roster_item *item);

/* Opens a connection; returns its id (S1). */
unsigned model_connect(struct model *m);
/* Client bytes on a connection; ignored once the connection is closed. */
void model_input(struct model *m, unsigned conn, const char *bytes, size_t len);
/* The TCP connection is lost (S9, P15). */
void model_hangup(struct model *m, unsigned conn);
/* Bytes the server has written to conn and not yet consumed; *len set. */
const char *model_output(const struct model *m, unsigned conn, size_t *len);
void model_output_consume(struct model *m, unsigned conn, size_t n);
/* True once the server has closed conn (or it was hung up). */
bool model_closed(const struct model *m, unsigned conn);
/* Moves the virtual clock forward. */
void model_advance(struct model *m, unsigned long long ms);
unsigned long long model_now(const struct model *m);
/* Server restart (S14): every connection closed with no stream error and
 * no closing tag; persistent state kept, volatile state lost. */
void model_restart(struct model *m);

/* ---- queries ---- */

struct model_session_info {
    bool live;              /* not destroyed, connection open */
    bool hibernating;       /* SM11: bound, stream management, no connection */
    bool sm;                /* stream management enabled (SM2) */
    bool authenticated;
    bool connected;         /* resource bound */
    bool available;
    bool interested;
    int priority;
    const char *username;   /* NULL before auth */
    const char *resource;   /* NULL before bind */
    const char *full_jid;   /* NULL before bind */
    const char *show;       /* NULL: none */
};

/* State of the session on conn; false when conn was never opened. */
bool model_session_info(const struct model *m, unsigned conn, struct model_session_info *out);
/* Live sessions, unauthenticated and hibernating ones included. */
size_t model_session_count(const struct model *m);
/* Existing accounts, in ascending byte order: the i-th name, NULL past the end. */
const char *model_account_at(const struct model *m, size_t i);
bool model_account_exists(const struct model *m, const char *username);
/* Active tombstones in ascending order (T2 at the current clock). */
const char *model_tombstone_at(const struct model *m, size_t i);
/* Messages in the offline store of an account (0 for unknown ones). */
size_t model_offline_count(const struct model *m, const char *username);
/* The roster item of username for contact; false when there is none. */
bool model_roster_item(const struct model *m, const char *username, const char *contact,
                       struct model_roster_item *out);

#endif
