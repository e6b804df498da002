/* norm: stamps and stream ids rewritten in a server byte stream whatever
 * its fragmentation, DateTime recognition and formatting, client ids, and
 * the tree normalisation used to compare two targets' traffic. */
#include <check.h>
#include <string.h>

#include "live/norm.h"
#include "base/count.h"
#include "suites.h"
#include "model/xmlstream.h"

#define STAMP "2025-05-13T10:00:00Z"

/* ---- DateTime ---- */

static const struct {
    unsigned long long ms;
    const char *text;
} stamps[] = {
    {0, "1970-01-01T00:00:00Z"},
    {1747130400000ull, "2025-05-13T10:00:00Z"},
    {1747130400999ull, "2025-05-13T10:00:00Z"},
    {951782400000ull, "2000-02-29T00:00:00Z"},
    {4102444799000ull, "2099-12-31T23:59:59Z"},
    {1709251199000ull, "2024-02-29T23:59:59Z"},
};

START_TEST(test_norm_stamp_format_is_utc_whole_seconds)
{
    char out[NORM_STAMP_SIZE];
    norm_stamp_format(stamps[_i].ms, out);
    ck_assert_str_eq(out, stamps[_i].text);
}
END_TEST

static const struct {
    const char *text;
    bool valid;
} datetimes[] = {
    {"2025-05-13T10:00:00Z", true},
    {"2025-05-13T10:00:00.123Z", true},
    {"2025-05-13T10:00:00+02:00", true},
    {"2025-05-13T10:00:00-11:30", true},
    {"2025-05-13T10:00:00", false},
    {"2025-05-13T10:00:00.Z", false},
    {"2025-05-13 10:00:00Z", false},
    {"20250513T10:00:00", false},
    {"2025-05-13T10:00:00ZZ", false},
    {"hello", false},
    {"", false},
};

START_TEST(test_norm_is_datetime_follows_xep_0082)
{
    const char *t = datetimes[_i].text;
    ck_assert_int_eq(norm_is_datetime(t, strlen(t)), datetimes[_i].valid);
}
END_TEST

/* ---- the server stream ---- */

static const struct {
    const char *in;
    const char *out;
} streams[] = {
    {"<message><delay xmlns='urn:xmpp:delay' from='localhost' stamp='2031-01-02T03:04:05Z'/>"
     "</message>",
     "<message><delay xmlns='urn:xmpp:delay' from='localhost' stamp='" STAMP "'/></message>"},
    {"<delay stamp=\"2031-01-02T03:04:05.5Z\" from='x'/>",
     "<delay stamp=\"" STAMP "\" from='x'/>"},
    {"<?xml version='1.0'?><stream:stream xmlns='jabber:client' id='a1b2' from='localhost'>",
     "<?xml version='1.0'?><stream:stream xmlns='jabber:client' id='" NORM_STREAM_ID
     "' from='localhost'>"},
    {"<delay stamp='not a date'/>", "<delay stamp='not a date'/>"},
    {"<x stamp='2031-01-02T03:04:05Z'/>", "<x stamp='2031-01-02T03:04:05Z'/>"},
    {"<stream id='s'/>", "<stream id='s'/>"},
    {"<body>stamp='2031-01-02T03:04:05Z' &gt; <delay/></body>",
     "<body>stamp='2031-01-02T03:04:05Z' &gt; <delay/></body>"},
    {"<delay a='>' stamp='2031-01-02T03:04:05Z'/>", "<delay a='>' stamp='" STAMP "'/>"},
    {"</stream:stream>", "</stream:stream>"},
};

static void feed_split(const char *in, size_t piece, struct buf *out)
{
    struct norm_stream ns = {0};
    size_t len = strlen(in);
    for (size_t i = 0; i < len; i += piece)
        norm_stream_feed(&ns, in + i, len - i < piece ? len - i : piece, false, STAMP, out);
    norm_stream_feed(&ns, NULL, 0, true, STAMP, out);
    norm_stream_free(&ns);
}

START_TEST(test_norm_stream_rewrites_whatever_the_fragmentation)
{
    static const size_t pieces[] = {1, 2, 3, 7, 64, 4096};
    for (size_t k = 0; k < COUNT(pieces); k++) {
        struct buf out = {0};
        feed_split(streams[_i].in, pieces[k], &out);
        ck_assert_str_eq(buf_cstr(&out), streams[_i].out);
        buf_free(&out);
    }
}
END_TEST

START_TEST(test_norm_stream_holds_an_unfinished_tag_until_final)
{
    struct norm_stream ns = {0};
    struct buf out = {0};
    norm_stream_feed(&ns, "<a>text<delay stamp='2031", 25, false, STAMP, &out);
    ck_assert_str_eq(buf_cstr(&out), "<a>text");
    norm_stream_feed(&ns, "-01", 3, false, STAMP, &out);
    ck_assert_str_eq(buf_cstr(&out), "<a>text");
    norm_stream_feed(&ns, NULL, 0, true, STAMP, &out);
    ck_assert_str_eq(buf_cstr(&out), "<a>text<delay stamp='2031-01");
    norm_stream_free(&ns);
    buf_free(&out);
}
END_TEST

