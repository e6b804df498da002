/* Fuzz target: the session model (model/model.h) driven by client
 * operations on up to four connections, with the invariant checker
 * (model/invariant.h) as the oracle after every operation.
 *
 * Input: one configuration byte (conflict policy = b % 3; offline, in-band
 * registration, tombstones off when bits 2, 3, 4 are set; bit 5 presets
 * romeo and juliet as mutual contacts; bit 6 makes tombstones expire after
 * an hour), then operations. An operation is a code byte and an argument
 * byte (slot = arg & 3, variant v = arg >> 2), then its operands: T a
 * target byte (see jid_write), S a string (a length byte, then the bytes),
 * N a big-endian 16-bit number, R a 16-bit length and that many raw bytes.
 * Codes are letters; any other byte b stands for codes[b % NCODES].
 *   c          connect: a new connection on the slot (the old one stays)
 *   r R        raw bytes on the slot
 *   o          stream header, variant v % NHEADERS
 *   a S S      SASL PLAIN as user (empty: v's user) with password (empty:
 *              "password"); v bit 0 wrong password, bits 1-2 the form
 *              (good, unknown mechanism, bad base64, empty), bit 3 sends a
 *              new stream header after it
 *   b S        bind the resource S (v % 4: bind, bind without resource,
 *              bind of type get, session iq)
 *   p T P      presence: show v % 6, type v / 6 % 5, priority byte P
 *              (0: none, else signed * 3), to T
 *   m T S      message of type v % 6 to T with body S (v / 6 odd: with an
 *              <error/> child)
 *   i T S      iq of kind v % NIQS (ping, roster, register, ...)
 *   s T        subscription presence of type v % 4 to T
 *   x / h      close the stream / hang up
 *   t N        advance the clock N units (v % 5: ms, s, min, h, d)
 *   R          restart the server
 *   n S S      create an account (name, password; empty: "password")
 * Properties: invariant_check finds nothing after any operation; every
 * byte a connection receives parses as a server-to-client stream (header
 * from the served domain with an id and jabber:client, a stream restart
 * after <success/>), nothing follows the server's </stream:stream>, a
 * connection the server closed ends with </stream:stream> unless the client
 * hung up or the server restarted, a live session is never on a closed
 * connection, and every stanza parsed from a connection's bytes equals the
 * tree the model serialised it from (model_output_stanzas, in order), and
 * every stream header parsed the header the model said it wrote
 * (model_output_headers): what lets the harness read them without
 * parsing, runner.h trees. A violation is reported with fuzz/common/finding.h (the
 * check, the connection, what the server wrote on it, the invariant
 * checker's findings) and aborts. The model's seed
 * is the input's size and configuration byte; everything is freed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/finding.h"
#include "model/buf.h"
#include "model/invariant.h"
#include "model/model.h"
#include "model/stanza.h"
#include "model/xmlstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOTS 4
#define OPS_MAX 512
#define CONNECTS_MAX 32
#define VIOLATIONS_MAX 8
#define DOMAIN "localhost"
#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define TARGET "model_session"
#define SHOWN_OUTPUT_MAX 2048   /* bytes of a connection's output in a report */

/* The client side of one slot's current connection. */
struct peer {
    unsigned conn;              /* 0: no connection yet */
    struct xmlstream *parser;
    bool closed_seen;           /* the server's </stream:stream> arrived */
    bool dropped;               /* hung up by us, or the server restarted */
    struct buf seen;            /* everything the server wrote on it */
    struct stanza **written;    /* copies of the trees the model wrote on it */
    size_t first, nwritten;     /* not yet parsed: written[first..nwritten) */
    struct buf headers;         /* the headers the model said it wrote, a line each */
    size_t headers_read;        /* of which those before this offset were parsed */
};

struct fuzz {
    struct model *m;
    struct peer peers[SLOTS];
    unsigned connects;
    const uint8_t *p;           /* unread input */
    size_t n;
    struct buf out;             /* the stanza being built */
    unsigned ops;               /* operations run */
};

