/* contacts: roster requests and subscriptions (see contacts.h).
 *
 * Protocol coupling, the routing circle (route <-> presence <-> contacts):
 * route hands presence to presence.c and roster iqs to contacts.c;
 * broadcast and initial presence follow the roster's subscriptions (P4,
 * P5), subscription presence (R9-R21) changes rosters and travels as
 * presence, and both deliver through route (route_deliver, route_error,
 * the offline flush of O3).
 *
 * Every subscription stanza is built as from U's bare JID to C's bare JID
 * (R9) and, C being local, handed straight to C's inbound processing:
 * there is no remote server to wait for. Roster versions grow by one per
 * operation that changes an item or a pending-in request (R3).
 */
#include "contacts.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "codec.h"
#include "conn.h"
#include "internal.h"
#include "jid.h"
#include "presence.h"
#include "route.h"
#include "session.h"
#include "sorted.h"
#include "users.h"
#include "xmpp.h"

static void bare_of(const struct model *m, const char *user, struct buf *out)
{
    buf_clear(out);
    buf_puts(out, user);
    buf_putc(out, '@');
    buf_puts(out, m->domain);
}

/* ---- pending-in (sorted by requester) ---- */

static const char *stored_key_of(const void *p)
{
    return ((const struct account_stored *)p)->key;
}

static struct account_stored *pending_find(const struct account *a, const char *c)
{
    bool found;
    size_t i = sorted_search(a->pending_in, a->npending_in, sizeof *a->pending_in, c,
                            stored_key_of, &found);
    return found ? &a->pending_in[i] : NULL;
}

static void pending_add(struct model *m, struct account *a, const char *c,
                        const struct stanza_node *el)
{
    bool found;
    size_t i = sorted_search(a->pending_in, a->npending_in, sizeof *a->pending_in, c,
                            stored_key_of, &found);
    if (found)
        return;
    heap_grow(&m->heap, (void **)&a->pending_in, &a->cappending_in, a->npending_in,
              sizeof *a->pending_in);
    memmove(&a->pending_in[i + 1], &a->pending_in[i],
            (a->npending_in - i) * sizeof *a->pending_in);
    a->npending_in++;
    a->pending_in[i].key = heap_strdup(&m->heap, c);
    a->pending_in[i].stanza = stanza_clone(&m->heap, el);
}

static bool pending_remove(struct model *m, struct account *a, const char *c)
{
    struct account_stored *p = pending_find(a, c);
    if (p == NULL)
        return false;
    size_t i = (size_t)(p - a->pending_in);
    heap_free(&m->heap, p->key);
    stanza_free(p->stanza);
    memmove(p, p + 1, (a->npending_in - i - 1) * sizeof *p);
    a->npending_in--;
    return true;
}

/* ---- delivery to U's own resources ---- */

/* Copies el to U's available (or interested) resources, `to` unchanged. */
static void to_resources(struct model *m, const char *user, const struct stanza_node *el,
                         bool interested)
{
    struct user *u = users_find(m, user);
    for (size_t i = 0; u && i < u->nres; i++) {
        struct session *t = u->res[i];
        if (!(interested ? t->interested : t->presence != NULL))
            continue;
        if (PROFILE_EJABBERD(m))
            route_deliver(t, el, t->full_jid);   /* EJ1, EJ33: each copy to its full JID */
        else
            conn_send(m, t, el);
    }
}


/* R3's version as written: the counter in decimal, or under the ejabberd
 * profile an opaque token of 40 hex digits (EJ11: ejabberd hands out a
 * SHA-1 of the roster, src/mod_roster.erl write_roster_version/4). */
static void contacts_put_version(const struct model *m, struct buf *v, unsigned long long n)
{
    if (!PROFILE_EJABBERD(m)) {
        buf_put_u64(v, n);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 39; i >= 0; i--)
        buf_putc(v, i >= 16 ? '0' : hex[(n >> (4 * i)) & 15]);
}

/* Whether a client's `ver` names version n: read as a number (R3), or
 * under the ejabberd profile the very token contacts_put_version writes. */
static bool contacts_version_is(struct model *m, const char *ver, unsigned long long n)
{
    if (!PROFILE_EJABBERD(m)) {
        char *end;
        return strtoull(ver, &end, 10) == n && *end == '\0';
    }
    struct buf v = {.heap = &m->heap};
    contacts_put_version(m, &v, n);
    bool same = strcmp(buf_cstr(&v), ver) == 0;
    buf_free(&v);
    return same;
}

