/* smacks: stream management (XEP-0198; SEMANTICS SM1-SM22, I16-I19).
 *
 * A session that sent <enable/> owns a struct smacks: the inbound count
 * (SM4), the outbound count, the client's last ack and the queue of
 * unacked copies (SM5, SM8, SM10), and, when resumable, its token (SM2).
 * A resumable session that loses its connection hibernates (SM11): it
 * stays in the resource table, attached to its closed connection, and
 * routing queues stanzas for it until it is resumed on another connection
 * (SM15), closed (SM14, SM20, SM21) or times out (SM12). Expired tokens
 * with their h (SM17) are persistent state of the model.
 *
 * The session and route code call these hooks at named points; nothing
 * here writes to a connection except through model_write/model_send.
 * Ownership: a struct smacks belongs to its session (freed by smacks_end or
 * smacks_free); queued copies belong to the queue. Not modelled: CSI,
 * s2s, delayed-ack and read-timeout events.
 */
#ifndef SESSIM_MODEL_SMACKS_H
#define SESSIM_MODEL_SMACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stanza.h"

#define SMACKS_NS3 "urn:xmpp:sm:3"
#define SMACKS_NS2 "urn:xmpp:sm:2"
#define SMACKS_TOKEN_LEN 8
#define SMACKS_HIBERNATION_MS (600ull * 1000)   /* smacks_hibernation_time */
#define SMACKS_QUEUE_MAX 500                    /* smacks_max_queue_size's default */
#define SMACKS_OLD_MAX 10                       /* smacks_max_old_sessions */
#define SMACKS_RESENT_TEXT "Resent"             /* EJ12: the text of a resent copy's delay */

struct model;
struct session;

/* One queued copy (SM5) and the connection it was last written on (I17). */
struct smacks_copy {
    struct stanza *st;
    unsigned written;
};

struct smacks {
    struct heap *heap;            /* the model's */
    const char *ns;               /* SMACKS_NS3 or SMACKS_NS2 (static) */
    uint32_t h_in;                /* SM4 */
    uint32_t h_out, acked;        /* SM5, SM8 */
    uint32_t last_requested;      /* SM9 */
    uint32_t in_base;             /* session's stanzas_in at enable (I18) */
    bool awaiting_ack;
    bool hibernating;             /* SM11 */
    bool duplicate;               /* I17: a copy was written twice on one connection */
    bool backwards;               /* I18: a counter ran backwards */
    char token[SMACKS_TOKEN_LEN + 1]; /* "" when not resumable */
    unsigned long long hibernated_ms;
    struct smacks_copy *q;        /* ring: n copies from index first */
    size_t first, n, cap;
};

/* An expired token (SM12, SM19): persistent, forgotten after one use. */
struct smacks_expired {
    char *user;
    char token[SMACKS_TOKEN_LEN + 1];
    uint32_t h;
};

/* Model-wide state: the expired registry, the I16 ledger, and the error
 * replies a replaced session addresses to its own full JID (EJ54). */
struct heap;

struct smacks_state {
    struct heap *heap;            /* the model's */
    struct smacks_expired *old;
    size_t nold, capold;
    unsigned long long queued, acked, stored, bounced, dropped, in_queues;
    struct session *heir;         /* EJ54: binding a replaced session's full JID, or NULL */
    struct stanza **kept;         /* EJ54: replies waiting for heir's bind result */
    size_t nkept, capkept;
};

/* SM1: appends the <sm/> features to an authenticated stream's features,
 * each with <optional/> when optional (Prosody; not ejabberd, EJ12). */
void smacks_features(struct stanza *st, struct stanza_node *features, bool optional);
/* SM2, SM3, SM7, SM8, SM15-SM18: handles el if it is in an SM namespace
 * and returns true; false for any other element. */
bool smacks_element(struct session *s, const struct stanza_node *el);
/* SM4: s read a top-level jabber:client element. */
void smacks_count_in(struct session *s);
/* SM5: el is being sent to enabled session s; queues its copy. Returns
 * whether to write it (false while hibernating). */
bool smacks_outbound(struct session *s, const struct stanza_node *el);
/* SM9: at the end of an input that wrote to enabled session s (conn_drain,
 * for a session still connected), or after its <a/>, maybe an <r/>. */
void smacks_request(struct session *s);
/* SM11: s lost its connection; true when it hibernates (the caller must
 * then not destroy it). */
bool smacks_hibernate(struct session *s);
/* Whether s is an enabled session without a connection. */
bool smacks_hibernating(const struct session *s);
/* SM14: s is being closed (and destroyed next, its token with it): the
 * final <a/> if it has a connection. */
void smacks_before_close(struct session *s);
/* SM13: enabled session s ends (still in the resource table); its queue
 * is stored, bounced or dropped and its state freed. */
void smacks_end(struct session *s);
/* EJ54 (ejabberd profile only; a no-op under the others): heir (borrowed)
 * is about to bind the full JID of a session X2 replaces. Until
 * smacks_replaced, an SM13 error reply addressed to that full JID is kept
 * for heir instead of dropped. */
void smacks_replacing(struct model *m, struct session *heir);
/* EJ54: heir is bound and its bind result sent: the kept replies are sent
 * to it, oldest first, and freed. A no-op when nothing is replacing. */
void smacks_replaced(struct model *m);
/* SM12: destroys sessions that hibernated too long. */
void smacks_advance(struct model *m);
/* SM19: before a restart drops every session: queued copies are lost. */
void smacks_restart(struct model *m);
/* The account is gone: its expired entries too (G7 step 5). */
void smacks_forget_account(struct model *m, const char *user);
/* Frees a session's state without any traffic (restart, model_free). */
void smacks_free(struct smacks *sm);
/* Frees the model-wide state. */
void smacks_state_free(struct smacks_state *st);
/* I17-I19 for one session: the first violated rule id and a message, or
 * NULL. */
const char *smacks_check_session(const struct model *m, const struct session *s,
                                 const char **message);
/* I16 over the ledger: NULL or a message. */
const char *smacks_check_ledger(const struct model *m);
/* The copies s's queue holds (0 without stream management). */
size_t smacks_queued(const struct session *s);
/* I16 over the queues: NULL, or a message when the ledger's still queued
 * differ from held, the copies all live sessions' queues hold (summed by
 * the full check's walk with smacks_queued). */
const char *smacks_check_queues(const struct model *m, unsigned long long held);

#endif
