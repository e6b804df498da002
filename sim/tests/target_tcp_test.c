/* target_tcp: --target and --settle parsing, and the byte path over real
 * loopback sockets against a listener this test plays the server with (a
 * stand-in program takes Prosody's place, so no server is needed):
 * normalised stream ids and stamps, fragmentation, settle and wait
 * timing, sends, server closes and hangups, round trips by ping and by
 * XEP-0198 ack request. */
#include <check.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live/norm.h"
#include "base/count.h"
#include "live/target_tcp.h"
#include "suites.h"

#define SETTLE_MS 60u
/* The settle time of the round-trip tests: long, so that a step the ping's
 * answer ends is told apart from one the timer ends even on a loaded
 * machine (upper bounds only; lower bounds use SETTLE_MS). */
#define LONG_SETTLE_MS 3000u

static const struct {
    const char *url;
    bool ok;
    unsigned port;
} urls[] = {
    {"tcp://127.0.0.1:0", true, 0},
    {"tcp://127.0.0.1:5222", true, 5222},
    {"tcp://127.0.0.1:65535", true, 65535},
    {"tcp://127.0.0.1:65536", false, 0},
    {"tcp://127.0.0.1:99999999999999999999", false, 0},
    {"tcp://127.0.0.1:", false, 0},
    {"tcp://127.0.0.1", false, 0},
    {"tcp://127.0.0.1:52a", false, 0},
    {"tcp://127.0.0.1:5222/", false, 0},
    {"tcp://127.0.0.1:-1", false, 0},
    {"tcp://localhost:5222", false, 0},
    {"tcp://0.0.0.0:5222", false, 0},
    {"tcp://192.168.1.10:5222", false, 0},
    {"tcp://[::1]:5222", false, 0},
    {"http://127.0.0.1:5222", false, 0},
    {"", false, 0},
};

START_TEST(test_target_tcp_url_loopback_only)
{
    char err[256] = "";
    unsigned port = 12345;
    bool ok = target_tcp_url_parse(urls[_i].url, &port, err, sizeof err);
    ck_assert_int_eq(ok, urls[_i].ok);
    if (ok)
        ck_assert_uint_eq(port, urls[_i].port);
    else
        ck_assert_ptr_nonnull(strstr(err, "tcp://127.0.0.1:PORT"));
}
END_TEST

static const struct {
    const char *text;
    bool ok;
    unsigned ms;
} settles[] = {
    {"200", true, 200}, {"1", true, 1},    {"60000", true, 60000}, {"0", false, 0},
    {"60001", false, 0}, {"-5", false, 0}, {"2s", false, 0},      {"", false, 0},
};

START_TEST(test_target_tcp_settle_milliseconds)
{
    char err[256];
    unsigned ms = 0;
    ck_assert_int_eq(target_tcp_settle_parse(settles[_i].text, &ms, err, sizeof err),
                     settles[_i].ok);
    if (settles[_i].ok)
        ck_assert_uint_eq(ms, settles[_i].ms);
}
END_TEST

START_TEST(test_target_tcp_setup_rejects_bad_input)
{
    char err[512];
    struct adapter_spec far = {.target = "tcp://10.0.0.1:5222"};
    struct adapter_spec near = {.target = "tcp://127.0.0.1:0"};
    ck_assert_ptr_null(target_tcp_setup_new(&far, NULL, NULL, err, sizeof err));
    ck_assert_ptr_null(target_tcp_setup_new(&near, "0", NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "--settle"));
    ck_assert_ptr_null(target_tcp_setup_new(&near, NULL, "fast", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "--pacing"));
}
END_TEST

/* ---- the byte path ---- */

struct rig {
    char dir[64];
    int listener;
    struct adapter *live;
    struct scenario *s;
    struct target *t;
    unsigned nbound;      /* connections rig_up_bound opened: */
    unsigned conn[2];     /* their ids on the target, */
    int sock[2];          /* their server sides (rig_down closes them) */
};

static unsigned long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000u + (unsigned long long)ts.tv_nsec / 1000000u;
}

