/* client: the harness side of a connection, fed by a scripted target that
 * plays back server bytes: stream phases, restart after SASL, bind
 * results, fragmentation, closes, parse errors and the traffic ring. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "run/client.h"
#include "base/count.h"
#include "suites.h"


#define HEADER                                                                          \
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "                        \
    "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='s1' "         \
    "version='1.0'>"
#define FEATURES "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></stream:features>"
#define SUCCESS "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
#define BIND_RESULT                                                                     \
    "<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"         \
    "<jid>romeo@localhost/orchard</jid></bind></iq>"

/* ---- a target that plays back scripted server bytes ---- */

struct script {
    struct target base;
    struct buf out;          /* server bytes not yet read */
    struct buf in;           /* client bytes written */
    unsigned conns;
    bool closed;
    size_t chunk;            /* bytes handed out per read; 0: all */
};

static struct script *script_of(struct target *t)
{
    return (struct script *)t;
}

static unsigned sc_connect(struct target *t)
{
    script_of(t)->closed = false;
    return ++script_of(t)->conns;
}

static bool sc_send(struct target *t, unsigned conn, const char *b, size_t n)
{
    (void)conn;
    buf_append(&script_of(t)->in, b, n);
    return true;
}

static const char *sc_received(struct target *t, unsigned conn, size_t *n)
{
    (void)conn;
    struct script *s = script_of(t);
    *n = s->chunk && s->chunk < s->out.len ? s->chunk : s->out.len;
    return s->out.data;
}

static void sc_consume(struct target *t, unsigned conn, size_t n)
{
    (void)conn;
    buf_consume(&script_of(t)->out, n);
}

static bool sc_closed(struct target *t, unsigned conn)
{
    (void)conn;
    return script_of(t)->closed && script_of(t)->out.len == 0;
}

static void sc_hangup(struct target *t, unsigned conn)
{
    (void)conn;
    script_of(t)->closed = true;
}

static const struct target_ops script_ops = {
    .name = "script", .connect = sc_connect, .send = sc_send, .received = sc_received,
    .consume = sc_consume, .closed = sc_closed, .hangup = sc_hangup,
};

struct fixture {
    struct script target;
    struct client client;
};

static void setup(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->target.base.ops = &script_ops;
    client_init(&f->client, "romeo", "romeo", "orchard", 1);
    ck_assert(client_open(&f->client, &f->target.base));
}

static void teardown(struct fixture *f)
{
    client_free(&f->client);
    buf_free(&f->target.out);
    buf_free(&f->target.in);
}

/* The server writes text; the client reads everything there is. */
static void serve(struct fixture *f, const char *text)
{
    buf_puts(&f->target.out, text);
    while (f->target.out.len > 0)
        client_pump(&f->client, &f->target.base);
}

static const char *pending_name(const struct fixture *f, size_t i)
{
    return client_pending_at(&f->client, i)->name;
}

/* ---- tests ---- */

START_TEST(test_client_reads_header_and_stanzas)
{
    struct fixture f;
    setup(&f);
    ck_assert_int_eq(f.client.state, CLIENT_RAW);
    serve(&f, HEADER FEATURES "<message><body>hi</body></message>");
    ck_assert_int_eq(f.client.state, CLIENT_UNAUTHED);
    ck_assert_uint_eq(f.client.headers, 1);
    ck_assert_str_eq(f.client.stream_id, "s1");
    ck_assert_uint_eq(f.client.npending, 2);
    ck_assert_str_eq(pending_name(&f, 0), "features");
    ck_assert_str_eq(client_pending_at(&f.client, 0)->ns, STANZA_NS_STREAM);
    ck_assert_str_eq(pending_name(&f, 1), "message");
    ck_assert_str_eq(client_pending_at(&f.client, 1)->ns, STANZA_NS_CLIENT);
    teardown(&f);
}
END_TEST

/* Whatever the chunk size, the same events: SASL success restarts the
 * parser, the next header opens the authenticated stream, a bind result
 * records the resource. */
static const size_t chunks[] = {0, 1, 2, 7, 64};

