/* smacks: stream management (see smacks.h; SEMANTICS SM1-SM22).
 *
 * Protocol couplings: the stream circle (session <-> sasl, registration,
 * route, smacks): session dispatches a stream's top-level elements by state
 * (S6, A11) to SASL, registration, routing and stream management, and
 * those act back on the stream: SASL success restarts it (A5), removing
 * an account or changing its password closes its streams (G7), stream
 * management closes, hibernates and resumes them (SM11-SM21).
 * And the write path (conn <-> smacks): every stanza
 * conn_send writes is counted and queued by stream management (SM5), which
 * then asks for an ack (SM9) and writes its own elements on the connection.
 */
#include "smacks.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "codec.h"
#include "conn.h"
#include "internal.h"
#include "jid.h"
#include "prng.h"
#include "route.h"
#include "session.h"
#include "users.h"
#include "xmpp.h"

/* ---- the queue (SM5, SM8, SM10) ---- */

static struct smacks_copy *copy_at(const struct smacks *sm, size_t i)
{
    return &sm->q[(sm->first + i) % sm->cap];
}

/* SM10: smacks_max_queue_size. */
static size_t queue_max(const struct model *m)
{
    return m->cfg.sm_queue_max ? m->cfg.sm_queue_max : SMACKS_QUEUE_MAX;
}

static void queue_grow(struct smacks *sm, size_t max)
{
    size_t cap = sm->cap ? sm->cap * 2 : 4;
    if (cap > max)
        cap = max;
    struct smacks_copy *q = heap_alloc(sm->heap, cap * sizeof *q);
    for (size_t i = 0; i < sm->n; i++)
        q[i] = *copy_at(sm, i);
    heap_free(sm->heap, sm->q);
    sm->q = q;
    sm->cap = cap;
    sm->first = 0;
}

/* Removes the oldest copy and returns its tree (the caller's). */
static struct stanza *queue_pop(struct model *m, struct smacks *sm)
{
    struct stanza *st = copy_at(sm, 0)->st;
    sm->first = (sm->first + 1) % sm->cap;
    sm->n--;
    m->sm.in_queues--;
    return st;
}

static void queue_push(struct model *m, struct smacks *sm, struct stanza *st)
{
    size_t max = queue_max(m);
    if (sm->n == sm->cap && sm->cap < max)
        queue_grow(sm, max);
    if (sm->n == max) {   /* SM10: the oldest is lost */
        stanza_free(queue_pop(m, sm));
        m->sm.dropped++;
    }
    struct smacks_copy *c = &sm->q[(sm->first + sm->n) % sm->cap];
    c->st = st;
    c->written = 0;
    sm->n++;
    m->sm.in_queues++;
    m->sm.queued++;
}

static const char h_invalid[] = "Missing or invalid 'h' attribute";

/* smqueue:ack(h): NULL on success, else the SM8 error text (h_invalid for
 * a fraction within range, SM6). */
static const char *queue_ack(struct model *m, struct smacks *sm, double h)
{
    if (h < sm->acked && PROFILE_EJABBERD(m))
        h = sm->acked;   /* EJ31: an h behind drops nothing and is no error */
    if (h < sm->acked)
        return "Client acknowledged less stanzas than already acknowledged";
    if (h > sm->h_out)
        return "Client acknowledged more stanzas than sent by server";
    if (h != (double)(uint32_t)h)
        return h_invalid;
    sm->acked = (uint32_t)h;
    while ((size_t)(sm->h_out - sm->acked) < sm->n) {
        stanza_free(queue_pop(m, sm));
        m->sm.acked++;
    }
    if (sm->n == 0) {   /* an idle managed session holds no queue storage */
        heap_free(sm->heap, sm->q);
        sm->q = NULL;
        sm->cap = sm->first = 0;
    }
    return NULL;
}

/* smqueue:resumable(): no copy was lost past the acked ones (SM10). */
static bool queue_resumable(const struct smacks *sm)
{
    return sm->n >= (size_t)(sm->h_out - sm->acked);
}

