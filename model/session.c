/* session: stream lifecycle, dispatch by state, bind (see session.h).
 *
 * Protocol coupling, the stream circle (session <-> sasl, registration,
 * route, smacks): session dispatches a stream's top-level elements by state
 * (S6, A11) to SASL, registration, routing and stream management, and
 * those act back on the stream: SASL success restarts it (A5), removing
 * an account or changing its password closes its streams (G7), stream
 * management closes, hibernates and resumes them (SM11-SM21).
 */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "codec.h"
#include "conn.h"
#include "internal.h"
#include "jid.h"
#include "registration.h"
#include "route.h"
#include "sasl.h"
#include "smacks.h"
#include "users.h"
#include "xmpp.h"

#define GENERATED_RESOURCE_LEN 12

static void on_open(void *ctx, const struct xmlstream_header *h);
static void on_stanza(void *ctx, struct stanza *st);
static void on_closed(void *ctx);
static void on_error(void *ctx, enum xmlstream_error e);

static const struct xmlstream_callbacks session_callbacks = {on_open, on_stanza, on_closed,
                                                             on_error};

struct session *session_new(struct model *m, unsigned conn)
{
    struct session *s = heap_zalloc(&m->heap, sizeof *s);
    s->m = m;
    s->directed.heap = s->seen.heap = &m->heap;
    s->conn = conn;
    s->connected_ms = m->now_ms;
    struct xmlstream_limits lim = {m->cfg.stanza_size_max, m->cfg.depth_max, true, &m->warm,
                                   PROFILE_EJABBERD(m)};   /* EJ17: comments, PIs skipped */
    s->parser = xmlstream_new(&m->heap, &session_callbacks, s, &lim, m->hash_salt);
    return s;
}

void session_free(struct session *s)
{
    xmlstream_free(s->parser);
    heap_free(&s->m->heap, s->username);
    heap_free(&s->m->heap, s->full_jid);
    session_presence_forget(s);
    strset_clear(&s->directed);
    strset_clear(&s->seen);
    smacks_free(s->sm);
    heap_free(&s->m->heap, s);
}

void session_presence_forget(struct session *s)
{
    if (s->presence != s->m->bare_presence)
        stanza_free(s->presence);
    s->presence = NULL;
}

void session_destroy(struct session *s, const char *reason)
{
    struct model *m = s->m;
    if (s->destroyed)
        return;
    conn_touch(m, s);
    s->destroyed = true;
    struct conn *c = conn_get(m, s->conn);
    c->session = NULL;
    c->closed = true;
    m->nsessions--;
    smacks_end(s);   /* SM13: while still in the table */
    if (s->full_jid != NULL) {
        users_remove(m, s);
        m->observer->destroyed(s, reason);
    }
    if (s->parser != NULL)   /* a hibernating session has none */
        xmlstream_stop(s->parser);
    if (!s->busy)
        session_free(s);
}

/* Hands h or a copy of el to the stream in place of the bytes; false when
 * it cannot take it there. */
static bool inject(struct session *s, size_t len, const struct xmlstream_header *h,
                   const struct stanza_node *el, const char *bytes)
{
    if (h != NULL)
        return xmlstream_inject_header(s->parser, h, bytes, len);
    if (el == NULL)
        return false;
    struct stanza *copy = stanza_clone(&s->m->heap, el);
    if (xmlstream_inject(s->parser, copy, len, STANZA_NS_CLIENT))
        return true;
    stanza_free(copy);
    return false;
}

void session_input_parsed(struct session *s, const char *bytes, size_t len,
                          const struct xmlstream_header *h, const struct stanza_node *el)
{
    conn_touch(s->m, s);
    s->busy = true;
    if (!inject(s, len, h, el, bytes))
        xmlstream_feed(s->parser, bytes, len);
    s->busy = false;
    if (s->destroyed)
        session_free(s);
}

void session_hangup(struct session *s)
{
    if (smacks_hibernate(s))   /* SM11 */
        return;
    session_destroy(s, NULL);
}

bool session_owns(const struct session *s, const char *bare, size_t len)
{
    return s->full_jid != NULL && strncmp(s->full_jid, bare, len) == 0 && s->full_jid[len] == '/';
}

void session_next_id(struct session *s, struct buf *out)
{
    char rnd[9];
    prng_id(&s->m->prng, rnd, sizeof rnd);
    buf_puts(out, rnd);
    buf_putc(out, '-');
    buf_put_u64(out, ++s->id_counter);
}

