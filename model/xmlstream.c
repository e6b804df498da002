/* xmlstream: incremental XMPP stream parser on expat (see xmlstream.h).
 *
 * expat runs in namespace mode with NS_SEP between URI and local name.
 * Depth 0 is outside the stream, 1 inside <stream:stream>, 2 and more
 * inside a stanza. Character data is gathered in `text` and flushed into
 * the tree when the next tag starts or ends, so a text node is one string
 * however the bytes were split.
 *
 * Stream restart: a stanza callback may ask for one; the parser is aborted
 * right after the stanza's end tag, reset (XML_ParserReset: a new document
 * on the same parser) and the rest of the current chunk is fed to it. The end tag is the last token
 * expat processed, so everything after it lies in the current chunk.
 *
 * Encoding (RFC 6120 §11.6: UTF-8 only): expat guesses a document's
 * encoding from its first two bytes even when told UTF-8 (a NUL or a
 * UTF-16 byte order mark among them switches it to UTF-16), but commits to
 * UTF-8 when a first chunk holds one byte only, so the split of the first
 * two bytes decided the parse ("%\0" whole waited for more UTF-16, cut
 * after '%' it was not well-formed). Every expat parser is therefore fed a
 * UTF-8 byte order mark before the client's first byte: that commits it to
 * UTF-8 at once, and the client's own U+FEFF is then a character, not a
 * byte order mark, as §11.6 requires. `base` and `fed` count the mark, so
 * offsets still count client bytes only.
 *
 * Out of memory (heap.h): a failed allocation must not unwind through
 * expat, so every handler does its work under heap_run (guard); on a
 * failure the parser is stopped and xmlstream_feed re-raises it once
 * XML_Parse has returned. expat's own XML_ERROR_NO_MEMORY is raised the
 * same way, never reported as malformed XML.
 */
#include "xmlstream.h"

#include <assert.h>
#include <expat.h>
#include <string.h>

#include "heap.h"

#define NS_SEP '\x01'

static const char utf8_bom[] = "\xef\xbb\xbf";
#define UTF8_BOM_LEN (sizeof utf8_bom - 1)

struct xmlstream {
    struct heap *heap;            /* every allocation, expat's included */
    struct heap_resource expat;   /* xp, for heap_release_all */
    XML_Parser xp;
    const struct xmlstream_callbacks *cb;   /* borrowed */
    void *ctx;
    size_t size_max;
    unsigned depth_max;
    unsigned depth;
    unsigned long hash_salt;

    struct stanza *cur;
    struct stanza_node *el;
    struct buf text;
    struct buf content_ns;
    struct buf ns;                /* scratch for split_name */
    struct xmlstream_tag *header; /* the client's stream start tag (NULL: none) */
    struct xmlstream_warm *warm;  /* may keep expat while idle (NULL: none) */
    bool idle_release;            /* free expat between stanzas */
    bool parked;                  /* expat holds no document of the stream (xp is
                                   * NULL or a parser to reset): the stream is at a
                                   * new document's start, or resting at depth 1
                                   * with `header` kept (released or injected);
                                   * the next bytes build the document first */
    bool resuming;                /* re-feeding `header` to a new expat */
    bool stray_text;              /* non-space text directly in the stream */
    bool in_cdata;                /* inside a CDATA section */
    bool done;                    /* closed, stopped or failed: ignore input */
    bool restart;

    enum xmlstream_error err;
    enum XML_Error err_expat;     /* what expat says of err (xmlstream_error_detail) */
    bool markup_skipped;          /* comments and PIs skipped (limits) */
    unsigned long err_line, err_column;
    unsigned long long err_offset;

    unsigned long long base;      /* stream offset of this expat parser's byte 0
                                   * (modulo 2^64: its first bytes are ours) */
    unsigned long long stanza_start;
    unsigned long long mark;      /* end of the last event at depth <= 1 */
    unsigned long long fed;       /* bytes given to this expat parser */
    size_t restart_at;            /* offset in the current chunk */
    unsigned long long chunk_start;
};

static const char *const error_names[] = {
#define XMLSTREAM_NAME(name, text) #name,
    XMLSTREAM_ERRORS(XMLSTREAM_NAME)
#undef XMLSTREAM_NAME
};
static const char *const error_texts[] = {
#define XMLSTREAM_TEXT(name, text) text,
    XMLSTREAM_ERRORS(XMLSTREAM_TEXT)
#undef XMLSTREAM_TEXT
};

