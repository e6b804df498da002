/* adapter: one interface over the Prosody sessim starts and a described
 * server (see adapter.h).
 *
 * Each implementation is a table of operations over its own instance
 * (struct live, struct external); the adapter holds the table, the
 * instance and what it says of itself. The tables only translate: every
 * decision stays in live.c and external.c.
 */
#include "live/adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "base/text.h"
#include "live/external.h"
#include "live/hostport.h"
#include "live/live.h"
#include "live/target_tcp.h"

#define ADAPTER_EXE "/proc/self/exe"   /* the running binary, on Linux */
#define ADAPTER_UP_MAX 4               /* directories above the binary searched */

struct adapter_ops {
    bool (*fits)(struct adapter *a, const struct scenario *s, struct buf *why);
    bool (*prepare)(struct adapter *a, const struct scenario *s);
    bool (*account_create)(struct adapter *a, const char *user, const char *password);
    bool (*roster_preset)(struct adapter *a, const char *user,
                          const struct target_roster_item *item);
    bool (*start)(struct adapter *a);
    unsigned (*caps)(const struct adapter *a);
    bool (*restart)(struct adapter *a);
    void (*finish)(struct adapter *a);
    const char *(*version)(const struct adapter *a);
    const char *(*error)(const struct adapter *a);
    void (*free)(struct adapter *a);
};

struct adapter {
    const struct adapter_ops *ops;
    struct live *live;           /* the Prosody sessim starts, or NULL */
    struct external *ext;        /* a described server, or NULL */
    struct hostport at;          /* where connections go */
    enum pace_mode pacing;       /* how steps end on it (pace.h) */
    struct adapter_stats stats;
    char *name, *divergences;
    char error[ADAPTER_ERROR_MAX];
};

/* ---- Prosody (live.h) ---- */

/* A scenario pinning another profile than Prosody's does not run on it. */
static bool pro_fits(struct adapter *a, const struct scenario *s, struct buf *why)
{
    (void)a;
    const struct scenario_server *w = &s->server;
    if (!w->profile_given || w->profile == SCENARIO_PROFILE_PROSODY)
        return true;
    text_printf(why, "the scenario pins the %s profile; the server is Prosody",
                scenario_profile_name(w->profile));
    return false;
}

/* The server may have moved to a spare's port (live.h). */
static bool pro_prepare(struct adapter *a, const struct scenario *s)
{
    unsigned long wasted = live_spares_wasted(a->live);
    bool ok = live_prepare(a->live, &s->server);
    a->stats.spares_wasted += live_spares_wasted(a->live) - wasted;
    a->at.port = live_port(a->live);
    return ok;
}

static bool pro_account_create(struct adapter *a, const char *user, const char *password)
{
    return live_account_create(a->live, user, password);
}

static bool pro_roster_preset(struct adapter *a, const char *user,
                              const struct target_roster_item *item)
{
    return live_roster_preset(a->live, user, item);
}

/* A cold start or a wait for a taken spare is counted and timed; a
 * running server costs nothing. */
static bool pro_start(struct adapter *a)
{
    if (live_running(a->live))
        return true;
    bool spare = live_spare_taken(a->live);
    double t0 = clock_now_s();
    bool ok = live_start(a->live);
    double s = clock_now_s() - t0;
    if (spare) {
        a->stats.spares_taken++;
        a->stats.spare_s += s;
    } else {
        a->stats.starts++;
        a->stats.start_s += s;
    }
    return ok;
}

/* Its timers come from the scenario's server: (live.h), so a short
 * advance is a real wait. */
static unsigned pro_caps(const struct adapter *a)
{
    (void)a;
    return TARGET_CAN_RESTART | TARGET_REAL_CLOCK;
}

static bool pro_restart(struct adapter *a)
{
    return live_restart(a->live);
}

static void pro_finish(struct adapter *a)
{
    (void)a;
}

static const char *pro_version(const struct adapter *a)
{
    return live_version(a->live);
}

static const char *pro_error(const struct adapter *a)
{
    return live_error(a->live);
}

static void pro_free(struct adapter *a)
{
    live_free(a->live);
}

static const struct adapter_ops prosody_ops = {
    pro_fits,    pro_prepare,     pro_account_create, pro_roster_preset,
    pro_start,   pro_caps,        pro_restart,        pro_finish,
    pro_version, pro_error,       pro_free,
};

/* ---- a described server (external.h) ---- */

static bool ext_fits(struct adapter *a, const struct scenario *s, struct buf *why)
{
    return external_fits(a->ext, s, why);
}

static bool ext_prepare(struct adapter *a, const struct scenario *s)
{
    return external_prepare(a->ext, s);
}

