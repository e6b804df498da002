/* xmlstream: an incremental XMPP stream parser on expat (RFC 6120 §4, §11).
 *
 * Bytes arrive in any fragmentation; the events are the same whatever the
 * split: the stream header, one complete stanza tree per top-level child of
 * the stream, the stream's close, or one error. The first error is sticky:
 * after it (or after the close) further input is ignored until
 * xmlstream_reset. Restricted XML is enforced: a DTD, comment, processing
 * instruction (unless the limits skip those two), entity declaration or
 * entity reference other than the five predefined ones is an error, and
 * so are an undeclared prefix, a root that
 * is not <stream:stream> in the streams namespace, a stanza over the size
 * limit and an element nested deeper than the depth limit. The stream is
 * UTF-8 (RFC 6120 §11.6) whatever its first bytes: a NUL or a UTF-16 byte
 * order mark is not well-formed, and a UTF-8 byte order mark is the
 * character U+FEFF (not well-formed before the stream's start tag).
 *
 * Ownership: the stanza tree passed to the stanza callback belongs to the
 * callee (free it with stanza_free). The header is borrowed for the call.
 * Callbacks may call xmlstream_restart (the bytes after the current stanza
 * are parsed as a new stream) or xmlstream_stop (the rest is ignored).
 */
#ifndef SESSIM_MODEL_XMLSTREAM_H
#define SESSIM_MODEL_XMLSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "stanza.h"

#define XMLSTREAM_SIZE_MAX_DEFAULT (256u * 1024u)
#define XMLSTREAM_DEPTH_MAX_DEFAULT 64u
#define XMLSTREAM_CLOSE "</stream:stream>"   /* what ends a stream, either way */

/* X(name, description) */
#define XMLSTREAM_ERRORS(X)                                                       \
    X(NONE, "no error")                                                           \
    X(MALFORMED, "XML is not well-formed")                                        \
    X(DTD, "document type declaration is not allowed")                            \
    X(COMMENT, "comment is not allowed")                                          \
    X(PI, "processing instruction is not allowed")                                \
    X(ENTITY, "entity declaration or reference is not allowed")                   \
    X(UNDECLARED_PREFIX, "undeclared namespace prefix")                           \
    X(STREAM_NAMESPACE, "root element is not a stream in the streams namespace")  \
    X(TOO_BIG, "stanza exceeds the size limit")                                   \
    X(TOO_DEEP, "element nesting exceeds the depth limit")

enum xmlstream_error {
#define XMLSTREAM_ENUM(name, text) XMLSTREAM_E_##name,
    XMLSTREAM_ERRORS(XMLSTREAM_ENUM)
#undef XMLSTREAM_ENUM
};

/* Attributes of the stream header; NULL when absent. */
struct xmlstream_header {
    const char *to, *from, *version, *lang, *id;
    const char *content_ns;  /* default namespace declared on the header, or "" */
};

struct xmlstream_callbacks {
    void (*opened)(void *ctx, const struct xmlstream_header *h);
    void (*stanza)(void *ctx, struct stanza *st);   /* st is the callee's */
    void (*closed)(void *ctx);
    void (*error)(void *ctx, enum xmlstream_error e);
};

struct xmlstream;

/* The idle streams that keep their expat parser although they release it
 * (idle_release): the `max` (<= XMLSTREAM_WARM_MAX) most recently fed of
 * the streams sharing the set. When one more comes to rest, the parser of
 * the one fed longest ago is freed, so the memory of idle connections stays
 * that of parsers released at once but for `max` parsers, and streams fed
 * again and again (a busy connection among many idle ones) neither free
 * nor build a parser. Owned by whoever owns the streams (one per model),
 * zeroed with max set before the first stream; the streams unlink
 * themselves when freed. The streams sharing a set share one heap, and a
 * start tag byte for byte that of the last one kept is kept once for all
 * of them (memory per idle connection: clients send the same tag). The
 * set also keeps the expat parsers of up to `max` freed streams, which new
 * streams of the set take (reset) instead of building one: a connection's
 * parser costs a reset, not a creation and a free; xmlstream_warm_free
 * frees them (the model: from a heap resource, so heap_release_all does). */
#define XMLSTREAM_WARM_MAX 16u
struct xmlstream_tag;
struct xmlstream_warm {
    struct xmlstream *held[XMLSTREAM_WARM_MAX];   /* most recently fed first */
    size_t count, max;
    struct xmlstream_tag *tag;    /* the start tag kept last, while kept */
    void *spare[XMLSTREAM_WARM_MAX];   /* freed streams' expat parsers */
    size_t spares;
};

