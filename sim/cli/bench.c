/* bench: parser and model benchmarks (see bench.h). */
#include "cli/bench.h"

#include <expat.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/exit.h"
#include "base/text.h"
#include "base/proc.h"
#include "explore/gen.h"
#include "model/buf.h"
#include "live/diff.h"
#include "live/target_tcp.h"
#include "live/pace.h"
#include "live/adapter.h"
#include "live/hostport.h"
#include "base/mem.h"
#include "explore/explore.h"
#include "model/model.h"
#include "base/paths.h"
#include "report/table.h"
#include "run/runner.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "model/prng.h"
#include "model/xmlstream.h"

#define CHUNK 4096

/* One generated stanza: messages, presences and iqs with nested children
 * and escaped attributes. */
static void make_stanza(struct prng *r, struct buf *b, unsigned long long n)
{
    switch (prng_below(r, 3)) {
    case 0:
        buf_puts(b, "<message to='juliet@localhost/balcony' type='chat' id='m");
        buf_put_u64(b, n);
        buf_puts(b, "'><body>Wherefore art thou &amp; why &lt;now&gt;? ");
        buf_put_u64(b, prng_below(r, 1000000));
        buf_puts(b, "</body><active xmlns='http://jabber.org/protocol/chatstates'/>"
                    "<thread>t-42</thread></message>");
        break;
    case 1:
        buf_puts(b, "<presence><show>away</show><status>Out &quot;walking&quot; "
                    "the dog</status><priority>");
        buf_put_u64(b, prng_below(r, 128));
        buf_puts(b, "</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' "
                    "node='https://sessim.example/caps' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>"
                    "</presence>");
        break;
    default:
        buf_puts(b, "<iq type='set' id='r");
        buf_put_u64(b, n);
        buf_puts(b, "'><query xmlns='jabber:iq:roster'><item jid='contact");
        buf_put_u64(b, prng_below(r, 5000));
        buf_puts(b, "@localhost' name='Friend &apos;");
        buf_put_u64(b, n % 97);
        buf_puts(b, "&apos;'><group>Friends</group><group>Work &amp; Play</group></item>"
                    "</query></iq>");
        break;
    }
}

/* Writes about `bytes` of client stream to a temporary file, reads it back
 * (so the bytes come from a file, as a real capture would). */
static char *make_stream(size_t bytes, size_t *len)
{
    char path[] = "/tmp/sessim-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "wb");
    if (f == NULL) {
        close(fd);
        unlink(path);
        return NULL;
    }
    struct prng r;
    prng_seed(&r, 2026);
    struct buf b = {0};
    buf_puts(&b, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                 "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>");
    size_t total = 0;
    for (unsigned long long n = 0; total < bytes; n++) {
        make_stanza(&r, &b, n);
        if (b.len > 1 << 20 || total + b.len >= bytes) {
            fwrite(b.data, 1, b.len, f);
            total += b.len;
            buf_clear(&b);
        }
    }
    fputs(XMLSTREAM_CLOSE, f);
    buf_free(&b);
    char *data = NULL;
    if (fclose(f) != 0 || text_read_file(path, TEXT_SIZE_ANY, &data, len) != 0)
        data = NULL;
    unlink(path);
    return data;
}

static void XMLCALL noop_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)ud, (void)name, (void)atts;
}

static void XMLCALL noop_end(void *ud, const XML_Char *name)
{
    (void)ud, (void)name;
}

static void XMLCALL noop_text(void *ud, const XML_Char *s, int len)
{
    (void)ud, (void)s, (void)len;
}

static double run_expat(const char *data, size_t len)
{
    double t0 = clock_now_s();
    XML_Parser p = XML_ParserCreateNS("UTF-8", '\x01');
    XML_SetHashSalt(p, 1);
    XML_SetElementHandler(p, noop_start, noop_end);
    XML_SetCharacterDataHandler(p, noop_text);
    for (size_t off = 0; off < len; off += CHUNK) {
        size_t n = len - off < CHUNK ? len - off : CHUNK;
        if (XML_Parse(p, data + off, (int)n, XML_FALSE) == XML_STATUS_ERROR) {
            fprintf(stderr, "bench: expat error %s\n", XML_ErrorString(XML_GetErrorCode(p)));
            break;
        }
    }
    XML_ParserFree(p);
    return clock_now_s() - t0;
}

static void on_stanza(void *ctx, struct stanza *st)
{
    ++*(unsigned long long *)ctx;
    stanza_free(st);
}

