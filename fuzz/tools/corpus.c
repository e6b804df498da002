/* corpus-extract: seed inputs for the fuzz targets, from scenario files.
 *
 *   corpus-extract OUTDIR PATHS...
 *
 * PATHS are scenario files or directories (as `sessim run` takes them).
 * Every file that loads gives, under OUTDIR/<target>/ (numbered; `make
 * fuzz-corpus` renames them by SHA-256 and copies the new ones into
 * fuzz/corpus/):
 * - scenario_loader: the file itself;
 * - stream_parser: one client stream per client that sends anything: a
 *   header, SASL, a restarted header, a bind, everything it sends (send and
 *   send_raw) and the close;
 * - pattern_matcher: every receive pattern and every sent stanza paired with
 *   itself (NUL-separated), and every pattern paired with the stanza sent
 *   last before it;
 * - model_session: the whole scenario as operations (fuzz/model_session.c),
 *   connects as header, SASL and bind, sends as raw bytes, and close, drop,
 *   register, unregister, advance and restart.
 * Variables become what the runner would send for a bound client
 * (${romeo.full} = romeo@DOMAIN/RESOURCE); captures become "captured".
 * Exit status: 0, or 2 on a usage or write error (unloadable files are
 * skipped with a message).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/buf.h"
#include "scenario/loader.h"
#include "scenario/match.h"
#include "base/paths.h"
#include "scenario/scenario.h"

#define SLOTS 4
#define HDR "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
            "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"
/* base64("\0romeo\0password"): the stream parser does not check it. */
#define AUTH "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" \
             "AHJvbWVvAHBhc3N3b3Jk</auth>"
#define BIND "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>" \
             "<resource>r</resource></bind></iq>"

struct out {
    const char *dir;
    unsigned long count;      /* files written, for their names */
    bool failed;
};

struct extract {
    const struct scenario *s;
    struct buf value;         /* the last variable's value */
    struct out *out;
};

/* ---- writing ---- */

static void write_file(struct out *o, const char *target, const char *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", o->dir, target);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/%s/%06lu", o->dir, target, o->count++);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        perror(path);
        o->failed = true;
    }
    if (f != NULL && fclose(f) != 0)
        o->failed = true;
}

/* ---- variables ---- */

static const char *lookup(void *ctx, const char *name)
{
    struct extract *x = ctx;
    const char *dot = strrchr(name, '.');
    const char *domain = x->s->server.domain;
    buf_clear(&x->value);
    const struct scenario_client *c = NULL;
    if (dot != NULL) {
        char client[256];
        snprintf(client, sizeof client, "%.*s", (int)(dot - name), name);
        c = scenario_client_find(x->s, client);
    }
    if (strcmp(name, "domain") == 0)
        buf_puts(&x->value, domain);
    else if (c == NULL)
        buf_puts(&x->value, "captured");
    else if (strcmp(dot, ".account") == 0)
        buf_puts(&x->value, c->account);
    else if (strcmp(dot, ".resource") == 0)
        buf_puts(&x->value, c->resource);
    else {
        buf_puts(&x->value, c->account);
        buf_putc(&x->value, '@');
        buf_puts(&x->value, domain);
        if (strcmp(dot, ".full") == 0) {
            buf_putc(&x->value, '/');
            buf_puts(&x->value, c->resource);
        }
    }
    return buf_cstr(&x->value);
}

/* text with its variables substituted, appended to out. */
static void put_substituted(struct extract *x, const char *text, struct buf *out)
{
    char *bad = NULL;
    char *s = match_substitute(text, lookup, x, &bad);
    buf_puts(out, s != NULL ? s : text);
    free(s);
    free(bad);
}

/* ---- stream_parser and pattern_matcher ---- */

static void client_stream(struct extract *x, size_t client)
{
    struct buf b = {0};
    buf_puts(&b, HDR AUTH HDR BIND);
    size_t sent = 0;
    for (size_t i = 0; i < x->s->step_count; i++) {
        const struct scenario_step *st = &x->s->steps[i];
        if (st->client != client)
            continue;
        if (st->kind == SCENARIO_STEP_SEND) {
            for (size_t k = 0; k < st->send.count; k++)
                put_substituted(x, st->send.items[k].text, &b);
            sent += st->send.count;
        } else if (st->kind == SCENARIO_STEP_SEND_RAW) {
            put_substituted(x, st->send_raw.text, &b);
            sent++;
        }
    }
    buf_puts(&b, "</stream:stream>");
    if (sent > 0)
        write_file(x->out, "stream_parser", b.data, b.len);
    buf_free(&b);
}

