/* xmlstream: fragmentation equivalence, restricted XML, limits, restart. */
#include <assert.h>
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "helpers.h"
#include "suites.h"
#include "xmlstream.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define HDR "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
            "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

#define PRE "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
#define PRE_LEN 85

static const struct xmlstream_callbacks no_callbacks = {0};

/* restart support: after <auth/>, the rest of the same chunk is a new stream */
struct restart_ctx {
    struct xmlstream *p;
    struct buf log;
};

static void rs_open(void *ctx, const struct xmlstream_header *h)
{
    struct restart_ctx *r = ctx;
    buf_puts(&r->log, "open ");
    buf_puts(&r->log, h->id ? h->id : "-");
    buf_puts(&r->log, ";");
}

static void rs_stanza(void *ctx, struct stanza *st)
{
    struct restart_ctx *r = ctx;
    buf_puts(&r->log, stanza_root(st)->name);
    buf_puts(&r->log, ";");
    if (strcmp(stanza_root(st)->name, "auth") == 0)
        xmlstream_restart(r->p);
    if (strcmp(stanza_root(st)->name, "stop") == 0)
        xmlstream_stop(r->p);
    stanza_free(st);
}

static const char *const valid_streams[] = {
    HDR "</stream:stream>",
    HDR "<presence/><message to='a@b' type='chat'><body>hi &amp; &lt;bye&gt;</body></message>"
        "</stream:stream>",
    HDR "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>\n  <presence>"
        "<show>away</show><status>caf\xc3\xa9 \xf0\x9f\x98\x80</status><priority>-5</priority>"
        "</presence>",
    HDR "<message xml:lang='fr' xmlns:x='urn:x' x:attr='1'><x:child x:a='&apos;&quot;'/>"
        "text<![CDATA[<raw>&]]>more&#13;&#x41;</message>",
    "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' "
        "to='localhost' id='abc' from='x@localhost' xml:lang='en'><a><b><c><d/></c></b></a>",
    HDR "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldABw</auth>",
    HDR "<foo xmlns=''/><bar xmlns='urn:other'><baz/></bar>",
};

START_TEST(test_xmlstream_one_byte_at_a_time_equals_whole)
{
    const char *s = valid_streams[_i];
    struct buf whole = {0}, bytes = {0}, sevens = {0};
    ck_assert_int_eq(helpers_parse_log(s, strlen(s), 0, NULL, &whole), XMLSTREAM_E_NONE);
    helpers_parse_log(s, strlen(s), 1, NULL, &bytes);
    helpers_parse_log(s, strlen(s), 7, NULL, &sevens);
    ck_assert_str_eq(buf_cstr(&bytes), buf_cstr(&whole));
    ck_assert_str_eq(buf_cstr(&sevens), buf_cstr(&whole));
    ck_assert_ptr_nonnull(strstr(buf_cstr(&whole), "open to=localhost"));
    buf_free(&whole);
    buf_free(&bytes);
    buf_free(&sevens);
}
END_TEST

START_TEST(test_xmlstream_idle_release_changes_no_event)
{
    const char *s = valid_streams[_i];
    static const struct xmlstream_limits release = {.idle_release = true};
    struct buf plain = {0}, whole = {0}, bytes = {0}, sevens = {0};
    helpers_parse_log(s, strlen(s), 0, NULL, &plain);
    helpers_parse_log(s, strlen(s), 0, &release, &whole);
    helpers_parse_log(s, strlen(s), 1, &release, &bytes);
    helpers_parse_log(s, strlen(s), 7, &release, &sevens);
    ck_assert_str_eq(buf_cstr(&whole), buf_cstr(&plain));
    ck_assert_str_eq(buf_cstr(&bytes), buf_cstr(&plain));
    ck_assert_str_eq(buf_cstr(&sevens), buf_cstr(&plain));
    buf_free(&plain);
    buf_free(&whole);
    buf_free(&bytes);
    buf_free(&sevens);
}
END_TEST

/* Streams sharing a warm set smaller than their number (each rest frees
 * the parser of the one fed longest ago) and one larger (none freed) read
 * what a stream alone reads; freeing a held stream unlinks it, and the
 * start tags they share are freed with the last of them. */
START_TEST(test_xmlstream_warm_set_changes_no_event)
{
    enum { N = sizeof valid_streams / sizeof valid_streams[0] };
    struct buf plain[N] = {{0}}, shared[N] = {{0}};
    for (size_t i = 0; i < N; i++)
        helpers_parse_log(valid_streams[i], strlen(valid_streams[i]), 0, NULL, &plain[i]);
    static const size_t sizes[] = {0, 1, 3, XMLSTREAM_WARM_MAX};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        struct xmlstream_warm warm = {.max = sizes[k]};
        struct xmlstream_limits lim = {.idle_release = true, .warm = &warm};
        for (size_t chunk = 5; chunk <= 40; chunk += 35) {
            helpers_parse_interleaved(valid_streams, N, chunk, &lim, shared);
            for (size_t i = 0; i < N; i++) {
                ck_assert_str_eq(buf_cstr(&shared[i]), buf_cstr(&plain[i]));
                buf_free(&shared[i]);
            }
            ck_assert_uint_eq(warm.count, 0);
            ck_assert_ptr_null(warm.tag);
            xmlstream_warm_free(&warm);
        }
    }
    for (size_t i = 0; i < N; i++)
        buf_free(&plain[i]);
}
END_TEST

/* Streams of a warm set share a kept start tag only when it is theirs byte
 * for byte: two tags of one length that differ in their default namespace
 * (by one byte, either way) each resume in their own. */
START_TEST(test_xmlstream_warm_set_shares_only_equal_start_tags)
{
    static const char *const pairs[][2] = {
        {"<stream:stream xmlns='urn:b' xmlns:stream='" STANZA_NS_STREAM "'><m/><m/>",
         "<stream:stream xmlns='urn:a' xmlns:stream='" STANZA_NS_STREAM "'><m/><m/>"},
        {"<stream:stream xmlns='urn:a' xmlns:stream='" STANZA_NS_STREAM "'><m/><m/>",
         "<stream:stream xmlns='urn:b' xmlns:stream='" STANZA_NS_STREAM "'><m/><m/>"},
    };
    for (size_t k = 0; k < 2; k++) {
        struct buf plain[2] = {{0}}, shared[2] = {{0}};
        struct xmlstream_warm warm = {.max = 0};
        struct xmlstream_limits lim = {.idle_release = true, .warm = &warm};
        for (size_t i = 0; i < 2; i++)
            helpers_parse_log(pairs[k][i], strlen(pairs[k][i]), 0, NULL, &plain[i]);
        /* the start tag in one chunk, then the stanzas */
        helpers_parse_interleaved(pairs[k], 2, strlen(pairs[k][0]) - 8, &lim, shared);
        for (size_t i = 0; i < 2; i++) {
            ck_assert_ptr_nonnull(strstr(buf_cstr(&plain[i]), i == k ? "urn:b" : "urn:a"));
            ck_assert_str_eq(buf_cstr(&shared[i]), buf_cstr(&plain[i]));
            buf_free(&plain[i]);
            buf_free(&shared[i]);
        }
    }
}
END_TEST

/* Start tags of the same length and default namespace that differ in a
 * prefix's name are kept apart: each stream resumes with its own. */
START_TEST(test_xmlstream_warm_set_keeps_apart_tags_that_differ_in_a_prefix)
{
    static const char *const pair[] = {
        "<stream:stream xmlns='urn:a' xmlns:p='urn:x' xmlns:stream='" STANZA_NS_STREAM
        "'><p:m/><p:m/>",
        "<stream:stream xmlns='urn:a' xmlns:q='urn:x' xmlns:stream='" STANZA_NS_STREAM
        "'><q:m/><q:m/>"};
    struct buf plain[2] = {{0}}, shared[2] = {{0}};
    struct xmlstream_warm warm = {.max = 0};
    struct xmlstream_limits lim = {.idle_release = true, .warm = &warm};
    for (size_t i = 0; i < 2; i++)
        helpers_parse_log(pair[i], strlen(pair[i]), 0, NULL, &plain[i]);
    helpers_parse_interleaved(pair, 2, strlen(pair[0]) - 12, &lim, shared);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_ptr_null(strstr(buf_cstr(&plain[i]), "error"));
        ck_assert_str_eq(buf_cstr(&shared[i]), buf_cstr(&plain[i]));
        buf_free(&plain[i]);
        buf_free(&shared[i]);
    }
}
END_TEST

/* A tree handed over between stanzas is the event its bytes would have
 * been, and later offsets count its bytes; inside a stanza or after the
 * close it is refused. */
START_TEST(test_xmlstream_inject_stands_for_the_bytes)
{
    static const char el[] = "<message to='a@b'><body>x</body></message>";
    struct buf parsed = {0}, injected = {0};
    helpers_parse_log(HDR "<presence/>" "<message to='a@b'><body>x</body></message>" "<!-- -->",
                      strlen(HDR "<presence/>" "<message to='a@b'><body>x</body></message>"
                             "<!-- -->"), 0, NULL, &parsed);
    ck_assert(helpers_parse_injected(HDR "<presence/>", el, "<!-- -->", NULL, &injected));
    ck_assert_str_eq(buf_cstr(&injected), buf_cstr(&parsed));
    buf_clear(&injected);
    ck_assert(!helpers_parse_injected(HDR "<iq>", el, "</iq>", NULL, &injected));
    buf_clear(&injected);
    ck_assert(!helpers_parse_injected(HDR "</stream:stream>", el, "", NULL, &injected));
    buf_free(&parsed);
    buf_free(&injected);
}
END_TEST

