/* live: the Prosody server behind the tcp target (see live.h).
 *
 * Process handling: the server is a direct child in its own process group
 * (terminal signals do not reach it; sessim decides when it stops), with
 * PR_SET_PDEATHSIG so that it dies with sessim whatever kills sessim. The
 * pids of running servers are kept in a small table the signal handler
 * reads, so an interrupt kills them before sessim dies of the signal.
 * Readiness is read from the server's log: "Activated service 'c2s'"
 * means the port is open; a failure to open it is an error.
 */
#include "live/live.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/count.h"
#include "base/exit.h"
#include "base/mem.h"
#include "base/paths.h"
#include "base/proc.h"
#include "base/text.h"
#include "live/hostport.h"

#define LIVE_CHILDREN_MAX 16
#define LIVE_POLL_MS 5
#define LIVE_READY_TEXT "Activated service 'c2s'"
#define LIVE_PORT_FAILED_TEXT "Failed to open server port"
#define LIVE_VERSION_TEXT "Prosody version "
#define LIVE_TEMP_DIR_MAX 256
#define LIVE_SPARE_SUFFIX ".spare"     /* a spare beside a named directory */
#define LIVE_PORT_TRIES 4

struct live_account {
    char *user;                 /* normalised (ASCII lower case) */
    char *password;
    struct buf roster;          /* roster store lines */
};

/* One Prosody instance: its directory, port and process. */
struct live_server {
    char *dir;
    bool own_dir;               /* created here: removed by live_free */
    unsigned port;
    pid_t pid;                  /* running, 0 when none */
    bool ready;                 /* it said it listens */
    char *config;               /* a spare's config, as it was started */
};

struct live {
    char *prosody;
    struct live_server srv[2];  /* srv[cur]: the scenario's; the other: the spare */
    size_t cur;
    bool spares;                /* sessim picked the port: a spare may run */
    char *spare_config;         /* the next spare's (the last settings), or NULL */
    const struct scenario_server *next;   /* live_expect's, until live_prepare */
    char *last_key;             /* the last settings' config, placed nowhere */
    unsigned long prepares, repeats;   /* repeats: settings as the prepare before */
    unsigned long spares_wasted;
    unsigned long started;      /* server processes spawned */
    char *domain;
    struct live_account *accounts;
    size_t naccounts;
    bool written;               /* storage files written since the prepare */
    char version[32];
    char error[LIVE_ERROR_MAX];
};

/* ---- small helpers ---- */

static bool failf(struct live *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool failf(struct live *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->error, sizeof l->error, fmt, ap);
    va_end(ap);
    return false;
}

static char *path_join(const char *a, const char *b)
{
    struct buf p = {0};
    buf_puts(&p, a);
    buf_putc(&p, '/');
    buf_puts(&p, b);
    return p.data;
}

