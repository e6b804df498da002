/* recorder: traffic in, scenario out (recorder.h).
 *
 * Recording only stores the bytes of each direction in order (events);
 * recorder_scenario replays them through two stream parsers per
 * connection, so a scenario of one connection or of all is built from the
 * same store. Building follows each connection through the negotiation
 * the harness does itself (runner.h "Harness-driven phases"):
 *
 *   header -> <auth PLAIN> -> <success/> -> header -> bind iq -> result
 *
 * and emits `connect` at the bind result. A SASL <failure/> first emits
 * `connect: {auth: false}`, `auth: {password}` and the failure as a
 * receive; a later success emits `auth`, and the bind result `bind`.
 * Anything else before binding (an unknown mechanism, STARTTLS, in-band
 * registration, bytes that do not parse, a close) turns the connection
 * into a raw client: its bytes as `send_raw`, the server's answers not
 * checked (`leftovers: ignore`).
 */
#include "serve/recorder.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/mem.h"
#include "model/buf.h"
#include "model/stanza.h"
#include "model/xmlstream.h"
#include "scenario/match.h"

/* Bytes kept in all; traffic past it is left out of the recording. */
#define RECORDER_BYTES_MAX (64u * 1024u * 1024u)
#define RECORDER_STANZA_MAX (16u * 1024u * 1024u)
#define RECORDER_NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define RECORDER_NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define RECORDER_NS_ROSTER "jabber:iq:roster"
#define RECORDER_NS_SM "urn:xmpp:sm:3"
#define RECORDER_NONE ((size_t)-1)

enum rec_kind { REC_OPEN, REC_CLIENT, REC_SERVER, REC_CLIENT_GONE, REC_SERVER_GONE };

struct rec_event {
    enum rec_kind kind;
    unsigned conn;
    char *bytes;
    size_t len;
};

struct recorder {
    const struct scenario *base;
    struct rec_event *ev;
    size_t nev, cap;
    size_t bytes;
    bool truncated;
};

/* ---- recording ---- */

struct recorder *recorder_new(const struct scenario *base)
{
    struct recorder *r = mem_calloc(1, sizeof *r);
    r->base = base;
    return r;
}

void recorder_free(struct recorder *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nev; i++)
        free(r->ev[i].bytes);
    free(r->ev);
    free(r);
}

static void rec_add(struct recorder *r, enum rec_kind kind, unsigned conn, const char *bytes,
                    size_t len)
{
    if (r->bytes + len > RECORDER_BYTES_MAX) {
        r->truncated = true;
        return;
    }
    struct rec_event *last = r->nev > 0 ? &r->ev[r->nev - 1] : NULL;
    if (len > 0 && last != NULL && last->kind == kind && last->conn == conn) {
        last->bytes = mem_realloc(last->bytes, last->len + len);
        memcpy(last->bytes + last->len, bytes, len);
        last->len += len;
    } else {
        if (r->nev == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 64;
            r->ev = mem_realloc(r->ev, r->cap * sizeof *r->ev);
        }
        r->ev[r->nev++] = (struct rec_event){kind, conn, len ? mem_strndup(bytes, len) : NULL,
                                             len};
    }
    r->bytes += len;
}

void recorder_open(struct recorder *r, unsigned conn)
{
    rec_add(r, REC_OPEN, conn, NULL, 0);
}

void recorder_client(struct recorder *r, unsigned conn, const char *bytes, size_t len)
{
    rec_add(r, REC_CLIENT, conn, bytes, len);
}

void recorder_server(struct recorder *r, unsigned conn, const char *bytes, size_t len)
{
    rec_add(r, REC_SERVER, conn, bytes, len);
}

void recorder_client_gone(struct recorder *r, unsigned conn)
{
    rec_add(r, REC_CLIENT_GONE, conn, NULL, 0);
}

void recorder_server_gone(struct recorder *r, unsigned conn)
{
    rec_add(r, REC_SERVER_GONE, conn, NULL, 0);
}

unsigned recorder_conn_at(const struct recorder *r, size_t i)
{
    for (size_t k = 0; k < r->nev; k++)
        if (r->ev[k].kind == REC_OPEN && i-- == 0)
            return r->ev[k].conn;
    return 0;
}

/* ---- building ---- */