/* A header handed over parsed is the event its bytes would have been, at
 * a document's start (a new parser, after a restart): what follows, as
 * bytes or trees, parses as after those bytes, errors at the same offsets
 * and positions; once bytes of the document were fed it is refused. */
START_TEST(test_xmlstream_inject_header_stands_for_the_bytes)
{
    static const struct xmlstream_header h = {.to = "localhost", .version = "1.0",
                                              .content_ns = "jabber:client"};
    static const struct xmlstream_limits release = {.idle_release = true};
    static const char *const afters[] = {
        "",
        "<presence/><message to='a@b'><body>x</body></message></stream:stream>",
        "<message>\n<body>&foo;</body></message>",
        "<auth/>" HDR "<iq type='get' id='1'/>",
        "<auth/>" HDR "<iq><query>\n<!-- x --></query></iq>",
        "</stream:stream>",
        "</stream:stream><junk",
        "</stream:stream" ">",
        " </stream:stream>",
        "</stream:streamx>",
    };
    for (int lim = 0; lim <= 1; lim++) {
        for (size_t i = 0; i < sizeof afters / sizeof afters[0]; i++) {
            struct buf parsed = {0}, injected = {0}, whole = {0};
            buf_puts(&whole, HDR);
            buf_puts(&whole, afters[i]);
            helpers_parse_cut(whole.data, whole.len, NULL, 0, lim ? &release : NULL, &parsed);
            ck_assert(helpers_parse_header_injected("", HDR, &h, afters[i], lim ? &release : NULL,
                                                    &injected));
            ck_assert_str_eq(buf_cstr(&injected), buf_cstr(&parsed));
            buf_free(&parsed);
            buf_free(&injected);
            buf_free(&whole);
        }
    }
    /* after a restart, the new document's header */
    struct buf parsed = {0}, injected = {0};
    helpers_parse_cut(HDR "<auth/>" HDR "<presence/>", strlen(HDR "<auth/>" HDR "<presence/>"),
                      NULL, 0, NULL, &parsed);
    ck_assert(helpers_parse_header_injected(HDR "<auth/>", HDR, &h, "<presence/>", NULL,
                                            &injected));
    ck_assert_str_eq(buf_cstr(&injected), buf_cstr(&parsed));
    /* bytes of the document fed first: refused, the bytes parse */
    buf_clear(&parsed);
    buf_clear(&injected);
    helpers_parse_cut(" " HDR "<presence/>", strlen(" " HDR "<presence/>"), NULL, 0, NULL,
                      &parsed);
    ck_assert(!helpers_parse_header_injected(" ", HDR, &h, "<presence/>", NULL, &injected));
    ck_assert_str_eq(buf_cstr(&injected), buf_cstr(&parsed));
    buf_clear(&injected);
    ck_assert(!helpers_parse_header_injected(HDR, HDR, &h, "", NULL, &injected));
    buf_clear(&injected);
    ck_assert(!helpers_parse_header_injected("", "", &h, "", NULL, &injected));   /* no bytes */
    /* another prefix: its own end tag closes the stream, not this one */
    static const char s_open[] = "<s:stream xmlns:s='http://etherx.jabber.org/streams' "
                                 "xmlns='jabber:client'>";
    static const struct xmlstream_header sh = {.content_ns = "jabber:client"};
    static const char *const s_afters[] = {"</stream:stream>", "</s:stream>"};
    for (size_t i = 0; i < 2; i++) {
        struct buf whole = {0};
        buf_puts(&whole, s_open);
        buf_puts(&whole, s_afters[i]);
        buf_clear(&parsed);
        buf_clear(&injected);
        helpers_parse_cut(whole.data, whole.len, NULL, 0, NULL, &parsed);
        ck_assert(helpers_parse_header_injected("", s_open, &sh, s_afters[i], NULL, &injected));
        ck_assert_str_eq(buf_cstr(&injected), buf_cstr(&parsed));
        buf_free(&whole);
    }
    buf_free(&parsed);
    buf_free(&injected);
}
END_TEST

/* The limits apply to a tree as to its bytes: one over the size or depth
 * limit, or handed over inside a CDATA section between stanzas, is
 * refused; a stream whose parser was released while it rested takes it. */
START_TEST(test_xmlstream_inject_follows_the_limits)
{
    static const char deep[] = "<message><body><b/></body></message>";   /* depth 3 */
    static const struct xmlstream_limits depth2 = {.depth_max = 2}, depth3 = {.depth_max = 3};
    static const struct xmlstream_limits size35 = {.size_max = sizeof deep - 2};
    static const struct xmlstream_limits size36 = {.size_max = sizeof deep - 1};
    static const struct xmlstream_limits release = {.idle_release = true};
    struct buf parsed = {0}, log = {0};
    helpers_parse_log(HDR "<presence/>" "<message><body><b/></body></message>",
                      strlen(HDR "<presence/>") + sizeof deep - 1, 0, NULL, &parsed);
    ck_assert(!helpers_parse_injected(HDR "<presence/>", deep, "", &depth2, &log));
    buf_clear(&log);
    ck_assert(helpers_parse_injected(HDR "<presence/>", deep, "", &depth3, &log));
    ck_assert_str_eq(buf_cstr(&log), buf_cstr(&parsed));
    buf_clear(&log);
    ck_assert(!helpers_parse_injected(HDR "<presence/>", deep, "", &size35, &log));
    buf_clear(&log);
    ck_assert(helpers_parse_injected(HDR "<presence/>", deep, "", &size36, &log));
    buf_clear(&log);
    ck_assert(helpers_parse_injected(HDR "<presence/>", deep, "", &release, &log));
    ck_assert_str_eq(buf_cstr(&log), buf_cstr(&parsed));
    buf_clear(&log);
    ck_assert(!helpers_parse_injected(HDR "<![CDATA[x", deep, "]]>", NULL, &log));
    buf_clear(&log);
    ck_assert(helpers_parse_injected(HDR "<![CDATA[x]]>", deep, "", NULL, &log));   /* ended */
    buf_clear(&log);
    ck_assert(!helpers_parse_injected(HDR "<pres", deep, "ence/>", NULL, &log));
    buf_clear(&log);
    ck_assert(!helpers_parse_injected("", deep, HDR, NULL, &log));   /* before the stream */
    /* text adds no depth: <body>x</body> is at depth 2 */
    static const struct xmlstream_limits depth1 = {.depth_max = 1};
    static const char text[] = "<message><body>x</body></message>";
    buf_clear(&log);
    ck_assert(helpers_parse_injected(HDR, text, "", &depth2, &log));
    buf_clear(&log);
    ck_assert(!helpers_parse_injected(HDR, text, "", &depth1, &log));
    /* a reset inside a CDATA section leaves it: the new stream rests */
    struct xmlstream *p = xmlstream_new(NULL, &no_callbacks, NULL, NULL, 1);
    xmlstream_feed(p, PRE "<![CDATA[x", PRE_LEN + 10);
    xmlstream_reset(p);
    xmlstream_feed(p, PRE, PRE_LEN);
    ck_assert(xmlstream_inject(p, helpers_element(deep), sizeof deep - 1, STANZA_NS_CLIENT));
    xmlstream_free(p);
    buf_free(&parsed);
    buf_free(&log);
}
END_TEST

/* A tree parsed as a stanza of a jabber:client stream stands for its bytes
 * only in a stream whose header made jabber:client the default namespace:
 * under another default (parsed or injected header, its parser released
 * or not) it is refused, and the bytes parse as they would. */
START_TEST(test_xmlstream_inject_needs_the_default_namespace)
{
    static const char server[] = "<stream:stream xmlns='jabber:server' "
                                 "xmlns:stream='http://etherx.jabber.org/streams'>";
    static const struct xmlstream_limits release = {.idle_release = true};
    struct buf log = {0};
    ck_assert(!helpers_parse_injected(server, "<presence/>", "", NULL, &log));
    buf_clear(&log);
    ck_assert(!helpers_parse_injected(server, "<presence/>", "", &release, &log));
    buf_clear(&log);
    ck_assert(helpers_parse_injected(PRE, "<presence/>", "", &release, &log));
    buf_free(&log);
    for (int released = 0; released <= 1; released++) {
        struct xmlstream_limits lim = {.idle_release = released};
        struct xmlstream *p = xmlstream_new(NULL, &no_callbacks, NULL, &lim, 3);
        struct xmlstream_header h = {.content_ns = "jabber:server"};
        ck_assert(xmlstream_inject_header(p, &h, server, sizeof server - 1));
        struct stanza *st = helpers_element("<presence/>");
        ck_assert(!xmlstream_inject(p, st, 11, STANZA_NS_CLIENT));
        ck_assert(xmlstream_inject(p, st, 11, "jabber:server"));
        ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_NONE);
        xmlstream_free(p);
    }
}
END_TEST

/* A stanza callback may stop the stream for an injected tree as for
 * parsed bytes, a released parser or not; after a stop no tree is taken
 * and no byte is parsed. */
