/* target_tcp: loopback TCP to a live server (see target_tcp.h).
 *
 * Sockets are non-blocking; everything the server wrote is read whenever
 * the runner asks about a connection, runs through the normaliser into the
 * connection's buffer and waits there to be consumed (the answers to
 * pings and <r/> probes taken out first, pace.h). A step ends by round trips where the adapter's
 * pacing and the connections allow (see roundtrip below); else by the
 * settle time, measured from the last traffic in either direction, so a
 * quiet server costs one settle time per step that sent something, and
 * none for steps that only look. Wait, which the runner calls only while
 * it expects something, gives a busy server TARGET_TCP_WAIT_SETTLES
 * settle times.
 */
#include "live/target_tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "base/text.h"
#include "model/model.h"
#include "live/adapter.h"
#include "live/hostport.h"
#include "live/live.h"
#include "live/norm.h"
#include "live/pace.h"
#include "live/tcpdiag.h"

#define TCP_URL_PREFIX "tcp://" LIVE_HOST ":"
#define TCP_READ_CHUNK 65536

struct tcp_conn {
    int fd;                      /* -1 once closed */
    bool ended;                  /* the server closed it, or the client hung up */
    bool sent;                   /* client bytes written since the last settle */
    bool close_seen;             /* the server's end of stream was waited for once */
    unsigned long long written;  /* bytes written on it, pings too */
    unsigned long long got;      /* bytes read from it */
    struct norm_stream norm;
    struct pace_conn pace;       /* what a ping may be written on, answers taken out */
    struct buf in;               /* normalised bytes not consumed yet */
};

struct target_tcp {
    struct target base;
    struct target_ops ops;       /* target_tcp_ops with this server's caps */
    struct adapter *a;           /* the server, or NULL when the scenario is skipped */
    unsigned settle_ms;
    bool roundtrip;              /* PACE_ROUNDTRIP: steps end by pings where they can */
    bool hung, restarted, waited; /* since the last settle (waited: a real advance) */
    unsigned long ping_seq;
    struct buf scratch;          /* normalised bytes before the answers are taken out */
    char stamp[NORM_STAMP_SIZE]; /* the model's clock at creation */
    struct tcp_conn *conns;      /* connection id = index + 1 */
    size_t nconns;
    struct tcp_conn spare;       /* the harness's own connection for pings, fd -1 when none */
    char *domain;                /* the scenario's, for the spare's stream header */
    unsigned long long last_ms;  /* last traffic, either direction */
    struct adapter_stats *stats; /* the adapter's, or own when the scenario is skipped */
    struct adapter_stats own;
};

/* ---- options ---- */

bool target_tcp_url_parse(const char *url, unsigned *port, char *err, size_t errsize)
{
    size_t n = strlen(TCP_URL_PREFIX);
    const char *p = url + n;
    unsigned long v = 0;
    bool ok = strncmp(url, TCP_URL_PREFIX, n) == 0 && *p >= '0' && *p <= '9';
    for (; ok && *p >= '0' && *p <= '9' && v <= 65535; p++)
        v = v * 10 + (unsigned long)(*p - '0');
    if (ok && *p == '\0' && v <= 65535) {
        *port = (unsigned)v;
        return true;
    }
    struct hostport hp;
    char ignored[8];
    if (hostport_parse(url, &hp, ignored, sizeof ignored))
        snprintf(err, errsize, "--target must be tcp://%s:PORT for the Prosody sessim starts; "
                               "a server at %s that sessim did not start needs --server FILE "
                               "(sim/README.md, \"Servers sessim did not start\")",
                 LIVE_HOST, url);
    else
        snprintf(err, errsize, "--target must be tcp://%s:PORT (PORT 0-65535; 0: any free "
                               "port), or tcp://HOST:PORT with --server FILE, not '%s'",
                 LIVE_HOST, url);
    return false;
}

bool target_tcp_pacing_parse(const char *text, enum pace_mode *mode, char *err, size_t errsize)
{
    if (pace_mode_parse(text, mode))
        return true;
    snprintf(err, errsize, "--pacing is roundtrip or settle, not '%s'", text);
    return false;
}