static double run_sessim(const char *data, size_t len, unsigned long long *stanzas)
{
    double t0 = clock_now_s();
    struct xmlstream_callbacks cb = {.stanza = on_stanza};
    struct xmlstream *p = xmlstream_new(NULL, &cb, stanzas, NULL, 1);
    for (size_t off = 0; off < len; off += CHUNK)
        xmlstream_feed(p, data + off, len - off < CHUNK ? len - off : CHUNK);
    if (xmlstream_error(p) != XMLSTREAM_E_NONE)
        fprintf(stderr, "bench: parser error %s\n", xmlstream_error_name(xmlstream_error(p)));
    xmlstream_free(p);
    return clock_now_s() - t0;
}

static int bench_parser(struct table *t, size_t mb)
{
    size_t len;
    char *data = make_stream(mb << 20, &len);
    if (data == NULL) {
        fprintf(stderr, "bench: cannot generate the input stream\n");
        return EXIT_FAILED;
    }
    double best_expat = 1e9, best_sessim = 1e9;
    unsigned long long stanzas = 0;
    for (int round = 0; round < 3; round++) {   /* best of 3, interleaved */
        double e = run_expat(data, len);
        stanzas = 0;
        double s = run_sessim(data, len, &stanzas);
        best_expat = e < best_expat ? e : best_expat;
        best_sessim = s < best_sessim ? s : best_sessim;
    }
    double mbytes = (double)len / 1e6;
    fprintf(stderr, "parser: %.1f MB stream, %llu stanzas, 4 KiB chunks, best of 3\n", mbytes,
            stanzas);
    table_row(t, "parser", "raw expat (ns, no-op handlers)", mbytes / best_expat, "MB/s", "");
    table_row(t, "parser", "sessim xmlstream (trees built+freed)", mbytes / best_sessim, "MB/s", "");
    table_row(t, "parser", "ratio sessim/expat", best_expat / best_sessim, "x", ">= 0.7");
    free(data);
    return EXIT_OK;
}

/* ---- model workloads ---- */

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f != NULL)
        fclose(f);
    return kib;
}

static void drain(struct model *m, unsigned conn)
{
    size_t len;
    model_output(m, conn, &len);
    model_output_consume(m, conn, len);
}

#define LOGIN_HDR "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
                  "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

/* The bytes of a whole login: header, SASL PLAIN, restart, bind, presence;
 * with sm, resumable stream management enabled before the presence and
 * its reflection acked after it (an idle managed session, queue empty). */
static void login_bytes(const char *user, bool sm, struct buf *out)
{
    unsigned char plain[128];
    size_t ul = strlen(user);
    plain[0] = 0;
    memcpy(plain + 1, user, ul);
    plain[1 + ul] = 0;
    memcpy(plain + 2 + ul, "pw", 2);
    buf_clear(out);
    buf_puts(out, LOGIN_HDR "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>");
    base64_encode(plain, ul + 4, out);
    buf_puts(out, "</auth>" LOGIN_HDR "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:"
                  "ns:xmpp-bind'><resource>r</resource></bind></iq>");
    buf_puts(out, sm ? "<enable xmlns='urn:xmpp:sm:3' resume='true'/><presence/>"
                       "<a xmlns='urn:xmpp:sm:3' h='1'/>"
                     : "<presence/>");
}

static struct model *bench_model(size_t users, struct buf *name)
{
    struct model_config c;
    model_config_default(&c);
    struct model *m = model_new(&c, 42);
    for (size_t i = 0; i < users; i++) {
        buf_clear(name);
        buf_putc(name, 'u');
        buf_put_u64(name, i);
        model_account_create(m, buf_cstr(name), "pw");
    }
    return m;
}

/* Logs every user in; returns the seconds spent in model calls. */
static double login_all(struct model *m, size_t users, struct buf *name, struct buf *bytes,
                        bool sm)
{
    double t = 0;
    for (size_t i = 0; i < users; i++) {
        buf_clear(name);
        buf_putc(name, 'u');
        buf_put_u64(name, i);
        login_bytes(buf_cstr(name), sm, bytes);
        double t0 = clock_now_s();
        unsigned conn = model_connect(m);
        model_input(m, conn, bytes->data, bytes->len);
        drain(m, conn);
        t += clock_now_s() - t0;
    }
    return t;
}

/* Sessions whose queues queued_bytes fills: the bytes per copy do not
 * depend on the session count, and 10 copies for each of 1M sessions
 * would take some 9 GiB. */
#define BENCH_QUEUED_SESSIONS_MAX 100000u

/* Each of n logged-in sessions (connection i is user i, 1-based) sends
 * itself `per` chat messages it never acks: SM5 queues a copy of each.
 * Returns the heap bytes per queued copy. */