/* EJ15: a push comes from the account's bare JID to the resource t. */
static void push_address(struct model *m, const struct account *a, const struct session *t,
                         struct stanza *st, struct stanza_node *iq)
{
    struct buf from = {.heap = &m->heap};
    bare_of(m, a->name, &from);
    stanza_attr_add(st, iq, "", "from", buf_cstr(&from));
    stanza_attr_add(st, iq, "", "to", t->full_jid);
    buf_free(&from);
}

/* R7: the item (NULL: a removal of jid) to every interested resource
 * (EJ15: to every connected one). */
static void push(struct model *m, const struct account *a, const char *jid, bool remove)
{
    const struct roster_item *it = remove ? NULL : roster_find(&a->roster, jid);
    struct user *u = users_find(m, a->name);
    for (size_t i = 0; u && i < u->nres; i++) {
        struct session *t = u->res[i];
        if (!t->interested && !PROFILE_EJABBERD(m))
            continue;
        struct buf id = {.heap = &m->heap};
        session_next_id(t, &id);
        struct stanza *st = stanza_new(&m->heap);
        struct stanza_node *iq = stanza_element_add(st, NULL, STANZA_NS_CLIENT, "iq");
        stanza_attr_add(st, iq, "", "type", "set");
        stanza_attr_add(st, iq, "", "id", buf_cstr(&id));
        buf_free(&id);
        if (PROFILE_EJABBERD(m))
            push_address(m, a, t, st, iq);
        struct buf v = {.heap = &m->heap};
        struct stanza_node *q = stanza_element_add(st, iq, XMPP_NS_ROSTER, "query");
        contacts_put_version(m, &v, roster_reported_version(&a->roster));
        stanza_attr_add(st, q, "", "ver", buf_cstr(&v));
        buf_free(&v);
        if (it != NULL) {
            roster_item_to_xml(it, st, q);
        } else {
            struct stanza_node *item = stanza_element_add(st, q, XMPP_NS_ROSTER, "item");
            stanza_attr_add(st, item, "", "jid", jid);
            stanza_attr_add(st, item, "", "subscription", "remove");
        }
        conn_send(m, t, iq);
        stanza_free(st);
    }
}

/* ---- routing between U and C ---- */

/* The local localpart of a bare JID of this domain into out; false for
 * another domain or a domain JID. */
static bool local_of(const struct model *m, const char *bare, struct buf *out)
{
    const char *at = strchr(bare, '@');
    if (at == NULL || strcmp(at + 1, m->domain) != 0)
        return false;
    buf_clear(out);
    buf_append(out, bare, (size_t)(at - bare));
    return true;
}

/* A subscription stanza of `type` from U to C (children of el kept when
 * given), to C's inbound processing. For another domain, M11 bounces it
 * when it came from a session: the error is addressed to U's bare JID
 * (M4, the `from` R9 wrote), so it reaches U's available resources (P10),
 * none when none is available, as Prosody routes it (found by the
 * differential explorer). */
static void bounce_remote(struct model *m, const struct stanza_node *p, const char *bare)
{
    struct stanza *err = route_error_stanza(m, p, "cancel", "not-allowed", ROUTE_REMOTE_TEXT);
    presence_inbound(m, stanza_root(err), bare, NULL);
    stanza_free(err);
}

/* P14: the server's domain approves a subscribe at once, with a
 * `subscribed` from D and then D's available presence, each carrying the
 * request's id, to U's bare JID (Prosody's mod_presence "presence/host");
 * other subscription types to D end there. */
static void host_subscription(struct model *m, const char *user, const struct stanza_node *p,
                              const char *bare)
{
    if (!xmpp_type_is(stanza_attr(p, "", "type"), "subscribe") || PROFILE_EJABBERD(m))
        return;   /* EJ41: ejabberd's domain answers nothing */
    const char *id = stanza_attr(p, "", "id");
    struct stanza *ok = xmpp_presence(&m->heap, "subscribed", m->domain, bare);
    struct stanza *avail = xmpp_presence(&m->heap, NULL, m->domain, bare);
    stanza_attr_set(ok, stanza_root(ok), "id", id);
    stanza_attr_set(avail, stanza_root(avail), "id", id);
    contacts_inbound(m, user, m->domain, "subscribed", stanza_root(ok));
    presence_inbound(m, stanza_root(avail), bare, NULL);
    stanza_free(ok);
    stanza_free(avail);
}