START_TEST(test_xmlstream_inject_after_and_with_a_stop)
{
    static const struct xmlstream_callbacks cb = {.stanza = rs_stanza};
    for (int released = 0; released <= 1; released++) {
        struct xmlstream_limits lim = {.idle_release = released};
        struct restart_ctx r = {0};
        r.p = xmlstream_new(NULL, &cb, &r, &lim, 7);
        xmlstream_feed(r.p, PRE, PRE_LEN);
        ck_assert(xmlstream_inject(r.p, helpers_element("<stop/>"), 7, STANZA_NS_CLIENT));
        struct stanza *iq = helpers_element("<iq/>");
        ck_assert(!xmlstream_inject(r.p, iq, 5, STANZA_NS_CLIENT));   /* not taken: still the caller's */
        stanza_free(iq);
        xmlstream_feed(r.p, "<presence/>", 11);
        ck_assert_str_eq(buf_cstr(&r.log), "stop;");
        xmlstream_free(r.p);
        buf_free(&r.log);

        r = (struct restart_ctx){0};
        r.p = xmlstream_new(NULL, &cb, &r, &lim, 7);
        xmlstream_feed(r.p, PRE "<stop/>", PRE_LEN + 7);
        struct stanza *st = helpers_element("<iq/>");
        ck_assert(!xmlstream_inject(r.p, st, 5, STANZA_NS_CLIENT));
        stanza_free(st);
        ck_assert_str_eq(buf_cstr(&r.log), "stop;");
        xmlstream_free(r.p);
        buf_free(&r.log);
    }
}
END_TEST

START_TEST(test_xmlstream_idle_release_keeps_errors_and_offsets)
{
    static const char s[] = HDR "<presence/>\n<message><!-- x --></message>";
    static const struct xmlstream_limits release = {.idle_release = true};
    for (size_t chunk = 1; chunk <= 12; chunk++) {
        struct buf a = {0}, b = {0};
        helpers_parse_log(s, sizeof s - 1, chunk, NULL, &a);
        helpers_parse_log(s, sizeof s - 1, chunk, &release, &b);
        ck_assert_str_eq(buf_cstr(&b), buf_cstr(&a));
        ck_assert_ptr_nonnull(strstr(buf_cstr(&a), "error COMMENT@"));
        buf_free(&a);
        buf_free(&b);
    }
}
END_TEST

static unsigned long long log_error_offset(struct buf *log)
{
    const char *at = strrchr(buf_cstr(log), '@');
    ck_assert_ptr_nonnull(at);
    return strtoull(at + 1, NULL, 10);
}

/* ---- memory: hooks that count the bytes handed out and can fail ---- */

union mem_head {
    max_align_t align;
    size_t size;
};

static size_t mem_live;      /* bytes handed out and not freed */
static size_t mem_calls;     /* allocations asked for, ever */
static size_t mem_left;      /* allocations before the one that fails; SIZE_MAX: none */
static size_t mem_refused;   /* allocations refused so far */

static void *mem_realloc(void *p, size_t n)
{
    if (mem_left != SIZE_MAX && mem_left-- == 0) {
        mem_refused++;
        return NULL;
    }
    mem_calls++;
    union mem_head *h = p != NULL ? (union mem_head *)p - 1 : NULL;
    size_t old = h != NULL ? h->size : 0;
    h = realloc(h, sizeof *h + n);
    ck_assert_ptr_nonnull(h);
    h->size = n;
    mem_live = mem_live - old + n;
    return h + 1;
}

static void *mem_malloc(size_t n)
{
    return mem_realloc(NULL, n);
}

static void mem_free(void *p)
{
    if (p == NULL)
        return;
    union mem_head *h = (union mem_head *)p - 1;
    mem_live -= h->size;
    free(h);
}

/* A heap on the counting hooks, refusing allocation number `left` (from 0)
 * only. */
static void mem_heap(struct heap *h, size_t left)
{
    mem_live = 0;
    mem_left = left;
    mem_refused = 0;
    heap_init(h, mem_malloc, mem_realloc, mem_free);
}

/* Bytes held by n streams made with lim, each fed PRE whole and then
 * resting; all of it is given back when they are freed (and their warm
 * set's spare parsers). */
static size_t mem_resting(const struct xmlstream_limits *lim, size_t n)
{
    struct heap h;
    struct xmlstream *p[4];
    assert(n <= sizeof p / sizeof p[0]);
    mem_heap(&h, SIZE_MAX);
    for (size_t i = 0; i < n; i++) {
        p[i] = xmlstream_new(&h, &no_callbacks, NULL, lim, 1);
        xmlstream_feed(p[i], PRE, PRE_LEN);
    }
    size_t live = mem_live;
    for (size_t i = 0; i < n; i++)
        xmlstream_free(p[i]);
    if (lim != NULL && lim->warm != NULL)
        xmlstream_warm_free(lim->warm);
    ck_assert_uint_eq(mem_live, 0);
    ck_assert_uint_eq(heap_blocks(&h), 0);
    return live;
}

struct counted {
    struct xmlstream *p;
    unsigned events;   /* stanzas, and 100 for the close */
};

/* Counts a stanza; an <auth/> restarts the stream. */
static void count_stanza(void *ctx, struct stanza *st)
{
    struct counted *c = ctx;
    c->events++;
    if (strcmp(stanza_root(st)->name, "auth") == 0)
        xmlstream_restart(c->p);
    stanza_free(st);
}

static void count_close(void *ctx)
{
    ((struct counted *)ctx)->events += 100;
}

/* A stream opened by an injected header and fed injected trees builds no
 * expat parser: a new stream has none until bytes come, the trees are
 * taken at once, after a restart too, and the close takes no allocation
 * and ends the stream (what follows is ignored). */
START_TEST(test_xmlstream_injected_stream_builds_no_parser)
{
    static const struct xmlstream_header h = {.to = "localhost", .version = "1.0",
                                              .content_ns = "jabber:client"};
    static const struct xmlstream_callbacks cb = {.stanza = count_stanza,
                                                  .closed = count_close};
    for (int release = 0; release <= 1; release++) {
        struct heap hp;
        mem_heap(&hp, SIZE_MAX);
        struct xmlstream_limits lim = {.idle_release = release};
        struct counted n = {0};
        struct xmlstream *fed = xmlstream_new(&hp, &no_callbacks, NULL, &lim, 1);
        size_t unfed = mem_live;
        xmlstream_feed(fed, "<", 1);   /* bytes: an expat parser */
        size_t parser = mem_live - unfed;
        xmlstream_free(fed);
        struct xmlstream *p = n.p = xmlstream_new(&hp, &cb, &n, &lim, 1);
        ck_assert_uint_lt(mem_live, parser / 2);
        ck_assert(xmlstream_inject_header(p, &h, HDR, strlen(HDR)));
        ck_assert_uint_lt(mem_live, parser / 2);   /* the kept tag only */
        ck_assert(xmlstream_inject(p, helpers_element("<presence/>"), 11, STANZA_NS_CLIENT));
        ck_assert(xmlstream_inject(p, helpers_element("<auth/>"), 7, STANZA_NS_CLIENT));   /* restarts */
        ck_assert(xmlstream_inject_header(p, &h, HDR, strlen(HDR)));
        ck_assert(xmlstream_inject(p, helpers_element("<message/>"), 10, STANZA_NS_CLIENT));
        size_t calls = mem_calls;
        xmlstream_feed(p, XMLSTREAM_CLOSE, sizeof XMLSTREAM_CLOSE - 1);
        ck_assert_uint_eq(mem_calls, calls);
        ck_assert_uint_eq(n.events, 103);   /* three stanzas, then the close */
        xmlstream_feed(p, "<message/>", 10);
        xmlstream_feed(p, XMLSTREAM_CLOSE, sizeof XMLSTREAM_CLOSE - 1);
        ck_assert_uint_eq(n.events, 103);
        ck_assert(!xmlstream_inject_header(p, &h, HDR, strlen(HDR)));   /* ended */
        ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_NONE);
        xmlstream_free(p);
        ck_assert_uint_eq(mem_live, 0);
    }
}
END_TEST

/* A tree handed over counts as feeding the stream: it becomes the most
 * recently fed of its warm set. */
START_TEST(test_xmlstream_inject_feeds_the_warm_set)
{
    struct xmlstream_warm warm = {.max = 2};
    struct xmlstream_limits lim = {.idle_release = true, .warm = &warm};
    struct xmlstream *a = xmlstream_new(NULL, &no_callbacks, NULL, &lim, 1);
    struct xmlstream *b = xmlstream_new(NULL, &no_callbacks, NULL, &lim, 1);
    xmlstream_feed(a, PRE, PRE_LEN);
    xmlstream_feed(b, PRE, PRE_LEN);
    ck_assert_ptr_eq(warm.held[0], b);
    ck_assert(xmlstream_inject(a, helpers_element("<presence/>"), 11, STANZA_NS_CLIENT));
    ck_assert_uint_eq(warm.count, 2);
    ck_assert_ptr_eq(warm.held[0], a);
    xmlstream_free(a);
    xmlstream_free(b);
    xmlstream_warm_free(&warm);
}
END_TEST

/* A freed stream's parser stays with its warm set, up to `max` of them,
 * and a new stream of the set takes one instead of building one: it
 * parses as a new parser does. xmlstream_warm_free frees what is left. */
