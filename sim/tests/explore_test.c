/* explore: generation is deterministic and valid (every generated step is
 * one the harness can run: the shadow never disagrees with the model's
 * connection states), swarm knobs and faults vary across runs, output is
 * byte-identical for a seed, a planted failure (test oracle, not a model
 * change) is found, shrunk, written and replayed, a crash in an isolated
 * run is caught, and the command line refuses bad usage. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario/emit.h"
#include "base/count.h"
#include "cli/bench.h"
#include "cli/explore_cmd.h"
#include "explore/explore.h"
#include "explore/gen.h"
#include "run/runner.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "model/buf.h"
#include "suites.h"

#define SEED 20250513u

static char *emit_text(const struct scenario *s)
{
    struct buf b = {0};
    ck_assert(emit_scenario(s, &b));
    char *text = strdup(buf_cstr(&b));
    buf_free(&b);
    return text;
}

START_TEST(test_explore_generation_is_deterministic)
{
    uint64_t seed = gen_run_seed(SEED, (size_t)_i);
    struct scenario *a = gen_scenario(seed, 300);
    struct scenario *b = gen_scenario(seed, 300);
    ck_assert_uint_eq(a->step_count, 300);
    char *ta = emit_text(a), *tb = emit_text(b);
    ck_assert_str_eq(ta, tb);
    free(ta);
    free(tb);
    scenario_free(a);
    scenario_free(b);
}
END_TEST

START_TEST(test_gen_run_seeds_differ)
{
    ck_assert(gen_run_seed(1, 0) != gen_run_seed(1, 1));
    ck_assert(gen_run_seed(1, 0) != gen_run_seed(2, 0));
    ck_assert(gen_run_seed(0, 0) != 0);
}
END_TEST

START_TEST(test_explore_generated_scenarios_round_trip)
{
    struct scenario *s = gen_scenario(gen_run_seed(SEED + 1, (size_t)_i), 200);
    struct buf yaml = {0}, why = {0};
    ck_assert(emit_scenario(s, &yaml));
    struct scenario_error err;
    struct scenario *back = loader_load_buffer("gen.yaml", yaml.data, yaml.len, &err);
    ck_assert_msg(back != NULL, "%s", err.message);
    ck_assert_msg(emit_equal(s, back, &why), "%s", buf_cstr(&why));
    buf_free(&yaml);
    buf_free(&why);
    scenario_free(back);
    scenario_free(s);
}
END_TEST

/* Generated runs are always runnable (the shadow never disagrees with the
 * model), and the model passes them: 100 runs of 200 steps with every
 * invariant after every step. A failure here is either a generator bug or
 * a model regression; `sessim explore --seed` with the printed run seed
 * shrinks it to a reproducer. */
START_TEST(test_explore_steps_are_always_runnable)
{
    for (size_t i = 0; i < 100; i++) {
        uint64_t seed = gen_run_seed(SEED + 2, i);
        struct scenario *s = gen_scenario(seed, 200);
        struct runner_result res;
        runner_run(s, NULL, &res);
        ck_assert_msg(res.outcome == RUNNER_PASS, "run seed 0x%016llx: %s",
                      (unsigned long long)seed, res.message ? res.message : "skipped");
        runner_result_free(&res);
        scenario_free(s);
    }
}
END_TEST

START_TEST(test_explore_swarm_varies_kinds_and_faults)
{
    size_t kinds = gen_kind_count(true);   /* with stream management: every kind */
    size_t on[GEN_KINDS_MAX] = {0}, total[GEN_KINDS_MAX] = {0};
    const size_t runs = 64;
    for (size_t i = 0; i < runs; i++) {
        size_t counts[GEN_KINDS_MAX] = {0};
        scenario_free(gen_scenario_counted(gen_run_seed(SEED + 3, i), 200, false, true, counts));
        for (size_t k = 0; k < kinds; k++) {
            on[k] += counts[k] > 0;
            total[k] += counts[k];
        }
    }
    for (size_t k = 0; k < kinds; k++) {
        const char *name = gen_kind_name(k);
        ck_assert_msg(total[k] > 0, "kind %s never written", name);
        bool always = strcmp(name, "connect") == 0 || strcmp(name, "drop") == 0 ||
                      strcmp(name, "sm-enable") == 0 || strcmp(name, "sm-resume") == 0;
        ck_assert_msg(always || on[k] < runs, "kind %s written in every run", name);
    }
    ck_assert_str_eq(gen_kind_name(kinds), "?");
}
END_TEST