bool target_tcp_settle_parse(const char *text, unsigned *ms, char *err, size_t errsize)
{
    unsigned long v = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9' && v <= TARGET_TCP_SETTLE_MAX_MS; p++)
        v = v * 10 + (unsigned long)(*p - '0');
    if (p != text && *p == '\0' && v >= 1 && v <= TARGET_TCP_SETTLE_MAX_MS) {
        *ms = (unsigned)v;
        return true;
    }
    snprintf(err, errsize, "--settle needs milliseconds from 1 to %u, not '%s'",
             TARGET_TCP_SETTLE_MAX_MS, text);
    return false;
}

/* ---- connections ---- */

static struct target_tcp *tcp_of(struct target *t)
{
    return (struct target_tcp *)t;
}

static struct tcp_conn *conn_get(struct target_tcp *tt, unsigned conn)
{
    return conn >= 1 && conn <= tt->nconns ? &tt->conns[conn - 1] : NULL;
}

static void conn_end(struct target_tcp *tt, struct tcp_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->ended = true;
    tt->last_ms = clock_now_ms();
}

/* Server bytes into c->in: normalised, ping answers taken out. */
static void conn_feed(struct target_tcp *tt, struct tcp_conn *c, const char *bytes, size_t len,
                      bool final)
{
    buf_clear(&tt->scratch);
    norm_stream_feed(&c->norm, bytes, len, final, tt->stamp, &tt->scratch);
    pace_conn_server(&c->pace, tt->scratch.data, tt->scratch.len, final, &c->in);
}

/* Reads whatever the server has written on c (never blocks). */
static void conn_pump(struct target_tcp *tt, struct tcp_conn *c)
{
    static char chunk[TCP_READ_CHUNK];
    while (c->fd >= 0) {
        ssize_t n = read(c->fd, chunk, sizeof chunk);
        if (n > 0) {
            c->got += (unsigned long long)n;
            conn_feed(tt, c, chunk, (size_t)n, false);
            tt->last_ms = clock_now_ms();
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            conn_feed(tt, c, NULL, 0, true);
            conn_end(tt, c);
        } else if (errno != EINTR) {
            return;
        }
    }
}

static void pump_all(struct target_tcp *tt)
{
    for (size_t i = 0; i < tt->nconns; i++)
        conn_pump(tt, &tt->conns[i]);
    conn_pump(tt, &tt->spare);
    buf_clear(&tt->spare.in);   /* nobody reads it */
}

/* Waits up to ms for any open connection to become readable. */
static void poll_all(struct target_tcp *tt, unsigned long long ms)
{
    struct pollfd *fds = mem_calloc(tt->nconns + 2, sizeof *fds);
    nfds_t n = 0;
    for (size_t i = 0; i < tt->nconns; i++)
        if (tt->conns[i].fd >= 0)
            fds[n++] = (struct pollfd){.fd = tt->conns[i].fd, .events = POLLIN};
    if (tt->spare.fd >= 0)
        fds[n++] = (struct pollfd){.fd = tt->spare.fd, .events = POLLIN};
    poll(fds, n, (int)ms);
    free(fds);
}

/* Milliseconds left of span since the last traffic (0: quiet that long). */
static unsigned long long quiet_left(const struct target_tcp *tt, unsigned long long span)
{
    unsigned long long since = clock_now_ms() - tt->last_ms;
    return since >= span ? 0 : span - since;
}

static bool fail_with(struct target *t, const char *msg)
{
    snprintf(t->error, sizeof t->error, "%s", msg);
    return false;
}

/* ---- operations ---- */

static bool tt_account_create(struct target *t, const char *user, const char *password)
{
    struct adapter *a = tcp_of(t)->a;
    return adapter_account_create(a, user, password) || fail_with(t, adapter_error(a));
}

static bool tt_roster_preset(struct target *t, const char *user,
                             const struct target_roster_item *item)
{
    struct adapter *a = tcp_of(t)->a;
    return adapter_roster_preset(a, user, item) || fail_with(t, adapter_error(a));
}