START_TEST(test_xmlstream_warm_set_reuses_freed_parsers)
{
    static const char more[] = "<message to='a@b'><body>x</body></message>";
    struct heap h;
    struct xmlstream_warm warm = {.max = 1};
    struct xmlstream_limits lim = {.idle_release = true, .warm = &warm};
    mem_heap(&h, SIZE_MAX);
    struct xmlstream *a = xmlstream_new(&h, &no_callbacks, NULL, &lim, 1);
    struct xmlstream *b = xmlstream_new(&h, &no_callbacks, NULL, &lim, 1);
    xmlstream_feed(a, "<", 1);   /* bytes: each builds a parser */
    xmlstream_feed(b, "<", 1);
    size_t two = mem_live;
    xmlstream_free(a);
    size_t one_and_spare = mem_live;
    xmlstream_free(b);   /* the set keeps one parser only */
    ck_assert_uint_eq(warm.spares, 1);
    ck_assert_uint_lt(mem_live, one_and_spare);
    struct xmlstream *c = xmlstream_new(&h, &no_callbacks, NULL, &lim, 1);
    ck_assert_uint_eq(warm.spares, 0);
    ck_assert_uint_le(mem_live, one_and_spare);   /* no parser built */
    ck_assert_uint_lt(one_and_spare, two);
    xmlstream_feed(c, PRE, PRE_LEN);
    xmlstream_feed(c, more, sizeof more - 1);
    ck_assert_int_eq(xmlstream_error(c), XMLSTREAM_E_NONE);
    xmlstream_free(c);
    ck_assert_uint_eq(warm.spares, 1);
    ck_assert_uint_gt(mem_live, 0);
    xmlstream_warm_free(&warm);
    ck_assert_uint_eq(mem_live, 0);
    ck_assert_uint_eq(warm.spares, 0);
}
END_TEST

/* An idle-released stream holds no expat parser once it rests (the start
 * tag fed in one piece too); of the streams sharing a warm set, only the
 * `max` fed last hold one. */
START_TEST(test_xmlstream_idle_release_frees_the_parser)
{
    static const struct xmlstream_limits release = {.idle_release = true};
    size_t kept = mem_resting(NULL, 1), freed = mem_resting(&release, 1);
    size_t parser = kept - freed;
    ck_assert_uint_gt(parser, 4 * freed);   /* expat's parser is most of it */
    struct xmlstream_warm warm1 = {.max = 1}, warm3 = {.max = 3};
    struct xmlstream_limits lim1 = {.idle_release = true, .warm = &warm1};
    struct xmlstream_limits lim3 = {.idle_release = true, .warm = &warm3};
    size_t one = mem_resting(&lim1, 3), three = mem_resting(&lim3, 3);
    ck_assert_uint_lt(one, 3 * freed + parser + parser / 2);
    ck_assert_uint_gt(three, 3 * parser);
}
END_TEST

/* What a released stream holds does not grow with what it parsed before:
 * after a stanza with long names and text, as much as after none; and a
 * longer start tag costs its extra bytes only (it is kept, and the
 * default namespace it declares, nothing more). */
START_TEST(test_xmlstream_idle_release_keeps_nothing_of_the_stanzas)
{
    static const struct xmlstream_limits release = {.idle_release = true};
    struct buf big = {0};
    buf_puts(&big, "<message xmlns='urn:");
    for (int i = 0; i < 2000; i++)
        buf_puts(&big, "ns");
    buf_puts(&big, "' xmlns:p='urn:p' p:a='1'><body>");
    for (int i = 0; i < 2000; i++)
        buf_puts(&big, "text");
    buf_puts(&big, "</body></message>");
    struct heap h;
    mem_heap(&h, SIZE_MAX);
    struct xmlstream *p = xmlstream_new(&h, &no_callbacks, NULL, &release, 1);
    xmlstream_feed(p, PRE, PRE_LEN);
    size_t before = mem_live;
    xmlstream_feed(p, big.data, big.len);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_NONE);
    ck_assert_uint_eq(mem_live, before);
    xmlstream_free(p);
    ck_assert_uint_eq(mem_live, 0);

    /* the kept start tag and the default namespace it declares (each
     * with a NUL) are all that grows with a big header */
    buf_clear(&big);
    buf_puts(&big, "<stream:stream xmlns:stream='" STANZA_NS_STREAM "' xmlns='urn:");
    for (int i = 0; i < 2000; i++)
        buf_puts(&big, "ns");
    buf_puts(&big, "'>");
    mem_heap(&h, SIZE_MAX);
    p = xmlstream_new(&h, &no_callbacks, NULL, &release, 1);
    xmlstream_feed(p, big.data, big.len);
    size_t ns_len = 4 + 2 * 2000;
    ck_assert_uint_eq(mem_live, before - PRE_LEN - strlen(STANZA_NS_CLIENT) + big.len + ns_len);
    xmlstream_free(p);
    buf_free(&big);
}
END_TEST

#define PRE_MIXED "<stream:stream xmlns='jabber:client' " \
                  "xmlns:stream='http://etherx.jabber.org/streams'>"

START_TEST(test_xmlstream_events_are_exact)
{
    const char *s = valid_streams[1];
    struct buf log = {0};
    helpers_parse_log(s, strlen(s), 0, NULL, &log);
    ck_assert_str_eq(buf_cstr(&log),
                     "open to=localhost version=1.0 ns=jabber:client;stanza <presence/>;"
                     "stanza <message to='a@b' type='chat'><body>hi &amp; &lt;bye&gt;</body>"
                     "</message>;close;");
    buf_free(&log);
}
END_TEST

/* Mixed content keeps its order: text, child, text, child, text. */
START_TEST(test_xmlstream_mixed_content_keeps_its_order)
{
    static const char s[] = PRE_MIXED "<message><body>a<b/>c<i>d</i>e</body></message>";
    struct buf log = {0};
    helpers_parse_log(s, sizeof s - 1, 0, NULL, &log);
    ck_assert_str_eq(buf_cstr(&log), "open ns=jabber:client;"
                                     "stanza <message><body>a<b/>c<i>d</i>e</body></message>;");
    buf_free(&log);
}
END_TEST

struct bad_case {
    const char *input;
    enum xmlstream_error error;
    unsigned long long offset;   /* where the error is reported */
};


static const struct bad_case bad_cases[] = {
    {PRE "<!-- hi -->", XMLSTREAM_E_COMMENT, PRE_LEN},
    {"<!-- before -->" PRE, XMLSTREAM_E_COMMENT, 0},
    {PRE "<?php echo 1 ?>", XMLSTREAM_E_PI, PRE_LEN},
    {"<!DOCTYPE stream>" PRE, XMLSTREAM_E_DTD, 16},
    {"<!DOCTYPE s [<!ENTITY e 'x'>]>" PRE, XMLSTREAM_E_DTD, 12},
    {PRE "<message>&foo;</message>", XMLSTREAM_E_ENTITY, PRE_LEN + 9},
    {PRE "<message a='&bar;'/>", XMLSTREAM_E_ENTITY, PRE_LEN},
    {PRE "<x:message/>", XMLSTREAM_E_UNDECLARED_PREFIX, PRE_LEN},
    {PRE "<message y:a='1'/>", XMLSTREAM_E_UNDECLARED_PREFIX, PRE_LEN},
    {"<stream:stream xmlns:stream='urn:wrong'>", XMLSTREAM_E_STREAM_NAMESPACE, 0},
    {"<stream xmlns='jabber:client'>", XMLSTREAM_E_STREAM_NAMESPACE, 0},
    {"<message xmlns='http://etherx.jabber.org/streams'/>", XMLSTREAM_E_STREAM_NAMESPACE, 0},
    {PRE "<message></presence>", XMLSTREAM_E_MALFORMED, PRE_LEN + 11},
    {PRE "<message a='1' a='2'/>", XMLSTREAM_E_MALFORMED, PRE_LEN + 15},
    {PRE "<message>\xff</message>", XMLSTREAM_E_MALFORMED, PRE_LEN + 9},
    {PRE "<message>\xc0\x80</message>", XMLSTREAM_E_MALFORMED, PRE_LEN + 9},
    {PRE "<message>\x01</message>", XMLSTREAM_E_MALFORMED, PRE_LEN + 9},
    {PRE "<message>&#0;</message>", XMLSTREAM_E_MALFORMED, PRE_LEN + 9},
    {"just text", XMLSTREAM_E_MALFORMED, 0},
    {PRE "<<", XMLSTREAM_E_MALFORMED, PRE_LEN + 1},
    {PRE "<a><a><a><a><a><a><a><a><a>", XMLSTREAM_E_TOO_DEEP, PRE_LEN + 24},
    {PRE "<message><body>0123456789012345678901234567890123456789012345678901234567890123456789"
         "0123456789</body></message>",
     XMLSTREAM_E_TOO_BIG, PRE_LEN},
};

static const struct xmlstream_limits small_limits = {.size_max = 100, .depth_max = 8};

START_TEST(test_xmlstream_restricted_xml_table)
{
    const struct bad_case *c = &bad_cases[_i];
    struct buf log = {0};
    enum xmlstream_error e = helpers_parse_log(c->input, strlen(c->input), 0, &small_limits, &log);
    ck_assert_str_eq(xmlstream_error_name(e), xmlstream_error_name(c->error));
    const char *at = strrchr(buf_cstr(&log), '@');
    ck_assert_ptr_nonnull(at);
    unsigned long long off = strtoull(at + 1, NULL, 10);
    if (c->error != XMLSTREAM_E_TOO_BIG)
        ck_assert_uint_eq(off, c->offset);
    /* the same error whatever the fragmentation */
    struct buf bytes = {0};
    ck_assert_int_eq(helpers_parse_log(c->input, strlen(c->input), 1, &small_limits, &bytes), e);
    buf_free(&bytes);
    buf_free(&log);
}
END_TEST

