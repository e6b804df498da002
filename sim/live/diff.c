/* diff: the differential run of model and live server (see diff.h).
 *
 * The parent forks the workers, each with its own Prosody, hands worker k
 * every scenario i with i % N == k, and reads their results from one pipe
 * each: a message is a header line "KIND INDEX CLASS MODEL LIVE NAMELEN
 * TEXTLEN" and the two strings. It prints the results in scenario order
 * as soon as all earlier ones are in, then the counts and the check
 * against DIVERGENCES.md. Workers die with the parent (PR_SET_PDEATHSIG),
 * and their servers with them (live.h). diff_bench forks workers the same
 * way; each runs its share of the corpus live and reports one line of
 * counts and seconds.
 */
#include "live/diff.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
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
#include "base/proc.h"
#include "base/text.h"
#include "report/table.h"
#include "live/adapter.h"
#include "live/hostport.h"
#include "live/order.h"
#include "live/live.h"
#include "base/paths.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "live/tape.h"
#include "live/target_tcp.h"
#include "live/twin.h"

#define DIFF_READ_CHUNK 65536
#define DIFF_NCLASSES (DIFF_ERROR + 1)

static const char *const class_words[] = {
#define DIFF_WORD(name, word, text) [DIFF_##name] = word,
    DIFF_CLASSES(DIFF_WORD)
#undef DIFF_WORD
};

static const char *const class_texts[] = {
#define DIFF_TEXT(name, word, text) [DIFF_##name] = text,
    DIFF_CLASSES(DIFF_TEXT)
#undef DIFF_TEXT
};

/* ---- classes and the listing ---- */

enum diff_class diff_classify(enum runner_outcome model, enum runner_outcome live)
{
    if (live == RUNNER_SKIP)
        return DIFF_NOT_LIVE;
    if (model == RUNNER_PASS)
        return live == RUNNER_PASS ? DIFF_BOTH : DIFF_MODEL_ONLY;
    return live == RUNNER_PASS ? DIFF_SERVER_ONLY : DIFF_NEITHER;
}

enum diff_class diff_in_server_profile(enum diff_class cls, bool traffic_differs)
{
    if (cls != DIFF_NEITHER)
        return cls;
    return traffic_differs ? DIFF_PROFILE : DIFF_AGREE;
}

enum diff_class diff_varies_to(enum diff_class c)
{
    return c == DIFF_PROFILE ? DIFF_AGREE : DIFF_BOTH;
}

bool diff_class_diverges(enum diff_class c)
{
    return c == DIFF_MODEL_ONLY || c == DIFF_SERVER_ONLY || c == DIFF_PROFILE;
}

const char *diff_class_text(enum diff_class c)
{
    return class_texts[c];
}

int diff_exit_status(const size_t counts[DIFF_ERROR + 1], size_t unlisted)
{
    if (counts[DIFF_ERROR] > 0)
        return EXIT_USAGE;
    return unlisted > 0 || counts[DIFF_NEITHER] > 0 ? EXIT_FAILED : EXIT_OK;
}

/* The rule of a "## RULE ..." heading: its first word without a ':'. */
static char *heading_rule(const char *line, size_t len)
{
    size_t i = 3, n = 0;
    while (i + n < len && line[i + n] != ' ' && line[i + n] != ':')
        n++;
    return mem_strndup(line + i, n);
}

/* The class words of a listing line, after the path. */
static const struct {
    const char *text;
    enum diff_class cls;
    bool varies;
} listing_classes[] = {
    {" (model only)", DIFF_MODEL_ONLY, false},
    {" (server only)", DIFF_SERVER_ONLY, false},
    {" (model only, varies)", DIFF_MODEL_ONLY, true},
    {" (profile differs)", DIFF_PROFILE, false},
    {" (profile differs, varies)", DIFF_PROFILE, true},
};

/* "- `PATH` (model only)" -> an entry; false for any other line. */
static bool listing_line(const char *line, size_t len, const char *rule,
                         struct diff_listing *out)
{
    if (len < 4 || strncmp(line, "- `", 3) != 0)
        return false;
    const char *end = memchr(line + 3, '`', len - 3);
    if (end == NULL || end == line + 3)
        return false;
    const char *rest = end + 1;
    size_t rlen = len - (size_t)(rest - line), k = 0;
    size_t nk = COUNT(listing_classes);
    while (k < nk && (rlen < strlen(listing_classes[k].text) ||
                      memcmp(rest, listing_classes[k].text, strlen(listing_classes[k].text)) != 0))
        k++;
    if (k == nk)
        return false;
    out->items = mem_realloc(out->items, (out->n + 1) * sizeof *out->items);
    out->items[out->n++] = (struct diff_listed){mem_strndup(line + 3, (size_t)(end - line - 3)),
                                                mem_strdup(rule), listing_classes[k].cls,
                                                listing_classes[k].varies};
    return true;
}

void diff_listing_parse(const char *text, struct diff_listing *out)
{
    char *rule = mem_strdup("");
    while (*text != '\0') {
        size_t len = strcspn(text, "\n");
        if (len >= 3 && strncmp(text, "## ", 3) == 0) {
            free(rule);
            rule = heading_rule(text, len);
        } else {
            listing_line(text, len, rule, out);
        }
        text += len + (text[len] == '\n');
    }
    free(rule);
}

int diff_listing_read(const char *path, struct diff_listing *out)
{
    char *text;
    int err = text_read_file(path, TEXT_SIZE_ANY, &text, NULL);
    if (err == 0)
        diff_listing_parse(text, out);
    if (err == 0)
        free(text);
    return err;
}

static bool path_names(const char *path, const char *listed)
{
    size_t p = strlen(path), l = strlen(listed);
    return p == l ? strcmp(path, listed) == 0
                  : p > l && path[p - l - 1] == '/' && strcmp(path + p - l, listed) == 0;
}