const char *xmlstream_error_name(enum xmlstream_error e)
{
    return error_names[e];
}

const char *xmlstream_error_text(enum xmlstream_error e)
{
    return error_texts[e];
}

/* Splits an expat name "uri<SEP>local" (or "local"): the URI goes to ns
 * (any length), the local name is returned. */
static const char *split_name(const char *qname, struct buf *ns)
{
    const char *sep = strrchr(qname, NS_SEP);
    buf_clear(ns);
    if (sep == NULL)
        return qname;
    buf_append(ns, qname, (size_t)(sep - qname));
    return sep + 1;
}

static unsigned long long event_end(const struct xmlstream *p)
{
    return (unsigned long long)XML_GetCurrentByteIndex(p->xp) +
           (unsigned long long)XML_GetCurrentByteCount(p->xp);
}

/* Records the first error at the current position and stops expat. */
static void fail(struct xmlstream *p, enum xmlstream_error e)
{
    if (p->done)
        return;
    p->err = e;
    if (p->err_expat == XML_ERROR_NONE)   /* a handler or a limit stops expat: "aborted" */
        p->err_expat = XML_ERROR_ABORTED;
    p->err_line = (unsigned long)XML_GetCurrentLineNumber(p->xp);
    unsigned long column = (unsigned long)XML_GetCurrentColumnNumber(p->xp);
    if (p->err_line == 1 && column > 0)
        column--;   /* expat counts our byte order mark as a character */
    p->err_column = column + 1;
    XML_Index idx = XML_GetCurrentByteIndex(p->xp);
    p->err_offset = p->base + (idx < 0 ? p->fed : (unsigned long long)idx);
    p->done = true;
    XML_StopParser(p->xp, XML_FALSE);
    if (p->cb->error)
        p->cb->error(p->ctx, e);
}

static void flush_text(struct xmlstream *p)
{
    if (p->el != NULL)   /* no text node for 0 bytes (stanza_text_add) */
        stanza_text_add(p->cur, p->el, p->text.data, p->text.len);
    buf_clear(&p->text);
}

static bool check_size(struct xmlstream *p, unsigned long long end)
{
    if (end - p->stanza_start <= p->size_max)
        return true;
    fail(p, XMLSTREAM_E_TOO_BIG);
    return false;
}

/* A kept start tag, shared by the streams of a warm set that sent the
 * same bytes (xmlstream_warm), and the default namespace it declares
 * (right after the bytes, NUL-terminated: what xmlstream_inject checks). */
struct xmlstream_tag {
    size_t refs;
    size_t len;
    char data[];
};

static const char *tag_content_ns(const struct xmlstream_tag *t)
{
    return t->data + t->len;
}

/* The stream no longer keeps a start tag; the last stream to drop a tag
 * frees it. */
static void drop_header(struct xmlstream *p)
{
    struct xmlstream_tag *t = p->header;
    p->header = NULL;
    if (t == NULL || --t->refs > 0)
        return;
    if (p->warm != NULL && p->warm->tag == t)
        p->warm->tag = NULL;
    heap_free(p->heap, t);
}

/* Keeps the n bytes that opened the stream, so that an idle stream can
 * free its expat parser and later resume with a fresh one fed the same
 * bytes, and the default namespace they declare. The stream keeps none
 * yet: it is new, or a restart or reset dropped it. */
static void keep_tag(struct xmlstream *p, const char *bytes, size_t n, const char *content_ns)
{
    struct xmlstream_tag *t = p->warm != NULL ? p->warm->tag : NULL;
    if (t == NULL || t->len != n || memcmp(t->data, bytes, n) != 0 ||
        strcmp(tag_content_ns(t), content_ns) != 0) {
        size_t ns_len = strlen(content_ns);
        t = heap_alloc(p->heap, sizeof *t + n + ns_len + 1);
        t->refs = 0;
        t->len = n;
        memcpy(t->data, bytes, n);
        memcpy(t->data + n, content_ns, ns_len + 1);
        if (p->warm != NULL)
            p->warm->tag = t;
    }
    t->refs++;
    p->header = t;
}

/* keep_tag of the start tag expat has just parsed. */
static void keep_header(struct xmlstream *p)
{
    int offset, size;
    const char *ctx = XML_GetInputContext(p->xp, &offset, &size);
    int count = XML_GetCurrentByteCount(p->xp);
    if (ctx == NULL || count <= 0 || offset + count > size)
        return;
    keep_tag(p, ctx + offset, (size_t)count, buf_cstr(&p->content_ns));
}

