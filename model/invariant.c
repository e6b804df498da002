/* invariant: checks SEMANTICS I1-I6 and I9 over the whole state (see
 * invariant.h). Rules about histories (I7, I8, I10, I11, I13, I15) need
 * the traffic and are checked by the runner and the explorer's oracles. */
#include "invariant.h"

#include <string.h>

#include "account.h"
#include "internal.h"
#include "jid.h"

struct report {
    struct invariant_violation *out;
    size_t max, count;
};

static void violation(struct report *r, const char *rule, const char *what,
                      const struct session *s, const char *detail)
{
    if (r->count < r->max) {
        struct invariant_violation *v = &r->out[r->count];
        v->rule = rule;
        struct buf b = {0};
        buf_puts(&b, what);
        if (detail != NULL) {
            buf_puts(&b, ": ");
            buf_puts(&b, detail);
        }
        size_t n = b.len < INVARIANT_MESSAGE_MAX - 1 ? b.len : INVARIANT_MESSAGE_MAX - 1;
        memcpy(v->message, buf_cstr(&b), n);
        v->message[n] = '\0';
        buf_free(&b);
        v->nconns = 0;
        if (s != NULL)
            v->conns[v->nconns++] = s->conn;
    }
    r->count++;
}

/* I1, I2, I4, I6 for one session. */
static void check_session(const struct model *m, const struct session *s, struct report *r)
{
    const char *who = s->full_jid ? s->full_jid : s->username;
    if (!s->authenticated && (s->username || s->resource || s->roster || s->presence ||
                              s->interested || s->directed.n))
        violation(r, "I1", "unauthenticated session holds account state", s, who);
    if (s->authenticated && s->username == NULL)
        violation(r, "I1", "authenticated session without a username", s, NULL);
    bool bound = s->full_jid != NULL;
    if (bound != (s->resource != NULL) || bound != (s->roster != NULL))
        violation(r, "I1", "full_jid, resource and roster must be set together", s, who);
    if (s->host == NULL && (s->authenticated || bound))
        violation(r, "I1", "session past the stream header without a host", s, who);
    if (s->presence && !bound)
        violation(r, "I4", "available resource is not a connected resource", s, who);
    if (s->interested && !bound)
        violation(r, "I4", "interested resource is not a connected resource", s, who);
    if (s->priority < -128 || s->priority > 127)
        violation(r, "I6", "priority outside -128..127", s, who);
    if (!s->presence && s->priority != 0)
        violation(r, "I6", "priority kept by an unavailable resource", s, who);
    if (bound) {
        struct buf want = {0};
        buf_puts(&want, s->username);
        buf_putc(&want, '@');
        buf_puts(&want, s->host);
        buf_putc(&want, '/');
        buf_puts(&want, s->resource);
        if (strcmp(buf_cstr(&want), s->full_jid) != 0)
            violation(r, "I2", "full_jid is not username@host/resource", s, s->full_jid);
        buf_free(&want);
        if (strcmp(s->host, m->domain) != 0)
            violation(r, "I2", "bound to a host the server does not serve", s, s->full_jid);
        if (model_resource_find(m, s->username, s->resource) != s)
            violation(r, "I3", "connected resource missing from the resource table", s,
                      s->full_jid);
    }
    if (s->destroyed)
        violation(r, "I5", "destroyed session still attached to its connection", s, who);
    if (s->authenticated && s->username != NULL) {
        const struct account *a = account_find(m, s->username);
        if (a == NULL)
            violation(r, "G7", "session of an account that does not exist", s, who);
        else if (bound && s->roster != &a->roster)
            violation(r, "G7", "session holds the roster of another account", s, who);
    }
}

/* I3: table entries point back to live connected sessions; users are
 * non-empty; full JIDs unique (the table is sorted, so adjacent). */
static void check_table(const struct model *m, struct report *r)
{
    size_t pos = 0;
    const struct user *u;
    while ((u = map_next(&m->users, &pos)) != NULL) {
        if (u->nres == 0)
            violation(r, "I3", "user entry without connected resources", NULL, u->name);
        for (size_t k = 0; k < u->nres; k++) {
            const struct session *s = u->res[k];
            struct session *live = model_session(m, s->conn);
            if (live != s || s->full_jid == NULL || strcmp(s->username, u->name) != 0)
                violation(r, "I3", "resource table entry is not a live connected session of "
                                   "that user", live == s ? s : NULL, u->name);
            else if (k > 0 && strcmp(u->res[k - 1]->resource, s->resource) >= 0)
                violation(r, "I3", "two sessions for one full JID", s, s->full_jid);
        }
    }
}

