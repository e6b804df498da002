/* presence: broadcast, directed and inbound presence (see presence.h).
 *
 * Protocol coupling, the routing circle (route <-> presence <-> contacts):
 * route hands presence to presence.c and roster iqs to contacts.c;
 * broadcast and initial presence follow the roster's subscriptions (P4,
 * P5), subscription presence (R9-R21) changes rosters and travels as
 * presence, and both deliver through route (route_deliver, route_error,
 * the offline flush of O3).
 */
#include "presence.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "codec.h"
#include "conn.h"
#include "contacts.h"
#include "internal.h"
#include "jid.h"
#include "route.h"
#include "session.h"
#include "users.h"
#include "xmpp.h"

#define BARE_MAX 2100

struct stanza *presence_stored(const struct session *x)
{
    struct stanza *st = stanza_clone_extra(&x->m->heap, stanza_root(x->presence),
                                           XMPP_DELAY_BYTES + strlen(x->full_jid) + 64);
    stanza_attr_set(st, stanza_root(st), "from", x->full_jid);
    xmpp_add_delay(st, stanza_root(st), PROFILE_EJABBERD(x->m) ? x->full_jid : x->m->domain,
                   x->presence_ms);   /* EJ1: stamped by the resource */
    if (PROFILE_EJABBERD(x->m))
        codec_encode_order(stanza_root(st));   /* EJ18: the delay before the known children */
    return st;
}

/* P2: <priority> as an optional sign and digits, clamped; else 0. */
static int parse_priority(const struct stanza_node *el)
{
    const struct stanza_node *p = stanza_child(el, STANZA_NS_CLIENT, "priority");
    if (p == NULL || p->children == NULL || p->children->kind != STANZA_TEXT)
        return 0;
    const char *t = p->children->text;
    bool neg = *t == '-';
    if (*t == '-' || *t == '+')
        t++;
    if (*t == '\0')
        return 0;
    long v = 0;
    for (; *t; t++) {
        if (*t < '0' || *t > '9')
            return 0;
        if (v < 1000)
            v = v * 10 + (*t - '0');
    }
    v = neg ? -v : v;
    return v < -128 ? -128 : v > 127 ? 127 : (int)v;
}

/* P10-P12 at a local bare or full address. */
static void deliver_local(struct model *m, const struct stanza_node *el, const struct jid *to,
                          const char *to_attr)
{
    char local[JID_PART_MAX + 1];
    jid_local_copy(to, local, sizeof local);
    if (to->resource_len) {   /* P11 */
        struct session *t = users_resource(m, local, jid_resource(to));
        if (t != NULL)
            route_deliver(t, el, to_attr);
        return;
    }
    struct user *u = users_find(m, local);   /* P10; EJ1: each copy to its full JID */
    for (size_t i = 0; u && i < u->nres; i++)
        if (u->res[i]->presence)
            route_deliver(u->res[i], el, PROFILE_EJABBERD(m) ? u->res[i]->full_jid : to_attr);
}

/* P12: a probe from `from` to local account `local`, answered when the
 * account's roster has `from`'s bare JID with from/both. */
static void answer_probe(struct model *m, const char *local, const char *from)
{
    struct account *a = account_find(m, local);
    struct jid f;
    if (a == NULL || from == NULL || jid_parse(&f, &m->heap, from, strlen(from)) != JID_E_OK)
        return;
    char bare[BARE_MAX];
    jid_bare_copy(&f, bare, sizeof bare);
    const struct roster_item *it = roster_find(&a->roster, bare);
    if (it == NULL || !roster_grants_from(it->subscription)) {
        if (!PROFILE_EJABBERD(m))   /* EJ5: ejabberd answers nothing */
            contacts_probe_refused(m, a, bare);   /* P13 */
    } else {
        struct user *u = users_find(m, local);
        size_t sent = 0;
        for (size_t i = 0; u && i < u->nres; i++) {
            if (u->res[i]->presence == NULL)
                continue;
            struct stanza *stored = presence_stored(u->res[i]);
            presence_inbound(m, stanza_root(stored), from, NULL);
            stanza_free(stored);
            sent++;
        }
        if (sent == 0 && !PROFILE_EJABBERD(m)) {   /* EJ5: nobody available, no answer */
            struct buf b = {.heap = &m->heap};
            buf_puts(&b, local);
            buf_putc(&b, '@');
            buf_puts(&b, m->domain);
            struct stanza *un = xmpp_presence(&m->heap, "unavailable", buf_cstr(&b), from);
            presence_inbound(m, stanza_root(un), from, NULL);
            stanza_free(un);
            buf_free(&b);
        }
    }
    jid_free(&f);
}

