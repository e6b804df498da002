/* model: the byte-level facade end to end (stream, SASL, bind, presence,
 * conflicts, close and drop), reading raw output bytes. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "invariant.h"
#include "model.h"
#include "suites.h"

#define HDR "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
            "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"
/* base64("\0romeo\0password") */
#define AUTH_ROMEO "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" \
                   "AHJvbWVvAHBhc3N3b3Jk</auth>"

static struct model *new_model(enum model_conflict conflict)
{
    struct model_config c;
    model_config_default(&c);
    c.conflict = conflict;
    struct model *m = model_new(&c, 1);
    ck_assert(model_account_create(m, "romeo", "password"));
    ck_assert(!model_account_create(m, "Romeo", "x"));   /* normalised, taken */
    ck_assert(model_account_create(m, "juliet", "password"));
    return m;
}

static void send(struct model *m, unsigned c, const char *s)
{
    model_input(m, c, s, strlen(s));
    struct invariant_violation v[4];
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
}

/* Drains conn's output into a static buffer. */
static const char *drain(struct model *m, unsigned c)
{
    static char out[65536];
    size_t len;
    const char *o = model_output(m, c, &len);
    ck_assert_uint_lt(len, sizeof out);
    memcpy(out, o, len);
    out[len] = '\0';
    model_output_consume(m, c, len);
    return out;
}

static unsigned login(struct model *m, const char *resource)
{
    unsigned c = model_connect(m);
    send(m, c, HDR AUTH_ROMEO HDR);
    const char *o = drain(m, c);
    ck_assert_ptr_nonnull(strstr(o, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"));
    ck_assert_ptr_nonnull(strstr(o, "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"));
    char bind[256] = "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                     "<resource>";
    strcat(bind, resource);
    strcat(bind, "</resource></bind></iq>");
    send(m, c, bind);
    return c;
}

START_TEST(test_model_login_bind_presence_close)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = login(m, "orchard");
    ck_assert_str_eq(drain(m, c), "<iq type='result' id='b'><bind xmlns='urn:ietf:params:xml:"
                                  "ns:xmpp-bind'><jid>romeo@localhost/orchard</jid></bind></iq>");
    struct model_session_info info;
    ck_assert(model_session_info(m, c, &info));
    ck_assert(info.connected && !info.available && !info.interested);
    send(m, c, "<presence><priority>300</priority><show>away</show></presence>");
    ck_assert_str_eq(drain(m, c), "<presence from='romeo@localhost/orchard'><priority>300"
                                  "</priority><show>away</show></presence>");
    model_session_info(m, c, &info);
    ck_assert(info.available);
    ck_assert_int_eq(info.priority, 127);
    ck_assert_str_eq(info.show, "away");
    send(m, c, "</stream:stream>");
    ck_assert_str_eq(drain(m, c), "</stream:stream>");
    ck_assert(model_closed(m, c));
    ck_assert_uint_eq(model_session_count(m), 0);
    model_free(m);
}
END_TEST

START_TEST(test_model_kick_old_tells_other_resources)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned a = login(m, "orchard"), b = login(m, "balcony");
    send(m, a, "<presence/>");
    send(m, b, "<presence/>");
    drain(m, a);
    drain(m, b);
    unsigned a2 = login(m, "orchard");
    ck_assert(model_closed(m, a));
    ck_assert_str_eq(drain(m, a), "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-"
                                  "streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
                                  "Replaced by new connection</text></stream:error>"
                                  "</stream:stream>");
    ck_assert_str_eq(drain(m, b), "<presence type='unavailable' from='romeo@localhost/orchard' "
                                  "to='romeo@localhost/balcony'><status>Disconnected: Replaced by "
                                  "new connection</status></presence>");
    ck_assert_ptr_nonnull(strstr(drain(m, a2), "<jid>romeo@localhost/orchard</jid>"));
    model_hangup(m, b);
    ck_assert_uint_eq(model_session_count(m), 1);
    model_free(m);
}
END_TEST

