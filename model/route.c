/* route: routing of stanzas from connected resources (see route.h). */
#include "route.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "internal.h"
#include "jid.h"
#include "presence.h"
#include "session.h"
#include "xmpp.h"

bool route_is_reply(const struct stanza_node *el)
{
    const char *type = stanza_attr(el, "", "type");
    return type && (strcmp(type, "error") == 0 ||
                    (strcmp(el->name, "iq") == 0 && strcmp(type, "result") == 0));
}

void route_deliver(struct session *s, const struct stanza_node *el, const char *to)
{
    struct stanza *copy = stanza_clone(el);
    stanza_attr_set(copy, stanza_root(copy), "to", to);
    model_send(s->m, s, stanza_root(copy));
    stanza_free(copy);
}

void route_error(struct session *s, const struct stanza_node *el, const char *type,
                 const char *condition, const char *text)
{
    struct stanza *r = xmpp_error_reply(el, type, condition, text);
    model_send(s->m, s, stanza_root(r));
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

static void offline_store(struct model *m, struct account *a, const struct stanza_node *el)
{
    model_grow((void **)&a->offline, &a->capoffline, a->noffline, sizeof *a->offline);
    struct account_stored *o = &a->offline[a->noffline++];
    o->key = NULL;
    o->stanza = stanza_clone(el);
    o->time_ms = m->now_ms;
}

void route_offline_flush(struct session *s)
{
    struct model *m = s->m;
    struct account *a = account_find(m, s->username);
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->noffline; i++) {   /* O3, oldest first */
        struct stanza *st = a->offline[i].stanza;
        xmpp_add_delay(st, stanza_root(st), m->domain, a->offline[i].time_ms);
        model_send(m, s, stanza_root(st));
        stanza_free(st);
    }
    free(a->offline);
    a->offline = NULL;
    a->noffline = a->capoffline = 0;
}

static bool type_is(const char *type, const char *want)
{
    return type != NULL && strcmp(type, want) == 0;
}

/* M7: a message to the bare JID of an existing account. */
static void message_to_account(struct session *s, struct account *a, const struct stanza_node *el)
{
    struct model *m = s->m;
    const char *type = stanza_attr(el, "", "type");
    if (type_is(type, "error"))
        return;
    if (type_is(type, "groupchat")) {
        route_error(s, el, "cancel", "service-unavailable", NULL);
        return;
    }
    struct user *u = model_user_find(m, a->name);
    size_t n = 0;
    if (type_is(type, "headline")) {
        for (size_t i = 0; u && i < u->nres; i++)
            if (u->res[i]->presence && u->res[i]->priority >= 0)
                model_send(m, u->res[i], el);
        return;
    }
    struct session **top = u ? model_xalloc(u->nres * sizeof *top) : NULL;
    n = top_resources(u, top);
    for (size_t i = 0; i < n; i++)
        model_send(m, top[i], el);
    free(top);
    if (n > 0)
        return;
    if (m->cfg.offline)
        offline_store(m, a, el);   /* O1 */
    else
        route_error(s, el, "cancel", "service-unavailable", NULL);   /* O2 */
}

static void route_message(struct session *s, const struct stanza_node *el, const struct jid *to)
{
    struct model *m = s->m;
    const char *type = stanza_attr(el, "", "type");
    if (to->local_len == 0) {   /* M10 */
        if (!route_is_reply(el))
            route_error(s, el, "cancel", "service-unavailable", NULL);
        return;
    }
    char *local = model_xalloc(to->local_len + 1);
    memcpy(local, jid_local(to), to->local_len);
    local[to->local_len] = '\0';
    struct account *a = account_find(m, local);
    struct session *target = to->resource_len ? model_resource_find(m, local, jid_resource(to))
                                              : NULL;
    free(local);
    if (target != NULL) {   /* M5 */
        model_send(m, target, el);
    } else if (a == NULL) {   /* M9 */
        if (!type_is(type, "headline") && !type_is(type, "error"))
            route_error(s, el, "cancel", "service-unavailable", NULL);
    } else if (to->resource_len && type_is(type, "headline")) {   /* M6 */
        return;
    } else if (to->resource_len && type_is(type, "groupchat")) {
        route_error(s, el, "cancel", "service-unavailable", NULL);
    } else {
        message_to_account(s, a, el);
    }
}

