/* The reference for fuzz/stream_parser.c's throughput: raw expat making
 * the same passes over the input as that target (whole; in chunks of 1-64
 * bytes whose sizes derive from the input's first bytes; the same chunks
 * again), with a namespace-aware parser, no-op handlers and nothing
 * checked. It parses the bytes the target's passes parse: after a
 * top-level <auth> element the rest is a new document on the same parser
 * reset (the target's stream restart; without it expat stops at the next
 * stream's XML declaration, a third of most inputs), and it stops where
 * the target stops, at a root other than <stream:stream>, the stream's
 * close, a comment, processing instruction or document type declaration
 * (restricted XML) or an element deeper than the target's depth limit.
 * It leaves out what the target does beyond that (the round-trip reparse
 * of the serialised stanzas, the start tag re-parsed on each resume of
 * the idle-release pass), which the ratio counts against the target. Not a fuzz
 * target: fuzz/bench/driver.c runs it in turn with the target, and
 * `sessim bench` prints the ratio. bench_reference_stanzas counts the
 * top-level elements a whole pass completes, which the driver checks
 * against the target's stream parser before it times anything. */
#include <expat.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/chunks.h"
#include "model/xmlstream.h"

#define NS_SEP '\xff'

int bench_reference_input(const uint8_t *data, size_t size);
size_t bench_reference_stanzas(const uint8_t *data, size_t size);

struct ref {
    XML_Parser p;
    unsigned depth;     /* 1 inside the stream, 2 inside a stanza */
    bool restart;       /* a top-level <auth> ended at `restart_at` */
    bool stopped;       /* the stream closed or restricted XML came */
    size_t restart_at;  /* byte index in the document */
    size_t stanzas;     /* top-level elements ended, every document */
};

static void stop(struct ref *r)
{
    r->stopped = true;
    XML_StopParser(r->p, XML_FALSE);
}

/* The root must be the streams namespace's <stream> (the target stops at
 * any other); below it, the depth limit. */
static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    static const char root[] = STANZA_NS_STREAM "\xff" "stream";
    (void)atts;
    struct ref *r = ud;
    if ((r->depth == 0 && strcmp(name, root) != 0) ||
        ++r->depth - 1 > XMLSTREAM_DEPTH_MAX_DEFAULT)
        stop(r);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct ref *r = ud;
    r->depth--;
    const char *local = strrchr(name, NS_SEP);
    if (r->depth == 0) {
        stop(r);
        return;
    }
    r->stanzas += r->depth == 1;
    if (r->depth == 1 && strcmp(local != NULL ? local + 1 : name, "auth") == 0) {
        r->restart = true;
        r->restart_at = (size_t)(XML_GetCurrentByteIndex(r->p) + XML_GetCurrentByteCount(r->p));
        XML_StopParser(r->p, XML_FALSE);
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    (void)ud, (void)s, (void)len;
}

static void XMLCALL on_comment(void *ud, const XML_Char *data)
{
    (void)data;
    stop(ud);
}

static void XMLCALL on_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
    (void)target, (void)data;
    stop(ud);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    stop(ud);
}

/* The parser ready for a new document (reset clears handlers and salt). */
static void ref_document(struct ref *r)
{
    XML_SetHashSalt(r->p, 0x5e551u);   /* as the target's parsers: no entropy read */
    XML_SetUserData(r->p, r);
    XML_SetElementHandler(r->p, on_start, on_end);
    XML_SetCharacterDataHandler(r->p, on_text);
    XML_SetCommentHandler(r->p, on_comment);
    XML_SetProcessingInstructionHandler(r->p, on_pi);
    XML_SetStartDoctypeDeclHandler(r->p, on_doctype);
    r->depth = 0;
    r->restart = false;
}

/* One pass; the stanzas it completed. */
static size_t parse(const uint8_t *data, size_t size, bool chunked)
{
    struct ref r = {.p = XML_ParserCreateNS(NULL, NS_SEP)};
    ref_document(&r);
    struct chunks pieces;
    chunks_start(&pieces, data, size);
    size_t off = 0, doc = 0;   /* doc: where the current document began */
    while (off < size && !r.stopped) {
        size_t end = off + (chunked ? chunks_next(&pieces, size - off) : size - off);
        enum XML_Status st = XML_Parse(r.p, (const char *)data + off, (int)(end - off), 0);
        while (r.restart) {   /* the rest of the piece begins a new document */
            off = doc = doc + r.restart_at;
            XML_ParserReset(r.p, NULL);
            ref_document(&r);
            st = XML_Parse(r.p, (const char *)data + off, (int)(end - off), 0);
        }
        if (st != XML_STATUS_OK)
            break;
        off = end;
    }
    XML_ParserFree(r.p);
    return r.stanzas;
}

int bench_reference_input(const uint8_t *data, size_t size)
{
    parse(data, size, false);
    parse(data, size, true);
    parse(data, size, true);
    return 0;
}

size_t bench_reference_stanzas(const uint8_t *data, size_t size)
{
    return parse(data, size, false);
}