const struct diff_listed *diff_listing_find(const struct diff_listing *l, const char *path,
                                            enum diff_class cls)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].cls == cls && path_names(path, l->items[i].path))
            return &l->items[i];
    return NULL;
}

void diff_listing_free(struct diff_listing *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].path);
        free(l->items[i].rule);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* ---- options ---- */

struct diff_options {
    const char *target;        /* --target, or NULL */
    unsigned port;             /* its port (the Prosody sessim starts) */
    unsigned settle_ms;
    const char *pacing;        /* --pacing, or NULL: the server's (adapter_pacing) */
    enum pace_mode pacing_mode;
    unsigned jobs;             /* 0 until given */
    const char *listing;       /* NULL until given: the server's own list */
    const char *dir;
    const char *prosody;
    enum scenario_profile profile;   /* --profile: the model's, where a scenario gives none */
    bool profile_given;        /* else the server's own (adapter_profile) */
    const char *server;        /* --server NAME|FILE, or NULL: Prosody */
    char *own_listing;         /* the server's divergence list (owned) */
    bool verbose;
    char **args;
    size_t nargs;
};

static const char diff_usage[] =
    "usage: sessim diff [PATHS...] [--server NAME|FILE] [--target tcp://HOST:PORT]\n"
    "                   [--settle MS] [--pacing roundtrip|settle] [--jobs N]\n"
    "                   [--divergences FILE] [--dir DIR] [--prosody PROG]\n"
    "                   [--profile prosody|ejabberd|rfc] [-v]\n"
    "  Runs every scenario on the model and on a live server, and reports per\n"
    "  scenario: pass on both, model only, server only, fail on both, not run live\n"
    "  (with the reason), and in another server's profile: fail on both with the\n"
    "  same traffic (not counted) or profile differs; for a divergence, the first\n"
    "  differing stanza.\n"
    "  --server NAME|FILE  the server: prosody (default: a Prosody sessim starts on\n"
    "                      127.0.0.1), a shipped adapter (servers/NAME.yaml, e.g.\n"
    "                      ejabberd), or a server description file\n"
    "  --target URL        the server's address (default tcp://127.0.0.1:0, a free port\n"
    "                      per worker, for a server sessim starts; a fixed port needs\n"
    "                      --jobs 1)\n"
    "  --settle MS         quiet time that ends a step on the server (default 200)\n"
    "  --pacing P          roundtrip (pings end a step where they prove the server has\n"
    "                      finished, else the settle time; default for Prosody) or\n"
    "                      settle (default for a server file without pacing:)\n"
    "  --jobs N            servers run in parallel (default 4)\n"
    "  --divergences FILE  the understood divergences (default: the server's list,\n"
    "                      " DIFF_LISTING_DEFAULT " for Prosody, a server file's\n"
    "                      divergences:)\n"
    "  --dir DIR           put the servers' directories under DIR (default: temporary)\n"
    "  --prosody PROG      the Prosody program (default: prosody from PATH)\n"
    "  --profile NAME      the model follows this profile in scenarios that give none\n"
    "                      (default prosody; model/SEMANTICS.md \"Profiles\")\n"
    "  -v                  whole failure reports, and where each server's time went\n"
    "                      (on standard error: how steps ended, clean servers)\n"
    "Exit status: 0 every divergence is listed; 1 one is not, or a scenario fails on both;\n"
    "2 bad input or no server.\n";

static int usage_error(const char *msg)
{
    fprintf(stderr, "sessim diff: %s\nTry 'sessim diff --help'.\n", msg);
    return EXIT_USAGE;
}

static bool parse_jobs(const char *text, unsigned *jobs)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < 1 ||
        v > DIFF_JOBS_MAX)
        return false;
    *jobs = (unsigned)v;
    return true;
}

/* Applies option `name` with value v; 0 or the usage exit status. */
static int apply_option(struct diff_options *o, const char *name, const char *v)
{
    char err[ADAPTER_ERROR_MAX];
    if (strcmp(name, "--target") == 0)
        o->target = v;
    if (strcmp(name, "--server") == 0)
        o->server = v;
    if (strcmp(name, "--settle") == 0 &&
        !target_tcp_settle_parse(v, &o->settle_ms, err, sizeof err))
        return usage_error(err);
    if (strcmp(name, "--pacing") == 0) {
        if (!target_tcp_pacing_parse(v, &o->pacing_mode, err, sizeof err))
            return usage_error(err);
        o->pacing = v;
    }
    if (strcmp(name, "--jobs") == 0 && !parse_jobs(v, &o->jobs))
        return usage_error("--jobs needs a number from 1 to 64");
    if (strcmp(name, "--divergences") == 0)
        o->listing = v;
    else if (strcmp(name, "--dir") == 0)
        o->dir = v;
    else if (strcmp(name, "--prosody") == 0)
        o->prosody = v;
    else if (strcmp(name, "--profile") == 0 && !scenario_profile_parse(v, &o->profile))
        return usage_error("--profile must be prosody, ejabberd or rfc");
    o->profile_given |= strcmp(name, "--profile") == 0;
    return 0;
}

/* --target and --server together: the port (0: free ones) and the
 * server's divergence list. 0 or the usage exit status. */
static int check_target(struct diff_options *o)
{
    char err[ADAPTER_ERROR_MAX];
    struct adapter_spec spec = {o->server, o->target, o->prosody, NULL};
    struct hostport hp = {.port = 0};
    bool prosody = adapter_spec_is_prosody(&spec);
    if (!prosody && o->prosody != NULL)
        return usage_error("--server and --prosody exclude each other");
    if (o->target != NULL && !(prosody ? target_tcp_url_parse(o->target, &o->port, err, sizeof err)
                                       : hostport_parse(o->target, &hp, err, sizeof err)))
        return usage_error(err);
    o->port = prosody ? o->port : hp.port;
    if (o->listing != NULL)
        return 0;
    o->own_listing = adapter_spec_divergences(&spec, err, sizeof err);
    if (o->own_listing == NULL && err[0] != '\0')
        return usage_error(err);
    o->listing = o->own_listing != NULL ? o->own_listing : DIFF_LISTING_DEFAULT;
    return 0;
}

