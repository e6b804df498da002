/* runner: replays a scenario against a target (see runner.h for the rules).
 *
 * A run is a loop over the steps: each step handler talks to the target
 * through the clients, then the target settles, every client reads what
 * arrived and, on the model, the invariants are checked. The first failure
 * writes the report into r->msg and ends the run; the report always closes
 * with the recent traffic of every client that had any, because a failure
 * is usually explained by what happened a few stanzas earlier.
 */
#include "run/runner.h"

#include <assert.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "base/text.h"
#include "run/client.h"
#include "run/password.h"
#include "run/phases.h"
#include "run/plainxml.h"
#include "run/preset.h"
#include "model/invariant.h"
#include "scenario/explain.h"
#include "scenario/match.h"
#include "base/mem.h"
#include "model/xmlstream.h"

#define RUNNER_WAIT_MAX 100        /* target_wait rounds for one expectation */
#define RUNNER_ANSWER_WAITS 10     /* awaits for a harness phase's answer (not quiescent) */
#define RUNNER_VIOLATIONS_MAX 8
#define RUNNER_NS_REGISTER "jabber:iq:register"

enum step_status {
    STEP_OK,
    STEP_FAIL,      /* r->msg holds the report */
    STEP_SKIPPED,   /* the target cannot do it; counted */
    STEP_STOP       /* the rest of the scenario cannot run here: skip it */
};

struct runner {
    const struct scenario *s;
    const struct runner_options *opt;
    struct target *t;
    struct client *clients;        /* parallel to s->clients */
    struct match_vars captures;
    struct match_vars passwords;   /* account -> password the harness authenticates with */
    struct password_changes pw_changes; /* sent with `send`, awaiting the result */
    size_t *conn_owner;            /* connection id -> client index + 1 (0: none) */
    size_t conn_owner_len;
    struct buf scratch;            /* the value of the variable being substituted */
    size_t step;                   /* index of the current step */
    struct buf msg;                /* failure report or skip reason */
    unsigned long msg_line;
    struct buf log;
    size_t skipped;
    size_t fail_step;              /* RUNNER_NO_STEP until a step fails */
    struct buf expected, actual;   /* of a failed receive */
    struct runner_event *events;   /* recorded traffic (opt->record) */
    size_t nevents, events_cap;
};

static struct client *step_client(struct runner *r, const struct scenario_step *st)
{
    assert(st->client < r->s->client_count);
    return &r->clients[st->client];
}

/* ---- recorded traffic (runner_options.record) ---- */

static void record(struct runner *r, enum runner_event_kind kind, const struct client *c,
                   const char *text, size_t len)
{
    if (!r->opt->record)
        return;
    if (r->nevents == r->events_cap) {
        r->events_cap = r->events_cap ? 2 * r->events_cap : 64;
        r->events = mem_realloc(r->events, r->events_cap * sizeof *r->events);
    }
    struct runner_event *e = &r->events[r->nevents++];
    e->kind = kind;
    e->step = r->step;
    e->client = c ? (size_t)(c - r->clients) : SCENARIO_NO_CLIENT;
    e->conn = c ? c->conn : 0;
    e->text = mem_realloc(NULL, len + 1);
    memcpy(e->text, text, len);
    e->text[len] = '\0';
}

/* client_pump, recording what it brought: a server header, the stanzas
 * that became pending, the end of the server's stream, the close. */
/* The answers among c's pending stanzas from index `from` to password
 * changes it sent: a result makes the new password the account's. */
static void learn_passwords(struct runner *r, struct client *c, size_t from)
{
    size_t index = (size_t)(c - r->clients);
    for (size_t i = from; i < c->npending && r->pw_changes.len > 0; i++) {
        char *account, *password;
        if (password_take_answer(&r->pw_changes, index, client_pending_at(c, i), &account,
                                 &password)) {
            match_vars_set(&r->passwords, account, password);
            free(account);
            free(password);
        }
    }
}

static void pump(struct runner *r, struct client *c)
{
    size_t before = c->npending;
    unsigned headers = c->headers;
    bool ended = c->stream_ended, closed = c->closed;
    client_pump(c, r->t);
    learn_passwords(r, c, before);
    if (!r->opt->record)
        return;
    if (c->headers != headers) {
        const char *id = c->stream_id ? c->stream_id : "";
        record(r, RUNNER_EVENT_HEADER, c, id, strlen(id));
    }
    for (size_t i = before; i < c->npending; i++) {
        struct buf b = {0};
        client_stanza_write(client_pending_at(c, i), &b);
        record(r, RUNNER_EVENT_RECEIVED, c, b.data ? b.data : "", b.len);
        buf_free(&b);
    }
    if (c->stream_ended && !ended)
        record(r, RUNNER_EVENT_STREAM_END, c, "", 0);
    if (c->closed && !closed)
        record(r, RUNNER_EVENT_CLOSED, c, "", 0);
}

/* ---- failure reports ---- */

/* "FILE:LINE: step N (CLIENT: KIND)" */
static void step_label(struct runner *r, const struct scenario_step *st, struct buf *out)
{
    text_printf(out, "%s:%lu: step %zu (", r->s->file, st->line, r->step + 1);
    if (st->client != SCENARIO_NO_CLIENT)
        text_printf(out, "%s: ", r->s->clients[st->client].name);
    text_printf(out, "%s)", scenario_step_name(st->kind));
}

static enum step_status fail(struct runner *r, const struct scenario_step *st, const char *fmt,
                             ...) __attribute__((format(printf, 3, 4)));

/* Starts the report of a failed step: its label, then the formatted text. */
static enum step_status fail(struct runner *r, const struct scenario_step *st, const char *fmt,
                             ...)
{
    buf_clear(&r->msg);
    step_label(r, st, &r->msg);
    buf_puts(&r->msg, ": ");
    va_list ap;
    va_start(ap, fmt);
    text_vprintf(&r->msg, fmt, ap);
    va_end(ap);
    buf_putc(&r->msg, '\n');
    r->msg_line = st->line;
    return STEP_FAIL;
}

static void write_stanza_line(const struct stanza_node *n, const char *prefix, struct buf *out)
{
    struct buf b = {0};
    client_stanza_write(n, &b);
    buf_puts(out, prefix);
    client_text_write(b.data ? b.data : "", b.len, 2000, out);
    buf_putc(out, '\n');
    buf_free(&b);
}

/* Lists pending stanzas from index `from` on, under a heading. */
static void write_pending(struct runner *r, const struct client *c, size_t from,
                          const char *heading)
{
    if (c->npending <= from)
        return;
    text_printf(&r->msg, "  %s for %s (%zu):\n", heading, c->name, c->npending - from);
    for (size_t i = from; i < c->npending; i++)
        write_stanza_line(client_pending_at(c, i), "    ", &r->msg);
}

static void write_traffic(struct runner *r, const struct scenario_step *st)
{
    bool any = false;
    for (size_t k = 0; k <= r->s->client_count; k++) {
        /* The step's own client first, then the others in declaration order. */
        size_t i = k == 0 ? st->client : k - 1;
        if (i >= r->s->client_count || (k > 0 && i == st->client))
            continue;
        const struct client *c = &r->clients[i];
        if (c->history_len == 0)
            continue;
        if (!any)
            buf_puts(&r->msg, "  recent traffic (-> sent, <- received, == harness):\n");
        any = true;
        text_printf(&r->msg, "    %s:\n", c->name);
        client_history_write(c, &r->msg, "      ");
    }
}