START_TEST(test_client_negotiation_in_any_fragmentation)
{
    struct fixture f;
    setup(&f);
    f.target.chunk = chunks[_i];
    serve(&f, HEADER FEATURES SUCCESS);
    ck_assert_int_eq(f.client.state, CLIENT_SASL_DONE);
    serve(&f, "<stream:stream xmlns='jabber:client' "
              "xmlns:stream='http://etherx.jabber.org/streams' id='s2'>" FEATURES BIND_RESULT);
    ck_assert_int_eq(f.client.state, CLIENT_BOUND);
    ck_assert_uint_eq(f.client.headers, 2);
    ck_assert_str_eq(f.client.stream_id, "s2");
    ck_assert_str_eq(f.client.bound_resource, "orchard");
    ck_assert_str_eq(client_resource(&f.client), "orchard");
    ck_assert_uint_eq(f.client.npending, 4);
    ck_assert_str_eq(pending_name(&f, 1), "success");
    ck_assert_str_eq(pending_name(&f, 3), "iq");
    ck_assert_int_eq(f.client.parse_error, XMLSTREAM_E_NONE);
    teardown(&f);
}
END_TEST

START_TEST(test_client_bind_result_before_auth_binds_nothing)
{
    struct fixture f;
    setup(&f);
    serve(&f, HEADER BIND_RESULT);
    ck_assert_int_eq(f.client.state, CLIENT_UNAUTHED);
    ck_assert_ptr_null(f.client.bound_resource);
    ck_assert_str_eq(client_resource(&f.client), "orchard");
    ck_assert_uint_eq(f.client.npending, 1);
    teardown(&f);
}
END_TEST