static double queued_bytes(struct model *m, size_t n, size_t per, struct buf *name)
{
    size_t before = heap_in_use();
    struct buf msg = {0};
    for (size_t i = 0; i < n; i++) {
        buf_clear(name);
        buf_putc(name, 'u');
        buf_put_u64(name, i);
        buf_clear(&msg);
        for (size_t k = 0; k < per; k++) {
            buf_puts(&msg, "<message type='chat' to='");
            buf_puts(&msg, buf_cstr(name));
            buf_puts(&msg, "@localhost/r'><body>hello</body></message>");
        }
        model_input(m, (unsigned)i + 1, msg.data, msg.len);
        drain(m, (unsigned)i + 1);
    }
    buf_free(&msg);
    return (double)(heap_in_use() - before) / (double)(n * per);
}

/* sessions (plain) or sessions-sm (stream management on, SM2-SM5). */
static void bench_sessions_as(struct table *t, size_t max, bool sm)
{
    const char *what = sm ? "sessions-sm" : "sessions";
    fprintf(stderr, "%s: connect + SASL + bind + %sinitial presence, one input per login\n", what,
            sm ? "<enable resume/> + " : "");
    struct buf name = {0}, bytes = {0}, label = {0};
    double first_us = 0, last_us = 0, last_bytes = 0;
    size_t last_n = 0;
    for (size_t n = 1000; n <= max; n *= 10) {
        struct model *m = bench_model(n, &name);
        size_t before = heap_in_use();
        double secs = login_all(m, n, &name, &bytes, sm);
        size_t after = heap_in_use();
        double us = secs * 1e6 / (double)n, per = (double)(after - before) / (double)n;
        buf_clear(&label);
        buf_puts(&label, what);
        buf_puts(&label, " N=");
        buf_put_u64(&label, n);
        table_row(t, buf_cstr(&label), "connect+auth+bind+presence", us, "us/login", "");
        table_row(t, buf_cstr(&label), "model heap per session", per, "bytes", "");
        table_row(t, buf_cstr(&label), "process RSS", (double)rss_kib() / 1024.0, "MiB", "");
        if (sm && n * 10 > max)   /* the largest N: the cost of the unacked queue */
            table_row(t, buf_cstr(&label), "heap per queued stanza (SM5 copy)",
                      queued_bytes(m, n < BENCH_QUEUED_SESSIONS_MAX ? n
                                                                    : BENCH_QUEUED_SESSIONS_MAX,
                                   10, &name),
                      "bytes", "");
        first_us = first_us > 0 ? first_us : us;
        last_us = us, last_bytes = per, last_n = n;
        model_free(m);
    }
    buf_clear(&label);
    buf_puts(&label, what);
    buf_puts(&label, " N=");
    buf_put_u64(&label, last_n);
    table_row(t, buf_cstr(&label), "us/login vs N=1000", last_us / first_us, "x", "<= 1.5");
    table_row(t, buf_cstr(&label), sm ? "bytes per managed session (queue empty)"
                                       : "bytes per available session",
              last_bytes, "bytes", "<= 1024");
    buf_free(&label);
    buf_free(&name);
    buf_free(&bytes);
}

static void bench_sessions(struct table *t, size_t max)
{
    bench_sessions_as(t, max, false);
}

/* Each user has `contacts` mutual (both) subscriptions to its neighbours;
 * everyone is online; then every user sends a presence update, which the
 * model fans out to its available contacts (P4). */
static void bench_fanout(struct table *t, size_t users, size_t contacts)
{
    struct buf name = {0}, bytes = {0}, jid = {0};
    struct model *m = bench_model(users, &name);
    for (size_t i = 0; i < users; i++) {
        buf_clear(&name);
        buf_putc(&name, 'u');
        buf_put_u64(&name, i);
        for (size_t k = 1; k <= contacts; k++) {
            buf_clear(&jid);
            buf_putc(&jid, 'u');
            buf_put_u64(&jid, (i + k * (users / (contacts + 1) + 1)) % users);
            buf_puts(&jid, "@localhost");
            struct model_roster_item it = {.jid = buf_cstr(&jid), .subscription = MODEL_SUB_BOTH};
            model_roster_preset(m, buf_cstr(&name), &it);
        }
    }
    login_all(m, users, &name, &bytes, false);
    static const char update[] = "<presence><show>away</show></presence>";
    size_t out = 0;
    double t0 = clock_now_s();
    for (unsigned conn = 1; conn <= users; conn++)
        model_input(m, conn, update, sizeof update - 1);
    double secs = clock_now_s() - t0;
    for (unsigned conn = 1; conn <= users; conn++) {
        size_t len;
        model_output(m, conn, &len);
        out += len;
        drain(m, conn);
    }
    double stanzas = (double)users * (double)(contacts + 1);
    struct buf label = {0};
    buf_puts(&label, "fan-out ");
    buf_put_u64(&label, users);
    buf_puts(&label, "x");
    buf_put_u64(&label, contacts);
    fprintf(stderr, "presence fan-out: %zu users x %zu contacts, %.0f stanzas in %.2f s (%.1f MB)\n",
            users, contacts, stanzas, secs, (double)out / 1e6);
    table_row(t, buf_cstr(&label), "presence updates delivered", stanzas / secs, "stanzas/s", "");
    buf_free(&label);
    model_free(m);
    buf_free(&name);
    buf_free(&bytes);
    buf_free(&jid);
}