static struct fuzz *current;   /* the input being run, for reports */

/* The connection's output, its last SHOWN_OUTPUT_MAX bytes. */
static void show_output(struct buf *msg, unsigned conn)
{
    for (unsigned i = 0; i < SLOTS; i++) {
        struct peer *pr = &current->peers[i];
        if (pr->conn != conn || conn == 0)
            continue;
        size_t from = pr->seen.len > SHOWN_OUTPUT_MAX ? pr->seen.len - SHOWN_OUTPUT_MAX : 0;
        buf_puts(msg, "\nthe server wrote on it");
        buf_puts(msg, from > 0 ? " (the end):\n" : ":\n");
        buf_append(msg, pr->seen.data + from, pr->seen.len - from);
    }
}

static void fail(unsigned conn, const char *what, const char *detail)
{
    struct buf msg = {0};
    buf_puts(&msg, "after operation ");
    buf_put_u64(&msg, current->ops);
    if (conn != 0) {
        buf_puts(&msg, ", connection ");
        buf_put_u64(&msg, conn);
    }
    if (detail != NULL) {
        buf_puts(&msg, ": ");
        buf_puts(&msg, detail);
    }
    show_output(&msg, conn);
    finding_fail(TARGET, what, buf_cstr(&msg));
}

/* ---- input ---- */

static unsigned rd_u8(struct fuzz *f)
{
    if (f->n == 0)
        return 0;
    f->n--;
    return *f->p++;
}

static unsigned rd_u16(struct fuzz *f)
{
    unsigned hi = rd_u8(f);
    return hi << 8 | rd_u8(f);
}

/* A string operand of up to max bytes; *len set. Borrowed from the input. */
static const char *rd_bytes(struct fuzz *f, size_t want, size_t *len)
{
    const char *s = (const char *)f->p;
    *len = want < f->n ? want : f->n;
    f->p += *len;
    f->n -= *len;
    return s;
}

static const char *rd_str(struct fuzz *f, size_t *len)
{
    return rd_bytes(f, rd_u8(f), len);
}

/* ---- building stanzas ---- */

static const char *const users[] = {"romeo", "juliet", "benvolio", "mercutio",
                                    "nurse", "Romeo", "", "tybalt"};
static const char *const resources[] = {"orchard", "balcony", "chamber", "r\xc3\xa9sum\xc3\xa9"};
static const char *const domains[] = {DOMAIN, "example.net"};

static void put(struct fuzz *f, const char *s)
{
    buf_puts(&f->out, s);
}

static void put_text(struct fuzz *f, const char *s, size_t len)
{
    stanza_escape_text(s, len, &f->out);
}

static void put_attr(struct fuzz *f, const char *name, const char *s, size_t len)
{
    buf_putc(&f->out, ' ');
    put(f, name);
    put(f, "='");
    stanza_escape_attr(s, len, &f->out);
    buf_putc(&f->out, '\'');
}

/* Target byte: bits 0-2 user, 3-4 form (bare, full, domain, none), bit 5
 * domain, bits 6-7 resource. Writes ` to='JID'` (nothing for form 3). */
static void jid_write(struct fuzz *f, unsigned t, const char *attr)
{
    unsigned form = t >> 3 & 3;
    if (form == 3)
        return;
    struct buf j = {0};
    if (form != 2) {
        buf_puts(&j, users[t & 7]);
        buf_putc(&j, '@');
    }
    buf_puts(&j, domains[t >> 5 & 1]);
    if (form == 1) {
        buf_putc(&j, '/');
        buf_puts(&j, resources[t >> 6 & 3]);
    }
    put_attr(f, attr, buf_cstr(&j), j.len);
    buf_free(&j);
}

static void send_out(struct fuzz *f, unsigned slot)
{
    if (f->peers[slot].conn != 0)
        model_input(f->m, f->peers[slot].conn, f->out.data ? f->out.data : "", f->out.len);
    buf_clear(&f->out);
}