static bool ext_account_create(struct adapter *a, const char *user, const char *password)
{
    return external_account_create(a->ext, user, password);
}

static bool ext_roster_preset(struct adapter *a, const char *user,
                              const struct target_roster_item *item)
{
    external_roster_preset(a->ext, user, item);
    return true;
}

/* The server runs already; initial rosters noted since the prepare are
 * set up in band before the first connection. */
static bool ext_start(struct adapter *a)
{
    return external_rosters_apply(a->ext);
}

static unsigned ext_caps(const struct adapter *a)
{
    return external_can_restart(a->ext) ? TARGET_CAN_RESTART : 0;
}

static bool ext_restart(struct adapter *a)
{
    return external_restart(a->ext);
}

static void ext_finish(struct adapter *a)
{
    external_finish(a->ext);
}

static const char *ext_version(const struct adapter *a)
{
    (void)a;
    return "";
}

static const char *ext_error(const struct adapter *a)
{
    return a->error[0] != '\0' ? a->error : external_error(a->ext);
}

static void ext_free(struct adapter *a)
{
    external_free(a->ext);
}

static const struct adapter_ops external_ops = {
    ext_fits,    ext_prepare,     ext_account_create, ext_roster_preset,
    ext_start,   ext_caps,        ext_restart,        ext_finish,
    ext_version, ext_error,       ext_free,
};

/* ---- making one ---- */

bool adapter_spec_is_prosody(const struct adapter_spec *spec)
{
    return spec->server == NULL || strcmp(spec->server, ADAPTER_PROSODY) == 0;
}

static bool is_name(const char *server)
{
    size_t n = strlen(server);
    return strchr(server, '/') == NULL && !(n > 5 && strcmp(server + n - 5, ".yaml") == 0);
}

/* servers/NAME.yaml under base, when it exists. */
static char *found_under(const char *base, const char *name)
{
    struct buf p = {0};
    text_printf(&p, "%s%s" ADAPTER_SERVERS_DIR "/%s.yaml", base, *base ? "/" : "", name);
    if (access(buf_cstr(&p), R_OK) == 0)
        return text_take(&p);
    buf_free(&p);
    return NULL;
}

/* servers/NAME.yaml in the working directory or a directory above the binary. */
static char *find_named(const char *name)
{
    char *path = found_under("", name);
    char exe[4096];
    ssize_t n = path == NULL ? readlink(ADAPTER_EXE, exe, sizeof exe - 1) : -1;
    if (n <= 0)
        return path;
    exe[n] = '\0';
    for (int up = 0; path == NULL && up < ADAPTER_UP_MAX; up++) {
        char *slash = strrchr(exe, '/');
        if (slash == NULL || slash == exe)
            break;
        *slash = '\0';
        path = found_under(exe, name);
    }
    return path;
}

char *adapter_server_path(const char *server, char *err, size_t errsize)
{
    if (!is_name(server))
        return mem_strdup(server);
    char *path = find_named(server);
    if (path == NULL)
        snprintf(err, errsize, "--server %s: no " ADAPTER_SERVERS_DIR "/%s.yaml in the working "
                               "directory or beside the sessim binary (a NAME is prosody or a "
                               "shipped server file; else give the file's path)",
                 server, server);
    return path;
}

/* The file's name without its folder and ".yaml". */
static char *name_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    return mem_strndup(base, n > 5 && strcmp(base + n - 5, ".yaml") == 0 ? n - 5 : n);
}

/* Removes every "NAME/../" from the path p (NAME not ".."), in place:
 * "servers/../scenarios/D.md" -> "scenarios/D.md". */
static void collapse_dots(char *p)
{
    char *up;
    while ((up = strstr(p, "/../")) != NULL) {
        char *seg = up;
        while (seg > p && seg[-1] != '/')
            seg--;
        if (up - seg == 2 && strncmp(seg, "..", 2) == 0)
            return;
        memmove(seg, up + 4, strlen(up + 4) + 1);
    }
}

/* The server file's divergence list, as a path from where the file at
 * path was named (relative to it unless absolute). */
static char *divergences_of(const struct server_file *sf, const char *path)
{
    if (sf->divergences == NULL)
        return NULL;
    const char *slash = strrchr(path, '/');
    struct buf p = {0};
    if (sf->divergences[0] != '/' && slash != NULL)
        buf_append(&p, path, (size_t)(slash - path) + 1);
    buf_puts(&p, sf->divergences);
    char *out = text_take(&p);
    collapse_dots(out);
    return out;
}

