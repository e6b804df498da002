/* target: the server a runner drives, seen as connections of bytes.
 *
 * A target opens connections, takes client bytes, hands back the bytes the
 * server wrote, tells whether the server closed a connection, hangs up,
 * restarts the server, moves its clock and settles. The interface is
 * byte-level and knows nothing of the model, so the in-memory model
 * (target_model_new) and a live server over TCP fit behind it alike. The
 * model-only parts are operations too: target_check answers a `check:`
 * step and target_invariants checks the invariants, and a live target has
 * neither (TARGET_CAN_CHECK off); capabilities say what else a target
 * cannot do (advance the clock, restart), so the runner can skip. A
 * program that drives the model itself (sessim serve) gets it with
 * target_model.
 *
 * Ownership: a target is created by its constructor and released with
 * target_free; received bytes are borrowed until the next call on the same
 * target. Connection ids are positive and never reused within a target.
 */
#ifndef SESSIM_SIM_TARGET_H
#define SESSIM_SIM_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/xmlstream.h"
#include "scenario/scenario.h"

struct buf;
struct model;
struct stanza;
struct invariant_violation;

#define TARGET_ERROR_MAX 256

/* Capability bits of target_ops.caps. */
#define TARGET_CAN_ADVANCE 1u   /* a virtual clock (advance:) */
#define TARGET_CAN_RESTART 2u   /* restart: */
#define TARGET_CAN_CHECK 4u     /* model state queries and invariants (target_model) */
#define TARGET_QUIESCENT 8u     /* after any call nothing more will arrive unprompted */
#define TARGET_REAL_CLOCK 16u   /* advance: of at most TARGET_REAL_ADVANCE_MAX_MS is a real
                                   wait, the server's timers set from the scenario's server: */

/* The longest advance a TARGET_REAL_CLOCK target waits for (longer ones
 * are skipped, as on a target without a clock). */
#define TARGET_REAL_ADVANCE_MAX_MS 10000u

/* One item of an account's initial roster, as a live server would be told. */
struct target_roster_item {
    const char *jid;                     /* bare JID of the contact */
    enum scenario_subscription subscription;
    enum scenario_ask ask;
    const char *name;                    /* NULL: none */
    const char *const *groups;
    size_t ngroups;
};

/* A client of a `check:` step: its name and current connection (0: none). */
struct target_check_client {
    const char *name;
    unsigned conn;
};

/* A `check:` step as a target answers it. Every pointer is borrowed. */
struct target_check {
    const struct scenario_step *step;        /* SCENARIO_STEP_CHECK */
    const char *domain;                      /* the scenario's server domain */
    const struct target_check_client *clients;
    size_t nclients;
};

/* A stanza among a connection's received bytes that the target also holds
 * as the tree they were serialised from, or a stream header it holds
 * parsed (the model target: parsing them again would give the same). */
struct target_stanza {
    size_t start, end;     /* its bytes: received[start..end) */
    struct stanza *tree;   /* the target's; whoever takes it sets this to NULL
                            * and frees it (stanza_free) */
    struct xmlstream_header *header;   /* a header (tree NULL): the target's,
                                        * borrowed by whoever reads it */
};

struct target;

/* An implementation. Every operation gets the target it was built with.
 * Operations that can fail return false (or 0) and write a message into
 * t->error. */
struct target_ops {
    const char *name;                    /* "model", "tcp" */
    unsigned caps;
    bool (*account_create)(struct target *t, const char *user, const char *password);
    bool (*roster_preset)(struct target *t, const char *user,
                          const struct target_roster_item *item);
    unsigned (*connect)(struct target *t);
    bool (*send)(struct target *t, unsigned conn, const char *bytes, size_t len);
    /* NULL: only bytes are sent (send). */
    bool (*send_parsed)(struct target *t, unsigned conn, const char *bytes, size_t len,
                        const struct xmlstream_header *h, const struct stanza_node *el);
    const char *(*received)(struct target *t, unsigned conn, size_t *len);
    void (*consume)(struct target *t, unsigned conn, size_t n);
    bool (*closed)(struct target *t, unsigned conn);
    void (*hangup)(struct target *t, unsigned conn);
    bool (*restart)(struct target *t);
    bool (*advance)(struct target *t, uint64_t ms);
    void (*settle)(struct target *t);
    bool (*wait)(struct target *t, unsigned conn);
    /* NULL: the received bytes are only bytes. */
    struct target_stanza *(*stanzas)(struct target *t, unsigned conn, size_t *n);
    struct model *(*model)(struct target *t);
    /* NULL without TARGET_CAN_CHECK: */
    int (*check)(struct target *t, const struct target_check *q, struct buf *out);
    size_t (*invariants)(struct target *t, struct invariant_violation *out, size_t max);
    void (*free)(struct target *t);
};

/* The common head of every implementation (embedded as its first member). */
struct target {
    const struct target_ops *ops;
    char error[TARGET_ERROR_MAX];        /* last failure, "" when none */
    /* Set by a constructor when the scenario's preconditions cannot be
     * established on this target (a server's settings, its domain): the
     * runner skips the scenario with this reason. "" when none. */
    char skip[TARGET_ERROR_MAX];
};

/* ---- the model target (target_model.c) ---- */

struct model_allocator;

/* A fresh in-memory server configured from a scenario's `server:` with the
 * given seed. Never fails (allocation failure aborts). */
struct target *target_model_new(const struct scenario_server *server, uint64_t seed);
/* The same with the model's allocation hooks (model.h; NULL: the C
 * library): NULL when the model cannot be created. Once the model has run
 * out of memory, operations fail with "model: out of memory", and so do
 * `check:` steps and the invariants (rule "ENOMEM"). */