/* P14: a probe to the host is answered with the host's available presence
 * to the sender's bare JID; other presences to the host are dropped. */
static void host_presence(struct model *m, const struct stanza_node *el, const char *type)
{
    const char *from = stanza_attr(el, "", "from");
    struct jid f;
    if (!xmpp_type_is(type, "probe") || from == NULL || PROFILE_EJABBERD(m) ||   /* EJ41 */
        jid_parse(&f, &m->heap, from, strlen(from)) != JID_E_OK)
        return;
    char bare[BARE_MAX];
    jid_bare_copy(&f, bare, sizeof bare);
    jid_free(&f);
    struct stanza *p = xmpp_presence(&m->heap, NULL, m->domain, bare);
    presence_inbound(m, stanza_root(p), bare, NULL);
    stanza_free(p);
}

/* T4: the bare JID of a deleted account under an active tombstone. */
static bool tombstoned(struct model *m, const struct jid *j)
{
    char local[JID_PART_MAX + 1];
    if (!m->cfg.tombstones)
        return false;
    jid_local_copy(j, local, sizeof local);
    return account_find(m, local) == NULL && account_tombstone_active(m, local);
}

/* T4: answered to the sending session directly (not routed): the gone
 * error, then unsubscribed for a probe, unsubscribe otherwise. */
static void tombstone_reply(struct model *m, const struct stanza_node *el, const char *type,
                            struct session *sender)
{
    if (sender == NULL)
        return;
    struct stanza *err = route_error_stanza(m, el, "cancel", "gone", "User deleted");
    conn_send(m, sender, stanza_root(err));
    struct stanza *follow = xmpp_presence(&m->heap,
                                          xmpp_type_is(type, "probe") ? "unsubscribed"
                                                                      : "unsubscribe",
                                          stanza_attr(el, "", "to"), stanza_attr(el, "", "from"));
    conn_send(m, sender, stanza_root(follow));
    stanza_free(err);
    stanza_free(follow);
}

void presence_inbound(struct model *m, const struct stanza_node *el, const char *to,
                      struct session *sender)
{
    struct jid j;
    if (jid_parse(&j, &m->heap, to, strlen(to)) != JID_E_OK)
        return;
    const char *type = stanza_attr(el, "", "type");
    if (!jid_domain_is(&j, m->domain)) {   /* M11, also for broadcast copies without `to` */
        if (sender != NULL && !route_is_reply(el)) {
            struct stanza *err = route_error_stanza(m, el, "cancel", "not-allowed",
                                                  ROUTE_REMOTE_TEXT);
            stanza_attr_set(err, stanza_root(err), "from", to);
            conn_send(m, sender, stanza_root(err));
            stanza_free(err);
        }
    } else if (j.local_len == 0) {
        host_presence(m, el, type);
    } else if (j.resource_len == 0 && (type == NULL || xmpp_type_is(type, "unavailable") ||
                                       xmpp_type_is(type, "probe")) &&
               tombstoned(m, &j)) {
        tombstone_reply(m, el, type, sender);
    } else if (type == NULL || xmpp_type_is(type, "unavailable") || xmpp_type_is(type, "error")) {
        /* P10, P11; an error (with children: M3) travels the same way, as
         * in Prosody's presence/bare and presence/full handlers. */
        deliver_local(m, el, &j, to);
    } else if (xmpp_type_is(type, "probe")) {
        char local[JID_PART_MAX + 1];
        jid_local_copy(&j, local, sizeof local);
        answer_probe(m, local, stanza_attr(el, "", "from"));
    }
    jid_free(&j);
}

/* el to the account's other available resources (P4 step 2, EJ56). */
static void own_resources(struct session *x, const struct stanza_node *el)
{
    struct user *u = users_find(x->m, x->username);
    for (size_t i = 0; u && i < u->nres; i++)
        if (u->res[i] != x && u->res[i]->presence)
            route_deliver(u->res[i], el, u->res[i]->full_jid);
}