/* ---- variables ---- */

static struct client *named_client(struct runner *r, const char *name, size_t len)
{
    for (size_t i = 0; i < r->s->client_count; i++)
        if (strlen(r->clients[i].name) == len && memcmp(r->clients[i].name, name, len) == 0)
            return &r->clients[i];
    return NULL;
}

/* ${CLIENT.FIELD} into raw; false when name is not one. */
static bool variable_jid(struct runner *r, const char *name, struct buf *raw)
{
    const char *dot = strrchr(name, '.');
    const struct client *c = dot ? named_client(r, name, (size_t)(dot - name)) : NULL;
    if (c == NULL)
        return false;
    const char *field = dot + 1, *domain = r->s->server.domain;
    if (strcmp(field, "account") == 0)
        buf_puts(raw, c->account);
    else if (strcmp(field, "resource") == 0)
        buf_puts(raw, client_resource(c));
    else if (strcmp(field, "jid") == 0)
        text_printf(raw, "%s@%s", c->account, domain);
    else if (strcmp(field, "full") == 0)
        text_printf(raw, "%s@%s/%s", c->account, domain, client_resource(c));
    else if (strcmp(field, "smid") == 0)
        buf_puts(raw, c->sm_id ? c->sm_id : "");
    else if (strcmp(field, "h") == 0)
        buf_put_u64(raw, c->sm_h);
    else
        return false;
    return true;
}

/* match_substitute lookup: the value, XML-escaped, or NULL when unbound. */
static const char *lookup(void *ctx, const char *name)
{
    struct runner *r = ctx;
    struct buf raw = {0};
    const char *capture = NULL;
    bool found = true;
    if (strcmp(name, "domain") == 0)
        buf_puts(&raw, r->s->server.domain);
    else if (variable_jid(r, name, &raw))
        ;
    else if ((capture = match_vars_get(&r->captures, name)) != NULL)
        buf_puts(&raw, capture);
    else
        found = false;
    buf_clear(&r->scratch);
    stanza_escape_attr(raw.data ? raw.data : "", raw.len, &r->scratch);
    buf_free(&raw);
    return found ? buf_cstr(&r->scratch) : NULL;
}

/* The text with its variables substituted (caller frees), or NULL after
 * failing the step. */
static char *substitute(struct runner *r, const struct scenario_step *st, const char *text)
{
    char *bad = NULL;
    char *out = match_substitute(text, lookup, r, &bad);
    if (out == NULL) {
        fail(r, st, "unknown variable ${%s} (no such client field or capture)", bad);
        free(bad);
    }
    return out;
}

/* ---- talking to the target ---- */

static void pump_all(struct runner *r)
{
    for (size_t i = 0; i < r->s->client_count; i++)
        pump(r, &r->clients[i]);
}

static bool has_more_than(const struct client *c, size_t n)
{
    return c->npending > n || c->closed;
}

static bool is_closed(const struct client *c, size_t n)
{
    (void)n;
    return c->closed;
}

/* Reads until done(c, n) holds or the target has nothing more to give. */
static void await(struct runner *r, struct client *c, bool (*done)(const struct client *, size_t),
                  size_t n)
{
    pump(r, c);
    for (int i = 0; i < RUNNER_WAIT_MAX && !done(c, n) && target_wait(r->t, c->conn); i++)
        pump(r, c);
}

/* Waits for the answer to what a harness phase sent (what). A server
 * always answers a stream header, an <auth/> and a bind, so on a target
 * that is not quiescent (a live server, late on a loaded machine) the wait
 * goes on for RUNNER_ANSWER_WAITS awaits; then the step fails as
 * unanswered instead of passing half-connected. */
static bool await_answer(struct runner *r, const struct scenario_step *st, struct client *c,
                         size_t mark, const char *what, enum step_status *status)
{
    await(r, c, has_more_than, mark);
    if ((r->t->ops->caps & TARGET_QUIESCENT) != 0)
        return true;
    for (int i = 1; i < RUNNER_ANSWER_WAITS && !has_more_than(c, mark); i++)
        await(r, c, has_more_than, mark);
    if (has_more_than(c, mark))
        return true;
    *status = fail(r, st, "%s got no answer to %s on connection %u (the server is silent)",
                   c->name, what, c->conn);
    return false;
}

static void own_connection(struct runner *r, const struct client *c)
{
    if (c->conn >= r->conn_owner_len) {
        size_t len = 2 * (size_t)c->conn + 8;
        r->conn_owner = mem_realloc(r->conn_owner, len * sizeof *r->conn_owner);
        memset(r->conn_owner + r->conn_owner_len, 0,
               (len - r->conn_owner_len) * sizeof *r->conn_owner);
        r->conn_owner_len = len;
    }
    r->conn_owner[c->conn] = (size_t)(c - r->clients) + 1;
}

static enum step_status open_connection(struct runner *r, const struct scenario_step *st,
                                        struct client *c)
{
    password_forget(&r->pw_changes, (size_t)(c - r->clients));
    if (!client_open(c, r->t))
        return fail(r, st, "cannot open a connection: %s", target_error(r->t));
    own_connection(r, c);
    record(r, RUNNER_EVENT_OPEN, c, "", 0);
    return STEP_OK;
}

/* Sends text, recorded, as bytes only or, given h or el, as bytes the
 * target may take parsed (client_send_parsed). */
static enum step_status send_as(struct runner *r, const struct scenario_step *st,
                                struct client *c, const char *text, const char *shown,
                                const struct xmlstream_header *h, const struct stanza_node *el)
{
    size_t len = strlen(text);
    record(r, RUNNER_EVENT_SENT, c, text, len);
    bool sent = h != NULL || el != NULL ? client_send_parsed(c, r->t, text, len, h, el)
                                        : client_send(c, r->t, text, len, shown);
    if (!sent)
        return fail(r, st, "cannot send on connection %u: %s", c->conn, target_error(r->t));
    return STEP_OK;
}

/* Sends text; with the trees option (runner.h), a plain stanza
 * (run/plainxml.h) goes parsed as well. */
static enum step_status send_text(struct runner *r, const struct scenario_step *st,
                                  struct client *c, const char *text, const char *shown)
{
    struct stanza *plain = r->opt->trees && shown == NULL
                               ? plainxml_parse(text, strlen(text), STANZA_NS_CLIENT)
                               : NULL;
    enum step_status status = send_as(r, st, c, text, shown, NULL,
                                      plain != NULL ? stanza_root(plain) : NULL);
    stanza_free(plain);
    return status;
}

/* A connect phase's message: its bytes, handed over parsed as well with
 * the trees option where phases.h has the parsed form. */
static enum step_status send_phase(struct runner *r, const struct scenario_step *st,
                                   struct client *c, struct phases_msg *msg)
{
    bool trees = r->opt->trees;
    return send_as(r, st, c, buf_cstr(&msg->bytes), NULL, trees ? msg->header : NULL,
                   trees && msg->tree != NULL ? stanza_root(msg->tree) : NULL);
}

static bool is_element(const struct stanza_node *n, const char *ns, const char *name)
{
    return n->ns != NULL && strcmp(n->ns, ns) == 0 && strcmp(n->name, name) == 0;
}

static bool attr_is(const struct stanza_node *n, const char *name, const char *value)
{
    const char *v = stanza_attr(n, "", name);
    return v != NULL && strcmp(v, value) == 0;
}

