/* route: routing of stanzas from connected resources (see route.h).
 *
 * Protocol coupling, the routing circle (route <-> presence <-> contacts):
 * route hands presence to presence.c and roster iqs to contacts.c;
 * broadcast and initial presence follow the roster's subscriptions (P4,
 * P5), subscription presence (R9-R21) changes rosters and travels as
 * presence, and both deliver through route (route_deliver, route_error,
 * the offline flush of O3).
 * Registration iqs to the server go to registration.c (M15).
 */
#include "route.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "codec.h"
#include "conn.h"
#include "contacts.h"
#include "internal.h"
#include "jid.h"
#include "presence.h"
#include "registration.h"
#include "session.h"
#include "users.h"
#include "xmpp.h"

bool route_is_reply(const struct stanza_node *el)
{
    const char *type = stanza_attr(el, "", "type");
    return type && (strcmp(type, "error") == 0 ||
                    (strcmp(el->name, "iq") == 0 && strcmp(type, "result") == 0));
}

void route_deliver(struct session *s, const struct stanza_node *el, const char *to)
{
    struct stanza *copy = stanza_clone(&s->m->heap, el);
    stanza_attr_set(copy, stanza_root(copy), "to", to);
    conn_send(s->m, s, stanza_root(copy));
    stanza_free(copy);
}

struct stanza *route_error_stanza(struct model *m, const struct stanza_node *el, const char *type,
                                  const char *condition, const char *text)
{
    struct stanza *r = xmpp_error_reply_with(&m->heap, el, type, condition, text,
                                             PROFILE_EJABBERD(m));
    if (PROFILE_EJABBERD(m))
        codec_encode_order(stanza_root(r));   /* EJ18: the error before the known children */
    return r;
}

void route_error(struct session *s, const struct stanza_node *el, const char *type,
                 const char *condition, const char *text)
{
    if (xmpp_type_is(stanza_attr(el, "", "type"), "error"))
        return;   /* RFC 6120 8.3.1: an error is never answered with an error */
    struct stanza *r = route_error_stanza(s->m, el, type, condition, text);
    conn_send(s->m, s, stanza_root(r));
    stanza_free(r);
}

void route_error_undecoded(struct session *s, const struct stanza_node *el, const char *text)
{
    struct stanza *r = xmpp_error_reply_with(&s->m->heap, el, "modify", "bad-request", text, true);
    conn_send(s->m, s, stanza_root(r));
    stanza_free(r);
}

/* M7/M8: the available resources with the highest priority, if >= 0. */
static size_t top_resources(const struct user *u, struct session **out)
{
    int best = -129;
    for (size_t i = 0; u && i < u->nres; i++)
        if (u->res[i]->presence && u->res[i]->priority > best)
            best = u->res[i]->priority;
    size_t n = 0;
    for (size_t i = 0; u && best >= 0 && i < u->nres; i++)
        if (u->res[i]->presence && u->res[i]->priority == best)
            out[n++] = u->res[i];
    return n;
}

void route_offline_store(struct model *m, struct account *a, const struct stanza_node *el)
{
    heap_grow(&m->heap, (void **)&a->offline, &a->capoffline, a->noffline, sizeof *a->offline);
    struct account_stored *o = &a->offline[a->noffline++];
    o->key = NULL;
    o->stanza = stanza_clone_extra(&m->heap, el, XMPP_DELAY_BYTES);   /* O3 adds a delay */
    o->time_ms = m->now_ms;
}

/* Whether el's `to` names a resource (a full JID: M6's case). */
static bool to_resource(const struct stanza_node *el)
{
    const char *to = stanza_attr(el, "", "to");
    return to != NULL && strchr(to, '/') != NULL;
}