static void pair(struct extract *x, const char *a, const char *b)
{
    struct buf out = {0};
    put_substituted(x, a, &out);
    buf_putc(&out, '\0');
    put_substituted(x, b, &out);
    write_file(x->out, "pattern_matcher", out.data, out.len);
    buf_free(&out);
}

static void pattern_pairs(struct extract *x)
{
    const char *last = NULL;
    for (size_t i = 0; i < x->s->step_count; i++) {
        const struct scenario_step *st = &x->s->steps[i];
        const struct scenario_strings *v = st->kind == SCENARIO_STEP_SEND ? &st->send
                                           : st->kind == SCENARIO_STEP_RECEIVE
                                               ? &st->receive.patterns
                                               : NULL;
        for (size_t k = 0; v != NULL && k < v->count; k++) {
            pair(x, v->items[k].text, v->items[k].text);
            if (st->kind == SCENARIO_STEP_RECEIVE && last != NULL)
                pair(x, v->items[k].text, last);
        }
        if (st->kind == SCENARIO_STEP_SEND)
            last = st->send.items[st->send.count - 1].text;
    }
}

/* ---- model_session ---- */

static void op(struct buf *b, char code, size_t client, unsigned v)
{
    buf_putc(b, code);
    buf_putc(b, (char)(v << 2 | (client == SCENARIO_NO_CLIENT ? 0 : client % SLOTS)));
}

static void str_operand(struct buf *b, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    len = len > 255 ? 255 : len;
    buf_putc(b, (char)len);
    buf_append(b, s ? s : "", len);
}

static void raw_operand(struct buf *b, const char *s, size_t len)
{
    len = len > 65535 ? 65535 : len;
    buf_putc(b, (char)(len >> 8));
    buf_putc(b, (char)(len & 255));
    buf_append(b, s, len);
}

static void raw_substituted(struct extract *x, struct buf *b, size_t client, const char *text)
{
    struct buf s = {0};
    put_substituted(x, text, &s);
    op(b, 'r', client, 0);
    raw_operand(b, s.data ? s.data : "", s.len);
    buf_free(&s);
}

static const char *password_of(const struct scenario *s, const struct scenario_client *c)
{
    const struct scenario_account *a = scenario_account_find(s, c->account);
    return a != NULL ? a->password : "password";
}

static void auth_ops(struct extract *x, struct buf *b, size_t client, const char *password)
{
    const struct scenario_client *c = &x->s->clients[client];
    op(b, 'a', client, 8);
    str_operand(b, c->account);
    str_operand(b, password != NULL ? password : password_of(x->s, c));
}

static void bind_op(struct extract *x, struct buf *b, size_t client, const char *resource)
{
    op(b, 'b', client, 0);
    str_operand(b, resource != NULL ? resource : x->s->clients[client].resource);
}

static void connect_ops(struct extract *x, struct buf *b, const struct scenario_step *st)
{
    op(b, 'c', st->client, 0);
    op(b, 'o', st->client, 0);
    if (st->connect.auth)
        auth_ops(x, b, st->client, NULL);
    if (st->connect.auth && st->connect.bind)
        bind_op(x, b, st->client, st->connect.resource);
}

static void register_ops(struct extract *x, struct buf *b, const struct scenario_step *st)
{
    struct buf iq = {0};
    buf_puts(&iq, "<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>");
    buf_puts(&iq, x->s->clients[st->client].account);
    buf_puts(&iq, "</username><password>");
    buf_puts(&iq, st->reg.password ? st->reg.password : "password");
    buf_puts(&iq, "</password></query></iq>");
    op(b, 'c', st->client, 0);
    op(b, 'o', st->client, 0);
    op(b, 'r', st->client, 0);
    raw_operand(b, iq.data, iq.len);
    buf_free(&iq);
}

static void advance_op(struct buf *b, uint64_t ms)
{
    static const uint64_t units[] = {86400000, 3600000, 60000, 1000, 1};
    unsigned u = 0;
    while (u < 4 && (ms % units[u] != 0 || ms / units[u] > 65535))
        u++;
    uint64_t n = ms / units[u] > 65535 ? 65535 : ms / units[u];
    op(b, 't', 0, 4 - u);
    buf_putc(b, (char)(n >> 8));
    buf_putc(b, (char)(n & 255));
}