/* Messages between random pairs of online users, to full JIDs (M5). */
static void bench_routing(struct table *t, size_t users, size_t messages)
{
    struct buf name = {0}, bytes = {0}, msg = {0};
    struct model *m = bench_model(users, &name);
    login_all(m, users, &name, &bytes, false);
    struct prng r;
    prng_seed(&r, 7);
    double secs = 0;
    for (size_t i = 0; i < messages; i++) {
        unsigned from = (unsigned)prng_below(&r, users) + 1;
        size_t to = prng_below(&r, users);
        buf_clear(&msg);
        buf_puts(&msg, "<message type='chat' to='u");
        buf_put_u64(&msg, to);
        buf_puts(&msg, "@localhost/r'><body>ping</body></message>");
        double t0 = clock_now_s();
        model_input(m, from, msg.data, msg.len);
        drain(m, (unsigned)to + 1);
        secs += clock_now_s() - t0;
    }
    fprintf(stderr, "routing: %zu messages between random pairs of %zu sessions\n", messages,
            users);
    table_row(t, "routing", "messages to full JIDs, random pairs", (double)messages / secs,
              "stanzas/s", "");
    model_free(m);
    buf_free(&name);
    buf_free(&bytes);
    buf_free(&msg);
}

/* ---- the explorer: generated scenarios, invariants on and off ---- */

/* The model behind the interface as a live target would be: the runner
 * then checks no invariants. For the cost figure. */
static struct target *hidden_new(const struct scenario *s, uint64_t seed, void *ctx)
{
    (void)ctx;
    return target_model_hidden_new(&s->server, seed, "model-hidden",
                                   TARGET_CAN_ADVANCE | TARGET_CAN_RESTART | TARGET_QUIESCENT);
}

/* Runs s once, the model hidden or not; its steps, and whether it passed,
 * with its time added to *elapsed. */
static size_t timed_run(const struct scenario *s, bool hide, double *elapsed, bool *ok)
{
    struct runner_options ro = {.seed = 0, .target_new = hide ? hidden_new : NULL,
                                .trees = true};
    struct runner_result res;
    double t0 = clock_now_s();
    runner_run(s, &ro, &res);
    *elapsed += clock_now_s() - t0;
    *ok = *ok && res.outcome == RUNNER_PASS;
    size_t steps = res.steps_run;
    runner_result_free(&res);
    return steps;
}

/* Generates scenarios of 1000 steps until `steps` ran, and runs each with
 * every invariant and with the model hidden (none), in turn (the hidden
 * one first every other run), so that a neighbour's load moves both
 * figures alike. Each figure counts the generation of its runs once.
 * Returns false when a run failed. */
static bool timed_runs(size_t steps, double *checked, double *plain)
{
    size_t done = 0;
    bool ok = true;
    double gen = 0, with = 0, without = 0;
    for (uint64_t i = 0; done < steps && i < EXPLORE_RUNS_MAX; i++) {
        double t0 = clock_now_s();
        struct scenario *s = gen_scenario(gen_run_seed(1, (size_t)i), 1000);
        s->target = SCENARIO_TARGET_ANY;   /* runs on the hidden model too */
        gen += clock_now_s() - t0;
        bool hidden_first = i % 2 == 1;
        if (hidden_first)
            timed_run(s, true, &without, &ok);
        done += timed_run(s, false, &with, &ok);
        if (!hidden_first)
            timed_run(s, true, &without, &ok);
        scenario_free(s);
    }
    *checked = with + gen > 0 ? (double)done / (with + gen) : 0;
    *plain = without + gen > 0 ? (double)done / (without + gen) : 0;
    return ok;
}