static void lower_ascii(char *s)
{
    for (; *s != '\0'; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* ---- pure text ---- */

void live_lua_string(const char *s, struct buf *out)
{
    buf_putc(out, '"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf_putc(out, '\\');
            buf_putc(out, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\%03u", c);
            buf_puts(out, esc);
        } else {
            buf_putc(out, (char)c);
        }
    }
    buf_putc(out, '"');
}

void live_path_encode(const char *s, struct buf *out)
{
    static const char hex[] = "0123456789abcdef";
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (plain) {
            buf_putc(out, (char)c);
        } else {
            buf_putc(out, '%');
            buf_putc(out, hex[c >> 4]);
            buf_putc(out, hex[c & 15]);
        }
    }
}

void live_account_text(const char *password, struct buf *out)
{
    buf_puts(out, "return {\n\t[\"password\"] = ");
    live_lua_string(password, out);
    buf_puts(out, ";\n};\n");
}

static const char *const subscription_words[] = {
#define LIVE_SUB_WORD(n, w) [SCENARIO_SUBSCRIPTION_##n] = w,
    SCENARIO_SUBSCRIPTIONS(LIVE_SUB_WORD)
#undef LIVE_SUB_WORD
};

void live_roster_item_text(const struct target_roster_item *item, struct buf *out)
{
    struct buf jid = {0};
    buf_puts(&jid, item->jid);
    lower_ascii(jid.data);
    buf_puts(out, "\t[");
    live_lua_string(buf_cstr(&jid), out);
    buf_puts(out, "] = { [\"subscription\"] = ");
    live_lua_string(subscription_words[item->subscription], out);
    buf_puts(out, "; ");
    if (item->ask == SCENARIO_ASK_SUBSCRIBE)
        buf_puts(out, "[\"ask\"] = \"subscribe\"; ");
    if (item->name != NULL) {
        buf_puts(out, "[\"name\"] = ");
        live_lua_string(item->name, out);
        buf_puts(out, "; ");
    }
    buf_puts(out, "[\"groups\"] = { ");
    for (size_t g = 0; g < item->ngroups; g++) {
        buf_putc(out, '[');
        live_lua_string(item->groups[g], out);
        buf_puts(out, "] = true; ");
    }
    buf_puts(out, "}; };\n");
    buf_free(&jid);
}

/* SEMANTICS 0.8: conflict knob -> conflict_resolve. */
static const char *const conflict_options[] = {
    [SCENARIO_CONFLICT_KICK_OLD] = "kick_old",
    [SCENARIO_CONFLICT_REJECT_NEW] = "kick_new",
    [SCENARIO_CONFLICT_RANDOM_RESOURCE] = "random",
};

static void config_setting(struct buf *out, const char *name, const char *lua_value)
{
    buf_puts(out, name);
    buf_puts(out, " = ");
    buf_puts(out, lua_value);
    buf_putc(out, '\n');
}

static void config_path(struct buf *out, const char *name, const char *dir, const char *file)
{
    char *p = file ? path_join(dir, file) : mem_strdup(dir);
    buf_puts(out, name);
    buf_puts(out, " = ");
    live_lua_string(p, out);
    buf_putc(out, '\n');
    free(p);
}

/* Every listening option: the c2s port on loopback, nothing else; no
 * Nagle. */
static void config_network(const struct live_config *c, struct buf *out)
{
    static const char *const interfaces[] = {"interfaces", "local_interfaces", "c2s_interfaces",
                                             "s2s_interfaces", "http_interfaces",
                                             "https_interfaces"};
    static const char *const no_ports[] = {"c2s_direct_tls_ports", "legacy_ssl_ports",
                                           "s2s_ports", "http_ports", "https_ports",
                                           "component_ports"};
    for (size_t i = 0; i < COUNT(interfaces); i++)
        config_setting(out, interfaces[i], "{ \"" LIVE_HOST "\" }");
    config_setting(out, "component_interface", "\"" LIVE_HOST "\"");
    buf_puts(out, "c2s_ports = { ");
    buf_put_u64(out, c->port);
    buf_puts(out, " }\n");
    for (size_t i = 0; i < COUNT(no_ports); i++)
        config_setting(out, no_ports[i], "{ }");
    /* Nagle off, as the harness's sockets have it: a round trip is a few
     * small writes each way, which Nagle holds back until the segment
     * before is acknowledged. Timing only: the bytes are the same. */
    config_setting(out, "network_settings", "{ nagle = false }");
}

static void config_modules(const struct scenario_server *s, struct buf *out)
{
    buf_puts(out, "modules_enabled = { \"roster\"; \"saslauth\"; \"register\"; \"ping\"; "
                  "\"smacks\";");
    if (s->tombstones)
        buf_puts(out, " \"tombstones\";");
    buf_puts(out, " }\n");
    buf_puts(out, "modules_disabled = { \"s2s\"; \"s2s_auth_certs\"; \"dialback\"; \"tls\"; "
                  "\"posix\";");
    if (!s->offline)
        buf_puts(out, " \"offline\";");
    buf_puts(out, " }\n");
}

void live_config_text(const struct live_config *c, struct buf *out)
{
    const struct scenario_server *s = c->server;
    buf_puts(out, "-- Generated by sessim for one scenario (SEMANTICS 0.8). Loopback only.\n");
    if (c->as_root)
        config_setting(out, "run_as_root", "true");
    config_path(out, "pidfile", c->dir, "prosody.pid");
    config_path(out, "data_path", c->dir, "data");
    config_path(out, "certificates", c->dir, NULL);
    buf_puts(out, "log = { info = ");
    char *log = path_join(c->dir, "prosody.log");
    live_lua_string(log, out);
    free(log);
    buf_puts(out, " }\n");
    config_network(c, out);
    config_modules(s, out);
    /* A server lives for one scenario, most of its CPU being its start,
     * where Prosody's default collector (pause 105 %, step multiplier
     * 500) runs most of the time: a lazier one saves about a third of it
     * (sim/README.md "Spares"). Memory and CPU only: no client sees it. */
    config_setting(out, "gc", "{ mode = \"incremental\"; threshold = 400; speed = 200 }");
    config_setting(out, "authentication", "\"internal_plain\"");
    config_setting(out, "storage", "\"internal\"");
    config_setting(out, "c2s_require_encryption", "false");
    config_setting(out, "allow_unencrypted_plain_auth", "true");
    /* G5: min_seconds_between_registrations stays unset: no throttle. */
    config_setting(out, "allow_registration", s->registration ? "true" : "false");
    if (s->tombstones && s->tombstone_expiry_ms > 0) {
        buf_puts(out, "user_tombstone_expiry = ");
        buf_put_u64(out, (s->tombstone_expiry_ms + 999) / 1000);
        buf_putc(out, '\n');
    }
    buf_puts(out, "smacks_hibernation_time = ");   /* SM12 */
    buf_put_u64(out, (s->sm_hibernation_ms + 999) / 1000);
    buf_puts(out, "\nsmacks_max_queue_size = ");   /* SM10 */
    buf_put_u64(out, s->sm_queue_max);
    buf_putc(out, '\n');
    buf_puts(out, "conflict_resolve = ");
    live_lua_string(conflict_options[s->conflict], out);
    buf_puts(out, "\n\nVirtualHost ");
    live_lua_string(s->domain, out);
    buf_putc(out, '\n');
}

/* ---- files ---- */

static bool write_file(struct live *l, const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "w");
    bool ok = f != NULL && fwrite(text, 1, len, f) == len;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    return ok ? true : failf(l, "cannot write %s: %s", path, strerror(errno));
}