enum rphase { PH_NEGOTIATING, PH_AUTH_SENT, PH_BIND_SENT, PH_BOUND, PH_RAW, PH_BROKEN };
/* Negotiation steps emitted so far: none (a `connect` comes at the bind
 * result), `connect: {auth: false}` after a SASL failure, `auth` after a
 * success that followed one (then `bind` comes at the result). */
enum rdone { DONE_NONE, DONE_OPEN, DONE_AUTHED, DONE_BOUND };

struct rbuild;

struct rconn {
    unsigned id;
    struct rbuild *b;
    struct xmlstream *cp, *sp;     /* client's and server's stream */
    enum rphase phase;
    enum rdone done;
    bool authed;                   /* SASL succeeded on this connection */
    char *account, *password, *resource, *bind_id;
    size_t client;                 /* index in sc->clients, or RECORDER_NONE */
    struct buf early;              /* client bytes until bound (for raw) */
    bool client_closed, server_ended, gone;
};

/* What the building knows of one scenario client. */
struct rclient {
    struct scenario_strings pending;    /* stanzas not yet received */
    bool busy;                          /* a connection uses it */
    bool sm;                            /* stream management enabled (format 1.1) */
    unsigned long h;                    /* its count of stanzas received since */
    char *smid;                         /* the id of its latest <enabled/>, or NULL */
};

struct rbuild {
    const struct recorder *r;
    const struct recorder_options *o;
    struct scenario *sc;
    bool domain_set;
    struct rconn **conns;          /* each allocated once: parsers hold them */
    size_t nconns;
    struct rclient *cl;                 /* per scenario client */
    size_t nclients_cap;
    struct match_vars jids;             /* JID, SM id -> ${CLIENT.full}, .jid, .smid */
    struct match_vars ids;              /* ids clients sent */
    struct match_vars roster_seen;      /* accounts whose roster is known */
    unsigned raws;
};

static struct rconn *conn_find(struct rbuild *b, unsigned id)
{
    for (size_t i = 0; i < b->nconns; i++)
        if (b->conns[i]->id == id)
            return b->conns[i];
    return NULL;
}

static const char *client_name(const struct rconn *c)
{
    return c->b->sc->clients[c->client].name;
}

/* Moves every client's pending stanzas into `receive` steps. */
static void flush_all(struct rbuild *b)
{
    for (size_t i = 0; i < b->sc->client_count; i++) {
        if (b->cl[i].pending.count == 0)
            continue;
        struct scenario_step *st = scenario_step_add(b->sc, SCENARIO_STEP_RECEIVE, i);
        st->receive.kind = SCENARIO_RECEIVE_STANZAS;
        st->receive.patterns = b->cl[i].pending;
        b->cl[i].pending = (struct scenario_strings){0};
    }
}

static struct scenario_step *step(struct rconn *c, enum scenario_step_kind kind)
{
    flush_all(c->b);
    return scenario_step_add(c->b->sc, kind, c->client);
}

static size_t client_new(struct rbuild *b, const char *name, const char *account,
                         const char *resource)
{
    size_t i = scenario_client_add(b->sc, name, account, resource);
    if (b->sc->client_count > b->nclients_cap) {
        size_t cap = b->nclients_cap ? b->nclients_cap * 2 : 8;
        b->cl = mem_realloc(b->cl, cap * sizeof *b->cl);
        memset(b->cl + b->nclients_cap, 0, (cap - b->nclients_cap) * sizeof *b->cl);
        b->nclients_cap = cap;
    }
    b->cl[i].busy = true;
    return i;
}

/* A name no client has yet: base, base2, base3, ... */
static void fresh_name(const struct scenario *sc, const char *base, struct buf *out)
{
    for (unsigned k = 1;; k++) {
        buf_clear(out);
        buf_puts(out, base);
        if (k > 1)
            buf_put_u64(out, k);
        if (scenario_client_find(sc, buf_cstr(out)) == NULL)
            return;
    }
}

static void account_note(struct rbuild *b, const char *account, const char *password)
{
    if (scenario_account_find(b->sc, account) == NULL)
        scenario_account_add(b->sc, account, b->o->redact ? RECORDER_REDACTED : password);
}

/* The scenario client of an authenticated connection: a free one of the
 * same account and resource, else a new one. */