/* I9 (roster shape) and I13 (stores only for existing accounts, by
 * construction) and I14 (no account under an active tombstone). */
static void check_accounts(const struct model *m, struct report *r)
{
    size_t pos = 0;
    const struct account *a;
    while ((a = map_next(&m->accounts, &pos)) != NULL) {
        for (size_t k = 0; k < a->roster.nitems; k++) {
            const struct roster_item *it = &a->roster.items[k];
            size_t nl = strlen(a->name);
            if (strncmp(it->jid, a->name, nl) == 0 && it->jid[nl] == '@' &&
                strcmp(it->jid + nl + 1, m->domain) == 0)
                violation(r, "I9", "roster item for the owner's own bare JID", NULL, a->name);
            if (strchr(it->jid, '/') != NULL)
                violation(r, "I9", "roster item key is not a bare JID", NULL, it->jid);
            bool grants = it->subscription == MODEL_SUB_FROM || it->subscription == MODEL_SUB_BOTH;
            unsigned long long now = account_serial_of(m, it->jid);
            if (grants && it->granted_serial != 0 && now != 0 && now != it->granted_serial) {
                struct buf who = {0};
                buf_puts(&who, a->name);
                buf_puts(&who, "'s roster grants ");
                buf_puts(&who, it->jid);
                violation(r, "G8", "a subscription granted to a deleted account passes to the "
                                   "account re-created under its name", NULL, buf_cstr(&who));
                buf_free(&who);
            }
            if (it->ask && it->subscription != MODEL_SUB_NONE &&
                it->subscription != MODEL_SUB_FROM)
                violation(r, "I9", "ask with subscription to/both", NULL, it->jid);
        }
        for (size_t t = 0; m->cfg.tombstones && t < m->ntombstones; t++) {
            unsigned long long exp = m->cfg.tombstone_expiry_ms;
            bool active = exp == 0 || m->now_ms - m->tombstones[t].deleted_ms <= exp;
            if (active && strcmp(m->tombstones[t].name, a->name) == 0)
                violation(r, "I14", "account exists under an active tombstone", NULL, a->name);
        }
    }
}

/* x's directed set holds r's full or bare JID. */
static bool directed_to(const struct session *x, const struct session *r)
{
    if (strset_contains(&x->directed, r->full_jid))
        return true;
    struct buf bare = {0};
    buf_append(&bare, r->full_jid, (size_t)(strchr(r->full_jid, '/') - r->full_jid));
    bool hit = strset_contains(&x->directed, buf_cstr(&bare));
    buf_free(&bare);
    return hit;
}

/* I7: r still believes x available only while x is an available
 * connected resource, or x's directed presence reached r and x has not
 * withdrawn it. */
static void check_view(const struct model *m, const struct session *r, struct report *rep)
{
    for (size_t i = 0; i < r->seen.n; i++) {
        const char *full = r->seen.items[i];
        struct jid j;
        if (jid_parse(&j, full, strlen(full)) != JID_E_OK)
            continue;
        char local[JID_PART_MAX + 1];
        memcpy(local, jid_local(&j), j.local_len);
        local[j.local_len] = '\0';
        const struct session *x = model_resource_find(m, local, jid_resource(&j));
        jid_free(&j);
        if (x == NULL)
            violation(rep, "I7", "a session still sees a resource that is gone", r, full);
        else if (x->presence == NULL && !directed_to(x, r))
            violation(rep, "I7", "a session still sees an unavailable resource as available", r,
                      full);
    }
}

size_t invariant_check(const struct model *m, struct invariant_violation *out, size_t max)
{
    struct report r = {out, max, 0};
    size_t live = 0;
    for (size_t i = 0; i < m->nconns; i++) {
        const struct session *s = m->conns[i].session;
        if (s == NULL)
            continue;
        live++;
        if (m->conns[i].closed)
            violation(&r, "I5", "live session on a closed connection", s, s->full_jid);
        check_session(m, s, &r);
        if (s->full_jid != NULL)
            check_view(m, s, &r);
    }
    if (live != m->nsessions)
        violation(&r, "I1", "session count out of step with the connections", NULL, NULL);
    check_table(m, &r);
    check_accounts(m, &r);
    return r.count;
}