static unsigned tt_connect(struct target *t)
{
    struct target_tcp *tt = tcp_of(t);
    int fd = adapter_connect(tt->a);
    if (fd < 0) {
        fail_with(t, adapter_error(tt->a));
        return 0;
    }
    tt->conns = mem_realloc(tt->conns, (tt->nconns + 1) * sizeof *tt->conns);
    tt->conns[tt->nconns] = (struct tcp_conn){.fd = fd};
    tt->last_ms = clock_now_ms();
    return (unsigned)++tt->nconns;
}

/* Writes all of bytes; a connection the server has closed swallows them,
 * as a lost network would. */
static bool conn_write(struct target_tcp *tt, struct tcp_conn *c, const char *bytes, size_t len)
{
    while (c->fd >= 0 && len > 0) {
        ssize_t n = send(c->fd, bytes, len, MSG_NOSIGNAL);
        if (n > 0) {
            c->written += (unsigned long long)n;
            bytes += n;
            len -= (size_t)n;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            struct pollfd p = {.fd = c->fd, .events = POLLOUT};
            if (poll(&p, 1, TARGET_TCP_SEND_TIMEOUT_MS) == 0)
                return fail_with(&tt->base, "the server does not read (send timed out)");
        } else if (errno != EINTR) {
            conn_pump(tt, c);
            conn_end(tt, c);
        }
    }
    tt->last_ms = clock_now_ms();
    return true;
}

static bool tt_send(struct target *t, unsigned conn, const char *bytes, size_t len)
{
    struct target_tcp *tt = tcp_of(t);
    struct tcp_conn *c = conn_get(tt, conn);
    if (c == NULL)
        return fail_with(t, "no such connection");
    pace_conn_client(&c->pace, bytes, len);
    c->sent = true;
    return conn_write(tt, c, bytes, len);
}

static const char *tt_received(struct target *t, unsigned conn, size_t *len)
{
    struct target_tcp *tt = tcp_of(t);
    struct tcp_conn *c = conn_get(tt, conn);
    if (c == NULL) {
        *len = 0;
        return "";
    }
    conn_pump(tt, c);
    *len = c->in.len;
    return c->in.len > 0 ? c->in.data : "";
}

static void tt_consume(struct target *t, unsigned conn, size_t n)
{
    struct tcp_conn *c = conn_get(tcp_of(t), conn);
    if (c != NULL)
        buf_consume(&c->in, n);
}

/* Ended, and every byte of it read. */
static bool tt_closed(struct target *t, unsigned conn)
{
    struct target_tcp *tt = tcp_of(t);
    struct tcp_conn *c = conn_get(tt, conn);
    if (c == NULL)
        return true;
    conn_pump(tt, c);
    return c->ended && c->in.len == 0;
}

static void tt_hangup(struct target *t, unsigned conn)
{
    struct target_tcp *tt = tcp_of(t);
    struct tcp_conn *c = conn_get(tt, conn);
    if (c == NULL)
        return;
    tt->hung = tt->hung || c->fd >= 0;
    conn_end(tt, c);
    buf_clear(&c->in);
    norm_stream_free(&c->norm);
}

static bool tt_restart(struct target *t)
{
    struct target_tcp *tt = tcp_of(t);
    bool ok = adapter_restart(tt->a) || fail_with(t, adapter_error(tt->a));
    tt->last_ms = clock_now_ms();
    tt->restarted = true;
    pump_all(tt);
    return ok;
}

/* A real wait (TARGET_REAL_CLOCK: only a Prosody sessim configured, whose
 * timers come from the scenario's server:), reading what arrives. The end
 * of the wait counts as traffic, so the settle after the step waits a
 * whole settle time for a timer due at its end. */
static bool tt_advance(struct target *t, uint64_t ms)
{
    struct target_tcp *tt = tcp_of(t);
    if ((tt->ops.caps & TARGET_REAL_CLOCK) == 0)
        return fail_with(t, "a live server has no virtual clock");
    double t0 = clock_now_s();
    unsigned long long end = clock_now_ms() + ms;
    for (unsigned long long now = clock_now_ms(); now < end; now = clock_now_ms()) {
        pump_all(tt);
        poll_all(tt, end - now);
    }
    pump_all(tt);
    tt->last_ms = clock_now_ms();
    tt->waited = true;
    tt->stats->advances++;
    tt->stats->advance_s += clock_now_s() - t0;
    return true;
}

/* ---- pacing (pace.h) ---- */

