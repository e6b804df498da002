/* model: the byte-level server facade and its queries (see model.h). The
 * tables and the protocol live in the modules below it; this file only
 * creates, drives, queries and frees a model. */
#include "model.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "conn.h"
#include "internal.h"
#include "jid.h"
#include "presence.h"
#include "session.h"
#include "smacks.h"
#include "users.h"

/* presence.c keeps the I7 views and broadcasts P15 (see internal.h). */
static const struct model_observer model_observer = {presence_view_note, presence_on_destroy};

void model_config_default(struct model_config *c)
{
    memset(c, 0, sizeof *c);
    c->domain = "localhost";
    c->conflict = MODEL_CONFLICT_KICK_OLD;
    c->offline = true;
    c->registration = true;
    c->tombstones = true;
    c->tombstone_expiry_ms = 30 * MODEL_DAY_MS;
    c->start_time_ms = 1747130400000ull;   /* 2025-05-13T10:00:00Z */
}

/* One facade call: its arguments and result. Every call that can
 * allocate runs its body under heap_run (model_run), so that a failed
 * allocation anywhere below ends here (see "Out of memory" in model.h). */
struct model_call {
    struct model *m;
    const struct model_config *cfg;
    unsigned conn;
    const char *bytes;              /* input bytes; account name */
    const char *password;
    size_t len;
    unsigned long long ms;
    const struct model_roster_item *item;
    const struct xmlstream_header *header;   /* model_input_parsed's */
    const struct stanza_node *el;
    bool ok;                        /* the bool calls' result */
    unsigned id;                    /* model_connect's result */
};

/* Runs body(c) on c->m; MODEL_ENOMEM (and nothing run) once the model
 * has failed. */
static enum model_error model_run(struct model_call *c, void (*body)(void *c))
{
    if (!heap_run(&c->m->heap, body, c))
        return MODEL_ENOMEM;
    conn_retire(c->m);
    return MODEL_OK;
}

/* heap_release_all: the parsers the warm set keeps for new connections. */
static void release_warm_spares(struct heap_resource *r)
{
    struct model *m = (struct model *)((char *)r - offsetof(struct model, warm_spares));
    xmlstream_warm_free(&m->warm);
}

static void model_setup(void *p)
{
    struct model_call *call = p;
    struct model *m = call->m;
    const struct model_config *c = call->cfg;
    m->observer = &model_observer;
    m->touched_accounts.heap = &m->heap;
    m->sm.heap = &m->heap;
    m->cfg = *c;
    m->cfg.allocator = NULL;   /* read at creation only */
    if (PROFILE_EJABBERD(m))
        m->cfg.tombstones = false;   /* EJ6: ejabberd keeps none */
    m->domain = heap_strdup(&m->heap, c->domain ? c->domain : "localhost");
    m->cfg.domain = m->domain;
    prng_seed(&m->prng, call->ms);
    m->hash_salt = (unsigned long)prng_next(&m->prng);
    m->warm.max = MODEL_WARM_PARSERS;
    heap_resource_add(&m->heap, &m->warm_spares, release_warm_spares);
    account_table_init(m, prng_next(&m->prng));
    users_init(m, prng_next(&m->prng));
    m->now_ms = c->start_time_ms;
    m->bare_presence = stanza_new(&m->heap);
    stanza_element_add(m->bare_presence, NULL, STANZA_NS_CLIENT, "presence");
    for (int authenticated = 0; authenticated <= 1; authenticated++) {
        m->features[authenticated] = session_features_new(m, authenticated);
        m->features_bytes[authenticated].heap = &m->heap;
        stanza_serialize(stanza_root(m->features[authenticated]), STANZA_NS_CLIENT, true,
                         &m->features_bytes[authenticated]);
    }
    for (int version = 0; version <= 1; version++) {
        m->header_tail[version].heap = &m->heap;
        session_header_tail(m, version, &m->header_tail[version]);
    }
}