static unsigned listen_loopback(int *fd)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    *fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(*fd, 0);
    ck_assert_int_eq(bind(*fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(*fd, 8), 0);
    ck_assert_int_eq(getsockname(*fd, (struct sockaddr *)&a, &len), 0);
    return ntohs(a.sin_port);
}

static void rig_up(struct rig *r, enum pace_mode pacing, unsigned settle_ms)
{
    r->nbound = 0;
    strcpy(r->dir, "/tmp/sessim-tcp-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(r->dir));
    char prog[128], err[ADAPTER_ERROR_MAX];
    snprintf(prog, sizeof prog, "%s/fake", r->dir);
    FILE *f = fopen(prog, "w");
    ck_assert_ptr_nonnull(f);
    fputs("#!/bin/sh\necho \"Activated service 'c2s'\" > \"$(dirname \"$2\")/prosody.log\"\n"
          "exec sleep 60\n",
          f);
    fclose(f);
    chmod(prog, 0755);
    unsigned port = listen_loopback(&r->listener);
    char url[64];
    snprintf(url, sizeof url, "tcp://127.0.0.1:%u", port);
    struct adapter_spec spec = {.target = url, .prosody = prog};
    r->live = adapter_open(&spec, err, sizeof err);
    ck_assert_ptr_nonnull(r->live);
    adapter_set_pacing(r->live, pacing);
    r->s = scenario_create("rig");
    r->t = target_tcp_new(r->live, r->s, settle_ms, err, sizeof err);
    ck_assert_ptr_nonnull(r->t);
}

static void rig_down(struct rig *r)
{
    char prog[128];
    for (unsigned i = 0; i < r->nbound; i++)
        close(r->sock[i]);
    target_free(r->t);
    adapter_free(r->live);
    scenario_free(r->s);
    close(r->listener);
    snprintf(prog, sizeof prog, "%s/fake", r->dir);
    unlink(prog);
    rmdir(r->dir);
}

/* Everything received on conn so far, consumed. */
static void take(struct target *t, unsigned conn, struct buf *out)
{
    size_t len;
    const char *bytes = target_received(t, conn, &len);
    buf_append(out, bytes, len);
    target_consume(t, conn, len);
}

static void put(int fd, const char *s)
{
    ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

START_TEST(test_target_tcp_normalises_and_settles)
{
    struct rig r;
    rig_up(&r, PACE_SETTLE, SETTLE_MS);
    ck_assert_uint_eq(target_caps(r.t), TARGET_CAN_RESTART | TARGET_REAL_CLOCK);
    ck_assert_ptr_null(target_model(r.t));
    unsigned long long w0 = now_ms();
    ck_assert(target_advance(r.t, 30));          /* a real wait */
    ck_assert_uint_ge(now_ms() - w0, 30);
    unsigned c = target_connect(r.t);
    ck_assert_uint_eq(c, 1);
    int s = accept(r.listener, NULL, NULL);
    ck_assert_int_ge(s, 0);
    put(s, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' id='rnd42'>"
           "<message><delay xmlns='urn:xmpp:delay' stamp='2031-");
    target_settle(r.t);
    struct buf got = {0};
    take(r.t, c, &got);
    ck_assert_str_eq(buf_cstr(&got), "<stream:stream xmlns:stream='http://etherx.jabber.org/"
                                     "streams' id='" NORM_STREAM_ID "'><message>");
    put(s, "01-02T03:04:05Z'/></message>");
    ck_assert(target_wait(r.t, c));
    buf_clear(&got);
    take(r.t, c, &got);
    ck_assert_str_eq(buf_cstr(&got),
                     "<delay xmlns='urn:xmpp:delay' stamp='2025-05-13T10:00:00Z'/></message>");
    target_settle(r.t);
    unsigned long long t0 = now_ms();
    ck_assert(!target_wait(r.t, c));             /* the rest of the wait, from the read */
    ck_assert_uint_lt(now_ms() - t0, SETTLE_MS * TARGET_TCP_WAIT_SETTLES);
    ck_assert(target_send(r.t, c, "<presence/>", 11));
    char in[32] = "";
    ck_assert_int_eq(read(s, in, sizeof in - 1), 11);
    ck_assert_str_eq(in, "<presence/>");
    t0 = now_ms();
    ck_assert(!target_wait(r.t, c));             /* nothing within the wait */
    ck_assert_uint_ge(now_ms() - t0, SETTLE_MS * TARGET_TCP_WAIT_SETTLES - 5);
    target_settle(r.t);                          /* quiet already */
    ck_assert_uint_lt(now_ms() - t0, SETTLE_MS * (TARGET_TCP_WAIT_SETTLES + 1));
    ck_assert(target_send(r.t, c, "<iq/>", 5));
    t0 = now_ms();
    target_settle(r.t);                          /* one settle time after a send */
    ck_assert_uint_ge(now_ms() - t0, SETTLE_MS - 5);
    ck_assert_uint_lt(now_ms() - t0, SETTLE_MS * TARGET_TCP_WAIT_SETTLES);
    ck_assert(!target_closed(r.t, c));
    put(s, "<a/>");
    struct timespec pause = {0, 20 * 1000000L};
    nanosleep(&pause, NULL);
    ck_assert(!target_closed(r.t, c));          /* reads the bytes, still open */
    t0 = now_ms();
    ck_assert(target_wait(r.t, c));             /* what closed() read counts at once */
    ck_assert_uint_lt(now_ms() - t0, SETTLE_MS);
    buf_clear(&got);
    take(r.t, c, &got);
    ck_assert_str_eq(buf_cstr(&got), "<a/>");
    close(s);
    ck_assert(target_wait(r.t, c));
    ck_assert(target_closed(r.t, c));
    ck_assert(target_send(r.t, c, "<x/>", 4));  /* swallowed, as on a lost network */
    buf_free(&got);
    rig_down(&r);
}
END_TEST

/* Connection c bound as romeo@localhost/orchard, server socket s. */
static void bind_romeo(struct rig *r, unsigned c, int s)
{
    static const char bind[] = "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:"
                               "xmpp-bind'><resource>orchard</resource></bind></iq>";
    ck_assert(target_send(r->t, c, "<stream:stream to='localhost'>", 30));
    ck_assert(target_send(r->t, c, bind, strlen(bind)));
    put(s, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' from='localhost'>"
           "<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
           "<jid>romeo@localhost/orchard</jid></bind></iq>");
    ck_assert(target_wait(r->t, c));
    char in[512];
    ck_assert_int_gt(read(s, in, sizeof in), 0);
}

/* A new connection on the target, accepted and bound as romeo/orchard;
 * its server-side socket. */
static int connect_bound(struct rig *r, unsigned *c)
{
    *c = target_connect(r->t);
    int s = accept(r->listener, NULL, NULL);
    ck_assert_int_ge(s, 0);
    bind_romeo(r, *c, s);
    return s;
}

/* rig_up, then n (at most 2) connections opened and bound as romeo/orchard
 * (connect_bound): the i-th one's id on the target in r->conn[i], its
 * server side in r->sock[i]. */
static void rig_up_bound(struct rig *r, enum pace_mode pacing, unsigned settle_ms, unsigned n)
{
    ck_assert_uint_le(n, COUNT(r->conn));
    rig_up(r, pacing, settle_ms);
    for (; r->nbound < n; r->nbound++)
        r->sock[r->nbound] = connect_bound(r, &r->conn[r->nbound]);
}

/* Reads from s until the bytes read end with tail; false on EOF. */
static bool read_until(int s, const char *tail)
{
    char in[512] = "";
    size_t n = 0, t = strlen(tail);
    while (n < t || memcmp(in + n - t, tail, t) != 0) {
        ssize_t k = read(s, in + n, sizeof in - 1 - n);
        if (k <= 0)
            return false;
        n += (size_t)k;
    }
    return true;
}

/* Writes text whole on s: false when it could not. */
static bool write_text(int s, const char *text)
{
    return write(s, text, strlen(text)) == (ssize_t)strlen(text);
}

/* Answers the pings with ids first to last on s, each once it has come
 * whole; false on EOF or a failed write. */
static bool answer_pings(int s, unsigned long first, unsigned long last)
{
    bool ok = true;
    for (unsigned long id = first; ok && id <= last; id++) {
        char answer[128];
        snprintf(answer, sizeof answer, "<iq type='result' id='" PACE_ID_PREFIX "%lu'/>", id);
        ok = read_until(s, "<ping xmlns='urn:xmpp:ping'/></iq>") && write_text(s, answer);
    }
    return ok;
}

/* Forks the server's side of a step: a child process that runs answer on
 * the server sides of r's bound connections (r->sock) and exits 0 when it
 * returns true (the bytes were as expected), else 1. Returns its pid,
 * for served. */
static pid_t serve(const struct rig *r, bool (*answer)(const int *sock))
{
    pid_t server = fork();
    ck_assert_int_ge(server, 0);
    if (server == 0)
        _exit(answer(r->sock) ? 0 : 1);
    return server;
}

/* Waits for the server's side (serve) to end: it must have exited 0. */
static void served(pid_t server)
{
    int status;
    ck_assert_int_eq(waitpid(server, &status, 0), server);
    ck_assert_int_eq(status, 0);
}

/* target_settle, which must end before LONG_SETTLE_MS: something other
 * than the settle timer (a round trip, the server's reads) ends the step. */
static void settle_before_timer(struct rig *r)
{
    unsigned long long t0 = now_ms();
    target_settle(r->t);
    ck_assert_uint_lt(now_ms() - t0, LONG_SETTLE_MS);
}

/* The server's side (serve): reads until the first ping has come whole
 * after <presence/>, answers it behind a message. */
static bool answer_ping(const int *sock)
{
    int s = sock[0];
    static const char want[] = "<presence/><iq type='get' id='" PACE_ID_PREFIX "1' "
                               "to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>";
    static const char answer[] = "<message><body>hi</body></message>"
                                 "<iq type='result' from='localhost' id='" PACE_ID_PREFIX "1'/>";
    return read_until(s, want) && write_text(s, answer);
}

START_TEST(test_target_tcp_round_trip_ends_a_step)
{
    struct rig r;
    rig_up_bound(&r, PACE_ROUNDTRIP, LONG_SETTLE_MS, 1);
    unsigned c = r.conn[0];
    struct buf got = {0};
    take(r.t, c, &got);
    ck_assert(target_send(r.t, c, "<presence/>", 11));
    pid_t server = serve(&r, answer_ping);
    settle_before_timer(&r);
    served(server);
    buf_clear(&got);
    take(r.t, c, &got);
    ck_assert_str_eq(buf_cstr(&got), "<message><body>hi</body></message>");
    settle_before_timer(&r);                     /* nothing written: nothing to wait for */
    const struct adapter_stats *st = adapter_stats(r.live);
    ck_assert_uint_eq(st->ends[PACE_END_ROUNDTRIP], 1);
    ck_assert_uint_eq(st->ends[PACE_END_IDLE], 1);
    ck_assert_uint_eq(st->pings, 1);
    buf_free(&got);
    rig_down(&r);
}
END_TEST

/* The server's side (serve) of a blind step: reads the half stanza on the
 * second connection, then answers two rounds of pings on the first, ids 1
 * and 2. */
static bool answer_blind(const int *sock)
{
    return read_until(sock[1], "<presence") && answer_pings(sock[0], 1, 2);
}

/* A connection whose bytes end inside a stanza takes no ping; once the
 * server has read them all, two rounds of pings on the other connection
 * end the step. */
START_TEST(test_target_tcp_blind_step_ends_by_reading)
{
    struct rig r;
    rig_up_bound(&r, PACE_ROUNDTRIP, LONG_SETTLE_MS, 2);
    unsigned b = r.conn[1];
    pid_t server = serve(&r, answer_blind);
    ck_assert(target_send(r.t, b, "<presence", 9));
    settle_before_timer(&r);
    served(server);
    ck_assert_uint_eq(adapter_stats(r.live)->ends[PACE_END_READ], 1);
    rig_down(&r);
}
END_TEST

/* The server's side (serve) of two steps: the blind one (answer_blind),
 * then one that writes on sa: its ping answered, a message written on sb,
 * then two more rounds of pings on sa answered. */
static bool answer_deaf(const int *sock)
{
    int sa = sock[0], sb = sock[1];
    return answer_blind(sock) && answer_pings(sa, 3, 3) &&
           write_text(sb, "<message><body>late</body></message>") && answer_pings(sa, 4, 5);
}

/* A bound connection an earlier step left inside a stanza takes no ping:
 * a step that writes elsewhere ends once every byte the server wrote on
 * it was read. */
START_TEST(test_target_tcp_deaf_connection_read_to_the_end)
{
    struct rig r;
    rig_up_bound(&r, PACE_ROUNDTRIP, LONG_SETTLE_MS, 2);
    unsigned a = r.conn[0], b = r.conn[1];
    struct buf got = {0};
    take(r.t, b, &got);
    buf_clear(&got);
    pid_t server = serve(&r, answer_deaf);
    ck_assert(target_send(r.t, b, "<presence", 9));
    target_settle(r.t);
    ck_assert(target_send(r.t, a, "<presence/>", 11));
    settle_before_timer(&r);
    take(r.t, b, &got);
    ck_assert_str_eq(buf_cstr(&got), "<message><body>late</body></message>");
    served(server);
    ck_assert_uint_eq(adapter_stats(r.live)->ends[PACE_END_READ], 2);
    buf_free(&got);
    rig_down(&r);
}
END_TEST

/* The server's side (serve) of a step that enables stream management:
 * reads the <enable/>, checks that nothing follows it before the answer
 * (no probe before <enabled/>), answers, then answers the <r/> probe in
 * the other namespace behind a message. */
static bool answer_enable(const int *sock)
{
    int s = sock[0];
    static const char enabled[] = "<enabled xmlns='urn:xmpp:sm:3'/>";
    static const char answer[] = "<message><body>hi</body></message>"
                                 "<a xmlns='urn:xmpp:sm:2' h='0'/>";
    struct pollfd p = {.fd = s, .events = POLLIN};
    return read_until(s, "<enable xmlns='urn:xmpp:sm:3'/>") && poll(&p, 1, 100) == 0 &&
           write_text(s, enabled) && read_until(s, "<r xmlns='urn:xmpp:sm:2'/>") &&
           write_text(s, answer);
}

/* With stream management on, an <r/> ends the step instead of a ping
 * (which XEP-0198 would count), and its answer is taken out. */
START_TEST(test_target_tcp_sm_step_ends_by_ack_request)
{
    struct rig r;
    rig_up_bound(&r, PACE_ROUNDTRIP, LONG_SETTLE_MS, 1);
    unsigned c = r.conn[0];
    struct buf got = {0};
    take(r.t, c, &got);
    pid_t server = serve(&r, answer_enable);
    ck_assert(target_send(r.t, c, "<enable xmlns='urn:xmpp:sm:3'/>", 31));
    settle_before_timer(&r);
    served(server);
    buf_clear(&got);
    take(r.t, c, &got);
    ck_assert_str_eq(buf_cstr(&got),
                     "<enabled xmlns='urn:xmpp:sm:3'/><message><body>hi</body></message>");
    const struct adapter_stats *st = adapter_stats(r.live);
    ck_assert_uint_eq(st->ends[PACE_END_ROUNDTRIP], 1);
    ck_assert_uint_eq(st->probes, 1);
    ck_assert_uint_eq(st->pings, 0);
    buf_free(&got);
    rig_down(&r);
}
END_TEST

/* A connection with stream management on dropped inside a stanza: the
 * session resumed on another takes no probe (Prosody would parse it as
 * the rest of that stanza); the step settles. */
START_TEST(test_target_tcp_resumed_after_open_stanza_settles)
{
    static const char enable[] = "<enable xmlns='urn:xmpp:sm:3' resume='true'/>";
    static const char resume[] = "<stream:stream to='localhost'>"
                                 "<resume xmlns='urn:xmpp:sm:3' previd='t' h='0'/>";
    struct rig r;
    rig_up_bound(&r, PACE_ROUNDTRIP, SETTLE_MS, 1);
    unsigned a = r.conn[0];
    ck_assert(target_send(r.t, a, enable, strlen(enable)));
    put(r.sock[0], "<enabled xmlns='urn:xmpp:sm:3' id='t' resume='true'/>");
    ck_assert(target_wait(r.t, a));
    ck_assert(target_send(r.t, a, "<message><bo", 12));
    target_hangup(r.t, a);
    unsigned b = target_connect(r.t);
    int sb = accept(r.listener, NULL, NULL);
    ck_assert(target_send(r.t, b, resume, strlen(resume)));
    put(sb, "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' from='localhost'>"
            "<resumed xmlns='urn:xmpp:sm:3' previd='t' h='0'/>");
    ck_assert(target_wait(r.t, b));
    target_settle(r.t);
    ck_assert_uint_eq(adapter_stats(r.live)->ends[PACE_END_RESUMED], 1);
    ck_assert_uint_eq(adapter_stats(r.live)->probes, 0);
    char in[512];
    ck_assert_int_eq(read(sb, in, sizeof in), (ssize_t)strlen(resume));   /* nothing more */
    close(sb);
    rig_down(&r);
}
END_TEST

START_TEST(test_target_tcp_round_trip_unanswered_waits_settle)
{
    struct rig r;
    rig_up_bound(&r, PACE_ROUNDTRIP, SETTLE_MS, 1);
    unsigned c = r.conn[0];
    ck_assert(target_send(r.t, c, "<presence/>", 11));
    unsigned long long t0 = now_ms();
    target_settle(r.t);                          /* no answer: the settle time after all */
    ck_assert_uint_ge(now_ms() - t0, SETTLE_MS * TARGET_TCP_WAIT_SETTLES - 5);
    rig_down(&r);
}
END_TEST

START_TEST(test_target_tcp_settle_pacing_never_pings)
{
    struct rig r;
    rig_up_bound(&r, PACE_SETTLE, SETTLE_MS, 1);
    unsigned c = r.conn[0];
    int s = r.sock[0];
    ck_assert(target_send(r.t, c, "<presence/>", 11));
    unsigned long long t0 = now_ms();
    target_settle(r.t);
    ck_assert_uint_ge(now_ms() - t0, SETTLE_MS - 5);
    char in[64] = "";
    ck_assert_int_eq(read(s, in, sizeof in - 1), 11);
    rig_down(&r);
}
END_TEST

START_TEST(test_target_tcp_hangup_closes_client_side)
{
    struct rig r;
    rig_up(&r, PACE_ROUNDTRIP, SETTLE_MS);
    unsigned a = target_connect(r.t), b = target_connect(r.t);
    ck_assert_uint_eq(a, 1);
    ck_assert_uint_eq(b, 2);
    int sa = accept(r.listener, NULL, NULL);
    ck_assert_int_ge(sa, 0);
    target_hangup(r.t, a);
    ck_assert(target_closed(r.t, a));
    char byte;
    ck_assert_int_eq(read(sa, &byte, 1), 0);     /* the server sees the end of the stream */
    ck_assert(!target_closed(r.t, b));
    ck_assert(target_closed(r.t, 99));
    close(sa);
    rig_down(&r);
}
END_TEST

Suite *target_tcp_suite(void)
{
    Suite *s = suite_create("target_tcp");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_target_tcp_url_loopback_only, 0, COUNT(urls));
    tcase_add_loop_test(tc, test_target_tcp_settle_milliseconds, 0, COUNT(settles));
    tcase_add_test(tc, test_target_tcp_setup_rejects_bad_input);
    tcase_add_test(tc, test_target_tcp_normalises_and_settles);
    tcase_add_test(tc, test_target_tcp_hangup_closes_client_side);
    tcase_add_test(tc, test_target_tcp_round_trip_ends_a_step);
    tcase_add_test(tc, test_target_tcp_blind_step_ends_by_reading);
    tcase_add_test(tc, test_target_tcp_deaf_connection_read_to_the_end);
    tcase_add_test(tc, test_target_tcp_sm_step_ends_by_ack_request);
    tcase_add_test(tc, test_target_tcp_resumed_after_open_stanza_settles);
    tcase_add_test(tc, test_target_tcp_round_trip_unanswered_waits_settle);
    tcase_add_test(tc, test_target_tcp_settle_pacing_never_pings);
    suite_add_tcase(s, tc);
    return s;
}
