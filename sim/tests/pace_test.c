/* pace: when a ping may be written on a connection, whatever the
 * fragmentation of its bytes, and the answers taken out of the server's
 * traffic with nothing else touched. */
#include <check.h>
#include <string.h>

#include "base/count.h"
#include "live/pace.h"
#include "suites.h"

#define HEADER "<stream:stream xmlns='jabber:client' " \
               "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"
#define S_HEADER "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
                 "xmlns:stream='http://etherx.jabber.org/streams' id='x' from='localhost' " \
                 "version='1.0'>"
#define FEATURES "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>" \
                 "</stream:features>"
#define BIND_RESULT "<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>" \
                    "<jid>romeo@localhost/orchard</jid></bind></iq>"

/* Feeds bytes to the client side in pieces of chunk bytes (0: whole). */
static void client(struct pace_conn *pc, const char *bytes, size_t chunk)
{
    size_t len = strlen(bytes);
    for (size_t i = 0; i < len; i += chunk ? chunk : len)
        pace_conn_client(pc, bytes + i, chunk && len - i > chunk ? chunk : len - i);
}

/* Feeds server bytes whole; returns the answers taken out, out gets the rest. */
static size_t server(struct pace_conn *pc, const char *bytes, struct buf *out)
{
    return pace_conn_server(pc, bytes, strlen(bytes), false, out);
}