/* Replays the scenario corpus on the model, quiet, `rounds` times. */
static int bench_replay(struct table *t, unsigned rounds)
{
    struct paths files = {0};
    paths_collect(NULL, 0, &files);
    struct scenario **all = mem_calloc(files.len + 1, sizeof *all);
    size_t n = 0, steps = 0, passed = 0;
    for (size_t i = 0; i < files.len; i++) {
        struct scenario_error err;
        all[n] = loader_load(files.items[i], &err);
        if (all[n] != NULL)
            steps += all[n++]->step_count;
    }
    double t0 = clock_now_s();
    for (unsigned r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n; i++) {
            struct runner_result res;
            runner_run(all[i], NULL, &res);
            passed += res.outcome == RUNNER_PASS;
            runner_result_free(&res);
        }
    }
    double secs = clock_now_s() - t0;
    fprintf(stderr, "scenario replay: %zu scenarios (%zu steps) x %u rounds, %zu passed\n", n,
            steps, rounds, passed);
    table_row(t, "scenario replay", "scenarios on the model", (double)n * rounds / secs,
              "scen/s", "");
    table_row(t, "scenario replay", "steps, invariants after each", (double)steps * rounds / secs,
              "steps/s", "");
    for (size_t i = 0; i < n; i++)
        scenario_free(all[i]);
    free(all);
    paths_free(&files);
    return passed == n * rounds ? 0 : 1;
}

/* CPU seconds (user and system) of this process and its reaped children. */
static double cpu_seconds(void)
{
    double self, children;
    proc_cpu_s(&self, &children);
    return self + children;
}

/* `sessim explore --seed 1 --runs R --steps 1000 --no-fork --jobs J`, its
 * output discarded: its wall time (negative when it failed) and the cores
 * it got (CPU time over wall time: on a loaded machine, the bound). */
static double explore_wall(size_t runs, size_t jobs, double *cores)
{
    FILE *null = fopen("/dev/null", "w");
    if (null == NULL)
        return -1;
    struct explore_options o = {.seed = 1, .runs = runs, .steps = 1000, .jobs = jobs};
    struct explore_result res;
    double t0 = clock_now_s(), c0 = cpu_seconds();
    int status = explore_run(&o, null, NULL, &res);
    double secs = clock_now_s() - t0;
    *cores = secs > 0 ? (cpu_seconds() - c0) / secs : 0;
    explore_result_free(&res);
    fclose(null);
    return status == EXIT_OK ? secs : -1;
}

#define BENCH_JOBS_PAIRS 3

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* --jobs 2 against one job on the same runs, BENCH_JOBS_PAIRS times in
 * turn (one job, two, one, ...): the median of the pairs' speed-ups, so
 * that a neighbour's load during one run moves one pair, not the figure;
 * and the cores the two jobs got in the last pair. */
static int bench_explore_jobs(struct table *t, size_t steps)
{
    size_t runs = steps / 1000 > 4 ? steps / 1000 : 4;
    double ratios[BENCH_JOBS_PAIRS], cores_one = 0, cores_two = 0, one = 0, two = 0;
    bool ok = true;
    for (size_t i = 0; i < BENCH_JOBS_PAIRS; i++) {
        one = explore_wall(runs, 1, &cores_one);
        two = explore_wall(runs, 2, &cores_two);
        ok = ok && one > 0 && two > 0;
        ratios[i] = ok ? one / two : 0;
        fprintf(stderr, "explorer --jobs: %zu runs x 1000 steps, %.2f s with one job (%.2f cores), "
                        "%.2f s with two (%.2f cores): %.2f x\n",
                runs, one, cores_one, two, cores_two, ratios[i]);
    }
    qsort(ratios, BENCH_JOBS_PAIRS, sizeof ratios[0], by_value);
    table_row(t, "explorer", "--jobs 2 speed-up (wall one/two, median)",
              ok ? ratios[BENCH_JOBS_PAIRS / 2] : 0.0, "x", ">= 1.8");
    table_row(t, "explorer", "--jobs 2 cores obtained (CPU/wall)", cores_two, "cores", "");
    return ok ? 0 : 1;
}

/* Explorer throughput with every invariant after every step, and without
 * them (the model behind the plain target interface). */
static int bench_explore(struct table *t, size_t steps)
{
    double checked = 0, plain = 0;
    bool ok = timed_runs(steps, &checked, &plain);
    fprintf(stderr, "explorer: %zu generated steps, each run with invariants and without in "
                    "turn%s\n", steps, ok ? "" : " (a run failed: see sessim explore)");
    table_row(t, "explorer", "steps, every invariant after each", checked, "steps/s", ">= 500000");
    table_row(t, "explorer", "steps, no invariants", plain, "steps/s", "");
    table_row(t, "explorer", "invariant cost (checked/plain)", plain > 0 ? checked / plain : 0.0,
              "x", "");
    int jobs = bench_explore_jobs(t, steps);
    return ok ? jobs : 1;
}