/* R2, R3: roster get. */
static void roster_get(struct session *s, const struct stanza_node *iq)
{
    const struct stanza_node *q = stanza_child(iq, XMPP_NS_ROSTER, "query");
    const char *ver = stanza_attr(q, "", "ver");
    unsigned long long reported = roster_reported_version(s->roster);
    s->interested = true;
    struct stanza *st = xmpp_iq_result(stanza_attr(iq, "", "id"), s->full_jid, NULL);
    char *end;
    if (ver == NULL || ver[0] == '\0' || strtoull(ver, &end, 10) != reported || *end != '\0') {
        struct stanza_node *rq = stanza_element_add(st, stanza_root(st), XMPP_NS_ROSTER, "query");
        struct buf v = {0};
        buf_put_u64(&v, reported);
        stanza_attr_add(st, rq, "", "ver", buf_cstr(&v));
        buf_free(&v);
        for (size_t i = 0; i < s->roster->nitems; i++)
            roster_item_to_xml(&s->roster->items[i], st, rq);
    }
    model_send(s->m, s, stanza_root(st));
    stanza_free(st);
}

/* R7: the item (or a removal) to every interested resource of the account. */
static void roster_push(struct model *m, const char *user, const struct roster *r,
                        const struct roster_item *it, const char *removed_jid)
{
    struct user *u = model_user_find(m, user);
    for (size_t i = 0; u && i < u->nres; i++) {
        struct session *t = u->res[i];
        if (!t->interested)
            continue;
        char id[32];
        session_next_id(t, id, sizeof id);
        struct stanza *st = stanza_new();
        struct stanza_node *iq = stanza_element_add(st, NULL, STANZA_NS_CLIENT, "iq");
        stanza_attr_add(st, iq, "", "type", "set");
        stanza_attr_add(st, iq, "", "id", id);
        struct stanza_node *q = stanza_element_add(st, iq, XMPP_NS_ROSTER, "query");
        struct buf v = {0};
        buf_put_u64(&v, roster_reported_version(r));
        stanza_attr_add(st, q, "", "ver", buf_cstr(&v));
        buf_free(&v);
        if (it != NULL) {
            roster_item_to_xml(it, st, q);
        } else {
            struct stanza_node *item = stanza_element_add(st, q, XMPP_NS_ROSTER, "item");
            stanza_attr_add(st, item, "", "jid", removed_jid);
            stanza_attr_add(st, item, "", "subscription", "remove");
        }
        model_send(m, t, iq);
        stanza_free(st);
    }
}

/* R4: the one item of a roster set and its normalised bare JID; NULL
 * after answering the error. */
static const struct stanza_node *roster_set_item(struct session *s, const struct stanza_node *iq,
                                                 struct jid *j)
{
    const struct stanza_node *q = stanza_child(iq, XMPP_NS_ROSTER, "query");
    const struct stanza_node *item = stanza_child(q, XMPP_NS_ROSTER, "item");
    const char *jid = item ? stanza_attr(item, "", "jid") : NULL;
    if (item == NULL || stanza_child_count(q) != 1 || jid == NULL ||
        jid_parse(j, jid, strlen(jid)) != JID_E_OK || j->resource_len) {
        jid_free(j);
        route_error(s, iq, "modify", "bad-request", NULL);
        return NULL;
    }
    size_t bl = jid_bare_len(j);
    if (strncmp(s->full_jid, j->str, bl) == 0 && s->full_jid[bl] == '/') {
        jid_free(j);
        route_error(s, iq, "cancel", "not-allowed", NULL);
        return NULL;
    }
    return item;
}