void session_header_tail(const struct model *m, bool version, struct buf *out)
{
    buf_puts(out, "' from='");
    stanza_escape_attr(m->domain, strlen(m->domain), out);
    buf_puts(out, version ? "' version='1.0' xml:lang='en'>" : "' xml:lang='en'>");
}

/* S4: the server's stream header: its start, a new id, and the tail the
 * model built at its start. */
static void send_header(struct session *s, bool version)
{
    static const char head[] = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                               "xmlns:stream='http://etherx.jabber.org/streams' id='";
    struct model *m = s->m;
    char id[17];
    prng_id(&m->prng, id, sizeof id);
    size_t id_len = strlen(id);
    const struct buf *tail = &m->header_tail[version];
    conn_write(m, s->conn, head, sizeof head - 1);
    conn_write(m, s->conn, id, id_len);
    conn_write(m, s->conn, tail->data, tail->len);
    struct xmlstream_header h = {.from = m->domain, .version = version ? "1.0" : NULL,
                                 .lang = "en", .id = id, .content_ns = STANZA_NS_CLIENT};
    conn_header_written(m, s->conn, sizeof head - 1 + id_len + tail->len, &h);
    s->header_sent = true;
}

struct stanza *session_features_new(struct model *m, bool authenticated)
{
    struct stanza *st = stanza_new(&m->heap);
    struct stanza_node *f = stanza_element_add(st, NULL, STANZA_NS_STREAM, "features");
    if (!authenticated) {
        struct stanza_node *mechs = stanza_element_add(st, f, XMPP_NS_SASL, "mechanisms");
        struct stanza_node *plain = stanza_element_add(st, mechs, XMPP_NS_SASL, "mechanism");
        stanza_text_add(st, plain, "PLAIN", 5);
        if (m->cfg.registration)
            stanza_element_add(st, f, "http://jabber.org/features/iq-register", "register");
    } else {
        bool ej = PROFILE_EJABBERD(m);   /* EJ12: ejabberd's list and order */
        struct stanza_node *bind = stanza_element_add(st, f, XMPP_NS_BIND, "bind");
        if (!ej)
            stanza_element_add(st, bind, XMPP_NS_BIND, "required");
        struct stanza_node *sess = stanza_element_add(st, f, XMPP_NS_SESSION, "session");
        stanza_element_add(st, sess, XMPP_NS_SESSION, "optional");
        if (ej)
            smacks_features(st, f, false);
        stanza_element_add(st, f, "urn:xmpp:features:rosterver", "ver");
        if (!ej) {
            stanza_element_add(st, f, "urn:xmpp:features:pre-approval", "sub");
            smacks_features(st, f, true);   /* SM1 */
        }
    }
    return st;
}

/* S5: features by state, as built at the model's start. */
static void send_features(struct session *s)
{
    struct model *m = s->m;
    conn_send_serialized(m, s, stanza_root(m->features[s->authenticated]),
                         &m->features_bytes[s->authenticated]);
}

void session_close(struct session *s, const char *condition, const char *text,
                   const char *extra_ns, const char *extra_name)
{
    if (s->destroyed)
        return;
    smacks_before_close(s);   /* SM14 */
    if (smacks_hibernating(s)) {   /* no connection: nothing to write (SM20, SM21) */
        session_destroy(s, text ? text : condition);
        return;
    }
    if (!s->header_sent)
        send_header(s, true);
    if (condition != NULL) {
        struct stanza *st = stanza_new(&s->m->heap);
        struct stanza_node *e = stanza_element_add(st, NULL, STANZA_NS_STREAM, "error");
        stanza_element_add(st, e, XMPP_NS_STREAMS, condition);
        if (text != NULL) {
            struct stanza_node *t = stanza_element_add(st, e, XMPP_NS_STREAMS, "text");
            stanza_text_add(st, t, text, strlen(text));
        }
        if (extra_name != NULL)
            stanza_element_add(st, e, extra_ns, extra_name);
        conn_send(s->m, s, e);
        stanza_free(st);
    }
    conn_write(s->m, s->conn, "</stream:stream>", 16);
    session_destroy(s, text ? text : condition);
}

void session_restart_stream(struct session *s)
{
    s->header_sent = false;
    xmlstream_restart(s->parser);
}

/* S2: the checks on a stream header, in order; NULL when accepted.
 * *text is set only for a problem with a text. */