/* Waits until no byte moved for the settle time. */
static void settle_quiet(struct target_tcp *tt)
{
    for (unsigned long long left = quiet_left(tt, tt->settle_ms); left > 0;
         left = quiet_left(tt, tt->settle_ms)) {
        poll_all(tt, left);
        pump_all(tt);
    }
}

/* A connection written on in this step that no ping may follow while
 * the server can still be shown to have read all of it (tcpdiag.h): its
 * bytes end inside a stanza or a stream header, or hold what the tracker
 * cannot follow. */
static bool conn_blind(const struct tcp_conn *c)
{
    enum pace_end why = pace_conn_why_not(&c->pace);
    return c->fd >= 0 && c->sent && !c->pace.cclosed &&
           (why == PACE_END_MID_STANZA || why == PACE_END_NO_STREAM || why == PACE_END_UNTRACKED);
}

/* A bound connection the step did not write on that no ping may follow
 * for its client bytes (they end inside a stanza or in text): what the
 * step sends it cannot be shown by its own ping, only by the kernel
 * (blind_roundtrip). */
static bool conn_deaf(const struct tcp_conn *c)
{
    enum pace_end why = pace_conn_why_not(&c->pace);
    return c->fd >= 0 && c->pace.bound && !c->sent && !c->pace.cclosed &&
           (why == PACE_END_MID_STANZA || why == PACE_END_UNTRACKED);
}

/* The XEP-0198 namespaces the scenario's clients have named on any
 * connection (pace_conn.cns). */
static unsigned sm_used(const struct target_tcp *tt)
{
    unsigned used = 0;
    for (size_t i = 0; i < tt->nconns; i++)
        used |= tt->conns[i].pace.cns;
    return used;
}

/* Whether some connection with stream management on, open or ended,
 * left its client bytes inside a stanza (a closed stream ends its
 * session): Prosody 0.12 feeds what a
 * client writes after <resumed/> to the parser of the connection that
 * first enabled the session, so a probe there could end up inside that
 * stanza (pace.h). */
static bool sm_left_open(const struct target_tcp *tt)
{
    for (size_t i = 0; i < tt->nconns; i++)
        if (tt->conns[i].pace.sm_ns != 0 && !tt->conns[i].pace.cclosed &&
            !pace_conn_between_stanzas(&tt->conns[i].pace))
            return true;
    return false;
}

/* Whether every connection written on in this step can show by a round
 * trip that the server has handled it: a ping (or, where stream
 * management is on, an <r/>) may follow its bytes (bound or not), or its
 * stream is closing (Prosody ends the session before it closes the
 * connection), or it has ended. Not when a client has used the namespace
 * a probe would take on some connection (pace.h: its answers could not be
 * told apart), nor on a resumed connection while a stanza was left open
 * (sm_left_open), nor after a real advance (a timer due at its end needs
 * the settle time). */
static enum pace_end roundtrip_fits(const struct target_tcp *tt)
{
    if (tt->waited)
        return PACE_END_ADVANCE;
    unsigned used = sm_used(tt);
    bool left_open = sm_left_open(tt);
    for (size_t i = 0; i < tt->nconns; i++) {
        const struct tcp_conn *c = &tt->conns[i];
        if (c->fd >= 0 && (used & pace_conn_probe_ns(&c->pace)) != 0)
            return PACE_END_SM;
        if (c->fd >= 0 && c->pace.resumed && left_open)
            return PACE_END_RESUMED;
        enum pace_end why = pace_conn_why_not(&c->pace);
        if (c->sent && c->fd >= 0 && why != PACE_END_ROUNDTRIP && !c->pace.cclosed &&
            !conn_blind(c))
            return why;
    }
    return PACE_END_ROUNDTRIP;
}

static void conn_ping(struct target_tcp *tt, struct tcp_conn *c)
{
    struct buf b = {0};
    if (pace_conn_ping(&c->pace, ++tt->ping_seq, &b))
        tt->stats->probes++;
    else
        tt->stats->pings++;
    conn_write(tt, c, b.data, b.len);
    buf_free(&b);
}

/* A connection waited on: a ping unanswered while the server's stream is
 * open (a server ends its stream after the effects of ending it), a
 * stream the client closed in this step, or one the server has just
 * ended, whose connection has not closed yet (the next step must see it
 * closed, as it would after the settle time). */