/* Everything client c writes in s (sends and raw pieces, in order),
 * appended to out. */
static void put_client_text(const struct scenario *s, size_t c, struct buf *out)
{
    for (size_t j = 0; j < s->step_count; j++) {
        const struct scenario_step *st = &s->steps[j];
        if (st->client != c)
            continue;
        for (size_t k = 0; st->kind == SCENARIO_STEP_SEND && k < st->send.count; k++)
            buf_puts(out, st->send.items[k].text);
        if (st->kind == SCENARIO_STEP_SEND_RAW)
            buf_puts(out, st->send_raw.text);
    }
}

/* The same as a string of its own (free it). */
static char *client_text(const struct scenario *s, size_t c)
{
    struct buf b = {0};
    put_client_text(s, c, &b);
    buf_cstr(&b);
    return b.data;
}

/* SM15 (DIVERGENCES.md): a client whose connection was lost inside a
 * write (its last step a send_raw that stops inside a tag) does not
 * resume that session live; it may connect or register anew, and resume
 * a session it enables later. Returns the losses seen. */
static size_t resumes_after_a_loss_inside(const struct scenario *s, size_t seed)
{
    bool inside[64] = {0};
    const char *last[64] = {0};
    size_t losses = 0;
    ck_assert_uint_le(s->client_count, 64);
    for (size_t j = 0; j < s->step_count; j++) {
        const struct scenario_step *st = &s->steps[j];
        if (st->client == SCENARIO_NO_CLIENT)
            continue;
        size_t c = st->client;
        switch (st->kind) {
        case SCENARIO_STEP_SEND_RAW:
            last[c] = st->send_raw.text;
            break;
        case SCENARIO_STEP_DROP:
            inside[c] = last[c] != NULL && last[c][0] != '\0' &&
                        last[c][strlen(last[c]) - 1] != '>';
            losses += inside[c];
            break;
        case SCENARIO_STEP_CONNECT:
        case SCENARIO_STEP_REGISTER:
        case SCENARIO_STEP_ENABLE:   /* a new session's id */
            inside[c] = false;
            last[c] = NULL;
            break;
        case SCENARIO_STEP_RESUME:
            ck_assert_msg(!inside[c], "seed %zu step %zu resumes after a loss inside a write",
                          seed, j + 1);
            last[c] = NULL;
            break;
        default:
            last[c] = NULL;
            break;
        }
    }
    return losses;
}

/* The differential vocabulary leaves out what a live server cannot be
 * asked (advance), what names resources at random (random-resource) and
 * the known divergences generated steps would hit: the client's stream
 * error (S13), headlines to one's own bare JID (M7), a registration set
 * with both fields missing (0.4), a registration of a name deleted since
 * the server started (T3), the session payload outside a set (A10), a
 * second approval of one contact (R3), a ping to another account's bare
 * JID (M13), a subscription stanza to a full JID (R20), a password
 * change or deletion beside a stream that may be authenticated but
 * unbound (G7), and with --sm a resume with an h of its own (SM18: a
 * refused resume closes silently on Prosody) or after a loss inside a
 * write (SM15).
 * The same seeds in model runs do write advance, and the scenario runs on
 * live targets (target any). */