/* A connection bound as romeo@localhost/orchard. */
static void bound(struct pace_conn *pc, struct buf *out)
{
    client(pc, HEADER "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                      "<resource>orchard</resource></bind></iq>", 0);
    server(pc, S_HEADER FEATURES BIND_RESULT, out);
}

START_TEST(test_pace_knows_bound_and_negotiating)
{
    struct pace_conn pc = {0};
    struct buf out = {0};
    client(&pc, HEADER, 0);
    ck_assert(!pace_conn_can_ping(&pc));   /* no server header yet: no domain */
    server(&pc, S_HEADER FEATURES, &out);
    ck_assert(pace_conn_can_ping(&pc));
    ck_assert(!pc.bound);                  /* <bind/> among the features is no binding */
    client(&pc, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AA==</auth>", 3);
    ck_assert(!pace_conn_can_ping(&pc));
    server(&pc, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>",
           &out);
    ck_assert(pace_conn_can_ping(&pc));    /* a failed step leaves the stream as it was */
    client(&pc, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AA==</auth>", 0);
    server(&pc, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", &out);
    ck_assert(!pace_conn_can_ping(&pc));   /* the server resets: wait for the new stream */
    client(&pc, HEADER, 0);
    server(&pc, S_HEADER FEATURES, &out);
    ck_assert(pace_conn_can_ping(&pc));
    server(&pc, BIND_RESULT, &out);
    ck_assert(pc.bound);
    ck_assert(pace_conn_can_ping(&pc));
    buf_free(&out);
    pace_conn_free(&pc);
}
END_TEST

/* Client bytes after binding, and whether a ping may follow them. */
static const struct {
    const char *bytes;
    bool can_ping;
} afters[] = {
    {"<presence/>", true},
    {"<message to='a@localhost'><body>x &lt; y</body></message>\n ", true},
    {"<message to='a@localhost'><body>", false},          /* mid-stanza */
    {"<message to='a@localhost' id='>'", false},          /* mid-tag, '>' quoted */
    {"hello", false},                                     /* text at stream level */
    {"<enable xmlns='urn:xmpp:sm:3'/>", false},           /* stream management */
    {"<r xmlns='urn:xmpp:sm:3'/><presence/><!-- c -->", false},   /* cannot follow */
    {"</stream:stream>", false},
    {"</presence>", false},                               /* nothing open */
};

START_TEST(test_pace_follows_the_client_whatever_the_fragmentation)
{
    for (size_t chunk = 0; chunk < 8; chunk++) {
        struct pace_conn pc = {0};
        struct buf out = {0};
        bound(&pc, &out);
        client(&pc, afters[_i].bytes, chunk);
        ck_assert_msg(pace_conn_can_ping(&pc) == afters[_i].can_ping, "'%s' in pieces of %zu",
                      afters[_i].bytes, chunk);
        buf_free(&out);
        pace_conn_free(&pc);
    }
}
END_TEST

/* Why no ping may follow (after binding), and a header waiting for its answer. */
static const struct {
    const char *bytes;
    enum pace_end why;
} whys[] = {
    {"<presence/>", PACE_END_ROUNDTRIP},
    {"<message><body>", PACE_END_MID_STANZA},
    {"<presence", PACE_END_MID_STANZA},
    {"</stream:stream>", PACE_END_MID_STANZA},
    {"<enable xmlns='urn:xmpp:sm:3'/>", PACE_END_SM},
    {"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AA==</auth>",
     PACE_END_NEGOTIATING},
    {"<presence/><!-- c -->", PACE_END_UNTRACKED},
};

START_TEST(test_pace_says_why_no_ping)
{
    struct pace_conn pc = {0};
    struct buf out = {0};
    bound(&pc, &out);
    client(&pc, whys[_i].bytes, 0);
    ck_assert_str_eq(pace_end_name(pace_conn_why_not(&pc)), pace_end_name(whys[_i].why));
    ck_assert(!pace_conn_header_due(&pc));   /* the server's stream is open */
    buf_free(&out);
    pace_conn_free(&pc);
}
END_TEST

START_TEST(test_pace_header_due_until_answered)
{
    struct pace_conn pc = {0};
    struct buf out = {0};
    client(&pc, HEADER, 5);
    ck_assert(pace_conn_header_due(&pc));
    ck_assert_str_eq(pace_end_name(pace_conn_why_not(&pc)), "no-stream");
    server(&pc, S_HEADER, &out);
    ck_assert(!pace_conn_header_due(&pc));
    ck_assert(pace_conn_can_ping(&pc));
    pace_conn_free(&pc);
    memset(&pc, 0, sizeof pc);
    client(&pc, "<?xml version='1.0'?><stream:str", 0);
    ck_assert(!pace_conn_header_due(&pc));   /* half a header: nothing to answer yet */
    buf_free(&out);
    pace_conn_free(&pc);
}
END_TEST

START_TEST(test_pace_takes_out_answers_and_nothing_else)
{
    struct pace_conn pc = {0};
    struct buf out = {0}, ping = {0};
    bound(&pc, &out);
    buf_clear(&out);
    pace_conn_ping(&pc, 1, &ping);
    pace_conn_ping(&pc, 2, &ping);
    ck_assert_str_eq(buf_cstr(&ping),
                     "<iq type='get' id='" PACE_ID_PREFIX "1' to='localhost'>"
                     "<ping xmlns='urn:xmpp:ping'/></iq>"
                     "<iq type='get' id='" PACE_ID_PREFIX "2' to='localhost'>"
                     "<ping xmlns='urn:xmpp:ping'/></iq>");
    ck_assert_uint_eq(pc.pending, 2);
    ck_assert_uint_eq(server(&pc, "<message id='m'><body>a</body></message>"
                                  "<iq from='localhost' type='result' id='" PACE_ID_PREFIX "1'/>"
                                  "<presence/><iq type='error' id='" PACE_ID_PREFIX "2'>"
                                  "<error type='cancel'><x/></error>",
                              &out),
                      1);
    ck_assert_str_eq(buf_cstr(&out), "<message id='m'><body>a</body></message><presence/>");
    ck_assert_uint_eq(server(&pc, "</iq><iq type='result' id='p1'/>", &out), 1);
    ck_assert_str_eq(buf_cstr(&out), "<message id='m'><body>a</body></message><presence/>"
                                     "<iq type='result' id='p1'/>");
    ck_assert_uint_eq(pc.pending, 0);
    buf_free(&ping);
    buf_free(&out);
    pace_conn_free(&pc);
}
END_TEST

START_TEST(test_pace_ended_stream_answers_nothing_more)
{
    struct pace_conn pc = {0};
    struct buf out = {0}, ping = {0};
    bound(&pc, &out);
    pace_conn_ping(&pc, 1, &ping);
    server(&pc, "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                "</stream:error></stream:stream>", &out);
    ck_assert(!pc.sopen);
    ck_assert(pc.sclosed);
    ck_assert(!pace_conn_can_ping(&pc));
    pace_conn_server(&pc, NULL, 0, true, &out);
    ck_assert_uint_eq(pc.pending, 0);
    buf_free(&ping);
    buf_free(&out);
    pace_conn_free(&pc);
}
END_TEST

START_TEST(test_pace_mode_names_round_trip)
{
    enum pace_mode m;
    ck_assert(pace_mode_parse("roundtrip", &m) && m == PACE_ROUNDTRIP);
    ck_assert(pace_mode_parse("settle", &m) && m == PACE_SETTLE);
    ck_assert(!pace_mode_parse("fast", &m));
    ck_assert_str_eq(pace_mode_name(PACE_ROUNDTRIP), "roundtrip");
    ck_assert_str_eq(pace_mode_name(PACE_SETTLE), "settle");
}
END_TEST

Suite *pace_suite(void)
{
    Suite *s = suite_create("pace");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_pace_knows_bound_and_negotiating);
    tcase_add_loop_test(tc, test_pace_follows_the_client_whatever_the_fragmentation, 0,
                        COUNT(afters));
    tcase_add_loop_test(tc, test_pace_says_why_no_ping, 0, COUNT(whys));
    tcase_add_test(tc, test_pace_header_due_until_answered);
    tcase_add_test(tc, test_pace_takes_out_answers_and_nothing_else);
    tcase_add_test(tc, test_pace_ended_stream_answers_nothing_more);
    tcase_add_test(tc, test_pace_mode_names_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