static void send_sub(struct model *m, const char *user, const char *contact, const char *type,
                     const struct stanza_node *el, struct session *origin)
{
    struct buf from = {.heap = &m->heap}, local = {.heap = &m->heap};
    bare_of(m, user, &from);
    struct stanza *st = el ? stanza_clone(&m->heap, el) : xmpp_presence(&m->heap, type, NULL, NULL);
    struct stanza_node *p = stanza_root(st);   /* el's type is `type` already */
    stanza_attr_set(st, p, "from", buf_cstr(&from));
    stanza_attr_set(st, p, "to", contact);
    if (local_of(m, contact, &local))
        contacts_inbound(m, buf_cstr(&local), buf_cstr(&from), type, p);
    else if (strcmp(contact, m->domain) == 0)
        host_subscription(m, user, p, buf_cstr(&from));
    else if (origin != NULL)
        bounce_remote(m, p, buf_cstr(&from));
    stanza_free(st);
    buf_free(&from);
    buf_free(&local);
}

/* U's available resources' stored presences (or `type` unavailable from
 * each, no status) to C's bare JID. */
static void presences_to(struct model *m, const char *user, const char *contact,
                         bool unavailable)
{
    struct user *u = users_find(m, user);
    for (size_t i = 0; u && i < u->nres; i++) {
        struct session *t = u->res[i];
        if (t->presence == NULL)
            continue;
        if (unavailable) {
            struct stanza *un = xmpp_presence(&m->heap, "unavailable", t->full_jid, contact);
            presence_inbound(m, stanza_root(un), contact, NULL);
            stanza_free(un);
        } else if (PROFILE_EJABBERD(m)) {   /* EJ47: the presence as it is, no delay */
            struct stanza *now = stanza_clone(&m->heap, stanza_root(t->presence));
            stanza_attr_set(now, stanza_root(now), "from", t->full_jid);
            presence_inbound(m, stanza_root(now), contact, NULL);
            stanza_free(now);
        } else {
            struct stanza *stored = presence_stored(t);
            presence_inbound(m, stanza_root(stored), contact, NULL);
            stanza_free(stored);
        }
    }
}

static bool any_available(struct model *m, const char *user)
{
    struct user *u = users_find(m, user);
    for (size_t i = 0; u && i < u->nres; i++)
        if (u->res[i]->presence)
            return true;
    return false;
}

static void probe(struct model *m, const char *user, const char *contact)
{
    struct buf from = {.heap = &m->heap};
    bare_of(m, user, &from);
    struct stanza *p = xmpp_presence(&m->heap, "probe", buf_cstr(&from), contact);
    presence_inbound(m, stanza_root(p), contact, NULL);
    stanza_free(p);
    buf_free(&from);
}

/* ---- roster requests (R2-R6) ---- */

/* EJ42: ejabberd's get (a: the account under the ejabberd profile, else
 * NULL) leaves out an item of subscription none whose only request is an
 * inbound one (mod_roster get_filtered_roster/2, ask = in). */
static bool hidden_ejabberd(const struct account *a, const struct roster_item *it)
{
    return a != NULL && it->subscription == MODEL_SUB_NONE && !it->ask &&
           pending_find(a, it->jid) != NULL;
}

/* R2, R3: roster get. */
static void contacts_roster_get(struct session *s, const struct stanza_node *iq)
{
    const struct stanza_node *q = stanza_child(iq, XMPP_NS_ROSTER, "query");
    const char *ver = stanza_attr(q, "", "ver");
    unsigned long long reported = roster_reported_version(s->roster);
    s->interested = true;
    struct stanza *st = xmpp_iq_reply(&s->m->heap, iq);
    if (ver == NULL || ver[0] == '\0' || !contacts_version_is(s->m, ver, reported)) {
        struct stanza_node *rq = stanza_element_add(st, stanza_root(st), XMPP_NS_ROSTER, "query");
        struct buf v = {.heap = &s->m->heap};
        contacts_put_version(s->m, &v, reported);
        if (ver != NULL || !PROFILE_EJABBERD(s->m))   /* EJ11: a get without ver gets none */
            stanza_attr_add(st, rq, "", "ver", buf_cstr(&v));
        buf_free(&v);
        const struct account *a = PROFILE_EJABBERD(s->m) ? account_find(s->m, s->username) : NULL;
        for (size_t i = 0; i < s->roster->nitems; i++)
            if (!hidden_ejabberd(a, &s->roster->items[i]))
                roster_item_to_xml(&s->roster->items[i], st, rq);
    }
    conn_send(s->m, s, stanza_root(st));
    stanza_free(st);
}