/* Whether the first stanza that arrived after mark is an iq result to id. */
static bool result_at(const struct client *c, size_t mark, const char *id)
{
    if (c->npending <= mark)
        return false;
    const struct stanza_node *n = client_pending_at(c, mark);
    return is_element(n, STANZA_NS_CLIENT, "iq") && attr_is(n, "type", "result") &&
           attr_is(n, "id", id);
}

/* ---- connect phases: true when the phase succeeded and was consumed ---- */

static const char *const states_text[] = {
    [CLIENT_IDLE] = "has no connection",
    [CLIENT_RAW] = "has a connection with no stream open",
    [CLIENT_UNAUTHED] = "has an open stream that is not authenticated",
    [CLIENT_SASL_DONE] = "has authenticated but not restarted its stream",
    [CLIENT_AUTHED] = "has an authenticated stream with no resource bound",
    [CLIENT_BOUND] = "is connected with a bound resource",
};

static const char *state_text(const struct client *c)
{
    return client_is_open(c) ? states_text[c->state] : "has no open connection";
}

/* Stream header, then the server's header and <stream:features>. */
static bool phase_stream(struct runner *r, const struct scenario_step *st, struct client *c,
                         enum step_status *status)
{
    size_t mark = c->npending;
    struct phases_msg h;
    phases_header(r->s->server.domain, c->state == CLIENT_RAW, &h);
    *status = send_phase(r, st, c, &h);
    phases_msg_free(&h);
    if (*status != STEP_OK)
        return false;
    if (!await_answer(r, st, c, mark, "its stream header", status))
        return false;
    if (c->npending <= mark ||
        !is_element(client_pending_at(c, mark), STANZA_NS_STREAM, "features"))
        return false;
    client_pending_remove(c, mark);
    return true;
}

static const char *password_of(struct runner *r, const char *account)
{
    const char *pw = match_vars_get(&r->passwords, account);
    return pw ? pw : "password";
}

/* SASL PLAIN; on <success/> consume it and restart the stream. */
static bool phase_auth(struct runner *r, const struct scenario_step *st, struct client *c,
                       const char *password, enum step_status *status)
{
    struct phases_msg auth;
    phases_auth(c->account, password, &auth);
    size_t mark = c->npending;
    *status = send_phase(r, st, c, &auth);
    phases_msg_free(&auth);
    if (*status != STEP_OK)
        return false;
    if (!await_answer(r, st, c, mark, "its <auth/>", status))
        return false;
    if (c->state != CLIENT_SASL_DONE || c->npending <= mark ||
        !is_element(client_pending_at(c, mark), CLIENT_NS_SASL, "success"))
        return false;
    client_pending_remove(c, mark);
    return phase_stream(r, st, c, status);
}

/* Resource binding; on a result with a <jid> consume it. */
static bool phase_bind(struct runner *r, const struct scenario_step *st, struct client *c,
                       enum step_status *status)
{
    char id[32];
    text_numbered(id, sizeof id, "bind_", ++c->binds);
    struct phases_msg bind;
    phases_bind(id, client_asked_resource(c), &bind);
    size_t mark = c->npending;
    *status = send_phase(r, st, c, &bind);
    phases_msg_free(&bind);
    if (*status != STEP_OK)
        return false;
    if (!await_answer(r, st, c, mark, "its bind", status))
        return false;
    if (c->state != CLIENT_BOUND || !result_at(c, mark, id))
        return false;
    client_pending_remove(c, mark);
    return true;
}

/* ---- client steps ---- */

/* Ends a harness phase: when it went as expected its traffic becomes one
 * line of the ring ("connect: connection 1, bound as ..."), otherwise the
 * traffic stays to explain where it stopped. */
static enum step_status end_phases(struct runner *r, struct client *c, const char *what,
                                   bool ok, enum step_status status)
{
    if (!ok || status != STEP_OK) {
        client_batch_end(c, NULL);
        return status;
    }
    struct buf sum = {0};   /* built with puts: every connect makes one */
    buf_puts(&sum, what);
    buf_puts(&sum, ": connection ");
    buf_put_u64(&sum, c->conn);
    buf_puts(&sum, ", ");
    if (c->state == CLIENT_BOUND) {
        buf_puts(&sum, "bound as ");
        buf_puts(&sum, c->account);
        buf_putc(&sum, '@');
        buf_puts(&sum, r->s->server.domain);
        buf_putc(&sum, '/');
        buf_puts(&sum, client_resource(c));
    } else if (c->state == CLIENT_AUTHED) {
        buf_puts(&sum, "authenticated as ");
        buf_puts(&sum, c->account);
    } else {
        buf_puts(&sum, c->state == CLIENT_UNAUTHED ? "stream open" : states_text[c->state]);
    }
    client_batch_end(c, buf_cstr(&sum));
    buf_free(&sum);
    return status;
}

/* Runs the phases from where the client's stream stands up to the last
 * one the step asks for; true when every phase run succeeded. */
static bool connect_phases(struct runner *r, const struct scenario_step *st, struct client *c,
                           bool auth, bool bind, enum step_status *status)
{
    if (!client_is_open(c) && (*status = open_connection(r, st, c)) != STEP_OK)
        return false;
    if (c->state == CLIENT_RAW && !phase_stream(r, st, c, status))
        return false;
    if (!auth)
        return true;
    if (c->state == CLIENT_UNAUTHED &&
        !phase_auth(r, st, c, password_of(r, c->account), status))
        return false;
    if (c->state == CLIENT_SASL_DONE && !phase_stream(r, st, c, status))
        return false;
    if (!bind)
        return true;
    return c->state != CLIENT_AUTHED || phase_bind(r, st, c, status);
}

static enum step_status step_connect(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    enum step_status status = STEP_OK;
    if (client_is_open(c) && c->state == CLIENT_BOUND)
        return fail(r, st, "%s is already connected (bound as %s on connection %u); "
                           "close or drop it first",
                    c->name, client_resource(c), c->conn);
    client_set_asked_resource(c, st->connect.resource);
    if (!client_is_open(c))
        client_sm_reset(c);   /* a new session */
    client_batch_begin(c);
    bool ok = connect_phases(r, st, c, st->connect.auth, st->connect.bind, &status);
    return end_phases(r, c, "connect", ok, status);
}

static enum step_status step_auth(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    enum step_status status = STEP_OK;
    if (!client_is_open(c) || c->state != CLIENT_UNAUTHED)
        return fail(r, st, "auth needs an open stream that is not authenticated; %s %s",
                    c->name, state_text(c));
    const char *pw = st->auth.password ? st->auth.password : password_of(r, c->account);
    client_batch_begin(c);
    bool ok = phase_auth(r, st, c, pw, &status);
    return end_phases(r, c, "auth", ok, status);
}

static enum step_status step_bind(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    enum step_status status = STEP_OK;
    bool ready = client_is_open(c) && (c->state == CLIENT_AUTHED || c->state == CLIENT_SASL_DONE);
    if (!ready)
        return fail(r, st, "bind needs an authenticated stream; %s %s", c->name, state_text(c));
    client_batch_begin(c);
    bool ok = c->state != CLIENT_SASL_DONE || phase_stream(r, st, c, &status);
    ok = ok && c->state == CLIENT_AUTHED && phase_bind(r, st, c, &status);
    return end_phases(r, c, "bind", ok, status);
}

static enum step_status need_open(struct runner *r, const struct scenario_step *st,
                                  const struct client *c)
{
    if (c->conn == 0)
        return fail(r, st, "%s has no connection (connect first)", c->name);
    if (c->closed)
        return fail(r, st, "%s's connection %u has been closed", c->name, c->conn);
    return STEP_OK;
}