START_TEST(test_xmlstream_error_has_line_and_column)
{
    static const char s[] = PRE "\n<message>\n  <!-- x -->";
    struct buf log = {0};
    struct xmlstream_callbacks cb = {0};
    struct xmlstream *p = xmlstream_new(NULL, &cb, &log, NULL, 1);
    xmlstream_feed(p, s, sizeof s - 1);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_COMMENT);
    ck_assert_uint_eq(xmlstream_error_line(p), 3);
    ck_assert_uint_eq(xmlstream_error_column(p), 3);
    ck_assert_str_eq(xmlstream_error_text(XMLSTREAM_E_COMMENT), "comment is not allowed");
    xmlstream_feed(p, "<presence/>", 11);   /* ignored after the error */
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_COMMENT);
    const char *aborted = xmlstream_error_detail(p);   /* a handler stopped expat */
    ck_assert_str_eq(aborted, "parsing aborted");
    xmlstream_reset(p);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_NONE);
    ck_assert_ptr_null(xmlstream_error_detail(p));
    /* an error at the first byte is at line 1, column 1; expat's own
     * description of it is gone after a reset */
    xmlstream_feed(p, "just text", 9);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_MALFORMED);
    ck_assert_uint_eq(xmlstream_error_line(p), 1);
    ck_assert_uint_eq(xmlstream_error_column(p), 1);
    ck_assert_uint_eq(xmlstream_error_offset(p), 0);
    ck_assert_str_ne(xmlstream_error_detail(p), aborted);
    xmlstream_reset(p);
    xmlstream_feed(p, PRE "<!---->", PRE_LEN + 7);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_COMMENT);
    ck_assert_uint_eq(xmlstream_error_line(p), 1);
    ck_assert_uint_eq(xmlstream_error_column(p), PRE_LEN + 1);
    ck_assert_uint_eq(xmlstream_error_offset(p), PRE_LEN);
    ck_assert_str_eq(xmlstream_error_detail(p), aborted);
    xmlstream_free(p);
    buf_free(&log);
}
END_TEST

/* The held streams of a warm set are resting ones: a stream leaves the
 * set when a stanza begins and when it is reset; one start tag serves all
 * the streams of a set that sent it. */
START_TEST(test_xmlstream_warm_set_holds_resting_streams_only)
{
    struct xmlstream_warm warm = {.max = 2};
    struct xmlstream_limits lim = {.idle_release = true, .warm = &warm};
    struct xmlstream *p = xmlstream_new(NULL, &no_callbacks, NULL, &lim, 1);
    xmlstream_feed(p, PRE, PRE_LEN);
    ck_assert_uint_eq(warm.count, 1);
    ck_assert_ptr_eq(warm.held[0], p);
    xmlstream_feed(p, "<message>", 9);
    ck_assert_uint_eq(warm.count, 0);
    xmlstream_feed(p, "</message>", 10);
    ck_assert_uint_eq(warm.count, 1);
    xmlstream_reset(p);
    ck_assert_uint_eq(warm.count, 0);
    /* of two streams the one fed last holds; an empty feed feeds nothing */
    struct xmlstream_warm warm1 = {.max = 1};
    struct xmlstream_limits lim1 = {.idle_release = true, .warm = &warm1};
    struct xmlstream *q = xmlstream_new(NULL, &no_callbacks, NULL, &lim1, 1);
    struct xmlstream *r = xmlstream_new(NULL, &no_callbacks, NULL, &lim1, 1);
    xmlstream_feed(q, PRE, PRE_LEN);
    xmlstream_feed(r, PRE, PRE_LEN);
    xmlstream_feed(q, "", 0);
    ck_assert_uint_eq(warm1.count, 1);
    ck_assert_ptr_eq(warm1.held[0], r);
    xmlstream_free(q);
    xmlstream_free(r);
    xmlstream_free(p);
    xmlstream_warm_free(&warm1);
    xmlstream_warm_free(&warm);

    static const struct xmlstream_limits release = {.idle_release = true};
    struct xmlstream_warm warm0 = {.max = 0};
    struct xmlstream_limits lim0 = {.idle_release = true, .warm = &warm0};
    ck_assert_uint_le(mem_resting(&lim0, 3) + 2 * PRE_LEN, mem_resting(&release, 3));
}
END_TEST

START_TEST(test_xmlstream_long_namespace_names)
{
    struct buf in = {0}, log = {0};
    buf_puts(&in, PRE "<message xmlns='urn:");
    for (int i = 0; i < 5000; i++)
        buf_putc(&in, 'x');
    buf_puts(&in, "' xmlns:p='urn:");
    for (int i = 0; i < 3000; i++)
        buf_putc(&in, 'y');
    buf_puts(&in, "' p:a='1'/>");
    ck_assert_int_eq(helpers_parse_log(in.data, in.len, 0, NULL, &log), XMLSTREAM_E_NONE);
    ck_assert_ptr_nonnull(strstr(buf_cstr(&log), "stanza <message xmlns='urn:xxxx"));
    buf_free(&in);
    buf_free(&log);
}
END_TEST

START_TEST(test_xmlstream_endless_start_tag_is_too_big)
{
    struct buf log = {0};
    struct xmlstream_callbacks cb = {0};
    struct xmlstream *p = xmlstream_new(NULL, &cb, &log, &small_limits, 1);
    xmlstream_feed(p, PRE "<message to='", PRE_LEN + 13);
    for (int i = 0; i < 20 && xmlstream_error(p) == XMLSTREAM_E_NONE; i++)
        xmlstream_feed(p, "aaaaaaaaaaaaaaaa", 16);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_TOO_BIG);
    xmlstream_free(p);
    buf_free(&log);
}
END_TEST

/* A stanza of exactly size_max bytes is taken, whole or byte by byte; with
 * one byte less allowed it is too big, and neither it nor the stanza after
 * it is delivered. */
START_TEST(test_xmlstream_size_limit_is_inclusive)
{
#define TEXT_100 "0123456789012345678901234567890123456789012345678901234567890123456789" \
                 "012345678901234567890123456789"
    static const char s[] = PRE "<message><body>" TEXT_100 "</body></message><presence/>";
    const size_t stanza = sizeof s - 1 - PRE_LEN - 11;   /* longer than the header: */
    ck_assert_uint_gt(stanza, PRE_LEN);             /* the limit applies to it too */
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        struct xmlstream_limits fits = {.size_max = stanza}, over = {.size_max = stanza - 1};
        struct buf log = {0};
        ck_assert_int_eq(helpers_parse_log(s, sizeof s - 1, chunk, &fits, &log), XMLSTREAM_E_NONE);
        ck_assert_str_eq(buf_cstr(&log), "open ns=jabber:client;"
                                         "stanza <message><body>" TEXT_100 "</body></message>;"
                                         "stanza <presence/>;");
        buf_clear(&log);
        ck_assert_int_eq(helpers_parse_log(s, sizeof s - 1, chunk, &over, &log),
                         XMLSTREAM_E_TOO_BIG);
        ck_assert_ptr_null(strstr(buf_cstr(&log), "stanza"));
        buf_free(&log);
    }
    /* size_max bytes of a longer stanza are no error yet, the next one is */
    struct xmlstream_limits over = {.size_max = stanza - 1};
    struct xmlstream *p = xmlstream_new(NULL, &no_callbacks, NULL, &over, 1);
    xmlstream_feed(p, s, sizeof s - 13);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_NONE);
    xmlstream_feed(p, s + sizeof s - 13, 1);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_TOO_BIG);
    xmlstream_free(p);
#undef TEXT_100
}
END_TEST

START_TEST(test_xmlstream_whitespace_keepalives_are_not_counted)
{
    struct buf log = {0};
    struct xmlstream_callbacks cb = {0};
    struct xmlstream *p = xmlstream_new(NULL, &cb, &log, &small_limits, 1);
    xmlstream_feed(p, PRE, PRE_LEN);
    for (int i = 0; i < 100; i++)
        xmlstream_feed(p, "    \n", 5);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_NONE);
    xmlstream_free(p);
    buf_free(&log);
}
END_TEST

START_TEST(test_xmlstream_restart_parses_the_rest_as_a_new_stream)
{
    static const char s[] =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' id='1' "
        "xmlns:stream='http://etherx.jabber.org/streams'><auth/>"
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' id='2' "
        "xmlns:stream='http://etherx.jabber.org/streams'><iq/><stop/><junk";
    for (size_t chunk = 1; chunk <= sizeof s; chunk += 13) {
        struct restart_ctx r = {0};
        struct xmlstream_callbacks cb = {.opened = rs_open, .stanza = rs_stanza};
        r.p = xmlstream_new(NULL, &cb, &r, NULL, 7);
        for (size_t off = 0; off < sizeof s - 1; off += chunk)
            xmlstream_feed(r.p, s + off, sizeof s - 1 - off < chunk ? sizeof s - 1 - off : chunk);
        ck_assert_str_eq(buf_cstr(&r.log), "open 1;auth;open 2;iq;stop;");
        ck_assert_int_eq(xmlstream_error(r.p), XMLSTREAM_E_NONE);
        xmlstream_free(r.p);
        buf_free(&r.log);
    }
}
END_TEST

static void ns_open(void *ctx, const struct xmlstream_header *h)
{
    buf_puts(ctx, h->content_ns);
    buf_putc(ctx, ';');
}

static void hdr_open(void *ctx, const struct xmlstream_header *h)
{
    struct buf *log = ctx;
    const char *const fields[] = {h->to, h->from, h->version, h->lang, h->id};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        buf_puts(log, fields[i] ? fields[i] : "-");
        buf_putc(log, ';');
    }
}

/* A parse that runs out of memory unwinds to heap_run, wherever the
 * allocation fails (the parser's own, expat's, the encoding set again on
 * a restart or a reset), and then everything is given back by
 * heap_release_all; with memory to spare the events are those of a parse
 * on the C library's heap. */
struct oom_run {
    struct heap *heap;
    const struct xmlstream_limits *limits;
    struct restart_ctx r;
};