static bool conn_waited(const struct tcp_conn *c)
{
    bool answer_due = c->pace.pending > 0 && c->pace.sopen;
    bool closing = (c->sent && c->pace.cclosed) || (c->pace.sclosed && !c->close_seen);
    return c->fd >= 0 && (answer_due || closing);
}

/* A connection written on in this step whose server has not answered
 * its stream header yet (pace_conn_header_due). */
static bool header_waited(const struct tcp_conn *c)
{
    return c->fd >= 0 && c->sent && pace_conn_header_due(&c->pace);
}

/* A connection written on in this step whose <enable/> or <resume/>
 * has not been answered yet (pace_conn_sm_due): the answer says whether a
 * probe or a ping may follow. */
static bool sm_waited(const struct tcp_conn *c)
{
    return c->fd >= 0 && c->sent && pace_conn_sm_due(&c->pace);
}

/* A connection not ended yet (after a restart every one ends). */
static bool conn_open(const struct tcp_conn *c)
{
    return c->fd >= 0;
}

/* Waits while some connection, the spare too, is waited (conn_waited,
 * header_waited, conn_open); false when the wait does not end within
 * TARGET_TCP_WAIT_SETTLES settle times of quiet. */
static bool conns_await(struct target_tcp *tt, bool (*waited_on)(const struct tcp_conn *))
{
    unsigned long long patience = (unsigned long long)tt->settle_ms * TARGET_TCP_WAIT_SETTLES;
    for (;;) {
        pump_all(tt);
        size_t waited = 0;
        for (size_t i = 0; i < tt->nconns; i++)
            waited += waited_on(&tt->conns[i]);
        waited += waited_on(&tt->spare);
        if (waited == 0)
            return true;
        unsigned long long left = quiet_left(tt, patience);
        if (left == 0)
            return false;
        poll_all(tt, left);
    }
}

/* A bound connection a ping may be written on: one that can get what
 * other sessions send. */
static bool conn_bound(const struct tcp_conn *c)
{
    return c->fd >= 0 && c->pace.bound && pace_conn_can_ping(&c->pace);
}

/* Pings every connection written on that can take a ping (senders), or
 * every bound one that can; returns how many. */
static size_t ping_all(struct target_tcp *tt, bool senders)
{
    size_t n = 0;
    for (size_t i = 0; i < tt->nconns; i++) {
        struct tcp_conn *c = &tt->conns[i];
        if (senders ? c->fd >= 0 && c->sent && pace_conn_can_ping(&c->pace) : conn_bound(c)) {
            conn_ping(tt, c);
            n++;
        }
    }
    return n;
}

/* Whether the server has read every byte written on c (all: and the
 * client every byte the server wrote on it); *known false when the kernel
 * does not say. Bytes the server's socket holds back are waiting for an
 * ACK the client's kernel delays (Nagle's algorithm): it is sent at once
 * (TCP_QUICKACK), so they come without the delayed-ACK timer. */
static bool conn_drained(const struct tcp_conn *c, bool all, bool *known)
{
    struct tcpdiag_peer p;
    if (c->fd < 0)
        return true;
    *known = *known && tcpdiag_peer(c->fd, &p);
    if (*known && all && p.unsent > 0) {
        int on = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
    }
    return *known && p.received >= c->written && p.unread == 0 &&
           (!all || (c->got >= p.sent && p.unsent == 0));
}

/* Waits until every blind or deaf connection is drained (conn_drained); false
 * when the kernel does not say or TARGET_TCP_WAIT_SETTLES settle times of
 * quiet pass first. */
static bool blind_await(struct target_tcp *tt, bool all)
{
    unsigned long long patience = (unsigned long long)tt->settle_ms * TARGET_TCP_WAIT_SETTLES;
    for (;;) {
        pump_all(tt);
        bool known = true;
        size_t left = 0;
        for (size_t i = 0; i < tt->nconns; i++)
            left += (conn_blind(&tt->conns[i]) || conn_deaf(&tt->conns[i])) &&
                    !conn_drained(&tt->conns[i], all, &known);
        if (!known)
            return false;
        if (left == 0)
            return true;
        if (quiet_left(tt, patience) == 0)
            return false;
        poll_all(tt, TARGET_TCP_DRAIN_POLL_MS);
    }
}