static bool make_dir(struct live *l, const char *path)
{
    if (mkdir(path, 0750) == 0 || errno == EEXIST)
        return true;
    return failf(l, "cannot create %s: %s", path, strerror(errno));
}

static struct live_server *current(struct live *l)
{
    return &l->srv[l->cur];
}

static struct live_server *spare_of(struct live *l)
{
    return &l->srv[1 - l->cur];
}

/* data/HOST/STORE/USER.dat of the current server, creating the
 * directories; NULL on failure. */
static char *store_path(struct live *l, const char *store, const char *user)
{
    struct buf p = {0};
    buf_puts(&p, current(l)->dir);
    buf_puts(&p, "/data/");
    live_path_encode(l->domain, &p);
    bool ok = make_dir(l, buf_cstr(&p));
    buf_putc(&p, '/');
    buf_puts(&p, store);
    ok = ok && make_dir(l, buf_cstr(&p));
    buf_putc(&p, '/');
    live_path_encode(user, &p);
    buf_puts(&p, ".dat");
    if (!ok) {
        buf_free(&p);
        return NULL;
    }
    return p.data;
}

static bool write_store(struct live *l, const char *store, const char *user, struct buf *text)
{
    char *path = store_path(l, store, user);
    bool ok = path != NULL && write_file(l, path, buf_cstr(text), text->len);
    free(path);
    return ok;
}

