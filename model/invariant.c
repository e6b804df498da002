/* invariant: checks SEMANTICS I1-I6 and I9 over the whole state (see
 * invariant.h), and I16-I19 through smacks.h. Rules about histories (I7, I8, I10, I11, I13, I15) need
 * the traffic and are checked by the runner and the explorer's oracles. */
#include "invariant.h"

#include <string.h>

#include "account.h"
#include "conn.h"
#include "internal.h"
#include "jid.h"
#include "presence.h"
#include "users.h"

struct report {
    struct invariant_violation *out;
    size_t max, count;
    struct heap *heap;   /* the model's: temporaries too come from it */
};

static void violation(struct report *r, const char *rule, const char *what,
                      const struct session *s, const char *detail)
{
    if (r->count < r->max) {
        struct invariant_violation *v = &r->out[r->count];
        v->rule = rule;
        struct buf b = {.heap = r->heap};
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

/* Whether full is user@host/resource, byte for byte. */
static bool is_full_jid(const char *full, const char *user, const char *host,
                        const char *resource)
{
    const char *const parts[] = {user, "@", host, "/", resource};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t n = strlen(parts[i]);
        if (strncmp(full, parts[i], n) != 0)
            return false;
        full += n;
    }
    return *full == '\0';
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
        if (!is_full_jid(s->full_jid, s->username, s->host, s->resource))
            violation(r, "I2", "full_jid is not username@host/resource", s, s->full_jid);
        if (strcmp(s->host, m->domain) != 0)
            violation(r, "I2", "bound to a host the server does not serve", s, s->full_jid);
        if (users_resource(m, s->username, s->resource) != s)
            violation(r, "I3", "connected resource missing from the resource table", s,
                      s->full_jid);
    }
    if (s->destroyed)
        violation(r, "I5", "destroyed session still attached to its connection", s, who);
    if (s->presence != NULL && s->said != SESSION_SAID_AVAILABLE)
        violation(r, "P7", "available although its last broadcast presence was not available",
                  s, who);
    if (s->presence == NULL && s->said == SESSION_SAID_AVAILABLE)
        violation(r, "P6", "unavailable although its last broadcast presence was available", s,
                  who);
    if (s->pushed_uninterested)
        violation(r, "R7", "a roster push reached a resource that never asked for the roster",
                  s, who);
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

/* I7: r still believes x available only while x is an available
 * connected resource, or x's directed presence reached r and x has not
 * withdrawn it. */
static void check_view(const struct model *m, const struct session *r, struct report *rep)
{
    for (size_t i = 0; i < r->seen.n; i++) {
        const char *full = r->seen.items[i];
        struct jid j;
        if (jid_parse(&j, rep->heap, full, strlen(full)) != JID_E_OK)
            continue;
        const struct session *x = users_resource_of(m, &j);
        jid_free(&j);
        if (x == NULL)
            violation(rep, "I7", "a session still sees a resource that is gone", r, full);
        else if (x->presence == NULL && !presence_directed_to(x, r))
            violation(rep, "I7", "a session still sees an unavailable resource as available", r,
                      full);
    }
}

/* I3 for one user entry: it points back to live connected sessions of
 * that user, is non-empty, and full JIDs are unique (sorted, so adjacent). */
static void check_user(const struct model *m, const struct user *u, struct report *r)
{
    if (u->nres == 0)
        violation(r, "I3", "user entry without connected resources", NULL, u->name);
    for (size_t k = 0; k < u->nres; k++) {
        const struct session *s = u->res[k];
        struct session *live = conn_session(m, s->conn);
        if (live != s || s->full_jid == NULL || strcmp(s->username, u->name) != 0)
            violation(r, "I3", "resource table entry is not a live connected session of "
                               "that user", live == s ? s : NULL, u->name);
        else if (k > 0 && strcmp(u->res[k - 1]->resource, s->resource) >= 0)
            violation(r, "I3", "two sessions for one full JID", s, s->full_jid);
    }
}

static void check_item(const struct model *m, const struct account *a,
                       const struct roster_item *it, struct report *r)
{
    size_t nl = strlen(a->name);
    if (strncmp(it->jid, a->name, nl) == 0 && it->jid[nl] == '@' &&
        strcmp(it->jid + nl + 1, m->domain) == 0)
        violation(r, "I9", "roster item for the owner's own bare JID", NULL, a->name);
    if (strchr(it->jid, '/') != NULL)
        violation(r, "I9", "roster item key is not a bare JID", NULL, it->jid);
    if (it->ask && it->subscription != MODEL_SUB_NONE && it->subscription != MODEL_SUB_FROM)
        violation(r, "I9", "ask with subscription to/both", NULL, it->jid);
    /* EJ34: ejabberd revokes no one-sided grant at a removal, so under its
     * profile a re-created account inherits one, as in ejabberd. The
     * account is looked up only for a grant that names one. */
    if (!roster_grants_from(it->subscription) || it->granted_serial == 0 || PROFILE_EJABBERD(m))
        return;
    unsigned long long now = account_serial_of(m, it->jid);
    if (now != 0 && now != it->granted_serial) {
        struct buf who = {.heap = r->heap};
        buf_puts(&who, a->name);
        buf_puts(&who, "'s roster grants ");
        buf_puts(&who, it->jid);
        violation(r, "G8", "a subscription granted to a deleted account passes to the "
                           "account re-created under its name", NULL, buf_cstr(&who));
        buf_free(&who);
    }
}

/* I9 and G8 for every item, I12 for pending requests, I14 for the name. */
static void check_account(const struct model *m, const struct account *a, struct report *r)
{
    for (size_t k = 0; k < a->roster.nitems; k++)
        check_item(m, a, &a->roster.items[k], r);
    for (size_t k = 0; k < a->npending_in; k++) {   /* I12 */
        const struct roster_item *it = roster_find(&a->roster, a->pending_in[k].key);
        if (it != NULL && roster_grants_from(it->subscription))
            violation(r, "I12", "a pending-in request beside a from/both subscription", NULL,
                      a->pending_in[k].key);
    }
    if (m->cfg.tombstones && account_tombstone_live(m, a->name))
        violation(r, "I14", "account exists under an active tombstone", NULL, a->name);
}

/* Everything about one live session: I1-I6, I7, G7, I17-I19 (a
 * hibernating session is the one kind attached to a closed connection). */
static void check_live(const struct model *m, const struct session *s, struct report *r)
{
    if (m->conns[s->conn - 1].closed && !smacks_hibernating(s))
        violation(r, "I5", "live session on a closed connection", s, s->full_jid);
    const char *what;
    const char *rule = smacks_check_session(m, s, &what);
    if (rule != NULL)
        violation(r, rule, what, s, s->full_jid);
    check_session(m, s, r);
    if (s->full_jid != NULL)
        check_view(m, s, r);
}

/* Session count (I1) and the I16 ledger. */
static void check_count(const struct model *m, size_t live, struct report *r)
{
    if (live != m->nsessions)
        violation(r, "I1", "session count out of step with the connections", NULL, NULL);
    const char *lost = smacks_check_ledger(m);
    if (lost != NULL)
        violation(r, "I16", lost, NULL, NULL);
}

/* A check's arguments, run under heap_run like a facade call. */
struct invariant_call {
    struct model *m;
    struct report r;
};

/* Runs body; 0 violations from a failed model (model.h: empty answers),
 * which a failed temporary allocation also makes. */
static size_t invariant_run(struct model *m, struct invariant_violation *out, size_t max,
                            void (*body)(void *call))
{
    struct invariant_call c = {m, {out, max, 0, &m->heap}};
    return heap_run(&m->heap, body, &c) ? c.r.count : 0;
}

static void invariant_check_body(void *call)
{
    const struct model *m = ((struct invariant_call *)call)->m;
    struct report *rep = &((struct invariant_call *)call)->r;
    size_t live = 0;
    unsigned long long queued = 0;
    /* a session below conns_retired would be missing from live: I1 */
    for (size_t i = m->conns_retired; i < m->nconns; i++) {
        const struct session *s = m->conns[i].session;
        if (s != NULL) {
            live++;
            queued += smacks_queued(s);
            check_live(m, s, rep);
        }
    }
    check_count(m, live, rep);
    const char *held = smacks_check_queues(m, queued);
    if (held != NULL)
        violation(rep, "I16", held, NULL, NULL);
    size_t pos = 0;
    const struct user *u;
    while ((u = map_next(&m->users, &pos)) != NULL)
        check_user(m, u, rep);
    pos = 0;
    const struct account *a;
    while ((a = map_next(&m->accounts, &pos)) != NULL)
        check_account(m, a, rep);
}

size_t invariant_check(const struct model *m, struct invariant_violation *out, size_t max)
{
    /* a reader, but its temporaries come from the model's heap */
    return invariant_run((struct model *)m, out, max, invariant_check_body);
}

static void invariant_check_touched_body(void *call)
{
    struct model *m = ((struct invariant_call *)call)->m;
    struct report *rep = &((struct invariant_call *)call)->r;
    for (size_t i = 0; i < m->ntouched; i++) {
        struct conn *c = &m->conns[m->touched[i] - 1];
        c->touched = false;
        const struct session *s = c->session;
        if (s == NULL)
            continue;
        check_live(m, s, rep);
        const struct user *u = s->username ? users_find(m, s->username) : NULL;
        if (u != NULL)
            check_user(m, u, rep);
    }
    m->ntouched = 0;
    check_count(m, m->nsessions, rep);
    for (size_t i = 0; i < m->touched_accounts.n; i++) {
        const struct account *a = account_find(m, m->touched_accounts.items[i]);
        if (a != NULL)
            check_account(m, a, rep);
    }
    strset_clear(&m->touched_accounts);
}

size_t invariant_check_touched(struct model *m, struct invariant_violation *out, size_t max)
{
    return invariant_run(m, out, max, invariant_check_touched_body);
}