START_TEST(test_model_reject_new_and_random)
{
    struct model *m = new_model(MODEL_CONFLICT_REJECT_NEW);
    unsigned a = login(m, "orchard");
    drain(m, a);
    unsigned b = login(m, "orchard");
    ck_assert_ptr_nonnull(strstr(drain(m, b), "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-"
                                              "stanzas'/><text xmlns='urn:ietf:params:xml:ns:"
                                              "xmpp-stanzas'>Resource already exists</text>"));
    ck_assert(!model_closed(m, a));
    model_free(m);
    m = new_model(MODEL_CONFLICT_RANDOM);
    a = login(m, "orchard");
    drain(m, a);
    b = login(m, "orchard");
    const char *o = drain(m, b);
    ck_assert_ptr_nonnull(strstr(o, "<jid>romeo@localhost/"));
    ck_assert_ptr_null(strstr(o, "/orchard</jid>"));
    /* A7/X4: a generated resource is 12 URL-safe characters */
    struct model_session_info info;
    ck_assert(model_session_info(m, b, &info));
    ck_assert_uint_eq(strlen(info.resource), 12);
    ck_assert_uint_eq(strspn(info.resource, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_"), 12);
    unsigned c = login(m, "");   /* A7: an empty resource gets a generated one too */
    ck_assert(model_session_info(m, c, &info));
    ck_assert_uint_eq(strlen(info.resource), 12);
    ck_assert_uint_eq(strspn(info.resource, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_"), 12);
    model_free(m);
}
END_TEST

START_TEST(test_model_stream_errors)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = model_connect(m);
    send(m, c, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/"
               "streams' to='example.net' version='1.0'>");
    const char *o = drain(m, c);
    ck_assert_ptr_nonnull(strstr(o, "<host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                                    "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>This server "
                                    "does not serve example.net</text>"));
    ck_assert(model_closed(m, c));
    c = model_connect(m);
    send(m, c, HDR "<!-- no -->");
    ck_assert_ptr_nonnull(strstr(drain(m, c), "<not-well-formed "));
    c = model_connect(m);
    send(m, c, HDR "<foo/>");
    ck_assert_ptr_nonnull(strstr(drain(m, c), "<unsupported-stanza-type "));
    c = model_connect(m);
    send(m, c, HDR "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                   "AHJvbWVvAHdyb25n</auth>");
    ck_assert_ptr_nonnull(strstr(drain(m, c), "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                                              "<not-authorized/><text>Unable to authorize"));
    ck_assert(!model_closed(m, c));
    model_restart(m);
    ck_assert(model_closed(m, c));
    ck_assert_uint_eq(model_session_count(m), 0);
    ck_assert_str_eq(model_account_at(m, 0), "juliet");
    model_free(m);
}
END_TEST

/* S3 and EJ28: a stanza over SEMANTICS 0.8's 256 KiB limit ends the
 * stream with policy-violation "XML stanza is too big"; Prosody adds the
 * <stanza-too-big/> condition of urn:xmpp:errors, ejabberd does not. */
START_TEST(test_model_too_big_per_profile)
{
    static const enum model_profile profiles[] = {MODEL_PROFILE_PROSODY, MODEL_PROFILE_EJABBERD};
    static char big[300000];
    size_t n = (size_t)snprintf(big, sizeof big, "<message to='juliet@localhost'><body>");
    memset(big + n, 'x', sizeof big - n - 1);
    for (size_t i = 0; i < 2; i++) {
        struct model_config cfg;
        model_config_default(&cfg);
        cfg.profile = profiles[i];
        struct model *m = model_new(&cfg, 1);
        ck_assert(model_account_create(m, "romeo", "password"));
        unsigned c = model_connect(m);
        send(m, c, HDR AUTH_ROMEO HDR "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:"
                   "ns:xmpp-bind'><resource>orchard</resource></bind></iq>");
        drain(m, c);
        struct model_session_info info;
        ck_assert(model_session_info(m, c, &info) && info.connected);
        send(m, c, big);
        const char *o = drain(m, c);
        ck_assert_ptr_nonnull(strstr(o, "<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-"
                                        "streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-"
                                        "streams'>XML stanza is too big</text>"));
        bool condition = strstr(o, "<stanza-too-big xmlns='urn:xmpp:errors'/>") != NULL;
        ck_assert(condition == (profiles[i] == MODEL_PROFILE_PROSODY));
        ck_assert(model_closed(m, c));
        model_free(m);
    }
}
END_TEST

#define SM_R "<r xmlns='urn:xmpp:sm:3'/>"

static size_t count_of(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p != NULL; p = strstr(p + 1, what))
        n++;
    return n;
}

/* SM9: an ack request comes once, after everything one input wrote; a
 * resumption forces one even with nothing queued; none inside a close
 * (SM14). */
START_TEST(test_model_sm_ack_requests)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = login(m, "orchard");
    drain(m, c);
    send(m, c, "<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    const char *o = drain(m, c);
    const char *id = strstr(o, " id='");
    ck_assert_ptr_nonnull(id);
    char token[64];
    size_t n = strcspn(id + 5, "'");
    ck_assert_uint_lt(n, sizeof token);
    memcpy(token, id + 5, n);
    token[n] = '\0';
    send(m, c, "<presence/><presence><show>away</show></presence>");
    o = drain(m, c);
    ck_assert_uint_eq(count_of(o, "<r "), 1);
    ck_assert_uint_eq(strlen(o) - strlen(strstr(o, SM_R)), strlen(o) - strlen(SM_R));
    model_hangup(m, c);   /* hibernates */
    unsigned d = model_connect(m);
    char resume[768];
    snprintf(resume, sizeof resume, HDR AUTH_ROMEO HDR
             "<resume xmlns='urn:xmpp:sm:3' previd='%s' h='2'/>", token);
    send(m, d, resume);
    o = drain(m, d);
    ck_assert_ptr_nonnull(strstr(o, "<resumed "));
    ck_assert_ptr_nonnull(strstr(strstr(o, "<resumed "), SM_R));   /* forced, queue empty */
    send(m, d, "<a xmlns='urn:xmpp:sm:3' h='2'/><presence/>");
    drain(m, d);   /* the presence is queued and unacked */
    send(m, d, "<a xmlns='urn:xmpp:sm:3' h='abc'/>");
    o = drain(m, d);
    ck_assert_ptr_nonnull(strstr(o, "</stream:error></stream:stream>"));
    ck_assert_uint_eq(count_of(o, "<r "), 0);
    model_free(m);
}
END_TEST

/* SM9: once the request is answered, the next input that writes a counted
 * stanza ends with a request again, and so does the one after. */
START_TEST(test_model_sm_requests_after_every_answered_one)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = login(m, "orchard");
    drain(m, c);
    send(m, c, "<enable xmlns='urn:xmpp:sm:3'/>");
    drain(m, c);
    static const char *const shows[] = {"away", "dnd", "xa"};
    char in[256];
    for (unsigned h = 1; h <= 3; h++) {
        snprintf(in, sizeof in, "<presence><show>%s</show></presence>", shows[h - 1]);
        send(m, c, in);
        const char *o = drain(m, c);
        ck_assert_uint_eq(count_of(o, "<r "), 1);
        snprintf(in, sizeof in, "<a xmlns='urn:xmpp:sm:3' h='%u'/>", h);
        send(m, c, in);
        ck_assert_str_eq(drain(m, c), "");
    }
    model_free(m);
}
END_TEST

/* SM9 (should_ack): while a request is outstanding no other is sent; an
 * <a/> that leaves copies unacked asks again at once (handle_a) when
 * stanzas were sent since the last request, and not when none were. */
START_TEST(test_model_sm_request_waits_for_the_answer)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = login(m, "orchard");
    drain(m, c);
    send(m, c, "<enable xmlns='urn:xmpp:sm:3'/>");
    drain(m, c);
    send(m, c, "<presence/>");
    ck_assert_uint_eq(count_of(drain(m, c), "<r "), 1);
    send(m, c, "<presence><show>away</show></presence>");   /* h_out 2, still waiting */
    ck_assert_uint_eq(count_of(drain(m, c), "<r "), 0);
    send(m, c, "<a xmlns='urn:xmpp:sm:3' h='1'/>");
    ck_assert_str_eq(drain(m, c), SM_R);
    send(m, c, "<a xmlns='urn:xmpp:sm:3' h='1'/>");   /* nothing sent since that request */
    ck_assert_str_eq(drain(m, c), "");
    send(m, c, "<a xmlns='urn:xmpp:sm:3' h='2'/>");
    ck_assert_str_eq(drain(m, c), "");
    model_free(m);
}
END_TEST

/* SM15/SM9: a resumption from a new connection while the old one is
 * still open and waiting for an answer to its <r/> forgets that wait
 * (handle_resume: "Don't wait for acks from before the resumption") and
 * asks at once. */
START_TEST(test_model_sm_resume_forgets_the_old_wait)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = login(m, "orchard");
    drain(m, c);
    send(m, c, "<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    const char *o = drain(m, c);
    const char *id = strstr(o, " id='");
    ck_assert_ptr_nonnull(id);
    char token[64];
    size_t n = strcspn(id + 5, "'");
    ck_assert_uint_lt(n, sizeof token);
    memcpy(token, id + 5, n);
    token[n] = '\0';
    send(m, c, "<presence/>");
    ck_assert_uint_eq(count_of(drain(m, c), "<r "), 1);   /* waiting */
    unsigned d = model_connect(m);
    char resume[768];
    snprintf(resume, sizeof resume, HDR AUTH_ROMEO HDR
             "<resume xmlns='urn:xmpp:sm:3' previd='%s' h='0'/>", token);
    send(m, d, resume);
    ck_assert(model_closed(m, c));
    o = drain(m, d);
    const char *resumed = strstr(o, "<resumed ");
    ck_assert_ptr_nonnull(resumed);
    ck_assert_ptr_nonnull(strstr(resumed, "<presence from='romeo@localhost/orchard'"));
    ck_assert_ptr_nonnull(strstr(resumed, SM_R));
    model_free(m);
}
END_TEST

struct hooked {
    unsigned calls, conn;
    size_t end, len;
};

static void hook_record(void *ctx, unsigned conn, const struct stanza_node *el, size_t end,
                        size_t len)
{
    struct hooked *h = ctx;
    (void)el;
    h->calls++;
    h->conn = conn;
    h->end = end;
    h->len = len;
}

/* model_output_stanzas: the hook is called once per stanza written, with
 * the place of its bytes in the connection's unconsumed output. */
START_TEST(test_model_output_stanzas_places_each_stanza)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = login(m, "orchard");
    drain(m, c);
    struct hooked h = {0};
    model_output_stanzas(m, hook_record, &h);
    send(m, c, "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
    ck_assert_uint_eq(h.calls, 1);
    ck_assert_uint_eq(h.conn, c);
    size_t len;
    const char *o = model_output(m, c, &len);
    ck_assert_uint_eq(h.end, len);
    ck_assert_uint_le(h.len, h.end);
    ck_assert(h.len > 0 && strncmp(o + h.end - h.len, "<iq ", 4) == 0);
    ck_assert_int_eq(o[h.end - 1], '>');
    model_output_stanzas(m, NULL, NULL);
    drain(m, c);
    send(m, c, "<iq type='get' id='p2'><ping xmlns='urn:xmpp:ping'/></iq>");
    ck_assert_uint_eq(h.calls, 1);
    model_free(m);
}
END_TEST

/* model_account_at lists the accounts in ascending byte order, whatever
 * the order they were made in, and follows a creation. */
START_TEST(test_model_accounts_are_listed_in_byte_order)
{
    struct model_config cfg;
    model_config_default(&cfg);
    struct model *m = model_new(&cfg, 1);
    static const char *const made[] = {"mercutio", "benvolio", "tybalt", "juliet", "romeo",
                                       "nurse", "capulet", "escalus", "paris"};
    static const char *const sorted[] = {"benvolio", "capulet", "escalus", "juliet", "mercutio",
                                         "nurse", "paris", "romeo", "tybalt"};
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
        ck_assert(model_account_create(m, made[i], "pw"));
    for (size_t i = 0; i < sizeof sorted / sizeof sorted[0]; i++)
        ck_assert_str_eq(model_account_at(m, i), sorted[i]);
    ck_assert_ptr_null(model_account_at(m, sizeof sorted / sizeof sorted[0]));
    ck_assert(model_account_create(m, "abram", "pw"));
    ck_assert_str_eq(model_account_at(m, 0), "abram");
    ck_assert_str_eq(model_account_at(m, 1), "benvolio");
    model_free(m);
}
END_TEST

/* A connection number that was never opened has no output and no
 * session; an open one without a session yet has a session state. */
START_TEST(test_model_unknown_connection_is_empty)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    size_t len = 99;
    ck_assert_str_eq(model_output(m, 42, &len), "");
    ck_assert_uint_eq(len, 0);
    struct model_session_info info;
    ck_assert(!model_session_info(m, 42, &info));
    unsigned c = model_connect(m);
    ck_assert(model_session_info(m, c, &info));
    model_free(m);
}
END_TEST

/* Input, a hangup and output on a connection number never opened (0, the
 * one after the last, any other) are ignored: nothing crashes, the open
 * connection is untouched and every invariant holds. */
START_TEST(test_model_unknown_connection_takes_no_input)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = login(m, "orchard");
    drain(m, c);
    const unsigned unknown[] = {0, c + 1, 42};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        send(m, unknown[i], HDR AUTH_ROMEO);
        ck_assert_int_eq(model_hangup(m, unknown[i]), MODEL_OK);
        size_t len = 99;
        ck_assert_str_eq(model_output(m, unknown[i], &len), "");
        ck_assert_uint_eq(len, 0);
    }
    struct invariant_violation v[4];
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    ck_assert(!model_closed(m, c));
    ck_assert_str_eq(drain(m, c), "");
    send(m, c, "<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
    ck_assert_ptr_nonnull(strstr(drain(m, c), "id='p'"));
    model_free(m);
}
END_TEST

Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_model_login_bind_presence_close);
    tcase_add_test(tc, test_model_kick_old_tells_other_resources);
    tcase_add_test(tc, test_model_reject_new_and_random);
    tcase_add_test(tc, test_model_stream_errors);
    tcase_add_test(tc, test_model_too_big_per_profile);
    tcase_add_test(tc, test_model_unknown_connection_is_empty);
    tcase_add_test(tc, test_model_accounts_are_listed_in_byte_order);
    tcase_add_test(tc, test_model_unknown_connection_takes_no_input);
    tcase_add_test(tc, test_model_sm_ack_requests);
    tcase_add_test(tc, test_model_output_stanzas_places_each_stanza);
    tcase_add_test(tc, test_model_sm_requests_after_every_answered_one);
    tcase_add_test(tc, test_model_sm_request_waits_for_the_answer);
    tcase_add_test(tc, test_model_sm_resume_forgets_the_old_wait);
    suite_add_tcase(s, tc);
    return s;
}
