/* model: the byte-level facade end to end (stream, SASL, bind, presence,
 * conflicts, close and drop), reading raw output bytes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "invariant.h"
#include "model.h"
#include "suites.h"
#include "xmlstream.h"

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

/* A model of that profile with romeo's account. */
static struct model *profile_model(enum model_profile profile)
{
    struct model_config c;
    model_config_default(&c);
    c.profile = profile;
    struct model *m = model_new(&c, 1);
    ck_assert(model_account_create(m, "romeo", "password"));
    return m;
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
    ck_assert_ptr_nonnull(strstr(o, "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'"));   /* EJ12: empty */
    char bind[256] = "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                     "<resource>";
    strcat(bind, resource);
    strcat(bind, "</resource></bind></iq>");
    send(m, c, bind);
    return c;
}

/* romeo/orchard (a) and romeo/balcony (b) logged in and available, all
 * they were sent drained. */
static void login_two_available(struct model *m, unsigned *a, unsigned *b)
{
    *a = login(m, "orchard");
    *b = login(m, "balcony");
    send(m, *a, "<presence/>");
    send(m, *b, "<presence/>");
    drain(m, *a);
    drain(m, *b);
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
    unsigned a, b;
    login_two_available(m, &a, &b);
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

/* The attributes of the server's stream header, as a client parses them. */
struct server_header {
    char version[16], id[64];
    bool opened, has_version;
};

static void header_opened(void *ctx, const struct xmlstream_header *h)
{
    struct server_header *sh = ctx;
    sh->opened = true;
    sh->has_version = h->version != NULL;
    snprintf(sh->version, sizeof sh->version, "%s", h->version ? h->version : "");
    snprintf(sh->id, sizeof sh->id, "%s", h->id ? h->id : "");
}

static void header_stanza(void *ctx, struct stanza *st)
{
    (void)ctx;
    stanza_free(st);
}

static void header_closed(void *ctx)
{
    (void)ctx;
}

static void header_error(void *ctx, enum xmlstream_error e)
{
    (void)ctx;
    ck_abort_msg("the server's bytes do not parse: %d", (int)e);
}

/* Opens a connection with a header carrying `version` (NULL: none) and
 * parses the server's answer. */
static struct server_header open_with_version(struct model *m, const char *version)
{
    static const struct xmlstream_callbacks cb = {header_opened, header_stanza, header_closed,
                                                  header_error};
    char hdr[256];
    snprintf(hdr, sizeof hdr,
             "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/"
             "streams' to='localhost'%s%s%s>",
             version ? " version='" : "", version ? version : "", version ? "'" : "");
    unsigned c = model_connect(m);
    send(m, c, hdr);
    struct server_header sh = {0};
    struct xmlstream_limits lim = {0};
    struct xmlstream *p = xmlstream_new(NULL, &cb, &sh, &lim, 1);
    const char *o = drain(m, c);
    xmlstream_feed(p, o, strlen(o));
    xmlstream_free(p);
    ck_assert(sh.opened);
    ck_assert(!model_closed(m, c));
    return sh;
}

/* S4: version='1.0' in the answer only to a version above 0 (a missing
 * one reads as 0); RFC 6120 4.7.3: a non-empty id no other stream has. */
START_TEST(test_model_header_version_and_id)
{
    static const struct {
        const char *sent;
        bool answered;
    } cases[] = {{NULL, false}, {"0.0", false}, {"0.9", true}, {"1.0", true}, {"1.1", true}};
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    char ids[(sizeof cases / sizeof cases[0])][64];
    for (size_t i = 0; i < (sizeof cases / sizeof cases[0]); i++) {
        struct server_header sh = open_with_version(m, cases[i].sent);
        ck_assert_msg(sh.has_version == cases[i].answered, "version %s",
                      cases[i].sent ? cases[i].sent : "(none)");
        if (sh.has_version)
            ck_assert_str_eq(sh.version, "1.0");
        ck_assert_uint_gt(strlen(sh.id), 0);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(ids[j], sh.id);
        snprintf(ids[i], sizeof ids[i], "%s", sh.id);
    }
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
        struct model *m = profile_model(profiles[i]);
        unsigned c = login(m, "orchard");
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

/* romeo/orchard logged in with resumable stream management: the
 * <enabled/>'s id in token, everything it was sent drained. */
static unsigned login_resumable(struct model *m, char *token, size_t size)
{
    unsigned c = login(m, "orchard");
    drain(m, c);
    send(m, c, "<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    const char *id = strstr(drain(m, c), " id='");
    ck_assert_ptr_nonnull(id);
    size_t n = strcspn(id + 5, "'");
    ck_assert_uint_lt(n, size);
    memcpy(token, id + 5, n);
    token[n] = '\0';
    return c;
}

/* A new connection of romeo's that authenticates and resumes token's
 * session, acknowledging h; returns it (its output not drained). */
static unsigned resume_romeo(struct model *m, const char *token, unsigned h)
{
    unsigned d = model_connect(m);
    char resume[768];
    snprintf(resume, sizeof resume, HDR AUTH_ROMEO HDR
             "<resume xmlns='urn:xmpp:sm:3' previd='%s' h='%u'/>", token, h);
    send(m, d, resume);
    return d;
}

/* romeo/orchard logged in with stream management enabled (no resumption),
 * everything it was sent drained. */
static unsigned login_managed(struct model *m)
{
    unsigned c = login(m, "orchard");
    drain(m, c);
    send(m, c, "<enable xmlns='urn:xmpp:sm:3'/>");
    drain(m, c);
    return c;
}

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
    char token[64];
    unsigned c = login_resumable(m, token, sizeof token);
    const char *o;
    send(m, c, "<presence/><presence><show>away</show></presence>");
    o = drain(m, c);
    ck_assert_uint_eq(count_of(o, "<r "), 1);
    ck_assert_uint_eq(strlen(o) - strlen(strstr(o, SM_R)), strlen(o) - strlen(SM_R));
    model_hangup(m, c);   /* hibernates */
    unsigned d = resume_romeo(m, token, 2);
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
    unsigned c = login_managed(m);
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
    unsigned c = login_managed(m);
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
    char token[64];
    unsigned c = login_resumable(m, token, sizeof token);
    const char *o;
    send(m, c, "<presence/>");
    ck_assert_uint_eq(count_of(drain(m, c), "<r "), 1);   /* waiting */
    unsigned d = resume_romeo(m, token, 0);
    ck_assert(model_closed(m, c));
    o = drain(m, d);
    const char *resumed = strstr(o, "<resumed ");
    ck_assert_ptr_nonnull(resumed);
    ck_assert_ptr_nonnull(strstr(resumed, "<presence from='romeo@localhost/orchard'"));
    ck_assert_ptr_nonnull(strstr(resumed, SM_R));
    model_free(m);
}
END_TEST

/* EJ55 (against SM9): under the ejabberd profile the <r/> after a
 * resumption is not waited for, so the next stanza queued asks again;
 * under Prosody's it is, and the stanza does not. Then one request at a
 * time in both. */
START_TEST(test_model_ejabberd_sm_request_after_resume)
{
    static const enum model_profile profiles[] = {MODEL_PROFILE_PROSODY, MODEL_PROFILE_EJABBERD};
    for (size_t i = 0; i < 2; i++) {
        struct model *m = profile_model(profiles[i]);
        char token[64];
        unsigned k = login_resumable(m, token, sizeof token);
        model_hangup(m, k);   /* hibernates */
        unsigned d = resume_romeo(m, token, 0);
        const char *o = drain(m, d);
        ck_assert_ptr_nonnull(strstr(strstr(o, "<resumed "), SM_R));
        send(m, d, "<iq type='get' id='g1'><query xmlns='jabber:iq:roster'/></iq>");
        o = drain(m, d);
        ck_assert_ptr_nonnull(strstr(o, "id='g1'"));
        ck_assert_uint_eq(count_of(o, "<r "), profiles[i] == MODEL_PROFILE_EJABBERD);
        send(m, d, "<iq type='get' id='g2'><query xmlns='jabber:iq:roster'/></iq>");
        o = drain(m, d);
        ck_assert_ptr_nonnull(strstr(o, "id='g2'"));
        ck_assert_uint_eq(count_of(o, "<r "), 0);
        model_free(m);
    }
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

struct hooked_header {
    unsigned calls;
    size_t end, len;
    struct buf log;   /* helpers_header_log of the last header */
};

static void hook_header(void *ctx, unsigned conn, const struct xmlstream_header *h, size_t end,
                        size_t len)
{
    struct hooked_header *hh = ctx;
    (void)conn;
    hh->calls++;
    hh->end = end;
    hh->len = len;
    buf_clear(&hh->log);
    helpers_header_log(h, &hh->log);
}

/* model_output_headers: the hook is called once per stream header written,
 * at the place of its bytes, with the header a parser reads from them:
 * with and without version='1.0', and after a restart. */
START_TEST(test_model_output_headers_says_what_the_bytes_say)
{
    static const struct {
        const char *input;
        unsigned headers;
    } cases[] = {
        {HDR, 1},
        {"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
         "to='localhost'>", 1},
        {HDR AUTH_ROMEO HDR, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
        struct hooked_header hh = {0};
        model_output_headers(m, hook_header, &hh);
        unsigned c = model_connect(m);
        send(m, c, cases[i].input);
        ck_assert_uint_eq(hh.calls, cases[i].headers);
        size_t len;
        const char *o = model_output(m, c, &len);
        ck_assert_uint_le(hh.end, len);
        struct buf parsed = {0};
        helpers_parse_log(o + hh.end - hh.len, hh.len, 0, NULL, &parsed);
        ck_assert_str_eq(buf_cstr(&parsed), buf_cstr(&hh.log));
        buf_free(&parsed);
        buf_free(&hh.log);
        model_free(m);
    }
}
END_TEST

/* Output of a login (header, auth, header, bind, presence) on a fresh model,
 * the client's messages handed over parsed or as bytes only. */
static void login_output(bool parsed, struct buf *out)
{
    static const struct xmlstream_header h = {.to = "localhost", .version = "1.0",
                                              .content_ns = STANZA_NS_CLIENT};
    static const char *const inputs[] = {
        HDR, AUTH_ROMEO, HDR,
        "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
        "<resource>orchard</resource></bind></iq>",
        "<presence/>",
    };
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = model_connect(m);
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        bool header = inputs[i][0] == '<' && inputs[i][1] == '?';
        struct stanza *st = header ? NULL : helpers_element(inputs[i]);
        if (parsed)
            model_input_parsed(m, c, inputs[i], strlen(inputs[i]), header ? &h : NULL,
                               st != NULL ? stanza_root(st) : NULL);
        else
            model_input(m, c, inputs[i], strlen(inputs[i]));
        stanza_free(st);
        struct invariant_violation v[4];
        ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    }
    buf_puts(out, drain(m, c));
    model_free(m);
}

/* model_input_parsed: a header and stanzas handed over parsed make the
 * model write what their bytes make it write. */
START_TEST(test_model_input_parsed_is_model_input)
{
    struct buf bytes = {0}, parsed = {0};
    login_output(false, &bytes);
    login_output(true, &parsed);
    ck_assert_ptr_nonnull(strstr(buf_cstr(&bytes), "<bind "));
    ck_assert_str_eq(buf_cstr(&parsed), buf_cstr(&bytes));
    buf_free(&bytes);
    buf_free(&parsed);
    /* a stanza where the stream is inside another: its bytes are parsed */
    buf_free(&bytes);
    struct model *mb = new_model(MODEL_CONFLICT_KICK_OLD), *mp = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned cb = login(mb, "orchard"), cp = login(mp, "orchard");
    static const char open_msg[] = "<message to='juliet@localhost'><body>";
    static const char rest[] = "hi</body></message><presence/>";
    send(mb, cb, open_msg);
    send(mp, cp, open_msg);
    struct stanza *pres = helpers_element("<presence/>");
    send(mb, cb, rest);
    model_input_parsed(mp, cp, rest, sizeof rest - 1, NULL, stanza_root(pres));
    buf_puts(&bytes, drain(mb, cb));
    ck_assert_ptr_nonnull(strstr(buf_cstr(&bytes), "<presence"));
    ck_assert_str_eq(drain(mp, cp), buf_cstr(&bytes));
    buf_free(&bytes);
    stanza_free(pres);
    model_free(mb);
    model_free(mp);
    /* what the model reads is the tree: one unlike its bytes shows */
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = login(m, "orchard");
    drain(m, c);
    static const char ping[] = "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>";
    struct stanza *other = helpers_element("<iq type='get' id='p2'><ping xmlns='urn:xmpp:ping'/></iq>");
    model_input_parsed(m, c, ping, sizeof ping - 1, NULL, stanza_root(other));
    ck_assert_ptr_nonnull(strstr(drain(m, c), "id='p2'"));
    stanza_free(other);
    model_free(m);
}
END_TEST

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

/* model_config_default gives the SEMANTICS 0.8 model defaults, and a
 * model made from them starts its clock at 2025-05-13T10:00:00Z. */
START_TEST(test_model_config_defaults)
{
    struct model_config c;
    memset(&c, 0xa5, sizeof c);
    model_config_default(&c);
    ck_assert_str_eq(c.domain, "localhost");
    ck_assert_int_eq(c.profile, MODEL_PROFILE_PROSODY);
    ck_assert_int_eq(c.conflict, MODEL_CONFLICT_KICK_OLD);
    ck_assert(c.offline && c.registration && c.tombstones);
    ck_assert_uint_eq(c.tombstone_expiry_ms, 30 * MODEL_DAY_MS);
    ck_assert_uint_eq(c.stanza_size_max, 0);
    ck_assert_ptr_null(c.allocator);
    struct model *m = model_new(&c, 1);
    ck_assert_uint_eq(model_now(m), 1747130400000ull);
    model_free(m);
}
END_TEST

/* The served domain is copied: the caller's string may change after
 * model_new. */
START_TEST(test_model_domain_is_copied)
{
    struct model_config c;
    model_config_default(&c);
    char domain[] = "example.org";
    c.domain = domain;
    struct model *m = model_new(&c, 1);
    memset(domain, 'x', strlen(domain));
    unsigned k = model_connect(m);
    send(m, k, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream="
               "'http://etherx.jabber.org/streams' to='example.org' version='1.0'>");
    const char *o = drain(m, k);
    ck_assert_ptr_nonnull(strstr(o, "from='example.org'"));
    ck_assert(!model_closed(m, k));
    model_free(m);
}
END_TEST

/* The resource the server generates for an empty bind, on a model made
 * with seed. */
static void generated_jid(unsigned long long seed, char *out, size_t size)
{
    struct model_config c;
    model_config_default(&c);
    struct model *m = model_new(&c, seed);
    ck_assert(model_account_create(m, "romeo", "password"));
    unsigned k = model_connect(m);
    send(m, k, HDR AUTH_ROMEO HDR "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:"
               "ns:xmpp-bind'/></iq>");
    const char *jid = strstr(drain(m, k), "<jid>");
    ck_assert_ptr_nonnull(jid);
    const char *end = strstr(jid, "</jid>");
    ck_assert_ptr_nonnull(end);
    snprintf(out, size, "%.*s", (int)(end - jid), jid);
    model_free(m);
}

/* Randomness comes from the seed: the same seed generates the same
 * resource, another seed another one. */
START_TEST(test_model_randomness_comes_from_the_seed)
{
    char a[128], b[128], a2[128];
    generated_jid(1, a, sizeof a);
    generated_jid(2, b, sizeof b);
    generated_jid(1, a2, sizeof a2);
    ck_assert_str_eq(a, a2);
    ck_assert_str_ne(a, b);
}
END_TEST

/* A roster item set directly reads back as set; an unknown account, an
 * invalid or full JID is refused; an absent contact has no item. */
START_TEST(test_model_roster_preset_reads_back)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    static const char *const groups[] = {"Friends", "Verona"};
    struct model_roster_item item = {.jid = "juliet@localhost", .subscription = MODEL_SUB_TO,
                                     .ask = true, .name = "Juliet", .groups = groups,
                                     .ngroups = 2};
    ck_assert(model_roster_preset(m, "romeo", &item));
    struct model_roster_item got;
    ck_assert(model_roster_item(m, "romeo", "juliet@localhost", &got));
    ck_assert_str_eq(got.jid, "juliet@localhost");
    ck_assert_int_eq(got.subscription, MODEL_SUB_TO);
    ck_assert(got.ask);
    ck_assert_str_eq(got.name, "Juliet");
    ck_assert_uint_eq(got.ngroups, 2);
    ck_assert_str_eq(got.groups[0], "Friends");
    ck_assert_str_eq(got.groups[1], "Verona");
    ck_assert(!model_roster_item(m, "romeo", "nurse@localhost", &got));
    ck_assert(!model_roster_item(m, "nobody", "juliet@localhost", &got));
    ck_assert(!model_roster_preset(m, "nobody", &item));
    item.jid = "juliet@localhost/balcony";
    ck_assert(!model_roster_preset(m, "romeo", &item));
    item.jid = "@@";
    ck_assert(!model_roster_preset(m, "romeo", &item));
    ck_assert_int_eq(model_error(m), MODEL_OK);
    model_free(m);
}
END_TEST

/* model_output_consume removes only what was consumed: the rest stays, to
 * its last byte. */
START_TEST(test_model_output_consume_keeps_the_rest)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = login(m, "orchard");
    size_t len;
    const char *o = model_output(m, c, &len);
    ck_assert_uint_gt(len, 2);
    char last[2] = {o[len - 2], o[len - 1]};
    model_output_consume(m, c, len - 2);
    o = model_output(m, c, &len);
    ck_assert_uint_eq(len, 2);
    ck_assert(o[0] == last[0] && o[1] == last[1]);
    model_output_consume(m, c, 1);
    o = model_output(m, c, &len);
    ck_assert_uint_eq(len, 1);
    ck_assert(o[0] == last[1]);
    model_output_consume(m, c, 1);
    model_output(m, c, &len);
    ck_assert_uint_eq(len, 0);
    model_free(m);
}
END_TEST

/* S12: an unauthenticated connection is closed exactly
 * MODEL_C2S_TIMEOUT_MS after it opened, and the client reads why. */
START_TEST(test_model_c2s_timeout_at_the_limit)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned c = model_connect(m);
    send(m, c, HDR);
    drain(m, c);
    ck_assert_int_eq(model_advance(m, MODEL_C2S_TIMEOUT_MS - 1), MODEL_OK);
    ck_assert(!model_closed(m, c));
    ck_assert_str_eq(drain(m, c), "");
    ck_assert_int_eq(model_advance(m, 1), MODEL_OK);
    ck_assert(model_closed(m, c));
    ck_assert_ptr_nonnull(strstr(drain(m, c), "connection-timeout"));
    model_free(m);
}
END_TEST