/* R4: the one item of a roster set and its normalised bare JID; NULL
 * after answering the error. */
static const struct stanza_node *contacts_roster_set_item(struct session *s,
                                                          const struct stanza_node *iq,
                                                          struct jid *j)
{
    const struct stanza_node *q = stanza_child(iq, XMPP_NS_ROSTER, "query");
    const struct stanza_node *item = stanza_child(q, XMPP_NS_ROSTER, "item");
    const char *jid = item ? stanza_attr(item, "", "jid") : NULL;
    memset(j, 0, sizeof *j);
    if (PROFILE_EJABBERD(s->m) && stanza_child_count(q) != 1) {   /* EJ26, after the codec */
        if (item == NULL)
            route_error(s, iq, "cancel", "service-unavailable", ROUTE_NO_MODULE_TEXT);
        else
            route_error(s, iq, "modify", "bad-request",
                        "Multiple <item/> elements are not allowed by RFC6121");
        return NULL;
    }
    if (item == NULL || stanza_child_count(q) != 1 || jid == NULL ||
        jid_parse(j, &s->m->heap, jid, strlen(jid)) != JID_E_OK || j->resource_len) {
        jid_free(j);
        route_error(s, iq, "modify", "bad-request", NULL);
        return NULL;
    }
    if (session_owns(s, j->str, jid_bare_len(j))) {
        jid_free(j);
        route_error(s, iq, "cancel", "not-allowed", NULL);
        return NULL;
    }
    return item;
}

/* The result of the roster set iq, then the push of jid (EJ16: the push
 * first). */
static void result_and_push(struct session *s, const struct stanza_node *iq,
                            const struct account *a, const char *jid, bool remove)
{
    if (PROFILE_EJABBERD(s->m))
        push(s->m, a, jid, remove);
    struct stanza *res = xmpp_iq_reply(&s->m->heap, iq);
    conn_send(s->m, s, stanza_root(res));
    stanza_free(res);
    if (!PROFILE_EJABBERD(s->m))
        push(s->m, a, jid, remove);
}

/* EJ45: R6 as ejabberd does it: an unavailable from each of U's available
 * resources to C when C had `from`, EJ34's notifications, the push, an
 * unavailable from each of C's available resources to U when U had `to`,
 * then the result. */
static void remove_ejabberd(struct session *s, const struct stanza_node *iq, struct account *a,
                            const char *c)
{
    struct model *m = s->m;
    const struct roster_item *it = roster_find(&a->roster, c);
    bool from = roster_grants_from(it->subscription), to = roster_grants_to(it->subscription);
    struct buf bare = {.heap = &m->heap}, local = {.heap = &m->heap};
    bare_of(m, a->name, &bare);
    if (from)
        presences_to(m, a->name, c, true);
    contacts_removal_notify(m, a, c);
    roster_remove(&a->roster, c);
    account_changed(m, a);
    push(m, a, c, true);
    if (to && local_of(m, c, &local))
        presences_to(m, buf_cstr(&local), buf_cstr(&bare), true);
    struct stanza *res = xmpp_iq_reply(&m->heap, iq);
    conn_send(m, s, stanza_root(res));
    stanza_free(res);
    buf_free(&bare);
    buf_free(&local);
}

