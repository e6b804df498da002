/* proxy: clients <-> upstream, recorded (proxy.h). */
#include "serve/proxy.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "scenario/emit.h"
#include "serve/recorder.h"
#include "serve/stop.h"

#define PROXY_ACCEPTS_PER_TURN 16
#define PROXY_TICK_MS 250

/* A client and its upstream connection. */
struct proxy_pair {
    unsigned id;
    struct peer side[2];            /* 0: the client, 1: the upstream server */
};

struct proxy {
    const struct proxy_options *o;
    int listen_fd, stop_fd;
    struct proxy_pair *pairs;
    size_t npairs, cap;
    struct pollfd *fds;
    struct recorder *rec;
    unsigned next_id;
};

/* One line on the log (peer_log). */
#define proxy_log(p, ...) peer_log((p)->o->log, "record", __VA_ARGS__)

static void pair_close(struct proxy *p, struct proxy_pair *pr, const char *why)
{
    proxy_log(p, "%u closed %s", pr->id, why);
    peer_close(&pr->side[0]);
    peer_close(&pr->side[1]);
}

/* One side ended: what is queued for the other goes if it can, then both
 * close. */
static void pair_end(struct proxy *p, struct proxy_pair *pr, int side, const char *why)
{
    if (side == 0)
        recorder_client_gone(p->rec, pr->id);
    else
        recorder_server_gone(p->rec, pr->id);
    peer_flush(&pr->side[1 - side]);
    pair_close(p, pr, why);
}

/* Bytes from side go to the recorder and the other side's queue. */
static void pair_read(struct proxy *p, struct proxy_pair *pr, int side)
{
    static const char *const eof_why[] = {"by the client", "by the server"};
    char b[PEER_READ_CHUNK];
    size_t n = 0;
    enum peer_io io = peer_read(&pr->side[side], b, sizeof b, &n);
    if (io == PEER_AGAIN)
        return;
    if (io != PEER_OK) {
        pair_end(p, pr, side, io == PEER_EOF ? eof_why[side] : "(read failed)");
        return;
    }
    if (side == 0)
        recorder_client(p->rec, pr->id, b, n);
    else
        recorder_server(p->rec, pr->id, b, n);
    if (!peer_queue(&pr->side[1 - side], b, n, p->o->limits.out_max)) {
        pair_close(p, pr, side == 0 ? "(the server does not read: output limit)"
                                    : "(the client does not read: output limit)");
        return;
    }
    if (peer_flush(&pr->side[1 - side]) == PEER_ERROR)
        pair_end(p, pr, 1 - side, "(write failed)");
}

static void proxy_accept_one(struct proxy *p, int fd, const char *name)
{
    char err[256];
    int up = net_connect(&p->o->upstream, err, sizeof err);
    if (up < 0) {
        proxy_log(p, "refused %s: upstream %s", name, err);
        close(fd);
        return;
    }
    if (p->npairs == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->pairs = mem_realloc(p->pairs, p->cap * sizeof *p->pairs);
        p->fds = mem_realloc(p->fds, (2 * p->cap + 2) * sizeof *p->fds);
    }
    struct proxy_pair *pr = &p->pairs[p->npairs++];
    pr->id = ++p->next_id;
    uint64_t now = clock_now_ms();
    peer_init(&pr->side[0], fd, name, now);
    peer_init(&pr->side[1], up, "upstream", now);
    recorder_open(p->rec, pr->id);
    proxy_log(p, "%u open from %s", pr->id, name);
}

static void proxy_accept(struct proxy *p)
{
    for (int k = 0; k < PROXY_ACCEPTS_PER_TURN; k++) {
        char name[32];
        int fd = net_accept(p->listen_fd, name, sizeof name);
        if (fd < 0)
            return;
        if (p->npairs >= p->o->limits.connections_max) {
            proxy_log(p, "refused %s (%zu connections open)", name, p->npairs);
            close(fd);
            continue;
        }
        proxy_accept_one(p, fd, name);
    }
}

