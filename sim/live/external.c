/* external: a described server (see external.h).
 *
 * Commands run as `/bin/sh -c COMMAND` children with stdin from /dev/null
 * and output appended to DIR/server.out, whose end a failure quotes. The
 * long-lived start command runs in its own process group, dying with
 * sessim (PR_SET_PDEATHSIG); the others are waited for.
 */
#include "live/external.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/exit.h"
#include "base/mem.h"
#include "base/paths.h"
#include "base/proc.h"
#include "base/text.h"
#include "live/inband.h"
#include "live/live.h"
#include "model/stanza.h"

#define EXTERNAL_POLL_MS 50
#define EXTERNAL_STOP_GRACE_MS 5000u
#define EXTERNAL_PROBE_USER "sessim-probe"

struct ext_account {
    char *user, *password;
};

/* An initial roster item to set up in band. */
struct ext_item {
    char *user;                  /* whose roster */
    char *jid, *name;            /* name: NULL when none */
    struct buf groups;           /* <group/> elements, escaped */
    enum scenario_subscription sub;
};

struct external {
    struct server_file *sf;
    struct hostport hp;
    char *dir;                   /* {dir}: a temporary directory, removed at the end */
    char port[8];
    pid_t server;                /* the start command's process group, 0: none */
    struct ext_account *accounts; /* the current scenario's, to remove */
    size_t naccounts;
    struct ext_item *items;      /* initial roster items not set up yet */
    size_t nitems;
    char error[EXTERNAL_ERROR_MAX];
};

