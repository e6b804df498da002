/* target_model: the in-memory model behind the target interface.
 *
 * Every model call processes its input to completion (SEMANTICS 0.4), so
 * the target is always quiescent: settle has nothing to do and wait never
 * has more to offer.
 */
#include "run/target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/text.h"
#include "model/invariant.h"
#include "model/model.h"
#include "model/stanza.h"
#include "run/checker.h"

/* The trees of the stanzas in one connection's unconsumed output, in
 * order, placed in those bytes. */
struct tm_conn {
    struct target_stanza *v;
    size_t n, cap;
};

struct target_model {
    struct target base;
    struct model *model;
    struct target_ops hidden_ops;   /* target_model_hidden_new: own name, caps */
    bool keep_trees;                /* model_output_stanzas hooked */
    struct tm_conn *conns;          /* by connection id - 1 */
    size_t nconns;
};

static struct model *tm_model(struct target *t)
{
    return ((struct target_model *)t)->model;
}

/* false with t->error set once the model ran out of memory (model.h). */
static bool tm_ok(struct target *t)
{
    enum model_error e = model_error(tm_model(t));
    if (e == MODEL_OK)
        return true;
    snprintf(t->error, sizeof t->error, "model: %s", model_error_text(e));
    return false;
}

static bool tm_account_create(struct target *t, const char *user, const char *password)
{
    if (model_account_create(tm_model(t), user, password))
        return true;
    if (tm_ok(t))
        snprintf(t->error, sizeof t->error, "cannot create account '%s' (invalid or taken)",
                 user);
    return false;
}

static enum model_subscription subscription_of(enum scenario_subscription s)
{
    switch (s) {
    case SCENARIO_SUBSCRIPTION_NONE:
        return MODEL_SUB_NONE;
    case SCENARIO_SUBSCRIPTION_TO:
        return MODEL_SUB_TO;
    case SCENARIO_SUBSCRIPTION_FROM:
        return MODEL_SUB_FROM;
    case SCENARIO_SUBSCRIPTION_BOTH:
        return MODEL_SUB_BOTH;
    }
    abort();
}

static bool tm_roster_preset(struct target *t, const char *user,
                             const struct target_roster_item *item)
{
    struct model_roster_item mi = {
        .jid = item->jid,
        .subscription = subscription_of(item->subscription),
        .ask = item->ask == SCENARIO_ASK_SUBSCRIBE,
        .name = item->name,
        .groups = item->groups,
        .ngroups = item->ngroups,
    };
    if (model_roster_preset(tm_model(t), user, &mi))
        return true;
    if (tm_ok(t))
        snprintf(t->error, sizeof t->error, "cannot set roster item '%s' of '%s'", item->jid,
                 user);
    return false;
}

static unsigned tm_connect(struct target *t)
{
    unsigned id = model_connect(tm_model(t));
    tm_ok(t);
    return id;
}

static bool tm_send(struct target *t, unsigned conn, const char *bytes, size_t len)
{
    model_input(tm_model(t), conn, bytes, len);
    return tm_ok(t);
}

static bool tm_send_parsed(struct target *t, unsigned conn, const char *bytes, size_t len,
                           const struct xmlstream_header *h, const struct stanza_node *el)
{
    model_input_parsed(tm_model(t), conn, bytes, len, h, el);
    return tm_ok(t);
}

static const char *tm_received(struct target *t, unsigned conn, size_t *len)
{
    return model_output(tm_model(t), conn, len);
}

static struct tm_conn *tm_conn(struct target_model *tm, unsigned conn)
{
    if (conn > tm->nconns) {
        size_t want = conn > 2 * tm->nconns ? conn : 2 * tm->nconns;
        tm->conns = mem_realloc(tm->conns, want * sizeof *tm->conns);
        memset(tm->conns + tm->nconns, 0, (want - tm->nconns) * sizeof *tm->conns);
        tm->nconns = want;
    }
    return &tm->conns[conn - 1];
}

/* model_output_stanzas' hook: a copy of the tree, placed in the bytes. It
 * lives until the client reads it, so its arena is the default one: no
 * walk to size it first (stanza_clone's). */
static void tm_keep(void *ctx, unsigned conn, const struct stanza_node *el, size_t end,
                    size_t len)
{
    struct tm_conn *c = tm_conn(ctx, conn);
    c->v = mem_grow(c->v, c->n, &c->cap, sizeof *c->v);
    struct stanza *copy = stanza_new(NULL);
    stanza_copy_into(copy, NULL, el);
    c->v[c->n++] = (struct target_stanza){end - len, end, copy, NULL};
}