/* ---- live pacing ---- */

#define BENCH_LIVE_RUNS 6
#define BENCH_LIVE_STEPS 30
#define BENCH_LIVE_STARTS 5

/* Steps per second of `explore --target tcp://127.0.0.1:0 --seed 1`
 * (with --sm: sm) with BENCH_LIVE_RUNS runs of BENCH_LIVE_STEPS steps on
 * a, paced as a says; negative when it could not run. */
static double explore_rate(struct adapter *a, bool sm, size_t *steps)
{
    FILE *null = fopen("/dev/null", "w");
    if (null == NULL)
        return -1;
    struct explore_options o = {.seed = 1, .runs = BENCH_LIVE_RUNS, .steps = BENCH_LIVE_STEPS,
                                .shrink_tests_max = 1, .live = a, .sm = sm,
                                .settle_ms = TARGET_TCP_SETTLE_DEFAULT_MS,
                                .replay_options = "--target tcp://127.0.0.1:0"};
    struct explore_result res;
    double t0 = clock_now_s();
    int status = explore_run(&o, null, NULL, &res);
    double secs = clock_now_s() - t0;
    *steps = res.steps;
    explore_result_free(&res);
    fclose(null);
    return status != 2 && secs > 0 ? (double)*steps / secs : -1;
}

/* One vocabulary's rates on a, by round trips and by the settle time:
 * its three rows (goal: the plain vocabulary's), its line on standard
 * error and where the round-trip runs' time went; false when either could
 * not run. */
static bool explore_rates(struct table *t, struct adapter *a, bool sm)
{
    double rate[2];
    size_t steps[2] = {0, 0};
    *adapter_stats(a) = (struct adapter_stats){0};
    adapter_set_pacing(a, PACE_ROUNDTRIP);
    rate[0] = explore_rate(a, sm, &steps[0]);
    struct buf where = {0};
    adapter_stats_text(adapter_stats(a), &where);   /* the round-trip runs only */
    adapter_set_pacing(a, PACE_SETTLE);
    rate[1] = explore_rate(a, sm, &steps[1]);
    fprintf(stderr, "live explorer%s: %d runs x %d steps on Prosody: %zu steps, %.1f steps/s "
                    "with round trips, %zu steps, %.1f steps/s with settle %u ms\n",
            sm ? " --sm" : "", BENCH_LIVE_RUNS, BENCH_LIVE_STEPS, steps[0], rate[0], steps[1],
            rate[1], TARGET_TCP_SETTLE_DEFAULT_MS);
    fprintf(stderr, "live explorer%s, where the round-trip runs' time went:\n%s",
            sm ? " --sm" : "", buf_cstr(&where));
    buf_free(&where);
    static const char *const metrics[] = {"differential steps vs prosody, roundtrip",
                                          "differential steps vs prosody, settle",
                                          "round trip vs settle"};
    double values[] = {rate[0], rate[1], rate[1] > 0 ? rate[0] / rate[1] : 0.0};
    static const char *const units[] = {"steps/s", "steps/s", "x"};
    for (size_t i = 0; i < 3; i++) {
        struct buf metric = {0};
        buf_puts(&metric, sm ? "--sm " : "");
        buf_puts(&metric, metrics[i]);
        table_row(t, "live explorer", buf_cstr(&metric), values[i], units[i],
                  i == 0 && !sm ? ">= 200" : "");
        buf_free(&metric);
    }
    return rate[0] > 0 && rate[1] > 0;
}

/* Milliseconds of a clean Prosody for a scenario (prepare and a cold
 * start, on a fixed port: no spare), the mean of BENCH_LIVE_STARTS; -1
 * when it cannot run. */
static double start_ms(void)
{
    char err[ADAPTER_ERROR_MAX], target[64];
    unsigned port = hostport_free_port(err, sizeof err);
    snprintf(target, sizeof target, "tcp://127.0.0.1:%u", port);
    struct adapter_spec spec = {.target = target};   /* a fixed port: no spare (live.h) */
    struct adapter *a = port != 0 ? adapter_open(&spec, err, sizeof err) : NULL;
    if (a == NULL)
        return -1;
    struct scenario *s = scenario_create("bench");
    double t0 = clock_now_s();
    size_t n = 0;
    for (; n < BENCH_LIVE_STARTS && adapter_prepare(a, s) && adapter_start(a); n++)
        adapter_finish(a);
    double ms = n > 0 ? (clock_now_s() - t0) * 1e3 / (double)n : -1;
    scenario_free(s);
    adapter_free(a);
    return ms;
}