void smacks_free(struct smacks *sm)
{
    if (sm == NULL)
        return;
    for (size_t i = 0; i < sm->n; i++)
        stanza_free(copy_at(sm, i)->st);
    heap_free(sm->heap, sm->q);
    heap_free(sm->heap, sm);
}

static void prune(struct model *m, const char *user);

/* ---- elements ---- */

void smacks_features(struct stanza *st, struct stanza_node *features, bool optional)
{
    struct stanza_node *f2 = stanza_element_add(st, features, SMACKS_NS2, "sm");
    if (optional)
        stanza_element_add(st, f2, SMACKS_NS2, "optional");
    struct stanza_node *f3 = stanza_element_add(st, features, SMACKS_NS3, "sm");
    if (optional)
        stanza_element_add(st, f3, SMACKS_NS3, "optional");
}

static void put_u32(struct heap *h, struct stanza *st, struct stanza_node *el, const char *name,
                    uint32_t v)
{
    struct buf b = {.heap = h};
    buf_put_u64(&b, v);
    stanza_attr_add(st, el, "", name, buf_cstr(&b));
    buf_free(&b);
}

/* Writes a new SM element (not counted, not queued) to s's connection
 * (touched already: by the input being read, or by the close that
 * destroys s). */
static void send_sm(struct session *s, struct stanza *st)
{
    conn_write_stanza(s->m, s->conn, stanza_root(st));
    stanza_free(st);
}

static struct stanza *sm_element(struct heap *h, const char *ns, const char *name,
                                 struct stanza_node **el)
{
    struct stanza *st = stanza_new(h);
    *el = stanza_element_add(st, NULL, ns, name);
    return st;
}

/* SM9 on an enabled session with a connection (the callers' part of
 * should_ack: conn_drain skips closed connections, and a closing or
 * destroyed session has none); forced (after a resumption), the queue
 * does not decide (should_ack returns `force` before looking at it). */
static void request(struct session *s, bool forced)
{
    struct smacks *sm = s->sm;
    if (sm->awaiting_ack)
        return;
    if (!forced && (sm->h_out == sm->acked || sm->h_out == sm->last_requested))
        return;
    sm->awaiting_ack = true;
    sm->last_requested = sm->h_out;
    struct stanza_node *r;
    send_sm(s, sm_element(&s->m->heap, sm->ns, "r", &r));
}

static void send_failed_text(struct session *s, const char *ns, const char *condition,
                             const char *text)
{
    struct stanza_node *f;
    struct stanza *st = sm_element(&s->m->heap, ns, "failed", &f);
    stanza_element_add(st, f, XMPP_NS_STANZAS, condition);
    if (text != NULL)
        stanza_text_add(st, stanza_element_add(st, f, XMPP_NS_STANZAS, "text"), text,
                        strlen(text));
    send_sm(s, st);
}

static void send_failed(struct session *s, const char *ns, const char *condition)
{
    send_failed_text(s, ns, condition, NULL);
}

static void send_ack(struct session *s)
{
    struct stanza_node *a;
    struct stanza *st = sm_element(&s->m->heap, s->sm->ns, "a", &a);
    put_u32(&s->m->heap, st, a, "h", s->sm->h_in);
    send_sm(s, st);
}