START_TEST(test_explore_live_vocabulary)
{
    size_t advance = 0;
    for (size_t k = 0; k < gen_kind_count(false); k++)
        if (strcmp(gen_kind_name(k), "advance") == 0)
            advance = k;
    size_t model_advances = 0, headlines = 0, unregisters = 0, unregister = 0, lost_inside = 0;
    for (size_t k = 0; k < gen_kind_count(false); k++)
        if (strcmp(gen_kind_name(k), "unregister") == 0)
            unregister = k;
    for (size_t i = 0; i < 64; i++) {
        size_t counts[GEN_KINDS_MAX] = {0}, model[GEN_KINDS_MAX] = {0};
        uint64_t seed = gen_run_seed(SEED + 5, i);
        struct scenario *s = gen_scenario_counted(seed, 200, true, false, counts);
        scenario_free(gen_scenario_counted(seed, 200, false, false, model));
        model_advances += model[advance];
        unregisters += counts[unregister];
        ck_assert_uint_eq(counts[advance], 0);
        ck_assert_int_eq(s->target, SCENARIO_TARGET_ANY);
        ck_assert_int_ne(s->server.conflict, SCENARIO_CONFLICT_RANDOM_RESOURCE);
        for (size_t c = 0; c < s->client_count; c++) {
            char *text = client_text(s, c);
            ck_assert_msg(strstr(text, "<stream:error") == NULL, "%s", text);
            for (const char *h = strstr(text, "type='headline'"); h != NULL;
                 h = strstr(h + 1, "type='headline'")) {
                const char *tag = h;
                while (tag > text && *tag != '<')
                    tag--;
                const char *to = strstr(tag, " to='");
                const char *slash = to != NULL ? strchr(to + 5, '/') : NULL;
                ck_assert_msg(to != NULL && to < h && slash != NULL && slash < h,
                              "headline not to a full JID: %.200s", tag);
                headlines++;
            }
            char own[48];
            snprintf(own, sizeof own, " to='%s@localhost'", s->clients[c].account);
            for (const char *q = strstr(text, "<ping xmlns='urn:xmpp:ping'/>"); q != NULL;
                 q = strstr(q + 1, "<ping xmlns='urn:xmpp:ping'/>")) {
                const char *iq = q;
                while (iq > text && strncmp(iq, "<iq", 3) != 0)
                    iq--;
                const char *to = strstr(iq, " to='");
                size_t n = to != NULL && to < q ? strcspn(to + 5, "'") : 0;
                bool first = q[-1] == '>' && strchr(iq, '>') == q - 1;   /* the payload */
                bool other_bare = n > 10 && strncmp(to + 5 + n - 10, "@localhost", 10) == 0 &&
                                  memchr(to + 5, '/', n) == NULL &&
                                  strncmp(to, own, strlen(own)) != 0;
                ck_assert_msg(!(first && strncmp(iq, "<iq type='get'", 14) == 0 && other_bare),
                              "ping to another bare JID: %.100s", iq);
            }
            for (const char *q = strstr(text, "xmpp-session'/>"); q != NULL;
                 q = strstr(q + 1, "xmpp-session'/>")) {
                const char *iq = q;
                while (iq > text && strncmp(iq, "<iq", 3) != 0)
                    iq--;
                ck_assert_msg(strncmp(iq, "<iq type='set'", 14) == 0,
                              "session payload outside a set: %.120s", iq);
            }
            for (const char *q = strstr(text, "<query xmlns='jabber:iq:register'/>"); q != NULL;
                 q = strstr(q + 1, "<query xmlns='jabber:iq:register'/>")) {
                const char *iq = q;
                while (iq > text && strncmp(iq, "<iq", 3) != 0)
                    iq--;
                ck_assert_msg(strncmp(iq, "<iq type='set'", 14) != 0,
                              "empty registration set: %.120s", iq);
            }
            free(text);
        }
        /* R20: subscription stanzas go to bare JIDs (or no JID at all). */
        for (size_t c = 0; c < s->client_count; c++) {
            char *text = client_text(s, c);
            for (const char *q = strstr(text, "<presence type='"); q != NULL;
                 q = strstr(q + 1, "<presence type='")) {
                const char *type = q + strlen("<presence type='");
                bool sub = strncmp(type, "subscribe", 9) == 0 || strncmp(type, "unsubscribe", 11) == 0;
                const char *end = strchr(q, '>');
                const char *to = strstr(q, " to='");
                if (!sub || to == NULL || end == NULL || to > end)
                    continue;
                /* a partial write (fragments) may end inside the address */
                size_t n = strcspn(to + 5, "'<>");
                ck_assert_msg(memchr(to + 5, '/', n) == NULL, "subscription to a full JID: %.80s",
                              q);
            }
            free(text);
        }
        /* R3: an account approves a contact once, by bare JID. */
        for (size_t c = 0; c < s->client_count; c++) {
            struct buf text = {0};
            for (size_t d = 0; d < s->client_count; d++) {   /* the account's clients */
                if (strcmp(s->clients[d].account, s->clients[c].account) != 0)
                    continue;
                put_client_text(s, d, &text);
                buf_putc(&text, '\n');
            }
            const char *all = buf_cstr(&text);
            static const char mark[] = "type='subscribed' to='";
            for (const char *q = strstr(all, mark); q != NULL; q = strstr(q + 1, mark)) {
                size_t n = strlen(mark) + strcspn(q + strlen(mark), "'") + 1;
                ck_assert_msg(memchr(q, '/', n) == NULL, "subscribed to a full JID: %.*s",
                              (int)n, q);
                size_t seen = 0;
                for (const char *r = strstr(all, mark); r != NULL; r = strstr(r + 1, mark))
                    seen += strncmp(r, q, n) == 0;
                ck_assert_msg(seen == 1, "%s approves twice: %.*s", s->clients[c].account,
                              (int)n, q);
            }
            buf_free(&text);
        }
        /* T3: no registration of a name deleted since the server started. */
        bool stale[8] = {0};
        for (size_t j = 0; j < s->step_count; j++) {
            const struct scenario_step *st = &s->steps[j];
            size_t u = st->client != SCENARIO_NO_CLIENT
                           ? (size_t)(s->clients[st->client].account[1] - '0') % 8
                           : 0;
            if (st->kind == SCENARIO_STEP_RESTART)
                memset(stale, 0, sizeof stale);
            if (st->kind == SCENARIO_STEP_UNREGISTER)
                stale[u] = true;
            ck_assert_msg(st->kind != SCENARIO_STEP_REGISTER || !stale[u],
                          "seed %zu step %zu registers %s again", i, j + 1,
                          s->clients[st->client].account);
        }
        scenario_free(s);
        struct scenario *sm = gen_scenario_counted(seed, 200, true, true, NULL);
        for (size_t j = 0; j < sm->step_count; j++)
            ck_assert_msg(sm->steps[j].kind != SCENARIO_STEP_RESUME || sm->steps[j].sm.h == NULL,
                          "seed %zu step %zu resumes with its own h", i, j + 1);
        lost_inside += resumes_after_a_loss_inside(sm, i);
        scenario_free(sm);
    }
    ck_assert_msg(lost_inside > 0, "no connection lost inside a write with --sm");
    ck_assert_uint_gt(model_advances, 0);
    ck_assert_uint_gt(headlines, 0);
    ck_assert_msg(unregisters > 0, "live runs never delete an account");
}
END_TEST