/* P4 step 2 and 3 (step 1, the reflection, is the caller's). */
static void broadcast(struct session *x, const struct stanza_node *el)
{
    struct model *m = x->m;
    own_resources(x, el);
    for (size_t i = 0; i < x->roster->nitems; i++) {
        const struct roster_item *it = &x->roster->items[i];
        if (roster_grants_from(it->subscription))
            presence_inbound(m, el, it->jid, x);
    }
}

/* P7's flush: el to each address of the directed set, then empty it. */
static void directed_flush(struct session *x, const struct stanza_node *el)
{
    struct strset set;
    strset_take(&x->directed, &set);
    for (size_t i = 0; i < set.n; i++) {
        struct stanza *c = stanza_clone(&x->m->heap, el);
        stanza_attr_set(c, stanza_root(c), "to", set.items[i]);
        presence_inbound(x->m, stanza_root(c), set.items[i], x);
        stanza_free(c);
    }
    strset_clear(&set);
}

/* P5 steps 4-8 for an initial presence of x. */
static void initial_presence(struct session *x)
{
    struct model *m = x->m;
    for (size_t i = 0; i < x->roster->nitems; i++) {   /* step 4 */
        const struct roster_item *it = &x->roster->items[i];
        if (!roster_grants_to(it->subscription))
            continue;
        struct stanza *probe = xmpp_presence(&m->heap, "probe", x->full_jid, it->jid);
        presence_inbound(m, stanza_root(probe), it->jid, x);
        stanza_free(probe);
    }
    struct user *u = users_find(m, x->username);   /* step 5 */
    for (size_t i = 0; u && i < u->nres; i++) {
        if (u->res[i] == x || u->res[i]->presence == NULL)
            continue;
        struct stanza *stored = presence_stored(u->res[i]);
        route_deliver(x, stanza_root(stored), x->full_jid);
        stanza_free(stored);
    }
    contacts_initial_presence(x);   /* steps 6 and 7 */
    if (x->priority >= 0 && !PROFILE_EJABBERD(m))   /* step 8 (O3, O4); EJ3: before */
        route_offline_flush(x);
}

/* P4-P7: a broadcast presence (no `to`, or own bare JID). */
static void broadcast_presence(struct session *x, struct stanza *st)
{
    struct model *m = x->m;
    struct stanza_node *el = stanza_root(st);
    const char *type = stanza_attr(el, "", "type");
    stanza_attr_set(st, el, "to", NULL);
    if (type != NULL && !xmpp_type_is(type, "unavailable")) {   /* P3; EJ36: dropped */
        if (!PROFILE_EJABBERD(m))
            route_error(x, el, "modify", "bad-request", "Invalid presence type");
        return;
    }
    if (PROFILE_EJABBERD(m) && type == NULL && parse_priority(el) >= 0) {
        if (x->presence == NULL)
            contacts_requests_resent(x);   /* EJ49: an initial presence, first of all */
        if (x->presence == NULL || x->priority < 0)
            route_offline_flush(x);   /* EJ3: as the priority becomes >= 0, first */
    }
    if (!PROFILE_EJABBERD(m))
        conn_send(m, x, el);   /* P4 step 1 */
    else if (type == NULL)
        route_deliver(x, el, x->full_jid);   /* EJ1; EJ2: no reflected unavailable */
    broadcast(x, el);
    if (type != NULL) {   /* P7 */
        session_presence_forget(x);
        x->priority = 0;
        strset_clear(&x->seen);
        directed_flush(x, el);
        return;
    }
    bool initial = x->presence == NULL;
    x->priority = parse_priority(el);
    session_presence_forget(x);   /* P6: kept without `from` and delay, added when sent */
    x->presence = stanza_clone(&m->heap, el);
    struct stanza_node *kept = stanza_root(x->presence);
    stanza_attr_set(x->presence, kept, "from", NULL);
    if (kept->attrs == NULL && kept->children == NULL) {   /* plain <presence/>: share one */
        stanza_free(x->presence);
        x->presence = m->bare_presence;
    }
    x->presence_ms = m->now_ms;
    if (initial)
        initial_presence(x);
}

