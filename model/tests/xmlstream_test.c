/* xmlstream: fragmentation equivalence, restricted XML, limits, restart. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "suites.h"
#include "xmlstream.h"

#define HDR "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
            "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

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

struct bad_case {
    const char *input;
    enum xmlstream_error error;
    unsigned long long offset;   /* where the error is reported */
};

#define PRE "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
#define PRE_LEN 85

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
    struct xmlstream *p = xmlstream_new(&cb, &log, NULL, 1);
    xmlstream_feed(p, s, sizeof s - 1);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_COMMENT);
    ck_assert_uint_eq(xmlstream_error_line(p), 3);
    ck_assert_uint_eq(xmlstream_error_column(p), 3);
    ck_assert_str_eq(xmlstream_error_text(XMLSTREAM_E_COMMENT), "comment is not allowed");
    xmlstream_feed(p, "<presence/>", 11);   /* ignored after the error */
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_COMMENT);
    xmlstream_reset(p);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_NONE);
    xmlstream_free(p);
    buf_free(&log);
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
    struct xmlstream *p = xmlstream_new(&cb, &log, &small_limits, 1);
    xmlstream_feed(p, PRE "<message to='", PRE_LEN + 13);
    for (int i = 0; i < 20 && xmlstream_error(p) == XMLSTREAM_E_NONE; i++)
        xmlstream_feed(p, "aaaaaaaaaaaaaaaa", 16);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_TOO_BIG);
    xmlstream_free(p);
    buf_free(&log);
}
END_TEST

START_TEST(test_xmlstream_whitespace_keepalives_are_not_counted)
{
    struct buf log = {0};
    struct xmlstream_callbacks cb = {0};
    struct xmlstream *p = xmlstream_new(&cb, &log, &small_limits, 1);
    xmlstream_feed(p, PRE, PRE_LEN);
    for (int i = 0; i < 100; i++)
        xmlstream_feed(p, "    \n", 5);
    ck_assert_int_eq(xmlstream_error(p), XMLSTREAM_E_NONE);
    xmlstream_free(p);
    buf_free(&log);
}
END_TEST

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
        r.p = xmlstream_new(&cb, &r, NULL, 7);
        for (size_t off = 0; off < sizeof s - 1; off += chunk)
            xmlstream_feed(r.p, s + off, sizeof s - 1 - off < chunk ? sizeof s - 1 - off : chunk);
        ck_assert_str_eq(buf_cstr(&r.log), "open 1;auth;open 2;iq;stop;");
        ck_assert_int_eq(xmlstream_error(r.p), XMLSTREAM_E_NONE);
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
    static const char text[] = "hello <a/>";
    ck_assert_ptr_null(xmlstream_parse_element(text, sizeof text - 1, "", &e, &line, &col));
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

Suite *xmlstream_suite(void)
{
    Suite *s = suite_create("xmlstream");
    TCase *tc = tcase_create("core");
    int nvalid = (int)(sizeof valid_streams / sizeof valid_streams[0]);
    tcase_add_loop_test(tc, test_xmlstream_one_byte_at_a_time_equals_whole, 0, nvalid);
    tcase_add_test(tc, test_xmlstream_events_are_exact);
    tcase_add_loop_test(tc, test_xmlstream_idle_release_changes_no_event, 0, nvalid);
    tcase_add_test(tc, test_xmlstream_idle_release_keeps_errors_and_offsets);
    tcase_add_loop_test(tc, test_xmlstream_restricted_xml_table, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, test_xmlstream_error_has_line_and_column);
    tcase_add_test(tc, test_xmlstream_long_namespace_names);
    tcase_add_test(tc, test_xmlstream_endless_start_tag_is_too_big);
    tcase_add_test(tc, test_xmlstream_whitespace_keepalives_are_not_counted);
    tcase_add_test(tc, test_xmlstream_restart_parses_the_rest_as_a_new_stream);
    tcase_add_test(tc, test_xmlstream_parse_element);
    tcase_add_loop_test(tc, test_xmlstream_round_trip, 0, nvalid);
    suite_add_tcase(s, tc);
    return s;
}