static bool write_accounts(struct live *l)
{
    for (size_t i = 0; i < l->naccounts; i++) {
        const struct live_account *a = &l->accounts[i];
        struct buf text = {0};
        live_account_text(a->password, &text);
        bool ok = write_store(l, "accounts", a->user, &text);
        buf_clear(&text);
        if (ok && a->roster.len > 0) {
            buf_puts(&text, "return {\n\t[false] = { [\"pending\"] = { }; };\n");
            buf_append(&text, a->roster.data, a->roster.len);
            buf_puts(&text, "};\n");
            ok = write_store(l, "roster", a->user, &text);
        }
        buf_free(&text);
        if (!ok)
            return false;
    }
    return true;
}

/* The config of server v for a scenario with these settings. Owned by
 * the caller (free). */
static char *config_for(const struct live_server *v, const struct scenario_server *server)
{
    struct buf text = {0};
    struct live_config c = {v->dir, v->port, geteuid() == 0, server};
    live_config_text(&c, &text);
    return text_take(&text);
}

/* Empties v's data/ and, unless config is NULL, writes its config. */
static bool server_clean(struct live *l, struct live_server *v, const char *config)
{
    char *data = path_join(v->dir, "data");
    paths_remove_tree(data);
    bool ok = make_dir(l, data);
    free(data);
    if (!ok || config == NULL)
        return ok;
    char *cfg = path_join(v->dir, "prosody.cfg.lua");
    ok = write_file(l, cfg, config, strlen(config));
    free(cfg);
    return ok;
}

/* The end of the log (or of what the program printed), at most
 * LIVE_TAIL_MAX bytes of the whole file, as one line, for a message. */
void live_file_tail(const char *path, char *out, size_t size)
{
    char *text;
    size_t len;
    out[0] = '\0';
    if (text_read_file(path, TEXT_SIZE_ANY, &text, &len) != 0)
        return;
    size_t k = 0;
    for (const char *p = text_tail(text, len, LIVE_TAIL_MAX); *p != '\0' && k + 1 < size; p++)
        out[k++] = *p == '\n' || *p == '\t' ? ' ' : *p;
    out[k] = '\0';
    free(text);
}

static void file_tail(const char *dir, const char *file, char *out, size_t size)
{
    char *path = path_join(dir, file);
    live_file_tail(path, out, size);
    free(path);
}

/* ---- the server process ---- */

/* Pids of running servers, for the signal handler (0: free slot). */
static volatile sig_atomic_t live_children[LIVE_CHILDREN_MAX];

static void children_replace(pid_t old, pid_t new)
{
    for (size_t i = 0; i < LIVE_CHILDREN_MAX; i++) {
        if (live_children[i] == (sig_atomic_t)old) {
            live_children[i] = (sig_atomic_t)new;
            return;
        }
    }
}

/* Temporary directories this process created, for the signal handler
 * ("" : free slot); only ones that fit are kept. */
static char live_temp_dirs[LIVE_CHILDREN_MAX][LIVE_TEMP_DIR_MAX];

static void temp_dir_note(const char *dir, bool add)
{
    for (size_t i = 0; i < LIVE_CHILDREN_MAX; i++) {
        if (add ? live_temp_dirs[i][0] == '\0' : strcmp(live_temp_dirs[i], dir) == 0) {
            if (add && strlen(dir) < LIVE_TEMP_DIR_MAX)
                memcpy(live_temp_dirs[i], dir, strlen(dir) + 1);
            else if (!add)
                live_temp_dirs[i][0] = '\0';
            return;
        }
    }
}

/* Kills the servers, removes the temporary directories (with rm: only
 * async-signal-safe calls here), then dies of the signal. */