/* A directed presence of type error takes the address out of the set
 * without telling it anything (P8): the sessions there keep what they saw,
 * but no unavailable is promised any more (I7), so their view of x ends. */
static void directed_withdrawn(struct session *x, const struct jid *to)
{
    char local[JID_PART_MAX + 1];
    jid_local_copy(to, local, sizeof local);   /* a domain JID: "", no user */
    struct user *u = users_find(x->m, local);
    for (size_t i = 0; u && i < u->nres; i++) {
        struct session *r = u->res[i];
        if (to->resource_len == 0 || strcmp(r->resource, jid_resource(to)) == 0)
            strset_remove(&r->seen, x->full_jid);
    }
}

/* P8: directed available adds the exact `to` unless it is a from/both
 * contact; unavailable or error removes it. */
static void directed_track(struct session *x, const char *to, const char *type,
                           const struct jid *j)
{
    char bare[BARE_MAX];
    size_t bl = jid_bare_copy(j, bare, sizeof bare);
    const struct roster_item *it = roster_find(x->roster, bare);
    if (it != NULL && roster_grants_from(it->subscription))
        return;
    if (PROFILE_EJABBERD(x->m) && session_owns(x, bare, bl))
        return;   /* EJ46: one's own resources are not tracked */
    if (PROFILE_EJABBERD(x->m) && xmpp_type_is(type, "error"))
        return;   /* EJ52: an error presence leaves the set as it is */
    if (type == NULL)
        strset_add(&x->directed, to);
    else if (strset_remove(&x->directed, to) && xmpp_type_is(type, "error"))
        directed_withdrawn(x, j);
}

/* R9 (to another JID, rewritten to bare JIDs) and P17 (to an own full
 * JID: processed as inbound from U to U). */
static void subscription_presence(struct session *x, const struct stanza_node *el,
                                  const char *type, const struct jid *to)
{
    char bare[BARE_MAX];
    size_t bl = jid_bare_copy(to, bare, sizeof bare);
    bool own = session_owns(x, bare, bl);
    if (!own) {   /* to the domain too: P14 approves a subscribe */
        contacts_outbound(x, type, el, bare);
        return;
    }
    struct stanza *c = stanza_clone(&x->m->heap, el);
    stanza_attr_set(c, stanza_root(c), "from", bare);
    stanza_attr_set(c, stanza_root(c), "to", bare);
    contacts_inbound(x->m, x->username, bare, type, stanza_root(c));
    stanza_free(c);
}

/* P9: a directed presence of an unknown type is refused between the two
 * bare JIDs. */
static void unknown_type(struct session *x, const struct stanza_node *el, const struct jid *to)
{
    char bare[BARE_MAX];
    jid_bare_copy(to, bare, sizeof bare);
    struct stanza *err = route_error_stanza(x->m, el, "modify", "bad-request",
                                          "Invalid presence type");
    struct stanza_node *r = stanza_root(err);
    stanza_attr_set(err, r, "from", bare);
    struct buf own = {.heap = &x->m->heap};
    buf_append(&own, x->full_jid, (size_t)(strchr(x->full_jid, '/') - x->full_jid));
    stanza_attr_set(err, r, "to", buf_cstr(&own));
    conn_send(x->m, x, r);
    buf_free(&own);
    stanza_free(err);
}

void presence_from_session(struct session *x, struct stanza *st)
{
    struct stanza_node *el = stanza_root(st);
    const char *to = stanza_attr(el, "", "to");
    const char *type = stanza_attr(el, "", "type");
    struct jid j = {0};
    if (to != NULL)
        jid_parse(&j, &x->m->heap, to, strlen(to));   /* validated by route */
    bool own_bare = to != NULL && j.resource_len == 0 &&   /* "D/" never starts a full JID */
                    session_owns(x, j.str, strlen(j.str));
    if (to == NULL || own_bare) {
        broadcast_presence(x, st);
    } else if (type == NULL || xmpp_type_is(type, "unavailable") || xmpp_type_is(type, "error")) {
        directed_track(x, to, type, &j);   /* P8, before delivery: I7 sees the set */
        presence_inbound(x->m, el, to, x);   /* a childless error only under EJ22 (M3 in route) */
    } else if (xmpp_type_is(type, "probe")) {
        presence_inbound(x->m, el, to, x);
    } else if (xmpp_type_is(type, "subscribe") || xmpp_type_is(type, "subscribed") ||
               xmpp_type_is(type, "unsubscribe") || xmpp_type_is(type, "unsubscribed")) {
        subscription_presence(x, el, type, &j);
    } else {
        unknown_type(x, el, &j);   /* P9 */
    }
    jid_free(&j);
}