struct xmlstream_limits {
    size_t size_max;    /* bytes of one top-level stanza; 0 = default */
    unsigned depth_max; /* element depth below the stream; 0 = default */
    bool idle_release;  /* free the expat parser whenever the stream rests
                         * between stanzas (memory per idle connection); a
                         * new one resumes from the kept start tag. Error
                         * lines and columns then count from the resume. */
    struct xmlstream_warm *warm; /* with idle_release: the set that may keep
                                  * this stream's parser while it rests
                                  * (NULL: freed at once); borrowed, must
                                  * outlive the stream */
    bool markup_skipped; /* comments and processing instructions are skipped
                          * instead of being errors (expat's default, as
                          * ejabberd's fast_xml parses: SEMANTICS EJ17) */
};


struct heap;
/* Creates a parser whose memory, expat's included (XML_ParserCreate_MM
 * with the heap's hooks), comes from heap (NULL: the C library; heap.h).
 * cb is borrowed and must outlive the parser. hash_salt seeds expat's
 * hashing, so that no entropy is read (0, which would make expat read
 * some, stands for 1). limits NULL = defaults. The expat parser is built
 * (or taken from the warm set) when the first bytes come: a stream fed
 * only injected headers and trees never builds one. Free with
 * xmlstream_free. */
struct xmlstream *xmlstream_new(struct heap *heap, const struct xmlstream_callbacks *cb,
                                void *ctx, const struct xmlstream_limits *limits,
                                unsigned long hash_salt);
/* NULL is a no-op. Must not be called from a callback. */
void xmlstream_free(struct xmlstream *p);
/* Frees the expat parsers a warm set keeps for new streams. */
void xmlstream_warm_free(struct xmlstream_warm *w);

/* Parses len more bytes, calling back for every event they complete.
 * Must not be called from a callback. */
/* A failed allocation (the parser's heap, or expat's NO_MEMORY) unwinds to
 * the heap's heap_run once expat has returned (with a NULL heap: aborts). */
void xmlstream_feed(struct xmlstream *p, const char *bytes, size_t len);
/* A top-level element the caller already has as a tree, in place of the
 * len bytes it was serialised to, as they parse in a stream whose default
 * namespace is default_ns: when the stream rests between stanzas and its
 * header declared that default namespace, it is an event as if those
 * bytes had been parsed (the stanza callback gets st, offsets move by len,
 * error lines and columns do not; a restart asked for in the callback
 * begins after it) and the result is true. Otherwise (inside a stanza,
 * after the close or an error, another default namespace, or st deeper or
 * larger than the limits allow) the result is false and nothing happened:
 * feed the bytes instead, which then fail as they would have. st is
 * consumed only on true. Must not be called from a callback. */
bool xmlstream_inject(struct xmlstream *p, struct stanza *st, size_t len, const char *default_ns);
/* A stream header the caller already has parsed (h), in place of the len
 * bytes that open the stream (an XML declaration may lead): when nothing
 * of the current document was fed yet (a new parser, a restart, a reset),
 * the stream opens as if those bytes had been parsed (the opened callback
 * gets h, offsets move by len) and the result is true; expat parses them
 * only if bytes that are not injected follow. Otherwise false and nothing
 * happened: feed the bytes instead. The caller vouches that the bytes,
 * parsed at a document's start, open a stream with header h. Must not be
 * called from a callback. */
bool xmlstream_inject_header(struct xmlstream *p, const struct xmlstream_header *h,
                             const char *bytes, size_t len);
/* From a stanza callback: after this stanza, parse the remaining bytes as a
 * fresh stream (RFC 6120 §4.3.3 stream restart after SASL). */
void xmlstream_restart(struct xmlstream *p);
/* From any callback: ignore every byte after this event. */
void xmlstream_stop(struct xmlstream *p);
/* Back to the state of a new parser (not from a callback). */
void xmlstream_reset(struct xmlstream *p);

/* The sticky error and where it occurred (1-based line and column, 0-based
 * byte offset in the stream since the last reset). */
enum xmlstream_error xmlstream_error(const struct xmlstream *p);
unsigned long xmlstream_error_line(const struct xmlstream *p);
unsigned long xmlstream_error_column(const struct xmlstream *p);
unsigned long long xmlstream_error_offset(const struct xmlstream *p);
/* What expat says of the sticky error (its XML_ErrorString, "mismatched
 * tag"...): for an error expat found, its own description; for one this
 * parser raised (a DTD, comment or PI, a namespace, size or depth limit),
 * expat's description of a parse a handler stopped, "parsing aborted".
 * NULL without an error. Static storage. */
const char *xmlstream_error_detail(const struct xmlstream *p);
/* Name ("MALFORMED") and description of an error kind. */
const char *xmlstream_error_name(enum xmlstream_error e);
const char *xmlstream_error_text(enum xmlstream_error e);

/* Parses one XML element (a stanza pattern, a test fixture) whose unprefixed
 * elements are in default_ns and where the prefixes `stream` (streams
 * namespace) and `sessim` (urn:sessim) are predeclared. Returns the tree, or
 * NULL with *err and the 1-based *line / *column inside text. */
struct stanza *xmlstream_parse_element(const char *text, size_t len, const char *default_ns,
                                       enum xmlstream_error *err, unsigned long *line,
                                       unsigned long *column);

#endif