static const char *header_problem(struct session *s, const struct xmlstream_header *h,
                                  const char **text)
{
    if (strcmp(h->content_ns, STANZA_NS_CLIENT) != 0)
        return "invalid-namespace";
    if (h->to == NULL) {
        *text = PROFILE_TEXT(s->m, "A 'to' attribute is required on stream headers",
                             "Missing 'to' attribute");
        return "improper-addressing";
    }
    struct jid j;
    bool parsed = jid_parse(&j, &s->m->heap, h->to, strlen(h->to)) == JID_E_OK;
    if (!parsed && PROFILE_EJABBERD(s->m)) {   /* EJ35: the codec decodes the header */
        *text = "Bad value of attribute 'to' in tag <stream:stream/> qualified by namespace "
                "'jabber:client'";
        return "invalid-xml";
    }
    /* Prosody nameprep()s the whole `to`: a localpart or resource passes
     * and the JID is a host it does not serve; ejabberd refuses it (S2). */
    if (!parsed || (PROFILE_EJABBERD(s->m) && (j.local_len || j.resource_len))) {
        jid_free(&j);
        *text = PROFILE_TEXT(s->m, "A valid 'to' attribute is required on stream headers",
                             "Improper 'to' attribute");
        return "improper-addressing";
    }
    /* a first header for another domain closes the stream, so on a restart
     * the first `to` is the host */
    bool same = s->host == NULL || strcmp(s->host, j.str) == 0;
    bool served = strcmp(j.str, s->m->domain) == 0;
    jid_free(&j);
    if (!same) {
        *text = "The 'to' attribute must remain the same across stream restarts";
        return "not-authorized";
    }
    if (!served)
        return "host-unknown";
    return NULL;
}

static void on_open(void *ctx, const struct xmlstream_header *h)
{
    struct session *s = ctx;
    const char *text = NULL;
    const char *problem = header_problem(s, h, &text);
    bool version = h->version != NULL &&
                   (strcmp(h->version, "1.0") == 0 || strtod(h->version, NULL) > 0);
    if (problem != NULL) {
        if (strcmp(problem, "host-unknown") == 0 && !PROFILE_EJABBERD(s->m)) {
            struct buf b = {.heap = &s->m->heap};
            buf_puts(&b, "This server does not serve ");
            buf_puts(&b, h->to);
            session_close(s, problem, buf_cstr(&b), NULL, NULL);
            buf_free(&b);
        } else {
            session_close(s, problem, text, NULL, NULL);
        }
        return;
    }
    if (s->host == NULL)
        s->host = s->m->domain;
    send_header(s, version);
    send_features(s);
}

static void on_closed(void *ctx)
{
    struct session *s = ctx;
    /* S8: reply with our close, destroy at once, no reason. The stream
     * closes only after its header, which was answered or refused. */
    smacks_before_close(s);   /* SM14 */
    conn_write(s->m, s->conn, "</stream:stream>", 16);
    session_destroy(s, NULL);
}

static void on_error(void *ctx, enum xmlstream_error e)
{
    struct session *s = ctx;
    switch (e) {   /* S3 */
    case XMLSTREAM_E_STREAM_NAMESPACE:
        session_close(s, "invalid-namespace", NULL, NULL, NULL);
        return;
    case XMLSTREAM_E_TOO_BIG:
        session_close(s, "policy-violation", "XML stanza is too big",   /* EJ28: no child */
                      PROFILE_EJABBERD(s->m) ? NULL : XMPP_NS_ERRORS,
                      PROFILE_EJABBERD(s->m) ? NULL : "stanza-too-big");
        return;
    case XMLSTREAM_E_TOO_DEEP:
        session_close(s, "policy-violation", NULL, NULL, NULL);
        return;
    case XMLSTREAM_E_NONE:
    case XMLSTREAM_E_MALFORMED:
    case XMLSTREAM_E_DTD:
    case XMLSTREAM_E_COMMENT:
    case XMLSTREAM_E_PI:
    case XMLSTREAM_E_ENTITY:
    case XMLSTREAM_E_UNDECLARED_PREFIX:   /* EJ17: with expat's words */
        session_close(s, "not-well-formed",
                      PROFILE_TEXT(s->m, NULL, xmlstream_error_detail(s->parser)), NULL, NULL);
        return;
    }
}

static void reply(struct session *s, struct stanza *st)
{
    conn_send(s->m, s, stanza_root(st));
    stanza_free(st);
}

/* A7: a free server-generated resource for the account. */
static void generate_resource(struct session *s, char *out, size_t cap)
{
    do
        prng_id(&s->m->prng, out, cap);
    while (users_resource(s->m, s->username, out) != NULL);
}