static struct adapter *open_prosody(const struct adapter_spec *spec, char *err, size_t errsize)
{
    unsigned port = 0;
    if (spec->target != NULL && !target_tcp_url_parse(spec->target, &port, err, errsize))
        return NULL;
    struct live *l = live_new(spec->prosody, spec->dir, port, err, errsize);
    if (l == NULL)
        return NULL;
    struct adapter *a = mem_calloc(1, sizeof *a);
    a->ops = &prosody_ops;
    a->live = l;
    snprintf(a->at.host, sizeof a->at.host, "%s", LIVE_HOST);
    a->at.port = live_port(l);
    a->pacing = PACE_ROUNDTRIP;   /* one event loop: sim/README.md "Pacing" */
    a->name = mem_strdup(ADAPTER_PROSODY);
    a->divergences = mem_strdup(ADAPTER_PROSODY_DIVERGENCES);
    return a;
}

/* Where a described server is: --target, or 127.0.0.1 on a free port for
 * a server the file starts. */
static bool where_of(const struct adapter_spec *spec, const struct server_file *sf,
                     struct hostport *hp, char *err, size_t errsize)
{
    if (spec->target != NULL) {
        if (!hostport_parse(spec->target, hp, err, errsize))
            return false;
    } else {
        snprintf(hp->host, sizeof hp->host, "%s", LIVE_HOST);
        hp->port = 0;
    }
    if (hp->port == 0 && (sf->start == NULL || !hostport_is_loopback(hp))) {
        snprintf(err, errsize, "%s: a server sessim does not start needs --target "
                               "tcp://HOST:PORT with its port (not 0)", sf->file);
        return false;
    }
    return hp->port != 0 || (hp->port = hostport_free_port(err, errsize)) != 0;
}

static struct adapter *open_file(const struct adapter_spec *spec, char *err, size_t errsize)
{
    char *path = adapter_server_path(spec->server, err, errsize);
    struct server_file *sf = path != NULL ? server_file_load(path, err, errsize) : NULL;
    struct hostport hp;
    if (sf == NULL || !where_of(spec, sf, &hp, err, errsize)) {
        server_file_free(sf);
        free(path);
        return NULL;
    }
    char *divergences = divergences_of(sf, path);
    struct external *e = external_new(sf, &hp, err, errsize);
    if (e == NULL) {
        free(divergences);
        free(path);
        return NULL;
    }
    struct adapter *a = mem_calloc(1, sizeof *a);
    a->ops = &external_ops;
    a->ext = e;
    a->at = hp;
    a->pacing = sf->pacing;
    a->name = name_of(path);
    a->divergences = divergences;
    free(path);
    return a;
}

char *adapter_spec_divergences(const struct adapter_spec *spec, char *err, size_t errsize)
{
    err[0] = '\0';
    if (adapter_spec_is_prosody(spec))
        return mem_strdup(ADAPTER_PROSODY_DIVERGENCES);
    char *path = adapter_server_path(spec->server, err, errsize);
    struct server_file *sf = path != NULL ? server_file_load(path, err, errsize) : NULL;
    char *list = sf != NULL ? divergences_of(sf, path) : NULL;
    server_file_free(sf);
    free(path);
    return list;
}

struct adapter *adapter_open(const struct adapter_spec *spec, char *err, size_t errsize)
{
    return adapter_spec_is_prosody(spec) ? open_prosody(spec, err, errsize)
                                         : open_file(spec, err, errsize);
}

void adapter_free(struct adapter *a)
{
    if (a == NULL)
        return;
    a->ops->free(a);
    free(a->name);
    free(a->divergences);
    free(a);
}

const struct server_file *adapter_server_file(const struct adapter *a)
{
    return a->ext != NULL ? external_server_file(a->ext) : NULL;
}

/* ---- per scenario ---- */

bool adapter_fits(struct adapter *a, const struct scenario *s, struct buf *why)
{
    return a->ops->fits(a, s, why);
}

bool adapter_prepare(struct adapter *a, const struct scenario *s)
{
    a->error[0] = '\0';
    double t0 = clock_now_s();
    bool ok = a->ops->prepare(a, s);
    a->stats.prepares++;
    a->stats.prepare_s += clock_now_s() - t0;
    return ok;
}

void adapter_expect(struct adapter *a, const struct scenario *next)
{
    if (a->live != NULL)
        live_expect(a->live, next != NULL ? &next->server : NULL);
}

bool adapter_account_create(struct adapter *a, const char *user, const char *password)
{
    a->error[0] = '\0';
    return a->ops->account_create(a, user, password);
}

bool adapter_roster_preset(struct adapter *a, const char *user,
                           const struct target_roster_item *item)
{
    a->error[0] = '\0';
    return a->ops->roster_preset(a, user, item);
}

bool adapter_start(struct adapter *a)
{
    a->error[0] = '\0';
    return a->ops->start(a);
}