static void base64(const unsigned char *in, size_t len, struct buf *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        buf_putc(out, tab[v >> 18 & 63]);
        buf_putc(out, tab[v >> 12 & 63]);
        buf_putc(out, i + 1 < len ? tab[v >> 6 & 63] : '=');
        buf_putc(out, i + 2 < len ? tab[v & 63] : '=');
    }
}

/* ---- operations ---- */

static const char *const headers[] = {
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>",
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='localhost'>",
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='example.net' version='1.0'>",
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "version='1.0'>",
    "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='localhost' version='1.0'>",
    "<stream:stream xmlns='jabber:client' xmlns:stream='urn:wrong' to='localhost' "
    "version='1.0'>",
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='romeo@localhost' version='1.0'>",
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='LocalHost' version='1.0' xml:lang='it' from='romeo@localhost'>",
    "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='localhost' "
    "version='1.0'>",
    "<stream xmlns='jabber:client' to='localhost' version='1.0'>",
};
#define NHEADERS (sizeof headers / sizeof headers[0])

static void op_open(struct fuzz *f, unsigned slot, unsigned v)
{
    put(f, headers[v % NHEADERS]);
    send_out(f, slot);
}

static void op_auth(struct fuzz *f, unsigned slot, unsigned v)
{
    size_t ulen, plen;
    const char *user = rd_str(f, &ulen);
    const char *pass = rd_str(f, &plen);
    if (ulen == 0) {
        user = users[v >> 4 & 3];
        ulen = strlen(user);
    }
    if (plen == 0) {
        pass = "password";
        plen = 8;
    }
    struct buf msg = {0};
    buf_putc(&msg, '\0');
    buf_append(&msg, user, ulen);
    buf_putc(&msg, '\0');
    if (v & 1)
        buf_puts(&msg, "wrong-");
    buf_append(&msg, pass, plen);
    unsigned form = v >> 1 & 3;
    put(f, form == 1 ? "<auth xmlns='" NS_SASL "' mechanism='DIGEST-MD5'>"
                     : "<auth xmlns='" NS_SASL "' mechanism='PLAIN'>");
    if (form == 2)
        put(f, "!!!!");
    else if (form != 3)
        base64((const unsigned char *)msg.data, msg.len, &f->out);
    put(f, "</auth>");
    if (v & 8)
        put(f, headers[0]);
    buf_free(&msg);
    send_out(f, slot);
}