void presence_on_destroy(struct session *x, const char *reason)
{
    bool own = PROFILE_EJABBERD(x->m) && x->presence == NULL;   /* EJ56 */
    if (x->presence == NULL && x->directed.n == 0 && !own)
        return;
    struct stanza *st = xmpp_presence(&x->m->heap, "unavailable", x->full_jid, NULL);
    if (reason != NULL && !PROFILE_EJABBERD(x->m)) {   /* EJ23: ejabberd gives no status */
        struct buf b = {.heap = &x->m->heap};
        buf_puts(&b, "Disconnected: ");
        buf_puts(&b, reason);
        xmpp_add_status(st, stanza_root(st), buf_cstr(&b));
        buf_free(&b);
    }
    if (x->presence != NULL)   /* P15: P4 steps 2-3, no reflection */
        broadcast(x, stanza_root(st));
    else if (own)   /* EJ56: to the own bare JID, whatever X's presence */
        own_resources(x, stanza_root(st));
    session_presence_forget(x);
    directed_flush(x, stanza_root(st));
    stanza_free(st);
}

bool presence_directed_to(const struct session *x, const struct session *r)
{
    size_t bare_len = (size_t)(strchr(r->full_jid, '/') - r->full_jid);
    for (size_t i = 0; i < x->directed.n; i++) {
        struct jid j;
        const char *d = x->directed.items[i];
        if (jid_parse(&j, &x->m->heap, d, strlen(d)) != JID_E_OK)
            continue;
        bool hit = strcmp(j.str, r->full_jid) == 0 ||
                   (j.resource_len == 0 && strlen(j.str) == bare_len &&
                    strncmp(j.str, r->full_jid, bare_len) == 0);
        jid_free(&j);
        if (hit)
            return true;
    }
    return false;
}

void presence_view_note(struct session *r, const struct stanza_node *el)
{
    if (strcmp(el->name, "presence") != 0 || strcmp(el->ns, STANZA_NS_CLIENT) != 0)
        return;
    const char *from = stanza_attr(el, "", "from");
    const char *type = stanza_attr(el, "", "type");
    if (r->full_jid == NULL || from == NULL || strchr(from, '/') == NULL ||
        strcmp(from, r->full_jid) == 0)
        return;   /* a resource's view of itself needs no tracking */
    if (xmpp_type_is(type, "unavailable")) {
        strset_remove(&r->seen, from);
        return;
    }
    if (type != NULL)
        return;
    /* I7 promises an unavailable to available viewers of an available
     * resource, and to the addresses of its directed set: only such views
     * are tracked (a directed presence to a from/both contact, or a probe
     * answer to an unavailable resource, carries no such promise). x is
     * available from its broadcast on: an initial presence reaches others
     * (P4) before P6 stores it. */
    struct jid fj;
    if (jid_parse(&fj, &r->m->heap, from, strlen(from)) != JID_E_OK)
        return;
    const struct session *x = users_resource_of(r->m, &fj);
    jid_free(&fj);
    if (x == NULL)
        return;
    bool x_available = x->presence != NULL || x->said == SESSION_SAID_AVAILABLE;
    if ((x_available && r->presence != NULL) || presence_directed_to(x, r))
        strset_add(&r->seen, from);
}
/* true when item (a full JID) belongs to the bare JID ctx */
static bool of_bare(const char *item, const void *ctx)
{
    size_t n = strlen(ctx);
    return strncmp(item, ctx, n) == 0 && item[n] == '/';
}

void presence_view_forget(struct model *m, const char *user, const char *contact)
{
    struct user *u = users_find(m, user);   /* a smaller view breaks no I7: nothing to touch */
    for (size_t i = 0; u && i < u->nres; i++)
        strset_remove_if(&u->res[i]->seen, of_bare, contact);
}