int adapter_connect(struct adapter *a)
{
    if (!adapter_start(a))
        return -1;
    return hostport_connect(&a->at, HOSTPORT_CONNECT_TIMEOUT_MS, a->error, sizeof a->error);
}

unsigned adapter_caps(const struct adapter *a)
{
    return a->ops->caps(a);
}

bool adapter_restart(struct adapter *a)
{
    a->error[0] = '\0';
    double t0 = clock_now_s();
    bool ok = a->ops->restart(a);
    a->stats.restarts++;
    a->stats.restart_s += clock_now_s() - t0;
    return ok;
}

void adapter_finish(struct adapter *a)
{
    a->ops->finish(a);
}

/* ---- what it says of itself ---- */

const char *adapter_name(const struct adapter *a)
{
    return a->name;
}

void adapter_address(const struct adapter *a, char *out, size_t size)
{
    hostport_format(&a->at, out, size);
}

unsigned long adapter_servers_started(const struct adapter *a)
{
    return a->live != NULL ? live_servers_started(a->live) : 0;
}

const char *adapter_version(const struct adapter *a)
{
    return a->ops->version(a);
}

enum scenario_profile adapter_profile(const struct adapter *a)
{
    if (a->ext == NULL)
        return SCENARIO_PROFILE_PROSODY;
    const struct server_file *sf = external_server_file(a->ext);
    return (sf->given & SERVER_FILE_PROFILE) ? sf->profile : SCENARIO_PROFILE_PROSODY;
}

enum pace_mode adapter_pacing(const struct adapter *a)
{
    return a->pacing;
}

void adapter_set_pacing(struct adapter *a, enum pace_mode pacing)
{
    a->pacing = pacing;
}

const char *adapter_divergences(const struct adapter *a)
{
    return a->divergences;
}

const char *adapter_error(const struct adapter *a)
{
    return a->error[0] != '\0' ? a->error : a->ops->error(a);
}

/* ---- where a live run's time goes ---- */

struct adapter_stats *adapter_stats(struct adapter *a)
{
    return &a->stats;
}

void adapter_stats_add(struct adapter_stats *into, const struct adapter_stats *from)
{
    for (size_t i = 0; i < PACE_END_COUNT; i++) {
        into->ends[i] += from->ends[i];
        into->end_s[i] += from->end_s[i];
    }
    into->pings += from->pings;
    into->probes += from->probes;
    into->waits += from->waits;
    into->wait_s += from->wait_s;
    into->advances += from->advances;
    into->advance_s += from->advance_s;
    into->prepares += from->prepares;
    into->starts += from->starts;
    into->restarts += from->restarts;
    into->prepare_s += from->prepare_s;
    into->start_s += from->start_s;
    into->restart_s += from->restart_s;
    into->spares_taken += from->spares_taken;
    into->spares_wasted += from->spares_wasted;
    into->spare_s += from->spare_s;
    into->servers += from->servers;
    into->wall_s += from->wall_s;
    into->self_cpu_s += from->self_cpu_s;
    into->servers_cpu_s += from->servers_cpu_s;
}

static void stats_item(struct buf *out, const char *name, unsigned long n, double s)
{
    text_printf(out, " %s %lu (%.2f s)", name, n, s);
}

void adapter_stats_text(const struct adapter_stats *st, struct buf *out)
{
    unsigned long steps = 0;
    for (size_t i = 0; i < PACE_END_COUNT; i++)
        steps += st->ends[i];
    text_printf(out, "  pacing: %lu step ends, %lu pings, %lu <r/>:", steps, st->pings,
                st->probes);
    for (size_t i = 0; i < PACE_END_COUNT; i++)
        if (st->ends[i] > 0)
            stats_item(out, pace_end_name((enum pace_end)i), st->ends[i], st->end_s[i]);
    text_printf(out, "\n  in steps:");
    stats_item(out, "waits for an answer", st->waits, st->wait_s);
    stats_item(out, "advance waits", st->advances, st->advance_s);
    text_printf(out, "\n  servers:");
    stats_item(out, "prepares", st->prepares, st->prepare_s);
    stats_item(out, "cold starts", st->starts, st->start_s);
    stats_item(out, "restarts", st->restarts, st->restart_s);
    stats_item(out, "spares taken", st->spares_taken, st->spare_s);
    text_printf(out, " spares wasted %lu\n", st->spares_wasted);
    if (st->wall_s <= 0)
        return;
    text_printf(out, "  run: wall %.2f s; CPU: sessim %.2f s, servers %.2f s (%lu processes, "
                     "%.0f ms each)\n",
                st->wall_s, st->self_cpu_s, st->servers_cpu_s, st->servers,
                st->servers > 0 ? st->servers_cpu_s * 1e3 / (double)st->servers : 0.0);
}