/* Appends s (NULL: nothing) to the block at *at, returning its place. */
static const char *put_str(char **at, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*at, s, n);
    *at += n;
    return *at - n;
}

/* A copy of h in one block (free it). */
static struct xmlstream_header *header_copy(const struct xmlstream_header *h)
{
    const char *const fields[] = {h->to, h->from, h->version, h->lang, h->id, h->content_ns};
    size_t size = sizeof *h;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        size += fields[i] != NULL ? strlen(fields[i]) + 1 : 0;
    struct xmlstream_header *copy = mem_realloc(NULL, size);
    char *at = (char *)(copy + 1);
    copy->to = put_str(&at, h->to);
    copy->from = put_str(&at, h->from);
    copy->version = put_str(&at, h->version);
    copy->lang = put_str(&at, h->lang);
    copy->id = put_str(&at, h->id);
    copy->content_ns = put_str(&at, h->content_ns);
    return copy;
}

/* model_output_headers' hook: a copy of the header, placed in the bytes. */
static void tm_keep_header(void *ctx, unsigned conn, const struct xmlstream_header *h,
                           size_t end, size_t len)
{
    struct tm_conn *c = tm_conn(ctx, conn);
    c->v = mem_grow(c->v, c->n, &c->cap, sizeof *c->v);
    c->v[c->n++] = (struct target_stanza){end - len, end, NULL, header_copy(h)};
}

static struct target_stanza *tm_stanzas(struct target *t, unsigned conn, size_t *n)
{
    struct target_model *tm = (struct target_model *)t;
    if (!tm->keep_trees) {
        model_output_stanzas(tm->model, tm_keep, tm);
        model_output_headers(tm->model, tm_keep_header, tm);
        tm->keep_trees = true;
    }
    struct tm_conn *c = tm_conn(tm, conn);
    *n = c->n;
    return c->v;
}

/* n bytes consumed: the trees in them go, the others move up. */
static void tm_drop(struct tm_conn *c, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < c->n; i++) {
        struct target_stanza e = c->v[i];
        if (e.start < n) {
            stanza_free(e.tree);
            free(e.header);
            continue;
        }
        c->v[kept++] = (struct target_stanza){e.start - n, e.end - n, e.tree, e.header};
    }
    c->n = kept;
}

static void tm_consume(struct target *t, unsigned conn, size_t n)
{
    struct target_model *tm = (struct target_model *)t;
    model_output_consume(tm->model, conn, n);
    if (tm->keep_trees && conn >= 1 && conn <= tm->nconns)
        tm_drop(&tm->conns[conn - 1], n);
}

static bool tm_closed(struct target *t, unsigned conn)
{
    return model_closed(tm_model(t), conn);
}

static void tm_hangup(struct target *t, unsigned conn)
{
    model_hangup(tm_model(t), conn);
}

static bool tm_restart(struct target *t)
{
    model_restart(tm_model(t));
    return tm_ok(t);
}

static bool tm_advance(struct target *t, uint64_t ms)
{
    model_advance(tm_model(t), ms);
    return tm_ok(t);
}

static void tm_settle(struct target *t)
{
    (void)t;
}

static bool tm_wait(struct target *t, unsigned conn)
{
    (void)t;
    (void)conn;
    return false;
}

/* A model that ran out of memory answers queries empty (model.h): the
 * check says so instead of listing the mismatches that follows. */
static int tm_check(struct target *t, const struct target_check *q, struct buf *out)
{
    int n = checker_run(tm_model(t), q, out);
    if (tm_ok(t))
        return n;
    buf_clear(out);
    text_printf(out, "  %s\n", t->error);
    return 1;
}

/* After every step: a model that ran out of memory (in a call whose
 * status the runner does not read, such as a hangup) is reported here. */
static size_t tm_invariants(struct target *t, struct invariant_violation *out, size_t max)
{
    size_t n = invariant_check(tm_model(t), out, max);
    if (tm_ok(t))
        return n;
    if (max > 0) {
        out[0] = (struct invariant_violation){.rule = "ENOMEM"};
        snprintf(out[0].message, sizeof out[0].message, "model: %s, the model is unusable",
                 model_error_text(model_error(tm_model(t))));
    }
    return 1;
}