/* Pings every connection a ping may follow, the spare too; returns how
 * many. */
static size_t ping_open(struct target_tcp *tt)
{
    size_t n = 0;
    for (size_t i = 0; i <= tt->nconns; i++) {
        struct tcp_conn *c = i < tt->nconns ? &tt->conns[i] : &tt->spare;
        if (c->fd >= 0 && pace_conn_can_ping(&c->pace)) {
            conn_ping(tt, c);
            n++;
        }
    }
    return n;
}

static void conn_free(struct tcp_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    norm_stream_free(&c->norm);
    pace_conn_free(&c->pace);
    buf_free(&c->in);
}

/* Whether some scenario connection can take a ping. */
static bool any_pingable(const struct target_tcp *tt)
{
    for (size_t i = 0; i < tt->nconns; i++)
        if (tt->conns[i].fd >= 0 && pace_conn_can_ping(&tt->conns[i].pace))
            return true;
    return false;
}

/* The spare: a connection of the harness's own, with an open stream and
 * nothing else (not authenticated: Prosody answers its pings with an
 * error, and nothing any session does reaches it), opened the first time
 * a blind step has no other connection to ping, and again after it was
 * lost (a restart). True when it can take a ping. */
static bool spare_ready(struct target_tcp *tt)
{
    struct tcp_conn *c = &tt->spare;
    if (c->fd >= 0)
        return pace_conn_can_ping(&c->pace);
    conn_free(c);
    *c = (struct tcp_conn){.fd = adapter_connect(tt->a)};
    if (c->fd < 0)
        return false;
    struct buf b = {0};
    text_printf(&b, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                    "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>",
                tt->domain);
    pace_conn_client(&c->pace, b.data, b.len);
    conn_write(tt, c, b.data, b.len);
    buf_free(&b);
    unsigned long long patience = (unsigned long long)tt->settle_ms * TARGET_TCP_WAIT_SETTLES;
    for (;;) {
        pump_all(tt);
        if (c->fd < 0 || pace_conn_can_ping(&c->pace))
            return c->fd >= 0;
        unsigned long long left = quiet_left(tt, patience);
        if (left == 0)
            return false;
        poll_all(tt, left);
    }
}

/* Ends a step that left a blind connection (conn_blind) on Prosody's one
 * event loop (sim/README.md "Pacing"). Once the server has read every
 * byte of it, it handles them to the end in that same callback, before it
 * reads another connection: so a ping written then on any other
 * connection is answered after that handling, and behind whatever it
 * queued for that connection. Its writes to the blind connection itself
 * go out in the loop's next turn, so a second round of pings, written
 * after the first answers, is read only after they went out; then the
 * client reads all the server has sent on it, and on every deaf
 * connection (conn_deaf), whose writes go out the same way. why: the
 * fallback when there is no other connection to ping, or the kernel does
 * not say. */
static enum pace_end blind_roundtrip(struct target_tcp *tt, enum pace_end why)
{
    if (!blind_await(tt, false) || (!any_pingable(tt) && !spare_ready(tt)))
        return why;
    for (int round = 0; round < 2; round++) {
        if (ping_open(tt) == 0)
            return why;
        if (!conns_await(tt, conn_waited))
            return PACE_END_UNANSWERED;
    }
    return blind_await(tt, true) ? PACE_END_READ : why;
}

/* Ends a step by round trips (sim/README.md "Pacing"). First every
 * connection written on answers a ping (or ends, if its stream is closing):
 * the server has handled what the step wrote and queued every effect (a
 * connection whose stream header the server has not answered yet is
 * waited for first: its answer opens the stream a ping needs; so is one
 * whose <enable/> or <resume/> is unanswered: the answer says whether a
 * ping or an <r/> may follow, pace.h).
 * Then, when another connection could have got an effect, every bound
 * connection answers a ping written after that: its answer comes behind
 * whatever was queued for it; a bound connection that cannot take one
 * (conn_deaf) is read to the end as a blind one is. PACE_END_ROUNDTRIP, or PACE_END_IDLE when
 * the step wrote nothing; else why the step must settle: a connection
 * does not fit, or an answer does not come. */