/* R5 (add/update) and R6 (remove). */
static void contacts_roster_set(struct session *s, const struct stanza_node *iq)
{
    struct jid j;
    const struct stanza_node *item = contacts_roster_set_item(s, iq, &j);
    if (item == NULL)
        return;
    struct account *a = account_find(s->m, s->username);
    struct roster *r = s->roster;
    const char *sub = stanza_attr(item, "", "subscription");
    if (sub != NULL && strcmp(sub, "remove") == 0) {
        if (roster_find(r, j.str) == NULL && PROFILE_EJABBERD(s->m)) {
            result_and_push(s, iq, a, j.str, true);   /* EJ25: nothing to remove, pushed anyway */
        } else if (roster_find(r, j.str) == NULL) {
            route_error(s, iq, "modify", "item-not-found", NULL);
        } else if (PROFILE_EJABBERD(s->m)) {
            remove_ejabberd(s, iq, a, j.str);
        } else {   /* R6: (a) notify, (b) delete, (c) result, (d) push */
            contacts_removal_notify(s->m, a, j.str);
            roster_remove(r, j.str);
            account_changed(s->m, a);
            result_and_push(s, iq, a, j.str, true);
        }
        jid_free(&j);
        return;
    }
    size_t ngroups = 0;
    for (const struct stanza_node *g = stanza_child(item, XMPP_NS_ROSTER, "group"); g;
         g = stanza_child_next(g, XMPP_NS_ROSTER, "group"))
        ngroups++;
    const char **groups = heap_alloc(&s->m->heap, ngroups * sizeof *groups);
    struct buf *texts = heap_alloc(&s->m->heap, ngroups * sizeof *texts);
    size_t k = 0;
    for (const struct stanza_node *g = stanza_child(item, XMPP_NS_ROSTER, "group"); g;
         g = stanza_child_next(g, XMPP_NS_ROSTER, "group"), k++) {
        texts[k] = (struct buf){.heap = &s->m->heap};
        groups[k] = stanza_text(g, &texts[k]);
    }
    struct roster_item *it = roster_ensure(r, j.str);
    roster_item_set_meta(r, it, stanza_attr(item, "", "name"), groups, ngroups);
    it->approved = false;   /* R5/R19 quirk: a roster set drops the pre-approval */
    account_changed(s->m, a);
    for (k = 0; k < ngroups; k++)
        buf_free(&texts[k]);
    heap_free(&s->m->heap, texts);
    heap_free(&s->m->heap, groups);
    result_and_push(s, iq, a, j.str, false);
    jid_free(&j);
}

/* EJ26: the session manager decodes the query before mod_roster sees it;
 * true when an item did not decode (answered with the codec's text). */
static bool roster_undecodable(struct session *s, const struct stanza_node *iq)
{
    struct buf text = {.heap = &s->m->heap};
    codec_roster_items_check(s, stanza_child(iq, XMPP_NS_ROSTER, "query"), &text);
    bool refused = text.len > 0;
    if (refused)
        route_error(s, iq, "modify", "bad-request", buf_cstr(&text));
    buf_free(&text);
    return refused;
}

void contacts_roster_iq_other(struct session *s, const struct stanza_node *iq)
{
    if (!roster_undecodable(s, iq))
        route_error(s, iq, "auth", "forbidden", CONTACTS_ROSTER_OTHER_TEXT);
}

void contacts_roster_iq(struct session *s, const struct stanza_node *iq)
{
    if (PROFILE_EJABBERD(s->m) && roster_undecodable(s, iq))
        return;
    if (xmpp_type_is(stanza_attr(iq, "", "type"), "get"))
        contacts_roster_get(s, iq);
    else
        contacts_roster_set(s, iq);
}

/* ---- outbound (R10-R13) ---- */

static void out_subscribe(struct model *m, struct account *a, const char *c,
                          const struct stanza_node *el, struct session *origin)
{
    bool created = roster_find(&a->roster, c) == NULL;
    struct roster_item *it = roster_ensure(&a->roster, c);
    bool changed = created;
    if (!it->ask && !roster_grants_to(it->subscription))
        it->ask = changed = true;
    if (changed)
        account_changed(m, a);
    if (!roster_grants_to(it->subscription) || !PROFILE_EJABBERD(m))
        push(m, a, c, false);   /* R10: even when nothing changed (EJ40: not for a to) */
    send_sub(m, a->name, c, "subscribe", el, origin);
}

static void out_unsubscribe(struct model *m, struct account *a, const char *c,
                            const struct stanza_node *el, struct session *origin)
{
    struct roster_item *it = roster_find(&a->roster, c);
    if (it != NULL) {
        enum model_subscription before = it->subscription;
        bool changed = it->ask;
        it->ask = false;
        it->subscription = before == MODEL_SUB_BOTH ? MODEL_SUB_FROM
                           : before == MODEL_SUB_TO ? MODEL_SUB_NONE
                                                    : before;
        if (changed || it->subscription != before)
            account_changed(m, a);
        if (changed || it->subscription != before || !PROFILE_EJABBERD(m))
            push(m, a, c, false);   /* R11: even if unchanged (EJ40: only if changed) */
    }
    presence_view_forget(m, a->name, c);   /* I7: U's view of C ends */
    send_sub(m, a->name, c, "unsubscribe", el, origin);
}