struct target *target_model_new_with(const struct scenario_server *server, uint64_t seed,
                                     const struct model_allocator *allocator);

/* The same with the model's clock starting at start_ms (ms since the
 * epoch) instead of the model's default date (`sessim serve` on real time). */
struct target *target_model_new_at(const struct scenario_server *server, uint64_t seed,
                                   uint64_t start_ms);

/* The same model seen as a live server would be: target_model() gives NULL,
 * so the runner checks no invariants and skips `check:`. name (static) and
 * caps (TARGET_CAN_CHECK is dropped) are the hidden target's. For
 * measuring the invariants' cost and testing the runner's live paths. */
struct target *target_model_hidden_new(const struct scenario_server *server, uint64_t seed,
                                       const char *name, unsigned caps);

/* ---- dispatch ---- */

/* Creates an account before the first step. */
static inline bool target_account_create(struct target *t, const char *user, const char *pw)
{
    return t->ops->account_create(t, user, pw);
}

/* Sets one initial roster item of an existing account. */
static inline bool target_roster_preset(struct target *t, const char *user,
                                        const struct target_roster_item *item)
{
    return t->ops->roster_preset(t, user, item);
}

/* Opens a connection: its id, or 0 on failure (t->error says why). */
static inline unsigned target_connect(struct target *t)
{
    return t->ops->connect(t);
}

/* Writes client bytes on conn; false on failure. */
static inline bool target_send(struct target *t, unsigned conn, const char *bytes, size_t len)
{
    return t->ops->send(t, conn, bytes, len);
}

/* target_send of bytes the sender built from what it holds parsed: a
 * stream header h (el NULL) or one stanza el (h NULL), which a target that
 * can (the model: model_input_parsed) takes in place of parsing the bytes.
 * The sender vouches that the bytes parse to exactly that (el: as a stanza
 * of a jabber:client stream). */
static inline bool target_send_parsed(struct target *t, unsigned conn, const char *bytes,
                                      size_t len, const struct xmlstream_header *h,
                                      const struct stanza_node *el)
{
    if (t->ops->send_parsed == NULL)
        return t->ops->send(t, conn, bytes, len);
    return t->ops->send_parsed(t, conn, bytes, len, h, el);
}

/* Server bytes on conn not yet consumed (*len set; borrowed). */
static inline const char *target_received(struct target *t, unsigned conn, size_t *len)
{
    return t->ops->received(t, conn, len);
}

/* Marks the first n received bytes of conn as read. */
static inline void target_consume(struct target *t, unsigned conn, size_t n)
{
    t->ops->consume(t, conn, n);
}

/* Whether the connection has ended (closed by the server, or hung up). */
static inline bool target_closed(struct target *t, unsigned conn)
{
    return t->ops->closed(t, conn);
}

/* The client side loses the connection, with no closing tag. */
static inline void target_hangup(struct target *t, unsigned conn)
{
    t->ops->hangup(t, conn);
}

/* Restarts the server (every connection closed, persistent state kept);
 * false when the target cannot (no TARGET_CAN_RESTART) or it failed. */
static inline bool target_restart(struct target *t)
{
    return t->ops->restart(t);
}

/* Moves the virtual clock, or with TARGET_REAL_CLOCK waits ms of real
 * time reading what arrives; false when the target has neither. */
static inline bool target_advance(struct target *t, uint64_t ms)
{
    return t->ops->advance(t, ms);
}

/* Lets the server finish reacting to everything sent so far. */
static inline void target_settle(struct target *t)
{
    t->ops->settle(t);
}

/* Waits for more bytes (or the close) on conn. Returns false when nothing
 * more can arrive in the settle time: always false on a quiescent target. */
static inline bool target_wait(struct target *t, unsigned conn)
{
    return t->ops->wait(t, conn);
}

/* The stanzas among conn's received bytes that the target holds as trees,
 * in byte order, *n of them (0 and NULL when it keeps none: parse the
 * bytes). The first call asks the target to keep them from then on, so
 * bytes received before it have none. Valid, like the bytes, until the
 * next call on the target; consuming bytes drops the trees in them. */
static inline struct target_stanza *target_stanzas(struct target *t, unsigned conn, size_t *n)
{
    *n = 0;
    return t->ops->stanzas != NULL ? t->ops->stanzas(t, conn, n) : NULL;
}

/* The model behind the target (for `check:` and invariants), or NULL. */
static inline struct model *target_model(struct target *t)
{
    return t->ops->model(t);
}

/* Answers a `check:` step: appends one line per mismatch to out and
 * returns their number; -1 when the target cannot check (the step is
 * skipped). */
static inline int target_check(struct target *t, const struct target_check *q, struct buf *out)
{
    return t->ops->check != NULL ? t->ops->check(t, q, out) : -1;
}

/* Checks the invariants after a step: up to max violations into out,
 * returns how many there are (0 when the target has no invariants). */
static inline size_t target_invariants(struct target *t, struct invariant_violation *out,
                                       size_t max)
{
    return t->ops->invariants != NULL ? t->ops->invariants(t, out, max) : 0;
}

/* The TARGET_CAN_* / TARGET_QUIESCENT bits of the implementation. */
static inline unsigned target_caps(const struct target *t)
{
    return t->ops->caps;
}

/* The target's last failure message ("" when none). */
static inline const char *target_error(const struct target *t)
{
    return t->error;
}

/* Releases the target and its connections. NULL is a no-op. */
static inline void target_free(struct target *t)
{
    if (t != NULL)
        t->ops->free(t);
}

#endif