/* The differential explorer against a Prosody sessim starts, without and
 * with the stream-management vocabulary (--sm), paced by round trips and
 * by the settle time (sim/README.md "Pacing"), and what a cold start of a
 * clean Prosody costs, the bound of a run of few steps without the spare
 * started during the run before (sim/README.md "Spares"). A note and
 * nothing else when Prosody is not installed (it installs nothing). */
static int bench_live_explore(struct table *t)
{
    char err[ADAPTER_ERROR_MAX];
    struct adapter_spec spec = {0};
    struct adapter *a = adapter_open(&spec, err, sizeof err);
    if (a == NULL) {
        printf("live explorer: skipped, no Prosody to run (%s)\n", err);
        return 0;
    }
    bool ok = explore_rates(t, a, false);
    ok = explore_rates(t, a, true) && ok;
    adapter_free(a);
    double ms = start_ms();
    fprintf(stderr, "live explorer: a cold start %.0f ms\n", ms);
    table_row(t, "live explorer", "clean prosody cold start (prepare+start)", ms, "ms", "");
    table_row(t, "live explorer", "bound without spares: steps/s if steps cost nothing",
              ms > 0 ? BENCH_LIVE_STEPS * 1e3 / ms : 0.0, "steps/s", "");
    return ok ? 0 : 1;
}

/* ---- fuzz throughput ---- */

#define BENCH_FUZZ_CORPUS "fuzz/corpus/stream_parser"
#define BENCH_FUZZ_MAX_LEN "4096"       /* fuzz/stream_parser.options */
#define BENCH_FUZZ_SECONDS "6"          /* CPU seconds, the two sides together */
#define BENCH_FUZZ_DRIVER "fuzzbench-stream_parser"

struct driver_run {
    const char *path;
};

/* The child: the driver with its output on the pipe. */
static int run_driver(void *ctx, int fd)
{
    const struct driver_run *d = ctx;
    if (dup2(fd, STDOUT_FILENO) < 0)
        return 127;
    execl(d->path, d->path, BENCH_FUZZ_CORPUS, BENCH_FUZZ_MAX_LEN, BENCH_FUZZ_SECONDS,
          (char *)NULL);
    return 127;
}

/* Runs the driver beside the running sessim (fuzz/bench/driver.c): the
 * executions and each side's CPU seconds over them. 0 when the driver is
 * missing, -1 when it failed, else 1. */
static int driver_pair(unsigned long long *execs, double *target, double *reference)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    const char *slash = strrchr(self, '/');
    struct buf path = {0};
    if (slash != NULL)
        buf_append(&path, self, (size_t)(slash - self) + 1);
    buf_puts(&path, BENCH_FUZZ_DRIVER);
    struct driver_run d = {buf_cstr(&path)};
    int result = 0;
    if (access(d.path, X_OK) == 0) {
        struct proc_options o = {.pipe = true};
        struct proc p;
        struct buf out = {0};
        int status = -1;
        if (proc_spawn(run_driver, &d, &o, &p)) {
            proc_read_all(p.fd, &out);
            close(p.fd);
            proc_wait(p.pid, true, &status);
        }
        bool ok = status == 0 &&
                  sscanf(buf_cstr(&out), "%llu %lf %lf", execs, target, reference) == 3 &&
                  *execs > 0 && *target > 0 && *reference > 0;
        result = ok ? 1 : -1;
        buf_free(&out);
    }
    buf_free(&path);
    return result;
}

/* fuzz/stream_parser.c against raw expat making the same passes, the two
 * in turn input by input on the target's corpus cut to its -max_len
 * (fuzz/bench/: a plain driver that `make bench` builds beside sessim).
 * A note when the driver or the corpus is missing. */