/* R5 (add/update) and R6 (remove). The R17 notifications to the contact
 * on removal belong to the subscription rules. */
static void roster_set(struct session *s, const struct stanza_node *iq)
{
    struct jid j;
    const struct stanza_node *item = roster_set_item(s, iq, &j);
    if (item == NULL)
        return;
    struct roster *r = s->roster;
    const char *sub = stanza_attr(item, "", "subscription");
    if (sub != NULL && strcmp(sub, "remove") == 0) {
        if (!roster_remove(r, j.str)) {
            route_error(s, iq, "modify", "item-not-found", NULL);
        } else {
            r->version++;
            struct stanza *res = xmpp_iq_result(stanza_attr(iq, "", "id"), s->full_jid, NULL);
            model_send(s->m, s, stanza_root(res));
            stanza_free(res);
            roster_push(s->m, s->username, r, NULL, j.str);
        }
        jid_free(&j);
        return;
    }
    size_t ngroups = 0;
    for (const struct stanza_node *g = stanza_child(item, XMPP_NS_ROSTER, "group"); g;
         g = stanza_child_next(g, XMPP_NS_ROSTER, "group"))
        ngroups++;
    const char **groups = model_xalloc((ngroups + 1) * sizeof *groups);
    struct buf *texts = model_xalloc((ngroups + 1) * sizeof *texts);
    size_t k = 0;
    for (const struct stanza_node *g = stanza_child(item, XMPP_NS_ROSTER, "group"); g;
         g = stanza_child_next(g, XMPP_NS_ROSTER, "group"), k++) {
        memset(&texts[k], 0, sizeof texts[k]);
        groups[k] = stanza_text(g, &texts[k]);
    }
    struct roster_item *it = roster_ensure(r, j.str);
    roster_item_set_meta(it, stanza_attr(item, "", "name"), groups, ngroups);
    it->approved = false;   /* R5/R19 quirk: a roster set drops the pre-approval */
    r->version++;
    for (k = 0; k < ngroups; k++)
        buf_free(&texts[k]);
    free(texts);
    free(groups);
    struct stanza *res = xmpp_iq_result(stanza_attr(iq, "", "id"), s->full_jid, NULL);
    model_send(s->m, s, stanza_root(res));
    stanza_free(res);
    roster_push(s->m, s->username, r, roster_find(r, j.str), NULL);
    jid_free(&j);
}

static bool payload_is(const struct stanza_node *iq, const char *ns, const char *name)
{
    const struct stanza_node *c = stanza_child(iq, NULL, NULL);
    return c && strcmp(c->ns, ns) == 0 && strcmp(c->name, name) == 0;
}

/* M14 (to self) and M15 (to the host: replies come from the domain). */
static void iq_to_server(struct session *s, const struct stanza_node *iq, bool host)
{
    const char *type = stanza_attr(iq, "", "type");
    const char *id = stanza_attr(iq, "", "id");
    const char *from = host ? s->m->domain : NULL;
    if (route_is_reply(iq))
        return;
    if (!host && payload_is(iq, XMPP_NS_ROSTER, "query")) {
        if (type_is(type, "get"))
            roster_get(s, iq);
        else
            roster_set(s, iq);
        return;
    }
    if ((type_is(type, "get") && payload_is(iq, XMPP_NS_PING, "ping")) ||
        (type_is(type, "set") && payload_is(iq, XMPP_NS_SESSION, "session"))) {
        struct stanza *r = xmpp_iq_result(id, s->full_jid, from);
        model_send(s->m, s, stanza_root(r));
        stanza_free(r);
        return;
    }
    struct stanza *r = xmpp_error_reply(iq, "cancel", "service-unavailable", NULL);
    stanza_attr_set(r, stanza_root(r), "from", from);
    model_send(s->m, s, stanza_root(r));
    stanza_free(r);
}