static void open_stream(struct xmlstream *p, const char *name, const char **atts)
{
    const char *local = split_name(name, &p->ns);
    if (strcmp(local, "stream") != 0 || strcmp(buf_cstr(&p->ns), STANZA_NS_STREAM) != 0) {
        fail(p, XMLSTREAM_E_STREAM_NAMESPACE);
        return;
    }
    struct xmlstream_header h = {0};
    for (size_t i = 0; atts[i] != NULL; i += 2) {
        const char *a = atts[i], *v = atts[i + 1];
        if (strcmp(a, "to") == 0) h.to = v;
        else if (strcmp(a, "from") == 0) h.from = v;
        else if (strcmp(a, "version") == 0) h.version = v;
        else if (strcmp(a, "id") == 0) h.id = v;
        else if (strcmp(a, STANZA_NS_XML "\x01" "lang") == 0) h.lang = v;
    }
    h.content_ns = buf_cstr(&p->content_ns);
    p->depth = 1;
    p->mark = event_end(p);
    if (p->resuming)
        return;
    keep_header(p);
    if (p->cb->opened)
        p->cb->opened(p->ctx, &h);
}

static void add_element(struct xmlstream *p, const char *name, const char **atts)
{
    const char *local = split_name(name, &p->ns);
    p->el = stanza_element_add(p->cur, p->el, buf_cstr(&p->ns), local);
    for (size_t i = 0; atts[i] != NULL; i += 2) {
        const char *alocal = split_name(atts[i], &p->ns);
        stanza_attr_add(p->cur, p->el, buf_cstr(&p->ns), alocal, atts[i + 1]);
    }
}

/* The arguments of one expat callback, for its guarded body. */
struct xmlstream_call {
    struct xmlstream *p;
    const char *name;
    const char **atts;
    const char *s;
    int len;
    enum xmlstream_error e;
};

/* Runs body(c) so that a failed allocation stops the parser instead of
 * unwinding through expat (see the top of this file). */
static void guard(struct xmlstream_call *c, void (*body)(void *c))
{
    struct xmlstream *p = c->p;
    if (!heap_run(p->heap, body, c)) {
        p->done = true;
        XML_StopParser(p->xp, XML_FALSE);
    }
}

static void start_body(void *call)
{
    struct xmlstream_call *c = call;
    struct xmlstream *p = c->p;
    const char *name = c->name;
    const char **atts = c->atts;
    if (p->done)
        return;   /* expat may still call back after XML_StopParser */
    if (p->depth == 0) {
        open_stream(p, name, atts);
        return;
    }
    if (p->depth == 1) {   /* text is empty between stanzas (flushed, or a new document) */
        p->stanza_start = (unsigned long long)XML_GetCurrentByteIndex(p->xp);
        p->cur = stanza_new(p->heap);   /* p->el is NULL between stanzas */
    } else {
        flush_text(p);
    }
    p->depth++;
    if (p->depth - 1 > p->depth_max) {
        fail(p, XMLSTREAM_E_TOO_DEEP);
        return;
    }
    if (!check_size(p, event_end(p)))
        return;
    add_element(p, name, atts);
}

static void on_start(void *ud, const char *name, const char **atts)
{
    struct xmlstream_call c = {.p = ud, .name = name, .atts = atts};
    guard(&c, start_body);
}

static void finish_stanza(struct xmlstream *p)
{
    unsigned long long end = event_end(p);
    if (!check_size(p, end))
        return;
    struct stanza *st = p->cur;
    p->cur = NULL;
    p->el = NULL;
    p->mark = end;
    if (p->cb->stanza)
        p->cb->stanza(p->ctx, st);
    else
        stanza_free(st);
    if (p->restart && !p->done) {
        p->restart_at = (size_t)(end - p->chunk_start);
        p->done = true;
        XML_StopParser(p->xp, XML_FALSE);
    }
}

static void end_body(void *call)
{
    struct xmlstream *p = ((struct xmlstream_call *)call)->p;
    if (p->done)
        return;
    if (p->depth == 1) {
        p->depth = 0;
        p->done = true;
        XML_StopParser(p->xp, XML_FALSE);
        if (p->cb->closed)
            p->cb->closed(p->ctx);
        return;
    }
    flush_text(p);
    p->depth--;
    if (p->depth == 1)
        finish_stanza(p);
    else
        p->el = p->el->parent;
}

