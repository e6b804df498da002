/* twin: the model's traffic transcribed as receive steps. The copy passes
 * on the model with leftovers checked, every stanza the model sent is
 * expected, server-chosen ids become {any}, and a server that behaves
 * otherwise (here: the same model with offline storage off) fails it.
 * twin_run needs a live server: `make live-check` runs it (the
 * differential explorer's self-test, sim/tests/live_explore.sh). */
#include <check.h>
#include <string.h>

#include "explore/explore.h"
#include "explore/gen.h"
#include "run/runner.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "live/twin.h"
#include "suites.h"

static struct scenario *load(const char *yaml)
{
    struct scenario_error err;
    struct scenario *s = loader_load_buffer("t.yaml", yaml, strlen(yaml), &err);
    ck_assert_msg(s != NULL, "%lu:%lu: %s", err.line, err.column, err.message);
    return s;
}

static enum runner_outcome run(const struct scenario *s)
{
    struct runner_result r;
    runner_run(s, NULL, &r);
    enum runner_outcome o = r.outcome;
    runner_result_free(&r);
    return o;
}

static size_t receives(const struct scenario *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->step_count; i++)
        n += s->steps[i].kind == SCENARIO_STEP_RECEIVE;
    return n;
}

/* Juliet is offline when romeo writes; she gets the message at her
 * initial presence (O1, O3), and romeo's roster set gets a push with an
 * id the server chose. */
static const char yaml[] =
    "scenario: t\n"
    "accounts: {romeo: {}, juliet: {}}\n"
    "leftovers: ignore\n"
    "steps:\n"
    "  - romeo: connect\n"
    "  - romeo: {send: \"<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>\"}\n"
    "  - romeo: {send: \"<iq type='set' id='r2'><query xmlns='jabber:iq:roster'>"
    "<item jid='juliet@localhost'/></query></iq>\"}\n"
    "  - romeo: {send: \"<message to='juliet@localhost'><body>hi</body></message>\"}\n"
    "  - juliet: connect\n"
    "  - juliet: {send: \"<presence/>\"}\n";

START_TEST(test_twin_transcribe_expects_the_model_traffic)
{
    struct scenario *s = load(yaml);
    struct scenario *t = twin_transcribe(s);
    ck_assert_ptr_nonnull(t);
    ck_assert(!t->leftovers_ignore);
    ck_assert_int_eq(t->target, SCENARIO_TARGET_ANY);
    ck_assert_uint_eq(t->step_count - receives(t), s->step_count);
    /* romeo: the roster result; the set's result and its push in one
     * receive; juliet: her own presence and the stored message in one. */
    ck_assert_uint_eq(receives(t), 3);
    const struct scenario_step *last = &t->steps[t->step_count - 1];
    ck_assert_int_eq(last->kind, SCENARIO_STEP_RECEIVE);
    ck_assert_uint_eq(last->receive.patterns.count, 2);
    bool push = false, stored = false, own_id = false;
    for (size_t i = 0; i < t->step_count; i++) {
        const struct scenario_step *st = &t->steps[i];
        for (size_t k = 0; st->kind == SCENARIO_STEP_RECEIVE && k < st->receive.patterns.count;
             k++) {
            const char *p = st->receive.patterns.items[k].text;
            push |= strstr(p, "type='set' id='{any}'") != NULL;   /* the server's id */
            stored |= strstr(p, "<body>hi</body>") != NULL;
            own_id |= strstr(p, "type='result' id='r2'") != NULL;   /* romeo's id kept */
        }
    }
    ck_assert(push && stored && own_id);
    ck_assert_int_eq(run(t), RUNNER_PASS);
    /* Offline storage off: the message bounces instead, and the copy fails. */
    t->server.offline = false;
    ck_assert_int_eq(run(t), RUNNER_FAIL);
    scenario_free(t);
    scenario_free(s);
}
END_TEST

/* A scenario that fails on the model has no traffic to expect. */
START_TEST(test_twin_transcribe_refuses_a_failing_scenario)
{
    struct scenario *s = load("scenario: t\nsteps:\n  - romeo: {send: \"<presence/>\"}\n");
    ck_assert_ptr_null(twin_transcribe(s));
    scenario_free(s);
}
END_TEST

/* Generated live runs transcribe into scenarios that pass on the model. */
START_TEST(test_twin_transcribe_generated_runs)
{
    struct scenario *s = gen_scenario_counted(gen_run_seed(5, (size_t)_i), 60, true, false, NULL);
    struct scenario *t = twin_transcribe(s);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(run(t), RUNNER_PASS);
    scenario_free(t);
    scenario_free(s);
}
END_TEST

Suite *twin_suite(void)
{
    Suite *s = suite_create("twin");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_twin_transcribe_expects_the_model_traffic);
    tcase_add_test(tc, test_twin_transcribe_refuses_a_failing_scenario);
    tcase_add_loop_test(tc, test_twin_transcribe_generated_runs, 0, 24);
    suite_add_tcase(s, tc);
    return s;
}