/* P15: a lost connection's unavailable presence reaches the account's
 * other resource by the time model_hangup returns. */
START_TEST(test_model_hangup_tells_other_resources)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned a, b;
    login_two_available(m, &a, &b);
    ck_assert_int_eq(model_hangup(m, a), MODEL_OK);
    ck_assert(model_closed(m, a));
    ck_assert_ptr_nonnull(strstr(drain(m, b), "<presence type='unavailable' "
                                              "from='romeo@localhost/orchard'"));
    model_free(m);
}
END_TEST

/* S14, SM19: model_session_info describes a bound stream-management
 * session; a restart closes it (the connection stays known, with no
 * session), drops its unacknowledged queue with every invariant holding,
 * and keeps the accounts. */
START_TEST(test_model_restart_drops_sessions_and_queues)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned a = login(m, "orchard"), b = login(m, "balcony");
    send(m, a, "<enable xmlns='urn:xmpp:sm:3' resume='true'/><presence/>");
    send(m, b, "<presence/>");
    send(m, b, "<message to='romeo@localhost/orchard' type='chat'><body>hi</body></message>");
    struct model_session_info info;
    ck_assert(model_session_info(m, a, &info));
    ck_assert(info.live && info.sm && info.authenticated && info.connected);
    ck_assert(!info.hibernating);
    ck_assert_str_eq(info.username, "romeo");
    ck_assert_str_eq(info.resource, "orchard");
    ck_assert_str_eq(info.full_jid, "romeo@localhost/orchard");
    ck_assert(model_session_info(m, b, &info));
    ck_assert(!info.sm);
    ck_assert_int_eq(model_restart(m), MODEL_OK);
    struct invariant_violation v[4];
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    ck_assert(model_closed(m, a) && model_closed(m, b));
    ck_assert_uint_eq(model_session_count(m), 0);
    ck_assert(model_session_info(m, a, &info));
    ck_assert(!info.live && !info.sm && !info.authenticated && !info.connected);
    ck_assert_ptr_null(info.username);
    ck_assert(model_account_exists(m, "romeo"));
    model_free(m);
}
END_TEST