static enum pace_end roundtrip(struct target_tcp *tt)
{
    if (tt->restarted)   /* a new server with no connection: once the old ones end */
        return conns_await(tt, conn_open) ? PACE_END_RESTART : PACE_END_UNANSWERED;
    if (!tt->waited && (!conns_await(tt, header_waited) || !conns_await(tt, sm_waited)))
        return PACE_END_UNANSWERED;
    enum pace_end why = roundtrip_fits(tt);
    if (why != PACE_END_ROUNDTRIP)
        return why;
    for (size_t i = 0; i < tt->nconns; i++)
        if (conn_blind(&tt->conns[i]))
            return blind_roundtrip(tt, pace_conn_why_not(&tt->conns[i].pace));
    size_t writers = 0, pinged = ping_all(tt, true);
    for (size_t i = 0; i < tt->nconns; i++)
        writers += tt->conns[i].sent;
    if (!conns_await(tt, conn_waited))
        return PACE_END_UNANSWERED;
    if (writers == 0 && !tt->hung)
        return PACE_END_IDLE;
    for (size_t i = 0; i < tt->nconns; i++)
        if (conn_deaf(&tt->conns[i]))
            return blind_roundtrip(tt, pace_conn_why_not(&tt->conns[i].pace));
    size_t others = 0;   /* bound connections the step did not write on */
    for (size_t i = 0; i < tt->nconns; i++)
        others += conn_bound(&tt->conns[i]) && !tt->conns[i].sent;
    if (!tt->hung && writers == 1 && pinged == 1 && others == 0)
        return PACE_END_ROUNDTRIP;
    ping_all(tt, false);
    return conns_await(tt, conn_waited) ? PACE_END_ROUNDTRIP : PACE_END_UNANSWERED;
}

static void tt_settle(struct target *t)
{
    struct target_tcp *tt = tcp_of(t);
    double t0 = clock_now_s();
    pump_all(tt);
    enum pace_end end = tt->roundtrip ? roundtrip(tt) : PACE_END_SETTLE;
    bool paced = end == PACE_END_ROUNDTRIP || end == PACE_END_IDLE || end == PACE_END_READ ||
                 end == PACE_END_RESTART;
    if (!paced)
        settle_quiet(tt);
    tt->stats->ends[end]++;
    tt->stats->end_s[end] += clock_now_s() - t0;
    for (size_t i = 0; i < tt->nconns; i++) {
        tt->conns[i].sent = false;
        tt->conns[i].close_seen = tt->conns[i].pace.sclosed;
        if (!paced)   /* a late answer is still taken out; nobody waits for it */
            pace_conn_give_up(&tt->conns[i].pace);
    }
    tt->hung = tt->restarted = tt->waited = false;
}

/* Waits until c has unread bytes or ends, for at most
 * TARGET_TCP_WAIT_SETTLES settle times after the last traffic. */
static bool conn_await(struct target_tcp *tt, struct tcp_conn *c)
{
    bool was_ended = c->ended;
    unsigned long long patience = (unsigned long long)tt->settle_ms * TARGET_TCP_WAIT_SETTLES;
    for (;;) {
        pump_all(tt);
        if (c->in.len > 0 || c->ended != was_ended)
            return true;
        unsigned long long left = quiet_left(tt, patience);
        if (c->ended || left == 0)
            return false;
        poll_all(tt, left);
    }
}

/* True as soon as conn has unread bytes (a pump inside closed() may have
 * read some) or has just ended. */
static bool tt_wait(struct target *t, unsigned conn)
{
    struct target_tcp *tt = tcp_of(t);
    struct tcp_conn *c = conn_get(tt, conn);
    if (c == NULL)
        return false;
    double t0 = clock_now_s();
    bool got = conn_await(tt, c);
    tt->stats->waits++;
    tt->stats->wait_s += clock_now_s() - t0;
    return got;
}

static struct model *tt_model(struct target *t)
{
    (void)t;
    return NULL;
}