static void on_fatal_signal(int sig)
{
    for (size_t i = 0; i < LIVE_CHILDREN_MAX; i++)
        if (live_children[i] > 0)
            kill((pid_t)live_children[i], SIGKILL);
    for (size_t i = 0; i < LIVE_CHILDREN_MAX; i++) {
        if (live_temp_dirs[i][0] == '\0')
            continue;
        pid_t pid = fork();
        if (pid == 0) {
            execl("/bin/rm", "rm", "-rf", "--", live_temp_dirs[i], (char *)NULL);
            _exit(EXIT_EXEC);
        }
        if (pid > 0)
            waitpid(pid, NULL, 0);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_handlers(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < COUNT(sigs); i++)
        sigaction(sigs[i], &sa, NULL);
}

/* What the server's child process runs. */
struct child_args {
    const char *prosody, *cfg, *out;
};

/* In the child (which dies with the parent, base/proc.h): its own process
 * group, stdin from /dev/null, output to prosody.out, then the server in
 * the foreground. */
static int child_exec(void *ctx, int fd)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    const struct child_args *a = ctx;
    (void)fd;
    setpgid(0, 0);
    for (size_t i = 0; i < COUNT(sigs); i++)
        signal(sigs[i], SIG_DFL);
    int in = open("/dev/null", O_RDONLY);
    int o = open(a->out, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    if (in < 0 || o < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
        return EXIT_EXEC;
    close(in);
    close(o);
    execlp(a->prosody, a->prosody, "--config", a->cfg, "-F", (char *)NULL);
    return EXIT_EXEC;
}

/* Starts server v from its config (its old log removed first), without
 * waiting for it. */
static bool spawn(struct live *l, struct live_server *v)
{
    char *log = path_join(v->dir, "prosody.log");
    unlink(log);
    free(log);
    char *cfg = path_join(v->dir, "prosody.cfg.lua");
    char *out = path_join(v->dir, "prosody.out");
    struct child_args args = {l->prosody, cfg, out};
    struct proc_options po = {.death_signal = SIGKILL};
    struct proc child;
    bool ok = proc_spawn(child_exec, &args, &po, &child);
    int err = errno;
    free(cfg);
    free(out);
    if (!ok)
        return failf(l, "cannot fork: %s", strerror(err));
    setpgid(child.pid, child.pid);
    v->pid = child.pid;
    v->ready = false;
    l->started++;
    children_replace(0, child.pid);
    return true;
}

/* Reaps server v if it has exited (blocking: waits for it). True when it
 * is gone; *status gets its wait status. */
static bool reap(struct live_server *v, bool block, int *status)
{
    if (!proc_wait(v->pid, block, status))
        return false;
    children_replace(v->pid, 0);
    v->pid = 0;
    v->ready = false;
    return true;
}

/* Stops server v: SIGTERM and up to grace_ms to exit, then SIGKILL. */
static void kill_server(struct live_server *v, unsigned grace_ms)
{
    int status;
    if (v->pid == 0)
        return;
    if (grace_ms > 0) {
        kill(v->pid, SIGTERM);
        unsigned long long deadline = clock_now_ms() + grace_ms;
        while (!reap(v, false, &status) && clock_now_ms() < deadline)
            clock_sleep_ms(LIVE_POLL_MS);
        if (v->pid == 0)
            return;
    }
    kill(v->pid, SIGKILL);
    reap(v, true, &status);
}

/* 1: the c2s port is open; -1: it could not be opened; 0: not yet. */
static int log_state(struct live *l, const char *log)
{
    char *text;
    if (text_read_file(log, TEXT_SIZE_ANY, &text, NULL) != 0)
        return 0;
    const char *v = strstr(text, LIVE_VERSION_TEXT);
    if (v != NULL && l->version[0] == '\0') {
        v += strlen(LIVE_VERSION_TEXT);
        size_t n = strcspn(v, " \t\r\n");
        if (n >= sizeof l->version)
            n = sizeof l->version - 1;
        memcpy(l->version, v, n);
        l->version[n] = '\0';
    }
    int state = strstr(text, LIVE_PORT_FAILED_TEXT) ? -1 : strstr(text, LIVE_READY_TEXT) ? 1 : 0;
    free(text);
    return state;
}

/* Waits until server v listens; on failure it is stopped and the message
 * quotes the end of its log. */
static bool await_ready(struct live *l, struct live_server *v)
{
    char *log = path_join(v->dir, "prosody.log");
    unsigned long long deadline = clock_now_ms() + LIVE_START_TIMEOUT_MS;
    int state = 0, status = 0;
    const char *why = NULL;
    while (state == 0 && why == NULL) {
        state = log_state(l, log);
        if (state < 0)
            why = "cannot open its port";
        else if (state == 0 && reap(v, false, &status))
            why = "exited before listening";
        else if (state == 0 && clock_now_ms() > deadline)
            why = "did not listen in time";
        else if (state == 0)
            clock_sleep_ms(LIVE_POLL_MS);
    }
    free(log);
    v->ready = why == NULL;
    if (why == NULL)
        return true;
    kill_server(v, 0);
    char out[LIVE_TAIL_MAX + 1], logtail[LIVE_TAIL_MAX + 1];
    file_tail(v->dir, "prosody.out", out, sizeof out);
    file_tail(v->dir, "prosody.log", logtail, sizeof logtail);
    return failf(l, "%s (--config %s/prosody.cfg.lua) %s on %s:%u; output: %s; log: %s",
                 l->prosody, v->dir, why, LIVE_HOST, v->port, out, logtail);
}

/* ---- spares ---- */

/* Takes the spare when it still runs from the config these settings
 * want: it becomes the current server. A spare that does not fit is
 * stopped (wasted). */
static bool spare_take(struct live *l, const struct scenario_server *server)
{
    struct live_server *v = spare_of(l);
    int status;
    if (v->pid == 0)
        return false;
    char *want = config_for(v, server);
    bool fits = strcmp(want, v->config) == 0 && !reap(v, false, &status);
    free(want);
    if (!fits) {
        kill_server(v, 0);
        l->spares_wasted++;
        return false;
    }
    l->cur = 1 - l->cur;
    return true;
}

/* Counts whether these settings repeat the last prepare's. */
static void spare_note(struct live *l, const struct scenario_server *server)
{
    struct live_server nowhere = {.dir = ""};
    char *key = config_for(&nowhere, server);
    l->repeats += l->prepares > 0 && strcmp(key, l->last_key) == 0;
    l->prepares++;
    free(l->last_key);
    l->last_key = key;
}

/* Whether a spare is worth starting: the next settings are known
 * (live_expect), or the guess "the same settings again" held for at least
 * half of the prepares after the first (a caller that draws settings per
 * scenario and does not say them gets none). */
static bool spare_worth(const struct live *l, bool told)
{
    return l->spares && (told || (l->prepares >= 2 && 2 * l->repeats >= l->prepares - 1));
}

/* Starts the next spare beside the current server, from the config of
 * the settings just prepared, unless one runs or it is not worth it. A failure
 * only means no spare: the next scenario starts cold (its error is not
 * kept). */
static void spare_start(struct live *l, bool told)
{
    struct live_server *v = spare_of(l);
    if (!spare_worth(l, told) || v->pid != 0 || l->spare_config == NULL)
        return;
    char error[LIVE_ERROR_MAX];
    memcpy(error, l->error, sizeof error);
    if (server_clean(l, v, l->spare_config) && spawn(l, v)) {
        free(v->config);
        v->config = mem_strdup(l->spare_config);
    }
    memcpy(l->error, error, sizeof error);
}

/* ---- setup ---- */

/* Whether the program can be run: a path, or a name found in PATH. */
static bool find_program(struct live *l)
{
    if (strchr(l->prosody, '/') != NULL)
        return access(l->prosody, X_OK) == 0 ||
               failf(l, "%s: %s", l->prosody, strerror(errno));
    const char *path = getenv("PATH");
    char *dirs = mem_strdup(path ? path : "/usr/bin:/bin");
    bool found = false;
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d && !found;
         d = strtok_r(NULL, ":", &save)) {
        char *p = path_join(*d ? d : ".", l->prosody);
        found = access(p, X_OK) == 0;
        free(p);
    }
    free(dirs);
    return found || failf(l, "'%s' not found in PATH (`make live-check` installs Prosody)",
                          l->prosody);
}

/* dir made absolute (Prosody changes its working directory). */
static char *absolute(const char *dir)
{
    if (dir[0] == '/')
        return mem_strdup(dir);
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == NULL)
        return NULL;
    return path_join(cwd, dir);
}

