/* server: the model behind a poll loop (server.h).
 *
 * Output path: the model keeps what it wrote for a connection in its own
 * buffer; the loop writes from there (model_output) and consumes what the
 * socket took, so nothing is copied and the model's buffer is the queue
 * whose length the out_max limit bounds. With a recording, every byte the
 * model writes is handed to the recorder right after the call that made
 * it (`recorded` counts the bytes of the pending output already handed).
 */
#include "serve/server.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "model/model.h"
#include "run/preset.h"
#include "run/target.h"
#include "scenario/emit.h"
#include "serve/recorder.h"
#include "serve/stop.h"

/* Accepts per loop turn, so that a flood of connects cannot starve the
 * connections already open. */
#define SERVER_ACCEPTS_PER_TURN 64
/* Reads per connection per loop turn (each at most PEER_READ_CHUNK). */
#define SERVER_READS_PER_TURN 4
/* Longest poll wait: the clock and the idle limit are looked at this often. */
#define SERVER_TICK_MS 250

struct server_conn {
    struct peer peer;
    unsigned id;                /* the model connection */
    size_t recorded;            /* pending output already given to the recorder */
    bool authed, bound;         /* as last logged */
};

struct server {
    const struct server_options *o;
    struct target *target;      /* the model target (owns the model) */
    struct model *m;
    int listen_fd, stop_fd;
    struct server_conn *conns;
    size_t nconns, capconns;
    struct pollfd *fds;
    struct recorder *rec;       /* NULL without --record */
    uint64_t clock_ms;          /* monotonic time the model clock last moved */
};

/* One line on the log (peer_log). */
#define server_log(s, ...) peer_log((s)->o->log, "serve", __VA_ARGS__)

/* ---- setup ---- */

static uint64_t realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool server_model(struct server *s)
{
    const struct scenario *sc = s->o->setup;
    s->target = s->o->clock == SERVER_CLOCK_REAL
                    ? target_model_new_at(&sc->server, s->o->seed, realtime_ms())
                    : target_model_new(&sc->server, s->o->seed);
    s->m = target_model(s->target);
    unsigned long line = 0;
    if (preset_accounts(sc, s->target, &line))
        return true;
    server_log(s, "%s:%lu: accounts: %s", sc->file, line, target_error(s->target));
    return false;
}

static bool server_listen(struct server *s)
{
    struct net_endpoint e = s->o->listen;
    char err[256], where[NET_HOST_MAX + 16];
    if (!net_endpoint_is_loopback(&e))
        server_log(s, "warning: listening on %s, which is not a loopback address: anyone who "
                      "can reach it can log in with the scenario's passwords",
                   e.host);
    net_raise_fd_limit(s->o->limits.connections_max + 64);
    s->listen_fd = net_listen(&e, err, sizeof err);
    if (s->listen_fd < 0) {
        server_log(s, "cannot listen: %s", err);
        return false;
    }
    net_endpoint_format(&e, where, sizeof where);
    server_log(s, "listening on %s (domain %s, clock %s, seed %llu)", where,
               s->o->setup->server.domain, s->o->clock == SERVER_CLOCK_REAL ? "real" : "manual",
               (unsigned long long)s->o->seed);
    return true;
}

/* ---- output and recording ---- */

/* Hands the model output of c not yet recorded to the recorder. */
static void record_output(struct server *s, struct server_conn *c)
{
    size_t len;
    const char *out = model_output(s->m, c->id, &len);
    if (s->rec != NULL && len > c->recorded)
        recorder_server(s->rec, c->id, out + c->recorded, len - c->recorded);
    c->recorded = len;
}

static void record_all_output(struct server *s)
{
    for (size_t i = 0; i < s->nconns; i++)
        if (s->conns[i].peer.fd >= 0)
            record_output(s, &s->conns[i]);
}

/* Closes the socket of c (the model side is already closed or hung up);
 * record says the recording is to show it (not when serve stops). */
static void conn_end(struct server *s, struct server_conn *c, const char *why, bool record)
{
    server_log(s, "%u closed %s", c->id, why);
    if (s->rec != NULL && record)
        recorder_server_gone(s->rec, c->id);
    peer_close(&c->peer);
}