static void on_end(void *ud, const char *name)
{
    struct xmlstream_call c = {.p = ud, .name = name};
    guard(&c, end_body);
}

static void text_body(void *call)
{
    struct xmlstream_call *c = call;
    struct xmlstream *p = c->p;
    const char *s = c->s;
    int len = c->len;
    if (p->done)
        return;
    if (p->depth >= 2) {
        buf_append(&p->text, s, (size_t)len);
        return;
    }
    for (int i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            p->stray_text = true;
    p->mark = event_end(p);
}

static void on_cdata_start(void *ud)
{
    ((struct xmlstream *)ud)->in_cdata = true;
}

/* A section's end between stanzas is an event there: the stream rests. */
static void on_cdata_end(void *ud)
{
    struct xmlstream *p = ud;
    p->in_cdata = false;
    if (p->depth <= 1)
        p->mark = event_end(p);
}

static void on_text(void *ud, const char *s, int len)
{
    struct xmlstream_call c = {.p = ud, .s = s, .len = len};
    guard(&c, text_body);
}

static void ns_decl_body(void *call)
{
    struct xmlstream_call *c = call;
    struct xmlstream *p = c->p;
    /* the root's one default namespace; parser_create emptied content_ns */
    if (p->depth == 0 && c->name == NULL)
        buf_puts(&p->content_ns, c->s ? c->s : "");
}

static void on_ns_decl(void *ud, const char *prefix, const char *uri)
{
    struct xmlstream_call c = {.p = ud, .name = prefix, .s = uri};
    guard(&c, ns_decl_body);
}

static void fail_body(void *call)
{
    struct xmlstream_call *c = call;
    fail(c->p, c->e);
}

/* fail() from an expat callback: the error callback may allocate. */
static void fail_guarded(void *ud, enum xmlstream_error e)
{
    struct xmlstream_call c = {.p = ud, .e = e};
    guard(&c, fail_body);
}

static void on_comment(void *ud, const char *data)
{
    (void)data;
    if (!((struct xmlstream *)ud)->markup_skipped)
        fail_guarded(ud, XMLSTREAM_E_COMMENT);
}

static void on_pi(void *ud, const char *target, const char *data)
{
    (void)target;
    (void)data;
    if (!((struct xmlstream *)ud)->markup_skipped)
        fail_guarded(ud, XMLSTREAM_E_PI);
}

static void on_doctype(void *ud, const char *name, const char *sysid, const char *pubid,
                       int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    fail_guarded(ud, XMLSTREAM_E_DTD);
}

static void on_entity_decl(void *ud, const char *name, int is_param, const char *value,
                           int value_len, const char *base, const char *sysid,
                           const char *pubid, const char *notation)
{
    (void)name, (void)is_param, (void)value, (void)value_len;
    (void)base, (void)sysid, (void)pubid, (void)notation;
    fail_guarded(ud, XMLSTREAM_E_ENTITY);
}

static void on_skipped_entity(void *ud, const char *name, int is_param)
{
    (void)name;
    (void)is_param;
    fail_guarded(ud, XMLSTREAM_E_ENTITY);
}

/* After XML_Parse returned st: re-raises an allocation failure of a
 * handler or of expat itself (see the top of this file). */
static void raise_if_out_of_memory(struct xmlstream *p, enum XML_Status st)
{
    if (heap_failed(p->heap) ||
        (st == XML_STATUS_ERROR && XML_GetErrorCode(p->xp) == XML_ERROR_NO_MEMORY))
        heap_fail(p->heap);
}

/* expat parser for a new document: the kept one reset (XML_ParserReset
 * keeps its buffer, pools and tables, so a restart or a reconnection
 * allocates little), or a new one. The encoding is set after the reset,
 * where a failed allocation is reported (ParserReset drops it silently). */
static void parser_obtain(struct xmlstream *p)
{
    static const XML_Char sep[] = {NS_SEP, '\0'};
    if (p->xp != NULL) {
        XML_ParserReset(p->xp, NULL);
        if (XML_SetEncoding(p->xp, "UTF-8") != XML_STATUS_OK)
            heap_fail(p->heap);
        return;
    }
    XML_Memory_Handling_Suite mm;
    const XML_Memory_Handling_Suite *suite = NULL;
    if (p->heap != NULL) {   /* expat allocates through the model's hooks too */
        mm = (XML_Memory_Handling_Suite){p->heap->malloc_fn, p->heap->realloc_fn,
                                         p->heap->free_fn};
        suite = &mm;
    }
    p->xp = XML_ParserCreate_MM("UTF-8", suite, sep);
    if (p->xp == NULL)
        heap_fail(p->heap);
}

/* The state of a document before its first byte. */
static void document_start(struct xmlstream *p)
{
    p->depth = 0;
    p->done = false;
    p->restart = false;
    p->stray_text = false;
    p->in_cdata = false;
    buf_clear(&p->content_ns);
    buf_clear(&p->text);
}

/* An expat parser ready for a new document whose next byte is the
 * stream's byte at `base` (a reset clears handlers and salt: all set). */
static void parser_create(struct xmlstream *p, unsigned long long base)
{
    parser_obtain(p);
    XML_SetHashSalt(p->xp, p->hash_salt);
    XML_SetUserData(p->xp, p);
    XML_SetElementHandler(p->xp, on_start, on_end);
    XML_SetCharacterDataHandler(p->xp, on_text);
    XML_SetCdataSectionHandler(p->xp, on_cdata_start, on_cdata_end);
    XML_SetStartNamespaceDeclHandler(p->xp, on_ns_decl);
    XML_SetCommentHandler(p->xp, on_comment);
    XML_SetProcessingInstructionHandler(p->xp, on_pi);
    XML_SetStartDoctypeDeclHandler(p->xp, on_doctype);
    XML_SetEntityDeclHandler(p->xp, on_entity_decl);
    XML_SetSkippedEntityHandler(p->xp, on_skipped_entity);
    /* parameter entities: never parsed, expat's default after a reset too */
    document_start(p);
    p->parked = false;
    raise_if_out_of_memory(p, XML_Parse(p->xp, utf8_bom, (int)UTF8_BOM_LEN, XML_FALSE));
    p->fed = UTF8_BOM_LEN;
    p->mark = p->fed;
    p->base = base - UTF8_BOM_LEN;
}

/* A new document from the stream's byte at `base`, with no expat parser
 * of it yet (parked): xmlstream_feed makes one when bytes come, and an
 * injected header needs none. */
static void parser_park(struct xmlstream *p, unsigned long long base)
{
    document_start(p);
    p->parked = true;
    p->base = base;
    p->fed = 0;
    p->mark = 0;
}

/* Drops the stanza being built; the expat parser stays for reuse. */
static void parser_drop_stanza(struct xmlstream *p)
{
    stanza_free(p->cur);
    p->cur = NULL;
    p->el = NULL;
}

/* A new document from the stream's byte at `base` (a stream restart or a
 * reset): the stanza being built, expat's document and the kept start tag
 * all go; expat's parser is reset when bytes come (parser_park). */
static void parser_restart(struct xmlstream *p, unsigned long long base)
{
    parser_drop_stanza(p);
    drop_header(p);
    parser_park(p, base);
}

void xmlstream_warm_free(struct xmlstream_warm *w)
{
    while (w->spares > 0)
        XML_ParserFree(w->spare[--w->spares]);
}

/* A spare parser of p's warm set for p (xmlstream_warm), if there is one. */
static void spare_take(struct xmlstream *p)
{
    struct xmlstream_warm *w = p->warm;
    if (w == NULL || w->spares == 0)
        return;
    p->xp = w->spare[--w->spares];
}

/* p's parser kept for a new stream of its warm set, when the set has
 * room; true when kept. */
static bool spare_keep(struct xmlstream *p)
{
    struct xmlstream_warm *w = p->warm;
    size_t max = w != NULL && w->max < XMLSTREAM_WARM_MAX ? w->max : XMLSTREAM_WARM_MAX;
    if (w == NULL || p->xp == NULL || w->spares >= max)
        return false;
    w->spare[w->spares++] = p->xp;
    p->xp = NULL;
    return true;
}

/* xmlstream_free's: the stream goes next; its parser to the warm set's
 * spares, or freed. */
static void parser_discard(struct xmlstream *p)
{
    parser_drop_stanza(p);
    if (!spare_keep(p))
        XML_ParserFree(p->xp);
}

/* heap_release_all on a failed model: expat's memory is not in the heap's
 * blocks, so its parser is freed here (p, a block, is freed next). */
static void release_expat(struct heap_resource *r)
{
    struct xmlstream *p = (struct xmlstream *)((char *)r - offsetof(struct xmlstream, expat));
    XML_ParserFree(p->xp);
}

static void warm_unlink(struct xmlstream *p);

struct xmlstream *xmlstream_new(struct heap *heap, const struct xmlstream_callbacks *cb,
                                void *ctx, const struct xmlstream_limits *limits,
                                unsigned long hash_salt)
{
    struct xmlstream *p = heap_zalloc(heap, sizeof *p);
    p->heap = heap;
    p->text.heap = p->content_ns.heap = p->ns.heap = heap;
    heap_resource_add(heap, &p->expat, release_expat);
    p->cb = cb;
    p->ctx = ctx;
    p->size_max = limits && limits->size_max ? limits->size_max : XMLSTREAM_SIZE_MAX_DEFAULT;
    p->idle_release = limits && limits->idle_release;
    p->warm = p->idle_release ? limits->warm : NULL;
    p->depth_max = limits && limits->depth_max ? limits->depth_max : XMLSTREAM_DEPTH_MAX_DEFAULT;
    p->markup_skipped = limits && limits->markup_skipped;
    /* expat draws a salt from the system's entropy when given 0 (STYLE:
     * no randomness but the injected one), so 0 stands for 1. */
    p->hash_salt = hash_salt != 0 ? hash_salt : 1;
    spare_take(p);
    parser_park(p, 0);   /* expat's parser when bytes come */
    return p;
}

void xmlstream_free(struct xmlstream *p)
{
    if (p == NULL)
        return;
    warm_unlink(p);
    parser_discard(p);
    heap_resource_remove(p->heap, &p->expat);
    buf_free(&p->text);
    buf_free(&p->content_ns);
    buf_free(&p->ns);
    drop_header(p);
    heap_free(p->heap, p);
}

void xmlstream_reset(struct xmlstream *p)
{
    warm_unlink(p);
    parser_restart(p, 0);
    p->err = XMLSTREAM_E_NONE;
    p->err_expat = XML_ERROR_NONE;
    p->err_line = p->err_column = 0;
    p->err_offset = 0;
}

static enum xmlstream_error xmlstream_error_of(enum XML_Error e)
{
    switch (e) {
    case XML_ERROR_UNBOUND_PREFIX:
        return XMLSTREAM_E_UNDECLARED_PREFIX;
    case XML_ERROR_UNDEFINED_ENTITY:
    case XML_ERROR_RECURSIVE_ENTITY_REF:
    case XML_ERROR_BINARY_ENTITY_REF:
    case XML_ERROR_ATTRIBUTE_EXTERNAL_ENTITY_REF:
    case XML_ERROR_EXTERNAL_ENTITY_HANDLING:
    case XML_ERROR_ENTITY_DECLARED_IN_PE:
        return XMLSTREAM_E_ENTITY;
    default:
        return XMLSTREAM_E_MALFORMED;
    }
}

/* Pending bytes not yet part of a finished event must stay under the limit,
 * so that an endless start tag or text cannot grow without bound. */
static void check_pending(struct xmlstream *p)
{
    unsigned long long from = p->depth >= 2 ? p->stanza_start : p->mark;
    if (p->fed - from > p->size_max)
        fail(p, XMLSTREAM_E_TOO_BIG);
}

/* Between stanzas, with every byte consumed and outside a CDATA section,
 * the expat parser holds no state but the stream's start tag. */
static bool resting(const struct xmlstream *p)
{
    return p->xp != NULL && !p->done && p->depth == 1 && p->cur == NULL && p->mark == p->fed &&
           !p->in_cdata && p->header != NULL;
}

/* Frees a resting stream's expat parser (memory per idle stream). */
static void release(struct xmlstream *p)
{
    if (!resting(p))
        return;
    XML_ParserFree(p->xp);
    p->xp = NULL;
    p->parked = true;
    p->base += p->fed;
    p->fed = 0;
    p->mark = 0;   /* still resting between stanzas, as xmlstream_inject asks */
    buf_free(&p->text);
    buf_free(&p->ns);
    buf_free(&p->content_ns);
}

static void warm_unlink(struct xmlstream *p)
{
    struct xmlstream_warm *w = p->warm;
    for (size_t i = 0; w != NULL && i < w->count; i++) {
        if (w->held[i] == p) {
            memmove(&w->held[i], &w->held[i + 1], (w->count - i - 1) * sizeof w->held[0]);
            w->count--;
            return;
        }
    }
}

/* p comes to rest: it keeps its parser as the most recently fed of the
 * warm set, and the one fed longest ago beyond the set's size releases. */
static void warm_keep(struct xmlstream *p)
{
    struct xmlstream_warm *w = p->warm;
    warm_unlink(p);
    size_t max = w->max < XMLSTREAM_WARM_MAX ? w->max : XMLSTREAM_WARM_MAX;
    if (max == 0) {
        release(p);
        return;
    }
    if (w->count == max)
        release(w->held[--w->count]);
    memmove(&w->held[1], &w->held[0], w->count * sizeof w->held[0]);
    w->held[0] = p;
    w->count++;
}

static void maybe_release(struct xmlstream *p)
{
    if (!p->idle_release)
        return;
    if (!resting(p))
        warm_unlink(p);   /* holds its parser as any busy stream does */
    else if (p->warm != NULL)
        warm_keep(p);
    else
        release(p);
}

/* A fresh expat parser (or the parked one, reset) in the released one's
 * place: the kept start tag is parsed again without reporting the stream
 * as opened. */
static void resume(struct xmlstream *p)
{
    parser_create(p, p->base - p->header->len);
    p->resuming = true;
    enum XML_Status st = XML_Parse(p->xp, p->header->data, (int)p->header->len, XML_FALSE);
    raise_if_out_of_memory(p, st);
    p->resuming = false;
    p->fed += p->header->len;
}

/* Whether the kept start tag, after an XML declaration if any, is
 * written <stream:stream ...>: its own end tag then ends it. (The stream
 * opened, so its root is the streams namespace's <stream>: the qname's
 * next byte is a space or '>'.) */
static bool kept_tag_is_stream_stream(const struct xmlstream *p)
{
    static const char qname[] = "<stream:stream";
    const char *t = p->header->data, *end = t + p->header->len;
    if (p->header->len > 5 && memcmp(t, "<?xml", 5) == 0) {
        while (t + 1 < end && !(t[0] == '?' && t[1] == '>'))
            t++;
        t += 2;
    }
    size_t n = sizeof qname - 1;
    return (size_t)(end - t) > n && memcmp(t, qname, n) == 0;
}

/* A parked stream resting at depth 1 whose bytes begin with the end tag of
 * its <stream:stream>: the close event expat would report for them, with
 * no parser built (what follows a close is ignored). */
static void parked_close(struct xmlstream *p, const char *bytes, size_t len)
{
    size_t n = sizeof XMLSTREAM_CLOSE - 1;
    if (p->done || !p->parked || p->header == NULL || len < n ||
        memcmp(bytes, XMLSTREAM_CLOSE, n) != 0 || !kept_tag_is_stream_stream(p))
        return;
    p->done = true;
    if (p->cb->closed)
        p->cb->closed(p->ctx);
}

/* An expat parser with the parked stream's document so far. */
static void unpark(struct xmlstream *p)
{
    if (p->header != NULL)
        resume(p);
    else
        parser_create(p, p->base);
}

void xmlstream_feed(struct xmlstream *p, const char *bytes, size_t len)
{
    parked_close(p, bytes, len);
    while (!p->done && len > 0) {
        if (p->parked)
            unpark(p);
        size_t n = len > (size_t)0x7fffffff ? (size_t)0x7fffffff : len;
        p->chunk_start = p->fed;
        p->fed += n;
        enum XML_Status st = XML_Parse(p->xp, bytes, (int)n, XML_FALSE);
        raise_if_out_of_memory(p, st);
        if (st == XML_STATUS_ERROR && !p->done) {
            p->err_expat = XML_GetErrorCode(p->xp);
            fail(p, xmlstream_error_of(p->err_expat));
        }
        if (p->restart) {
            size_t at = p->restart_at;
            unsigned long long base = p->base + p->chunk_start + at;
            parser_restart(p, base);
            bytes += at;
            len -= at;
            continue;
        }
        if (!p->done)
            check_pending(p);
        bytes += n;
        len -= n;
    }
    maybe_release(p);
}

/* Element depth of the tree below el (el itself: 1). */
static unsigned tree_depth(const struct stanza_node *el)
{
    unsigned deepest = 0;
    for (const struct stanza_node *c = el->children; c != NULL; c = c->next) {
        unsigned d = c->kind == STANZA_ELEMENT ? tree_depth(c) : 0;
        deepest = d > deepest ? d : deepest;
    }
    return deepest + 1;
}

bool xmlstream_inject(struct xmlstream *p, struct stanza *st, size_t len, const char *default_ns)
{
    if (p->done || p->depth != 1 || p->cur != NULL || p->mark != p->fed || p->in_cdata ||
        p->header == NULL || strcmp(tag_content_ns(p->header), default_ns) != 0 ||
        len > p->size_max || tree_depth(stanza_root(st)) > p->depth_max)
        return false;
    p->base += len;   /* the bytes stand for themselves in every later offset */
    if (p->cb->stanza)
        p->cb->stanza(p->ctx, st);
    else
        stanza_free(st);
    if (p->restart && !p->done)
        parser_restart(p, p->base + p->fed);
    maybe_release(p);
    return true;
}

bool xmlstream_inject_header(struct xmlstream *p, const struct xmlstream_header *h,
                             const char *bytes, size_t len)
{
    bool untouched = p->parked ? p->fed == 0 : p->fed == UTF8_BOM_LEN;
    if (p->done || p->depth != 0 || !untouched || len == 0)
        return false;
    if (!p->parked)
        parser_park(p, p->base + p->fed);
    keep_tag(p, bytes, len, h->content_ns);
    p->base += len;   /* as xmlstream_inject: the bytes stand for themselves */
    p->depth = 1;
    if (p->cb->opened)
        p->cb->opened(p->ctx, h);
    maybe_release(p);
    return true;
}

void xmlstream_restart(struct xmlstream *p)
{
    p->restart = true;
}

void xmlstream_stop(struct xmlstream *p)
{
    if (!p->done) {
        p->done = true;
        if (p->xp != NULL)
            XML_StopParser(p->xp, XML_FALSE);
    }
}

enum xmlstream_error xmlstream_error(const struct xmlstream *p)
{
    return p->err;
}

unsigned long xmlstream_error_line(const struct xmlstream *p)
{
    return p->err_line;
}

unsigned long xmlstream_error_column(const struct xmlstream *p)
{
    return p->err_column;
}

unsigned long long xmlstream_error_offset(const struct xmlstream *p)
{
    return p->err_offset;
}

const char *xmlstream_error_detail(const struct xmlstream *p)
{
    return p->err == XMLSTREAM_E_NONE ? NULL : XML_ErrorString(p->err_expat);
}

/* ---- one element ---- */

struct one {
    struct stanza *st;
    size_t count;
};

static void one_stanza(void *ctx, struct stanza *st)
{
    struct one *o = ctx;
    if (o->count++ == 0)
        o->st = st;
    else
        stanza_free(st);
}

static const char one_head_fmt[] =
    "<stream:stream xmlns:stream='" STANZA_NS_STREAM "' xmlns:sessim='urn:sessim' xmlns='";

struct stanza *xmlstream_parse_element(const char *text, size_t len, const char *default_ns,
                                       enum xmlstream_error *err, unsigned long *line,
                                       unsigned long *column)
{
    struct buf head = {0};
    buf_puts(&head, one_head_fmt);
    stanza_escape_attr(default_ns, strlen(default_ns), &head);
    buf_puts(&head, "'>");
    size_t head_len = head.len;
    static const char tail[] = "</stream:stream>";

    struct one o = {0};
    struct xmlstream_callbacks cb = {.stanza = one_stanza};
    struct xmlstream_limits lim = {.size_max = len + 1};
    struct xmlstream *p = xmlstream_new(NULL, &cb, &o, &lim, 0);
    xmlstream_feed(p, head.data, head.len);
    xmlstream_feed(p, text, len);
    xmlstream_feed(p, tail, sizeof tail - 1);
    buf_free(&head);

    enum xmlstream_error e = p->err;
    *line = p->err_line;
    *column = p->err_column;
    if (e == XMLSTREAM_E_NONE && (o.count != 1 || p->stray_text || p->depth != 0)) {
        e = XMLSTREAM_E_MALFORMED;
        *line = 1;
        *column = 1;
    } else if (e != XMLSTREAM_E_NONE && *line == 1) {
        *column = *column > head_len ? *column - head_len : 1;
    }
    xmlstream_free(p);
    *err = e;
    if (e != XMLSTREAM_E_NONE) {
        stanza_free(o.st);
        return NULL;
    }
    return o.st;
}