static void client_ensure(struct rconn *c)
{
    if (c->client != RECORDER_NONE)
        return;
    struct rbuild *b = c->b;
    for (size_t i = 0; i < b->sc->client_count; i++) {
        const struct scenario_client *sc = &b->sc->clients[i];
        if (!b->cl[i].busy && strcmp(sc->account, c->account) == 0 &&
            (c->resource == NULL || strcmp(sc->resource, c->resource) == 0)) {
            b->cl[i].busy = true;
            c->client = i;
            return;
        }
    }
    struct buf name = {0};
    fresh_name(b->sc, c->account, &name);
    c->client = client_new(b, buf_cstr(&name), c->account,
                           c->resource ? c->resource : buf_cstr(&name));
    buf_free(&name);
}

/* Printable ASCII, tab and line breaks are kept; every other byte of raw
 * traffic becomes '?' (a scenario string is UTF-8 without NUL). */
static void sanitize(const char *s, size_t len, struct buf *out)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool keep = (ch >= 0x20 && ch < 0x7f) || ch == '\t' || ch == '\n' || ch == '\r';
        buf_putc(out, keep ? (char)ch : '?');
    }
}

static void send_raw(struct rconn *c, const char *bytes, size_t len)
{
    if (len == 0)
        return;
    struct buf text = {0};
    sanitize(bytes, len, &text);
    step(c, SCENARIO_STEP_SEND_RAW)->send_raw.text = mem_strdup(buf_cstr(&text));
    buf_free(&text);
}

/* The connection left the harness's negotiation: a raw client from now. */
static void go_raw(struct rconn *c)
{
    struct rbuild *b = c->b;
    if (c->phase == PH_RAW)
        return;
    c->phase = PH_RAW;
    if (c->client == RECORDER_NONE) {
        struct buf name = {0};
        fresh_name(b->sc, "raw", &name);
        c->client = client_new(b, buf_cstr(&name), buf_cstr(&name), buf_cstr(&name));
        buf_free(&name);
    }
    b->sc->leftovers_ignore = true;
    send_raw(c, c->early.data, c->early.len);
    buf_free(&c->early);
}

/* ---- values the server chooses, and JIDs as variables ---- */