void route_offline_flush(struct session *s)
{
    struct model *m = s->m;
    struct account *a = account_find(m, s->username);
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->noffline; i++) {   /* O3, oldest first */
        struct stanza *st = a->offline[i].stanza;
        struct stanza_node *d = xmpp_add_delay(st, stanza_root(st), m->domain,
                                               a->offline[i].time_ms);
        if (PROFILE_EJABBERD(m)) {   /* EJ3; EJ18: to the resource, written out again */
            stanza_text_add(st, d, ROUTE_OFFLINE_TEXT, strlen(ROUTE_OFFLINE_TEXT));
            if (to_resource(stanza_root(st)))
                stanza_attr_set(st, stanza_root(st), "to", s->full_jid);
            codec_encode_order(stanza_root(st));
        }
        conn_send(m, s, stanza_root(st));
        stanza_free(st);
    }
    heap_free(&m->heap, a->offline);
    a->offline = NULL;
    a->noffline = a->capoffline = 0;
}

/* EJ4: misc:is_standalone_chat_state/1, which ejabberd's store_empty_body
 * default (unless_chat_state) keeps out of the offline store: no body, no
 * subject, and every other element a chat state (XEP-0085), a delay or an
 * event (XEP-0022); a thread is no element to the codec, so it does not
 * count, and a message with nothing at all is one too. */
static bool standalone_chat_state(const struct stanza_node *el)
{
    for (const struct stanza_node *c = el->children; c; c = c->next) {
        if (c->kind != STANZA_ELEMENT ||
            (strcmp(c->ns, STANZA_NS_CLIENT) == 0 && strcmp(c->name, "thread") == 0))
            continue;
        if (strcmp(c->ns, XMPP_NS_CHATSTATES) != 0 && strcmp(c->ns, XMPP_NS_DELAY) != 0 &&
            strcmp(c->ns, XMPP_NS_EVENT) != 0)
            return false;
    }
    return true;
}

/* O1/O2, and EJ4: ejabberd stores neither a standalone chat state nor
 * (already M7) headline, groupchat or error, and bounces what it does not
 * store (ejabberd_sm:route_message, mod_offline:need_to_store). */
static void message_unrouted(struct session *s, struct account *a, const struct stanza_node *el)
{
    struct model *m = s->m;
    if (PROFILE_EJABBERD(m) && standalone_chat_state(el))
        route_error(s, el, "cancel", "service-unavailable", ROUTE_NO_SESSION_TEXT);
    else if (m->cfg.offline)
        route_offline_store(m, a, el);   /* O1 */
    else   /* O2; EJ4: bounce_sm_packet's text */
        route_error(s, el, "cancel", "service-unavailable",
                    PROFILE_EJABBERD(m) ? ROUTE_NO_SESSION_TEXT : NULL);
}

/* M7: a message to the bare JID of an existing account. */
static void message_to_account(struct session *s, struct account *a, const struct stanza_node *el)
{
    struct model *m = s->m;
    const char *type = stanza_attr(el, "", "type");
    if (xmpp_type_is(type, "error"))
        return;
    if (xmpp_type_is(type, "groupchat")) {   /* EJ4: bounce_sm_packet's text */
        route_error(s, el, "cancel", "service-unavailable",
                    PROFILE_EJABBERD(m) ? ROUTE_NO_SESSION_TEXT : NULL);
        return;
    }
    struct user *u = users_find(m, a->name);
    size_t n = 0;
    if (xmpp_type_is(type, "headline")) {
        for (size_t i = 0; u && i < u->nres; i++)
            if (u->res[i]->presence && u->res[i]->priority >= 0)
                conn_send(m, u->res[i], el);
        return;
    }
    struct session **top = u ? heap_alloc(&m->heap, u->nres * sizeof *top) : NULL;
    n = top_resources(u, top);
    bool retarget = PROFILE_EJABBERD(m) && to_resource(el);   /* EJ18 */
    for (size_t i = 0; i < n; i++) {
        if (retarget)
            route_deliver(top[i], el, top[i]->full_jid);
        else
            conn_send(m, top[i], el);
    }
    heap_free(&m->heap, top);
    if (n == 0)
        message_unrouted(s, a, el);
}

