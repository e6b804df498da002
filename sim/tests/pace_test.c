/* pace: when a ping (or, with stream management on, an <r/> probe) may
 * be written on a connection, whatever the fragmentation of its bytes,
 * and the answers taken out of the server's traffic with nothing else
 * touched. */
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
    {"<enable xmlns='urn:xmpp:sm:3'/>", PACE_END_SM_ASKED},
    {"<presence/><sm:resume xmlns:sm='urn:xmpp:sm:3' previd='x' h='0'/>", PACE_END_SM_ASKED},
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

#define ENABLE "<enable xmlns='urn:xmpp:sm:3' resume='true'/>"
#define ENABLED "<enabled xmlns='urn:xmpp:sm:3' id='t' resume='true' max='600'/>"
#define FAILED "<failed xmlns='urn:xmpp:sm:3'><unexpected-request " \
               "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>"
#define PROBE "<r xmlns='urn:xmpp:sm:2'/>"

/* What pace_conn_ping writes on pc now: "ping", "probe", or "none" when
 * nothing may follow. */
static const char *round_trip(struct pace_conn *pc)
{
    if (!pace_conn_can_ping(pc))
        return "none";
    struct buf b = {0};
    bool probe = pace_conn_ping(pc, 7, &b);
    ck_assert_str_eq(buf_cstr(&b), probe ? PROBE
                                         : "<iq type='get' id='" PACE_ID_PREFIX "7' "
                                           "to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
    buf_free(&b);
    return probe ? "probe" : "ping";
}

START_TEST(test_pace_probes_only_once_enabled)
{
    struct pace_conn pc = {0};
    struct buf out = {0};
    bound(&pc, &out);
    client(&pc, ENABLE, 4);
    ck_assert(pace_conn_sm_due(&pc));
    ck_assert_str_eq(round_trip(&pc), "none");   /* nothing before the answer */
    server(&pc, ENABLED, &out);
    ck_assert(!pace_conn_sm_due(&pc));
    ck_assert_uint_eq(pace_conn_probe_ns(&pc), PACE_SM2);
    ck_assert_str_eq(round_trip(&pc), "probe");
    ck_assert_uint_eq(pc.probes, 1);
    client(&pc, ENABLE, 0);                       /* a second enable fails ... */
    ck_assert_str_eq(round_trip(&pc), "none");
    server(&pc, FAILED, &out);
    ck_assert_str_eq(round_trip(&pc), "probe");   /* ... and leaves it on */
    client(&pc, "<r xmlns='urn:xmpp:sm:2'/>", 0);  /* the client takes the probe's namespace */
    ck_assert_str_eq(pace_end_name(pace_conn_why_not(&pc)), "sm");
    buf_free(&out);
    pace_conn_free(&pc);
}
END_TEST

START_TEST(test_pace_pings_after_failed)
{
    struct pace_conn pc = {0};
    struct buf out = {0};
    client(&pc, HEADER, 0);
    server(&pc, S_HEADER FEATURES, &out);
    client(&pc, ENABLE, 0);                       /* before binding: refused */
    ck_assert_str_eq(round_trip(&pc), "none");
    server(&pc, FAILED, &out);
    ck_assert(!pace_conn_sm_due(&pc));
    ck_assert_uint_eq(pace_conn_probe_ns(&pc), 0);
    ck_assert_str_eq(round_trip(&pc), "ping");    /* no stream management: a ping counts nowhere */
    buf_free(&out);
    pace_conn_free(&pc);
}
END_TEST

START_TEST(test_pace_resumed_is_bound_and_probed_in_the_other_namespace)
{
    struct pace_conn pc = {0};
    struct buf out = {0};
    client(&pc, HEADER "<resume xmlns='urn:xmpp:sm:2' previd='t' h='0'/>", 0);
    server(&pc, S_HEADER, &out);
    ck_assert_str_eq(round_trip(&pc), "none");
    server(&pc, "<resumed xmlns='urn:xmpp:sm:2' h='0' previd='t'/>", &out);
    ck_assert(pc.bound && pc.resumed);
    ck_assert_uint_eq(pace_conn_probe_ns(&pc), PACE_SM3);
    struct buf b = {0};
    ck_assert(pace_conn_ping(&pc, 1, &b));
    ck_assert_str_eq(buf_cstr(&b), "<r xmlns='urn:xmpp:sm:3'/>");
    buf_free(&b);
    buf_free(&out);
    pace_conn_free(&pc);
}
END_TEST

/* The server's bytes after two probes on an enabled connection, of which
 * nobody waits for the first any more, and a third probe; one tag a
 * piece: the scenario's own answer, the server's request, the last <a/>
 * of a close all stay; the probes' answers (one of them split over two
 * reads) go, and only the third's stands for a probe waited for. */
static const struct {
    const char *bytes;
    size_t answers;
} sm_pieces[] = {
    {"<a xmlns='urn:xmpp:sm:3' h='1'/>", 0},
    {"<a xmlns='urn:xmpp:sm:2' h='1'/>", 0},   /* the first probe's: late */
    {"<message id='m'>", 0},
    {"<body>", 0},
    {"a", 0},
    {"</body>", 0},
    {"</message>", 0},
    {"<r xmlns='urn:xmpp:sm:3'/>", 0},
    {"<a xmlns='urn:xmpp:sm:2' h='1'>", 0},   /* the second probe's */
    {"</a>", 1},
    {"<a xmlns='urn:xmpp:sm:2' h='1'/>", 1},  /* the third probe's */
    {"<a xmlns='urn:xmpp:sm:2' h='1'/>", 0},  /* no probe out: not the harness's */
    {"<a xmlns='urn:xmpp:sm:3' h='1'/>", 0},
    {"</stream:stream>", 0},
};

START_TEST(test_pace_takes_out_probe_answers_and_nothing_else)
{
    struct pace_conn pc = {0};
    struct buf out = {0}, probe = {0};
    bound(&pc, &out);
    client(&pc, ENABLE, 0);
    server(&pc, ENABLED, &out);
    buf_clear(&out);
    ck_assert(pace_conn_ping(&pc, 1, &probe));
    pace_conn_give_up(&pc);   /* a settle gave up waiting: the answer is still taken out */
    ck_assert_uint_eq(pc.pending, 0);
    ck_assert(pace_conn_ping(&pc, 2, &probe) && pace_conn_ping(&pc, 3, &probe));
    ck_assert_uint_eq(pc.pending, 2);
    for (size_t i = 0; i < COUNT(sm_pieces); i++)
        ck_assert_msg(server(&pc, sm_pieces[i].bytes, &out) == sm_pieces[i].answers,
                      "piece %zu: %s", i, buf_cstr(&out));
    ck_assert_uint_eq(pc.pending, 0);
    ck_assert_uint_eq(pc.probes, 0);
    ck_assert_str_eq(buf_cstr(&out), "<a xmlns='urn:xmpp:sm:3' h='1'/>"
                                     "<message id='m'><body>a</body></message>"
                                     "<r xmlns='urn:xmpp:sm:3'/>"
                                     "<a xmlns='urn:xmpp:sm:2' h='1'/>"
                                     "<a xmlns='urn:xmpp:sm:3' h='1'/></stream:stream>");
    buf_free(&probe);
    buf_free(&out);
    pace_conn_free(&pc);
}
END_TEST

/* Only an iq result or error with the id of a ping written since the last
 * give-up stands for a ping; a late answer, one to no ping written, or a
 * request with the harness's prefix is taken out and stands for nothing,
 * so that it never ends a step before the server has read the step's
 * bytes (it answers in order). */
START_TEST(test_pace_late_ping_answer_stands_for_nothing)
{
    struct pace_conn pc = {0};
    struct buf out = {0}, ping = {0};
    bound(&pc, &out);
    buf_clear(&out);
    pace_conn_ping(&pc, 4, &ping);
    pace_conn_give_up(&pc);
    ck_assert_uint_eq(pc.pending, 0);
    pace_conn_ping(&pc, 9, &ping);
    ck_assert_uint_eq(pc.pending, 1);
    ck_assert_uint_eq(server(&pc, "<iq type='result' id='" PACE_ID_PREFIX "4'/>"
                                  "<iq type='result' id='" PACE_ID_PREFIX "10'/>"
                                  "<iq type='result' id='" PACE_ID_PREFIX "9x'/>"
                                  "<iq type='get' id='" PACE_ID_PREFIX "9'><ping "
                                  "xmlns='urn:xmpp:ping'/></iq><presence/>",
                              &out),
                      0);
    ck_assert_uint_eq(pc.pending, 1);
    ck_assert_str_eq(buf_cstr(&out), "<presence/>");
    ck_assert_uint_eq(server(&pc, "<iq type='error' id='" PACE_ID_PREFIX "9'/>", &out), 1);
    ck_assert_uint_eq(pc.pending, 0);
    ck_assert_str_eq(buf_cstr(&out), "<presence/>");
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
    tcase_add_test(tc, test_pace_probes_only_once_enabled);
    tcase_add_test(tc, test_pace_pings_after_failed);
    tcase_add_test(tc, test_pace_resumed_is_bound_and_probed_in_the_other_namespace);
    tcase_add_test(tc, test_pace_takes_out_probe_answers_and_nothing_else);
    tcase_add_test(tc, test_pace_late_ping_answer_stands_for_nothing);
    tcase_add_test(tc, test_pace_mode_names_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