static void step_ops(struct extract *x, struct buf *b, const struct scenario_step *st)
{
    static const char unregister[] =
        "<iq type='set' id='unreg'><query xmlns='jabber:iq:register'><remove/></query></iq>";
    static const char sm_enable[] = "<enable xmlns='urn:xmpp:sm:3'/>";
    static const char sm_enable_resume[] = "<enable xmlns='urn:xmpp:sm:3' resume='true'/>";
    static const char sm_request[] = "<r xmlns='urn:xmpp:sm:3'/>";
    static const char sm_ack[] = "<a xmlns='urn:xmpp:sm:3' h='0'/>";
    switch (st->kind) {
    case SCENARIO_STEP_CONNECT: connect_ops(x, b, st); break;
    case SCENARIO_STEP_AUTH: auth_ops(x, b, st->client, st->auth.password); break;
    case SCENARIO_STEP_BIND: bind_op(x, b, st->client, NULL); break;
    case SCENARIO_STEP_SEND:
        for (size_t k = 0; k < st->send.count; k++)
            raw_substituted(x, b, st->client, st->send.items[k].text);
        break;
    case SCENARIO_STEP_SEND_RAW: raw_substituted(x, b, st->client, st->send_raw.text); break;
    case SCENARIO_STEP_CLOSE: op(b, 'x', st->client, 0); break;
    case SCENARIO_STEP_DROP: op(b, 'h', st->client, 0); break;
    case SCENARIO_STEP_REGISTER: register_ops(x, b, st); break;
    case SCENARIO_STEP_UNREGISTER: raw_substituted(x, b, st->client, unregister); break;
    case SCENARIO_STEP_ADVANCE: advance_op(b, st->advance_ms); break;
    case SCENARIO_STEP_RESTART: op(b, 'R', 0, 0); break;
    case SCENARIO_STEP_ENABLE:
        raw_substituted(x, b, st->client, st->enable.resume ? sm_enable_resume : sm_enable);
        break;
    case SCENARIO_STEP_REQUEST: raw_substituted(x, b, st->client, sm_request); break;
    case SCENARIO_STEP_ACK: raw_substituted(x, b, st->client, sm_ack); break;
    case SCENARIO_STEP_RESUME:   /* needs the id the server gave: not an operation */
    case SCENARIO_STEP_RECEIVE:
    case SCENARIO_STEP_CHECK:
    case SCENARIO_STEP_NOTE:
        break;
    }
}

static void session_ops(struct extract *x)
{
    const struct scenario_server *sv = &x->s->server;
    struct buf b = {0};
    buf_putc(&b, (char)(sv->conflict | (sv->offline ? 0 : 4) | (sv->registration ? 0 : 8) |
                        (sv->tombstones ? 0 : 16)));
    for (size_t i = 0; i < x->s->account_count; i++) {
        op(&b, 'n', 0, 0);
        str_operand(&b, x->s->accounts[i].name);
        str_operand(&b, x->s->accounts[i].password);
    }
    for (size_t i = 0; i < x->s->step_count; i++)
        step_ops(x, &b, &x->s->steps[i]);
    write_file(x->out, "model_session", b.data, b.len);
    buf_free(&b);
}

/* ---- files ---- */

static void extract_file(struct out *o, const char *path)
{
    struct scenario_error err;
    struct scenario *s = loader_load(path, &err);
    if (s == NULL) {
        char msg[512];
        scenario_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "corpus-extract: skipped %s\n", msg);
        return;
    }
    FILE *f = fopen(path, "rb");
    struct buf text = {0};
    char chunk[65536];
    size_t n;
    while (f != NULL && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&text, chunk, n);
    if (f != NULL)
        fclose(f);
    write_file(o, "scenario_loader", text.data ? text.data : "", text.len);
    buf_free(&text);
    struct extract x = {s, {0}, o};
    for (size_t c = 0; c < s->client_count; c++)
        client_stream(&x, c);
    pattern_pairs(&x);
    session_ops(&x);
    buf_free(&x.value);
    scenario_free(s);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: corpus-extract OUTDIR PATHS...\n");
        return 2;
    }
    struct paths files = {0};
    bool ok = paths_collect(argv + 2, (size_t)argc - 2, &files);
    struct out o = {argv[1], 0, false};
    for (size_t i = 0; i < files.len; i++)
        extract_file(&o, files.items[i]);
    printf("corpus-extract: %zu files, %lu inputs\n", files.len, o.count);
    paths_free(&files);
    return ok && !o.failed ? 0 : 2;
}