/* The client is gone or must go: the model loses the connection. */
static void conn_hangup(struct server *s, struct server_conn *c, const char *why)
{
    if (s->rec != NULL)
        recorder_client_gone(s->rec, c->id);
    model_hangup(s->m, c->id);
    record_all_output(s);
    server_log(s, "%u closed %s", c->id, why);
    peer_close(&c->peer);
}

/* Logs authentication and binding as the model reports them. */
static void conn_log_state(struct server *s, struct server_conn *c)
{
    struct model_session_info info;
    if (!model_session_info(s->m, c->id, &info) || !info.live)
        return;
    if (info.authenticated && !c->authed)
        server_log(s, "%u authenticated as %s", c->id, info.username);
    if (info.connected && !c->bound)
        server_log(s, "%u bound %s", c->id, info.full_jid);
    c->authed = info.authenticated;
    c->bound = info.connected;
}

/* Writes what the model has for c; closes c when the model closed it and
 * everything is written, or when its unread output passed the limit. */
static void conn_flush(struct server *s, struct server_conn *c)
{
    size_t len, n = 0;
    const char *out = model_output(s->m, c->id, &len);
    enum peer_io io = len > 0 ? peer_write(&c->peer, out, len, &n) : PEER_OK;
    model_output_consume(s->m, c->id, n);
    c->recorded -= n < c->recorded ? n : c->recorded;
    len -= n;
    if (io == PEER_ERROR) {
        conn_hangup(s, c, "(write failed)");
    } else if (len > s->o->limits.out_max) {
        char why[96];
        snprintf(why, sizeof why, "(output limit: %zu bytes unread)", len);
        conn_hangup(s, c, why);
    } else if (len == 0 && model_closed(s->m, c->id)) {
        conn_end(s, c, "by the server", true);
    }
}

/* ---- input ---- */

static void conn_read(struct server *s, struct server_conn *c, uint64_t now)
{
    char b[PEER_READ_CHUNK];
    for (int k = 0; k < SERVER_READS_PER_TURN && c->peer.fd >= 0; k++) {
        size_t n = 0;
        enum peer_io io = peer_read(&c->peer, b, sizeof b, &n);
        if (io == PEER_AGAIN)
            return;
        if (io != PEER_OK) {
            conn_hangup(s, c, io == PEER_EOF ? "by the client" : "(read failed)");
            return;
        }
        c->peer.last_ms = now;
        if (s->rec != NULL)
            recorder_client(s->rec, c->id, b, n);
        model_input(s->m, c->id, b, n);
        record_all_output(s);
        conn_log_state(s, c);
    }
}

static struct server_conn *conn_add(struct server *s, int fd, const char *name, uint64_t now)
{
    if (s->nconns == s->capconns) {
        s->capconns = s->capconns ? s->capconns * 2 : 16;
        s->conns = mem_realloc(s->conns, s->capconns * sizeof *s->conns);
        s->fds = mem_realloc(s->fds, (s->capconns + 2) * sizeof *s->fds);
    }
    struct server_conn *c = &s->conns[s->nconns++];
    memset(c, 0, sizeof *c);
    peer_init(&c->peer, fd, name, now);
    c->id = model_connect(s->m);
    return c;
}

static void server_accept(struct server *s, uint64_t now)
{
    for (int k = 0; k < SERVER_ACCEPTS_PER_TURN; k++) {
        char name[32];
        int fd = net_accept(s->listen_fd, name, sizeof name);
        if (fd < 0)
            return;
        if (s->nconns >= s->o->limits.connections_max) {
            server_log(s, "refused %s (%zu connections open)", name, s->nconns);
            close(fd);
            continue;
        }
        struct server_conn *c = conn_add(s, fd, name, now);
        server_log(s, "%u open from %s", c->id, name);
        if (s->rec != NULL)
            recorder_open(s->rec, c->id);
    }
}

/* ---- the loop ---- */

static void server_tick(struct server *s, uint64_t now)
{
    if (s->o->clock == SERVER_CLOCK_REAL && now > s->clock_ms) {
        model_advance(s->m, now - s->clock_ms);
        s->clock_ms = now;
        record_all_output(s);
    }
    for (size_t i = 0; i < s->nconns; i++) {
        struct server_conn *c = &s->conns[i];
        if (c->peer.fd < 0 || now - c->peer.last_ms < s->o->limits.idle_ms)
            continue;
        if (!c->authed)
            conn_hangup(s, c, "(idle and not authenticated)");
        else if (model_closed(s->m, c->id))   /* closed, its last bytes never read */
            conn_hangup(s, c, "(closed by the server, output unread)");
    }
}