/* EJ6: under the ejabberd profile no tombstone is kept, whatever the
 * configuration says: a removed account's name is free again at once. */
START_TEST(test_model_ejabberd_keeps_no_tombstone)
{
    struct model_config c;
    model_config_default(&c);
    c.profile = MODEL_PROFILE_EJABBERD;
    ck_assert(c.tombstones);
    struct model *m = model_new(&c, 1);
    ck_assert(model_account_create(m, "juliet", "password"));
    unsigned k = model_connect(m);
    send(m, k, HDR "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
               "AGp1bGlldABwYXNzd29yZA==</auth>" HDR "<iq type='set' id='b'><bind xmlns="
               "'urn:ietf:params:xml:ns:xmpp-bind'><resource>j</resource></bind></iq>"
               "<iq type='set' id='rm'><query xmlns='jabber:iq:register'><remove/></query></iq>");
    ck_assert_ptr_nonnull(strstr(drain(m, k), "User removed"));
    ck_assert(!model_account_exists(m, "juliet"));
    ck_assert_ptr_null(model_tombstone_at(m, 0));
    ck_assert(model_account_create(m, "juliet", "password"));
    model_free(m);
}
END_TEST

/* The `ver` of the first roster query in out, into ver. */
static void roster_ver(const char *out, char ver[64])
{
    const char *v = strstr(out, "jabber:iq:roster");
    ck_assert_ptr_nonnull(v);
    v = strstr(v, " ver='");
    ck_assert_ptr_nonnull(v);
    v += strlen(" ver='");
    size_t n = strcspn(v, "'");
    ck_assert_uint_lt(n, 64);
    memcpy(ver, v, n);
    ver[n] = '\0';
}