/* SM2, SM3 */
static void enable(struct session *s, const char *ns, const struct stanza_node *el)
{
    if (!s->authenticated) {
        send_failed(s, ns, "service-unavailable");
        return;
    }
    if (s->full_jid == NULL || s->sm != NULL) {
        send_failed(s, ns, "unexpected-request");
        return;
    }
    prune(s->m, s->username);
    struct smacks *sm = heap_zalloc(&s->m->heap, sizeof *sm);
    sm->heap = &s->m->heap;
    sm->ns = ns;
    sm->in_base = s->stanzas_in;
    s->sm = sm;
    struct stanza_node *e;
    struct stanza *st = sm_element(&s->m->heap, ns, "enabled", &e);
    const char *resume = stanza_attr(el, "", "resume");
    bool resumable = resume != NULL && (strcmp(resume, "true") == 0 || strcmp(resume, "1") == 0);
    if (resume != NULL && (resumable || !PROFILE_EJABBERD(s->m)))   /* echoed as sent, whatever */
        stanza_attr_add(st, e, "", "resume",   /* its value (found live); EJ12: 'true' or none */
                        PROFILE_EJABBERD(s->m) ? "true" : resume);
    if (resumable) {
        prng_id(&s->m->prng, sm->token, sizeof sm->token);
        stanza_attr_add(st, e, "", "id", sm->token);
        unsigned long long ms = s->m->cfg.sm_hibernation_ms;
        put_u32(&s->m->heap, st, e, "max", (uint32_t)((ms ? ms : SMACKS_HIBERNATION_MS) / 1000));
    }
    send_sm(s, st);
}