/* R12 */
static void out_subscribed(struct model *m, struct account *a, const char *c,
                           const struct stanza_node *el, struct session *origin)
{
    struct roster_item *it = roster_find(&a->roster, c);
    if (pending_find(a, c) != NULL) {   /* (a) */
        it = roster_ensure(&a->roster, c);
        it->subscription = roster_grants_to(it->subscription) ? MODEL_SUB_BOTH : MODEL_SUB_FROM;
        it->granted_serial = account_serial_of(m, c);
        pending_remove(m, a, c);
        account_changed(m, a);
        push(m, a, c, false);
    } else if (PROFILE_EJABBERD(m) && it != NULL && it->subscription == MODEL_SUB_TO) {
        it->subscription = MODEL_SUB_BOTH;   /* EJ38: out_state_change(to, _, subscribed) */
        account_changed(m, a);
        push(m, a, c, false);
    } else if ((it == NULL || !roster_grants_from(it->subscription)) && PROFILE_EJABBERD(m)) {
        return;   /* EJ38: no pre-approval, nothing changes */
    } else if (it == NULL || !roster_grants_from(it->subscription)) {   /* (b) pre-approval */
        bool changed = it == NULL || !it->approved;
        it = roster_ensure(&a->roster, c);
        it->approved = true;
        if (changed)
            account_changed(m, a);
        push(m, a, c, false);
    }
    if (roster_grants_from(it->subscription)) {   /* (c), and after (a); not after (b) */
        send_sub(m, a->name, c, "subscribed", el, origin);
        presences_to(m, a->name, c, false);
    }
    /* whatever the branch, as the reference server does (R12's text; the R18
     * table's To cell omits this Pb, see scenarios/DIVERGENCES.md) */
    if (roster_grants_to(it->subscription) && !PROFILE_EJABBERD(m))   /* EJ47: no probe */
        probe(m, a->name, c);
}

/* R13 */
static void out_unsubscribed(struct model *m, struct account *a, const char *c,
                             const struct stanza_node *el, struct session *origin)
{
    struct roster_item *it = roster_find(&a->roster, c);
    bool pending = pending_find(a, c) != NULL;
    if (!pending && (it == NULL || !roster_grants_from(it->subscription)))
        return;
    pending_remove(m, a, c);
    bool sub_changed = it != NULL && roster_grants_from(it->subscription);
    if (sub_changed)
        it->subscription = it->subscription == MODEL_SUB_BOTH ? MODEL_SUB_TO : MODEL_SUB_NONE;
    account_changed(m, a);
    if (sub_changed)
        push(m, a, c, false);
    send_sub(m, a->name, c, "unsubscribed", el, origin);
    if (sub_changed)
        presences_to(m, a->name, c, true);
}

void contacts_outbound(struct session *s, const char *type, const struct stanza_node *el,
                       const char *contact)
{
    struct account *a = account_find(s->m, s->username);
    if (a == NULL)
        return;
    if (xmpp_type_is(type, "subscribe"))
        out_subscribe(s->m, a, contact, el, s);
    else if (xmpp_type_is(type, "unsubscribe"))
        out_unsubscribe(s->m, a, contact, el, s);
    else if (xmpp_type_is(type, "subscribed"))
        out_subscribed(s->m, a, contact, el, s);
    else if (xmpp_type_is(type, "unsubscribed"))
        out_unsubscribed(s->m, a, contact, el, s);
}

void contacts_probe_refused(struct model *m, struct account *u, const char *contact)
{
    bool declines = pending_find(u, contact) != NULL;
    out_unsubscribed(m, u, contact, NULL, NULL);   /* P13: only declines a pending request */
    if (!declines && PROFILE_RFC(m))   /* RFC2: RFC 6121 4.3.2 */
        send_sub(m, u->name, contact, "unsubscribed", NULL, NULL);
}

/* ---- inbound (R14-R16) ---- */

/* The ack of R14c: unavailable from U's bare JID to C's bare JID. */
static void ack(struct model *m, const char *user, const char *c)
{
    struct buf from = {.heap = &m->heap};
    bare_of(m, user, &from);
    struct stanza *un = xmpp_presence(&m->heap, "unavailable", buf_cstr(&from), c);
    presence_inbound(m, stanza_root(un), c, NULL);
    stanza_free(un);
    buf_free(&from);
}

