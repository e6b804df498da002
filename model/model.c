/* model: the byte-level server facade, tables and queries (see model.h and
 * internal.h). */
#include "model.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "internal.h"
#include "invariant.h"
#include "jid.h"
#include "presence.h"
#include "session.h"
#include "smacks.h"
#include "xmpp.h"

static const char *user_name_of(const void *p)
{
    return ((const struct user *)p)->name;
}

void *model_xalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    assert(p != NULL);
    return p;
}

char *model_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = model_xalloc(n);
    memcpy(p, s, n);
    return p;
}

size_t model_search(const void *base, size_t n, size_t size, const char *name,
                    const char *(*get)(const void *), bool *found)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(get((const char *)base + mid * size), name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

void model_grow(void **base, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return;
    *cap = *cap ? *cap * 2 : 8;
    void *p = realloc(*base, *cap * size);
    assert(p != NULL);
    *base = p;
}

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
    struct model *m = model_xalloc(sizeof *m);
    memset(m, 0, sizeof *m);
    m->cfg = *c;
    m->domain = model_xstrdup(c->domain ? c->domain : "localhost");
    m->cfg.domain = m->domain;
    prng_seed(&m->prng, seed);
    m->hash_salt = (unsigned long)prng_next(&m->prng);
    account_table_init(m, prng_next(&m->prng));
    map_init(&m->users, prng_next(&m->prng), user_name_of);
    m->now_ms = c->start_time_ms;
    m->bare_presence = stanza_new();
    stanza_element_add(m->bare_presence, NULL, STANZA_NS_CLIENT, "presence");
    return m;
}

static void drop_all_sessions(struct model *m)
{
    for (size_t i = 0; i < m->nconns; i++) {
        struct conn *c = &m->conns[i];
        if (c->session != NULL)
            session_free(c->session);
        c->session = NULL;
        c->closed = true;
    }
    m->nsessions = 0;
    size_t pos = 0;
    struct user *u;
    while ((u = map_next(&m->users, &pos)) != NULL) {
        free(u->name);
        free(u->res);
        free(u);
    }
    map_clear(&m->users);
}

void model_free(struct model *m)
{
    if (m == NULL)
        return;
    drop_all_sessions(m);
    for (size_t i = 0; i < m->nconns; i++)
        buf_free(&m->conns[i].out);
    free(m->conns);
    free(m->touched);
    strset_clear(&m->touched_accounts);
    account_free_all(m);
    smacks_state_free(&m->sm);
    stanza_free(m->bare_presence);
    free(m->domain);
    free(m);
}

bool model_account_create(struct model *m, const char *username, const char *password)
{
    size_t len = strlen(username);
    char *norm = model_xalloc(len + 1);
    bool ok = jid_local_prep(username, len, norm) == JID_E_OK &&
              !(m->cfg.tombstones && account_tombstone_active(m, norm)) &&   /* I14 */
              account_create(m, norm, password) != NULL;
    free(norm);
    return ok;
}

bool model_roster_preset(struct model *m, const char *username,
                         const struct model_roster_item *item)
{
    struct account *a = account_find(m, username);
    struct jid j;
    if (a == NULL || jid_parse(&j, item->jid, strlen(item->jid)) != JID_E_OK)
        return false;
    bool ok = jid_is_bare(&j);
    if (ok) {
        struct roster_item *it = roster_ensure(&a->roster, j.str);
        it->subscription = item->subscription;
        it->ask = item->ask;
        it->granted_serial = account_serial_of(m, j.str);
        model_touch_account(m, a->name);
        roster_item_set_meta(it, item->name, item->groups, item->ngroups);
    }
    jid_free(&j);
    return ok;
}

/* ---- connections ---- */

unsigned model_connect(struct model *m)
{
    model_grow((void **)&m->conns, &m->capconns, m->nconns, sizeof *m->conns);
    struct conn *c = &m->conns[m->nconns++];
    memset(c, 0, sizeof *c);
    unsigned id = (unsigned)m->nconns;
    c->session = session_new(m, id);
    m->nsessions++;
    return id;
}

static struct conn *conn_get(const struct model *m, unsigned conn)
{
    return conn >= 1 && conn <= m->nconns ? &m->conns[conn - 1] : NULL;
}

struct session *model_session(const struct model *m, unsigned conn)
{
    struct conn *c = conn_get(m, conn);
    return c ? c->session : NULL;
}

void model_input(struct model *m, unsigned conn, const char *bytes, size_t len)
{
    struct session *s = model_session(m, conn);
    if (s != NULL && !m->conns[conn - 1].closed)   /* not a hibernating one (SM11) */
        session_input(s, bytes, len);
}