static void tt_free(struct target *t)
{
    struct target_tcp *tt = tcp_of(t);
    for (size_t i = 0; i < tt->nconns; i++)
        conn_free(&tt->conns[i]);
    conn_free(&tt->spare);
    free(tt->domain);
    buf_free(&tt->scratch);
    if (tt->a != NULL)
        adapter_finish(tt->a);
    free(tt->conns);
    free(tt);
}

static const struct target_ops target_tcp_ops = {
    .name = "tcp",
    .caps = TARGET_CAN_RESTART,
    .account_create = tt_account_create,
    .roster_preset = tt_roster_preset,
    .connect = tt_connect,
    .send = tt_send,
    .received = tt_received,
    .consume = tt_consume,
    .closed = tt_closed,
    .hangup = tt_hangup,
    .restart = tt_restart,
    .advance = tt_advance,
    .settle = tt_settle,
    .wait = tt_wait,
    .model = tt_model,
    .free = tt_free,
};

static struct target_tcp *tcp_new(unsigned settle_ms, enum pace_mode pacing, unsigned caps)
{
    struct target_tcp *tt = mem_calloc(1, sizeof *tt);
    tt->ops = target_tcp_ops;
    tt->ops.caps = caps;
    tt->base.ops = &tt->ops;
    tt->settle_ms = settle_ms;
    tt->roundtrip = pacing == PACE_ROUNDTRIP;
    tt->stats = &tt->own;
    tt->spare.fd = -1;
    struct model_config c;
    model_config_default(&c);
    norm_stamp_format(c.start_time_ms, tt->stamp);
    tt->last_ms = clock_now_ms();
    return tt;
}

struct target *target_tcp_new(struct adapter *a, const struct scenario *s, unsigned settle_ms,
                              char *err, size_t errsize)
{
    struct buf why = {0};
    bool fits = adapter_fits(a, s, &why);
    if (fits && !adapter_prepare(a, s)) {
        snprintf(err, errsize, "%s", adapter_error(a));
        buf_free(&why);
        return NULL;
    }
    struct target_tcp *tt = tcp_new(settle_ms, adapter_pacing(a), adapter_caps(a));
    tt->a = fits ? a : NULL;
    tt->domain = mem_strdup(s->server.domain);
    tt->stats = fits ? adapter_stats(a) : &tt->own;
    if (!fits)
        snprintf(tt->base.skip, sizeof tt->base.skip, "%s", buf_cstr(&why));
    buf_free(&why);
    return &tt->base;
}

/* ---- sessim run --target ---- */

struct target_tcp_setup {
    struct adapter *a;
    unsigned settle_ms;
};

struct target_tcp_setup *target_tcp_setup_new(const struct adapter_spec *spec, const char *settle,
                                              const char *pacing, char *err, size_t errsize)
{
    unsigned ms = TARGET_TCP_SETTLE_DEFAULT_MS;
    enum pace_mode mode = PACE_SETTLE;
    if ((settle != NULL && !target_tcp_settle_parse(settle, &ms, err, errsize)) ||
        (pacing != NULL && !target_tcp_pacing_parse(pacing, &mode, err, errsize)))
        return NULL;
    struct adapter *a = adapter_open(spec, err, errsize);
    if (a == NULL)
        return NULL;
    if (pacing != NULL)
        adapter_set_pacing(a, mode);
    struct target_tcp_setup *setup = mem_calloc(1, sizeof *setup);
    setup->a = a;
    setup->settle_ms = ms;
    return setup;
}

struct adapter *target_tcp_setup_adapter(const struct target_tcp_setup *setup)
{
    return setup->a;
}

unsigned target_tcp_setup_settle(const struct target_tcp_setup *setup)
{
    return setup->settle_ms;
}

struct target *target_tcp_setup_target(const struct scenario *s, uint64_t seed, void *ctx)
{
    struct target_tcp_setup *setup = ctx;
    char err[ADAPTER_ERROR_MAX];
    (void)seed;
    struct target *t = target_tcp_new(setup->a, s, setup->settle_ms, err, sizeof err);
    if (t == NULL) {
        fflush(stdout);
        fprintf(stderr, "sessim: %s\n", err);
    }
    return t;
}

void target_tcp_setup_free(struct target_tcp_setup *setup)
{
    if (setup == NULL)
        return;
    adapter_free(setup->a);
    free(setup);
}