static bool setup_dir(struct live *l, struct live_server *v, const char *dir)
{
    if (dir != NULL) {
        v->dir = make_dir(l, dir) ? absolute(dir) : NULL;
        return v->dir != NULL || failf(l, "cannot use directory %s: %s", dir, strerror(errno));
    }
    const char *tmp = getenv("TMPDIR");
    char *tmpl = path_join(tmp && *tmp == '/' ? tmp : "/tmp", "sessim-live-XXXXXX");
    v->own_dir = mkdtemp(tmpl) != NULL;
    if (!v->own_dir) {
        failf(l, "cannot create a directory %s: %s", tmpl, strerror(errno));
        free(tmpl);
        return false;
    }
    v->dir = tmpl;
    temp_dir_note(tmpl, true);
    return true;
}

/* A port on LIVE_HOST nobody listens on now, other than not; 0 on
 * failure. */
static unsigned free_port(struct live *l, unsigned not)
{
    unsigned port = 0;
    for (int i = 0; i < LIVE_PORT_TRIES && (port == 0 || port == not); i++)
        port = hostport_free_port(l->error, sizeof l->error);
    return port != not ? port : 0;
}

/* The spare's directory and port: beside dir (DIR.spare), or a new
 * temporary directory. */
static bool setup_spare(struct live *l, const char *dir)
{
    struct live_server *v = &l->srv[1];
    struct buf beside = {0};
    if (dir != NULL) {
        buf_puts(&beside, dir);
        buf_puts(&beside, LIVE_SPARE_SUFFIX);
    }
    bool ok = setup_dir(l, v, beside.data) && (v->port = free_port(l, l->srv[0].port)) != 0;
    buf_free(&beside);
    return ok;
}