struct model *model_new(const struct model_config *c, unsigned long long seed)
{
    const struct model_allocator *a = c->allocator;
    void *(*malloc_fn)(size_t) = a && a->malloc_fn ? a->malloc_fn : malloc;
    struct model *m = malloc_fn(sizeof *m);
    if (m == NULL)
        return NULL;
    memset(m, 0, sizeof *m);
    heap_init(&m->heap, malloc_fn, a ? a->realloc_fn : NULL, a ? a->free_fn : NULL);
    struct model_call call = {.m = m, .cfg = c, .ms = seed};
    if (model_run(&call, model_setup) != MODEL_OK) {
        model_free(m);
        return NULL;
    }
    return m;
}

/* Closes every connection and frees every session, with no traffic (S14,
 * model_free). */
static void model_drop_sessions(struct model *m)
{
    for (size_t i = 0; i < m->nconns; i++) {
        struct conn *c = &m->conns[i];
        if (c->session != NULL)
            session_free(c->session);
        c->session = NULL;
        c->closed = true;
    }
    m->nsessions = 0;
    users_clear(m);
}

/* The structured teardown of a healthy model; it must leave no block. */
static void model_teardown(struct model *m)
{
    model_drop_sessions(m);
    for (size_t i = 0; i < m->nconns; i++)
        buf_free(&m->conns[i].out);
    heap_free(&m->heap, m->conns);
    heap_free(&m->heap, m->touched);
    heap_free(&m->heap, m->draining);
    strset_clear(&m->touched_accounts);
    account_free_all(m);
    smacks_state_free(&m->sm);
    stanza_free(m->bare_presence);
    for (size_t i = 0; i < 2; i++) {
        stanza_free(m->features[i]);
        buf_free(&m->features_bytes[i]);
        buf_free(&m->header_tail[i]);
    }
    heap_free(&m->heap, m->domain);
    assert(heap_blocks(&m->heap) == 0);
}

void model_free(struct model *m)
{
    if (m == NULL)
        return;
    /* A failed model may be half-updated: its blocks are freed as they
     * are, expat's parsers through their heap resources. */
    if (!heap_failed(&m->heap))
        model_teardown(m);
    heap_release_all(&m->heap);
    void (*free_fn)(void *) = m->heap.free_fn;
    free_fn(m);
}

enum model_error model_error(const struct model *m)
{
    return heap_failed(&m->heap) ? MODEL_ENOMEM : MODEL_OK;
}

const char *model_error_text(enum model_error e)
{
    switch (e) {
#define MODEL_ERROR_TEXT(name, text) \
    case MODEL_##name:               \
        return text;
        MODEL_ERRORS(MODEL_ERROR_TEXT)
#undef MODEL_ERROR_TEXT
    }
    return "unknown model error";
}

static void model_account_create_body(void *p)
{
    struct model_call *c = p;
    struct model *m = c->m;
    size_t len = strlen(c->bytes);
    char *norm = heap_alloc(&m->heap, len + 1);
    c->ok = jid_local_prep(c->bytes, len, norm) == JID_E_OK &&
            !(m->cfg.tombstones && account_tombstone_active(m, norm)) &&   /* I14 */
            account_create(m, norm, c->password) != NULL;
    heap_free(&m->heap, norm);
}

bool model_account_create(struct model *m, const char *username, const char *password)
{
    struct model_call c = {.m = m, .bytes = username, .password = password};
    return model_run(&c, model_account_create_body) == MODEL_OK && c.ok;
}

static void model_roster_preset_body(void *p)
{
    struct model_call *c = p;
    struct model *m = c->m;
    const struct model_roster_item *item = c->item;
    struct account *a = account_find(m, c->bytes);
    struct jid j;
    if (a == NULL || jid_parse(&j, &m->heap, item->jid, strlen(item->jid)) != JID_E_OK)
        return;
    c->ok = jid_is_bare(&j);
    if (c->ok) {
        struct roster_item *it = roster_ensure(&a->roster, j.str);
        it->subscription = item->subscription;
        it->ask = item->ask;
        it->granted_serial = account_serial_of(m, j.str);
        account_touch(m, a->name);
        roster_item_set_meta(&a->roster, it, item->name, item->groups, item->ngroups);
    }
    jid_free(&j);
}