static bool is_space_only(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

static const char *attr_value(struct rbuild *b, const struct stanza_node *el,
                              const struct stanza_attr *a, bool pattern)
{
    if (a->ns[0] != '\0')
        return a->value;
    if (pattern && strcmp(a->name, "id") == 0 && match_vars_get(&b->ids, a->value) == NULL)
        return "{any}";
    if (pattern && strcmp(a->name, "stamp") == 0)
        return "{any}";
    if (pattern && strcmp(a->name, "ver") == 0 && strcmp(el->ns, RECORDER_NS_ROSTER) == 0)
        return "{any}";
    const char *v = match_vars_get(&b->jids, a->value);
    return v != NULL ? v : a->value;
}

/* Copies src under parent in dst, as a pattern (server stanza) or a send. */
static void copy_node(struct rbuild *b, struct stanza *dst, struct stanza_node *parent,
                      const struct stanza_node *src, bool pattern)
{
    if (src->kind == STANZA_TEXT) {
        if (!(pattern && is_space_only(src->text, src->text_len)))
            stanza_text_add(dst, parent, src->text, src->text_len);
        return;
    }
    struct stanza_node *el = stanza_element_add(dst, parent, src->ns, src->name);
    for (const struct stanza_attr *a = src->attrs; a != NULL; a = a->next) {
        if (pattern && strcmp(a->ns, STANZA_NS_XML) == 0 && strcmp(a->name, "lang") == 0)
            continue;
        stanza_attr_add(dst, el, a->ns, a->name, attr_value(b, src, a, pattern));
    }
    for (const struct stanza_node *ch = src->children; ch != NULL; ch = ch->next)
        copy_node(b, dst, el, ch, pattern);
}

static char *stanza_text_of(struct rbuild *b, const struct stanza_node *root, bool pattern)
{
    struct stanza *copy = stanza_new(NULL);
    copy_node(b, copy, NULL, root, pattern);
    struct buf out = {0};
    stanza_serialize(stanza_root(copy), STANZA_NS_CLIENT, true, &out);
    stanza_free(copy);
    char *text = mem_strdup(buf_cstr(&out));
    buf_free(&out);
    return text;
}

/* ---- accounts and rosters ---- */

static enum scenario_subscription subscription_of(const char *s)
{
    if (s == NULL)
        return SCENARIO_SUBSCRIPTION_NONE;
    return strcmp(s, "both") == 0   ? SCENARIO_SUBSCRIPTION_BOTH
           : strcmp(s, "to") == 0   ? SCENARIO_SUBSCRIPTION_TO
           : strcmp(s, "from") == 0 ? SCENARIO_SUBSCRIPTION_FROM
                                    : SCENARIO_SUBSCRIPTION_NONE;
}

static void roster_item_note(struct scenario_account *a, const struct stanza_node *item)
{
    const char *jid = stanza_attr(item, "", "jid");
    const char *ask = stanza_attr(item, "", "ask");
    if (jid == NULL)
        return;
    struct scenario_roster_item *it = scenario_roster_item_add(
        a, jid, subscription_of(stanza_attr(item, "", "subscription")),
        ask != NULL && strcmp(ask, "subscribe") == 0 ? SCENARIO_ASK_SUBSCRIBE : SCENARIO_ASK_NONE);
    scenario_string_set(&it->name, stanza_attr(item, "", "name"));
    struct buf text = {0};
    for (const struct stanza_node *g = stanza_child(item, RECORDER_NS_ROSTER, "group"); g != NULL;
         g = stanza_child_next(g, RECORDER_NS_ROSTER, "group"))
        scenario_strings_add(&it->groups, stanza_text(g, &text));
    buf_free(&text);
}

/* The first roster result or push an account gets: a result gives its
 * roster at the start (unless a base scenario already says it). */
static void roster_note(struct rconn *c, const struct stanza_node *iq)
{
    struct rbuild *b = c->b;
    const struct stanza_node *q = stanza_child(iq, RECORDER_NS_ROSTER, "query");
    if (q == NULL || match_vars_get(&b->roster_seen, c->account) != NULL)
        return;
    match_vars_set(&b->roster_seen, c->account, "1");
    const char *type = stanza_attr(iq, "", "type");
    struct scenario_account *a = (struct scenario_account *)scenario_account_find(b->sc, c->account);
    if (b->r->base != NULL || a == NULL || type == NULL || strcmp(type, "result") != 0)
        return;
    for (const struct stanza_node *it = stanza_child(q, RECORDER_NS_ROSTER, "item"); it != NULL;
         it = stanza_child_next(it, RECORDER_NS_ROSTER, "item"))
        roster_item_note(a, it);
}

/* ---- the client's stream ---- */

static void note_plain_auth(struct rconn *c, const struct stanza_node *el)
{
    struct buf text = {0}, decoded = {0};
    const char *b64 = stanza_text(el, &text);
    bool ok = base64_decode(b64, strlen(b64), &decoded);
    const unsigned char *raw = (const unsigned char *)decoded.data;
    size_t n = decoded.len;
    const unsigned char *z1 = ok && n > 0 ? memchr(raw, 0, n) : NULL;
    const unsigned char *z2 = z1 ? memchr(z1 + 1, 0, n - (size_t)(z1 + 1 - raw)) : NULL;
    if (z2 != NULL && z2 > z1 + 1) {
        const char *user = (const char *)z1 + 1;
        size_t ulen = (size_t)(z2 - z1 - 1);
        const char *at = memchr(user, '@', ulen);
        free(c->account);
        free(c->password);
        c->account = mem_strndup(user, at ? (size_t)(at - user) : ulen);
        c->password = mem_strndup((const char *)z2 + 1, n - (size_t)(z2 + 1 - raw));
        c->phase = PH_AUTH_SENT;
    }
    buf_free(&decoded);
    buf_free(&text);
    if (z2 == NULL)
        go_raw(c);
}

static bool is_bind_set(const struct stanza_node *el)
{
    const char *type = stanza_attr(el, "", "type");
    return strcmp(el->name, "iq") == 0 && type != NULL && strcmp(type, "set") == 0 &&
           stanza_child(el, RECORDER_NS_BIND, "bind") != NULL;
}

static void note_bind(struct rconn *c, const struct stanza_node *el)
{
    const struct stanza_node *res =
        stanza_child(stanza_child(el, RECORDER_NS_BIND, "bind"), RECORDER_NS_BIND, "resource");
    struct buf text = {0};
    free(c->resource);
    c->resource = res != NULL ? mem_strdup(stanza_text(res, &text)) : NULL;
    buf_free(&text);
    free(c->bind_id);
    const char *id = stanza_attr(el, "", "id");
    c->bind_id = mem_strdup(id ? id : "");
    c->phase = PH_BIND_SENT;
}

/* A server stanza the client's next `receive` expects. */
static void pending_add(struct rconn *c, const struct stanza_node *el)
{
    char *text = stanza_text_of(c->b, el, true);
    scenario_strings_add(&c->b->cl[c->client].pending, text);
    free(text);
}

/* Whether the text h is the count n (a plain `ack`/`resume` sends it). */
static bool h_is(unsigned long n, const char *h)
{
    char text[32];
    snprintf(text, sizeof text, "%lu", n);
    return h != NULL && strcmp(text, h) == 0;
}

/* Stream management from the client (format 1.1): enable, request, ack
 * as their steps. False when el is none of them. */
static bool sm_client_step(struct rconn *c, const struct stanza_node *el)
{
    if (strcmp(el->ns, RECORDER_NS_SM) != 0)
        return false;
    const char *resume = stanza_attr(el, "", "resume");
    const char *h = stanza_attr(el, "", "h");
    if (strcmp(el->name, "enable") == 0) {
        step(c, SCENARIO_STEP_ENABLE)->enable.resume =
            resume != NULL && (strcmp(resume, "true") == 0 || strcmp(resume, "1") == 0);
    } else if (strcmp(el->name, "r") == 0) {
        step(c, SCENARIO_STEP_REQUEST);
    } else if (strcmp(el->name, "a") == 0) {
        struct scenario_step *st = step(c, SCENARIO_STEP_ACK);
        if (!h_is(c->b->cl[c->client].h, h))
            st->sm.h = mem_strdup(h != NULL ? h : "");
    } else {
        return false;
    }
    return true;
}

/* <resume/> on a new authenticated stream: the client whose <enabled/>
 * gave that id goes on (a `resume` step), else the connection is raw. */
static void note_resume(struct rconn *c, const struct stanza_node *el)
{
    struct rbuild *b = c->b;
    const char *previd = stanza_attr(el, "", "previd");
    const char *h = stanza_attr(el, "", "h");
    for (size_t i = 0; previd != NULL && i < b->sc->client_count; i++) {
        struct rclient *rc = &b->cl[i];
        if (rc->busy || rc->smid == NULL || strcmp(rc->smid, previd) != 0)
            continue;
        rc->busy = true;
        c->client = i;
        struct scenario_step *st = step(c, SCENARIO_STEP_RESUME);
        if (!h_is(rc->h, h))
            st->sm.h = mem_strdup(h != NULL ? h : "");
        c->done = DONE_BOUND;
        c->phase = PH_BOUND;
        buf_free(&c->early);
        return;
    }
    go_raw(c);
}

static bool is_sm(const struct stanza_node *el, const char *name)
{
    return strcmp(el->ns, RECORDER_NS_SM) == 0 && strcmp(el->name, name) == 0;
}

static void client_stanza_bound(struct rconn *c, const struct stanza_node *el)
{
    if (sm_client_step(c, el))
        return;
    const char *id = stanza_attr(el, "", "id");
    if (id != NULL)
        match_vars_set(&c->b->ids, id, "1");
    char *text = stanza_text_of(c->b, el, false);
    scenario_strings_add(&step(c, SCENARIO_STEP_SEND)->send, text);
    free(text);
}

static void on_client_stanza(void *ctx, struct stanza *st)
{
    struct rconn *c = ctx;
    const struct stanza_node *el = stanza_root(st);
    if (c->phase == PH_BOUND) {
        client_stanza_bound(c, el);
    } else if (c->phase == PH_NEGOTIATING && strcmp(el->ns, RECORDER_NS_SASL) == 0 &&
               strcmp(el->name, "auth") == 0 && !c->authed) {
        const char *mech = stanza_attr(el, "", "mechanism");
        if (mech != NULL && strcmp(mech, "PLAIN") == 0)
            note_plain_auth(c, el);
        else
            go_raw(c);
    } else if (c->phase == PH_NEGOTIATING && c->authed && is_bind_set(el)) {
        note_bind(c, el);
    } else if (c->phase == PH_NEGOTIATING && c->authed && is_sm(el, "resume")) {
        note_resume(c, el);
    } else if (c->phase != PH_RAW && c->phase != PH_BROKEN) {
        go_raw(c);
    }
    stanza_free(st);
}

static void on_client_header(void *ctx, const struct xmlstream_header *h)
{
    struct rconn *c = ctx;
    if (!c->b->domain_set && h->to != NULL && c->b->r->base == NULL) {
        scenario_string_set(&c->b->sc->server.domain, h->to);
        c->b->domain_set = true;
    }
}

static void on_client_closed(void *ctx)
{
    struct rconn *c = ctx;
    if (c->phase == PH_BOUND || (c->client != RECORDER_NONE && c->phase != PH_RAW)) {
        if (!c->server_ended)
            step(c, SCENARIO_STEP_CLOSE);
        c->client_closed = true;
    } else if (c->phase != PH_RAW) {
        go_raw(c);
    }
}

static void on_client_error(void *ctx, enum xmlstream_error e)
{
    struct rconn *c = ctx;
    (void)e;
    if (c->phase == PH_BOUND) {
        flush_all(c->b);
        scenario_step_add(c->b->sc, SCENARIO_STEP_NOTE, SCENARIO_NO_CLIENT)->note =
            mem_strdup("the client wrote bytes that do not parse; they are left out");
        c->phase = PH_BROKEN;
    } else if (c->phase != PH_RAW) {
        go_raw(c);
    }
}

static const struct xmlstream_callbacks client_cbs = {on_client_header, on_client_stanza,
                                                      on_client_closed, on_client_error};

/* ---- the server's stream ---- */

static void on_sasl_success(struct rconn *c)
{
    if (c->done == DONE_OPEN) {
        step(c, SCENARIO_STEP_AUTH)->auth.password =
            mem_strdup(c->b->o->redact ? RECORDER_REDACTED : c->password);
        c->done = DONE_AUTHED;
    }
    c->authed = true;
    account_note(c->b, c->account, c->password);
    c->phase = PH_NEGOTIATING;
    xmlstream_restart(c->sp);
    xmlstream_reset(c->cp);
}

static void on_sasl_failure(struct rconn *c, const struct stanza_node *el)
{
    client_ensure(c);
    if (c->done == DONE_NONE) {
        step(c, SCENARIO_STEP_CONNECT)->connect.auth = false;
        c->done = DONE_OPEN;
    }
    step(c, SCENARIO_STEP_AUTH)->auth.password =
        mem_strdup(c->b->o->redact ? RECORDER_REDACTED : c->password);
    pending_add(c, el);
    c->phase = PH_NEGOTIATING;
}

/* Attribute values equal to value are written as ${CLIENT.FIELD}. */
static void var_note(struct rbuild *b, const char *value, const char *client, const char *field)
{
    struct buf var = {0};
    buf_puts(&var, "${");
    buf_puts(&var, client);
    buf_putc(&var, '.');
    buf_puts(&var, field);
    buf_putc(&var, '}');
    match_vars_set(&b->jids, value, buf_cstr(&var));
    buf_free(&var);
}

static void jid_note(struct rconn *c, const char *full)
{
    struct rbuild *b = c->b;
    var_note(b, full, client_name(c), "full");
    const char *slash = strchr(full, '/');
    if (slash != NULL) {
        char *bare = mem_strndup(full, (size_t)(slash - full));
        if (match_vars_get(&b->jids, bare) == NULL)
            var_note(b, bare, client_name(c), "jid");
        free(bare);
    }
}

static void on_bound(struct rconn *c, const struct stanza_node *iq)
{
    struct buf text = {0};
    const struct stanza_node *jid =
        stanza_child(stanza_child(iq, RECORDER_NS_BIND, "bind"), RECORDER_NS_BIND, "jid");
    client_ensure(c);
    if (c->resource != NULL)
        scenario_string_set(&c->b->sc->clients[c->client].resource, c->resource);
    step(c, c->done == DONE_AUTHED ? SCENARIO_STEP_BIND : SCENARIO_STEP_CONNECT);
    if (jid != NULL)
        jid_note(c, stanza_text(jid, &text));
    buf_free(&text);
    buf_free(&c->early);
    c->done = DONE_BOUND;
    c->phase = PH_BOUND;
    c->b->cl[c->client].sm = false;      /* a new session: a new count */
    c->b->cl[c->client].h = 0;
}

static bool is_bind_result(const struct rconn *c, const struct stanza_node *el)
{
    const char *id = stanza_attr(el, "", "id");
    const char *type = stanza_attr(el, "", "type");
    return strcmp(el->name, "iq") == 0 && id != NULL && type != NULL &&
           strcmp(id, c->bind_id) == 0 && strcmp(type, "result") == 0;
}

static void var_note(struct rbuild *b, const char *value, const char *client, const char *field);

/* A server stanza on a bound stream: pending for the client, except the
 * server's <r/>, which the harness absorbs (format 1.1); counted for
 * stream management as the harness counts. */
static void server_stanza_bound(struct rconn *c, const struct stanza_node *el)
{
    struct rclient *rc = &c->b->cl[c->client];
    if (is_sm(el, "r"))
        return;
    if (strcmp(el->name, "iq") == 0)
        roster_note(c, el);
    pending_add(c, el);
    if (is_sm(el, "enabled")) {
        rc->sm = true;
        rc->h = 0;
        free(rc->smid);
        const char *id = stanza_attr(el, "", "id");
        rc->smid = id != NULL ? mem_strdup(id) : NULL;
        if (id != NULL)
            var_note(c->b, id, client_name(c), "smid");
    } else if (rc->sm && strcmp(el->ns, STANZA_NS_CLIENT) == 0 &&
               (strcmp(el->name, "message") == 0 || strcmp(el->name, "presence") == 0 ||
                strcmp(el->name, "iq") == 0)) {
        rc->h = (rc->h + 1) & 0xffffffffUL;
    }
}

static void on_server_stanza(void *ctx, struct stanza *st)
{
    struct rconn *c = ctx;
    const struct stanza_node *el = stanza_root(st);
    bool sasl = strcmp(el->ns, RECORDER_NS_SASL) == 0;
    if (c->phase == PH_BOUND || c->phase == PH_BROKEN) {
        server_stanza_bound(c, el);
    } else if (c->phase == PH_AUTH_SENT && sasl && strcmp(el->name, "success") == 0) {
        on_sasl_success(c);
    } else if (c->phase == PH_AUTH_SENT && sasl && strcmp(el->name, "failure") == 0) {
        on_sasl_failure(c, el);
    } else if (c->phase == PH_BIND_SENT && is_bind_result(c, el)) {
        on_bound(c, el);
    } else if (c->phase == PH_BIND_SENT && strcmp(el->name, "iq") == 0) {
        go_raw(c);
    }
    stanza_free(st);
}

static void on_server_closed(void *ctx)
{
    struct rconn *c = ctx;
    if (c->client_closed || c->server_ended || c->phase == PH_RAW || c->client == RECORDER_NONE)
        return;
    c->server_ended = true;
    step(c, SCENARIO_STEP_RECEIVE)->receive.kind = SCENARIO_RECEIVE_CLOSED;
}

static void on_server_header(void *ctx, const struct xmlstream_header *h)
{
    (void)ctx;
    (void)h;
}

static void on_server_error(void *ctx, enum xmlstream_error e)
{
    (void)ctx;
    (void)e;
}

static const struct xmlstream_callbacks server_cbs = {on_server_header, on_server_stanza,
                                                      on_server_closed, on_server_error};

/* ---- events ---- */

static void ev_open(struct rbuild *b, unsigned id)
{
    b->conns = mem_realloc(b->conns, (b->nconns + 1) * sizeof *b->conns);
    struct rconn *c = mem_calloc(1, sizeof *c);
    b->conns[b->nconns++] = c;
    c->id = id;
    c->b = b;
    c->client = RECORDER_NONE;
    struct xmlstream_limits lim = {.size_max = RECORDER_STANZA_MAX, .depth_max = 0};
    c->cp = xmlstream_new(NULL, &client_cbs, c, &lim, 0);
    c->sp = xmlstream_new(NULL, &server_cbs, c, &lim, 0);
}

static void ev_client(struct rconn *c, const char *bytes, size_t len)
{
    if (c->phase == PH_RAW) {
        send_raw(c, bytes, len);
        return;
    }
    if (c->phase != PH_BOUND && c->phase != PH_BROKEN)
        buf_append(&c->early, bytes, len);
    xmlstream_feed(c->cp, bytes, len);
}

static void ev_gone(struct rconn *c, bool client_side)
{
    if (c->gone)
        return;
    if (c->client == RECORDER_NONE && c->phase != PH_RAW)
        go_raw(c);
    bool ended = c->client_closed || c->server_ended;
    if (!ended && client_side)
        step(c, SCENARIO_STEP_DROP);
    else if (!ended && c->phase != PH_RAW)
        step(c, SCENARIO_STEP_RECEIVE)->receive.kind = SCENARIO_RECEIVE_CLOSED;
    c->gone = true;
    c->b->cl[c->client].busy = false;
}

static void ev_apply(struct rbuild *b, const struct rec_event *e)
{
    if (e->kind == REC_OPEN) {
        ev_open(b, e->conn);
        return;
    }
    struct rconn *c = conn_find(b, e->conn);
    if (c == NULL || c->gone)
        return;
    if (e->kind == REC_CLIENT)
        ev_client(c, e->bytes, e->len);
    else if (e->kind == REC_SERVER)
        xmlstream_feed(c->sp, e->bytes, e->len);
    else
        ev_gone(c, e->kind == REC_CLIENT_GONE);
}

/* The base scenario's server settings and accounts. */
static void base_copy(struct rbuild *b)
{
    const struct scenario *base = b->r->base;
    char *domain = b->sc->server.domain;
    b->sc->server = base->server;
    b->sc->server.domain = domain;
    scenario_string_set(&b->sc->server.domain, base->server.domain);
    for (size_t i = 0; i < base->account_count; i++) {
        const struct scenario_account *a = &base->accounts[i];
        struct scenario_account *na =
            scenario_account_add(b->sc, a->name, b->o->redact ? RECORDER_REDACTED : a->password);
        for (size_t k = 0; k < a->roster_count; k++) {
            const struct scenario_roster_item *it = &a->roster[k];
            struct scenario_roster_item *ni =
                scenario_roster_item_add(na, it->contact, it->subscription, it->ask);
            scenario_string_set(&ni->name, it->name);
            for (size_t g = 0; g < it->groups.count; g++)
                scenario_strings_add(&ni->groups, it->groups.items[g].text);
        }
    }
}

static void describe(struct rbuild *b)
{
    struct buf d = {0};
    buf_puts(&d, "Recorded by sessim from live traffic: the negotiation is folded into "
                 "`connect`, values the server chooses are {any}.");
    if (b->o->redact)
        buf_puts(&d, " Passwords are redacted (" RECORDER_REDACTED "): set the real ones under "
                     "accounts: before replaying.");
    if (b->r->truncated)
        buf_puts(&d, " The recording was truncated at its size limit.");
    b->sc->description = mem_strdup(buf_cstr(&d));
    buf_free(&d);
}

static void build_free(struct rbuild *b)
{
    for (size_t i = 0; i < b->nconns; i++) {
        struct rconn *c = b->conns[i];
        xmlstream_free(c->cp);
        xmlstream_free(c->sp);
        free(c->account);
        free(c->password);
        free(c->resource);
        free(c->bind_id);
        buf_free(&c->early);
        free(c);
    }
    free(b->conns);
    for (size_t i = 0; i < b->sc->client_count && i < b->nclients_cap; i++)
        for (size_t k = 0; k < b->cl[i].pending.count; k++)
            free(b->cl[i].pending.items[k].text);
    for (size_t i = 0; i < b->nclients_cap; i++) {
        free(b->cl[i].pending.items);
        free(b->cl[i].smid);
    }
    free(b->cl);
    match_vars_free(&b->jids);
    match_vars_free(&b->ids);
    match_vars_free(&b->roster_seen);
}

struct scenario *recorder_scenario(const struct recorder *r, const struct recorder_options *o)
{
    struct rbuild b = {.r = r, .o = o};
    b.sc = scenario_create(o->name != NULL ? o->name : "recorded session");
    if (r->base != NULL)
        base_copy(&b);
    for (size_t i = 0; i < r->nev; i++)
        if (o->conn == 0 || r->ev[i].conn == o->conn)
            ev_apply(&b, &r->ev[i]);
    flush_all(&b);
    describe(&b);
    build_free(&b);
    if (b.sc->step_count == 0) {
        scenario_free(b.sc);
        return NULL;
    }
    return b.sc;
}