static bool ext_fail(struct external *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool ext_fail(struct external *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->error, sizeof e->error, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- commands ---- */

struct ext_child {
    const char *command, *out;
    bool group;
};

static int child_body(void *ctx, int fd)
{
    const struct ext_child *c = ctx;
    (void)fd;
    if (c->group)
        setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    int in = open("/dev/null", O_RDONLY);
    int o = open(c->out, O_WRONLY | O_CREAT | O_APPEND, 0640);
    if (in < 0 || o < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
        return EXIT_EXEC;
    execl("/bin/sh", "sh", "-c", c->command, (char *)NULL);
    return EXIT_EXEC;
}

static char *out_path(const struct external *e)
{
    struct buf p = {0};
    text_printf(&p, "%s/server.out", e->dir);
    return text_take(&p);
}

static void expand(const struct external *e, const char *command, const char *user,
                   const char *password, struct buf *out)
{
    struct server_file_vars v = {e->dir,       e->hp.host, e->port, e->sf->domain,
                                 e->sf->here, user,       password};
    server_file_expand(command, &v, out);
}

/* Starts a command: its pid, 0 on failure. */
static pid_t launch(struct external *e, const char *command, const char *user,
                    const char *password, bool group)
{
    struct buf cmd = {0};
    expand(e, command, user, password, &cmd);
    char *out = out_path(e);
    struct ext_child c = {buf_cstr(&cmd), out, group};
    struct proc_options po = {.death_signal = group ? SIGTERM : 0};
    struct proc child;
    bool ok = proc_spawn(child_body, &c, &po, &child);
    buf_free(&cmd);
    free(out);
    if (!ok) {
        ext_fail(e, "cannot fork: %s", strerror(errno));
        return 0;
    }
    if (group)
        setpgid(child.pid, child.pid);
    return child.pid;
}

/* Runs a command to its end; false (with the end of its output) unless it
 * exits 0 in time. */
static bool run_command(struct external *e, const char *name, const char *command,
                        const char *user, const char *password)
{
    pid_t pid = launch(e, command, user, password, false);
    if (pid == 0)
        return false;
    int status = 0;
    unsigned long long deadline = clock_now_ms() + EXTERNAL_COMMAND_TIMEOUT_MS;
    bool done = false;
    while (!(done = proc_wait(pid, false, &status)) && clock_now_ms() < deadline)
        clock_sleep_ms(EXTERNAL_POLL_MS);
    if (!done) {
        kill(pid, SIGKILL);
        proc_wait(pid, true, &status);
    }
    if (done && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    char *out = out_path(e), tail[LIVE_TAIL_MAX + 1];
    live_file_tail(out, tail, sizeof tail);
    free(out);
    return ext_fail(e, "the %s command (%s) %s; output: %s", name, command,
                    done ? "failed" : "timed out", tail);
}

/* Waits until the port accepts a connection. */
static bool await_port(struct external *e)
{
    unsigned long long deadline = clock_now_ms() + EXTERNAL_READY_TIMEOUT_MS;
    char err[512] = "";
    for (;;) {
        int fd = hostport_connect(&e->hp, HOSTPORT_CONNECT_TIMEOUT_MS, err, sizeof err);
        if (fd >= 0) {
            close(fd);
            return true;
        }
        int status;
        if (e->server != 0 && proc_wait(e->server, false, &status)) {
            e->server = 0;
            return ext_fail(e, "the start command exited before the server listened (%s)", err);
        }
        if (clock_now_ms() > deadline)
            return ext_fail(e, "the server did not listen within %u ms: %s",
                            EXTERNAL_READY_TIMEOUT_MS, err);
        clock_sleep_ms(EXTERNAL_POLL_MS);
    }
}

static bool start_server(struct external *e)
{
    if (e->sf->start == NULL)
        return true;
    e->server = launch(e, e->sf->start, NULL, NULL, true);
    return e->server != 0 && await_port(e);
}

/* Waits (a bounded time) until the port refuses connections: the server's
 * own process may outlive the shell that started it by a little, and a new
 * one could not listen meanwhile. */
static void await_closed(struct external *e)
{
    unsigned long long deadline = clock_now_ms() + EXTERNAL_STOP_GRACE_MS;
    char err[512];
    for (;;) {
        int fd = hostport_connect(&e->hp, HOSTPORT_CONNECT_TIMEOUT_MS, err, sizeof err);
        if (fd < 0 || clock_now_ms() > deadline)
            break;
        close(fd);
        clock_sleep_ms(EXTERNAL_POLL_MS);
    }
}

static void stop_server(struct external *e)
{
    if (e->sf->stop != NULL)
        run_command(e, "stop", e->sf->stop, NULL, NULL);
    if (e->server == 0)
        return;
    kill(-e->server, SIGTERM);
    unsigned long long deadline = clock_now_ms() + EXTERNAL_STOP_GRACE_MS;
    while (!proc_wait(e->server, false, NULL) && clock_now_ms() < deadline)
        clock_sleep_ms(EXTERNAL_POLL_MS);
    kill(-e->server, SIGKILL);
    proc_wait(e->server, true, NULL);
    e->server = 0;
    await_closed(e);
}

/* ---- accounts ---- */

static bool create_account(struct external *e, const char *user, const char *password)
{
    if (e->sf->accounts == SERVER_FILE_ACCOUNTS_COMMAND)
        return run_command(e, "account create", e->sf->create, user, password);
    char err[EXTERNAL_ERROR_MAX];
    if (inband_register(&e->hp, e->sf->domain, user, password, err, sizeof err) == INBAND_OK)
        return true;
    return ext_fail(e, "cannot create account %s: %s", user, err);
}

/* Removes an account if it exists with that password; never fails. */
static void remove_account(struct external *e, const char *user, const char *password)
{
    char err[EXTERNAL_ERROR_MAX];
    if (e->sf->remove != NULL)
        run_command(e, "account remove", e->sf->remove, user, password);
    else
        inband_remove(&e->hp, e->sf->domain, user, password, err, sizeof err);
}

static void accounts_note(struct external *e, const char *user, const char *password)
{
    for (size_t i = 0; i < e->naccounts; i++)
        if (strcasecmp(e->accounts[i].user, user) == 0 &&
            strcmp(e->accounts[i].password, password) == 0)
            return;
    e->accounts = mem_realloc(e->accounts, (e->naccounts + 1) * sizeof *e->accounts);
    e->accounts[e->naccounts++] = (struct ext_account){mem_strdup(user), mem_strdup(password)};
}

static void accounts_remove_all(struct external *e)
{
    for (size_t i = 0; i < e->naccounts; i++) {
        remove_account(e, e->accounts[i].user, e->accounts[i].password);
        free(e->accounts[i].user);
        free(e->accounts[i].password);
    }
    free(e->accounts);
    e->accounts = NULL;
    e->naccounts = 0;
}

/* Passwords a stanza sets (a registration or a password change, in the
 * element form or a data form): each noted for account. */
static void passwords_in(struct external *e, const char *account, const char *text)
{
    static const char *const opens[] = {"<password>", "var='password'><value>",
                                        "var=\"password\"><value>"};
    for (size_t k = 0; k < sizeof opens / sizeof opens[0]; k++) {
        for (const char *p = strstr(text, opens[k]); p != NULL; p = strstr(p + 1, opens[k])) {
            const char *v = p + strlen(opens[k]);
            size_t n = strcspn(v, "<");
            char *pw = strndup(v, n);
            if (pw != NULL && strchr(pw, '$') == NULL)
                accounts_note(e, account, pw);
            free(pw);
        }
    }
}

/* Every account and password the scenario may leave behind: its
 * accounts, register steps, and passwords its stanzas set. */
static void accounts_of(struct external *e, const struct scenario *s)
{
    for (size_t i = 0; i < s->account_count; i++)
        accounts_note(e, s->accounts[i].name, s->accounts[i].password);
    for (size_t i = 0; i < s->step_count; i++) {
        const struct scenario_step *st = &s->steps[i];
        if (st->kind == SCENARIO_STEP_REGISTER && st->client != SCENARIO_NO_CLIENT)
            accounts_note(e, s->clients[st->client].account,
                          st->reg.password ? st->reg.password : "password");
        if (st->kind == SCENARIO_STEP_SEND && st->client != SCENARIO_NO_CLIENT)
            for (size_t k = 0; k < st->send.count; k++)
                passwords_in(e, s->clients[st->client].account, st->send.items[k].text);
    }
}

/* ---- initial rosters ---- */

static void items_clear(struct external *e)
{
    for (size_t i = 0; i < e->nitems; i++) {
        free(e->items[i].user);
        free(e->items[i].jid);
        free(e->items[i].name);
        buf_free(&e->items[i].groups);
    }
    free(e->items);
    e->items = NULL;
    e->nitems = 0;
}

void external_roster_preset(struct external *e, const char *user,
                            const struct target_roster_item *item)
{
    e->items = mem_realloc(e->items, (e->nitems + 1) * sizeof *e->items);
    struct ext_item *it = &e->items[e->nitems++];
    *it = (struct ext_item){mem_strdup(user), mem_strdup(item->jid),
                            item->name ? mem_strdup(item->name) : NULL, {0}, item->subscription};
    for (size_t g = 0; g < item->ngroups; g++) {
        buf_puts(&it->groups, "<group>");
        stanza_escape_text(item->groups[g], strlen(item->groups[g]), &it->groups);
        buf_puts(&it->groups, "</group>");
    }
}

/* The roster set of it: a named, grouped or none item is created so. */
static void put_roster_set(const struct ext_item *it, struct buf *out)
{
    buf_puts(out, "<iq type='set' id='sessim_roster'><query xmlns='jabber:iq:roster'><item jid='");
    stanza_escape_attr(it->jid, strlen(it->jid), out);
    if (it->name != NULL) {
        buf_puts(out, "' name='");
        stanza_escape_attr(it->name, strlen(it->name), out);
    }
    buf_puts(out, "'>");
    buf_append(out, it->groups.data ? it->groups.data : "", it->groups.len);
    buf_puts(out, "</item></query></iq>");
}

/* What user sends in phase 0 (roster sets), 1 (subscribe for to/both)
 * or 2 (subscribed for from/both). */
static void phase_stanzas(const struct external *e, const char *user, int phase, struct buf *out)
{
    for (size_t i = 0; i < e->nitems; i++) {
        const struct ext_item *it = &e->items[i];
        bool to = it->sub == SCENARIO_SUBSCRIPTION_TO || it->sub == SCENARIO_SUBSCRIPTION_BOTH;
        bool from = it->sub == SCENARIO_SUBSCRIPTION_FROM || it->sub == SCENARIO_SUBSCRIPTION_BOTH;
        if (strcmp(it->user, user) != 0)
            continue;
        if (phase == 0 && (it->name != NULL || it->groups.len > 0 ||
                           it->sub == SCENARIO_SUBSCRIPTION_NONE))
            put_roster_set(it, out);
        if ((phase == 1 && to) || (phase == 2 && from)) {
            buf_puts(out, phase == 1 ? "<presence type='subscribe' to='"
                                     : "<presence type='subscribed' to='");
            stanza_escape_attr(it->jid, strlen(it->jid), out);
            buf_puts(out, "'/>");
        }
    }
}

/* The password user was created with: the first noted (accounts_of notes
 * the scenario's accounts before the passwords its steps may set later). */
static const char *password_of(const struct external *e, const char *user)
{
    for (size_t i = 0; i < e->naccounts; i++)
        if (strcmp(e->accounts[i].user, user) == 0)
            return e->accounts[i].password;
    return "password";
}

bool external_rosters_apply(struct external *e)
{
    bool ok = true;
    for (int phase = 0; phase < 3 && ok; phase++) {
        for (size_t a = 0; a < e->naccounts && ok; a++) {
            struct buf st = {0};
            phase_stanzas(e, e->accounts[a].user, phase, &st);
            char err[EXTERNAL_ERROR_MAX];
            if (st.len > 0 &&
                inband_send(&e->hp, e->sf->domain, e->accounts[a].user,
                            password_of(e, e->accounts[a].user), buf_cstr(&st), err,
                            sizeof err) != INBAND_OK)
                ok = ext_fail(e, "initial roster of %s: %s", e->accounts[a].user, err);
            buf_free(&st);
        }
    }
    items_clear(e);
    return ok;
}

/* ---- the checks before any scenario ---- */

static bool preflight(struct external *e)
{
    char err[EXTERNAL_ERROR_MAX], where[HOSTPORT_HOST_MAX + 16];
    hostport_format(&e->hp, where, sizeof where);
    enum inband_status st = inband_hello(&e->hp, e->sf->domain, err, sizeof err);
    if (st == INBAND_REFUSED)
        return ext_fail(e, "%s does not serve the domain %s (%s: domain:): %s", where,
                        e->sf->domain, e->sf->file, err);
    if (st != INBAND_OK)
        return ext_fail(e, "%s is not reachable: %s", where, err);
    char password[32];
    snprintf(password, sizeof password, "probe-%ld", (long)getpid());
    remove_account(e, EXTERNAL_PROBE_USER, password);
    if (!create_account(e, EXTERNAL_PROBE_USER, password))
        return ext_fail(e, "%s: cannot create an account (%s: accounts:): %.700s", where,
                        e->sf->file, e->error);
    st = inband_login(&e->hp, e->sf->domain, EXTERNAL_PROBE_USER, password, err, sizeof err);
    remove_account(e, EXTERNAL_PROBE_USER, password);
    if (st != INBAND_OK)
        return ext_fail(e, "%s refused to authenticate a new account (SASL PLAIN without TLS "
                           "must be offered): %s", where, err);
    return true;
}

/* ---- interface ---- */

static bool make_dir(struct external *e)
{
    const char *tmp = getenv("TMPDIR");
    struct buf p = {0};
    text_printf(&p, "%s/sessim-server-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
    e->dir = text_take(&p);
    return mkdtemp(e->dir) != NULL ||
           ext_fail(e, "cannot create a directory %s: %s", e->dir, strerror(errno));
}

struct external *external_new(struct server_file *sf, const struct hostport *hp, char *err,
                              size_t errsize)
{
    struct external *e = mem_calloc(1, sizeof *e);
    e->sf = sf;
    e->hp = *hp;
    snprintf(e->port, sizeof e->port, "%u", hp->port);
    bool ok = make_dir(e) && start_server(e) && preflight(e);
    if (!ok) {
        snprintf(err, errsize, "%s", e->error);
        external_free(e);
        return NULL;
    }
    return e;
}

void external_free(struct external *e)
{
    if (e == NULL)
        return;
    accounts_remove_all(e);
    items_clear(e);
    stop_server(e);
    if (e->dir != NULL)
        paths_remove_tree(e->dir);
    server_file_free(e->sf);
    free(e->dir);
    free(e);
}

const struct hostport *external_hostport(const struct external *e)
{
    return &e->hp;
}

const struct server_file *external_server_file(const struct external *e)
{
    return e->sf;
}

bool external_can_restart(const struct external *e)
{
    return e->sf->restart != NULL || e->sf->start != NULL;
}

bool external_fits(const struct external *e, const struct scenario *s, struct buf *why)
{
    return server_file_fits(e->sf, s, why);
}

bool external_prepare(struct external *e, const struct scenario *s)
{
    e->error[0] = '\0';
    if (e->server != 0 && proc_wait(e->server, false, NULL)) {
        e->server = 0;                  /* it died in the last scenario: start it again */
        stop_server(e);
        if (!start_server(e))
            return false;
    }
    accounts_remove_all(e);
    items_clear(e);
    accounts_of(e, s);
    if (e->sf->reset != NULL)
        return run_command(e, "reset", e->sf->reset, NULL, NULL) && await_port(e);
    for (size_t i = 0; i < e->naccounts; i++)
        remove_account(e, e->accounts[i].user, e->accounts[i].password);
    return true;
}

bool external_account_create(struct external *e, const char *user, const char *password)
{
    accounts_note(e, user, password);
    return create_account(e, user, password);
}

bool external_restart(struct external *e)
{
    if (e->sf->restart != NULL)
        return run_command(e, "restart", e->sf->restart, NULL, NULL) && await_port(e);
    if (e->sf->start == NULL)
        return ext_fail(e, "the server file has no restart or start command");
    stop_server(e);
    return start_server(e);
}

void external_finish(struct external *e)
{
    if (e->sf->reset == NULL)
        accounts_remove_all(e);
}

const char *external_error(const struct external *e)
{
    return e->error;
}