bool model_roster_preset(struct model *m, const char *username,
                         const struct model_roster_item *item)
{
    struct model_call c = {.m = m, .bytes = username, .item = item};
    return model_run(&c, model_roster_preset_body) == MODEL_OK && c.ok;
}

/* ---- connections ---- */

static void model_connect_body(void *p)
{
    struct model_call *call = p;
    struct model *m = call->m;
    heap_grow(&m->heap, (void **)&m->conns, &m->capconns, m->nconns, sizeof *m->conns);
    struct conn *c = &m->conns[m->nconns];
    memset(c, 0, sizeof *c);
    c->out.heap = &m->heap;
    unsigned id = (unsigned)++m->nconns;
    c->session = session_new(m, id);
    m->nsessions++;
    call->id = id;
}

unsigned model_connect(struct model *m)
{
    struct model_call c = {.m = m};
    return model_run(&c, model_connect_body) == MODEL_OK ? c.id : 0;
}

static void model_input_body(void *p)
{
    struct model_call *c = p;
    struct session *s = conn_session(c->m, c->conn);
    if (s != NULL && !c->m->conns[c->conn - 1].closed)   /* not a hibernating one (SM11) */
        session_input_parsed(s, c->bytes, c->len, c->header, c->el);
    conn_drain(c->m);
}

enum model_error model_input(struct model *m, unsigned conn, const char *bytes, size_t len)
{
    struct model_call c = {.m = m, .conn = conn, .bytes = bytes, .len = len};
    return model_run(&c, model_input_body);
}

enum model_error model_input_parsed(struct model *m, unsigned conn, const char *bytes,
                                    size_t len, const struct xmlstream_header *h,
                                    const struct stanza_node *el)
{
    struct model_call c = {.m = m, .conn = conn, .bytes = bytes, .len = len, .header = h,
                           .el = el};
    return model_run(&c, model_input_body);
}

static void model_hangup_body(void *p)
{
    struct model_call *call = p;
    struct session *s = conn_session(call->m, call->conn);
    struct conn *c = conn_get(call->m, call->conn);
    if (s != NULL && !c->closed)
        session_hangup(s);
    if (c != NULL)
        c->closed = true;
    conn_drain(call->m);
}

enum model_error model_hangup(struct model *m, unsigned conn)
{
    struct model_call c = {.m = m, .conn = conn};
    return model_run(&c, model_hangup_body);
}

const char *model_output(const struct model *m, unsigned conn, size_t *len)
{
    struct conn *c = heap_failed(&m->heap) ? NULL : conn_get(m, conn);
    *len = c ? c->out.len : 0;
    return c && c->out.data ? c->out.data : "";
}

enum model_error model_output_consume(struct model *m, unsigned conn, size_t n)
{
    struct conn *c = heap_failed(&m->heap) ? NULL : conn_get(m, conn);
    if (c != NULL) {
        buf_consume(&c->out, n);
        if (c->out.len == 0)
            buf_free(&c->out);   /* an idle connection holds no buffer */
    }
    return model_error(m);
}

void model_output_stanzas(struct model *m,
                          void (*hook)(void *ctx, unsigned conn, const struct stanza_node *el,
                                       size_t end, size_t len),
                          void *ctx)
{
    m->stanza_hook = hook;
    m->stanza_hook_ctx = ctx;
}

void model_output_headers(struct model *m,
                          void (*hook)(void *ctx, unsigned conn, const struct xmlstream_header *h,
                                       size_t end, size_t len),
                          void *ctx)
{
    m->header_hook = hook;
    m->header_hook_ctx = ctx;
}

bool model_closed(const struct model *m, unsigned conn)
{
    struct conn *c = heap_failed(&m->heap) ? NULL : conn_get(m, conn);
    return c == NULL || c->closed;
}

