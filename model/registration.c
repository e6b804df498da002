/* registration: XEP-0077 (see registration.h).
 *
 * Protocol coupling, the stream circle (session <-> sasl, registration,
 * route, smacks): session dispatches a stream's top-level elements by state
 * (S6, A11) to SASL, registration, routing and stream management, and
 * those act back on the stream: SASL success restarts it (A5), removing
 * an account or changing its password closes its streams (G7), stream
 * management closes, hibernates and resumes them (SM11-SM21).
 * It also tells contacts.c of a deleted account (G7 step 2).
 */
#include "registration.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "conn.h"
#include "contacts.h"
#include "internal.h"
#include "jid.h"
#include "route.h"
#include "session.h"
#include "users.h"
#include "xmpp.h"

#define XMPP_NS_DATA "jabber:x:data"

/* EJ14: before authentication, ejabberd's mod_register answers as the server. */
static void send_tree(struct session *s, struct stanza *st)
{
    if (PROFILE_EJABBERD(s->m) && !s->authenticated)
        stanza_attr_set(st, stanza_root(st), "from", s->m->domain);
    conn_send(s->m, s, stanza_root(st));
    stanza_free(st);
}

static void add_text_el(struct stanza *st, struct stanza_node *parent, const char *ns,
                        const char *name, const char *text)
{
    struct stanza_node *e = stanza_element_add(st, parent, ns, name);
    if (text != NULL)
        stanza_text_add(st, e, text, strlen(text));
}

static void add_field(struct stanza *st, struct stanza_node *x, const char *var,
                      const char *type, const char *label, const char *value)
{
    struct stanza_node *f = stanza_element_add(st, x, XMPP_NS_DATA, "field");
    stanza_attr_add(st, f, "", "var", var);
    stanza_attr_add(st, f, "", "type", type);
    if (label != NULL)
        stanza_attr_add(st, f, "", "label", label);
    if (value != NULL)
        add_text_el(st, f, XMPP_NS_DATA, "value", value);
    else
        stanza_element_add(st, f, XMPP_NS_DATA, "required");
}

#define REGISTER_INSTRUCTIONS "Choose a username and password for use with this service."
#define REGISTER_INSTRUCTIONS_EJABBERD "Choose a username and password to register with this server"

/* G2: the form carries the instructions too, as the reference server's
 * (found by the differential explorer). */
static void send_form(struct session *s, const struct stanza_node *iq)
{
    struct stanza *st = xmpp_iq_reply(&s->m->heap, iq);
    struct stanza_node *q = stanza_element_add(st, stanza_root(st), XMPP_NS_REGISTER, "query");
    if (PROFILE_EJABBERD(s->m)) {   /* EJ14: mod_register's, with no data form */
        stanza_element_add(st, q, XMPP_NS_REGISTER, "username");
        stanza_element_add(st, q, XMPP_NS_REGISTER, "password");
        add_text_el(st, q, XMPP_NS_REGISTER, "instructions", REGISTER_INSTRUCTIONS_EJABBERD);
        send_tree(s, st);
        return;
    }
    add_text_el(st, q, XMPP_NS_REGISTER, "instructions", REGISTER_INSTRUCTIONS);
    stanza_element_add(st, q, XMPP_NS_REGISTER, "username");
    stanza_element_add(st, q, XMPP_NS_REGISTER, "password");
    struct stanza_node *x = stanza_element_add(st, q, XMPP_NS_DATA, "x");
    stanza_attr_add(st, x, "", "type", "form");
    add_text_el(st, x, XMPP_NS_DATA, "title", "Creating a new account");
    add_text_el(st, x, XMPP_NS_DATA, "instructions", REGISTER_INSTRUCTIONS);
    add_field(st, x, "FORM_TYPE", "hidden", NULL, XMPP_NS_REGISTER);
    add_field(st, x, "username", "text-single", "Username", NULL);
    add_field(st, x, "password", "text-private", "Password", NULL);
    send_tree(s, st);
}

/* A field's value: the <name/> element, or the data form's field (EJ29:
 * not under the ejabberd profile). */
static const char *field(const struct session *s, const struct stanza_node *q, const char *name,
                         struct buf *out)
{
    const struct stanza_node *e = stanza_child(q, XMPP_NS_REGISTER, name);
    if (e != NULL || PROFILE_EJABBERD(s->m))
        return e != NULL ? stanza_text(e, out) : NULL;
    const struct stanza_node *x = stanza_child(q, XMPP_NS_DATA, "x");
    for (const struct stanza_node *f = x ? stanza_child(x, XMPP_NS_DATA, "field") : NULL; f;
         f = stanza_child_next(f, XMPP_NS_DATA, "field")) {
        const char *var = stanza_attr(f, "", "var");
        const struct stanza_node *v = stanza_child(f, XMPP_NS_DATA, "value");
        if (var && v && strcmp(var, name) == 0)
            return stanza_text(v, out);
    }
    return NULL;
}