/* A model under the ejabberd profile with romeo bound as resource r on
 * connection *k, its output drained. */
static struct model *ejabberd_romeo_bound(unsigned *k)
{
    struct model_config c;
    model_config_default(&c);
    c.profile = MODEL_PROFILE_EJABBERD;
    struct model *m = model_new(&c, 1);
    ck_assert(model_account_create(m, "romeo", "password"));
    *k = model_connect(m);
    send(m, *k, HDR AUTH_ROMEO HDR "<iq type='set' id='b'><bind xmlns="
                "'urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>");
    drain(m, *k);
    return m;
}

/* EJ11: under the ejabberd profile a roster version is an opaque token of
 * 40 hex digits, as ejabberd's SHA-1 of the roster, in a roster result and
 * in each push (R7, an iq with an id); it changes when the roster does
 * (R3). */
START_TEST(test_model_ejabberd_roster_version_token)
{
    unsigned k;
    struct model *m = ejabberd_romeo_bound(&k);
    ck_assert(model_account_create(m, "juliet", "password"));
    char vers[3][64];
    send(m, k, "<iq type='get' id='g'><query xmlns='jabber:iq:roster' ver=''/></iq>");
    roster_ver(drain(m, k), vers[0]);
    send(m, k, "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'>"
               "<item jid='juliet@localhost'/></query></iq>");
    const char *o = drain(m, k);
    const char *id = "<iq type='set' id='";   /* RFC 6120 8.1.3: an iq has an id */
    ck_assert(strncmp(o, id, strlen(id)) == 0 && o[strlen(id)] != '\'');
    roster_ver(o, vers[1]);
    send(m, k, "<iq type='set' id='s2'><query xmlns='jabber:iq:roster'>"
               "<item jid='nurse@localhost'/></query></iq>");
    roster_ver(drain(m, k), vers[2]);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(strlen(vers[i]), 40);
        ck_assert_uint_eq(strspn(vers[i], "0123456789abcdef"), 40);
    }
    ck_assert_str_ne(vers[1], vers[2]);
    model_free(m);
}
END_TEST