/* -1: --help printed; 0: parsed; else the usage exit status. */
static int parse_options(int argc, char **argv, struct diff_options *o)
{
    static const char *const valued[] = {"--target", "--settle", "--jobs", "--divergences",
                                         "--dir", "--prosody", "--profile", "--server", "--pacing"};
    int status = 0;
    for (int i = 1; i < argc && status == 0; i++) {
        const char *a = argv[i];
        size_t k = 0;
        while (k < COUNT(valued) && strcmp(a, valued[k]) != 0)
            k++;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(diff_usage, stdout);
            status = -1;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o->verbose = true;
        } else if (k < COUNT(valued)) {
            status = i + 1 < argc ? apply_option(o, a, argv[++i])
                                  : usage_error("an option needs a value");
        } else if (a[0] == '-' && a[1] != '\0') {
            status = usage_error("unknown option");
        } else {
            o->args[o->nargs++] = argv[i];
        }
    }
    if (status == 0)
        status = check_target(o);
    if (o->jobs == 0)
        o->jobs = o->port != 0 ? 1 : DIFF_JOBS_DEFAULT;
    if (status == 0 && o->port != 0 && o->jobs != 1)
        status = usage_error("a fixed port (--target tcp://HOST:PORT) needs --jobs 1");
    return status;
}

/* ---- one scenario, in a worker ---- */

struct diff_record {
    bool ready;
    enum diff_class cls;
    enum runner_outcome model, live;
    char *name;
    char *text;                /* detail lines, indented; "" for none */
};

/* Appends text with every line indented, at most max lines (0: all). */
static void put_indented(struct buf *b, const char *text, const char *indent, size_t max)
{
    size_t lines = 0;
    while (*text != '\0') {
        size_t len = strcspn(text, "\n");
        if (max != 0 && lines == max) {
            buf_puts(b, indent);
            buf_puts(b, "... (-v shows the whole report)\n");
            return;
        }
        buf_puts(b, indent);
        buf_append(b, text, len);
        buf_putc(b, '\n');
        lines++;
        text += len + (text[len] == '\n');
    }
}

static void put_outcome(struct buf *b, const char *who, const struct runner_result *r,
                        bool verbose)
{
    buf_puts(b, "    ");
    buf_puts(b, who);
    buf_puts(b, runner_outcome_label(r->outcome));
    buf_putc(b, '\n');
    if (r->message != NULL)
        put_indented(b, r->message, "      ", verbose ? 0 : DIFF_MESSAGE_LINES);
}

/* What follows the outcomes: the first difference, or why there is none. */
static void put_difference(struct buf *b, enum diff_class cls, const struct twin_result *t)
{
    if (t->differs) {
        put_indented(b, t->difference.data, "    ", 0);
        if (cls == DIFF_PROFILE)
            buf_puts(b, "    both fail, and the model in the server's profile and the server\n"
                        "    differ: fix the profile, or list the scenario `(profile differs)`\n");
    } else if (cls == DIFF_AGREE) {
        buf_puts(b, "    no stanza differs: the model, in the server's profile, does what\n"
                    "    the server does where the scenario, which pins no profile,\n"
                    "    expects Prosody's behaviour; not counted\n");
    } else if (cls == DIFF_NEITHER) {
        buf_puts(b, "    no stanza differs (server-chosen ids and xml:lang aside): both\n"
                    "    servers do the same and the scenario expects something else;\n"
                    "    fix the scenario (or the model, if the server is wrong too)\n");
    } else {
        buf_puts(b, "    no stanza differs (server-chosen ids and xml:lang aside); the\n"
                    "    failing side stopped on a close, a skipped step or its leftovers\n");
    }
}

static char *detail(enum diff_class cls, const struct twin_result *t, const char *server,
                    bool verbose)
{
    struct buf b = {0};
    if (cls == DIFF_NOT_LIVE && t->live.message != NULL) {
        put_indented(&b, t->live.message, "    ", 1);
    } else if (cls != DIFF_BOTH) {
        put_outcome(&b, "model:   ", &t->model, verbose);
        char who[32];
        snprintf(who, sizeof who, "%s: ", server);
        put_outcome(&b, who, &t->live, verbose);
        if (t->error[0] != '\0')
            put_indented(&b, t->error, "      ", 0);
        put_difference(&b, cls, t);
    }
    buf_cstr(&b);
    return b.data;
}

/* Whether s, which pins no profile, fails on the model as `sessim run`
 * runs it (the prosody profile). */
static bool fails_as_written(struct scenario *s)
{
    enum scenario_profile given = s->server.profile;
    s->server.profile = SCENARIO_PROFILE_PROSODY;
    struct runner_result res;
    runner_run(s, NULL, &res);
    s->server.profile = given;
    bool failed = res.outcome == RUNNER_FAIL;
    runner_result_free(&res);
    return failed;
}

/* Scenario s from path (NULL: it did not load, e says why) on the model
 * and on a; frees s. */
static void diff_one(const char *path, struct scenario *s, const struct scenario_error *e,
                     struct adapter *a, const struct diff_options *o, struct diff_record *rec)
{
    memset(rec, 0, sizeof *rec);
    if (s == NULL) {
        char msg[SCENARIO_MESSAGE_MAX + 512];
        scenario_error_format(e, msg, sizeof msg);
        *rec = (struct diff_record){true, DIFF_ERROR, RUNNER_FAIL, RUNNER_FAIL, mem_strdup(path),
                                    NULL};
        struct buf b = {0};
        put_indented(&b, msg, "    ", 0);
        rec->text = b.data;
        return;
    }
    scenario_profile_default(s, o->profile_given ? o->profile : adapter_profile(a));
    struct twin_result t;
    twin_run(s, a, o->settle_ms, TAPE_IN_ORDER, &t);
    rec->ready = true;
    rec->cls = diff_classify(t.model.outcome, t.live.outcome);
    if (rec->cls == DIFF_NEITHER && !s->server.profile_given &&
        s->server.profile != SCENARIO_PROFILE_PROSODY && !fails_as_written(s))
        rec->cls = diff_in_server_profile(rec->cls, t.differs);
    rec->model = t.model.outcome;
    rec->live = t.live.outcome;
    rec->name = mem_strdup(s->name);
    rec->text = detail(rec->cls, &t, adapter_name(a), o->verbose);
    twin_result_free(&t);
    scenario_free(s);
}