/* The planted failure: a client closes its stream after having sent a
 * presence, among the steps that ran. */
static const char *close_after_presence(const struct scenario *s, size_t steps_run, void *ctx)
{
    (void)ctx;
    for (size_t j = 0; j < steps_run && j < s->step_count; j++) {
        if (s->steps[j].kind != SCENARIO_STEP_CLOSE)
            continue;
        for (size_t i = 0; i < j; i++)
            if (s->steps[i].kind == SCENARIO_STEP_SEND &&
                s->steps[i].client == s->steps[j].client &&
                strncmp(s->steps[i].send.items[0].text, "<presence", 9) == 0)
                return "close after presence";
    }
    return NULL;
}

static char *run_to_text(const struct explore_options *o, struct explore_result *res, int *status)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    *status = explore_run(o, out, NULL, res);
    fclose(out);
    return text;
}

START_TEST(test_explore_output_is_byte_identical_for_a_seed)
{
    struct explore_options o = {.seed = 7, .runs = 12, .steps = 150, .verbose = true};
    struct explore_result r1, r2;
    int s1, s2;
    char *t1 = run_to_text(&o, &r1, &s1), *t2 = run_to_text(&o, &r2, &s2);
    ck_assert_str_eq(t1, t2);
    ck_assert_int_eq(s1, s2);
    ck_assert_uint_eq(r1.steps, r2.steps);
    ck_assert_uint_eq(r1.runs, r2.runs);
    ck_assert_int_eq(strncmp(t1, "sessim explore: seed 7, 12 runs x 150 steps\n", 44), 0);
    ck_assert_ptr_nonnull(strstr(t1, "\nrun 1: seed 0x"));
    ck_assert_ptr_nonnull(strstr(t1, "\nkinds written: connect "));
    free(t1);
    free(t2);
    explore_result_free(&r1);
    explore_result_free(&r2);
}
END_TEST