struct live *live_new(const char *prosody, const char *dir, unsigned port, char *err,
                      size_t errsize)
{
    struct live *l = mem_calloc(1, sizeof *l);
    l->prosody = mem_strdup(prosody ? prosody : "prosody");
    l->domain = mem_strdup("localhost");
    l->srv[0].port = port;
    l->spares = port == 0;
    bool ok = find_program(l) && setup_dir(l, &l->srv[0], dir) &&
              (port != 0 || (l->srv[0].port = free_port(l, 0)) != 0) &&
              (!l->spares || setup_spare(l, dir));
    if (!ok) {
        snprintf(err, errsize, "%s", l->error);
        live_free(l);
        return NULL;
    }
    install_handlers();
    return l;
}

static void accounts_clear(struct live *l)
{
    for (size_t i = 0; i < l->naccounts; i++) {
        free(l->accounts[i].user);
        free(l->accounts[i].password);
        buf_free(&l->accounts[i].roster);
    }
    free(l->accounts);
    l->accounts = NULL;
    l->naccounts = 0;
}

static void server_free(struct live_server *v, unsigned grace_ms)
{
    kill_server(v, grace_ms);
    if (v->own_dir && v->dir != NULL) {
        temp_dir_note(v->dir, false);
        paths_remove_tree(v->dir);
    }
    free(v->dir);
    free(v->config);
}