static void route_message(struct session *s, const struct stanza_node *el, const struct jid *to)
{
    struct model *m = s->m;
    const char *type = stanza_attr(el, "", "type");
    if (to->local_len == 0 && PROFILE_EJABBERD(m)) {   /* EJ21: ejabberd_local */
        if (to->resource_len > 0 || !xmpp_type_is(type, "headline"))   /* an error: none */
            route_error(s, el, "cancel", "item-not-found", ROUTE_NO_RESOURCE_TEXT);
        return;
    }
    if (to->local_len == 0) {   /* M10 */
        if (!route_is_reply(el))
            route_error(s, el, "cancel", "service-unavailable", NULL);
        return;
    }
    char local[JID_PART_MAX + 1];
    jid_local_copy(to, local, sizeof local);
    struct account *a = account_find(m, local);
    struct session *target = users_resource_of(m, to);
    if (target != NULL) {   /* M5 */
        conn_send(m, target, el);
    } else if (a == NULL) {   /* M9; EJ4: a groupchat bounced by ejabberd_sm, with its text */
        if (!xmpp_type_is(type, "headline") && !xmpp_type_is(type, "error"))
            route_error(s, el, "cancel", "service-unavailable",
                        PROFILE_EJABBERD(m) && xmpp_type_is(type, "groupchat")
                            ? ROUTE_NO_SESSION_TEXT
                            : NULL);
    } else if (to->resource_len && xmpp_type_is(type, "headline")) {   /* M6 */
        return;
    } else if (to->resource_len && xmpp_type_is(type, "groupchat")) {
        route_error(s, el, "cancel", "service-unavailable",
                    PROFILE_EJABBERD(m) ? ROUTE_NO_SESSION_TEXT : NULL);
    } else {
        message_to_account(s, a, el);
    }
}

static bool payload_is(const struct stanza_node *iq, const char *ns, const char *name)
{
    const struct stanza_node *c = stanza_child(iq, NULL, NULL);
    return c && strcmp(c->ns, ns) == 0 && strcmp(c->name, name) == 0;
}

/* M14 (to self) and M15 (to the domain, with or without a resource:
 * replies come from the address asked). */
static void iq_to_server(struct session *s, const struct stanza_node *iq, bool host)
{
    const char *type = stanza_attr(iq, "", "type");
    if (route_is_reply(iq))
        return;
    if (!host && payload_is(iq, XMPP_NS_ROSTER, "query")) {
        contacts_roster_iq(s, iq);
        return;
    }
    if (payload_is(iq, XMPP_NS_REGISTER, "query")) {   /* M15: registration_compat */
        registration_account(s, iq);
        return;
    }
    if (PROFILE_EJABBERD(s->m) && payload_is(iq, XMPP_NS_PING, "ping") &&
        !xmpp_type_is(type, "get")) {   /* EJ18: mod_ping iq_ping/1 */
        route_error(s, iq, "modify", "bad-request", "Ping query is incorrect");
        return;
    }
    if ((xmpp_type_is(type, "get") && payload_is(iq, XMPP_NS_PING, "ping")) ||
        (xmpp_type_is(type, "set") && payload_is(iq, XMPP_NS_SESSION, "session"))) {
        struct stanza *r = xmpp_iq_reply(&s->m->heap, iq);
        conn_send(s->m, s, stanza_root(r));
        stanza_free(r);
        return;
    }
    route_error(s, iq, "cancel", "service-unavailable",
                PROFILE_EJABBERD(s->m) ? ROUTE_NO_MODULE_TEXT : NULL);
}

/* The bare JID of s itself (0.5: "to own bare JID"); the domain alone
 * never is (a full JID has a localpart). */
static bool own_bare(const struct session *s, const struct jid *to)
{
    return to->resource_len == 0 && session_owns(s, to->str, jid_bare_len(to));
}