START_TEST(test_client_close_and_pending_survive_reconnect)
{
    struct fixture f;
    setup(&f);
    serve(&f, HEADER "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                     "</stream:error></stream:stream>");
    ck_assert(f.client.stream_ended);
    ck_assert(!f.client.closed);
    f.target.closed = true;
    client_pump(&f.client, &f.target.base);
    ck_assert(f.client.closed);
    ck_assert(!client_is_open(&f.client));
    ck_assert(client_open(&f.client, &f.target.base));
    ck_assert_uint_eq(f.client.conn, 2);
    ck_assert(client_is_open(&f.client));
    ck_assert(!f.client.stream_ended);
    ck_assert_uint_eq(f.client.npending, 1);
    ck_assert_str_eq(pending_name(&f, 0), "error");
    client_pending_remove(&f.client, 0);
    ck_assert_uint_eq(f.client.npending, 0);
    teardown(&f);
}
END_TEST

START_TEST(test_client_notes_unparsable_bytes)
{
    struct fixture f;
    setup(&f);
    serve(&f, HEADER "<message><body></message>");
    ck_assert_int_eq(f.client.parse_error, XMLSTREAM_E_MALFORMED);
    ck_assert(client_open(&f.client, &f.target.base));
    ck_assert_int_eq(f.client.parse_error, XMLSTREAM_E_NONE);
    teardown(&f);
}
END_TEST

/* RFC 6120 4.4: the closing tag ends the stream; bytes after it other
 * than whitespace, or a connection closed inside markup, are noted
 * whatever the fragmentation. */
static const size_t wire_chunks[] = {0, 1, 7};

static void serve_closed(struct fixture *f, const char *bytes, size_t len)
{
    buf_append(&f->target.out, bytes, len);
    f->target.closed = true;
    while (!f->client.closed)
        client_pump(&f->client, &f->target.base);
}

START_TEST(test_client_notes_wire_faults)
{
    static const char clean[] = HEADER "</stream:stream> \n";
    static const char nul[] = HEADER "</stream:stream>";   /* and its NUL */
    static const char cut[] = HEADER "</stream:stream";
    static const char more[] = HEADER "</stream:stream><message/>";
    struct fixture f;
    setup(&f);
    f.target.chunk = wire_chunks[_i];
    serve_closed(&f, clean, sizeof clean - 1);
    ck_assert(f.client.stream_ended);
    ck_assert_ptr_null(f.client.wire_fault);
    const struct {
        const char *bytes;
        size_t len;
    } bad[] = {{nul, sizeof nul}, {cut, sizeof cut - 1}, {more, sizeof more - 1}};
    for (size_t i = 0; i < COUNT(bad); i++) {
        ck_assert(client_open(&f.client, &f.target.base));
        ck_assert_ptr_null(f.client.wire_fault);
        serve_closed(&f, bad[i].bytes, bad[i].len);
        ck_assert_msg(f.client.wire_fault != NULL, "case %zu", i);
    }
    teardown(&f);
}
END_TEST

START_TEST(test_client_hangup)
{
    struct fixture f;
    setup(&f);
    client_hangup(&f.client, &f.target.base);
    ck_assert(f.client.closed);
    ck_assert(f.target.closed);
    teardown(&f);
}
END_TEST

/* The ring keeps the last CLIENT_HISTORY_MAX entries, oldest first, cut
 * and escaped for one line each. */
START_TEST(test_client_history_ring)
{
    struct fixture f;
    setup(&f);
    char big[CLIENT_HISTORY_TEXT_MAX + 50];
    memset(big, 'x', sizeof big);
    for (size_t i = 0; i < CLIENT_HISTORY_MAX + 3; i++) {
        f.client.step = i;
        client_send(&f.client, &f.target.base, i == CLIENT_HISTORY_MAX + 2 ? big : "a\tb\n\x01",
                    i == CLIENT_HISTORY_MAX + 2 ? sizeof big : 5, NULL);
    }
    struct buf out = {0};
    client_history_write(&f.client, &out, "> ");
    const char *text = buf_cstr(&out);
    ck_assert_ptr_null(strstr(text, "new connection"));   /* pushed out */
    ck_assert_ptr_nonnull(strstr(text, "> [step 4] -> a\\tb\\n\\x01\n"));
    ck_assert_ptr_null(strstr(text, "[step 3] ->"));
    ck_assert_ptr_nonnull(strstr(text, "xxx... (290 bytes)\n"));
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_eq(lines, CLIENT_HISTORY_MAX);
    buf_free(&out);
    teardown(&f);
}
END_TEST

/* A batch collapses into its summary, or is kept when there is none. */
START_TEST(test_client_batch)
{
    struct fixture f;
    setup(&f);
    client_batch_begin(&f.client);
    serve(&f, HEADER FEATURES);
    client_batch_end(&f.client, "connect: done");
    client_batch_begin(&f.client);
    client_send(&f.client, &f.target.base, "<auth/>", 7, NULL);
    client_batch_end(&f.client, NULL);
    struct buf out = {0};
    client_history_write(&f.client, &out, "");
    ck_assert_str_eq(buf_cstr(&out), "[step 1] == new connection 1\n"
                                     "[step 1] == connect: done\n"
                                     "[step 1] -> <auth/>\n");
    buf_free(&out);
    teardown(&f);
}
END_TEST

START_TEST(test_client_asked_resource)
{
    struct fixture f;
    setup(&f);
    ck_assert_str_eq(client_asked_resource(&f.client), "orchard");
    client_set_asked_resource(&f.client, "phone");
    ck_assert_str_eq(client_asked_resource(&f.client), "phone");
    ck_assert_str_eq(client_resource(&f.client), "phone");
    client_set_asked_resource(&f.client, NULL);
    ck_assert_str_eq(client_resource(&f.client), "orchard");
    teardown(&f);
}
END_TEST

Suite *client_suite(void)
{
    Suite *s = suite_create("client");
    TCase *tc = tcase_create("client");
    tcase_add_test(tc, test_client_reads_header_and_stanzas);
    tcase_add_loop_test(tc, test_client_negotiation_in_any_fragmentation, 0, (int)COUNT(chunks));
    tcase_add_test(tc, test_client_bind_result_before_auth_binds_nothing);
    tcase_add_test(tc, test_client_close_and_pending_survive_reconnect);
    tcase_add_test(tc, test_client_notes_unparsable_bytes);
    tcase_add_loop_test(tc, test_client_notes_wire_faults, 0, (int)COUNT(wire_chunks));
    tcase_add_test(tc, test_client_hangup);
    tcase_add_test(tc, test_client_history_ring);
    tcase_add_test(tc, test_client_batch);
    tcase_add_test(tc, test_client_asked_resource);
    suite_add_tcase(s, tc);
    return s;
}
