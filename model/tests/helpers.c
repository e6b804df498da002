/* Shared helpers for the model/ Check suites (see helpers.h). */
#include "helpers.h"

#include <assert.h>
#include <check.h>
#include <string.h>

struct parse_ctx {
    struct buf *log;
    struct xmlstream *p;
    bool restart_on_auth;
};

static void log_opt(struct buf *log, const char *key, const char *v)
{
    if (v == NULL)
        return;
    buf_puts(log, " ");
    buf_puts(log, key);
    buf_puts(log, "=");
    buf_puts(log, v);
}

void helpers_header_log(const struct xmlstream_header *h, struct buf *log)
{
    buf_puts(log, "open");
    log_opt(log, "to", h->to);
    log_opt(log, "from", h->from);
    log_opt(log, "version", h->version);
    log_opt(log, "lang", h->lang);
    log_opt(log, "id", h->id);
    log_opt(log, "ns", h->content_ns);
    buf_puts(log, ";");
}

static void on_open(void *ctx, const struct xmlstream_header *h)
{
    helpers_header_log(h, ((struct parse_ctx *)ctx)->log);
}

static void on_stanza(void *ctx, struct stanza *st)
{
    struct parse_ctx *c = ctx;
    buf_puts(c->log, "stanza ");
    stanza_serialize(stanza_root(st), STANZA_NS_CLIENT, true, c->log);
    buf_puts(c->log, ";");
    if (c->restart_on_auth && strcmp(stanza_root(st)->name, "auth") == 0) {
        xmlstream_restart(c->p);
        buf_puts(c->log, "restart;");
    }
    stanza_free(st);
}

static void on_close(void *ctx)
{
    buf_puts(((struct parse_ctx *)ctx)->log, "close;");
}

static void on_error(void *ctx, enum xmlstream_error e)
{
    struct buf *log = ((struct parse_ctx *)ctx)->log;
    buf_puts(log, "error ");
    buf_puts(log, xmlstream_error_name(e));
}

static const struct xmlstream_callbacks log_callbacks = {on_open, on_stanza, on_close, on_error};

/* Ends a logged parse: the error's offset (and line:column when asked),
 * then frees the parser. */
static enum xmlstream_error finish(struct parse_ctx *c, bool positions)
{
    enum xmlstream_error e = xmlstream_error(c->p);
    if (e != XMLSTREAM_E_NONE) {
        buf_puts(c->log, "@");
        buf_put_u64(c->log, xmlstream_error_offset(c->p));
        if (positions) {
            buf_puts(c->log, " ");
            buf_put_u64(c->log, xmlstream_error_line(c->p));
            buf_puts(c->log, ":");
            buf_put_u64(c->log, xmlstream_error_column(c->p));
        }
        buf_puts(c->log, ";");
    }
    xmlstream_free(c->p);
    return e;
}

enum xmlstream_error helpers_parse_log(const char *bytes, size_t len, size_t chunk,
                                       const struct xmlstream_limits *limits, struct buf *log)
{
    struct parse_ctx c = {.log = log};
    c.p = xmlstream_new(NULL, &log_callbacks, &c, limits, 42);
    if (chunk == 0)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len; off += chunk)
        xmlstream_feed(c.p, bytes + off, len - off < chunk ? len - off : chunk);
    return finish(&c, false);
}

enum xmlstream_error helpers_parse_cut(const char *bytes, size_t len, const size_t *cuts,
                                       size_t ncuts, const struct xmlstream_limits *limits,
                                       struct buf *log)
{
    struct parse_ctx c = {.log = log, .restart_on_auth = true};
    c.p = xmlstream_new(NULL, &log_callbacks, &c, limits, 42);
    size_t off = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        xmlstream_feed(c.p, bytes + off, end - off);
        off = end;
    }
    return finish(&c, limits == NULL || !limits->idle_release);
}

void helpers_parse_interleaved(const char *const *streams, size_t n, size_t chunk,
                               const struct xmlstream_limits *limits, struct buf *logs)
{
    struct parse_ctx c[8];
    assert(n <= sizeof c / sizeof c[0] && chunk > 0);
    for (size_t i = 0; i < n; i++) {
        c[i] = (struct parse_ctx){.log = &logs[i]};
        c[i].p = xmlstream_new(NULL, &log_callbacks, &c[i], limits, 42);
    }
    for (size_t off = 0, fed = 1; fed > 0; off += chunk) {
        fed = 0;
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(streams[i]);
            if (off < len) {
                xmlstream_feed(c[i].p, streams[i] + off, len - off < chunk ? len - off : chunk);
                fed++;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        finish(&c[i], false);
}

bool helpers_parse_injected(const char *before, const char *element, const char *after,
                            const struct xmlstream_limits *limits, struct buf *log)
{
    struct parse_ctx c = {.log = log};
    c.p = xmlstream_new(NULL, &log_callbacks, &c, limits, 42);
    xmlstream_feed(c.p, before, strlen(before));
    struct stanza *st = helpers_element(element);
    bool taken = xmlstream_inject(c.p, st, strlen(element), STANZA_NS_CLIENT);
    if (!taken)
        stanza_free(st);
    xmlstream_feed(c.p, after, strlen(after));
    finish(&c, false);
    return taken;
}

void helpers_escape(const char *bytes, size_t len, struct buf *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)bytes[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
            buf_putc(out, (char)ch);
            continue;
        }
        buf_puts(out, "\\x");
        buf_putc(out, hex[ch >> 4]);
        buf_putc(out, hex[ch & 15]);
    }
}

struct stanza *helpers_element(const char *xml)
{
    enum xmlstream_error e;
    unsigned long line, col;
    struct stanza *st = xmlstream_parse_element(xml, strlen(xml), STANZA_NS_CLIENT, &e, &line, &col);
    ck_assert_msg(st != NULL, "cannot parse %s: %s at %lu:%lu", xml, xmlstream_error_name(e), line,
                  col);
    return st;
}

bool helpers_parse_header_injected(const char *before, const char *header,
                                   const struct xmlstream_header *h, const char *after,
                                   const struct xmlstream_limits *limits, struct buf *log)
{
    struct parse_ctx c = {.log = log, .restart_on_auth = true};
    c.p = xmlstream_new(NULL, &log_callbacks, &c, limits, 42);
    xmlstream_feed(c.p, before, strlen(before));
    bool taken = xmlstream_inject_header(c.p, h, header, strlen(header));
    if (!taken)
        xmlstream_feed(c.p, header, strlen(header));
    xmlstream_feed(c.p, after, strlen(after));
    finish(&c, limits == NULL || !limits->idle_release);
    return taken;
}