static void tm_free(struct target *t)
{
    struct target_model *tm = (struct target_model *)t;
    model_free(tm->model);
    for (size_t i = 0; i < tm->nconns; i++) {
        tm_drop(&tm->conns[i], (size_t)-1);
        free(tm->conns[i].v);
    }
    free(tm->conns);
    free(tm);
}

static const struct target_ops target_model_ops = {
    .name = "model",
    .caps = TARGET_CAN_ADVANCE | TARGET_CAN_RESTART | TARGET_CAN_CHECK | TARGET_QUIESCENT,
    .account_create = tm_account_create,
    .roster_preset = tm_roster_preset,
    .connect = tm_connect,
    .send = tm_send,
    .send_parsed = tm_send_parsed,
    .received = tm_received,
    .consume = tm_consume,
    .closed = tm_closed,
    .hangup = tm_hangup,
    .restart = tm_restart,
    .advance = tm_advance,
    .settle = tm_settle,
    .wait = tm_wait,
    .stanzas = tm_stanzas,
    .model = tm_model,
    .check = tm_check,
    .invariants = tm_invariants,
    .free = tm_free,
};

static enum model_conflict conflict_of(enum scenario_conflict c)
{
    switch (c) {
    case SCENARIO_CONFLICT_KICK_OLD:
        return MODEL_CONFLICT_KICK_OLD;
    case SCENARIO_CONFLICT_REJECT_NEW:
        return MODEL_CONFLICT_REJECT_NEW;
    case SCENARIO_CONFLICT_RANDOM_RESOURCE:
        return MODEL_CONFLICT_RANDOM;
    }
    abort();
}

static enum model_profile profile_of(enum scenario_profile p)
{
    switch (p) {
    case SCENARIO_PROFILE_PROSODY:
        return MODEL_PROFILE_PROSODY;
    case SCENARIO_PROFILE_EJABBERD:
        return MODEL_PROFILE_EJABBERD;
    case SCENARIO_PROFILE_RFC:
        return MODEL_PROFILE_RFC;
    }
    abort();
}

static struct model *tm_no_model(struct target *t)
{
    (void)t;
    return NULL;
}

static struct target *target_model_build(const struct scenario_server *server, uint64_t seed,
                                         const uint64_t *start_ms,
                                         const struct model_allocator *allocator)
{
    struct model_config c;
    model_config_default(&c);
    if (start_ms != NULL)
        c.start_time_ms = *start_ms;
    c.domain = server->domain;
    c.profile = profile_of(server->profile);
    c.conflict = conflict_of(server->conflict);
    c.offline = server->offline;
    c.registration = server->registration;
    c.tombstones = server->tombstones;
    c.tombstone_expiry_ms = server->tombstone_expiry_ms;
    c.sm_hibernation_ms = server->sm_hibernation_ms;
    c.sm_queue_max = server->sm_queue_max;
    c.allocator = allocator;
    struct target_model *tm = mem_calloc(1, sizeof *tm);
    tm->base.ops = &target_model_ops;
    tm->model = model_new(&c, seed);
    if (tm->model == NULL && allocator == NULL)
        abort();
    if (tm->model == NULL) {
        free(tm);
        return NULL;
    }
    return &tm->base;
}

struct target *target_model_new(const struct scenario_server *server, uint64_t seed)
{
    return target_model_build(server, seed, NULL, NULL);
}

struct target *target_model_new_with(const struct scenario_server *server, uint64_t seed,
                                     const struct model_allocator *allocator)
{
    return target_model_build(server, seed, NULL, allocator);
}

struct target *target_model_new_at(const struct scenario_server *server, uint64_t seed,
                                   uint64_t start_ms)
{
    return target_model_build(server, seed, &start_ms, NULL);
}

struct target *target_model_hidden_new(const struct scenario_server *server, uint64_t seed,
                                       const char *name, unsigned caps)
{
    struct target_model *tm = (struct target_model *)target_model_new(server, seed);
    tm->hidden_ops = target_model_ops;
    tm->hidden_ops.name = name;
    tm->hidden_ops.caps = caps & ~TARGET_CAN_CHECK;
    tm->hidden_ops.model = tm_no_model;
    tm->hidden_ops.check = NULL;
    tm->hidden_ops.invariants = NULL;
    tm->base.ops = &tm->hidden_ops;
    return &tm->base;
}
