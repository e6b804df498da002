/* model: the byte-level server facade and its queries (see model.h). The
 * tables and the protocol live in the modules below it; this file only
 * creates, drives, queries and frees a model. */
#include "model.h"

#include <assert.h>
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

struct model *model_new(const struct model_config *c, unsigned long long seed)
{
    struct model *m = malloc(sizeof *m);
    assert(m != NULL);
    memset(m, 0, sizeof *m);
    heap_init(&m->heap, NULL, NULL, NULL);
    m->observer = &model_observer;
    m->touched_accounts.heap = &m->heap;
    m->sm.heap = &m->heap;
    m->cfg = *c;
    m->domain = heap_strdup(&m->heap, c->domain ? c->domain : "localhost");
    m->cfg.domain = m->domain;
    prng_seed(&m->prng, seed);
    m->hash_salt = (unsigned long)prng_next(&m->prng);
    account_table_init(m, prng_next(&m->prng));
    users_init(m, prng_next(&m->prng));
    m->now_ms = c->start_time_ms;
    m->bare_presence = stanza_new(&m->heap);
    stanza_element_add(m->bare_presence, NULL, STANZA_NS_CLIENT, "presence");
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

void model_free(struct model *m)
{
    if (m == NULL)
        return;
    model_drop_sessions(m);
    for (size_t i = 0; i < m->nconns; i++)
        buf_free(&m->conns[i].out);
    heap_free(&m->heap, m->conns);
    heap_free(&m->heap, m->touched);
    strset_clear(&m->touched_accounts);
    account_free_all(m);
    smacks_state_free(&m->sm);
    stanza_free(m->bare_presence);
    heap_free(&m->heap, m->domain);
    size_t left = heap_release_all(&m->heap);
    assert(left == 0);   /* the structured teardown above frees everything */
    (void)left;
    free(m);
}

bool model_account_create(struct model *m, const char *username, const char *password)
{
    size_t len = strlen(username);
    char *norm = heap_alloc(&m->heap, len + 1);
    bool ok = jid_local_prep(username, len, norm) == JID_E_OK &&
              !(m->cfg.tombstones && account_tombstone_active(m, norm)) &&   /* I14 */
              account_create(m, norm, password) != NULL;
    heap_free(&m->heap, norm);
    return ok;
}

bool model_roster_preset(struct model *m, const char *username,
                         const struct model_roster_item *item)
{
    struct account *a = account_find(m, username);
    struct jid j;
    if (a == NULL || jid_parse(&j, &m->heap, item->jid, strlen(item->jid)) != JID_E_OK)
        return false;
    bool ok = jid_is_bare(&j);
    if (ok) {
        struct roster_item *it = roster_ensure(&a->roster, j.str);
        it->subscription = item->subscription;
        it->ask = item->ask;
        it->granted_serial = account_serial_of(m, j.str);
        account_touch(m, a->name);
        roster_item_set_meta(&a->roster, it, item->name, item->groups, item->ngroups);
    }
    jid_free(&j);
    return ok;
}

/* ---- connections ---- */

unsigned model_connect(struct model *m)
{
    heap_grow(&m->heap, (void **)&m->conns, &m->capconns, m->nconns, sizeof *m->conns);
    struct conn *c = &m->conns[m->nconns];
    memset(c, 0, sizeof *c);
    c->out.heap = &m->heap;
    unsigned id = (unsigned)++m->nconns;
    c->session = session_new(m, id);
    m->nsessions++;
    return id;
}

void model_input(struct model *m, unsigned conn, const char *bytes, size_t len)
{
    struct session *s = conn_session(m, conn);
    if (s != NULL && !m->conns[conn - 1].closed)   /* not a hibernating one (SM11) */
        session_input(s, bytes, len);
}

void model_hangup(struct model *m, unsigned conn)
{
    struct session *s = conn_session(m, conn);
    struct conn *c = conn_get(m, conn);
    if (s != NULL && !c->closed)
        session_hangup(s);
    if (c != NULL)
        c->closed = true;
}

const char *model_output(const struct model *m, unsigned conn, size_t *len)
{
    struct conn *c = conn_get(m, conn);
    *len = c ? c->out.len : 0;
    return c && c->out.data ? c->out.data : "";
}

void model_output_consume(struct model *m, unsigned conn, size_t n)
{
    struct conn *c = conn_get(m, conn);
    if (c == NULL)
        return;
    buf_consume(&c->out, n);
    if (c->out.len == 0)
        buf_free(&c->out);   /* an idle connection holds no buffer */
}

bool model_closed(const struct model *m, unsigned conn)
{
    struct conn *c = conn_get(m, conn);
    return c == NULL || c->closed;
}

void model_advance(struct model *m, unsigned long long ms)
{
    m->now_ms += ms;
    /* S12: unauthenticated sessions time out after c2s_timeout */
    for (size_t i = 0; i < m->nconns; i++) {
        struct session *s = m->conns[i].session;
        if (s != NULL && !s->authenticated && m->now_ms - s->connected_ms >= MODEL_C2S_TIMEOUT_MS)
            session_close(s, "connection-timeout", NULL, NULL, NULL);
    }
    smacks_advance(m);   /* SM12 */
}

unsigned long long model_now(const struct model *m)
{
    return m->now_ms;
}

void model_restart(struct model *m)
{
    smacks_restart(m);   /* SM19 */
    model_drop_sessions(m);
}

/* ---- queries ---- */

bool model_session_info(const struct model *m, unsigned conn, struct model_session_info *out)
{
    struct conn *c = conn_get(m, conn);
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
    return m->nsessions;
}

const char *model_account_at(const struct model *m, size_t i)
{
    /* a query, but the sorted order is a cache behind the const */
    struct account *a = account_sorted_at((struct model *)m, i);
    return a ? a->name : NULL;
}

bool model_account_exists(const struct model *m, const char *username)
{
    return account_find(m, username) != NULL;
}

const char *model_tombstone_at(const struct model *m, size_t i)
{
    size_t k = 0;   /* only active ones (T2) */
    for (size_t t = 0; t < m->ntombstones; t++)
        if (account_tombstone_live(m, m->tombstones[t].name) && k++ == i)
            return m->tombstones[t].name;
    return NULL;
}

size_t model_offline_count(const struct model *m, const char *username)
{
    const struct account *a = account_find(m, username);
    return a ? a->noffline : 0;
}

bool model_roster_item(const struct model *m, const char *username, const char *contact,
                       struct model_roster_item *out)
{
    const struct account *a = account_find(m, username);
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