static void reply_error(struct session *s, const struct stanza_node *iq, const char *type,
                        const char *condition, const char *text)
{
    send_tree(s, route_error_stanza(s->m, iq, type, condition, text));
}

/* G3's checks of the two fields; false (answered) when they fail. */
static bool fields_ok(struct session *s, const struct stanza_node *iq, const char *user,
                      const char *pass, char *norm)
{
    struct buf missing = {.heap = &s->m->heap};
    if (user == NULL || user[0] == '\0')
        buf_puts(&missing, "Username: Required value missing");
    if (pass == NULL || pass[0] == '\0')
        buf_puts(&missing, missing.len ? "\nPassword: Required value missing"
                                       : "Password: Required value missing");
    bool ok = missing.len == 0 && jid_local_prep(user, strlen(user), norm) == JID_E_OK;
    if (missing.len > 0)
        reply_error(s, iq, "modify", "not-acceptable", buf_cstr(&missing));
    else if (!ok)
        reply_error(s, iq, "modify", "not-acceptable", "The requested username is invalid.");
    buf_free(&missing);
    return ok;
}

/* EJ29: the same checks as mod_register makes them. */
static bool fields_ok_ejabberd(struct session *s, const struct stanza_node *iq, const char *user,
                               const char *pass, char *norm)
{
    if (user == NULL || pass == NULL)
        reply_error(s, iq, "modify", "bad-request", NULL);
    else if (user[0] == '\0' || jid_local_prep(user, strlen(user), norm) != JID_E_OK)
        reply_error(s, iq, "modify", "jid-malformed", "Malformed username");
    else if (pass[0] == '\0')
        reply_error(s, iq, "modify", "not-acceptable",
                    "The password contains unacceptable characters");
    else
        return true;
    return false;
}

/* G3, T3 */
static void create(struct session *s, const struct stanza_node *iq, const struct stanza_node *q)
{
    struct heap *h = &s->m->heap;
    struct buf ub = {.heap = h}, pb = {.heap = h};
    const char *user = field(s, q, "username", &ub);
    const char *pass = field(s, q, "password", &pb);
    char *norm = heap_alloc(&s->m->heap, ub.len + 1);
    if (!(PROFILE_EJABBERD(s->m) ? fields_ok_ejabberd : fields_ok)(s, iq, user, pass, norm))
        ;   /* answered */
    else if (s->m->cfg.tombstones && account_tombstone_active(s->m, norm))
        reply_error(s, iq, "modify", "not-acceptable", NULL);
    else if (account_create(s->m, norm, pass) == NULL)
        reply_error(s, iq, "cancel", "conflict",
                    PROFILE_TEXT(s->m, "The requested username already exists.",
                                 "User already exists"));
    else
        send_tree(s, xmpp_iq_reply(&s->m->heap, iq));
    heap_free(&s->m->heap, norm);
    buf_free(&ub);
    buf_free(&pb);
}

void registration_unauthenticated(struct session *s, const struct stanza_node *iq)
{
    const char *type = stanza_attr(iq, "", "type");
    const struct stanza_node *q = stanza_child(iq, XMPP_NS_REGISTER, "query");
    if (!s->m->cfg.registration) {   /* G1: unhandled */
        reply_error(s, iq, "cancel", "service-unavailable", NULL);
    } else if (strcmp(type, "get") == 0) {
        send_form(s, iq);
    } else if (stanza_child(q, XMPP_NS_REGISTER, "remove") != NULL) {
        reply_error(s, iq, "auth", "registration-required", NULL);   /* G4 */
    } else {
        create(s, iq, q);
    }
}

/* The authenticated sessions of user, in SEMANTICS 0.4 order: bound ones
 * by ascending resource, then unbound ones by connection. Free the list. */
static size_t registration_sessions_of(struct model *m, const char *user, struct session ***out)
{
    struct session **list = heap_alloc(&m->heap, (m->nconns + 1) * sizeof *list);
    size_t n = 0;
    struct user *u = users_find(m, user);
    for (size_t i = 0; u && i < u->nres; i++)
        list[n++] = u->res[i];
    for (size_t i = 0; i < m->nconns; i++) {
        struct session *o = m->conns[i].session;
        if (o != NULL && o->full_jid == NULL && o->username && strcmp(o->username, user) == 0)
            list[n++] = o;
    }
    *out = list;
    return n;
}

