/* Fuzz target: the XMPP stream parser.
 *
 * The input is one client stream. It is parsed twice: whole, and in chunks
 * whose sizes derive from the input's bytes. Properties checked:
 * - both runs give the same events (fragmentation never changes a parse);
 * - every stanza reparses from its serialization into an equal tree;
 * - an <auth> stanza triggers a stream restart, exercising that path.
 * Any violation aborts. Everything allocated is freed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/buf.h"
#include "model/xmlstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
    struct xmlstream *p;
    struct buf log;
    struct buf ser;
};

static void on_open(void *ctx, const struct xmlstream_header *h)
{
    struct run *r = ctx;
    buf_puts(&r->log, "open ");
    buf_puts(&r->log, h->to ? h->to : "-");
    buf_puts(&r->log, h->content_ns);
    buf_putc(&r->log, '\n');
}

static void check_round_trip(struct run *r, const struct stanza_node *root)
{
    buf_clear(&r->ser);
    stanza_serialize(root, STANZA_NS_CLIENT, true, &r->ser);
    enum xmlstream_error e;
    unsigned long line, col;
    struct stanza *again = xmlstream_parse_element(r->ser.data, r->ser.len, STANZA_NS_CLIENT, &e,
                                                   &line, &col);
    if (again == NULL || !stanza_equal(root, stanza_root(again)))
        abort();
    stanza_free(again);
}

static void on_stanza(void *ctx, struct stanza *st)
{
    struct run *r = ctx;
    const struct stanza_node *root = stanza_root(st);
    check_round_trip(r, root);
    buf_puts(&r->log, "stanza ");
    buf_append(&r->log, r->ser.data, r->ser.len);
    buf_putc(&r->log, '\n');
    if (strcmp(root->name, "auth") == 0)
        xmlstream_restart(r->p);
    stanza_free(st);
}

static void on_close(void *ctx)
{
    buf_puts(&((struct run *)ctx)->log, "close\n");
}

static enum xmlstream_error parse(const uint8_t *data, size_t size, bool chunked, struct run *r)
{
    struct xmlstream_callbacks cb = {.opened = on_open, .stanza = on_stanza, .closed = on_close};
    r->p = xmlstream_new(&cb, r, NULL, 0x5e551u);
    uint32_t state = 2166136261u;
    for (size_t i = 0; i < size && i < 16; i++)
        state = (state ^ data[i]) * 16777619u;
    size_t off = 0;
    while (off < size) {
        size_t n = size - off;
        if (chunked) {
            state = state * 1103515245u + 12345u;
            size_t want = 1 + (state >> 16) % 64;
            n = want < n ? want : n;
        }
        xmlstream_feed(r->p, (const char *)data + off, n);
        off += n;
    }
    enum xmlstream_error e = xmlstream_error(r->p);
    xmlstream_free(r->p);
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct run whole = {0}, chunked = {0};
    enum xmlstream_error e1 = parse(data, size, false, &whole);
    enum xmlstream_error e2 = parse(data, size, true, &chunked);
    if (e1 != XMLSTREAM_E_TOO_BIG && e2 != XMLSTREAM_E_TOO_BIG &&
        (e1 != e2 || whole.log.len != chunked.log.len ||
         memcmp(buf_cstr(&whole.log), buf_cstr(&chunked.log), whole.log.len) != 0))
        abort();
    buf_free(&whole.log);
    buf_free(&whole.ser);
    buf_free(&chunked.log);
    buf_free(&chunked.ser);
    return 0;
}