static const char oom_stream[] =
    "<stream:stream xmlns='jabber:client' id='1' xmlns:stream='" STANZA_NS_STREAM "'>"
    "<auth/><stream:stream xmlns='jabber:client' id='2' xmlns:stream='" STANZA_NS_STREAM "'>"
    "<iq><query xmlns='jabber:iq:roster'/></iq><message><body>";

static void oom_body(void *ctx)
{
    static const struct xmlstream_callbacks cb = {.opened = rs_open, .stanza = rs_stanza};
    struct oom_run *o = ctx;
    size_t rest = strlen("<message><body>");   /* fed after a rest (a resume) */
    o->r.p = xmlstream_new(o->heap, &cb, &o->r, o->limits, 7);
    xmlstream_feed(o->r.p, oom_stream, sizeof oom_stream - 1);
    xmlstream_reset(o->r.p);
    xmlstream_feed(o->r.p, oom_stream, sizeof oom_stream - 1 - rest);
    xmlstream_feed(o->r.p, oom_stream + sizeof oom_stream - 1 - rest, rest);
}

/* Loop index: 0 plain, 1 with idle release. */
START_TEST(test_xmlstream_out_of_memory_unwinds_anywhere)
{
    static const char events[] = "open 1;auth;open 2;iq;open 1;auth;open 2;iq;";
    static const struct xmlstream_limits release = {.idle_release = true};
    bool done = false;
    for (size_t left = 0; !done; left++) {
        struct heap h;
        struct oom_run o = {.heap = &h, .limits = _i ? &release : NULL};
        mem_heap(&h, left);
        bool ok = heap_run(&h, oom_body, &o);
        ck_assert_int_eq(ok, mem_refused == 0);
        ck_assert_int_eq(heap_failed(&h), !ok);
        if (ok) {
            ck_assert_str_eq(buf_cstr(&o.r.log), events);
            xmlstream_free(o.r.p);
            done = true;
        } else {
            heap_release_all(&h);
        }
        ck_assert_uint_eq(mem_live, 0);
        buf_free(&o.r.log);
    }
}
END_TEST

/* The header callback gets every attribute of the stream header. */
START_TEST(test_xmlstream_header_fields)
{
    static const char s[] =
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
        "to='t' from='f' version='1.0' xml:lang='de' id='i'>";
    struct buf log = {0};
    struct xmlstream_callbacks cb = {.opened = hdr_open};
    struct xmlstream *p = xmlstream_new(NULL, &cb, &log, NULL, 7);
    xmlstream_feed(p, s, sizeof s - 1);
    ck_assert_str_eq(buf_cstr(&log), "t;f;1.0;de;i;");
    xmlstream_free(p);
    buf_clear(&log);
    static const char names[] =   /* values that are attribute names too */
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
        "to='from' from='version' version='1.0' xml:lang='id' id='to'>";
    p = xmlstream_new(NULL, &cb, &log, NULL, 7);
    xmlstream_feed(p, names, sizeof names - 1);
    ck_assert_str_eq(buf_cstr(&log), "from;version;1.0;id;to;");
    xmlstream_free(p);
    buf_free(&log);
}
END_TEST

/* A comment skipped between stanzas (markup_skipped) is no part of the
 * next stanza's size: a stanza of 59 bytes after a comment of 60 fits a
 * limit of 100, while it is parsed and once it ends. */
START_TEST(test_xmlstream_skipped_comment_is_not_counted_in_a_stanza)
{
    static const struct xmlstream_limits lim = {.size_max = 100, .markup_skipped = true};
    static const char comment[] = "<!-- 012345678901234567890123456789012345678901234567890 -->";
    static const char text[] = "0123456789012345678901234567890123456789";
    struct xmlstream_callbacks cb = {.stanza = rs_stanza};
    struct restart_ctx r = {0};
    struct xmlstream *p = xmlstream_new(NULL, &cb, &r, &lim, 1);
    ck_assert_uint_eq(sizeof comment - 1, 60);
    xmlstream_feed(p, PRE, PRE_LEN);
    xmlstream_feed(p, comment, sizeof comment - 1);
    xmlstream_feed(p, "<message>", 9);
    xmlstream_feed(p, text, sizeof text - 1);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_NONE);
    xmlstream_feed(p, "</message>", 10);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_NONE);
    ck_assert_str_eq(buf_cstr(&r.log), "message;");
    xmlstream_free(p);
    buf_free(&r.log);
}
END_TEST

static void text_stanza(void *ctx, struct stanza *st)
{
    struct buf *log = ctx;
    stanza_serialize(stanza_root(st), STANZA_NS_CLIENT, true, log);
    stanza_free(st);
}

/* A reset inside a stanza drops it, its text included. */
START_TEST(test_xmlstream_reset_drops_the_stanza_being_parsed)
{
    static const struct xmlstream_callbacks cb = {.stanza = text_stanza};
    struct buf log = {0};
    struct xmlstream *p = xmlstream_new(NULL, &cb, &log, NULL, 1);
    xmlstream_feed(p, PRE "<message><body>hello", PRE_LEN + 20);
    xmlstream_reset(p);
    xmlstream_feed(p, PRE "<message><body>x</body></message>", PRE_LEN + 33);
    ck_assert_str_eq(buf_cstr(&log), "<message><body>x</body></message>");
    xmlstream_free(p);
    buf_free(&log);
}
END_TEST

/* Each stream after a restart or a reset has the default namespace its
 * own header declares, none if it declares none. */
START_TEST(test_xmlstream_content_namespace_is_per_stream)
{
#define NO_DEFAULT_NS "<stream:stream xmlns:stream='" STANZA_NS_STREAM "'>"
    static const char s[] = PRE "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" NO_DEFAULT_NS;
    struct buf log = {0};
    helpers_parse_cut(s, sizeof s - 1, NULL, 0, NULL, &log);
    ck_assert_str_eq(buf_cstr(&log), "open ns=jabber:client;"
                                     "stanza <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>;"
                                     "restart;open ns=;");
    buf_clear(&log);
    struct xmlstream_callbacks cb = {.opened = ns_open};
    struct xmlstream *p = xmlstream_new(NULL, &cb, &log, NULL, 7);
    xmlstream_feed(p, PRE, PRE_LEN);
    xmlstream_reset(p);
    xmlstream_feed(p, NO_DEFAULT_NS, strlen(NO_DEFAULT_NS));
#undef NO_DEFAULT_NS
    ck_assert_str_eq(buf_cstr(&log), "jabber:client;;");
    xmlstream_free(p);
    buf_free(&log);
}
END_TEST

/* After a restart, error offsets still count from the first byte; after
 * a reset the parser is as new: no error, position 0. */
START_TEST(test_xmlstream_offsets_across_restart_and_reset)
{
    static const char s[] =
        "<stream:stream xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams'><auth/>"
        "<stream:stream xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams'><<";
    for (size_t chunk = 1; chunk <= sizeof s; chunk += 17) {
        struct restart_ctx r = {0};
        struct xmlstream_callbacks cb = {.opened = rs_open, .stanza = rs_stanza};
        r.p = xmlstream_new(NULL, &cb, &r, NULL, 7);
        for (size_t off = 0; off < sizeof s - 1; off += chunk)
            xmlstream_feed(r.p, s + off, sizeof s - 1 - off < chunk ? sizeof s - 1 - off : chunk);
        ck_assert_int_eq(xmlstream_error(r.p), XMLSTREAM_E_MALFORMED);
        ck_assert_uint_eq(xmlstream_error_offset(r.p), sizeof s - 2);   /* the second '<' */
        xmlstream_reset(r.p);
        ck_assert_int_eq(xmlstream_error(r.p), XMLSTREAM_E_NONE);
        ck_assert_uint_eq(xmlstream_error_offset(r.p), 0);
        ck_assert_uint_eq(xmlstream_error_line(r.p), 0);
        ck_assert_uint_eq(xmlstream_error_column(r.p), 0);
        xmlstream_free(r.p);
        buf_free(&r.log);
    }
}
END_TEST