static void bind_result(struct session *s, const struct stanza_node *iq)
{
    struct stanza *st = xmpp_iq_reply(&s->m->heap, iq);
    struct stanza_node *b = stanza_element_add(st, stanza_root(st), XMPP_NS_BIND, "bind");
    struct stanza_node *j = stanza_element_add(st, b, XMPP_NS_BIND, "jid");
    stanza_text_add(st, j, s->full_jid, strlen(s->full_jid));
    reply(s, st);
}

/* A9: enter the bound state. */
static void bind_to(struct session *s, const char *resource, const struct stanza_node *iq)
{
    struct account *a = account_find(s->m, s->username);
    struct buf full = {.heap = &s->m->heap};
    buf_puts(&full, s->username);
    buf_putc(&full, '@');
    buf_puts(&full, s->host);
    buf_putc(&full, '/');
    buf_puts(&full, resource);
    s->full_jid = heap_strdup(&s->m->heap, buf_cstr(&full));
    s->resource = s->full_jid + (full.len - strlen(resource));   /* inside full_jid */
    buf_free(&full);
    s->roster = &a->roster;
    users_add(s->m, s);
    bind_result(s, iq);
}

/* A7, A8, X1-X4 */
static void bind(struct session *s, const struct stanza_node *iq)
{
    if (!s->authenticated) {
        reply(s, route_error_stanza(s->m, iq, "auth", "not-authorized",
                                  "Cannot bind resource before authentication"));
        return;
    }
    const struct stanza_node *b = stanza_child(iq, XMPP_NS_BIND, "bind");
    const struct stanza_node *r = stanza_child(b, XMPP_NS_BIND, "resource");
    const char *type = stanza_attr(iq, "", "type");
    struct buf text = {.heap = &s->m->heap};
    const char *want = r && strcmp(type, "set") == 0 ? stanza_text(r, &text) : "";
    char *res = heap_alloc(&s->m->heap, strlen(want) + GENERATED_RESOURCE_LEN + 2);
    if (want[0] == '\0' || jid_resource_prep(want, strlen(want), res) != JID_E_OK)
        generate_resource(s, res, GENERATED_RESOURCE_LEN + 1);
    buf_free(&text);
    struct session *old = users_resource(s->m, s->username, res);
    if (old != NULL) {
        switch (s->m->cfg.conflict) {
        case MODEL_CONFLICT_KICK_OLD:   /* X2 */
            smacks_replacing(s->m, s);   /* EJ54 */
            session_close(old, "conflict", "Replaced by new connection", NULL, NULL);
            break;
        case MODEL_CONFLICT_REJECT_NEW: /* X3 */
            reply(s, route_error_stanza(s->m, iq, "cancel", "conflict",
                                      "Resource already exists"));
            heap_free(&s->m->heap, res);
            return;
        case MODEL_CONFLICT_RANDOM:     /* X4 */
            generate_resource(s, res, GENERATED_RESOURCE_LEN + 1);
            break;
        }
    }
    bind_to(s, res, iq);
    smacks_replaced(s->m);   /* EJ54: after the bind result */
    heap_free(&s->m->heap, res);
}

/* Whether a parsed `to` addresses the server itself: the domain with no
 * local part or resource. */
static bool is_server(const struct session *s, const struct jid *j)
{
    return j->local_len == 0 && j->resource_len == 0 && jid_domain_is(j, s->m->domain);
}

/* EJ13, EJ20: before binding, under the ejabberd profile, only an iq
 * with one child is taken, whatever its `to`: before authentication a
 * registration get or set (anything else ends the stream), after it a
 * bind set (anything else gets no answer). */
static void ejabberd_unbound(struct session *s, const struct stanza_node *el, const char *type)
{
    bool iq = strcmp(el->name, "iq") == 0 && stanza_child_count(el) == 1;
    bool set = type != NULL && strcmp(type, "set") == 0;
    bool get_set = set || (type != NULL && strcmp(type, "get") == 0);
    if (!s->authenticated && iq && get_set && stanza_child(el, XMPP_NS_REGISTER, "query"))
        registration_unauthenticated(s, el);   /* mod_register c2s_unauthenticated_packet */
    else if (!s->authenticated)
        session_close(s, "not-authorized", NULL, NULL, NULL);   /* EJ13 */
    else if (iq && set && stanza_child(el, XMPP_NS_BIND, "bind"))
        bind(s, el);   /* xmpp_stream_in process_bind */
}