void model_hangup(struct model *m, unsigned conn)
{
    struct session *s = model_session(m, conn);
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

void model_write(struct model *m, unsigned conn, const char *bytes, size_t len)
{
    struct conn *c = conn_get(m, conn);
    assert(c != NULL && !c->closed);
    buf_append(&c->out, bytes, len);
}

/* <iq type='set'><query xmlns='jabber:iq:roster'/></iq> sent by the server. */
static bool is_roster_push(const struct stanza_node *el)
{
    return strcmp(el->name, "iq") == 0 && strcmp(el->ns, STANZA_NS_CLIENT) == 0 &&
           xmpp_type_is(stanza_attr(el, "", "type"), "set") &&
           stanza_child(el, "jabber:iq:roster", "query") != NULL;
}

void model_touch(struct model *m, const struct session *s)
{
    struct conn *c = conn_get(m, s->conn);
    if (c->touched)
        return;
    model_grow((void **)&m->touched, &m->captouched, m->ntouched, sizeof *m->touched);
    m->touched[m->ntouched++] = s->conn;
    c->touched = true;
}

void model_touch_account(struct model *m, const char *name)
{
    strset_add(&m->touched_accounts, name);
}

void model_send(struct model *m, struct session *s, const struct stanza_node *el)
{
    if (s->destroyed)
        return;
    model_touch(m, s);
    bool write = s->sm == NULL || smacks_outbound(s, el);   /* SM5, SM11 */
    if (write) {
        struct conn *c = conn_get(m, s->conn);
        stanza_serialize(el, STANZA_NS_CLIENT, true, &c->out);
    }
    presence_view_note(s, el);
    if (!s->interested && is_roster_push(el))
        s->pushed_uninterested = true;   /* checked by R7 in invariant.c */
    if (write && s->sm != NULL)
        smacks_request(s);   /* SM9 */
}

void model_random_id(struct model *m, char *out, size_t len)
{
    static const char alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    for (size_t i = 0; i + 1 < len; i++)
        out[i] = alphabet[prng_below(&m->prng, sizeof alphabet - 1)];
    out[len - 1] = '\0';
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
    drop_all_sessions(m);
}

/* ---- the host/user/resource table (I3) ---- */

static const char *session_resource_of(const void *p)
{
    return (*(struct session *const *)p)->resource;
}

struct user *model_user_find(const struct model *m, const char *name)
{
    return map_get(&m->users, name);
}

struct session *model_resource_find(const struct model *m, const char *user,
                                    const char *resource)
{
    struct user *u = model_user_find(m, user);
    if (u == NULL)
        return NULL;
    bool found;
    size_t i = model_search(u->res, u->nres, sizeof *u->res, resource, session_resource_of,
                            &found);
    return found ? u->res[i] : NULL;
}

bool model_domain_is_local(const struct model *m, const struct jid *j)
{
    return j->domain_len == strlen(m->domain) &&
           memcmp(jid_domain(j), m->domain, j->domain_len) == 0;
}

struct session *model_resource_of(const struct model *m, const struct jid *j)
{
    if (j->local_len == 0 || j->resource_len == 0)
        return NULL;
    char local[JID_PART_MAX + 1];
    jid_local_copy(j, local, sizeof local);
    return model_resource_find(m, local, jid_resource(j));
}

void model_user_add(struct model *m, struct session *s)
{
    struct user *u = model_user_find(m, s->username);
    if (u == NULL) {
        u = model_xalloc(sizeof *u);
        memset(u, 0, sizeof *u);
        u->name = model_xstrdup(s->username);
        map_put(&m->users, u);
    }
    bool found;
    size_t k = model_search(u->res, u->nres, sizeof *u->res, s->resource, session_resource_of,
                            &found);
    assert(!found);
    if (u->nres == u->capres) {   /* most users have one or two resources */
        u->capres = u->capres ? 2 * u->capres : 1;
        struct session **res = realloc(u->res, u->capres * sizeof *res);
        assert(res != NULL);
        u->res = res;
    }
    memmove(&u->res[k + 1], &u->res[k], (u->nres - k) * sizeof *u->res);
    u->res[k] = s;
    u->nres++;
}

void model_user_remove(struct model *m, struct session *s)
{
    struct user *u = model_user_find(m, s->username);
    if (u == NULL)
        return;
    bool found;
    size_t k = model_search(u->res, u->nres, sizeof *u->res, s->resource, session_resource_of,
                            &found);
    if (!found || u->res[k] != s)
        return;
    memmove(&u->res[k], &u->res[k + 1], (u->nres - k - 1) * sizeof *u->res);
    if (--u->nres > 0)
        return;
    map_remove(&m->users, u->name);
    free(u->name);
    free(u->res);
    free(u);
}

void model_session_destroy(struct model *m, struct session *s, const char *reason)
{
    if (s->destroyed)
        return;
    model_touch(m, s);
    s->destroyed = true;
    struct conn *c = conn_get(m, s->conn);
    c->session = NULL;
    c->closed = true;
    m->nsessions--;
    smacks_end(s);   /* SM13: while still in the table */
    if (s->full_jid != NULL) {
        model_user_remove(m, s);
        presence_on_destroy(s, reason);
    }
    if (s->parser != NULL)   /* a hibernating session has none */
        xmlstream_stop(s->parser);
    if (!s->busy)
        session_free(s);
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