static bool lua_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int digit_value(char c, bool hex)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (hex && c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Lua 5.4's l_str2int: spaces around, a sign, then 0x and hex digits
 * (wrapping modulo 2^64) or decimal digits (past 2^63 - 1 Lua reads a
 * float, which compares with any count as the exact value does). */
static bool lua_integer(const char *p, double *out)
{
    while (lua_space(*p))
        p++;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    if (hex)
        p += 2;
    uint64_t x = 0;
    double v = 0;
    int n = 0, d;
    for (; (d = digit_value(*p, hex)) >= 0; p++, n++) {
        x = x * 16 + (uint64_t)d;
        v = v * 10 + d;
    }
    while (lua_space(*p))
        p++;
    if (n == 0 || *p != '\0')
        return false;
    *out = hex ? (double)(int64_t)(neg ? 0 - x : x) : neg ? -v : v;
    return true;
}

/* Reads an h attribute as Lua 5.4's tonumber does (SM6): an integer
 * (lua_integer), else a float as strtod reads it (hexadecimal, exponents
 * and fractions included; not inf or nan), spaces around it allowed. */
static bool parse_h(const char *text, double *out)
{
    if (text == NULL)
        return false;
    if (lua_integer(text, out))
        return true;
    char *end;
    if (strpbrk(text, "nN") != NULL)
        return false;
    *out = strtod(text, &end);
    if (end == text)
        return false;
    while (lua_space(*end))
        end++;
    return *end == '\0';
}

/* SM8 */
static void ack(struct session *s, const struct stanza_node *el)
{
    struct smacks *sm = s->sm;
    sm->awaiting_ack = false;
    double h;
    const char *err = parse_h(stanza_attr(el, "", "h"), &h) ? queue_ack(s->m, sm, h) : h_invalid;
    if (err != NULL) {
        session_close(s, err == h_invalid ? "invalid-xml" : "undefined-condition", err, NULL,
                      NULL);
        return;
    }
    smacks_request(s);
}

/* ---- resumption (SM15-SM18) ---- */

static struct session *token_owner(struct model *m, const char *user, const char *token)
{
    struct user *u = users_find(m, user);
    for (size_t i = 0; u && token && i < u->nres; i++) {
        const struct smacks *sm = u->res[i]->sm;
        if (sm != NULL && sm->token[0] && strcmp(sm->token, token) == 0)
            return u->res[i];
    }
    return NULL;
}

static size_t expired_find(const struct model *m, const char *user, const char *token)
{
    for (size_t i = 0; token && i < m->sm.nold; i++)
        if (strcmp(m->sm.old[i].user, user) == 0 && strcmp(m->sm.old[i].token, token) == 0)
            return i;
    return (size_t)-1;
}

static void expired_remove(struct model *m, size_t i)
{
    heap_free(&m->heap, m->sm.old[i].user);
    memmove(&m->sm.old[i], &m->sm.old[i + 1], (m->sm.nold - i - 1) * sizeof *m->sm.old);
    m->sm.nold--;
}

/* EJ53: whether token has the form of the ids this model hands out
 * (prng_id's: SMACKS_TOKEN_LEN characters of its alphabet), as ejabberd
 * tells the ids it could have issued by decoding them. */
static bool token_form(const char *token)
{
    return token != NULL && strlen(token) == SMACKS_TOKEN_LEN &&
           strspn(token, PRNG_ID_ALPHABET) == SMACKS_TOKEN_LEN;
}

/* SM17: unknown or expired token; EJ53: with mod_stream_mgmt's text. */
static void resume_unknown(struct session *s, const char *ns, const char *token)
{
    struct stanza_node *f;
    struct stanza *st = sm_element(&s->m->heap, ns, "failed", &f);
    size_t i = s->username ? expired_find(s->m, s->username, token) : (size_t)-1;
    bool expired = i != (size_t)-1;
    if (expired) {
        put_u32(&s->m->heap, st, f, "h", s->m->sm.old[i].h);
        expired_remove(s->m, i);
    }
    stanza_element_add(st, f, XMPP_NS_STANZAS, "item-not-found");
    if (PROFILE_EJABBERD(s->m)) {
        const char *text = expired             ? "Previous session timed out"
                           : token_form(token) ? "Previous session not found"
                                               : "Invalid 'previd' value";
        stanza_text_add(st, stanza_element_add(st, f, XMPP_NS_STANZAS, "text"), text,
                        strlen(text));
    }
    send_sm(s, st);
}

/* The session state that belongs to the connection, not to the session:
 * what a resumed session takes from the stream it resumes on. */
static void take_stream(struct session *to, const struct session *from)
{
    to->conn = from->conn;
    to->parser = from->parser;
    to->header_sent = from->header_sent;
    to->busy = from->busy;
    to->connected_ms = from->connected_ms;
}

/* SM15: old's identity moves onto fresh's connection. fresh (unbound,
 * inside its parser, its connection touched) keeps its address, so the
 * parser callbacks and the connection go on with the resumed session; the
 * old struct becomes fresh's former self with the old connection's parser
 * and is freed. */
static void transplant(struct model *m, struct session *fresh, struct session *old)
{
    struct conn *oc = &m->conns[old->conn - 1];
    oc->closed = true;   /* a connection the session still had is closed, no bytes */
    oc->session = NULL;
    users_remove(m, old);
    struct session tmp = *fresh;
    *fresh = *old;
    take_stream(fresh, &tmp);
    struct xmlstream *parser = old->parser;
    *old = tmp;
    old->parser = parser;
    users_add(m, fresh);
    m->nsessions--;
    session_free(old);
    fresh->sm->hibernating = false;
}

static void resend(struct session *s)
{
    for (size_t i = 0; i < s->sm->n; i++) {
        struct smacks_copy *cp = copy_at(s->sm, i);
        if (cp->written == s->conn)
            s->sm->duplicate = true;   /* I17 */
        cp->written = s->conn;
        conn_write_stanza(s->m, s->conn, stanza_root(cp->st));
    }
}

static void resume(struct session *s, const char *ns, const struct stanza_node *el)
{
    if (s->full_jid != NULL) {
        send_failed(s, ns, "unexpected-request");   /* SM16 */
        return;
    }
    const char *token = stanza_attr(el, "", "previd");
    struct session *old = s->username ? token_owner(s->m, s->username, token) : NULL;
    if (old == NULL) {
        resume_unknown(s, ns, token);
        return;
    }
    transplant(s->m, s, old);
    struct smacks *sm = s->sm;
    double h;
    const char *err = parse_h(stanza_attr(el, "", "h"), &h) ? queue_ack(s->m, sm, h) : h_invalid;
    if (err == NULL && !queue_resumable(sm))
        err = "Too many unacked stanzas remaining, session can't be resumed";
    if (err == NULL || !PROFILE_EJABBERD(s->m)) {   /* EJ32: the stream error alone */
        struct stanza_node *r;
        struct stanza *st = sm_element(&s->m->heap, ns, err ? "failed" : "resumed", &r);
        put_u32(&s->m->heap, st, r, "h", sm->h_in);
        stanza_attr_add(st, r, "", "previd", sm->token);
        send_sm(s, st);
    }
    if (err != NULL) {   /* SM18 */
        bool overflow = err[0] == 'T';
        session_close(s, overflow ? "resource-constraint" : "undefined-condition", err, NULL,
                      NULL);
        return;
    }
    resend(s);
    sm->awaiting_ack = false;
    request(s, true);   /* SM9: forced, even with an empty queue */
    if (PROFILE_EJABBERD(s->m))
        sm->awaiting_ack = false;   /* EJ55: that <r/> is not waited for */
}

/* EJ31: an element the codec refuses gets <failed><bad-request/> with its
 * text, in the element's namespace; the stream stays open. */
static bool undecodable(struct session *s, const char *ns, const struct stanza_node *el)
{
    struct buf text = {.heap = &s->m->heap};
    codec_sm_check(el, &text);
    bool refused = text.len > 0;
    if (refused)
        send_failed_text(s, ns, "bad-request", buf_cstr(&text));
    buf_free(&text);
    return refused;
}

/* EJ30: mod_stream_mgmt's refusals of an <enable/>, <resume/>, <r/> or
 * <a/>; false when the element goes on. */
static bool refused_ejabberd(struct session *s, const char *ns, const struct stanza_node *el)
{
    bool enable = strcmp(el->name, "enable") == 0, resume = strcmp(el->name, "resume") == 0;
    if (!enable && !resume && strcmp(el->name, "r") != 0 && strcmp(el->name, "a") != 0)
        return false;
    if (!s->authenticated || (s->full_jid == NULL && !resume))
        send_failed_text(s, SMACKS_NS3, "not-authorized", "Unauthorized");
    else if (s->full_jid == NULL)
        return false;   /* a resumption before binding */
    else if (s->sm == NULL && !enable)
        send_failed_text(s, ns, "unexpected-request", "Stream management is not enabled");
    else if (s->sm != NULL && strcmp(ns, s->sm->ns) != 0)
        send_failed_text(s, s->sm->ns, "unexpected-request", "Unsupported version");
    else if (s->sm != NULL && (enable || resume))
        send_failed_text(s, ns, "unexpected-request", "Stream management is already enabled");
    else
        return false;
    return true;
}

bool smacks_element(struct session *s, const struct stanza_node *el)
{
    const char *ns = strcmp(el->ns, SMACKS_NS3) == 0   ? SMACKS_NS3
                     : strcmp(el->ns, SMACKS_NS2) == 0 ? SMACKS_NS2
                                                       : NULL;
    if (ns == NULL)
        return false;
    if (PROFILE_EJABBERD(s->m) && undecodable(s, ns, el))
        ;   /* EJ31 */
    else if (PROFILE_EJABBERD(s->m) && refused_ejabberd(s, ns, el))
        ;   /* EJ30 */
    else if (strcmp(el->name, "enable") == 0)
        enable(s, ns, el);
    else if (strcmp(el->name, "resume") == 0)
        resume(s, ns, el);
    else if (s->sm != NULL && strcmp(el->name, "r") == 0)
        send_ack(s);   /* SM7 */
    else if (s->sm != NULL && strcmp(el->name, "a") == 0)
        ack(s, el);
    else
        session_close(s, "unsupported-stanza-type", NULL, NULL, NULL);   /* SM7, S6 */
    return true;
}

void smacks_count_in(struct session *s)
{
    if (s->sm != NULL)
        s->sm->h_in++;
}

/* SM5: a message, presence or iq: the server's jabber:client elements
 * are those three (features and stream errors are in the stream
 * namespace). */
static bool counted(const struct stanza_node *el)
{
    return strcmp(el->ns, STANZA_NS_CLIENT) == 0;
}

/* SM5: the copy, with a delay for messages and presences. */
static struct stanza *copy_of(struct session *s, const struct stanza_node *el)
{
    if (strcmp(el->name, "iq") == 0 || stanza_child(el, XMPP_NS_DELAY, "delay") != NULL)
        return stanza_clone(&s->m->heap, el);
    struct stanza *st = stanza_clone_extra(&s->m->heap, el, XMPP_DELAY_BYTES);
    struct buf bare = {.heap = &s->m->heap};
    buf_puts(&bare, s->username);
    buf_putc(&bare, '@');
    buf_puts(&bare, s->host);
    if (!PROFILE_EJABBERD(s->m)) {
        xmpp_add_delay(st, stanza_root(st), buf_cstr(&bare), s->m->now_ms);
    } else {   /* EJ12: stamped by the server, "Resent" */
        struct stanza_node *d = xmpp_add_delay(st, stanza_root(st), s->m->domain, s->m->now_ms);
        stanza_text_add(st, d, SMACKS_RESENT_TEXT, strlen(SMACKS_RESENT_TEXT));
        codec_encode_order(stanza_root(st));   /* EJ18: before the known children */
    }
    buf_free(&bare);
    return st;
}

bool smacks_outbound(struct session *s, const struct stanza_node *el)
{
    struct smacks *sm = s->sm;
    if (!counted(el))
        return !sm->hibernating;
    sm->h_out++;
    queue_push(s->m, sm, copy_of(s, el));
    if (sm->hibernating)
        return false;
    copy_at(sm, sm->n - 1)->written = s->conn;
    return true;
}

void smacks_request(struct session *s)
{
    request(s, false);
}

/* ---- hibernation and the end of a session ---- */

bool smacks_hibernating(const struct session *s)
{
    return s->sm != NULL && s->sm->hibernating;
}

bool smacks_hibernate(struct session *s)
{
    struct smacks *sm = s->sm;
    if (sm == NULL || sm->token[0] == '\0' || s->full_jid == NULL)
        return false;
    sm->hibernating = true;
    sm->hibernated_ms = s->m->now_ms;
    xmlstream_free(s->parser);
    s->parser = NULL;
    conn_touch(s->m, s);
    return true;
}

void smacks_before_close(struct session *s)
{
    if (s->sm == NULL)   /* the token dies with the session, destroyed next */
        return;
    if (!s->sm->hibernating && !s->m->conns[s->conn - 1].closed && !PROFILE_EJABBERD(s->m))
        send_ack(s);   /* SM14; EJ12: ejabberd sends no last <a/> */
}

static bool only_resource(const struct model *m, const struct session *s)
{
    const struct user *u = users_find(m, s->username);
    return u != NULL && u->nres == 1 && u->res[0] == s;
}

/* EJ32: a copy as ejabberd queued it, without EJ12's "Resent" delay
 * (copy_of adds one only where the stanza had none). */
static struct stanza *as_queued(struct model *m, const struct stanza_node *el)
{
    struct stanza *st = stanza_clone(&m->heap, el);
    struct stanza_node *root = stanza_root(st), *prev = NULL;
    struct buf text = {.heap = &m->heap};
    for (struct stanza_node **link = &root->children; *link != NULL; link = &(*link)->next) {
        struct stanza_node *c = *link;
        if (c->kind == STANZA_ELEMENT && strcmp(c->ns, XMPP_NS_DELAY) == 0 &&
            strcmp(stanza_text(c, &text), SMACKS_RESENT_TEXT) == 0) {
            *link = c->next;
            if (root->children_last == c)
                root->children_last = prev;
            break;
        }
        prev = c;
    }
    buf_free(&text);
    return st;
}

/* EJ32: ejabberd_router:route_error/2 answers nothing of type error or
 * result; a message's type is never result there (an unknown one is read
 * as normal), so only an iq result is left out besides the errors. */
static bool unanswered(const struct model *m, const struct stanza_node *el)
{
    const char *type = stanza_attr(el, "", "type");
    return xmpp_type_is(type, "error") ||
           (PROFILE_EJABBERD(m) && strcmp(el->name, "iq") == 0 && xmpp_type_is(type, "result"));
}

/* SM13: the error reply to a copy goes to a live resource, else nowhere;
 * a copy from s's own full JID finds s, destroyed (session_destroy runs
 * SM13), and is dropped; under the ejabberd profile, when s is being
 * replaced, that reply waits for the session that takes its full JID
 * (EJ54). */
static void bounce(struct session *s, const struct stanza_node *el)
{
    struct model *m = s->m;
    const char *from = stanza_attr(el, "", "from");
    struct jid j;
    struct session *to = NULL;
    if (from != NULL && !unanswered(m, el) &&
        jid_parse(&j, &m->heap, from, strlen(from)) == JID_E_OK) {
        if (jid_domain_is(&j, m->domain))
            to = users_resource_of(m, &j);
        jid_free(&j);
    }
    bool kept = to == s && m->sm.heir != NULL;   /* EJ54 */
    if (to == NULL || (to->destroyed && !kept)) {
        m->sm.dropped++;
        return;
    }
    struct stanza *r;
    if (PROFILE_EJABBERD(m)) {   /* EJ32 */
        struct stanza *q = as_queued(m, el);
        r = route_error_stanza(m, stanza_root(q), "cancel", "service-unavailable",
                               "User session terminated");
        stanza_free(q);
    } else {
        r = route_error_stanza(m, el, "cancel", "recipient-unavailable", NULL);
    }
    m->sm.bounced++;
    if (kept) {
        heap_grow(&m->heap, (void **)&m->sm.kept, &m->sm.capkept, m->sm.nkept,
                  sizeof *m->sm.kept);
        m->sm.kept[m->sm.nkept++] = r;
        return;
    }
    conn_send(m, to, stanza_root(r));
    stanza_free(r);
}

void smacks_replacing(struct model *m, struct session *heir)
{
    assert(m->sm.heir == NULL && m->sm.nkept == 0);
    if (PROFILE_EJABBERD(m))
        m->sm.heir = heir;
}

/* EJ54: ejabberd_sm's open_session registers the new session before it
 * tells the old one it is replaced, and the old one routes its unacked
 * stanzas' errors as it terminates: to the newest session of that full
 * JID, which handles them after its bind. */
void smacks_replaced(struct model *m)
{
    struct session *heir = m->sm.heir;
    m->sm.heir = NULL;
    for (size_t i = 0; i < m->sm.nkept; i++) {
        assert(heir != NULL && !heir->destroyed);
        conn_send(m, heir, stanza_root(m->sm.kept[i]));
        stanza_free(m->sm.kept[i]);
    }
    m->sm.nkept = 0;
}

static bool storable(const struct stanza_node *el)
{
    const char *type = stanza_attr(el, "", "type");
    return strcmp(el->name, "message") == 0 &&
           (type == NULL || xmpp_type_is(type, "chat") || xmpp_type_is(type, "normal"));
}

/* SM13: one copy's fate. */
static void settle(struct session *s, struct stanza *st)
{
    struct model *m = s->m;
    const struct stanza_node *el = stanza_root(st);
    struct account *a = storable(el) && only_resource(m, s) ? account_find(m, s->username) : NULL;
    if (PROFILE_EJABBERD(m) && strcmp(el->name, "presence") == 0) {
        m->sm.dropped++;   /* EJ32: a presence is dropped, nothing is stored */
    } else if (a != NULL && m->cfg.offline && !PROFILE_EJABBERD(m)) {
        route_offline_store(m, a, el);
        m->sm.stored++;
    } else {
        bounce(s, el);
    }
    stanza_free(st);
}

void smacks_end(struct session *s)
{
    struct smacks *sm = s->sm;
    if (sm == NULL)
        return;
    while (sm->n > 0)
        settle(s, queue_pop(s->m, sm));
    s->sm = NULL;
    smacks_free(sm);
}

static void expired_add(struct model *m, const struct session *s)
{
    heap_grow(&m->heap, (void **)&m->sm.old, &m->sm.capold, m->sm.nold, sizeof *m->sm.old);
    struct smacks_expired *e = &m->sm.old[m->sm.nold++];
    e->user = heap_strdup(&m->heap, s->username);
    memcpy(e->token, s->sm->token, sizeof e->token);
    e->h = s->sm->h_in;
}

void smacks_advance(struct model *m)
{
    unsigned long long limit = m->cfg.sm_hibernation_ms ? m->cfg.sm_hibernation_ms
                                                        : SMACKS_HIBERNATION_MS;
    for (size_t i = 0; i < m->nconns; i++) {
        struct session *s = m->conns[i].session;
        if (s == NULL || !smacks_hibernating(s) || m->now_ms - s->sm->hibernated_ms < limit)
            continue;
        expired_add(m, s);   /* SM12 */
        session_destroy(s, "Hibernating too long");
    }
}

void smacks_restart(struct model *m)
{
    for (size_t i = 0; i < m->nconns; i++) {
        struct session *s = m->conns[i].session;
        if (s == NULL || s->sm == NULL)
            continue;
        while (s->sm->n > 0) {   /* SM19: volatile, lost with the server */
            stanza_free(queue_pop(m, s->sm));
            m->sm.dropped++;
        }
    }
}

void smacks_forget_account(struct model *m, const char *user)
{
    for (size_t i = m->sm.nold; i-- > 0;)
        if (strcmp(m->sm.old[i].user, user) == 0)
            expired_remove(m, i);
}

/* SM17: at enable, the account keeps its SMACKS_OLD_MAX newest entries. */
static void prune(struct model *m, const char *user)
{
    size_t keep = 0;
    for (size_t i = m->sm.nold; i-- > 0;)
        if (strcmp(m->sm.old[i].user, user) == 0 && ++keep > SMACKS_OLD_MAX)
            expired_remove(m, i);
}

void smacks_state_free(struct smacks_state *st)
{
    assert(st->nkept == 0);   /* smacks_replaced sends them within one bind */
    heap_free(st->heap, st->kept);
    for (size_t i = 0; i < st->nold; i++)
        heap_free(st->heap, st->old[i].user);
    heap_free(st->heap, st->old);
}

/* ---- invariants ---- */

const char *smacks_check_session(const struct model *m, const struct session *s,
                                 const char **message)
{
    const struct smacks *sm = s->sm;
    bool hib = sm != NULL && sm->hibernating;
    bool closed = m->conns[s->conn - 1].closed;
    *message = NULL;
    if (sm != NULL && sm->duplicate)
        *message = "a queued stanza was written twice on one connection";
    if (*message != NULL)
        return "I17";
    if (sm != NULL && sm->h_in != (uint32_t)(s->stanzas_in - sm->in_base))
        *message = "the inbound h differs from the stanzas received since <enable/>";
    else if (sm != NULL && sm->n > (size_t)(sm->h_out - sm->acked))
        *message = "more stanzas queued than sent and not acknowledged";
    else if (sm != NULL && sm->acked > sm->h_out)
        *message = "acknowledged more than sent";
    if (*message != NULL)
        return "I18";
    if (hib && (!closed || sm->token[0] == '\0' || s->full_jid == NULL))
        *message = "hibernating session with a connection, without a token or unbound";
    return *message != NULL ? "I19" : NULL;
}

const char *smacks_check_ledger(const struct model *m)
{
    const struct smacks_state *l = &m->sm;
    if (l->queued != l->acked + l->stored + l->bounced + l->dropped + l->in_queues)
        return "queued stanzas != acknowledged + stored + bounced + dropped + still queued";
    return NULL;
}

size_t smacks_queued(const struct session *s)
{
    return s->sm != NULL ? s->sm->n : 0;
}

const char *smacks_check_queues(const struct model *m, unsigned long long held)
{
    return held != m->sm.in_queues ? "the ledger's still queued != the copies the queues hold"
                                   : NULL;
}