static void model_advance_body(void *p)
{
    struct model_call *c = p;
    struct model *m = c->m;
    m->now_ms += c->ms;
    /* S12: unauthenticated sessions time out after c2s_timeout */
    for (size_t i = 0; i < m->nconns; i++) {
        struct session *s = m->conns[i].session;
        if (s != NULL && !s->authenticated && m->now_ms - s->connected_ms >= MODEL_C2S_TIMEOUT_MS)
            session_close(s, "connection-timeout", NULL, NULL, NULL);
    }
    smacks_advance(m);   /* SM12 */
    conn_drain(m);
}

enum model_error model_advance(struct model *m, unsigned long long ms)
{
    struct model_call c = {.m = m, .ms = ms};
    return model_run(&c, model_advance_body);
}

unsigned long long model_now(const struct model *m)
{
    return m->now_ms;
}

static void model_restart_body(void *p)
{
    smacks_restart(((struct model_call *)p)->m);   /* SM19 */
    model_drop_sessions(((struct model_call *)p)->m);
}

enum model_error model_restart(struct model *m)
{
    struct model_call c = {.m = m};
    return model_run(&c, model_restart_body);
}

/* ---- queries: empty answers from a failed model ---- */

bool model_session_info(const struct model *m, unsigned conn, struct model_session_info *out)
{
    struct conn *c = heap_failed(&m->heap) ? NULL : conn_get(m, conn);
    memset(out, 0, sizeof *out);
    if (c == NULL)
        return false;
    const struct session *s = c->session;
    if (s == NULL)
        return true;
    out->hibernating = smacks_hibernating(s);
    out->sm = s->sm != NULL;
    out->live = !out->hibernating;
    out->authenticated = s->authenticated;
    out->connected = s->full_jid != NULL && !out->hibernating;
    out->available = s->presence != NULL;
    out->interested = s->interested;
    out->priority = s->priority;
    out->username = s->username;
    out->resource = s->resource;
    out->full_jid = s->full_jid;
    if (s->presence != NULL) {
        const struct stanza_node *show = stanza_child(stanza_root(s->presence), STANZA_NS_CLIENT,
                                                      "show");
        out->show = show && show->children && show->children->kind == STANZA_TEXT
                        ? show->children->text
                        : NULL;
    }
    return true;
}

size_t model_session_count(const struct model *m)
{
    return heap_failed(&m->heap) ? 0 : m->nsessions;
}

static void model_account_at_body(void *p)
{
    struct model_call *c = p;
    struct account *a = account_sorted_at(c->m, c->len);
    c->bytes = a ? a->name : NULL;
}

const char *model_account_at(const struct model *m, size_t i)
{
    /* a query, but the sorted order is a cache behind the const */
    struct model_call c = {.m = (struct model *)m, .len = i};
    return model_run(&c, model_account_at_body) == MODEL_OK ? c.bytes : NULL;
}

bool model_account_exists(const struct model *m, const char *username)
{
    return !heap_failed(&m->heap) && account_find(m, username) != NULL;
}

const char *model_tombstone_at(const struct model *m, size_t i)
{
    if (heap_failed(&m->heap))
        return NULL;
    size_t k = 0;   /* only active ones (T2) */
    for (size_t t = 0; t < m->ntombstones; t++)
        if (account_tombstone_live(m, m->tombstones[t].name) && k++ == i)
            return m->tombstones[t].name;
    return NULL;
}

size_t model_offline_count(const struct model *m, const char *username)
{
    const struct account *a = heap_failed(&m->heap) ? NULL : account_find(m, username);
    return a ? a->noffline : 0;
}

bool model_roster_item(const struct model *m, const char *username, const char *contact,
                       struct model_roster_item *out)
{
    const struct account *a = heap_failed(&m->heap) ? NULL : account_find(m, username);
    const struct roster_item *it = a ? roster_find(&a->roster, contact) : NULL;
    if (it == NULL)
        return false;
    out->jid = it->jid;
    out->subscription = it->subscription;
    out->ask = it->ask;
    out->name = it->name;
    out->groups = (const char *const *)it->groups;
    out->ngroups = it->ngroups;
    return true;
}