START_TEST(test_xmlstream_parse_element)
{
    enum xmlstream_error e;
    unsigned long line, col;
    static const char ok[] = "<presence from='${a.full}'><stream:error/><sessim:x/></presence>";
    struct stanza *st = xmlstream_parse_element(ok, sizeof ok - 1, STANZA_NS_CLIENT, &e, &line,
                                                &col);
    ck_assert_ptr_nonnull(st);
    ck_assert_str_eq(stanza_root(st)->ns, STANZA_NS_CLIENT);
    ck_assert_str_eq(stanza_root(st)->children->ns, STANZA_NS_STREAM);
    ck_assert_str_eq(stanza_root(st)->children->next->ns, "urn:sessim");
    stanza_free(st);

    static const char bad[] = "<message><body></message>";
    ck_assert_ptr_null(xmlstream_parse_element(bad, sizeof bad - 1, STANZA_NS_CLIENT, &e, &line,
                                               &col));
    ck_assert_int_eq(e, XMLSTREAM_E_MALFORMED);
    ck_assert_uint_eq(line, 1);
    ck_assert_uint_eq(col, 18);

    static const char two[] = "<a/><b/>";
    ck_assert_ptr_null(xmlstream_parse_element(two, sizeof two - 1, "", &e, &line, &col));
    ck_assert_int_eq(e, XMLSTREAM_E_MALFORMED);
    ck_assert_uint_eq(line, 1);   /* no single place is wrong: the start */
    ck_assert_uint_eq(col, 1);
    static const char second_line[] = "<a>\n<b></a>";
    ck_assert_ptr_null(xmlstream_parse_element(second_line, sizeof second_line - 1, "", &e, &line,
                                               &col));
    ck_assert_int_eq(e, XMLSTREAM_E_MALFORMED);
    ck_assert_uint_eq(line, 2);   /* later lines are not shifted by the wrapper: */
    ck_assert_uint_eq(col, 6);    /* the end tag's name, as for "bad" above */
    static const char text[] = "hello <a/>";
    ck_assert_ptr_null(xmlstream_parse_element(text, sizeof text - 1, "", &e, &line, &col));
    static const char tabbed[] = "x\t<a/>";   /* text before the element, then a tab */
    ck_assert_ptr_null(xmlstream_parse_element(tabbed, sizeof tabbed - 1, "", &e, &line, &col));
    ck_assert_int_eq(e, XMLSTREAM_E_MALFORMED);
    static const char returned[] = "x\r<a/>";   /* then a carriage return */
    ck_assert_ptr_null(xmlstream_parse_element(returned, sizeof returned - 1, "", &e, &line,
                                               &col));
    ck_assert_int_eq(e, XMLSTREAM_E_MALFORMED);
    static const char after_cr[] = "\rx<a/>";   /* text after a carriage return */
    ck_assert_ptr_null(xmlstream_parse_element(after_cr, sizeof after_cr - 1, "", &e, &line,
                                               &col));
    ck_assert_int_eq(e, XMLSTREAM_E_MALFORMED);
    static const char spaced[] = "\t\r\n <a/>\t";   /* whitespace around is fine */
    st = xmlstream_parse_element(spaced, sizeof spaced - 1, "", &e, &line, &col);
    ck_assert_ptr_nonnull(st);
    stanza_free(st);
    /* a default namespace that is no XML (not UTF-8) fails at text's start */
    ck_assert_ptr_null(xmlstream_parse_element("<a/>", 4, "\xff", &e, &line, &col));
    ck_assert_int_eq(e, XMLSTREAM_E_MALFORMED);
    ck_assert_uint_eq(line, 1);
    ck_assert_uint_eq(col, 1);
    static const char none[] = "   ";
    ck_assert_ptr_null(xmlstream_parse_element(none, sizeof none - 1, "", &e, &line, &col));
}
END_TEST

/* Parse → serialize → parse gives an equal tree (round trip property). */
START_TEST(test_xmlstream_round_trip)
{
    const char *s = valid_streams[_i];
    struct buf log = {0};
    helpers_parse_log(s, strlen(s), 0, NULL, &log);
    const char *p = buf_cstr(&log);
    while ((p = strstr(p, "stanza ")) != NULL) {
        p += 7;
        const char *end = strstr(p, ";stanza ");
        const char *end2 = strstr(p, ";close;");
        size_t len = end ? (size_t)(end - p) : end2 ? (size_t)(end2 - p) : strlen(p) - 1;
        enum xmlstream_error e;
        unsigned long line, col;
        struct stanza *a = xmlstream_parse_element(p, len, STANZA_NS_CLIENT, &e, &line, &col);
        ck_assert_msg(a != NULL, "reparse failed: %.*s", (int)len, p);
        struct buf again = {0};
        stanza_serialize(stanza_root(a), STANZA_NS_CLIENT, true, &again);
        struct stanza *b = xmlstream_parse_element(again.data, again.len, STANZA_NS_CLIENT, &e,
                                                   &line, &col);
        ck_assert_ptr_nonnull(b);
        ck_assert(stanza_equal(stanza_root(a), stanza_root(b)));
        ck_assert_int_eq((int)again.len, (int)len);
        stanza_free(a);
        stanza_free(b);
        buf_free(&again);
    }
    buf_free(&log);
}
END_TEST

/* ---- fragmentation never changes a parse: a property ----
 * Whole versus cut, the logs (events, error kind, offset, line:column) must
 * be equal. Exhaustive over every input of up to 3 bytes from an alphabet
 * of XML-significant bytes, each in several parser states, cut in every
 * way; then seeded random longer inputs built from XMPP fragments. The
 * exhaustive run is the plain build's (about a million parses); under
 * AddressSanitizer or valgrind, 10 to 50 times slower, the 1- and 2-byte
 * inputs stay exhaustive and one in SPLIT_SLOW_STRIDE of the others runs. */

#define SPLIT_SLOW_STRIDE 16

static size_t split_stride(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return SPLIT_SLOW_STRIDE;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return SPLIT_SLOW_STRIDE;
#endif
#endif
    return RUNNING_ON_VALGRIND ? SPLIT_SLOW_STRIDE : 1;
}

/* 20 bytes: markup, references, quotes, the parameter-entity sign, NUL,
 * a name character, white space and both line ends, a CDATA end, and
 * UTF-8 edge bytes (a continuation byte, a lead byte, a byte never valid). */
static const char split_alphabet[] = {'<', '>', '/',  '?',  '!',  '&', ';',    '=',    '\'',   '"',
                                      '%', '\0', 'x', ']', ' ', '\n', '\r', '\x80', '\xc3', '\xff'};
#define SPLIT_ALPHABET_LEN (sizeof split_alphabet)
#define SASL_NS "urn:ietf:params:xml:ns:xmpp-sasl"

/* The parser states a short input is appended to. */
static const struct split_context {
    const char *prefix;
    bool idle_release;
} split_contexts[] = {
    {"", false},                                   /* stream start: encoding, prolog */
    {"<?xml version='1.0'?>", false},              /* prolog after the declaration */
    {PRE, false},                                  /* between stanzas */
    {PRE, true},                                   /* between stanzas, expat resumed */
    {PRE "<message", false},                       /* inside a start tag */
    {PRE "<message a='", false},                   /* an attribute value */
    {PRE "<message>", false},                      /* character data */
    {PRE "<message><![CDATA[", false},             /* a CDATA section */
    {PRE "<auth xmlns='" SASL_NS "'/>", false},    /* a fresh expat after a restart */
};

static void split_fail(const char *in, size_t len, const size_t *cuts, size_t ncuts,
                       struct buf *whole, struct buf *cut)
{
    struct buf msg = {0};
    buf_puts(&msg, "input \"");
    helpers_escape(in, len, &msg);
    buf_puts(&msg, "\" cut at");
    for (size_t i = 0; i < ncuts; i++) {
        buf_puts(&msg, " ");
        buf_put_u64(&msg, cuts[i]);
    }
    buf_puts(&msg, "\n  whole: ");
    helpers_escape(whole->data, whole->len, &msg);
    buf_puts(&msg, "\n  cut:   ");
    helpers_escape(cut->data, cut->len, &msg);
    ck_abort_msg("fragmentation changed the parse: %s", buf_cstr(&msg));
}

/* Whole against the cuts given; whole is parsed once by the caller. */
static void split_compare(const char *in, size_t len, const size_t *cuts, size_t ncuts,
                          const struct xmlstream_limits *lim, struct buf *whole)
{
    struct buf cut = {0};
    helpers_parse_cut(in, len, cuts, ncuts, lim, &cut);
    if (strcmp(buf_cstr(&cut), buf_cstr(whole)) != 0)
        split_fail(in, len, cuts, ncuts, whole, &cut);
    buf_free(&cut);
}

/* Every way of cutting in[0..len) at offsets from `from` (>= 1) on. */
static void split_every_way(const char *in, size_t len, size_t from,
                            const struct xmlstream_limits *lim)
{
    struct buf whole = {0};
    helpers_parse_cut(in, len, NULL, 0, lim, &whole);
    size_t m = len - from, cuts[8];
    assert(m < 8);
    for (unsigned mask = 1; mask < (1u << m); mask++) {
        size_t n = 0;
        for (size_t k = 0; k < m; k++)
            if (mask >> k & 1)
                cuts[n++] = from + k;
        split_compare(in, len, cuts, n, lim, &whole);
    }
    buf_free(&whole);
}

/* Loop index: context * alphabet + first byte; covers the empty input, the
 * one-byte input, and every 2- and 3-byte input starting with that byte. */
START_TEST(test_xmlstream_short_inputs_parse_alike_however_cut)
{
    const struct split_context *c = &split_contexts[(size_t)_i / SPLIT_ALPHABET_LEN];
    struct xmlstream_limits lim = {.idle_release = c->idle_release};
    size_t plen = strlen(c->prefix), from = plen ? plen : 1;
    char in[sizeof PRE + 64];
    assert(plen + 3 <= sizeof in);
    memcpy(in, c->prefix, plen);
    in[plen] = split_alphabet[(size_t)_i % SPLIT_ALPHABET_LEN];
    split_every_way(in, plen + 1, from, &lim);
    size_t stride = split_stride();
    for (size_t b = 0; b < SPLIT_ALPHABET_LEN; b++) {
        in[plen + 1] = split_alphabet[b];
        split_every_way(in, plen + 2, from, &lim);
        for (size_t d = 0; d < SPLIT_ALPHABET_LEN; d++) {
            if (((size_t)_i + b * SPLIT_ALPHABET_LEN + d) % stride != 0)
                continue;
            in[plen + 2] = split_alphabet[d];
            split_every_way(in, plen + 3, from, &lim);
        }
    }
}
END_TEST

/* XMPP and XML fragments the random inputs are built from. */
static const char *const split_tokens[] = {
    PRE, "<?xml version='1.0'?>", "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>",
    "</stream:stream>", "<message>", "</message>", "<a b='c'>", "</a>", "<x:y xmlns:x='urn:x'/>",
    "<auth xmlns='" SASL_NS "'/>", "&amp;", "&#0;", "&#x41;", "&lt", "<![CDATA[", "]]>", "<!--",
    "-->", "<?pi?>", "<!DOCTYPE x>", " xml:lang='en'", "\r\n", "\xef\xbb\xbf", "\xc3\xa9",
    "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xfe\xff", "\xff\xfe",
};