/* R20, P5 step 6: pending requests persist until answered; with eight
 * pending (a full table) and the fourth approved, the next initial
 * presence replays the other seven, in order, and not the approved one. */
START_TEST(test_model_pending_requests_after_one_approved)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    static const char b64[] = "xyz01234";   /* base64("\0uN\0password"): AHU?AHBhc3N3b3Jk */
    for (int i = 0; i < 8; i++) {
        char name[16], auth[1024];
        snprintf(name, sizeof name, "u%d", i + 1);
        ck_assert(model_account_create(m, name, "password"));
        snprintf(auth, sizeof auth, HDR "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
                 "mechanism='PLAIN'>AHU%cAHBhc3N3b3Jk</auth>" HDR "<iq type='set' id='b'>"
                 "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>"
                 "<presence type='subscribe' to='romeo@localhost'/>", b64[i]);
        send(m, model_connect(m), auth);
    }
    unsigned r = login(m, "orchard");
    send(m, r, "<presence type='subscribed' to='u4@localhost'/>");
    drain(m, r);
    send(m, r, "<presence/>");
    const char *o = drain(m, r);
    const char *at = o;
    for (int i = 0; i < 8; i++) {
        char from[32];
        snprintf(from, sizeof from, "from='u%d@localhost'", i + 1);
        const char *f = strstr(o, from);
        ck_assert(i == 3 ? f == NULL : f != NULL && f >= at);
        at = f != NULL ? f : at;
    }
    model_free(m);
}
END_TEST