/* text read as one stanza of a jabber:client stream: plain text without
 * building an expat parser (plainxml.h: the same tree), the rest by a
 * stream parser, which says why when it is not XML (*err, *line, *col:
 * only set then). NULL when it does not parse; the caller frees. */
static struct stanza *read_stanza(const char *text, enum xmlstream_error *err,
                                  unsigned long *line, unsigned long *col)
{
    size_t len = strlen(text);
    struct stanza *st = plainxml_parse(text, len, STANZA_NS_CLIENT);
    return st != NULL ? st : xmlstream_parse_element(text, len, STANZA_NS_CLIENT, err, line, col);
}

/* A password change (or a registration) in a stanza c sends is noted,
 * to be learnt from its result (run/password.h, format 1.7). */
static void note_password_change(struct runner *r, const struct client *c, const char *text)
{
    if (strstr(text, RUNNER_NS_REGISTER) == NULL)
        return;
    enum xmlstream_error err;
    unsigned long line, col;
    struct stanza *sent = read_stanza(text, &err, &line, &col);
    if (sent == NULL)
        return;
    bool authed = c->state == CLIENT_SASL_DONE || c->state == CLIENT_AUTHED ||
                  c->state == CLIENT_BOUND;
    password_note_sent(&r->pw_changes, (size_t)(c - r->clients), authed ? c->account : NULL,
                       stanza_root(sent));
    stanza_free(sent);
}

static enum step_status step_send(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    enum step_status status = need_open(r, st, c);
    for (size_t i = 0; status == STEP_OK && i < st->send.count; i++) {
        char *text = substitute(r, st, st->send.items[i].text);
        if (text == NULL)
            return STEP_FAIL;
        note_password_change(r, c, text);
        status = send_text(r, st, c, text, NULL);
        free(text);
    }
    return status;
}

/* send_raw written as hex or base64: the bytes, shown as written. */
static enum step_status send_raw_bytes(struct runner *r, const struct scenario_step *st,
                                       struct client *c)
{
    struct buf bytes = {0}, shown = {0};
    scenario_raw_decode(st->raw_form, st->send_raw.text, &bytes);
    text_printf(&shown, "(%zu raw bytes, %s: %s)", bytes.len,
                st->raw_form == SCENARIO_RAW_HEX ? "hex" : "base64", st->send_raw.text);
    record(r, RUNNER_EVENT_SENT, c, buf_cstr(&shown), shown.len);
    enum step_status status = STEP_OK;
    if (!client_send(c, r->t, bytes.data, bytes.len, buf_cstr(&shown)))
        status = fail(r, st, "cannot send on connection %u: %s", c->conn, target_error(r->t));
    buf_free(&bytes);
    buf_free(&shown);
    return status;
}

static enum step_status step_send_raw(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    enum step_status status = STEP_OK;
    if (st->raw_form != SCENARIO_RAW_TEXT) {
        if (!client_is_open(c))
            status = open_connection(r, st, c);
        return status == STEP_OK ? send_raw_bytes(r, st, c) : status;
    }
    char *text = substitute(r, st, st->send_raw.text);
    if (text == NULL)
        return STEP_FAIL;
    if (!client_is_open(c))
        status = open_connection(r, st, c);
    if (status == STEP_OK)
        status = send_text(r, st, c, text, NULL);
    free(text);
    return status;
}

static enum step_status step_close(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    enum step_status status = need_open(r, st, c);
    if (status == STEP_OK)
        status = send_text(r, st, c, XMLSTREAM_CLOSE, NULL);
    if (status != STEP_OK)
        return status;
    await(r, c, is_closed, 0);
    if (!c->closed)
        return fail(r, st, "the server did not close %s's connection %u after </stream:stream>",
                    c->name, c->conn);
    return STEP_OK;
}

static enum step_status step_drop(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    if (c->conn == 0)
        return fail(r, st, "%s has no connection to drop", c->name);
    if (!c->closed)
        record(r, RUNNER_EVENT_HANGUP, c, "", 0);
    client_hangup(c, r->t);
    return STEP_OK;
}

/* Sends a jabber:iq:register set with the given query body; its id
 * (PREFIX_N) is written into id. */
static enum step_status send_register_iq(struct runner *r, const struct scenario_step *st,
                                         struct client *c, const char *prefix,
                                         unsigned long n, const char *body, char *id,
                                         size_t id_size)
{
    snprintf(id, id_size, "%s_%lu", prefix, n);
    struct buf xml = {0};
    text_printf(&xml, "<iq type='set' id='%s'><query xmlns='" RUNNER_NS_REGISTER "'>%s</query></iq>",
            id, body);
    enum step_status status = send_text(r, st, c, buf_cstr(&xml), NULL);
    buf_free(&xml);
    return status;
}

static enum step_status step_register(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    enum step_status status = STEP_OK;
    if (!client_is_open(c))
        client_sm_reset(c);
    client_batch_begin(c);
    bool ok = client_is_open(c) || (status = open_connection(r, st, c)) == STEP_OK;
    ok = ok && (c->state != CLIENT_RAW || phase_stream(r, st, c, &status));
    status = end_phases(r, c, "register", ok, status);
    if (!ok || status != STEP_OK)
        return status;
    if (c->state != CLIENT_UNAUTHED)
        return fail(r, st, "register needs a stream that is not authenticated; %s %s",
                    c->name, state_text(c));
    const char *pw = st->reg.password ? st->reg.password : "password";
    struct buf body = {0};
    buf_puts(&body, "<username>");
    stanza_escape_text(c->account, strlen(c->account), &body);
    buf_puts(&body, "</username><password>");
    stanza_escape_text(pw, strlen(pw), &body);
    buf_puts(&body, "</password>");
    char id[32];
    size_t mark = c->npending;
    status = send_register_iq(r, st, c, "reg", ++c->registers, buf_cstr(&body), id,
                              sizeof id);
    buf_free(&body);
    if (status != STEP_OK)
        return status;
    await(r, c, has_more_than, mark);
    if (result_at(c, mark, id))
        match_vars_set(&r->passwords, c->account, pw);
    return STEP_OK;
}

static enum step_status step_unregister(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    if (!client_is_open(c) || c->state != CLIENT_BOUND)
        return fail(r, st, "unregister needs a bound stream; %s %s", c->name, state_text(c));
    char id[32];
    return send_register_iq(r, st, c, "unreg", ++c->unregisters, "<remove/>", id,
                            sizeof id);
}

/* ---- stream management (format 1.1, XEP-0198) ---- */

/* Sends one SM element built from fmt and its arguments. */
static enum step_status send_sm(struct runner *r, const struct scenario_step *st,
                                struct client *c, const char *xml)
{
    enum step_status status = need_open(r, st, c);
    return status == STEP_OK ? send_text(r, st, c, xml, NULL) : status;
}

static enum step_status step_enable(struct runner *r, const struct scenario_step *st)
{
    return send_sm(r, st, step_client(r, st),
                   st->enable.resume ? "<enable xmlns='" CLIENT_NS_SM "' resume='true'/>"
                                     : "<enable xmlns='" CLIENT_NS_SM "'/>");
}

static enum step_status step_request(struct runner *r, const struct scenario_step *st)
{
    return send_sm(r, st, step_client(r, st), "<r xmlns='" CLIENT_NS_SM "'/>");
}