/* ---- the workers' queues (order.h) ---- */

/* The scenarios with a cost, longest first (list 0), and the others, in
 * path order (list 1); the first long_workers workers start on list 0. */
struct queues {
    struct order_queue lists;
    size_t long_workers;
};

static void queues_close(struct queues *q)
{
    order_queue_close(&q->lists);
}

/* The queues of paths for jobs workers; false on failure (errno set). */
static bool queues_open(const struct paths *paths, size_t jobs, struct queues *q)
{
    size_t n = paths->len, nlong = 0;
    uint64_t *cost = mem_realloc(NULL, (n > 0 ? n : 1) * sizeof *cost);
    size_t *order = mem_realloc(NULL, (n > 0 ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++) {
        struct scenario_error e;
        struct scenario *s = loader_load(paths->items[i], &e);
        cost[i] = s != NULL ? order_cost_ms(s) : 0;
        nlong += cost[i] > 0;
        scenario_free(s);
    }
    order_longest_first(cost, n, order);
    q->long_workers = order_long_workers(cost, n, jobs);
    free(cost);
    return order_queue_open(&q->lists, order, n, nlong);
}

/* A scenario a worker took from the queue: index, and the scenario
 * loaded (NULL: e says why). */
struct taken {
    size_t index;
    struct scenario *s;
    struct scenario_error e;
};

/* Takes from the queue first (0 or 1), else from the other. */
static bool take(const struct queues *q, size_t first, const struct paths *paths,
                 struct taken *t)
{
    t->s = NULL;
    bool got = order_queue_take(&q->lists, first, &t->index) ||
               order_queue_take(&q->lists, 1 - first, &t->index);
    if (!got || t->index >= paths->len)
        return false;
    t->s = loader_load(paths->items[t->index], &t->e);
    return true;
}

/* Tells a of the scenario after the one about to run when it will run
 * there (its clean server can start ahead: adapter_expect); else of none. */
static void expect_next(struct adapter *a, const struct taken *next)
{
    struct buf why = {0};
    bool runs = next != NULL && next->s != NULL && next->s->target != SCENARIO_TARGET_MODEL &&
                adapter_fits(a, next->s, &why);
    buf_free(&why);
    adapter_expect(a, runs ? next->s : NULL);
}

/* What a worker does with one scenario it took (t->s is the callee's). */
typedef void each_fn(void *ctx, struct adapter *a, struct taken *t);

/* Runs each on every scenario worker k takes from the queues until both
 * are empty. Before one with no known cost (order.h) runs, the next is
 * taken so that a can start its server ahead; after one with real waits,
 * which leave time enough for a cold start, so that it never holds back
 * another: the queue being longest first, the next may be long too. */
static void take_each(const struct queues *q, size_t k, const struct paths *paths,
                      struct adapter *a, each_fn *each, void *ctx)
{
    struct taken cur, next;
    size_t first = k < q->long_workers ? 0 : 1;
    bool more = take(q, first, paths, &cur);
    while (more) {
        bool ahead = cur.s == NULL || order_cost_ms(cur.s) == 0;
        bool after = ahead && take(q, first, paths, &next);
        expect_next(a, after ? &next : NULL);
        each(ctx, a, &cur);
        if (!ahead)
            after = take(q, first, paths, &next);
        if (after)
            cur = next;
        more = after;
    }
    adapter_expect(a, NULL);
}

/* ---- messages from the workers ---- */

/* KIND: 'R' a result, 'V' the server's version, 'E' a fatal error. */
static void send_msg(int fd, char kind, size_t index, const struct diff_record *r)
{
    char head[128];
    const char *name = r->name ? r->name : "", *text = r->text ? r->text : "";
    int n = snprintf(head, sizeof head, "%c %zu %d %d %d %zu %zu\n", kind, index, (int)r->cls,
                     (int)r->model, (int)r->live, strlen(name), strlen(text));
    if (!proc_write_all(fd, head, (size_t)n) || !proc_write_all(fd, name, strlen(name)) ||
        !proc_write_all(fd, text, strlen(text)))
        _exit(EXIT_USAGE);
}

static void record_free(struct diff_record *r)
{
    free(r->name);
    free(r->text);
    memset(r, 0, sizeof *r);
}

static char *worker_dir(const char *base, size_t k)
{
    if (base == NULL)
        return NULL;
    struct buf b = {0};
    buf_puts(&b, base);
    buf_puts(&b, "/w");
    buf_put_u64(&b, k + 1);
    return b.data;
}

/* Sends the server's name and version (once known) to the parent. */
static bool tell_version(int fd, const struct adapter *a)
{
    struct buf name = {0};
    const char *v = adapter_version(a);
    text_printf(&name, "%s%s%s", adapter_name(a), v[0] ? " " : "", v);
    struct diff_record r = {.text = name.data};
    send_msg(fd, 'V', 0, &r);
    buf_free(&name);
    return true;
}

/* -v: where worker k's time went since t0 (adapter_stats, with the CPU
 * of the worker and of the servers it started, all stopped by
 * adapter_free), on standard error in one write. Frees a. */
static void stats_tell(struct adapter *a, size_t k, double t0)
{
    struct adapter_stats st = *adapter_stats(a);
    st.servers = adapter_servers_started(a);
    adapter_free(a);
    st.wall_s = clock_now_s() - t0;
    proc_cpu_s(&st.self_cpu_s, &st.servers_cpu_s);
    struct buf b = {0};
    text_printf(&b, "worker %zu:\n", k + 1);
    adapter_stats_text(&st, &b);
    proc_write_all(STDERR_FILENO, b.data, b.len);
    buf_free(&b);
}

/* A diff worker's scenarios: each result to the parent on fd. */
struct diff_each {
    const struct diff_options *o;
    const struct paths *paths;
    int fd;
    bool told;                 /* the server's version was sent */
};

static void diff_each(void *ctx, struct adapter *a, struct taken *t)
{
    struct diff_each *de = ctx;
    struct diff_record rec;
    diff_one(de->paths->items[t->index], t->s, &t->e, a, de->o, &rec);
    if (!de->told && adapter_version(a)[0] != '\0')
        de->told = tell_version(de->fd, a);
    send_msg(de->fd, 'R', t->index, &rec);
    record_free(&rec);
}

/* The body of worker k, taking scenarios from q: never returns. */
static void worker(const struct diff_options *o, const struct paths *paths,
                   const struct queues *q, size_t k, int fd)
{
    char err[ADAPTER_ERROR_MAX];
    double t0 = clock_now_s();
    char *dir = worker_dir(o->dir, k);
    struct adapter_spec spec = {o->server, o->target, o->prosody, dir};
    struct adapter *a = adapter_open(&spec, err, sizeof err);
    free(dir);
    if (a != NULL && o->pacing != NULL)
        adapter_set_pacing(a, o->pacing_mode);
    if (a == NULL) {
        struct diff_record r = {.text = err};
        send_msg(fd, 'E', 0, &r);
        _exit(EXIT_USAGE);
    }
    tell_version(fd, a);
    struct diff_each de = {o, paths, fd, false};
    take_each(q, k, paths, a, diff_each, &de);
    if (o->verbose)
        stats_tell(a, k, t0);
    else
        adapter_free(a);
    _exit(EXIT_OK);
}

/* ---- the parent ---- */

struct worker_pipe {
    pid_t pid;
    int fd;                    /* -1 once at end of file */
    struct buf in;
};

struct diff_run {
    const struct diff_options *o;
    const struct paths *paths;
    struct diff_record *records;
    size_t printed;            /* records printed, in order */
    struct diff_listing listing;
    size_t counts[DIFF_NCLASSES];
    size_t unlisted;
    char version[64];
    char *fatal;               /* a worker's fatal error */
    struct queues queues;      /* the scenarios' indices */
};

/* What worker k does with ctx, writing to fd; never returns. */
typedef void diff_worker_fn(void *ctx, size_t k, int fd);

static void diff_worker(void *ctx, size_t k, int fd)
{
    struct diff_run *run = ctx;
    worker(run->o, run->paths, &run->queues, k, fd);
}

/* Worker k as base/proc.h starts it. */
struct worker_start {
    diff_worker_fn *body;
    void *ctx;
    size_t k;
    const struct worker_pipe *w;   /* the earlier workers' pipes */
};

static int worker_main(void *arg, int fd)
{
    const struct worker_start *ws = arg;
    for (size_t j = 0; j < ws->k; j++)
        close(ws->w[j].fd);
    ws->body(ws->ctx, ws->k, fd);
    return EXIT_USAGE;
}

static bool spawn_workers(diff_worker_fn *body, void *ctx, struct worker_pipe *w, size_t jobs)
{
    struct proc_options po = {.pipe = true, .death_signal = SIGTERM};
    for (size_t k = 0; k < jobs; k++) {
        struct worker_start ws = {body, ctx, k, w};
        struct proc child;
        if (!proc_spawn(worker_main, &ws, &po, &child))
            return false;
        w[k] = (struct worker_pipe){child.pid, child.fd, {0}};
    }
    return true;
}

static const char *listed_rule(struct diff_run *run, const char *path, enum diff_class cls)
{
    const struct diff_listed *e = diff_listing_find(&run->listing, path, cls);
    return e ? e->rule : NULL;
}

static void print_record(struct diff_run *run, size_t i)
{
    const struct diff_record *r = &run->records[i];
    const char *path = run->paths->items[i];
    printf("%-*s  %s  %s", DIFF_LABEL_WIDTH, class_words[r->cls], path, r->name);
    if (r->cls == DIFF_AGREE)
        printf("  [the server's profile: not counted]");
    if (diff_class_diverges(r->cls)) {
        const char *rule = listed_rule(run, path, r->cls);
        if (rule != NULL) {
            printf("  [listed: %s]", rule[0] ? rule : "-");
        } else {
            printf("  [NOT LISTED in %s]", run->o->listing);
            run->unlisted++;
        }
    }
    putchar('\n');
    fputs(r->text, stdout);
    run->counts[r->cls]++;
}

static void print_ready(struct diff_run *run)
{
    while (run->printed < run->paths->len && run->records[run->printed].ready)
        print_record(run, run->printed++);
    fflush(stdout);
}

/* Takes every complete message off w->in; false when one is malformed. */
static bool parse_messages(struct diff_run *run, struct worker_pipe *w)
{
    for (;;) {
        const char *nl = memchr(w->in.data ? w->in.data : "", '\n', w->in.len);
        if (nl == NULL)
            return true;
        char kind;
        size_t index, nlen, tlen;
        int cls, model, live;
        if (sscanf(w->in.data, "%c %zu %d %d %d %zu %zu", &kind, &index, &cls, &model, &live,
                   &nlen, &tlen) != 7)
            return false;
        size_t head = (size_t)(nl - w->in.data) + 1;
        if (w->in.len < head + nlen + tlen)
            return true;
        const char *name = w->in.data + head, *text = name + nlen;
        if (kind == 'R' && index < run->paths->len && cls >= 0 && cls < (int)DIFF_NCLASSES) {
            run->records[index] = (struct diff_record){
                true, (enum diff_class)cls, (enum runner_outcome)model,
                (enum runner_outcome)live, mem_strndup(name, nlen), mem_strndup(text, tlen)};
        } else if (kind == 'V') {
            snprintf(run->version, sizeof run->version, "%.*s", (int)tlen, text);
        } else if (kind == 'E' && run->fatal == NULL) {
            run->fatal = mem_strndup(text, tlen);
        }
        buf_consume(&w->in, head + nlen + tlen);
    }
}

/* Reads the workers until every pipe has ended, printing as results come. */
static bool collect(struct diff_run *run, struct worker_pipe *w, size_t jobs)
{
    struct pollfd *fds = mem_realloc(NULL, jobs * sizeof *fds);
    static char chunk[DIFF_READ_CHUNK];
    bool ok = true, open = true;
    while (open) {
        for (size_t k = 0; k < jobs; k++)
            fds[k] = (struct pollfd){.fd = w[k].fd, .events = POLLIN};
        if (poll(fds, (nfds_t)jobs, -1) < 0 && errno != EINTR)
            break;
        open = false;
        for (size_t k = 0; k < jobs; k++) {
            if (w[k].fd < 0)
                continue;
            if (fds[k].revents != 0) {
                ssize_t n = read(w[k].fd, chunk, sizeof chunk);
                if (n > 0) {
                    buf_append(&w[k].in, chunk, (size_t)n);
                    ok = parse_messages(run, &w[k]) && ok;
                } else if (n == 0 || errno != EINTR) {
                    close(w[k].fd);
                    w[k].fd = -1;
                }
            }
            open = open || w[k].fd >= 0;
        }
        print_ready(run);
    }
    free(fds);
    return ok;
}

static bool reap_workers(struct worker_pipe *w, size_t jobs)
{
    bool ok = true;
    for (size_t k = 0; k < jobs; k++) {
        int status = 0;
        proc_wait(w[k].pid, true, &status);
        ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == EXIT_OK;
        buf_free(&w[k].in);
    }
    return ok;
}

/* The counts per class (errors, and the classes of a server's profile
 * other than Prosody's, only when there are some); returns how many
 * scenarios diverge. */
static size_t print_counts(const size_t counts[DIFF_NCLASSES])
{
    size_t diverged = 0;
    for (size_t c = 0; c < DIFF_NCLASSES; c++) {
        bool rare = c == DIFF_ERROR || c == DIFF_AGREE || c == DIFF_PROFILE;
        bool in_profile = c == DIFF_PROFILE && counts[DIFF_AGREE] > 0;
        if (!rare || counts[c] > 0 || in_profile)
            printf("%s %zu %s", c == 0 ? "" : ",", counts[c], class_texts[c]);
        if (diff_class_diverges((enum diff_class)c))
            diverged += counts[c];
    }
    return diverged;
}

static void print_summary(struct diff_run *run)
{
    const struct diff_options *o = run->o;
    struct adapter_spec spec = {o->server, NULL, NULL, NULL};
    const char *pacing = o->pacing != NULL                ? o->pacing
                         : adapter_spec_is_prosody(&spec) ? pace_mode_name(PACE_ROUNDTRIP)
                                                          : "as the server file says";
    printf("\ndifferential (%s, %u worker%s, pacing %s, settle %u ms):",
           run->version[0] ? run->version : "unknown", o->jobs, o->jobs == 1 ? "" : "s", pacing,
           o->settle_ms);
    size_t diverged = print_counts(run->counts);
    printf("\ndivergences: %zu, %zu listed in %s, %zu not listed\n", diverged,
           diverged - run->unlisted, o->listing, run->unlisted);
    if (run->counts[DIFF_NEITHER] > 0)
        printf("fail on both: %zu scenario%s that fail%s on the model too (`sessim run` fails "
               "%s): not a divergence, and no listing excuses %s (exit status 1)\n",
               run->counts[DIFF_NEITHER], run->counts[DIFF_NEITHER] == 1 ? "" : "s",
               run->counts[DIFF_NEITHER] == 1 ? "s" : "",
               run->counts[DIFF_NEITHER] == 1 ? "it" : "them",
               run->counts[DIFF_NEITHER] == 1 ? "it" : "them");
    for (size_t i = 0; i < run->listing.n; i++) {
        const struct diff_listed *e = &run->listing.items[i];
        for (size_t k = 0; k < run->paths->len; k++) {
            const struct diff_record *r = &run->records[k];
            bool fine = r->cls == e->cls || (e->varies && r->cls == diff_varies_to(e->cls));
            if (r->ready && path_names(run->paths->items[k], e->path) && !fine)
                printf("note: %s is listed (%s, %s) but is now '%s'\n", e->path, e->rule,
                       class_texts[e->cls], class_texts[r->cls]);
        }
    }
}

static void load_listing(struct diff_run *run)
{
    int err = diff_listing_read(run->o->listing, &run->listing);
    if (err != 0)
        printf("note: no %s (%s): every divergence counts as not listed\n", run->o->listing,
               strerror(err));
}

static int run_diff(const struct diff_options *o, const struct paths *paths)
{
    struct diff_run run = {.o = o, .paths = paths};
    size_t jobs = o->jobs < paths->len ? o->jobs : paths->len;
    if (!queues_open(paths, jobs, &run.queues)) {
        fprintf(stderr, "sessim diff: cannot queue the scenarios: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    run.records = mem_realloc(NULL, paths->len * sizeof *run.records);
    memset(run.records, 0, paths->len * sizeof *run.records);
    load_listing(&run);
    struct worker_pipe *w = mem_realloc(NULL, jobs * sizeof *w);
    bool ok = (o->dir == NULL || mkdir(o->dir, 0750) == 0 || errno == EEXIST) &&
              spawn_workers(diff_worker, &run, w, jobs);
    queues_close(&run.queues);   /* the workers have them */
    ok = ok && collect(&run, w, jobs);
    ok = reap_workers(w, jobs) && ok && run.printed == paths->len;
    if (run.fatal != NULL)
        fprintf(stderr, "sessim diff: cannot run the server: %s\n", run.fatal);
    else if (!ok)
        fprintf(stderr, "sessim diff: a worker failed (%zu of %zu scenarios reported)\n",
                run.printed, paths->len);
    if (run.printed > 0)
        print_summary(&run);
    for (size_t i = 0; i < paths->len; i++)
        record_free(&run.records[i]);
    free(run.records);
    free(w);
    free(run.fatal);
    diff_listing_free(&run.listing);
    return ok ? diff_exit_status(run.counts, run.unlisted) : EXIT_USAGE;
}

int diff_main(int argc, char **argv)
{
    struct diff_options o = {.settle_ms = TARGET_TCP_SETTLE_DEFAULT_MS};
    o.args = mem_realloc(NULL, ((size_t)argc + 1) * sizeof *o.args);
    int status = parse_options(argc, argv, &o);
    if (status == 0) {
        struct paths paths = {0};
        bool found = paths_collect(o.args, o.nargs, &paths);
        if (paths.len == 0)
            fprintf(stderr, "sessim diff: no scenarios (*.yaml) to run\n");
        status = !found || paths.len == 0 ? EXIT_USAGE : run_diff(&o, &paths);
        paths_free(&paths);
    }
    free(o.args);
    free(o.own_listing);
    return status < 0 ? EXIT_OK : status;
}

/* ---- bench: the corpus on the model and on Prosody ---- */

/* What one bench worker measured (a line "RAN PASSED SKIPPED SECONDS
 * SERVERS SELF_CPU SERVERS_CPU VERSION"). */
struct bench_share {
    size_t ran, passed, skipped;
    double seconds;            /* the worker's scenarios, one after another */
    unsigned long servers;     /* server processes started */
    double self_cpu, servers_cpu;   /* CPU seconds of the worker, of its servers */
    char version[64];
};

static struct target *share_target(const struct scenario *s, uint64_t seed, void *adapter)
{
    (void)seed;
    char err[ADAPTER_ERROR_MAX];
    return target_tcp_new(adapter, s, TARGET_TCP_SETTLE_DEFAULT_MS, err, sizeof err);
}

/* The corpus, its queue and the pacing its bench workers use. */
struct share_job {
    const struct paths *paths;
    struct queues queues;
    enum pace_mode pacing;
};

/* A bench worker's scenarios, live only, counted into sh. */
struct share_each {
    struct runner_options ro;
    struct bench_share sh;
};

static void share_each(void *ctx, struct adapter *a, struct taken *t)
{
    struct share_each *se = ctx;
    struct runner_result r;
    (void)a;
    if (t->s == NULL)
        return;
    runner_run(t->s, &se->ro, &r);
    se->sh.ran += r.outcome != RUNNER_SKIP;
    se->sh.skipped += r.outcome == RUNNER_SKIP;
    se->sh.passed += r.outcome == RUNNER_PASS;
    runner_result_free(&r);
    scenario_free(t->s);
}

/* Worker k: scenarios from the queue on its own Prosody; never returns. */
static void share_worker(void *ctx, size_t k, int fd)
{
    const struct share_job *job = ctx;
    const struct paths *paths = job->paths;
    char err[ADAPTER_ERROR_MAX];
    struct adapter_spec spec = {0};
    struct adapter *l = adapter_open(&spec, err, sizeof err);
    if (l != NULL)
        adapter_set_pacing(l, job->pacing);
    struct share_each se = {.ro = {.target_new = share_target, .target_ctx = l}};
    double t0 = clock_now_s();
    if (l != NULL)
        take_each(&job->queues, k, paths, l, share_each, &se);
    struct bench_share sh = se.sh;
    sh.seconds = clock_now_s() - t0;
    snprintf(sh.version, sizeof sh.version, "%s",
             l != NULL && adapter_version(l)[0] ? adapter_version(l) : "?");
    sh.servers = l != NULL ? adapter_servers_started(l) : 0;
    bool started = l != NULL;
    adapter_free(l);
    proc_cpu_s(&sh.self_cpu, &sh.servers_cpu);
    char line[200];
    int n = snprintf(line, sizeof line, "%zu %zu %zu %.6f %lu %.6f %.6f %s\n", sh.ran, sh.passed,
                     sh.skipped, sh.seconds, sh.servers, sh.self_cpu, sh.servers_cpu, sh.version);
    _exit(started && proc_write_all(fd, line, (size_t)n) ? EXIT_OK : EXIT_USAGE);
}

/* Reads each worker's line and adds it up into *sum; false when one is missing. */
static bool share_collect(struct worker_pipe *w, size_t jobs, struct bench_share *sum)
{
    bool ok = true;
    for (size_t k = 0; k < jobs; k++) {
        char line[200] = "";
        size_t len = 0;
        ssize_t n;
        while (len < sizeof line - 1 &&
               ((n = read(w[k].fd, line + len, sizeof line - 1 - len)) > 0 ||
                (n < 0 && errno == EINTR)))
            len += n > 0 ? (size_t)n : 0;
        line[len] = '\0';
        close(w[k].fd);
        struct bench_share sh = {0};
        if (sscanf(line, "%zu %zu %zu %lf %lu %lf %lf %63s", &sh.ran, &sh.passed, &sh.skipped,
                   &sh.seconds, &sh.servers, &sh.self_cpu, &sh.servers_cpu, sh.version) != 8) {
            ok = false;
            continue;
        }
        sum->ran += sh.ran, sum->passed += sh.passed, sum->skipped += sh.skipped;
        sum->seconds += sh.seconds;
        sum->servers += sh.servers;
        sum->self_cpu += sh.self_cpu, sum->servers_cpu += sh.servers_cpu;
        if (sh.version[0] != '?')
            memcpy(sum->version, sh.version, sizeof sum->version);
    }
    return reap_workers(w, jobs) && ok;
}

/* Seconds for one pass of the corpus on the model (the mean of rounds). */
static double corpus_on_model(const struct paths *paths, unsigned rounds, size_t *passed,
                          size_t *steps)
{
    struct scenario **all = mem_realloc(NULL, (paths->len + 1) * sizeof *all);
    size_t n = 0;
    for (size_t i = 0; i < paths->len; i++) {
        struct scenario_error e;
        if ((all[n] = loader_load(paths->items[i], &e)) != NULL)
            *steps += all[n++]->step_count;
    }
    double t0 = clock_now_s();
    for (unsigned r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n; i++) {
            struct runner_result res;
            runner_run(all[i], NULL, &res);
            *passed += r == 0 && res.outcome == RUNNER_PASS;
            runner_result_free(&res);
        }
    }
    double t = (clock_now_s() - t0) / rounds;
    for (size_t i = 0; i < n; i++)
        scenario_free(all[i]);
    free(all);
    return t;
}

/* The corpus on DIFF_BENCH_JOBS Prosody servers with pacing: *wall its
 * wall time; false when a worker failed. */
static bool share_run(const struct paths *paths, enum pace_mode pacing, struct bench_share *live,
                      double *wall)
{
    size_t jobs = DIFF_BENCH_JOBS < paths->len ? DIFF_BENCH_JOBS : paths->len;
    struct worker_pipe *w = mem_realloc(NULL, (jobs + 1) * sizeof *w);
    double t0 = clock_now_s();
    struct share_job job = {.paths = paths, .pacing = pacing};
    bool queued = queues_open(paths, jobs, &job.queues);
    bool ok = jobs > 0 && queued && spawn_workers(share_worker, &job, w, jobs);
    if (queued)
        queues_close(&job.queues);   /* the workers have them */
    ok = ok && share_collect(w, jobs, live);
    *wall = clock_now_s() - t0;
    free(w);
    fprintf(stderr, "live replay, pacing %s: %zu ran live (%zu passed), %zu skipped, %u servers, "
                    "settle %u ms, %.1f s wall; CPU: sessim %.1f s, Prosody %.1f s (%lu "
                    "processes, %.0f ms each)\n",
            pace_mode_name(pacing), live->ran, live->passed, live->skipped, DIFF_BENCH_JOBS,
            TARGET_TCP_SETTLE_DEFAULT_MS, *wall, live->self_cpu, live->servers_cpu, live->servers,
            live->servers > 0 ? live->servers_cpu * 1e3 / (double)live->servers : 0.0);
    return ok;
}

/* Round trips against the settle time on the same corpus (sim/README.md
 * "Pacing"); what bounds the ratio is each scenario's clean Prosody start. */
static void pacing_rows(struct table *t, const struct bench_share *rt, double rt_wall,
                        const struct bench_share *st, double st_wall)
{
    table_row(t, "live pacing", "corpus on prosody, roundtrip, wall", rt_wall, "s", "");
    table_row(t, "live pacing", "corpus on prosody, settle, wall", st_wall, "s", "");
    table_row(t, "live pacing", "round trip vs settle (settle wall/roundtrip wall)",
              rt_wall > 0 ? st_wall / rt_wall : 0.0, "x", ">= 10");
    table_row(t, "live pacing", "same, scenarios one after another",
              rt->seconds > 0 ? st->seconds / rt->seconds : 0.0, "x", "");
    table_row(t, "live pacing", "passed live, roundtrip - settle (0 but varies)",
              (double)rt->passed - (double)st->passed, "scenarios", "");
}

static void share_rows(struct table *t, size_t nfiles, size_t steps, size_t model_passed,
                        double model_s, const struct bench_share *live, double wall)
{
    fprintf(stderr, "live replay: %zu scenarios (%zu steps), %zu passed on the model; Prosody %s:"
                    " %zu ran live (%zu passed), %zu skipped, %u servers, pacing roundtrip\n",
            nfiles, steps, model_passed, live->version[0] ? live->version : "?", live->ran,
            live->passed, live->skipped, DIFF_BENCH_JOBS);
    table_row(t, "live replay", "model, corpus pass (one thread)", model_s * 1e3, "ms", "");
    table_row(t, "live replay", "prosody, scenarios one after another", live->seconds, "s", "");
    char wall_label[64];
    snprintf(wall_label, sizeof wall_label, "prosody, wall (%u servers)", DIFF_BENCH_JOBS);
    table_row(t, "live replay", wall_label, wall, "s", "");
    table_row(t, "live replay", "ratio prosody/model, one after another",
              model_s > 0 ? live->seconds / model_s : 0.0, "x", ">= 1000");
    table_row(t, "live replay", "ratio prosody wall/model", model_s > 0 ? wall / model_s : 0.0,
              "x", "");
}

int diff_bench(struct table *t, unsigned rounds)
{
    char err[LIVE_ERROR_MAX];
    struct live *probe = live_new(NULL, NULL, 0, err, sizeof err);
    if (probe == NULL) {
        printf("live replay: skipped, no Prosody to run (%s)\n", err);
        return 0;
    }
    live_free(probe);
    struct paths paths = {0};
    paths_collect(NULL, 0, &paths);
    size_t model_passed = 0, steps = 0;
    double model_s = corpus_on_model(&paths, rounds ? rounds : 1, &model_passed, &steps);
    struct bench_share rt = {0}, st = {0};
    double rt_wall = 0, st_wall = 0;
    bool ok = share_run(&paths, PACE_ROUNDTRIP, &rt, &rt_wall);
    if (ok)
        share_rows(t, paths.len, steps, model_passed, model_s, &rt, rt_wall);
    ok = ok && share_run(&paths, PACE_SETTLE, &st, &st_wall);
    if (ok)
        pacing_rows(t, &rt, rt_wall, &st, st_wall);
    else
        fprintf(stderr, "sessim bench: the live replay failed\n");
    paths_free(&paths);
    return ok ? 0 : 1;
}