/* R14 */
static void in_subscribe(struct model *m, struct account *a, const char *c,
                         const struct stanza_node *el)
{
    struct roster_item *it = roster_find(&a->roster, c);
    bool pending = pending_find(a, c) != NULL;
    if (it != NULL && roster_grants_from(it->subscription)) {   /* (a) */
        out_subscribed(m, a, c, NULL, NULL);
        if (any_available(m, a->name))
            presences_to(m, a->name, c, false);
        else
            ack(m, a->name, c);
    } else if (it != NULL && it->approved && !pending) {   /* (b) */
        pending_add(m, a, c, el);
        account_changed(m, a);
        out_subscribed(m, a, c, NULL, NULL);
    } else {   /* (c) */
        if (!PROFILE_EJABBERD(m))   /* EJ37: no acknowledgement */
            ack(m, a->name, c);
        if (!pending) {
            pending_add(m, a, c, el);
            account_changed(m, a);
            if (PROFILE_EJABBERD(m) && it != NULL && (it->subscription != MODEL_SUB_NONE || it->ask))
                push(m, a, c, false);   /* EJ48: the item's record changed */
            to_resources(m, a->name, el, false);
        }
    }
}

/* R15, R16: an inbound unsubscribe or (un)subscribed that changed a's
 * roster goes to a's interested resources, then the push of c (EJ33: the
 * push first, then the presence to each available resource's full JID). */
static void deliver_after_push(struct model *m, struct account *a, const char *c, bool remove,
                               const struct stanza_node *el)
{
    if (!PROFILE_EJABBERD(m)) {
        to_resources(m, a->name, el, true);
        push(m, a, c, remove);
        return;
    }
    push(m, a, c, remove);
    to_resources(m, a->name, el, false);   /* EJ33: the available ones */
}

/* R15 */
static void in_unsubscribe(struct model *m, struct account *a, const char *c,
                           const struct stanza_node *el)
{
    struct roster_item *it = roster_find(&a->roster, c);
    bool changed = pending_remove(m, a, c);
    bool cancelled = it != NULL && roster_grants_from(it->subscription);
    if (changed && PROFILE_EJABBERD(m) && (it == NULL || (it->subscription == MODEL_SUB_NONE &&
                                                          !it->ask))) {
        if (it != NULL)   /* EJ43: the request goes, and its item, silently */
            roster_remove(&a->roster, c);
        account_changed(m, a);
        return;
    }
    if (cancelled) {
        it->subscription = it->subscription == MODEL_SUB_BOTH ? MODEL_SUB_TO : MODEL_SUB_NONE;
        changed = true;
    }
    if (!changed)
        return;
    account_changed(m, a);
    deliver_after_push(m, a, c, it == NULL, el);
    if (cancelled && PROFILE_RFC(m))   /* RFC1: RFC 6121 3.3.3 */
        presences_to(m, a->name, c, true);
}

/* R16: subscribed needs ask; unsubscribed needs ask or to/both. */
static void in_approval(struct model *m, struct account *a, const char *c, bool approved,
                        const struct stanza_node *el)
{
    /* I7: U was sent unsubscribed, so U's view of C ends, even when R16
     * ignores it (a one-sided `from` at C, left by R6's pending-in, is
     * removed with an unsubscribed alone, R17). */
    if (!approved)
        presence_view_forget(m, a->name, c);
    struct roster_item *it = roster_find(&a->roster, c);
    bool from_only = PROFILE_EJABBERD(m) && approved && it != NULL &&
                     it->subscription == MODEL_SUB_FROM;   /* EJ47: in_state_change(from, ...) */
    if (it == NULL || !(it->ask || from_only || (!approved && roster_grants_to(it->subscription))))
        return;
    it->ask = false;
    if (approved)
        it->subscription = it->subscription == MODEL_SUB_FROM ? MODEL_SUB_BOTH : MODEL_SUB_TO;
    else
        it->subscription = it->subscription == MODEL_SUB_BOTH ? MODEL_SUB_FROM
                           : it->subscription == MODEL_SUB_TO ? MODEL_SUB_NONE
                                                               : it->subscription;
    account_changed(m, a);
    deliver_after_push(m, a, c, false, el);
}

void contacts_inbound(struct model *m, const char *user, const char *from, const char *type,
                      const struct stanza_node *el)
{
    struct account *a = account_find(m, user);
    if (a == NULL) {   /* P16, T5: only the ack of a subscribe (EJ37: not even that) */
        if (xmpp_type_is(type, "subscribe") && !PROFILE_EJABBERD(m))
            ack(m, user, from);
        return;
    }
    if (xmpp_type_is(type, "subscribe"))
        in_subscribe(m, a, from, el);
    else if (xmpp_type_is(type, "unsubscribe"))
        in_unsubscribe(m, a, from, el);
    else if (xmpp_type_is(type, "subscribed"))
        in_approval(m, a, from, true, el);
    else if (xmpp_type_is(type, "unsubscribed"))
        in_approval(m, a, from, false, el);
}