/* The h a step sends: its own (variables substituted) or the client's
 * count; NULL after failing the step. Caller frees. */
static char *h_of(struct runner *r, const struct scenario_step *st, const struct client *c)
{
    if (st->sm.h != NULL)
        return substitute(r, st, st->sm.h);
    struct buf b = {0};
    buf_put_u64(&b, c->sm_h);
    char *out = mem_strdup(buf_cstr(&b));
    buf_free(&b);
    return out;
}

static enum step_status step_ack(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    char *h = h_of(r, st, c);
    if (h == NULL)
        return STEP_FAIL;
    struct buf xml = {0};
    buf_puts(&xml, "<a xmlns='" CLIENT_NS_SM "' h='");
    buf_puts(&xml, h);
    buf_puts(&xml, "'/>");
    enum step_status status = send_sm(r, st, c, buf_cstr(&xml));
    buf_free(&xml);
    free(h);
    return status;
}

/* A new connection, authenticated (features consumed), then <resume/>
 * with the client's token and count unless the step gives them. */
static enum step_status step_resume(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    if (client_is_open(c) && c->state == CLIENT_BOUND)
        return fail(r, st, "%s is still bound on connection %u; drop it before resuming",
                    c->name, c->conn);
    if (st->sm.previd == NULL && c->sm_id == NULL)
        return fail(r, st, "%s has no resumption id (enable with resume: true first)", c->name);
    char *h = h_of(r, st, c);
    char *previd = h && st->sm.previd ? substitute(r, st, st->sm.previd)
                                      : h ? mem_strdup(c->sm_id) : NULL;
    enum step_status status = STEP_OK;
    if (previd != NULL) {
        client_batch_begin(c);
        bool ok = connect_phases(r, st, c, true, false, &status);
        status = end_phases(r, c, "resume", ok, status);
    } else {
        status = STEP_FAIL;
    }
    if (status == STEP_OK && c->state != CLIENT_AUTHED)
        status = fail(r, st, "resume needs an authenticated stream; %s %s", c->name,
                      state_text(c));
    if (status == STEP_OK) {
        struct buf xml = {0};
        buf_puts(&xml, "<resume xmlns='" CLIENT_NS_SM "' previd='");
        stanza_escape_attr(previd, strlen(previd), &xml);
        buf_puts(&xml, "' h='");
        buf_puts(&xml, h);
        buf_puts(&xml, "'/>");
        status = send_text(r, st, c, buf_cstr(&xml), NULL);
        buf_free(&xml);
        client_sm_claim(c, h);
    }
    free(h);
    free(previd);
    return status;
}

/* ---- receive ---- */

/* The first of the m stanzas shown that none of the n patterns took,
 * preferring one with the pattern's element name: what an unmatched
 * pattern is compared with. */
static size_t closest_actual(const struct client *c, size_t m, size_t n, const size_t *assign,
                             const struct stanza_node *pat)
{
    size_t best = MATCH_UNASSIGNED;
    for (size_t a = 0; a < m && a < c->npending; a++) {
        bool taken = false;
        for (size_t p = 0; p < n; p++)
            taken = taken || assign[p] == a;
        if (taken)
            continue;
        if (is_element(client_pending_at(c, a), pat->ns, pat->name))
            return a;
        if (best == MATCH_UNASSIGNED)
            best = a;
    }
    return best;
}

static void show_one(struct runner *r, const struct client *c, const char *text,
                       const struct stanza_node *pat)
{
    text_printf(&r->msg, "  expected: %s\n", text);
    write_stanza_line(client_pending_at(c, 0), "  actual:   ", &r->msg);
    buf_puts(&r->msg, "  why:\n");
    explain_mismatch(pat, client_pending_at(c, 0), &r->msg);
}

/* The n patterns with the stanza each took, the first m pending stanzas
 * (under the heading given), and why each pattern left over does not
 * match the closest of them. */
static void show_set(struct runner *r, const struct client *c, char *const *texts,
                     struct stanza *const *pats, size_t n, const size_t *assign, size_t m,
                     const char *expected_heading, const char *actual_heading)
{
    text_printf(&r->msg, "  expected, %s:\n", expected_heading);
    for (size_t p = 0; p < n; p++) {
        if (assign[p] == MATCH_UNASSIGNED)
            text_printf(&r->msg, "    %zu. %s   [no match]\n", p + 1, texts[p]);
        else
            text_printf(&r->msg, "    %zu. %s   [matches actual %zu]\n", p + 1, texts[p],
                    assign[p] + 1);
    }
    text_printf(&r->msg, "  actual, %s %zu pending:\n", actual_heading, m);
    for (size_t a = 0; a < m; a++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "    %zu. ", a + 1);
        write_stanza_line(client_pending_at(c, a), prefix, &r->msg);
    }
    for (size_t p = 0; p < n; p++) {
        size_t a = assign[p] == MATCH_UNASSIGNED ?
                       closest_actual(c, m, n, assign, stanza_root(pats[p])) :
                       MATCH_UNASSIGNED;
        if (a == MATCH_UNASSIGNED)
            continue;
        text_printf(&r->msg, "  why expected %zu does not match actual %zu:\n", p + 1, a + 1);
        explain_mismatch(stanza_root(pats[p]), client_pending_at(c, a), &r->msg);
    }
}

/* runner_result.expected and .actual of a failed receive: lines of
 * expected text, then the first n pending stanzas ("nothing" when none,
 * "closed" appended when the connection has ended). */
static void note_mismatch(struct runner *r, const struct client *c, const char *const *expected,
                          size_t nexpected, size_t n)
{
    buf_clear(&r->expected);
    buf_clear(&r->actual);
    for (size_t i = 0; i < nexpected; i++)
        text_printf(&r->expected, "%s%s", i ? "\n" : "", expected[i]);
    for (size_t i = 0; i < n && i < c->npending; i++) {
        if (i > 0)
            buf_putc(&r->actual, '\n');
        client_stanza_write(client_pending_at(c, i), &r->actual);
    }
    if (c->npending == 0)
        buf_puts(&r->actual, c->closed ? "closed" : "nothing");
}

static enum step_status receive_mismatch(struct runner *r, const struct scenario_step *st,
                                         struct client *c, char *const *texts,
                                         struct stanza *const *pats, const size_t *assign)
{
    size_t n = st->receive.patterns.count;
    note_mismatch(r, c, (const char *const *)texts, n, n);
    if (c->npending < n) {
        const char *closed = c->closed ? " (connection closed)" : "";
        if (c->npending == 0)
            fail(r, st, "expected %zu stanza%s, nothing is pending%s", n, n == 1 ? "" : "s",
                 closed);
        else
            fail(r, st, "expected %zu stanzas, only %zu pending%s", n, c->npending, closed);
        for (size_t p = 0; p < n; p++)
            text_printf(&r->msg, "  expected: %s\n", texts[p]);
        write_pending(r, c, 0, "pending");
        return STEP_FAIL;
    }
    fail(r, st, n == 1 ? "the next stanza does not match" : "the next %zu stanzas do not match",
         n);
    if (n == 1)
        show_one(r, c, texts[0], stanza_root(pats[0]));
    else
        show_set(r, c, texts, pats, n, assign, n, "in any order", "the next");
    write_pending(r, c, n, "also pending");
    return STEP_FAIL;
}