/* EJ45, R3: under the ejabberd profile a removed item is gone from the
 * next roster get, and the removal's push carries a new version. */
START_TEST(test_model_ejabberd_roster_remove)
{
    unsigned k;
    struct model *m = ejabberd_romeo_bound(&k);
    send(m, k, "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'>"
               "<item jid='juliet@localhost'/></query></iq>"
               "<iq type='set' id='s2'><query xmlns='jabber:iq:roster'>"
               "<item jid='nurse@localhost'/></query></iq>");
    char added[64], removed[64];
    roster_ver(strstr(drain(m, k), "id='s1'"), added);
    send(m, k, "<iq type='set' id='r'><query xmlns='jabber:iq:roster'>"
               "<item jid='nurse@localhost' subscription='remove'/></query></iq>");
    roster_ver(drain(m, k), removed);
    ck_assert_str_ne(added, removed);
    send(m, k, "<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>");
    const char *o = drain(m, k);
    ck_assert_ptr_nonnull(strstr(o, "juliet@localhost"));
    ck_assert_ptr_null(strstr(o, "nurse@localhost"));
    model_free(m);
}
END_TEST

/* R3, R7, R13: revoking a contact's subscription changes the roster, so
 * its push carries a version other than the approval's push. */
START_TEST(test_model_revoke_push_new_version)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned r = login(m, "orchard");
    send(m, r, "<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>");
    send(m, model_connect(m), HDR "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
         "mechanism='PLAIN'>AGp1bGlldABwYXNzd29yZA==</auth>" HDR "<iq type='set' id='b'>"
         "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>"
         "<presence type='subscribe' to='romeo@localhost'/>");
    drain(m, r);
    char approved[64], revoked[64];
    send(m, r, "<presence type='subscribed' to='juliet@localhost'/>");
    roster_ver(drain(m, r), approved);
    send(m, r, "<presence type='unsubscribed' to='juliet@localhost'/>");
    roster_ver(drain(m, r), revoked);
    ck_assert_str_ne(approved, revoked);
    model_free(m);
}
END_TEST

