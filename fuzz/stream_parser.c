/* Fuzz target: the XMPP stream parser.
 *
 * The input is one client stream. It is parsed whole; in chunks whose sizes
 * (1-64 bytes) derive from the input's first bytes; and in the same chunks
 * with idle release (expat freed between stanzas and resumed). Properties:
 * - fragmentation never changes a parse: the chunked runs give the events
 *   and error (kind and offset) of the whole run, and each of their
 *   stanzas is a tree equal to the whole run's (a stanza over the size
 *   limit may be noticed at another point, so TOO_BIG is left out);
 * - every stanza reparses from its serialization into an equal tree (the
 *   whole run's are reparsed, as one stream and, when that disagrees, one
 *   by one to name the stanza; the chunked runs' are equal to those);
 * - an <auth> stanza triggers a stream restart, exercising that path.
 * A violation is reported with fuzz/common/finding.h (both event logs, the
 * first difference marked) and aborts. Everything allocated is freed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/chunks.h"
#include "common/finding.h"
#include "model/buf.h"
#include "model/xmlstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TARGET "stream_parser"

struct run {
    struct xmlstream *p;
    struct buf log;
    struct buf ser;
    struct buf all;             /* the whole run: its stanzas' serializations, in order */
    struct run *whole;          /* a chunked run: the whole run, its trees kept */
    struct stanza **trees;      /* the whole run: its stanzas, in order */
    size_t *ends;               /* the whole run: where each one's serialization ends in all */
    size_t ntrees;
    size_t seen;                /* stanzas of this run so far */
};

static void on_open(void *ctx, const struct xmlstream_header *h)
{
    struct run *r = ctx;
    buf_puts(&r->log, "open ");
    buf_puts(&r->log, h->to ? h->to : "-");
    buf_puts(&r->log, " ");
    buf_puts(&r->log, h->content_ns);
    buf_putc(&r->log, '\n');
}

/* The round-trip property for one stanza, whose serialization is ser;
 * reports a finding when it breaks. */
static void check_round_trip(const struct stanza_node *root, const char *ser, size_t len)
{
    enum xmlstream_error e;
    unsigned long line, col;
    struct stanza *again = xmlstream_parse_element(ser, len, STANZA_NS_CLIENT, &e, &line, &col);
    if (again == NULL) {
        struct buf msg = {0};
        buf_puts(&msg, "serialized: ");
        buf_append(&msg, ser, len);
        buf_puts(&msg, "\nreparsing it: ");
        buf_puts(&msg, xmlstream_error_name(e));
        finding_fail(TARGET, "a stanza reparses from its serialization", buf_cstr(&msg));
    }
    if (!stanza_equal(root, stanza_root(again))) {
        struct buf re = {0};
        stanza_serialize(stanza_root(again), STANZA_NS_CLIENT, true, &re);
        finding_differ(TARGET, "a stanza reparses from its serialization into an equal tree",
                       "serialized", ser, len, "reparsed and serialized again", re.data,
                       re.len);
    }
    stanza_free(again);
}

/* The whole run's serializations reparsed as one stream: each stanza
 * against the whole run's tree at its place. */
struct reparse {
    const struct run *whole;
    size_t seen;
    bool differs;
};

static void on_reparsed(void *ctx, struct stanza *st)
{
    struct reparse *rp = ctx;
    if (rp->seen >= rp->whole->ntrees ||
        !stanza_equal(stanza_root(st), stanza_root(rp->whole->trees[rp->seen])))
        rp->differs = true;
    rp->seen++;
    stanza_free(st);
}

/* Every stanza of the whole run reparses from its serialization into an
 * equal tree. The serializations go through one parser as one stream;
 * only when that disagrees is each reparsed alone, to name the stanza. */
static void check_round_trips(struct run *w)
{
    /* The predeclared prefixes of xmlstream_parse_element's. */
    static const char head[] = "<stream:stream xmlns:stream='" STANZA_NS_STREAM
                               "' xmlns:sessim='urn:sessim' xmlns='" STANZA_NS_CLIENT "'>";
    static const char tail[] = "</stream:stream>";
    struct reparse rp = {w, 0, false};
    struct xmlstream_callbacks cb = {.stanza = on_reparsed};
    struct xmlstream_limits limits = {.size_max = w->all.len + 1};
    struct xmlstream *p = xmlstream_new(NULL, &cb, &rp, &limits, 0x5e551u);
    xmlstream_feed(p, head, sizeof head - 1);
    xmlstream_feed(p, w->all.data, w->all.len);
    xmlstream_feed(p, tail, sizeof tail - 1);
    bool fine = !rp.differs && rp.seen == w->ntrees && xmlstream_error(p) == XMLSTREAM_E_NONE;
    xmlstream_free(p);
    if (fine)
        return;
    for (size_t i = 0; i < w->ntrees; i++) {
        buf_clear(&w->ser);
        stanza_serialize(stanza_root(w->trees[i]), STANZA_NS_CLIENT, true, &w->ser);
        check_round_trip(stanza_root(w->trees[i]), w->ser.data, w->ser.len);
    }
    finding_fail(TARGET, "the stanzas reparse from their serializations, one after another",
                 "each reparses alone, but not their serializations put one after another");
}

/* A chunked run's stanza against the whole run's at the same place (a
 * reparse of its serialization would find what the whole run's did).
 * Gives its serialization: the whole run's when the trees are equal. */