START_TEST(test_explore_finds_shrinks_and_writes_a_planted_failure)
{
    char dir[] = "/tmp/sessim-explore-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char out_dir[64];
    snprintf(out_dir, sizeof out_dir, "%s/nested/out", dir);
    struct explore_options o = {.seed = 11, .runs = 50, .steps = 200, .out_dir = out_dir,
                                .oracle = close_after_presence};
    struct explore_result res;
    int status;
    char *text = run_to_text(&o, &res, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_uint_eq(res.failures, 1);
    ck_assert_str_eq(res.reason, "oracle: close after presence");
    /* minimal: connect, send the presence, close (each needs the one before) */
    ck_assert_uint_le(res.reproducer->step_count, 10);
    ck_assert_uint_eq(res.reproducer->step_count, 3);
    ck_assert_int_eq(res.reproducer->steps[0].kind, SCENARIO_STEP_CONNECT);
    ck_assert_int_eq(res.reproducer->steps[1].kind, SCENARIO_STEP_SEND);
    ck_assert_str_eq(res.reproducer->steps[1].send.items[0].text, "<presence/>");
    ck_assert_int_eq(res.reproducer->steps[2].kind, SCENARIO_STEP_CLOSE);
    ck_assert_uint_eq(res.reproducer->client_count, 1);
    ck_assert(res.replayed);
    /* the file is the reproducer, and names seed and reason */
    char expect[128];
    snprintf(expect, sizeof expect, "%s/seed-11-run-%zu.yaml", out_dir, res.failed_run + 1);
    ck_assert_str_eq(res.path, expect);
    struct scenario_error err;
    struct scenario *back = loader_load(res.path, &err);
    ck_assert_ptr_nonnull(back);
    ck_assert(emit_equal(res.reproducer, back, NULL));
    ck_assert_ptr_nonnull(strstr(back->description, "--seed 11 "));
    ck_assert_ptr_nonnull(strstr(back->name, "oracle: close after presence"));
    ck_assert_ptr_nonnull(strstr(text, "FAIL run "));
    ck_assert_ptr_nonnull(strstr(text, "  replay: sessim run "));
    ck_assert_ptr_nonnull(strstr(text, "\nexplore: "));
    scenario_free(back);
    unlink(res.path);
    explore_result_free(&res);
    free(text);
}
END_TEST

/* --jobs: the runs spread over worker processes print what one process
 * prints, byte for byte: a passing exploration (-v: a line per run), and
 * a planted failure with its shrinking, reproducer file and replay. */
static void assert_jobs_identical(struct explore_options o, size_t jobs)
{
    struct explore_result r1, r2;
    int s1, s2;
    o.jobs = 1;
    char *t1 = run_to_text(&o, &r1, &s1);
    if (r1.path != NULL)
        unlink(r1.path);
    o.jobs = jobs;
    char *t2 = run_to_text(&o, &r2, &s2);
    ck_assert_str_eq(t1, t2);
    ck_assert_int_eq(s1, s2);
    ck_assert_uint_eq(r1.steps, r2.steps);
    ck_assert_uint_eq(r1.runs, r2.runs);
    ck_assert_uint_eq(r1.failures, r2.failures);
    if (r2.path != NULL)
        unlink(r2.path);
    free(t1);
    free(t2);
    explore_result_free(&r1);
    explore_result_free(&r2);
}

START_TEST(test_explore_jobs_output_is_byte_identical)
{
    struct explore_options pass = {.seed = 7, .runs = 12, .steps = 60, .verbose = true};
    assert_jobs_identical(pass, 2);
    pass.runs = 6;
    pass.isolate = true;
    assert_jobs_identical(pass, 3);
    char dir[] = "/tmp/sessim-explore-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    struct explore_options fail = {.seed = 11, .runs = 50, .steps = 200, .out_dir = dir,
                                   .verbose = true, .oracle = close_after_presence};
    assert_jobs_identical(fail, 2);
    rmdir(dir);
}
END_TEST

/* A crash inside an isolated run: the explorer survives it, shrinks it
 * (each candidate in its own process too) and names the signal. */