/* Substitutes and parses the patterns; false after failing the step. */
static bool patterns_load(struct runner *r, const struct scenario_step *st, char **texts,
                          struct stanza **pats)
{
    for (size_t p = 0; p < st->receive.patterns.count; p++) {
        texts[p] = substitute(r, st, st->receive.patterns.items[p].text);
        if (texts[p] == NULL)
            return false;
        enum xmlstream_error err;
        unsigned long line, col;
        pats[p] = read_stanza(texts[p], &err, &line, &col);
        if (pats[p] == NULL) {
            fail(r, st, "pattern %zu does not parse after substitution (%s at %lu:%lu): %s",
                 p + 1, xmlstream_error_text(err), line, col, texts[p]);
            return false;
        }
    }
    return true;
}

/* Frees what a receive step allocated: n pattern texts and trees, and the
 * arrays of roots, pending stanzas and the assignment. */
static void receive_free(size_t n, char **texts, struct stanza **pats,
                         const struct stanza_node **roots, const struct stanza_node **actual,
                         size_t *assign)
{
    for (size_t i = 0; i < n; i++) {
        free(texts[i]);
        stanza_free(pats[i]);
    }
    free(texts);
    free(pats);
    free(roots);
    free(actual);
    free(assign);
}

static enum step_status receive_stanzas(struct runner *r, const struct scenario_step *st,
                                        struct client *c)
{
    size_t n = st->receive.patterns.count;
    char **texts = mem_calloc(n, sizeof *texts);
    struct stanza **pats = mem_calloc(n, sizeof *pats);
    const struct stanza_node **roots = mem_calloc(n, sizeof *roots);
    const struct stanza_node **actual = mem_calloc(n, sizeof *actual);
    size_t *assign = mem_calloc(n, sizeof *assign);
    enum step_status status = STEP_FAIL;
    if (patterns_load(r, st, texts, pats)) {
        await(r, c, has_more_than, n - 1);
        size_t m = c->npending < n ? c->npending : n;
        for (size_t i = 0; i < n; i++)
            roots[i] = stanza_root(pats[i]);
        for (size_t i = 0; i < m; i++)
            actual[i] = client_pending_at(c, i);
        if (match_receive_set(roots, n, actual, m, &r->captures, assign)) {
            for (size_t i = 0; i < n; i++)
                client_pending_remove(c, 0);
            status = STEP_OK;
        } else {
            status = receive_mismatch(r, st, c, texts, pats, assign);
        }
    }
    receive_free(n, texts, pats, roots, actual, assign);
    return status;
}

/* Format 1.6 `receive: {among: ...}` that found no match among what is
 * pending. */
static enum step_status among_mismatch(struct runner *r, const struct scenario_step *st,
                                       struct client *c, char *const *texts,
                                       struct stanza *const *pats, const size_t *assign)
{
    size_t n = st->receive.patterns.count;
    note_mismatch(r, c, (const char *const *)texts, n, c->npending);
    if (c->npending == 0) {
        fail(r, st, "expected %zu stanza%s among those pending, nothing is pending%s", n,
             n == 1 ? "" : "s", c->closed ? " (connection closed)" : "");
        for (size_t p = 0; p < n; p++)
            text_printf(&r->msg, "  expected: %s\n", texts[p]);
        return STEP_FAIL;
    }
    if (n == 1)
        fail(r, st, "no pending stanza matches");
    else
        fail(r, st, "the %zu patterns do not match distinct pending stanzas", n);
    show_set(r, c, texts, pats, n, assign, c->npending, "anywhere among the pending", "all");
    return STEP_FAIL;
}

/* Removes the pending stanzas the n patterns took (indexes in assign). */
static void remove_taken(struct client *c, const size_t *assign, size_t n)
{
    for (size_t a = c->npending; a-- > 0;)
        for (size_t p = 0; p < n; p++)
            if (assign[p] == a) {
                client_pending_remove(c, a);
                break;
            }
}

/* Format 1.6: the patterns against everything pending, waiting for more
 * while the target has more to give; the stanzas not taken stay pending,
 * in their order. */
static enum step_status receive_among(struct runner *r, const struct scenario_step *st,
                                      struct client *c)
{
    size_t n = st->receive.patterns.count;
    char **texts = mem_calloc(n, sizeof *texts);
    struct stanza **pats = mem_calloc(n, sizeof *pats);
    const struct stanza_node **roots = mem_calloc(n, sizeof *roots);
    const struct stanza_node **actual = NULL;
    size_t *assign = mem_calloc(n, sizeof *assign);
    enum step_status status = STEP_FAIL;
    if (patterns_load(r, st, texts, pats)) {
        for (size_t i = 0; i < n; i++)
            roots[i] = stanza_root(pats[i]);
        await(r, c, has_more_than, n - 1);
        for (int round = 0;; round++) {
            actual = mem_realloc(actual, (c->npending + 1) * sizeof *actual);
            for (size_t i = 0; i < c->npending; i++)
                actual[i] = client_pending_at(c, i);
            if (match_receive_among(roots, n, actual, c->npending, &r->captures, assign)) {
                remove_taken(c, assign, n);
                status = STEP_OK;
                break;
            }
            if (round == RUNNER_WAIT_MAX || c->closed || !target_wait(r->t, c->conn)) {
                status = among_mismatch(r, st, c, texts, pats, assign);
                break;
            }
            pump(r, c);
        }
    }
    receive_free(n, texts, pats, roots, actual, assign);
    return status;
}

/* Whether a <stream:error/> is among the pending stanzas. */
static bool has_pending_stream_error(const struct client *c)
{
    for (size_t i = 0; i < c->npending; i++)
        if (is_element(client_pending_at(c, i), STANZA_NS_STREAM, "error"))
            return true;
    return false;
}

/* Format 1.2: `closed` holds after any stream error the client already
 * received, so a stream error still pending fails it, unless the scenario
 * leaves unreceived stanzas unjudged (`leftovers: ignore`, as imported
 * scansion scripts do: their `disconnects` reads no error). */
static enum step_status receive_closed_after_errors(struct runner *r,
                                                    const struct scenario_step *st,
                                                    struct client *c)
{
    if (r->s->leftovers_ignore || !has_pending_stream_error(c))
        return STEP_OK;
    fail(r, st, "%s's connection %u is closed, but a stream error is still pending "
                "(receive it before closed)", c->name, c->conn);
    note_mismatch(r, c, (const char *const[]){"closed"}, 1, c->npending);
    write_pending(r, c, 0, "pending");
    return STEP_FAIL;
}

static enum step_status step_receive(struct runner *r, const struct scenario_step *st)
{
    struct client *c = step_client(r, st);
    switch (st->receive.kind) {
    case SCENARIO_RECEIVE_STANZAS:
        return receive_stanzas(r, st, c);
    case SCENARIO_RECEIVE_AMONG:
        return receive_among(r, st, c);
    case SCENARIO_RECEIVE_NOTHING:
        if (c->npending == 0)
            return STEP_OK;
        fail(r, st, "expected nothing, but %zu stanza%s pending", c->npending,
             c->npending == 1 ? " is" : "s are");
        note_mismatch(r, c, (const char *const[]){"nothing"}, 1, c->npending);
        write_pending(r, c, 0, "pending");
        return STEP_FAIL;
    case SCENARIO_RECEIVE_CLOSED:
        if (c->conn == 0)
            return fail(r, st, "%s never had a connection", c->name);
        await(r, c, is_closed, 0);
        if (c->closed)
            return receive_closed_after_errors(r, st, c);
        fail(r, st, "expected the server to have closed %s's connection %u; it is open (%s)",
             c->name, c->conn, states_text[c->state]);
        note_mismatch(r, c, (const char *const[]){"closed"}, 1, c->npending);
        if (c->npending == 0) {
            buf_clear(&r->actual);
            buf_puts(&r->actual, "open");
        }
        write_pending(r, c, 0, "pending");
        return STEP_FAIL;
    }
    abort();
}