/* A8, A11, G1: stanzas before a resource is bound; M1 first. A11's only
 * exceptions are bind and registration, and only addressed to the server
 * (no `to`, or the domain): Prosody looks their handlers up on the host
 * the stanza is addressed to. The legacy session iq (A10) is answered once
 * bound, like Prosody, whose session handlers listen to iq/self and
 * iq/host, events a stream fires only after binding. (Both found by the
 * differential explorer.) */
static void unbound_stanza(struct session *s, const struct stanza_node *el)
{
    const char *type = stanza_attr(el, "", "type");
    const char *to = stanza_attr(el, "", "to");
    struct jid j = {0};
    if (to != NULL && jid_parse(&j, &s->m->heap, to, strlen(to)) != JID_E_OK) {
        route_bad_to(s, el, to);
        return;
    }
    bool iq = strcmp(el->name, "iq") == 0 && (to == NULL || is_server(s, &j));
    jid_free(&j);
    bool get_set = type && (strcmp(type, "get") == 0 || strcmp(type, "set") == 0);
    if (PROFILE_EJABBERD(s->m)) {
        ejabberd_unbound(s, el, type);
        return;
    }
    if (iq && get_set && stanza_child(el, XMPP_NS_BIND, "bind")) {
        bind(s, el);
        return;
    }
    if (iq && get_set && !s->authenticated && stanza_child(el, XMPP_NS_REGISTER, "query")) {
        registration_unauthenticated(s, el);   /* G1-G5 */
        return;
    }
    if (route_is_reply(el))
        return;
    reply(s, route_error_stanza(s->m, el, "cancel", "service-unavailable", NULL));
}

/* S13: the client's own stream error: close without one of ours, with
 * the reason "CONDITION (TEXT)". */
static void client_stream_error(struct session *s, const struct stanza_node *el)
{
    struct buf reason = {.heap = &s->m->heap}, text = {.heap = &s->m->heap};
    const struct stanza_node *cond = NULL;
    for (const struct stanza_node *c = el->children; c && !cond; c = c->next)
        if (c->kind == STANZA_ELEMENT && strcmp(c->ns, XMPP_NS_STREAMS) == 0 &&
            strcmp(c->name, "text") != 0)
            cond = c;
    const struct stanza_node *t = stanza_child(el, XMPP_NS_STREAMS, "text");
    smacks_before_close(s);   /* SM14 */
    buf_puts(&reason, cond ? cond->name : "undefined-condition");
    if (t != NULL) {
        buf_puts(&reason, " (");
        buf_puts(&reason, stanza_text(t, &text));
        buf_putc(&reason, ')');
    }
    conn_write(s->m, s->conn, "</stream:stream>", 16);
    session_destroy(s, buf_cstr(&reason));
    buf_free(&reason);
    buf_free(&text);
}

static void on_stanza(void *ctx, struct stanza *st)
{
    struct session *s = ctx;
    const struct stanza_node *el = stanza_root(st);
    bool client = strcmp(el->ns, STANZA_NS_CLIENT) == 0 &&
                  (strcmp(el->name, "message") == 0 || strcmp(el->name, "presence") == 0 ||
                   strcmp(el->name, "iq") == 0);
    if (strcmp(el->ns, STANZA_NS_CLIENT) == 0) {
        s->stanzas_in++;      /* observed apart from SM4's count (I18) */
        smacks_count_in(s);   /* SM4 */
    }
    if (client && PROFILE_EJABBERD(s->m) && !codec_decode(s, st))
        ;   /* EJ18: refused by the codec, on any stream */
    else if (strcmp(el->ns, XMPP_NS_SASL) == 0 && !s->authenticated)
        sasl_handle(s, el);
    else if (strcmp(el->ns, XMPP_NS_SASL) == 0 && PROFILE_EJABBERD(s->m) &&
             (strcmp(el->name, "auth") == 0 || strcmp(el->name, "response") == 0))
        sasl_handle_late(s);   /* EJ20 */
    else if (smacks_element(s, el))
        ;   /* SM2-SM18 */
    else if (strcmp(el->ns, STANZA_NS_STREAM) == 0 && strcmp(el->name, "error") == 0)
        client_stream_error(s, el);
    else if (!client && !PROFILE_EJABBERD(s->m))
        session_close(s, "unsupported-stanza-type", NULL, NULL, NULL);   /* S6, A6 */
    else if (!client)
        ;   /* EJ17: nothing handles it, nothing answers */
    else if (s->full_jid != NULL)
        route_from_session(s, st);
    else
        unbound_stanza(s, el);
    stanza_free(st);
}
