/* recorder: traffic between clients and the model, recorded, becomes a
 * scenario that loads and replays on the model; the negotiation is folded
 * into connect (a SASL failure into connect/auth/bind), server-chosen
 * values are {any}, generated resources replay through ${CLIENT.full},
 * passwords can be redacted, bytes outside the harness's negotiation are
 * send_raw, one connection can be written alone, stream management becomes
 * enable/request/ack/resume steps. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "run/runner.h"
#include "scenario/emit.h"
#include "scenario/loader.h"
#include "serve/recorder.h"
#include "suites.h"

#define HEADER                                                                        \
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "                      \
    "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"
/* "\0romeo\0pw" and "\0romeo\0bad" in base64 */
#define AUTH_OK "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AHJvbWVvAHB3</auth>"
#define AUTH_BAD \
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AHJvbWVvAGJhZA==</auth>"
/* A model with romeo (password pw) whose traffic goes to a recorder. */
struct rig {
    struct model *m;
    struct recorder *rec;
    struct buf last;            /* what the model answered to the last send */
};

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    struct model_config c;
    model_config_default(&c);
    r->m = model_new(&c, 1);
    ck_assert(model_account_create(r->m, "romeo", "pw"));
    r->rec = recorder_new(NULL);
}

static void rig_free(struct rig *r)
{
    buf_free(&r->last);
    model_free(r->m);
    recorder_free(r->rec);
}

static unsigned rig_open(struct rig *r)
{
    unsigned id = model_connect(r->m);
    recorder_open(r->rec, id);
    return id;
}

/* The client writes text; what the model answers is recorded at once. */
static void rig_send(struct rig *r, unsigned id, const char *text)
{
    recorder_client(r->rec, id, text, strlen(text));
    model_input(r->m, id, text, strlen(text));
    size_t len;
    const char *out = model_output(r->m, id, &len);
    recorder_server(r->rec, id, out, len);
    buf_clear(&r->last);
    buf_append(&r->last, out, len);
    model_output_consume(r->m, id, len);
}

/* The restarted stream's header and the bind iq (resource_xml is the
 * <resource/> element, or "" to have one generated). */
static void rig_bind(struct rig *r, unsigned id, const char *resource_xml)
{
    char bind[256];
    snprintf(bind, sizeof bind,
             HEADER "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>%s"
                    "</bind></iq>",
             resource_xml);
    rig_send(r, id, bind);
}

/* A new connection of romeo through SASL and the bind. */
static unsigned rig_login(struct rig *r, const char *resource_xml)
{
    unsigned id = rig_open(r);
    rig_send(r, id, HEADER AUTH_OK);
    rig_bind(r, id, resource_xml);
    return id;
}

static char *yaml_of(const struct scenario *s)
{
    struct buf b = {0};
    ck_assert(emit_scenario(s, &b));
    return (char *)buf_cstr(&b);
}

/* The recording emits, loads back and passes on a fresh model. */
static char *replay(struct rig *r, const struct recorder_options *o)
{
    struct scenario *s = recorder_scenario(r->rec, o);
    ck_assert_ptr_nonnull(s);
    char *yaml = yaml_of(s);
    struct scenario_error err;
    struct scenario *back = loader_load_buffer("rec.yaml", yaml, strlen(yaml), &err);
    ck_assert_msg(back != NULL, "%s\n%s", err.message, yaml);
    struct runner_result res;
    runner_run(back, NULL, &res);
    ck_assert_msg(res.outcome == RUNNER_PASS, "%s\n%s", res.message ? res.message : "", yaml);
    runner_result_free(&res);
    scenario_free(back);
    scenario_free(s);
    return yaml;
}