/* M2: a malformed iq gets bad-request; true when it was answered. */
static bool iq_invalid(struct session *s, const struct stanza_node *iq)
{
    const char *type = stanza_attr(iq, "", "type");
    const char *text = NULL;
    bool get_set = xmpp_type_is(type, "get") || xmpp_type_is(type, "set");
    /* EJ18: under the ejabberd profile the codec has refused both already */
    if (!get_set && !xmpp_type_is(type, "result") && !xmpp_type_is(type, "error"))
        text = "Invalid IQ type";
    else if (stanza_attr(iq, "", "id") == NULL)
        text = "Missing required 'id' attribute";
    else if (get_set && stanza_child_count(iq) != 1 && !PROFILE_EJABBERD(s->m))
        text = "Incorrect number of children for IQ stanza";   /* EJ18: by the handler */
    if (text != NULL && !xmpp_type_is(type, "error"))   /* before stamping: no `to` (M4) */
        route_error(s, iq, "modify", "bad-request", text);
    return text != NULL;
}

/* EJ18: an iq get/set the server handles (gen_iq_handler) needs exactly
 * one child; true when it was answered for want of one. */
static bool iq_children_refused(struct session *s, const struct stanza_node *iq)
{
    const char *type = stanza_attr(iq, "", "type");
    size_t n = stanza_child_count(iq);
    if (!PROFILE_EJABBERD(s->m) || n == 1 || !(xmpp_type_is(type, "get") || xmpp_type_is(type, "set")))
        return false;
    route_error(s, iq, "modify", "bad-request",
                n == 0 ? "No child elements found" : "Too many child elements");
    return true;
}

static void route_iq(struct session *s, const struct stanza_node *iq, const struct jid *to)
{
    struct model *m = s->m;
    if ((to == NULL || to->resource_len == 0) && iq_children_refused(s, iq))
        return;
    if (to == NULL || own_bare(s, to)) {
        iq_to_server(s, iq, false);
        return;
    }
    if (to->local_len == 0 && to->resource_len > 0 && PROFILE_EJABBERD(m)) {   /* EJ21 */
        if (!route_is_reply(iq))
            route_error(s, iq, "cancel", "item-not-found", ROUTE_NO_RESOURCE_TEXT);
        return;
    }
    if (to->local_len == 0) {   /* M15: a JID with no localpart is the domain */
        iq_to_server(s, iq, true);
        return;
    }
    if (PROFILE_EJABBERD(m) && to->resource_len == 0 && !route_is_reply(iq)) {
        if (payload_is(iq, XMPP_NS_REGISTER, "query")) {
            registration_account(s, iq);   /* EJ44: mod_register answers for any account */
            return;
        }
        if (payload_is(iq, XMPP_NS_ROSTER, "query")) {
            contacts_roster_iq_other(s, iq);   /* EJ51: mod_roster refuses another's roster */
            return;
        }
    }
    struct session *target = users_resource_of(m, to);
    if (target != NULL)
        conn_send(m, target, iq);   /* M12 */
    else if (!route_is_reply(iq))   /* M12, M13; EJ9: ejabberd_sm's texts */
        route_error(s, iq, "cancel", "service-unavailable",
                    !PROFILE_EJABBERD(m)    ? NULL
                    : to->resource_len == 0 ? ROUTE_NO_MODULE_TEXT
                                            : ROUTE_NO_SESSION_TEXT);
}

/* Records what a broadcast presence (P1) said, for the P6/P7 invariant. */
static void note_broadcast(struct session *s, const struct stanza_node *el, const struct jid *to)
{
    const char *type = stanza_attr(el, "", "type");
    if (to != NULL && !own_bare(s, to))
        return;
    if (type == NULL)
        s->said = SESSION_SAID_AVAILABLE;
    else if (xmpp_type_is(type, "unavailable"))
        s->said = SESSION_SAID_UNAVAILABLE;
}

/* A stanza to s's own account: `to` removed (M7, M14), or under the
 * ejabberd profile set to the bare JID (EJ8), as ejabberd_c2s does for a
 * stanza without `to`, so that replies come from it. */
static void to_self(struct session *s, struct stanza *st)
{
    if (!PROFILE_EJABBERD(s->m)) {
        stanza_attr_set(st, stanza_root(st), "to", NULL);
        return;
    }
    struct buf bare = {.heap = &s->m->heap};
    buf_append(&bare, s->full_jid, (size_t)(strchr(s->full_jid, '/') - s->full_jid));
    stanza_attr_set(st, stanza_root(st), "to", buf_cstr(&bare));
    buf_free(&bare);
}