static void op_bind(struct fuzz *f, unsigned slot, unsigned v)
{
    size_t len;
    const char *res = rd_str(f, &len);
    static const char *const opens[] = {"<iq type='set' id='bind'>", "<iq type='set' id='bind'>",
                                        "<iq type='get' id='bind'>", "<iq type='set' id='sess'>"};
    put(f, opens[v % 4]);
    if (v % 4 == 3) {
        put(f, "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
        send_out(f, slot);
        return;
    }
    put(f, "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>");
    if (v % 4 != 1) {
        if (len == 0) {
            res = resources[v >> 2 & 3];
            len = strlen(res);
        }
        put(f, "<resource>");
        put_text(f, res, len);
        put(f, "</resource>");
    }
    put(f, "</bind></iq>");
    send_out(f, slot);
}

static void op_presence(struct fuzz *f, unsigned slot, unsigned v)
{
    static const char *const shows[] = {NULL, "away", "chat", "dnd", "xa", "sleeping"};
    static const char *const types[] = {NULL, "unavailable", "probe", "error", "invisible"};
    unsigned prio = rd_u8(f), target = rd_u8(f);
    const char *type = types[v / 6 % 5];
    put(f, "<presence");
    if (type != NULL)
        put_attr(f, "type", type, strlen(type));
    jid_write(f, target, "to");
    put(f, ">");
    if (shows[v % 6] != NULL) {
        put(f, "<show>");
        put(f, shows[v % 6]);
        put(f, "</show>");
    }
    if (prio != 0) {   /* signed, times 3: beyond -128..127 too (P7 clamps) */
        int value = (prio < 128 ? (int)prio : (int)prio - 256) * 3;
        put(f, value < 0 ? "<priority>-" : "<priority>");
        buf_put_u64(&f->out, (unsigned long long)(value < 0 ? -value : value));
        put(f, "</priority>");
    }
    put(f, "<status>s</status></presence>");
    send_out(f, slot);
}

static void op_message(struct fuzz *f, unsigned slot, unsigned v)
{
    static const char *const types[] = {NULL, "chat", "normal", "groupchat", "headline",
                                        "error"};
    unsigned target = rd_u8(f);
    size_t len;
    const char *body = rd_str(f, &len);
    put(f, "<message id='m'");
    if (types[v % 6] != NULL)
        put_attr(f, "type", types[v % 6], strlen(types[v % 6]));
    jid_write(f, target, "to");
    put(f, "><body>");
    put_text(f, body, len);
    put(f, "</body>");
    if (v / 6 % 2)
        put(f, "<error type='cancel'><item-not-found "
               "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
    put(f, "</message>");
    send_out(f, slot);
}

/* The iq kinds: type, whether to address the target, and the body, where
 * "%" stands for the string operand and "@" for the target's bare JID. */
struct iq_kind {
    const char *type;
    bool to_target;
    const char *body;
};

static const struct iq_kind iq_kinds[] = {
    {"get", false, "<ping xmlns='urn:xmpp:ping'/>"},
    {"get", true, "<ping xmlns='urn:xmpp:ping'/>"},
    {"get", false, "<query xmlns='jabber:iq:roster'/>"},
    {"set", false, "<query xmlns='jabber:iq:roster'><item jid='@' name='%'><group>%</group>"
                   "</item></query>"},
    {"set", false, "<query xmlns='jabber:iq:roster'><item jid='@' subscription='remove'/>"
                   "</query>"},
    {"get", false, "<query xmlns='jabber:iq:register'/>"},
    {"set", false, "<query xmlns='jabber:iq:register'><username>%</username>"
                   "<password>password</password></query>"},
    {"set", false, "<query xmlns='jabber:iq:register'><remove/></query>"},
    {"set", false, "<query xmlns='jabber:iq:register'><username>romeo</username>"
                   "<password>%</password></query>"},
    {"get", true, "<query xmlns='urn:x-unknown'/>"},
    {"result", true, ""},
    {"set", true, "<a xmlns='urn:x-a'/><b xmlns='urn:x-b'/>"},
    {"get", false, "<query xmlns='jabber:iq:roster' ver=''/>"},
    {"error", true, "<error type='cancel'/>"},
};
#define NIQS (sizeof iq_kinds / sizeof iq_kinds[0])

/* The bare JID of a target byte, as an attribute value. */
static void bare_write(struct fuzz *f, unsigned target)
{
    const char *u = users[target & 7];
    const char *d = domains[target >> 5 & 1];
    struct buf j = {0};
    buf_puts(&j, u);
    buf_putc(&j, '@');
    buf_puts(&j, d);
    stanza_escape_attr(j.data, j.len, &f->out);
    buf_free(&j);
}

static void op_iq(struct fuzz *f, unsigned slot, unsigned v)
{
    const struct iq_kind *k = &iq_kinds[v % NIQS];
    unsigned target = rd_u8(f);
    size_t len;
    const char *s = rd_str(f, &len);
    put(f, "<iq id='i'");
    put_attr(f, "type", k->type, strlen(k->type));
    if (k->to_target)
        jid_write(f, target, "to");
    put(f, ">");
    for (const char *b = k->body; *b != '\0'; b++) {
        if (*b == '%')
            put_text(f, s, len);
        else if (*b == '@')
            bare_write(f, target);
        else
            buf_putc(&f->out, *b);
    }
    put(f, "</iq>");
    send_out(f, slot);
}

static void op_subscription(struct fuzz *f, unsigned slot, unsigned v)
{
    static const char *const types[] = {"subscribe", "subscribed", "unsubscribe",
                                        "unsubscribed"};
    unsigned target = rd_u8(f);
    put(f, "<presence");
    put_attr(f, "type", types[v % 4], strlen(types[v % 4]));
    jid_write(f, target & ~0x18u, "to");   /* always a bare JID */
    put(f, "/>");
    send_out(f, slot);
}

static void peer_reset(struct peer *pr);

static void op_connect(struct fuzz *f, unsigned slot)
{
    if (f->connects >= CONNECTS_MAX)
        return;
    f->connects++;
    struct peer *pr = &f->peers[slot];
    peer_reset(pr);
    pr->conn = model_connect(f->m);
}

static void op_raw(struct fuzz *f, unsigned slot)
{
    size_t len;
    const char *bytes = rd_bytes(f, rd_u16(f), &len);
    if (f->peers[slot].conn != 0)
        model_input(f->m, f->peers[slot].conn, bytes, len);
}

static void op_close(struct fuzz *f, unsigned slot)
{
    put(f, "</stream:stream>");
    send_out(f, slot);
}

static void op_hangup(struct fuzz *f, unsigned slot)
{
    struct peer *pr = &f->peers[slot];
    if (pr->conn == 0)
        return;
    if (!model_closed(f->m, pr->conn))
        pr->dropped = true;
    model_hangup(f->m, pr->conn);
}

static void op_advance(struct fuzz *f, unsigned v)
{
    static const unsigned long long units[] = {1, 1000, 60000, 3600000, 86400000};
    model_advance(f->m, rd_u16(f) * units[v % 5]);
}

static void op_restart(struct fuzz *f)
{
    for (unsigned i = 0; i < SLOTS; i++)
        if (f->peers[i].conn != 0 && !model_closed(f->m, f->peers[i].conn))
            f->peers[i].dropped = true;
    model_restart(f->m);
}

static void op_account(struct fuzz *f)
{
    size_t nlen, plen;
    const char *name = rd_str(f, &nlen);
    const char *pass = rd_str(f, &plen);
    char nbuf[256], pbuf[256];
    memcpy(nbuf, name, nlen);
    nbuf[nlen] = '\0';
    memcpy(pbuf, plen ? pass : "password", plen ? plen : 9);
    pbuf[plen ? plen : 8] = '\0';
    if (memchr(name, '\0', nlen) == NULL && memchr(pass, '\0', plen) == NULL)
        model_account_create(f->m, nbuf, pbuf);
}

static const char codes[] = "croabpmisxhtRn";
#define NCODES (sizeof codes - 1)

static void run_op(struct fuzz *f, unsigned code, unsigned arg)
{
    unsigned slot = arg & 3, v = arg >> 2;
    if (strchr(codes, (int)code) == NULL || code == 0)
        code = (unsigned char)codes[code % NCODES];
    switch (code) {
    case 'c': op_connect(f, slot); break;
    case 'r': op_raw(f, slot); break;
    case 'o': op_open(f, slot, v); break;
    case 'a': op_auth(f, slot, v); break;
    case 'b': op_bind(f, slot, v); break;
    case 'p': op_presence(f, slot, v); break;
    case 'm': op_message(f, slot, v); break;
    case 'i': op_iq(f, slot, v); break;
    case 's': op_subscription(f, slot, v); break;
    case 'x': op_close(f, slot); break;
    case 'h': op_hangup(f, slot); break;
    case 't': op_advance(f, v); break;
    case 'R': op_restart(f); break;
    default: op_account(f); break;
    }
}

/* ---- the client side: parsing what the server wrote ---- */

/* A header as one line: its fields, "-" for an absent one. */
static void header_line(const struct xmlstream_header *h, struct buf *out)
{
    const char *const fields[] = {h->to, h->from, h->version, h->lang, h->id, h->content_ns};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        buf_puts(out, fields[i] != NULL ? fields[i] : "-");
        buf_putc(out, i + 1 < sizeof fields / sizeof fields[0] ? '|' : '\n');
    }
}

static void on_open(void *ctx, const struct xmlstream_header *h)
{
    struct peer *pr = ctx;
    if (h->from == NULL || strcmp(h->from, DOMAIN) != 0 || h->id == NULL ||
        strcmp(h->content_ns, STANZA_NS_CLIENT) != 0)
        fail(pr->conn, "server stream header", h->from);
    struct buf line = {0};
    header_line(h, &line);
    const char *told = pr->headers.data != NULL ? pr->headers.data + pr->headers_read : "";
    if (pr->headers.len - pr->headers_read < line.len || memcmp(told, line.data, line.len) != 0)
        fail(pr->conn, "a stream header reads back otherwise than the model said", NULL);
    pr->headers_read += line.len;
    buf_free(&line);
}

/* model_output_headers' hook: the header, for the peer reading conn. */
static void on_header(void *ctx, unsigned conn, const struct xmlstream_header *h, size_t end,
                      size_t len)
{
    (void)end, (void)len;
    struct fuzz *f = ctx;
    for (unsigned i = 0; i < SLOTS; i++)
        if (f->peers[i].conn == conn)
            header_line(h, &f->peers[i].headers);
}

/* model_output_stanzas' hook: a copy for the peer reading conn. */
static void on_written(void *ctx, unsigned conn, const struct stanza_node *el, size_t end,
                       size_t len)
{
    (void)end, (void)len;
    struct fuzz *f = ctx;
    for (unsigned i = 0; i < SLOTS; i++) {
        struct peer *pr = &f->peers[i];
        if (pr->conn != conn)
            continue;
        pr->written = realloc(pr->written, (pr->nwritten + 1) * sizeof *pr->written);
        if (pr->written == NULL)
            abort();
        pr->written[pr->nwritten++] = stanza_clone(NULL, el);
    }
}

static void on_stanza(void *ctx, struct stanza *st)
{
    struct peer *pr = ctx;
    const struct stanza_node *root = stanza_root(st);
    if (pr->first == pr->nwritten || !stanza_equal(stanza_root(pr->written[pr->first]), root))
        fail(pr->conn, "a stanza reads back otherwise than the tree the model wrote", NULL);
    stanza_free(pr->written[pr->first++]);
    if (strcmp(root->ns, NS_SASL) == 0 && strcmp(root->name, "success") == 0)
        xmlstream_restart(pr->parser);
    stanza_free(st);
}

static void on_closed(void *ctx)
{
    ((struct peer *)ctx)->closed_seen = true;
}

static void on_error(void *ctx, enum xmlstream_error e)
{
    fail(((struct peer *)ctx)->conn, "server output does not parse",
         xmlstream_error_text(e));
}

static void peer_free(struct peer *pr)
{
    xmlstream_free(pr->parser);
    buf_free(&pr->seen);
    buf_free(&pr->headers);
    for (size_t i = pr->first; i < pr->nwritten; i++)
        stanza_free(pr->written[i]);
    free(pr->written);
    memset(pr, 0, sizeof *pr);
}

static void peer_reset(struct peer *pr)
{
    static const struct xmlstream_callbacks cb = {on_open, on_stanza, on_closed, on_error};
    static const struct xmlstream_limits limits = {.size_max = 64u * 1024u * 1024u, .depth_max = 256};
    peer_free(pr);
    pr->parser = xmlstream_new(NULL, &cb, pr, &limits, 0x5e551u);
}

/* Drains a slot's connection into its parser and checks how it ended. */
static void peer_check(struct fuzz *f, struct peer *pr)
{
    size_t len;
    const char *bytes = model_output(f->m, pr->conn, &len);
    if (len > 0 && pr->closed_seen)
        fail(pr->conn, "bytes after the server's </stream:stream>", NULL);
    if (len > 0) {
        buf_append(&pr->seen, bytes, len);
        xmlstream_feed(pr->parser, bytes, len);
    }
    model_output_consume(f->m, pr->conn, len);
    bool closed = model_closed(f->m, pr->conn);
    struct model_session_info info;
    if (!model_session_info(f->m, pr->conn, &info))
        fail(pr->conn, "no session info for an opened connection", NULL);
    if (info.live == closed)
        fail(pr->conn, closed ? "live session on a closed connection"
                                 : "open connection without a session", NULL);
    if (pr->closed_seen && !closed)
        fail(pr->conn, "</stream:stream> sent but the connection stays open", NULL);
    if (closed && !pr->closed_seen && !pr->dropped)
        fail(pr->conn, "the server closed the connection without </stream:stream>", NULL);
}

static void check_all(struct fuzz *f)
{
    for (unsigned i = 0; i < SLOTS; i++)
        if (f->peers[i].conn != 0)
            peer_check(f, &f->peers[i]);
    struct invariant_violation v[VIOLATIONS_MAX];
    size_t n = invariant_check(f->m, v, VIOLATIONS_MAX);
    if (n == 0 && !finding_planted())
        return;
    struct buf msg = {0};
    for (size_t i = 0; i < n && i < VIOLATIONS_MAX; i++) {
        buf_puts(&msg, "\n  ");
        buf_puts(&msg, v[i].rule);
        buf_puts(&msg, ": ");
        buf_puts(&msg, v[i].message);
        buf_puts(&msg, " (conn ");
        buf_put_u64(&msg, v[i].nconns ? v[i].conns[0] : 0u);
        buf_puts(&msg, ")");
    }
    if (n == 0)
        buf_puts(&msg, "\n  planted: a violation the checker did not report");
    fail(0, "the invariant checker finds nothing after any operation", buf_cstr(&msg));
}

/* ---- setup ---- */

static struct model *model_from(unsigned cfg, uint64_t seed)
{
    static const enum model_conflict conflicts[] = {
        MODEL_CONFLICT_KICK_OLD, MODEL_CONFLICT_REJECT_NEW, MODEL_CONFLICT_RANDOM};
    struct model_config c;
    model_config_default(&c);
    c.conflict = conflicts[cfg % 3];
    c.offline = !(cfg & 4);
    c.registration = !(cfg & 8);
    c.tombstones = !(cfg & 16);
    if (cfg & 64)
        c.tombstone_expiry_ms = 3600000;
    struct model *m = model_new(&c, seed);
    for (unsigned i = 0; i < 4; i++)
        model_account_create(m, users[i], "password");
    if (cfg & 32) {
        struct model_roster_item r = {"juliet@" DOMAIN, MODEL_SUB_BOTH, false, "J", NULL, 0};
        struct model_roster_item j = {"romeo@" DOMAIN, MODEL_SUB_BOTH, false, NULL, NULL, 0};
        model_roster_preset(m, "romeo", &r);
        model_roster_preset(m, "juliet", &j);
    }
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz f;
    memset(&f, 0, sizeof f);
    current = &f;
    f.p = data;
    f.n = size;
    unsigned cfg = rd_u8(&f);
    f.m = model_from(cfg, (uint64_t)size << 8 | cfg);
    model_output_stanzas(f.m, on_written, &f);
    model_output_headers(f.m, on_header, &f);
    for (unsigned i = 0; i < SLOTS; i++)
        peer_reset(&f.peers[i]);
    for (f.ops = 1; f.ops <= OPS_MAX && f.n >= 2; f.ops++) {
        unsigned code = rd_u8(&f);
        run_op(&f, code, rd_u8(&f));
        check_all(&f);
    }
    for (unsigned i = 0; i < SLOTS; i++)
        peer_free(&f.peers[i]);
    buf_free(&f.out);
    model_free(f.m);
    return 0;
}