/* conn's drained output when it ends with an ack request, else NULL. */
static const char *ends_with_request(struct model *m, unsigned conn)
{
    const char *o = drain(m, conn);
    size_t n = strlen(o), r = strlen(SM_R);
    return n >= r && strcmp(o + n - r, SM_R) == 0 ? o : NULL;
}

/* SM9: a connection loss and a clock advance are inputs too: the stream
 * management session they wrote a presence to gets its <r/> before the
 * call returns (here P15 on a hangup, then SM12's unavailable). */
START_TEST(test_model_sm_request_after_hangup_and_advance)
{
    struct model *m = new_model(MODEL_CONFLICT_KICK_OLD);
    unsigned a = login(m, "orchard"), b = login(m, "balcony"), c = login(m, "garden");
    send(m, b, "<enable xmlns='urn:xmpp:sm:3'/>");
    send(m, c, "<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    send(m, a, "<presence/>");
    send(m, c, "<presence/>");
    send(m, b, "<presence/>");
    send(m, b, "<a xmlns='urn:xmpp:sm:3' h='0'/>");
    drain(m, a);
    drain(m, b);
    drain(m, c);
    send(m, b, "<a xmlns='urn:xmpp:sm:3' h='2'/>");
    drain(m, b);
    ck_assert_int_eq(model_hangup(m, a), MODEL_OK);
    const char *o = ends_with_request(m, b);
    ck_assert_ptr_nonnull(o);
    ck_assert_ptr_nonnull(strstr(o, "from='romeo@localhost/orchard'"));
    send(m, b, "<a xmlns='urn:xmpp:sm:3' h='3'/>");
    drain(m, b);
    ck_assert_int_eq(model_hangup(m, c), MODEL_OK);   /* hibernates */
    ck_assert_str_eq(drain(m, b), "");
    ck_assert_int_eq(model_advance(m, 600 * 1000), MODEL_OK);
    o = ends_with_request(m, b);
    ck_assert_ptr_nonnull(o);
    ck_assert_ptr_nonnull(strstr(o, "Hibernating too long"));
    model_free(m);
}
END_TEST

/* Allocation hooks that count live blocks and fail every allocation while
 * alloc_budget is 0 (negative: never fail; positive: that many succeed). */
static long alloc_live;
static long alloc_budget = -1;

static bool alloc_allowed(void)
{
    if (alloc_budget == 0)
        return false;
    if (alloc_budget > 0)
        alloc_budget--;
    return true;
}

static void *count_malloc(size_t n)
{
    void *p = alloc_allowed() ? malloc(n) : NULL;
    alloc_live += p != NULL;
    return p;
}

static void *count_realloc(void *p, size_t n)
{
    void *q = alloc_allowed() ? realloc(p, n) : NULL;
    alloc_live += q != NULL && p == NULL;
    return q;
}

static void count_free(void *p)
{
    alloc_live -= p != NULL;
    free(p);
}

static const struct model_allocator count_allocator = {count_malloc, count_realloc, count_free};

/* model_new with an allocation failing at any point returns NULL and
 * leaves nothing allocated. */
START_TEST(test_model_new_out_of_memory_leaves_nothing)
{
    struct model_config c;
    model_config_default(&c);
    c.allocator = &count_allocator;
    for (long budget = 0;; budget++) {
        ck_assert_int_lt(budget, 10000);
        alloc_live = 0;
        alloc_budget = budget;
        struct model *m = model_new(&c, 1);
        alloc_budget = -1;
        if (m != NULL) {
            model_free(m);
            ck_assert_int_eq(alloc_live, 0);
            break;
        }
        ck_assert_int_eq(alloc_live, 0);
    }
}
END_TEST

/* Out of memory on a model with sessions and pending output: the call
 * reports it (model_connect 0), the model then answers every query empty
 * and model_free releases every block. */
START_TEST(test_model_out_of_memory_empties_queries)
{
    struct model_config c;
    model_config_default(&c);
    c.allocator = &count_allocator;
    alloc_live = 0;
    alloc_budget = -1;
    struct model *m = model_new(&c, 1);
    ck_assert(model_account_create(m, "romeo", "password"));
    unsigned a = login(m, "orchard");   /* its output stays pending */
    ck_assert_uint_eq(model_session_count(m), 1);
    alloc_budget = 0;
    ck_assert_uint_eq(model_connect(m), 0);
    alloc_budget = -1;
    ck_assert_int_eq(model_error(m), MODEL_ENOMEM);
    ck_assert_int_eq(model_input(m, a, "<presence/>", 11), MODEL_ENOMEM);
    ck_assert_uint_eq(model_session_count(m), 0);
    ck_assert(!model_account_exists(m, "romeo"));
    ck_assert_ptr_null(model_account_at(m, 0));
    ck_assert(model_closed(m, a));
    size_t len = 99;
    ck_assert_str_eq(model_output(m, a, &len), "");
    ck_assert_uint_eq(len, 0);
    struct model_session_info info;
    ck_assert(!model_session_info(m, a, &info));
    model_free(m);
    ck_assert_int_eq(alloc_live, 0);
}
END_TEST

/* model.h "never leaks": a refused stream header (a `to` with a
 * localpart: S2, EJ10) leaves nothing behind once its connection is
 * drained, so refusals do not grow the model's memory. */
START_TEST(test_model_refused_headers_leave_nothing)
{
    static const enum model_profile profiles[] = {MODEL_PROFILE_PROSODY, MODEL_PROFILE_EJABBERD};
    struct model_config c;
    model_config_default(&c);
    c.allocator = &count_allocator;
    c.profile = profiles[_i];
    alloc_live = 0;
    alloc_budget = -1;
    struct model *m = model_new(&c, 1);
    long before = 0;
    for (int i = 0; i < 8; i++) {
        unsigned k = model_connect(m);
        send(m, k, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/"
                   "streams' to='romeo@localhost' version='1.0'>");
        ck_assert_ptr_nonnull(strstr(drain(m, k), "</stream:stream>"));
        ck_assert(model_closed(m, k));
        if (i == 1)
            before = alloc_live;
    }
    ck_assert_int_eq(alloc_live, before);
    model_free(m);
    ck_assert_int_eq(alloc_live, 0);
}
END_TEST

Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_model_login_bind_presence_close);
    tcase_add_test(tc, test_model_kick_old_tells_other_resources);
    tcase_add_test(tc, test_model_reject_new_and_random);
    tcase_add_test(tc, test_model_header_version_and_id);
    tcase_add_test(tc, test_model_stream_errors);
    tcase_add_test(tc, test_model_too_big_per_profile);
    tcase_add_test(tc, test_model_unknown_connection_is_empty);
    tcase_add_test(tc, test_model_accounts_are_listed_in_byte_order);
    tcase_add_test(tc, test_model_unknown_connection_takes_no_input);
    tcase_add_test(tc, test_model_sm_ack_requests);
    tcase_add_test(tc, test_model_output_stanzas_places_each_stanza);
    tcase_add_test(tc, test_model_output_headers_says_what_the_bytes_say);
    tcase_add_test(tc, test_model_input_parsed_is_model_input);
    tcase_add_test(tc, test_model_sm_requests_after_every_answered_one);
    tcase_add_test(tc, test_model_sm_request_waits_for_the_answer);
    tcase_add_test(tc, test_model_sm_resume_forgets_the_old_wait);
    tcase_add_test(tc, test_model_ejabberd_sm_request_after_resume);
    tcase_add_test(tc, test_model_config_defaults);
    tcase_add_test(tc, test_model_domain_is_copied);
    tcase_add_test(tc, test_model_randomness_comes_from_the_seed);
    tcase_add_test(tc, test_model_roster_preset_reads_back);
    tcase_add_test(tc, test_model_output_consume_keeps_the_rest);
    tcase_add_test(tc, test_model_c2s_timeout_at_the_limit);
    tcase_add_test(tc, test_model_hangup_tells_other_resources);
    tcase_add_test(tc, test_model_restart_drops_sessions_and_queues);
    tcase_add_test(tc, test_model_new_out_of_memory_leaves_nothing);
    tcase_add_test(tc, test_model_out_of_memory_empties_queries);
    tcase_add_loop_test(tc, test_model_refused_headers_leave_nothing, 0, 2);
    tcase_add_test(tc, test_model_ejabberd_keeps_no_tombstone);
    tcase_add_test(tc, test_model_ejabberd_roster_version_token);
    tcase_add_test(tc, test_model_pending_requests_after_one_approved);
    tcase_add_test(tc, test_model_revoke_push_new_version);
    tcase_add_test(tc, test_model_ejabberd_roster_remove);
    tcase_add_test(tc, test_model_sm_request_after_hangup_and_advance);
    suite_add_tcase(s, tc);
    return s;
}