void live_free(struct live *l)
{
    if (l == NULL)
        return;
    server_free(spare_of(l), 0);                  /* nobody used it */
    server_free(current(l), LIVE_STOP_TIMEOUT_MS);
    accounts_clear(l);
    free(l->prosody);
    free(l->spare_config);
    free(l->last_key);
    free(l->domain);
    free(l);
}

/* ---- scenarios ---- */

bool live_prepare(struct live *l, const struct scenario_server *server)
{
    l->error[0] = '\0';
    accounts_clear(l);
    free(l->domain);
    l->domain = mem_strdup(server->domain);
    lower_ascii(l->domain);
    l->written = false;
    struct live_server *old = current(l);
    kill_server(old, 0);
    char *config = NULL;
    if (!spare_take(l, server))
        config = config_for(old, server);
    bool ok = server_clean(l, old, config);   /* the old one's data goes either way */
    free(config);
    const struct scenario_server *next = l->next != NULL ? l->next : server;
    bool told = l->next != NULL;
    l->next = NULL;
    free(l->spare_config);
    l->spare_config = l->spares ? config_for(spare_of(l), next) : NULL;
    spare_note(l, server);
    if (ok)
        spare_start(l, told);
    return ok;
}

void live_expect(struct live *l, const struct scenario_server *next)
{
    l->next = next;
}

static struct live_account *find_account(struct live *l, const char *user)
{
    char *key = mem_strdup(user);
    lower_ascii(key);
    struct live_account *found = NULL;
    for (size_t i = 0; i < l->naccounts && found == NULL; i++)
        if (strcmp(l->accounts[i].user, key) == 0)
            found = &l->accounts[i];
    free(key);
    return found;
}

bool live_account_create(struct live *l, const char *user, const char *password)
{
    if (current(l)->ready || l->written)
        return failf(l, "cannot create account '%s': the server has started", user);
    if (user[0] == '\0' || find_account(l, user) != NULL)
        return failf(l, "cannot create account '%s' (invalid or taken)", user);
    l->accounts = mem_realloc(l->accounts, (l->naccounts + 1) * sizeof *l->accounts);
    struct live_account *a = &l->accounts[l->naccounts++];
    memset(a, 0, sizeof *a);
    a->user = mem_strdup(user);
    lower_ascii(a->user);
    a->password = mem_strdup(password);
    return true;
}

bool live_roster_preset(struct live *l, const char *user, const struct target_roster_item *item)
{
    struct live_account *a = find_account(l, user);
    if (a == NULL || l->written || strchr(item->jid, '/') != NULL)
        return failf(l, "cannot set roster item '%s' of '%s'", item->jid, user);
    live_roster_item_text(item, &a->roster);
    return true;
}

/* A taken spare is already running: its storage files are written into
 * its data/ before any client connects (sim/README.md "Spares": Prosody
 * reads them only when a client's traffic asks), then it is waited for. */
bool live_start(struct live *l)
{
    struct live_server *v = current(l);
    if (v->ready)
        return true;
    if (!l->written && !write_accounts(l))
        return false;
    l->written = true;
    return (v->pid != 0 || spawn(l, v)) && await_ready(l, v);
}

bool live_restart(struct live *l)
{
    kill_server(current(l), 0);
    return live_start(l);
}

unsigned live_port(const struct live *l)
{
    return l->srv[l->cur].port;
}

const char *live_dir(const struct live *l)
{
    return l->srv[l->cur].dir;
}

bool live_running(const struct live *l)
{
    return l->srv[l->cur].ready;
}

bool live_spare_taken(const struct live *l)
{
    const struct live_server *v = &l->srv[l->cur];
    return v->pid != 0 && !v->ready;
}

unsigned long live_spares_wasted(const struct live *l)
{
    return l->spares_wasted;
}

unsigned long live_servers_started(const struct live *l)
{
    return l->started;
}

const char *live_version(const struct live *l)
{
    return l->version;
}

const char *live_error(const struct live *l)
{
    return l->error;
}