/* Drops closed connections from the table, keeping the order. */
static void server_compact(struct server *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->nconns; i++)
        if (s->conns[i].peer.fd >= 0)
            s->conns[k++] = s->conns[i];
    s->nconns = k;
}

static size_t server_poll_set(struct server *s)
{
    s->fds[0] = (struct pollfd){.fd = s->stop_fd, .events = POLLIN};
    s->fds[1] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
    for (size_t i = 0; i < s->nconns; i++) {
        size_t len;
        model_output(s->m, s->conns[i].id, &len);
        s->fds[i + 2] = (struct pollfd){.fd = s->conns[i].peer.fd,
                                        .events = (short)(POLLIN | (len > 0 ? POLLOUT : 0))};
    }
    return s->nconns + 2;
}

static void server_turn(struct server *s)
{
    size_t n = server_poll_set(s);
    if (poll(s->fds, n, SERVER_TICK_MS) < 0 && errno != EINTR)
        server_log(s, "poll: %s", strerror(errno));
    uint64_t now = clock_now_ms();
    size_t open = s->nconns;   /* accepted ones come after and have no fds entry */
    if (s->fds[1].revents & POLLIN)
        server_accept(s, now);
    for (size_t i = 0; i < open; i++)
        if (s->fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR))
            conn_read(s, &s->conns[i], now);
    server_tick(s, now);
    for (size_t i = 0; i < s->nconns; i++)
        if (s->conns[i].peer.fd >= 0)
            conn_flush(s, &s->conns[i]);
    server_compact(s);
}

/* ---- stop ---- */

static bool write_one(struct server *s, const struct recorder_options *ro, const char *path)
{
    struct scenario *sc = recorder_scenario(s->rec, ro);
    if (sc == NULL)
        return true;
    char err[512];
    bool ok = emit_file(sc, path, err, sizeof err);
    if (!ok)
        server_log(s, "cannot write %s: %s", path, err);
    else
        server_log(s, "recorded %s", path);
    scenario_free(sc);
    return ok;
}

/* --record DIR: all.yaml with every connection, conn-N.yaml per one. */
static bool server_write_record(struct server *s)
{
    const char *dir = s->o->record_dir;
    size_t size = strlen(dir) + 32;
    char *path = mem_realloc(NULL, size);
    snprintf(path, size, "%s/all.yaml", dir);
    struct recorder_options ro = {.name = "sessim serve session"};
    bool ok = write_one(s, &ro, path);
    unsigned id;
    for (size_t i = 0; (id = recorder_conn_at(s->rec, i)) != 0; i++) {
        char name[64];
        snprintf(name, sizeof name, "sessim serve connection %u alone", id);
        snprintf(path, size, "%s/conn-%u.yaml", dir, id);
        struct recorder_options one = {.name = name, .conn = id};
        ok = write_one(s, &one, path) && ok;
    }
    free(path);
    return ok;
}

static void server_close_all(struct server *s)
{
    for (size_t i = 0; i < s->nconns; i++)
        conn_end(s, &s->conns[i], "(server stopping)", false);
    s->nconns = 0;
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    s->listen_fd = -1;
}

int server_run(const struct server_options *o)
{
    struct server s = {.o = o, .listen_fd = -1, .stop_fd = -1};
    s.fds = mem_realloc(NULL, 2 * sizeof *s.fds);
    int status = 1;
    if (server_model(&s) && server_listen(&s) && (s.stop_fd = stop_install()) >= 0) {
        s.rec = o->record_dir != NULL ? recorder_new(o->setup) : NULL;
        s.clock_ms = clock_now_ms();
        while (!stop_requested())
            server_turn(&s);
        server_log(&s, "%s: stopping, %zu connections open", stop_signal_name(), s.nconns);
        server_close_all(&s);
        status = s.rec == NULL || server_write_record(&s) ? 0 : 1;
        stop_uninstall();
    }
    server_close_all(&s);
    recorder_free(s.rec);
    free(s.conns);
    free(s.fds);
    target_free(s.target);
    return status;
}