/* ---- directives ---- */

/* A live server sessim configured waits for a short advance in real time
 * (scenarios/FORMAT.md "Live targets"); other live targets skip it. */
static enum step_status step_advance(struct runner *r, const struct scenario_step *st)
{
    unsigned caps = target_caps(r->t);
    bool waits = (caps & TARGET_REAL_CLOCK) != 0 && st->advance_ms <= TARGET_REAL_ADVANCE_MAX_MS;
    if ((caps & TARGET_CAN_ADVANCE) == 0 && !waits)
        return STEP_SKIPPED;
    target_advance(r->t, st->advance_ms);
    return STEP_OK;
}

static enum step_status step_restart(struct runner *r, const struct scenario_step *st)
{
    if ((target_caps(r->t) & TARGET_CAN_RESTART) == 0) {
        buf_clear(&r->msg);
        text_printf(&r->msg, "the %s target cannot restart the server (step %zu, line %lu)",
                r->t->ops->name, r->step + 1, st->line);
        r->msg_line = st->line;
        return STEP_STOP;
    }
    record(r, RUNNER_EVENT_RESTART, NULL, "", 0);
    if (!target_restart(r->t))
        return fail(r, st, "restart failed: %s", target_error(r->t));
    pump_all(r);
    return STEP_OK;
}

static enum step_status step_note(struct runner *r, const struct scenario_step *st)
{
    if (r->opt->verbose)
        text_printf(&r->log, "[step %zu] note: %s\n", r->step + 1, st->note);
    return STEP_OK;
}

/* ---- check (through the target) ---- */

static enum step_status step_check(struct runner *r, const struct scenario_step *st)
{
    struct target_check_client *clients =
        mem_realloc(NULL, (r->s->client_count + 1) * sizeof *clients);
    for (size_t i = 0; i < r->s->client_count; i++)
        clients[i] = (struct target_check_client){r->clients[i].name, r->clients[i].conn};
    struct target_check q = {st, r->s->server.domain, clients, r->s->client_count};
    struct buf out = {0};
    int mismatches = target_check(r->t, &q, &out);
    free(clients);
    enum step_status status = mismatches < 0 ? STEP_SKIPPED : STEP_OK;
    if (mismatches > 0) {
        status = fail(r, st, "%d mismatch%s", mismatches, mismatches == 1 ? "" : "es");
        buf_append(&r->msg, out.data, out.len);
    }
    buf_free(&out);
    return status;
}

static enum step_status run_step(struct runner *r, const struct scenario_step *st)
{
    switch (st->kind) {
    case SCENARIO_STEP_CONNECT:
        return step_connect(r, st);
    case SCENARIO_STEP_AUTH:
        return step_auth(r, st);
    case SCENARIO_STEP_BIND:
        return step_bind(r, st);
    case SCENARIO_STEP_SEND:
        return step_send(r, st);
    case SCENARIO_STEP_SEND_RAW:
        return step_send_raw(r, st);
    case SCENARIO_STEP_RECEIVE:
        return step_receive(r, st);
    case SCENARIO_STEP_CLOSE:
        return step_close(r, st);
    case SCENARIO_STEP_DROP:
        return step_drop(r, st);
    case SCENARIO_STEP_REGISTER:
        return step_register(r, st);
    case SCENARIO_STEP_UNREGISTER:
        return step_unregister(r, st);
    case SCENARIO_STEP_ENABLE:
        return step_enable(r, st);
    case SCENARIO_STEP_ACK:
        return step_ack(r, st);
    case SCENARIO_STEP_REQUEST:
        return step_request(r, st);
    case SCENARIO_STEP_RESUME:
        return step_resume(r, st);
    case SCENARIO_STEP_ADVANCE:
        return step_advance(r, st);
    case SCENARIO_STEP_RESTART:
        return step_restart(r, st);
    case SCENARIO_STEP_CHECK:
        return step_check(r, st);
    case SCENARIO_STEP_NOTE:
        return step_note(r, st);
    }
    abort();
}

/* ---- after every step ---- */

static const char *conn_client(const struct runner *r, unsigned conn)
{
    if (conn < r->conn_owner_len && r->conn_owner[conn] != 0)
        return r->clients[r->conn_owner[conn] - 1].name;
    return "no client";
}

static enum step_status check_invariants(struct runner *r, const struct scenario_step *st)
{
    struct invariant_violation v[RUNNER_VIOLATIONS_MAX];
    size_t n = target_invariants(r->t, v, RUNNER_VIOLATIONS_MAX);
    if (n == 0)
        return STEP_OK;
    fail(r, st, "%zu invariant violation%s after the step", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < RUNNER_VIOLATIONS_MAX; i++) {
        text_printf(&r->msg, "  %s: %s\n", v[i].rule, v[i].message);
        for (size_t k = 0; k < v[i].nconns && k < INVARIANT_CONNS_MAX; k++)
            text_printf(&r->msg, "%s%u (%s)%s", k == 0 ? "      connections: " : ", ", v[i].conns[k],
                    conn_client(r, v[i].conns[k]), k + 1 == v[i].nconns ? "\n" : "");
    }
    if (n > RUNNER_VIOLATIONS_MAX)
        text_printf(&r->msg, "  ... and %zu more\n", n - RUNNER_VIOLATIONS_MAX);
    return STEP_FAIL;
}

/* runner_options.transcribe: what every client has pending becomes events. */
static void transcribe(struct runner *r)
{
    for (size_t i = 0; i < r->s->client_count; i++) {
        struct client *c = &r->clients[i];
        while (c->npending > 0) {
            struct buf b = {0};
            client_stanza_write(client_pending_at(c, 0), &b);
            record(r, RUNNER_EVENT_PENDING, c, b.data ? b.data : "", b.len);
            buf_free(&b);
            client_pending_remove(c, 0);
        }
    }
}

static enum step_status after_step(struct runner *r, const struct scenario_step *st)
{
    target_settle(r->t);
    pump_all(r);
    if (r->opt->transcribe && r->opt->record)
        transcribe(r);
    for (size_t i = 0; i < r->s->client_count; i++) {
        const struct client *c = &r->clients[i];
        if (c->parse_error != XMLSTREAM_E_NONE)
            return fail(r, st, "the server sent %s bytes that do not parse: %s (connection %u)",
                        c->name, xmlstream_error_text(c->parse_error), c->conn);
        if (c->wire_fault != NULL)
            return fail(r, st, "%s's connection %u: %s", c->name, c->conn, c->wire_fault);
    }
    return check_invariants(r, st);
}

/* ---- setup and end ---- */

static enum step_status setup_fail(struct runner *r, unsigned long line, const char *what)
{
    buf_clear(&r->msg);
    text_printf(&r->msg, "%s:%lu: accounts: %s\n", r->s->file, line, what);
    r->msg_line = line;
    return STEP_FAIL;
}

static enum step_status setup_accounts(struct runner *r)
{
    unsigned long line = 0;
    if (!preset_accounts(r->s, r->t, &line))
        return setup_fail(r, line, target_error(r->t));
    for (size_t i = 0; i < r->s->account_count; i++)
        match_vars_set(&r->passwords, r->s->accounts[i].name, r->s->accounts[i].password);
    return STEP_OK;
}

