/* Shared helpers for the model/ Check suites (see helpers.h). */
#include "helpers.h"

#include <check.h>
#include <string.h>

static void log_opt(struct buf *log, const char *key, const char *v)
{
    if (v == NULL)
        return;
    buf_puts(log, " ");
    buf_puts(log, key);
    buf_puts(log, "=");
    buf_puts(log, v);
}

static void on_open(void *ctx, const struct xmlstream_header *h)
{
    struct buf *log = ctx;
    buf_puts(log, "open");
    log_opt(log, "to", h->to);
    log_opt(log, "from", h->from);
    log_opt(log, "version", h->version);
    log_opt(log, "lang", h->lang);
    log_opt(log, "id", h->id);
    log_opt(log, "ns", h->content_ns);
    buf_puts(log, ";");
}

static void on_stanza(void *ctx, struct stanza *st)
{
    struct buf *log = ctx;
    buf_puts(log, "stanza ");
    stanza_serialize(stanza_root(st), STANZA_NS_CLIENT, true, log);
    buf_puts(log, ";");
    stanza_free(st);
}

static void on_close(void *ctx)
{
    buf_puts(ctx, "close;");
}

static void on_error(void *ctx, enum xmlstream_error e)
{
    buf_puts(ctx, "error ");
    buf_puts(ctx, xmlstream_error_name(e));
}

enum xmlstream_error helpers_parse_log(const char *bytes, size_t len, size_t chunk,
                                       const struct xmlstream_limits *limits, struct buf *log)
{
    struct xmlstream_callbacks cb = {on_open, on_stanza, on_close, on_error};
    struct xmlstream *p = xmlstream_new(&cb, log, limits, 42);
    if (chunk == 0)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len; off += chunk)
        xmlstream_feed(p, bytes + off, len - off < chunk ? len - off : chunk);
    enum xmlstream_error e = xmlstream_error(p);
    if (e != XMLSTREAM_E_NONE) {
        buf_puts(log, "@");
        buf_put_u64(log, xmlstream_error_offset(p));
        buf_puts(log, ";");
    }
    xmlstream_free(p);
    return e;
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