/* ---- removal and initial presence ---- */

/* EJ34: mod_roster's send_unsubscribing_presence/2, unsubscribe for a to,
 * then unsubscribed for a from; nothing for an ask or a pending request. */
static void removal_notify_ejabberd(struct model *m, struct account *u, const char *contact,
                                    const struct roster_item *it)
{
    if (it != NULL && roster_grants_to(it->subscription)) {
        presence_view_forget(m, u->name, contact);   /* I7: U sent unsubscribe */
        send_sub(m, u->name, contact, "unsubscribe", NULL, NULL);
    }
    if (it != NULL && roster_grants_from(it->subscription))
        send_sub(m, u->name, contact, "unsubscribed", NULL, NULL);
}

void contacts_removal_notify(struct model *m, struct account *u, const char *contact)
{
    const struct roster_item *it = roster_find(&u->roster, contact);
    if (PROFILE_EJABBERD(m)) {
        removal_notify_ejabberd(m, u, contact, it);
        return;
    }
    bool from = it && roster_grants_from(it->subscription);
    bool to = it && (roster_grants_to(it->subscription) || it->ask);
    if (from || pending_find(u, contact) != NULL)
        send_sub(m, u->name, contact, "unsubscribed", NULL, NULL);
    if (to) {
        presences_to(m, u->name, contact, true);
        presence_view_forget(m, u->name, contact);   /* I7: U sent unsubscribe */
        send_sub(m, u->name, contact, "unsubscribe", NULL, NULL);
    }
}

void contacts_requests_resent(struct session *s)
{
    struct model *m = s->m;
    struct account *a = account_find(m, s->username);
    if (a == NULL)
        return;
    struct buf bare = {.heap = &m->heap}, reason = {.heap = &m->heap};
    bare_of(m, s->username, &bare);
    for (size_t i = 0; i < a->npending_in; i++) {
        struct stanza *st = xmpp_presence(&m->heap, "subscribe", a->pending_in[i].key,
                                          buf_cstr(&bare));
        codec_status_text(stanza_root(a->pending_in[i].stanza), &reason);
        if (reason.len > 0) {
            struct stanza_node *status =
                stanza_element_add(st, stanza_root(st), STANZA_NS_CLIENT, "status");
            stanza_attr_add(st, status, STANZA_NS_XML, "lang", "en");
            stanza_text_add(st, status, reason.data, reason.len);
        }
        conn_send(m, s, stanza_root(st));
        stanza_free(st);
    }
    buf_free(&bare);
    buf_free(&reason);
}

void contacts_revoke_grants(struct model *m, const struct account *u)
{
    struct buf bare = {.heap = &m->heap}, contact = {.heap = &m->heap};
    bare_of(m, u->name, &bare);
    struct account *c;
    for (size_t i = 0; (c = account_sorted_at(m, i)) != NULL; i++) {
        const struct roster_item *it = roster_find(&c->roster, buf_cstr(&bare));
        if (it == NULL || !roster_grants_from(it->subscription))
            continue;
        bare_of(m, c->name, &contact);   /* clears it first */
        presence_view_forget(m, u->name, buf_cstr(&contact));   /* I7: U sent unsubscribe */
        send_sub(m, u->name, buf_cstr(&contact), "unsubscribe", NULL, NULL);
    }
    buf_free(&bare);
    buf_free(&contact);
}

void contacts_initial_presence(struct session *s)
{
    struct model *m = s->m;
    struct account *a = account_find(m, s->username);
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->npending_in && !PROFILE_EJABBERD(m); i++)   /* step 6, R20; EJ49 */
        conn_send(m, s, stanza_root(a->pending_in[i].stanza));
    for (size_t i = 0; i < a->roster.nitems && !PROFILE_EJABBERD(m); i++) {   /* step 7; EJ39 */
        if (!a->roster.items[i].ask)
            continue;
        char *c = heap_strdup(&m->heap, a->roster.items[i].jid);
        out_subscribe(m, a, c, NULL, s);
        heap_free(&m->heap, c);
    }
}