static size_t proxy_poll_set(struct proxy *p)
{
    p->fds[0] = (struct pollfd){.fd = p->stop_fd, .events = POLLIN};
    p->fds[1] = (struct pollfd){.fd = p->listen_fd, .events = POLLIN};
    for (size_t i = 0; i < p->npairs; i++)
        for (int s = 0; s < 2; s++) {
            const struct peer *pe = &p->pairs[i].side[s];
            p->fds[2 + 2 * i + (size_t)s] =
                (struct pollfd){.fd = pe->fd, .events = (short)(POLLIN | (pe->out.len ? POLLOUT : 0))};
        }
    return 2 + 2 * p->npairs;
}

static void proxy_compact(struct proxy *p)
{
    size_t k = 0;
    for (size_t i = 0; i < p->npairs; i++)
        if (p->pairs[i].side[0].fd >= 0)
            p->pairs[k++] = p->pairs[i];
    p->npairs = k;
}

static void proxy_turn(struct proxy *p)
{
    size_t n = proxy_poll_set(p);
    if (poll(p->fds, n, PROXY_TICK_MS) < 0 && errno != EINTR)
        proxy_log(p, "poll: %s", strerror(errno));
    size_t open = p->npairs;
    if (p->fds[1].revents & POLLIN)
        proxy_accept(p);
    for (size_t i = 0; i < open; i++)
        for (int s = 0; s < 2; s++) {
            struct proxy_pair *pr = &p->pairs[i];
            short ev = p->fds[2 + 2 * i + (size_t)s].revents;
            if (pr->side[s].fd >= 0 && (ev & POLLOUT) && peer_flush(&pr->side[s]) == PEER_ERROR)
                pair_end(p, pr, s, "(write failed)");
            if (pr->side[s].fd >= 0 && (ev & (POLLIN | POLLHUP | POLLERR)))
                pair_read(p, pr, s);
        }
    proxy_compact(p);
}

static bool proxy_write(struct proxy *p)
{
    struct recorder_options ro = {.name = "recorded session", .redact = p->o->redact};
    struct scenario *sc = recorder_scenario(p->rec, &ro);
    if (sc == NULL) {
        proxy_log(p, "nothing to write: no traffic made a step");
        return true;
    }
    char err[512];
    bool ok = true;
    if (p->o->out != NULL) {
        ok = emit_file(sc, p->o->out, err, sizeof err);
        proxy_log(p, ok ? "recorded %s" : "cannot write %s", p->o->out);
    } else {
        struct buf text = {0};
        ok = emit_scenario(sc, &text);
        fwrite(text.data, 1, text.len, stdout);
        fflush(stdout);
        buf_free(&text);
    }
    scenario_free(sc);
    return ok;
}

int proxy_run(const struct proxy_options *o)
{
    struct proxy p = {.o = o, .listen_fd = -1, .stop_fd = -1};
    char err[256], where[NET_HOST_MAX + 16];
    struct net_endpoint e = o->listen;
    p.fds = mem_realloc(NULL, 2 * sizeof *p.fds);
    net_raise_fd_limit(2 * o->limits.connections_max + 64);
    p.listen_fd = net_listen(&e, err, sizeof err);
    int status = 1;
    if (p.listen_fd < 0) {
        proxy_log(&p, "cannot listen: %s", err);
    } else if ((p.stop_fd = stop_install()) >= 0) {
        char up[NET_HOST_MAX + 16];
        net_endpoint_format(&e, where, sizeof where);
        net_endpoint_format(&o->upstream, up, sizeof up);
        if (!net_endpoint_is_loopback(&e))
            proxy_log(&p, "warning: listening on %s, which is not a loopback address", e.host);
        proxy_log(&p, "listening on %s, upstream %s", where, up);
        p.rec = recorder_new(o->base);
        while (!stop_requested())
            proxy_turn(&p);
        proxy_log(&p, "%s: stopping, %zu connections open", stop_signal_name(), p.npairs);
        for (size_t i = 0; i < p.npairs; i++)
            pair_close(&p, &p.pairs[i], "(proxy stopping)");
        status = proxy_write(&p) ? 0 : 1;
        stop_uninstall();
    }
    if (p.listen_fd >= 0)
        close(p.listen_fd);
    recorder_free(p.rec);
    free(p.pairs);
    free(p.fds);
    return status;
}