/* G11: every other session of the account is reset, then the result. */
static void change_password(struct session *s, const struct stanza_node *iq,
                            const struct stanza_node *q)
{
    struct buf ub = {.heap = &s->m->heap}, pb = {.heap = &s->m->heap};
    const char *user = field(s, q, "username", &ub);
    const char *pass = field(s, q, "password", &pb);
    char *norm = heap_alloc(&s->m->heap, ub.len + 1);
    struct account *a = account_find(s->m, s->username);
    bool own = user != NULL && jid_local_prep(user, strlen(user), norm) == JID_E_OK &&
               strcmp(norm, s->username) == 0;
    if (user != NULL && !own && PROFILE_EJABBERD(s->m) && pass != NULL) {
        /* EJ19: another name is a registration, which a logged-in user may not do */
        reply_error(s, iq, "auth", "forbidden", "Access denied by service policy");
    } else if (!own || pass == NULL || pass[0] == '\0' || a == NULL) {
        reply_error(s, iq, "modify", "bad-request", NULL);
    } else {
        heap_free(&s->m->heap, a->password);
        a->password = heap_strdup(&s->m->heap, pass);
        struct session **list;
        size_t n = registration_sessions_of(s->m, s->username, &list);
        for (size_t i = 0; i < n; i++)
            if (list[i] != s && !PROFILE_EJABBERD(s->m))   /* EJ27: ejabberd closes none */
                session_close(list[i], "reset", "Password changed", NULL, NULL);
        heap_free(&s->m->heap, list);
        send_tree(s, xmpp_iq_reply(&s->m->heap, iq));
    }
    heap_free(&s->m->heap, norm);
    buf_free(&ub);
    buf_free(&pb);
}

void registration_account(struct session *s, const struct stanza_node *iq)
{
    const char *type = stanza_attr(iq, "", "type");
    const struct stanza_node *q = stanza_child(iq, XMPP_NS_REGISTER, "query");
    if (strcmp(type, "get") == 0) {   /* G6 */
        struct stanza *st = xmpp_iq_reply(&s->m->heap, iq);
        struct stanza_node *rq = stanza_element_add(st, stanza_root(st), XMPP_NS_REGISTER,
                                                    "query");
        stanza_element_add(st, rq, XMPP_NS_REGISTER, "registered");
        add_text_el(st, rq, XMPP_NS_REGISTER, "username", s->username);
        stanza_element_add(st, rq, XMPP_NS_REGISTER, "password");
        if (PROFILE_EJABBERD(s->m))   /* EJ14: mod_register's instructions here too */
            add_text_el(st, rq, XMPP_NS_REGISTER, "instructions", REGISTER_INSTRUCTIONS_EJABBERD);
        send_tree(s, st);
        return;
    }
    const struct stanza_node *first = stanza_child(q, NULL, NULL);
    if (first != NULL && strcmp(first->ns, XMPP_NS_REGISTER) == 0 &&
        strcmp(first->name, "remove") == 0)
        registration_delete(s->m, s->username, s, iq);
    else
        change_password(s, iq, q);
}

void registration_delete(struct model *m, const char *name, struct session *requester,
                         const struct stanza_node *iq)
{
    struct account *a = account_find(m, name);
    if (a == NULL)
        return;
    char *user = heap_strdup(&m->heap, name);
    account_detach(m, a);   /* (1) logins fail from now on */
    for (size_t i = 0; i < a->roster.nitems; i++)   /* (2) R17 per item */
        contacts_removal_notify(m, a, a->roster.items[i].jid);
    for (size_t i = 0; i < a->npending_in; i++)   /* and per pending-in requester */
        contacts_removal_notify(m, a, a->pending_in[i].key);
    if (!PROFILE_EJABBERD(m))   /* EJ34: ejabberd leaves them */
        contacts_revoke_grants(m, a);   /* and the one-sided grants R17 misses (G8) */
    struct session **list;
    size_t n = registration_sessions_of(m, user, &list);
    if (requester != NULL) {
        struct stanza *r = xmpp_iq_reply(&m->heap, iq);
        if (PROFILE_EJABBERD(m) && requester->full_jid != NULL)   /* EJ14: from and to the requester */
            stanza_attr_set(r, stanza_root(r), "from", requester->full_jid);
        conn_send(m, requester, stanza_root(r));
        stanza_free(r);
    }
    for (size_t i = 0; i < n; i++)   /* (3); EJ7: ejabberd_sm:disconnect_removed_user */
        session_close(list[i], PROFILE_EJABBERD(m) ? "conflict" : "not-authorized",
                      PROFILE_EJABBERD(m) ? "User removed" : "Account deleted", NULL, NULL);
    heap_free(&m->heap, list);
    if (m->cfg.tombstones)   /* (4) */
        account_tombstone_add(m, user);
    account_destroy(m, a);   /* (5) */
    smacks_forget_account(m, user);
    heap_free(&m->heap, user);
}