static void check_same_tree(struct run *r, const struct stanza_node *root, const char **text,
                            size_t *len)
{
    struct run *w = r->whole;
    size_t k = r->seen;
    if (k < w->ntrees && stanza_equal(root, stanza_root(w->trees[k]))) {
        size_t start = k == 0 ? 0 : w->ends[k - 1];
        *text = w->all.data + start;
        *len = w->ends[k] - start;
        return;
    }
    buf_clear(&r->ser);
    stanza_serialize(root, STANZA_NS_CLIENT, true, &r->ser);
    *text = r->ser.data;
    *len = r->ser.len;
    if (k >= w->ntrees)
        return;   /* more stanzas than the whole run: the logs differ */
    struct buf ws = {0};
    stanza_serialize(stanza_root(w->trees[k]), STANZA_NS_CLIENT, true, &ws);
    finding_differ(TARGET, "fragmentation never changes a parse (stanza trees)",
                   "whole (one feed)", ws.data, ws.len, "chunked", r->ser.data, r->ser.len);
}

/* The whole run keeps each stanza and its serialization's end in all. */
static void keep(struct run *r, struct stanza *st)
{
    r->trees = realloc(r->trees, (r->ntrees + 1) * sizeof *r->trees);
    r->ends = realloc(r->ends, (r->ntrees + 1) * sizeof *r->ends);
    if (r->trees == NULL || r->ends == NULL)
        abort();
    r->trees[r->ntrees] = st;
    r->ends[r->ntrees++] = r->all.len;
}

static void on_stanza(void *ctx, struct stanza *st)
{
    struct run *r = ctx;
    const struct stanza_node *root = stanza_root(st);
    const char *text;
    size_t len;
    if (r->whole == NULL) {
        size_t start = r->all.len;
        stanza_serialize(root, STANZA_NS_CLIENT, true, &r->all);
        text = r->all.data + start;
        len = r->all.len - start;
    } else {
        check_same_tree(r, root, &text, &len);
    }
    r->seen++;
    buf_puts(&r->log, "stanza ");
    buf_append(&r->log, text, len);
    buf_putc(&r->log, '\n');
    if (strcmp(root->name, "auth") == 0) {
        xmlstream_restart(r->p);
        buf_puts(&r->log, "restart\n");
    }
    if (r->whole == NULL)
        keep(r, st);
    else
        stanza_free(st);
}

static void on_close(void *ctx)
{
    buf_puts(&((struct run *)ctx)->log, "close\n");
}

/* Feeds the input whole (chunked false) or in chunks; logs the error last. */
static enum xmlstream_error parse(const uint8_t *data, size_t size, bool chunked,
                                  bool idle_release, struct run *r)
{
    struct xmlstream_callbacks cb = {.opened = on_open, .stanza = on_stanza, .closed = on_close};
    struct xmlstream_limits limits = {.idle_release = idle_release};
    r->p = xmlstream_new(NULL, &cb, r, &limits, 0x5e551u);
    struct chunks pieces;
    chunks_start(&pieces, data, size);
    size_t off = 0;
    while (off < size) {
        size_t n = chunked ? chunks_next(&pieces, size - off) : size - off;
        xmlstream_feed(r->p, (const char *)data + off, n);
        off += n;
    }
    enum xmlstream_error e = xmlstream_error(r->p);
    if (e != XMLSTREAM_E_NONE) {
        buf_puts(&r->log, "error ");
        buf_puts(&r->log, xmlstream_error_name(e));
        buf_puts(&r->log, " at byte ");
        buf_put_u64(&r->log, xmlstream_error_offset(r->p));
        buf_putc(&r->log, '\n');
    }
    xmlstream_free(r->p);
    return e;
}

static void compare(const char *name, struct run *whole, enum xmlstream_error ew,
                    struct run *other, enum xmlstream_error eo)
{
    if (ew == XMLSTREAM_E_TOO_BIG || eo == XMLSTREAM_E_TOO_BIG)
        return;
    if (whole->log.len != other->log.len ||
        memcmp(buf_cstr(&whole->log), buf_cstr(&other->log), whole->log.len) != 0)
        finding_differ(TARGET, "fragmentation never changes a parse (events and error)",
                       "whole (one feed)", whole->log.data, whole->log.len, name,
                       other->log.data, other->log.len);
}

static void run_free(struct run *r)
{
    buf_free(&r->log);
    buf_free(&r->ser);
    buf_free(&r->all);
    for (size_t i = 0; i < r->ntrees; i++)
        stanza_free(r->trees[i]);
    free(r->trees);
    free(r->ends);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct run whole = {0}, chunked = {0}, released = {0};
    enum xmlstream_error ew = parse(data, size, false, false, &whole);
    check_round_trips(&whole);
    if (ew != XMLSTREAM_E_TOO_BIG)
        chunked.whole = released.whole = &whole;
    enum xmlstream_error ec = parse(data, size, true, false, &chunked);
    enum xmlstream_error er = parse(data, size, true, true, &released);
    if (finding_planted())
        buf_puts(&chunked.log, "planted: an event only the chunked parse has\n");
    compare("chunked (feeds of 1-64 bytes)", &whole, ew, &chunked, ec);
    compare("chunked, expat released between stanzas", &whole, ew, &released, er);
    run_free(&whole);
    run_free(&chunked);
    run_free(&released);
    return 0;
}