static unsigned long long split_rng(unsigned long long *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void split_random_input(unsigned long long *rng, struct buf *in)
{
    size_t ntokens = sizeof split_tokens / sizeof split_tokens[0];
    buf_clear(in);
    if (split_rng(rng) % 4 != 0)
        buf_puts(in, PRE);
    for (unsigned long long n = 1 + split_rng(rng) % 12; n > 0; n--) {
        if (split_rng(rng) % 3 == 0)
            buf_putc(in, split_alphabet[split_rng(rng) % SPLIT_ALPHABET_LEN]);
        else
            buf_puts(in, split_tokens[split_rng(rng) % ntokens]);
    }
}

#define SPLIT_RANDOM_INPUTS 50

/* Loop index: a seed. Each input against every single cut, one byte at a
 * time, and random cuts; with and without idle release. */
START_TEST(test_xmlstream_random_inputs_parse_alike_however_cut)
{
    unsigned long long rng = 0x9e3779b97f4a7c15ull * (unsigned long long)(_i + 1);
    struct buf in = {0}, whole = {0};
    size_t *cuts = NULL;
    for (size_t k = 0; k < SPLIT_RANDOM_INPUTS / split_stride(); k++) {
        split_random_input(&rng, &in);
        struct xmlstream_limits lim = {.idle_release = split_rng(&rng) % 4 == 0};
        buf_clear(&whole);
        helpers_parse_cut(in.data, in.len, NULL, 0, &lim, &whole);
        cuts = realloc(cuts, in.len * sizeof *cuts);
        for (size_t i = 1; i < in.len; i++) {
            cuts[i - 1] = i;
            split_compare(in.data, in.len, &cuts[i - 1], 1, &lim, &whole);
        }
        split_compare(in.data, in.len, cuts, in.len - 1, &lim, &whole);
        for (int r = 0; r < 4; r++) {
            size_t n = 0;
            for (size_t i = 1; i < in.len; i++)
                if (split_rng(&rng) % 8 == 0)
                    cuts[n++] = i;
            split_compare(in.data, in.len, cuts, n, &lim, &whole);
        }
    }
    free(cuts);
    buf_free(&in);
    buf_free(&whole);
}
END_TEST

/* RFC 6120 §11.6: the stream is UTF-8 whatever its first bytes and their
 * split. expat used to guess UTF-16 from a NUL or a UTF-16 byte order mark
 * in the first two bytes when both came in one chunk: "%\0" whole waited
 * for more UTF-16, cut after '%' it was not well-formed (a fuzz finding).
 * A UTF-8 byte order mark is the character U+FEFF, not allowed before the
 * stream's start tag. Checked at the stream's start and after a restart. */
static const struct encoding_case {
    const char *input;
    size_t len;
    unsigned long long offset;
} encoding_cases[] = {
#define ENCODING_CASE(bytes, offset) {bytes, sizeof bytes - 1, offset}
    ENCODING_CASE("%\0", 1),
    ENCODING_CASE("x\0<\0/\0>\0", 1),
    ENCODING_CASE("<\0s\0t\0r\0e\0a\0m\0", 1),
    ENCODING_CASE("\0<\0s\0t\0r", 0),
    ENCODING_CASE("\xff\xfe<\0", 0),
    ENCODING_CASE("\xfe\xff\0<", 0),
    ENCODING_CASE("\xef\xbb\xbf" PRE, 0),
#undef ENCODING_CASE
};

START_TEST(test_xmlstream_is_utf8_however_the_first_bytes_are_cut)
{
    const struct encoding_case *c = &encoding_cases[_i / 2];
    static const char restart[] = PRE "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
    size_t plen = _i % 2 ? sizeof restart - 1 : 0;
    struct buf in = {0}, whole = {0};
    buf_append(&in, restart, plen);
    buf_append(&in, c->input, c->len);
    ck_assert_int_eq(helpers_parse_cut(in.data, in.len, NULL, 0, NULL, &whole),
                     XMLSTREAM_E_MALFORMED);
    ck_assert_uint_eq(log_error_offset(&whole), plen + c->offset);
    size_t cuts[2 * sizeof PRE + 64];
    ck_assert_uint_le(in.len, sizeof cuts / sizeof cuts[0]);
    for (size_t i = 1; i < in.len; i++) {
        cuts[i - 1] = i;
        split_compare(in.data, in.len, &cuts[i - 1], 1, NULL, &whole);
    }
    split_compare(in.data, in.len, cuts, in.len - 1, NULL, &whole);
    buf_free(&in);
    buf_free(&whole);
}
END_TEST

/* Text of a CDATA section between stanzas left expat inside the section
 * with every byte consumed: an idle release then resumed outside it, and
 * the section's "<b/>" became a stanza when the input was cut there. */
START_TEST(test_xmlstream_idle_release_waits_for_a_cdata_section_end)
{
    static const char s[] = PRE "<![CDATA[<a/>x<b/>]]><c/>";
    static const struct xmlstream_limits release = {.idle_release = true};
    for (size_t chunk = 0; chunk <= 16; chunk++) {
        struct buf log = {0};
        ck_assert_int_eq(helpers_parse_log(s, sizeof s - 1, chunk, &release, &log),
                         XMLSTREAM_E_NONE);
        ck_assert_str_eq(buf_cstr(&log), "open ns=jabber:client;stanza <c/>;");
        buf_free(&log);
    }
}
END_TEST

Suite *xmlstream_suite(void)
{
    Suite *s = suite_create("xmlstream");
    TCase *tc = tcase_create("core");
    int nvalid = (int)(sizeof valid_streams / sizeof valid_streams[0]);
    tcase_add_loop_test(tc, test_xmlstream_one_byte_at_a_time_equals_whole, 0, nvalid);
    tcase_add_test(tc, test_xmlstream_events_are_exact);
    tcase_add_test(tc, test_xmlstream_mixed_content_keeps_its_order);
    tcase_add_test(tc, test_xmlstream_offsets_across_restart_and_reset);
    tcase_add_test(tc, test_xmlstream_header_fields);
    tcase_add_test(tc, test_xmlstream_content_namespace_is_per_stream);
    tcase_add_test(tc, test_xmlstream_reset_drops_the_stanza_being_parsed);
    tcase_add_loop_test(tc, test_xmlstream_out_of_memory_unwinds_anywhere, 0, 2);
    tcase_add_loop_test(tc, test_xmlstream_idle_release_changes_no_event, 0, nvalid);
    tcase_add_test(tc, test_xmlstream_warm_set_changes_no_event);
    tcase_add_test(tc, test_xmlstream_warm_set_shares_only_equal_start_tags);
    tcase_add_test(tc, test_xmlstream_warm_set_keeps_apart_tags_that_differ_in_a_prefix);
    tcase_add_test(tc, test_xmlstream_inject_stands_for_the_bytes);
    tcase_add_test(tc, test_xmlstream_inject_follows_the_limits);
    tcase_add_test(tc, test_xmlstream_inject_needs_the_default_namespace);
    tcase_add_test(tc, test_xmlstream_inject_after_and_with_a_stop);
    tcase_add_test(tc, test_xmlstream_idle_release_frees_the_parser);
    tcase_add_test(tc, test_xmlstream_inject_header_stands_for_the_bytes);
    tcase_add_test(tc, test_xmlstream_injected_stream_builds_no_parser);
    tcase_add_test(tc, test_xmlstream_inject_feeds_the_warm_set);
    tcase_add_test(tc, test_xmlstream_warm_set_reuses_freed_parsers);
    tcase_add_test(tc, test_xmlstream_warm_set_holds_resting_streams_only);
    tcase_add_test(tc, test_xmlstream_skipped_comment_is_not_counted_in_a_stanza);
    tcase_add_test(tc, test_xmlstream_idle_release_keeps_nothing_of_the_stanzas);
    tcase_add_test(tc, test_xmlstream_idle_release_keeps_errors_and_offsets);
    tcase_add_loop_test(tc, test_xmlstream_restricted_xml_table, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, test_xmlstream_error_has_line_and_column);
    tcase_add_test(tc, test_xmlstream_long_namespace_names);
    tcase_add_test(tc, test_xmlstream_endless_start_tag_is_too_big);
    tcase_add_test(tc, test_xmlstream_whitespace_keepalives_are_not_counted);
    tcase_add_test(tc, test_xmlstream_size_limit_is_inclusive);
    tcase_add_test(tc, test_xmlstream_restart_parses_the_rest_as_a_new_stream);
    tcase_add_test(tc, test_xmlstream_parse_element);
    tcase_add_loop_test(tc, test_xmlstream_round_trip, 0, nvalid);
    suite_add_tcase(s, tc);
    TCase *split = tcase_create("split");
    tcase_add_loop_test(split, test_xmlstream_short_inputs_parse_alike_however_cut, 0,
                        (int)(sizeof split_contexts / sizeof split_contexts[0] * SPLIT_ALPHABET_LEN));
    tcase_add_loop_test(split, test_xmlstream_random_inputs_parse_alike_however_cut, 0, 8);
    tcase_add_loop_test(split, test_xmlstream_is_utf8_however_the_first_bytes_are_cut, 0,
                        (int)(2 * sizeof encoding_cases / sizeof encoding_cases[0]));
    tcase_add_test(split, test_xmlstream_idle_release_waits_for_a_cdata_section_end);
    suite_add_tcase(s, split);
    return s;
}