/* EJ18: ejabberd_c2s answers the legacy session iq set itself, whatever
 * its `to`, from the domain (handle_authenticated_packet/2); true when
 * el was that. */
static bool ejabberd_session_iq(struct session *s, const struct stanza_node *el)
{
    if (!PROFILE_EJABBERD(s->m) || strcmp(el->name, "iq") != 0 ||
        !xmpp_type_is(stanza_attr(el, "", "type"), "set") || stanza_child_count(el) != 1 ||
        !payload_is(el, XMPP_NS_SESSION, "session"))
        return false;
    struct stanza *r = xmpp_iq_result(&s->m->heap, stanza_attr(el, "", "id"), s->full_jid,
                                      s->m->domain);
    conn_send(s->m, s, stanza_root(r));
    stanza_free(r);
    return true;
}

void route_bad_to(struct session *s, const struct stanza_node *el, const char *to)
{
    if (route_is_reply(el))
        return;
    struct buf text = {.heap = &s->m->heap};
    buf_puts(&text, "The destination address is invalid: ");
    buf_puts(&text, to);
    route_error(s, el, "modify", "jid-malformed", buf_cstr(&text));
    buf_free(&text);
}

void route_from_session(struct session *s, struct stanza *st)
{
    struct stanza_node *el = stanza_root(st);
    const char *type = stanza_attr(el, "", "type");
    bool childless_error = xmpp_type_is(type, "error") && stanza_child_count(el) == 0;
    /* EJ22: ejabberd forwards a childless error to a connected full JID,
     * and a presence one to a bare JID of this domain too; M3 then drops
     * the rest below, once `to` is known. */
    bool forwardable = PROFILE_EJABBERD(s->m);
    bool presence = strcmp(el->name, "presence") == 0;
    if (childless_error && !forwardable)
        return;   /* M3 */
    if (strcmp(el->name, "iq") == 0 && iq_invalid(s, el))
        return;   /* M2 before M1's checks and M11, as core_process_stanza */
    stanza_attr_set(st, el, "from", s->full_jid);   /* M1, 0.5 */
    const char *to_attr = stanza_attr(el, "", "to");
    struct jid to = {0};
    if (to_attr != NULL && jid_parse(&to, &s->m->heap, to_attr, strlen(to_attr)) != JID_E_OK) {
        route_bad_to(s, el, to_attr);
        return;
    }
    if (childless_error && (to_attr == NULL || !jid_domain_is(&to, s->m->domain) ||
                            (users_resource_of(s->m, &to) == NULL &&
                             (!presence || to.resource_len > 0)))) {
        jid_free(&to);
        return;   /* M3, EJ22 */
    }
    if (ejabberd_session_iq(s, el)) {
        jid_free(&to);
        return;
    }
    bool remote = to_attr != NULL && !jid_domain_is(&to, s->m->domain);
    if (strcmp(el->name, "presence") == 0) {
        note_broadcast(s, el, to_attr ? &to : NULL);
        presence_from_session(s, st);   /* remote addresses: M11 after R9/R10 */
    } else if (remote) {   /* M11 */
        if (!route_is_reply(el))
            route_error(s, el, "cancel", "not-allowed", ROUTE_REMOTE_TEXT);
    } else if (strcmp(el->name, "iq") == 0) {
        if (to_attr == NULL || own_bare(s, &to))   /* M14: to self, replies without `from`; */
            to_self(s, st);                        /* EJ8: from the bare JID */
        route_iq(s, el, to_attr ? &to : NULL);
    } else if (to_attr == NULL || own_bare(s, &to)) {
        struct account *a = account_find(s->m, s->username);
        to_self(s, st);   /* M7: to own bare JID, `to` removed (EJ8: the bare JID) */
        if (a != NULL)
            message_to_account(s, a, el);
    } else {
        route_message(s, el, &to);
    }
    jid_free(&to);
}