/* M2: a malformed iq gets bad-request; true when it was answered. */
static bool iq_invalid(struct session *s, const struct stanza_node *iq)
{
    const char *type = stanza_attr(iq, "", "type");
    const char *text = NULL;
    bool get_set = type_is(type, "get") || type_is(type, "set");
    if (!get_set && !type_is(type, "result") && !type_is(type, "error"))
        text = "Invalid IQ type";
    else if (stanza_attr(iq, "", "id") == NULL)
        text = "Missing required 'id' attribute";
    else if (get_set && stanza_child_count(iq) != 1)
        text = "Incorrect number of children for IQ stanza";
    if (text != NULL && !type_is(type, "error"))
        route_error(s, iq, "modify", "bad-request", text);
    return text != NULL;
}

static void route_iq(struct session *s, const struct stanza_node *iq, const struct jid *to)
{
    struct model *m = s->m;
    if (iq_invalid(s, iq))
        return;
    if (to == NULL || (to->resource_len == 0 && strncmp(to->str, s->full_jid,
                                                        jid_bare_len(to)) == 0 &&
                       s->full_jid[jid_bare_len(to)] == '/')) {
        iq_to_server(s, iq, false);
        return;
    }
    if (to->local_len == 0) {
        iq_to_server(s, iq, to->resource_len == 0);
        return;
    }
    struct session *target = NULL;
    if (to->resource_len) {
        char *local = model_xalloc(to->local_len + 1);
        memcpy(local, jid_local(to), to->local_len);
        local[to->local_len] = '\0';
        target = model_resource_find(m, local, jid_resource(to));
        free(local);
    }
    if (target != NULL)
        model_send(m, target, iq);   /* M12 */
    else if (!route_is_reply(iq))
        route_error(s, iq, "cancel", "service-unavailable", NULL);   /* M12, M13 */
}

/* M1: a `to` that is not a valid JID. */
static void bad_to(struct session *s, const struct stanza_node *el, const char *to)
{
    if (route_is_reply(el))
        return;
    struct buf text = {0};
    buf_puts(&text, "The destination address is invalid: ");
    buf_puts(&text, to);
    route_error(s, el, "modify", "jid-malformed", buf_cstr(&text));
    buf_free(&text);
}

void route_from_session(struct session *s, struct stanza *st)
{
    struct stanza_node *el = stanza_root(st);
    const char *type = stanza_attr(el, "", "type");
    if (type_is(type, "error") && stanza_child_count(el) == 0)
        return;   /* M3 */
    stanza_attr_set(st, el, "from", s->full_jid);   /* M1, 0.5 */
    const char *to_attr = stanza_attr(el, "", "to");
    struct jid to = {0};
    if (to_attr != NULL && jid_parse(&to, to_attr, strlen(to_attr)) != JID_E_OK) {
        bad_to(s, el, to_attr);
        return;
    }
    bool remote = to_attr != NULL && (to.domain_len != strlen(s->m->domain) ||
                                      memcmp(jid_domain(&to), s->m->domain, to.domain_len) != 0);
    if (remote) {   /* M11 */
        if (!route_is_reply(el))
            route_error(s, el, "cancel", "not-allowed",
                        "Communication with remote domains is not enabled");
    } else if (strcmp(el->name, "presence") == 0) {
        presence_from_session(s, st);
    } else if (strcmp(el->name, "iq") == 0) {
        route_iq(s, el, to_attr ? &to : NULL);
    } else if (to_attr == NULL) {
        struct account *a = account_find(s->m, s->username);
        if (a != NULL)
            message_to_account(s, a, el);
    } else {
        route_message(s, el, &to);
    }
    jid_free(&to);
}

void route_register_unauthenticated(struct session *s, const struct stanza_node *iq)
{
    /* G1-G5 are implemented with accounts; until then registration is
     * unhandled, which is G1's answer when it is disabled. */
    route_error(s, iq, "cancel", "service-unavailable", NULL);
}