START_TEST(test_recorder_folds_negotiation_into_connect)
{
    struct rig r;
    rig_init(&r);
    unsigned c = rig_login(&r, "<resource>orchard</resource>");
    rig_send(&r, c, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
    rig_send(&r, c, "<message to='romeo@localhost/orchard' xml:lang='en'><body>hi</body></message>");
    rig_send(&r, c, "</stream:stream>");
    struct recorder_options o = {.name = "t"};
    char *yaml = replay(&r, &o);
    ck_assert_ptr_nonnull(strstr(yaml, "  romeo: {account: romeo, resource: orchard}\n"));
    ck_assert_ptr_nonnull(strstr(yaml, "  - romeo: connect\n"));
    ck_assert_ptr_nonnull(strstr(yaml, "password: pw"));
    ck_assert_ptr_nonnull(strstr(yaml, "to='${romeo.full}'"));
    ck_assert_ptr_nonnull(strstr(yaml, "  - romeo: close\n"));
    ck_assert_ptr_null(strstr(yaml, "auth"));
    free(yaml);
    rig_free(&r);
}
END_TEST

START_TEST(test_recorder_generated_resource_and_server_ids)
{
    struct rig r;
    rig_init(&r);
    unsigned c = rig_login(&r, "");
    rig_send(&r, c, "<presence/>");
    rig_send(&r, c, "<iq type='get' id='g1'><query xmlns='jabber:iq:roster'/></iq>");
    rig_send(&r, c, "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'>"
                    "<item jid='juliet@localhost'/></query></iq>");
    struct recorder_options o = {.name = "t"};
    char *yaml = replay(&r, &o);
    ck_assert_ptr_nonnull(strstr(yaml, "from='${romeo.full}'"));
    ck_assert_msg(strstr(yaml, "id='{any}'") != NULL, "%s", yaml);   /* the roster push */
    ck_assert_ptr_nonnull(strstr(yaml, "id='s1'"));          /* the result */
    free(yaml);
    rig_free(&r);
}
END_TEST

START_TEST(test_recorder_sasl_failure_then_success)
{
    struct rig r;
    rig_init(&r);
    unsigned c = rig_open(&r);
    rig_send(&r, c, HEADER AUTH_BAD);
    rig_send(&r, c, AUTH_OK);
    rig_bind(&r, c, "<resource>x</resource>");
    struct recorder_options o = {.name = "t"};
    char *yaml = replay(&r, &o);
    ck_assert_ptr_nonnull(strstr(yaml, "romeo: {connect: {auth: false}}"));
    ck_assert_ptr_nonnull(strstr(yaml, "romeo: {auth: {password: bad}}"));
    ck_assert_ptr_nonnull(strstr(yaml, "not-authorized"));
    ck_assert_ptr_nonnull(strstr(yaml, "romeo: {auth: {password: pw}}"));
    ck_assert_ptr_nonnull(strstr(yaml, "  - romeo: bind\n"));
    free(yaml);
    rig_free(&r);
}
END_TEST

START_TEST(test_recorder_redacts_passwords)
{
    struct rig r;
    rig_init(&r);
    rig_login(&r, "<resource>x</resource>");
    struct recorder_options o = {.name = "t", .redact = true};
    struct scenario *s = recorder_scenario(r.rec, &o);
    char *yaml = yaml_of(s);
    ck_assert_ptr_null(strstr(yaml, "pw"));
    ck_assert_ptr_nonnull(strstr(yaml, "password: " RECORDER_REDACTED));
    ck_assert_ptr_nonnull(strstr(yaml, "Passwords are redacted"));
    free(yaml);
    scenario_free(s);
    rig_free(&r);
}
END_TEST

START_TEST(test_recorder_raw_bytes_and_one_connection)
{
    struct rig r;
    rig_init(&r);
    unsigned a = rig_open(&r);
    unsigned b = rig_open(&r);
    rig_send(&r, a, "\x01garbage<<\xff");
    rig_send(&r, b, HEADER AUTH_OK);
    recorder_client_gone(r.rec, a);
    ck_assert_uint_eq(recorder_conn_at(r.rec, 0), a);
    ck_assert_uint_eq(recorder_conn_at(r.rec, 1), b);
    ck_assert_uint_eq(recorder_conn_at(r.rec, 2), 0);
    struct recorder_options o = {.name = "t", .conn = a};
    char *yaml = replay(&r, &o);
    ck_assert_ptr_nonnull(strstr(yaml, "raw: {send_raw: \"?garbage<<?\"}"));
    ck_assert_ptr_nonnull(strstr(yaml, "  - raw: drop\n"));
    ck_assert_ptr_nonnull(strstr(yaml, "leftovers: ignore"));
    ck_assert_ptr_null(strstr(yaml, "romeo"));
    free(yaml);
    rig_free(&r);
}
END_TEST

START_TEST(test_recorder_stream_management_steps)
{
    struct rig r;
    rig_init(&r);
    unsigned c = rig_login(&r, "<resource>x</resource>");
    rig_send(&r, c, "<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    const char *at = strstr(buf_cstr(&r.last), " id='");
    ck_assert_ptr_nonnull(at);
    char previd[128];
    ck_assert_int_eq(sscanf(at + 5, "%127[^']", previd), 1);
    rig_send(&r, c, "<presence/>");
    rig_send(&r, c, "<r xmlns='urn:xmpp:sm:3'/>");
    rig_send(&r, c, "<a xmlns='urn:xmpp:sm:3' h='1'/>");
    recorder_client_gone(r.rec, c);
    model_hangup(r.m, c);
    unsigned d = rig_open(&r);
    char resume[256];
    snprintf(resume, sizeof resume, "<resume xmlns='urn:xmpp:sm:3' previd='%s' h='1'/>", previd);
    rig_send(&r, d, HEADER AUTH_OK);
    rig_send(&r, d, HEADER);
    rig_send(&r, d, resume);
    struct recorder_options o = {.name = "t"};
    char *yaml = replay(&r, &o);
    ck_assert_ptr_nonnull(strstr(yaml, "romeo: {enable: {resume: true}}"));
    ck_assert_ptr_nonnull(strstr(yaml, "  - romeo: request\n"));
    ck_assert_ptr_nonnull(strstr(yaml, "  - romeo: ack\n"));
    ck_assert_ptr_nonnull(strstr(yaml, "  - romeo: drop\n"));
    ck_assert_ptr_nonnull(strstr(yaml, "  - romeo: resume\n"));
    ck_assert_msg(strstr(yaml, "previd='${romeo.smid}'") != NULL, "%s", yaml);
    free(yaml);
    rig_free(&r);
}
END_TEST

START_TEST(test_recorder_nothing_recorded_is_null)
{
    struct recorder *rec = recorder_new(NULL);
    struct recorder_options o = {.name = "t"};
    ck_assert_ptr_null(recorder_scenario(rec, &o));
    recorder_open(rec, 1);
    ck_assert_ptr_null(recorder_scenario(rec, &o));
    recorder_free(rec);
}
END_TEST

Suite *recorder_suite(void)
{
    Suite *s = suite_create("recorder");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_recorder_folds_negotiation_into_connect);
    tcase_add_test(tc, test_recorder_generated_resource_and_server_ids);
    tcase_add_test(tc, test_recorder_sasl_failure_then_success);
    tcase_add_test(tc, test_recorder_redacts_passwords);
    tcase_add_test(tc, test_recorder_raw_bytes_and_one_connection);
    tcase_add_test(tc, test_recorder_stream_management_steps);
    tcase_add_test(tc, test_recorder_nothing_recorded_is_null);
    suite_add_tcase(s, tc);
    return s;
}