static const char *abort_after_presence(const struct scenario *s, size_t steps_run, void *ctx)
{
    if (close_after_presence(s, steps_run, ctx) != NULL)
        abort();
    return NULL;
}

START_TEST(test_explore_survives_and_shrinks_a_crash)
{
    struct explore_options o = {.seed = 11, .runs = 50, .steps = 100, .isolate = true,
                                .oracle = abort_after_presence, .shrink_tests_max = 400};
    struct explore_result res;
    int status;
    char *text = run_to_text(&o, &res, &status);
    ck_assert_int_eq(status, 1);
    ck_assert_str_eq(res.reason, "crash: signal 6");
    ck_assert_uint_le(res.reproducer->step_count, 10);
    explore_result_free(&res);
    free(text);
}
END_TEST

/* A command's main with fds 1 and 2 sent to /dev/null. */
static int quiet(int (*cmd_main)(int, char **), int argc, char **argv)
{
    fflush(NULL);
    int out = dup(1), err = dup(2);
    FILE *null = fopen("/dev/null", "w");
    dup2(fileno(null), 1);
    dup2(fileno(null), 2);
    int status = cmd_main(argc, argv);
    fflush(NULL);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    fclose(null);
    return status;
}

static const struct {
    const char *args[4];
    int status;
} usages[] = {
    {{"--help"}, 0},
    {{"--seed"}, 2},
    {{"--seed", "-1"}, 2},
    {{"--seed", "12x"}, 2},
    {{"--steps", "0"}, 2},
    {{"--steps", "1000001"}, 2},
    {{"--runs", "x"}, 2},
    {{"--bogus"}, 2},
    {{"--shrink-max", "0"}, 2},
    {{"--time"}, 2},
    {{"--time", "5x"}, 2},
    {{"--time", "0s"}, 2},
    {{"--seed-range", "5..3"}, 2},
    {{"--seed-range", "7"}, 2},
    {{"--seed-range", "1..x"}, 2},
    {{"--json"}, 2},
};

START_TEST(test_explore_command_line_usage)
{
    char *argv[6] = {"explore"};
    int argc = 1;
    for (size_t k = 0; k < 4 && usages[_i].args[k] != NULL; k++)
        argv[argc++] = (char *)usages[_i].args[k];
    ck_assert_int_eq(quiet(explore_cmd_main, argc, argv), usages[_i].status);
}
END_TEST

START_TEST(test_explore_command_runs_and_exits_by_outcome)
{
    char dir[] = "/tmp/sessim-explore-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *argv[] = {"explore", "--seed", "3", "--runs", "2", "--steps", "20", "--no-fork", "-v",
                    "--out", dir};
    int status = quiet(explore_cmd_main, (int)COUNT(argv), argv);
    ck_assert(status == 0 || status == 1);
}
END_TEST

START_TEST(test_explore_bench_measures)
{
    char *argv[] = {"bench", "--only", "explore", "--quick"};
    ck_assert_int_eq(quiet(bench_main, (int)COUNT(argv), argv), 0);
}
END_TEST

Suite *explore_suite(void)
{
    Suite *s = suite_create("explore");
    TCase *tc = tcase_create("explore");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_explore_generation_is_deterministic, 0, 8);
    tcase_add_test(tc, test_gen_run_seeds_differ);
    tcase_add_test(tc, test_explore_live_vocabulary);
    tcase_add_loop_test(tc, test_explore_generated_scenarios_round_trip, 0, 16);
    tcase_add_test(tc, test_explore_steps_are_always_runnable);
    tcase_add_test(tc, test_explore_swarm_varies_kinds_and_faults);
    tcase_add_test(tc, test_explore_output_is_byte_identical_for_a_seed);
    tcase_add_test(tc, test_explore_finds_shrinks_and_writes_a_planted_failure);
    tcase_add_test(tc, test_explore_survives_and_shrinks_a_crash);
    tcase_add_test(tc, test_explore_jobs_output_is_byte_identical);
    tcase_add_loop_test(tc, test_explore_command_line_usage, 0, (int)COUNT(usages));
    tcase_add_test(tc, test_explore_command_runs_and_exits_by_outcome);
    tcase_add_test(tc, test_explore_bench_measures);
    suite_add_tcase(s, tc);
    return s;
}