/* Stanzas nobody received fail the scenario (unless leftovers: ignore). */
static enum step_status check_leftovers(struct runner *r)
{
    if (r->s->leftovers_ignore)
        return STEP_OK;
    for (size_t i = 0; i < r->s->client_count; i++) {
        const struct client *c = &r->clients[i];
        for (size_t k = 0; k < c->npending; k++) {
            size_t at = client_pending_step(c, k);
            unsigned long line = r->s->steps[at].line;
            if (r->msg.len == 0) {
                r->msg_line = line;
                text_printf(&r->msg, "%s:%lu: stanzas left unreceived at the end "
                                 "(receive them, or set `leftovers: ignore`)\n",
                        r->s->file, line);
            }
            text_printf(&r->msg, "  unexpected stanza for %s (arrived in step %zu, line %lu): ",
                    c->name, at + 1, line);
            write_stanza_line(client_pending_at(c, k), "", &r->msg);
        }
    }
    return r->msg.len == 0 ? STEP_OK : STEP_FAIL;
}

static void runner_init(struct runner *r, const struct scenario *s,
                        const struct runner_options *opt)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    r->opt = opt;
    r->fail_step = RUNNER_NO_STEP;
    r->t = opt->target_new ? opt->target_new(s, opt->seed, opt->target_ctx) :
                             target_model_new(&s->server, opt->seed);
    r->clients = mem_realloc(NULL, (s->client_count + 1) * sizeof *r->clients);
    for (size_t i = 0; i < s->client_count; i++) {
        const struct scenario_client *sc = &s->clients[i];
        uint64_t salt = opt->seed * 0x9E3779B97F4A7C15ull + i + 1;
        client_init(&r->clients[i], sc->name, sc->account, sc->resource, salt);
        r->clients[i].trace = opt->verbose ? &r->log : NULL;
        r->clients[i].use_trees = opt->trees;
    }
}

static void runner_release(struct runner *r)
{
    for (size_t i = 0; i < r->s->client_count; i++)
        client_free(&r->clients[i]);
    free(r->clients);
    target_free(r->t);
    match_vars_free(&r->captures);
    match_vars_free(&r->passwords);
    password_changes_free(&r->pw_changes);
    free(r->conn_owner);
    buf_free(&r->scratch);
    buf_free(&r->msg);
    buf_free(&r->log);
    buf_free(&r->expected);
    buf_free(&r->actual);
    for (size_t i = 0; i < r->nevents; i++)
        free(r->events[i].text);
    free(r->events);
}

static void trace_step(struct runner *r, const struct scenario_step *st)
{
    if (!r->opt->verbose)
        return;
    text_printf(&r->log, "[step %zu] line %lu: ", r->step + 1, st->line);
    if (st->client != SCENARIO_NO_CLIENT)
        text_printf(&r->log, "%s: ", r->s->clients[st->client].name);
    text_printf(&r->log, "%s\n", scenario_step_name(st->kind));
}

/* Runs the steps in order; returns the status of the first that did not
 * pass (STEP_OK when all did). */
static enum step_status run_steps(struct runner *r, struct runner_result *out)
{
    for (size_t i = 0; i < r->s->step_count; i++) {
        const struct scenario_step *st = &r->s->steps[i];
        r->step = i;
        for (size_t k = 0; k < r->s->client_count; k++)
            r->clients[k].step = i;
        trace_step(r, st);
        enum step_status status = run_step(r, st);
        out->steps_run++;
        if (status == STEP_SKIPPED) {
            r->skipped++;
            if (r->opt->verbose)
                text_printf(&r->log, "[step %zu] skipped on the %s target\n", i + 1,
                        r->t->ops->name);
        }
        if (status == STEP_OK || status == STEP_SKIPPED)
            status = after_step(r, st);
        if (status == STEP_FAIL) {
            r->fail_step = i;
            /* Late arrivals belong in the traffic shown. */
            target_settle(r->t);
            pump_all(r);
            write_traffic(r, st);
        }
        if (status != STEP_OK)
            return status;
    }
    return STEP_OK;
}

static enum runner_outcome run_all(struct runner *r, struct runner_result *out)
{
    if (r->t->skip[0] != '\0') {
        text_printf(&r->msg, "%s", r->t->skip);
        return RUNNER_SKIP;
    }
    if (r->s->target == SCENARIO_TARGET_MODEL && !(target_caps(r->t) & TARGET_CAN_CHECK)) {
        text_printf(&r->msg, "model-only scenario (target: model) on the %s target",
                r->t->ops->name);
        return RUNNER_SKIP;
    }
    if (setup_accounts(r) != STEP_OK)
        return RUNNER_FAIL;
    switch (run_steps(r, out)) {
    case STEP_OK:
    case STEP_SKIPPED:
        return check_leftovers(r) == STEP_OK ? RUNNER_PASS : RUNNER_FAIL;
    case STEP_FAIL:
        return RUNNER_FAIL;
    case STEP_STOP:
        return RUNNER_SKIP;
    }
    abort();
}

/* Moves the failure details and the recorded events into the result. */
static void take_record(struct runner *r, struct runner_result *out)
{
    out->fail_step = out->outcome == RUNNER_FAIL ? r->fail_step : RUNNER_NO_STEP;
    if (out->outcome == RUNNER_FAIL && r->expected.len > 0) {
        out->expected = mem_strdup(buf_cstr(&r->expected));
        out->actual = mem_strdup(buf_cstr(&r->actual));
    }
    out->events = r->events;
    out->event_count = r->nevents;
    r->events = NULL;
    r->nevents = 0;
}

void runner_run(const struct scenario *s, const struct runner_options *opt,
                struct runner_result *out)
{
    static const struct runner_options defaults = {0};
    struct runner r;
    memset(out, 0, sizeof *out);
    out->fail_step = RUNNER_NO_STEP;
    runner_init(&r, s, opt ? opt : &defaults);
    if (r.t == NULL) {
        out->outcome = RUNNER_FAIL;
        out->message = mem_strdup("cannot create the target");
        out->log = mem_strdup("");
    } else {
        out->outcome = run_all(&r, out);
        out->line = r.msg_line;
        out->steps_skipped = r.skipped;
        out->message = out->outcome == RUNNER_PASS ? NULL : mem_strdup(buf_cstr(&r.msg));
        out->log = mem_strdup(buf_cstr(&r.log));
        take_record(&r, out);
    }
    runner_release(&r);
}

void runner_result_free(struct runner_result *r)
{
    free(r->message);
    free(r->log);
    free(r->expected);
    free(r->actual);
    for (size_t i = 0; i < r->event_count; i++)
        free(r->events[i].text);
    free(r->events);
    r->message = NULL;
    r->log = NULL;
    r->expected = NULL;
    r->actual = NULL;
    r->events = NULL;
    r->event_count = 0;
}

static const char *const outcome_names[] = {
#define RUNNER_NAME(name, word, label) word,
    RUNNER_OUTCOMES(RUNNER_NAME)
#undef RUNNER_NAME
};

static const char *const outcome_labels[] = {
#define RUNNER_LABEL(name, word, label) label,
    RUNNER_OUTCOMES(RUNNER_LABEL)
#undef RUNNER_LABEL
};

const char *runner_outcome_name(enum runner_outcome outcome)
{
    return outcome_names[outcome];
}

const char *runner_outcome_label(enum runner_outcome outcome)
{
    return outcome_labels[outcome];
}