/* ---- ids and trees ---- */

START_TEST(test_norm_ids_collect_start_tags_only_decoded)
{
    struct match_vars ids = {0};
    const char *sent = "<iq id='r1' type='get'/><message id=\"a&amp;b\"><x id='in'/></message>"
                       "</iq id='no'><presence>";
    norm_ids_collect(sent, strlen(sent), &ids);
    ck_assert_ptr_nonnull(match_vars_get(&ids, "r1"));
    ck_assert_ptr_nonnull(match_vars_get(&ids, "a&b"));
    ck_assert_ptr_nonnull(match_vars_get(&ids, "in"));
    ck_assert_ptr_null(match_vars_get(&ids, "no"));
    ck_assert_int_eq(ids.len, 3);
    match_vars_free(&ids);
}
END_TEST

static struct stanza *parse(const char *xml)
{
    enum xmlstream_error err;
    unsigned long line, col;
    struct stanza *st = xmlstream_parse_element(xml, strlen(xml), STANZA_NS_CLIENT, &err, &line,
                                                &col);
    ck_assert_ptr_nonnull(st);
    return st;
}

static const struct {
    const char *in;
    const char *out;
} trees[] = {
    {"<iq type='set' id='x7Yz'><query xmlns='jabber:iq:roster'/></iq>",
     "<iq type='set' id='{any}'><query xmlns='jabber:iq:roster'/></iq>"},
    {"<iq type='result' id='r1' xml:lang='en'/>", "<iq type='result' id='r1'/>"},
    {"<message xml:lang='en'><body xml:lang='de'>x</body>"
     "<delay xmlns='urn:xmpp:delay' stamp='" STAMP "'/></message>",
     "<message><body>x</body><delay xmlns='urn:xmpp:delay' stamp='" STAMP "'/></message>"},
    {"<presence/>", "<presence/>"},
    {"<resumed xmlns='urn:xmpp:sm:3' h='0' previd='vXMi'/>",
     "<resumed xmlns='urn:xmpp:sm:3' h='0' previd='{any}'/>"},
    {"<failed xmlns='urn:xmpp:sm:2' previd='vXMi'/>",
     "<failed xmlns='urn:xmpp:sm:2' previd='{any}'/>"},
    {"<message previd='r1'/>", "<message previd='r1'/>"},
    {"<iq type='result' id='r1'><query xmlns='jabber:iq:roster' "
     "ver='f2fc5331b253f0fab645c19375de9e557ec5e196'/></iq>",
     "<iq type='result' id='r1'><query xmlns='jabber:iq:roster' ver='{any}'/></iq>"},
    {"<iq type='result' id='r1'><query xmlns='jabber:iq:roster' ver='12'/></iq>",
     "<iq type='result' id='r1'><query xmlns='jabber:iq:roster' ver='12'/></iq>"},
    {"<iq type='result' id='r1'><query xmlns='jabber:iq:roster' "
     "ver='f2fc5331b253f0fab645c19375de9e557ec5e19g'/></iq>",
     "<iq type='result' id='r1'><query xmlns='jabber:iq:roster' "
     "ver='f2fc5331b253f0fab645c19375de9e557ec5e19g'/></iq>"},
    {"<iq type='result' id='r1'><query xmlns='jabber:iq:private' "
     "ver='f2fc5331b253f0fab645c19375de9e557ec5e196'/></iq>",
     "<iq type='result' id='r1'><query xmlns='jabber:iq:private' "
     "ver='f2fc5331b253f0fab645c19375de9e557ec5e196'/></iq>"},
};

START_TEST(test_norm_stanza_compare_blanks_server_choices)
{
    struct match_vars ids = {0};
    match_vars_set(&ids, "r1", "");
    struct stanza *st = parse(trees[_i].in);
    norm_stanza_compare(st, &ids);
    struct buf out = {0};
    stanza_serialize(stanza_root(st), STANZA_NS_CLIENT, false, &out);
    ck_assert_str_eq(buf_cstr(&out), trees[_i].out);
    buf_free(&out);
    stanza_free(st);
    match_vars_free(&ids);
}
END_TEST

Suite *norm_suite(void)
{
    Suite *s = suite_create("norm");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_norm_stamp_format_is_utc_whole_seconds, 0, COUNT(stamps));
    tcase_add_loop_test(tc, test_norm_is_datetime_follows_xep_0082, 0, COUNT(datetimes));
    tcase_add_loop_test(tc, test_norm_stream_rewrites_whatever_the_fragmentation, 0,
                        COUNT(streams));
    tcase_add_test(tc, test_norm_stream_holds_an_unfinished_tag_until_final);
    tcase_add_test(tc, test_norm_ids_collect_start_tags_only_decoded);
    tcase_add_loop_test(tc, test_norm_stanza_compare_blanks_server_choices, 0, COUNT(trees));
    suite_add_tcase(s, tc);
    return s;
}