static int bench_fuzz(struct table *t)
{
    if (access(BENCH_FUZZ_CORPUS, R_OK) != 0) {
        printf("fuzz throughput: skipped, no %s here (run from the tree)\n", BENCH_FUZZ_CORPUS);
        return 0;
    }
    unsigned long long execs = 0;
    double target = 0, reference = 0;
    int got = driver_pair(&execs, &target, &reference);
    if (got == 0) {
        printf("fuzz throughput: skipped, the driver is not built (make bench builds it)\n");
        return 0;
    }
    double rt = got > 0 ? (double)execs / target : 0, rr = got > 0 ? (double)execs / reference : 0;
    fprintf(stderr, "fuzz throughput: %s cut to %s bytes, %llu executions of each in turn: "
                    "stream_parser %.2f CPU s, raw expat (same three passes) %.2f CPU s\n",
            BENCH_FUZZ_CORPUS, BENCH_FUZZ_MAX_LEN, execs, target, reference);
    table_row(t, "fuzz", "stream_parser target (plain driver)", rt, "exec/s", "");
    table_row(t, "fuzz", "raw expat, same passes, in turn", rr, "exec/s", "");
    table_row(t, "fuzz", "fuzz stream_parser vs raw expat", rr > 0 ? rt / rr : 0.0, "x",
              ">= 0.5");
    return got > 0 ? 0 : 1;
}

static const char bench_usage[] =
    "usage: sessim bench [--quick] [--only LIST] [--size-mb N] [--sessions-max N] [--json FILE]\n"
    "  Runs the benchmarks and prints what it measured; ratios compare figures\n"
    "  taken in the same run. LIST is a comma-separated subset of\n"
    "  parser,replay,explore,live,fuzz,sessions,sessions-sm,fanout,routing (default:\n"
    "  all, run in that order).\n"
    "  --size-mb N       parser input size (default 100)\n"
    "  --sessions-max N  largest session count (default 1000000)\n"
    "  --quick           small sizes, for a smoke test\n"
    "  --json FILE       also write the results as JSON\n"
    "  Progress goes to stderr; the table of results to stdout.\n";

int bench_main(int argc, char **argv)
{
    size_t mb = 100, sessions_max = 1000000, fan_users = 100000, fan_contacts = 50;
    size_t route_users = 1000000, route_msgs = 1000000;
    const char *only = "parser,replay,explore,live,fuzz,sessions,sessions-sm,fanout,routing";
    size_t explore_steps = 300000;
    const char *json = NULL;
    unsigned replay_rounds = 20;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(a, "--size-mb") == 0 && has) {
            mb = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(a, "--sessions-max") == 0 && has) {
            sessions_max = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(a, "--json") == 0 && has) {
            json = argv[++i];
        } else if (strcmp(a, "--only") == 0 && has) {
            only = argv[++i];
        } else if (strcmp(a, "--quick") == 0) {
            mb = 5, sessions_max = 10000, fan_users = 1000, route_users = 10000;
            route_msgs = 100000;
            replay_rounds = 2;
            explore_steps = 20000;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(bench_usage, stdout);
            return EXIT_OK;
        } else {
            fprintf(stderr, "sessim bench: unknown or incomplete argument '%s'\n%s", a,
                    bench_usage);
            return EXIT_USAGE;
        }
    }
    if (mb == 0 || mb > 4096 || sessions_max < 1000) {
        fprintf(stderr, "sessim bench: --size-mb must be 1..4096, --sessions-max >= 1000\n");
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    struct table t = {0};
    /* The sections that fork (explore --jobs, the live servers, the fuzz
     * driver) run before those that grow the heap past a GiB and keep it
     * (sessions, fan-out, routing): a fork of a process holding that much
     * costs each child tens of milliseconds, which the live rows counted
     * as the servers' (54 ms of CPU a Prosody in place of 38). */
    if (strstr(only, "parser"))
        rc |= bench_parser(&t, mb);
    if (strstr(only, "replay"))
        rc |= bench_replay(&t, replay_rounds);
    if (strstr(only, "explore"))
        rc |= bench_explore(&t, explore_steps);
    if (strstr(only, "live"))
        rc |= diff_bench(&t, replay_rounds) | bench_live_explore(&t);
    if (strstr(only, "fuzz"))
        rc |= bench_fuzz(&t);
    if (strstr(only, "sessions,") || strcmp(only, "sessions") == 0 ||
        (strlen(only) > 9 && strcmp(only + strlen(only) - 9, ",sessions") == 0))
        bench_sessions(&t, sessions_max);
    if (strstr(only, "sessions-sm"))
        bench_sessions_as(&t, sessions_max, true);
    if (strstr(only, "fanout")) {
        bench_fanout(&t, 1000, fan_contacts);
        if (fan_users > 1000)
            bench_fanout(&t, fan_users, fan_contacts);
    }
    if (strstr(only, "routing"))
        bench_routing(&t, route_users, route_msgs);
    table_print(&t, stdout);
    if (json != NULL && !table_json(&t, json)) {
        fprintf(stderr, "sessim bench: cannot write %s\n", json);
        rc = EXIT_USAGE;
    }
    table_free(&t);
    return rc;
}
