/* tape: a recorder in front of the model target changes nothing about a
 * run; two recordings that differ only in server-chosen ids compare
 * equal; the first stanza that differs is reported side by side, with its
 * connection, bound JID and step. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "run/runner.h"
#include "base/count.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "live/tape.h"
#include "suites.h"


#define HEAD                                                  \
    "scenario: t\n"                                           \
    "accounts:\n"                                             \
    "  romeo: {}\n"                                           \
    "  juliet: {}\n"                                          \
    "clients:\n"                                              \
    "  romeo: {account: romeo, resource: orchard}\n"          \
    "  juliet: {account: juliet, resource: chamber}\n"        \
    "steps:\n"                                                \
    "  - romeo: connect\n"                                    \
    "  - juliet: connect\n"                                   \
    "  - romeo: {send: \"<iq type='set' id='s1'><query xmlns='jabber:iq:roster'>"   \
    "<item jid='juliet@localhost'/></query></iq>\"}\n"

/* The roster push's id is random: seeds give different ones. */
#define PUSH_FETCHED                                                            \
    "  - romeo: {send: \"<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>\"}\n" \
    "  - romeo: {receive: \"<iq type='result' id='r1'/>\"}\n"                   \
    "  - romeo: {send: \"<iq type='set' id='s2'><query xmlns='jabber:iq:roster'>" \
    "<item jid='nurse@localhost'/></query></iq>\"}\n"                           \
    "  - romeo: {receive: [\"<iq type='result' id='s2'/>\", \"<iq type='set'/>\"]}\n"

struct ctx {
    struct tape *tape;
};

static struct target *make(const struct scenario *s, uint64_t seed, void *p)
{
    struct ctx *c = p;
    return tape_wrap(c->tape, target_model_new(&s->server, seed));
}

static struct tape *record(const char *yaml, uint64_t seed, enum runner_outcome want)
{
    struct scenario_error err;
    struct scenario *s = loader_load_buffer("t.yaml", yaml, strlen(yaml), &err);
    ck_assert_ptr_nonnull(s);
    struct ctx c = {tape_new()};
    struct runner_options o = {.seed = seed, .target_new = make, .target_ctx = &c};
    struct runner_result r;
    runner_run(s, &o, &r);
    ck_assert_msg(r.outcome == want, "outcome %d: %s", (int)r.outcome,
                  r.message ? r.message : "");
    runner_result_free(&r);
    scenario_free(s);
    return c.tape;
}

START_TEST(test_tape_same_run_no_difference)
{
    const char *yaml = HEAD "  - romeo: {receive: \"<iq type='result' id='s1'/>\"}\n" PUSH_FETCHED;
    struct tape *a = record(yaml, 1, RUNNER_PASS), *b = record(yaml, 2, RUNNER_PASS);
    struct buf out = {0};
    ck_assert(!tape_first_difference(a, b, "model", "prosody", TAPE_IN_ORDER, &out, NULL));
    ck_assert_uint_eq(out.len, 0);
    tape_free(a);
    tape_free(b);
}
END_TEST

START_TEST(test_tape_first_difference_side_by_side)
{
    const char *one = HEAD "  - romeo: {receive: \"<iq type='result' id='s1'/>\"}\n"
                           "  - romeo: {send: \"<message to='juliet@localhost/chamber'>"
                           "<body>hi</body></message>\"}\n"
                           "  - juliet: {receive: \"<message/>\"}\n";
    const char *two = HEAD "  - romeo: {receive: \"<iq type='result' id='s1'/>\"}\n"
                           "  - romeo: {send: \"<message to='juliet@localhost/chamber'>"
                           "<body>ho</body></message>\"}\n"
                           "  - juliet: {receive: \"<message/>\"}\n";
    struct tape *a = record(one, 0, RUNNER_PASS), *b = record(two, 0, RUNNER_PASS);
    struct buf out = {0};
    ck_assert(tape_first_difference(a, b, "model", "prosody", TAPE_IN_ORDER, &out, NULL));
    const char *text = buf_cstr(&out);
    ck_assert_msg(strstr(text, "first difference: connection 2 (juliet@localhost/chamber), "
                               "stanza 3, step 5:\n") != NULL,
                  "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "\n  model:   <message "));
    ck_assert_ptr_nonnull(strstr(text, "<body>hi</body>"));
    ck_assert_ptr_nonnull(strstr(text, "\n  prosody: <message "));
    ck_assert_ptr_nonnull(strstr(text, "<body>ho</body>"));
    buf_free(&out);
    tape_free(a);
    tape_free(b);
}
END_TEST

START_TEST(test_tape_missing_stanza_shows_nothing)
{
    const char *one = HEAD "  - romeo: {receive: \"<iq type='result' id='s1'/>\"}\n";
    const char *two = "scenario: t\naccounts:\n  romeo: {}\n  juliet: {}\nclients:\n"
                      "  romeo: {account: romeo, resource: orchard}\n"
                      "  juliet: {account: juliet, resource: chamber}\n"
                      "steps:\n  - romeo: connect\n  - juliet: connect\n";
    struct tape *a = record(one, 0, RUNNER_PASS), *b = record(two, 0, RUNNER_PASS);
    struct buf out = {0};
    ck_assert(tape_first_difference(a, b, "model", "prosody", TAPE_IN_ORDER, &out, NULL));
    ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "connection 1 (romeo@localhost/orchard)"));
    ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\n  prosody: (nothing)\n"));
    buf_free(&out);
    tape_free(a);
    tape_free(b);
}
END_TEST

/* Two messages sent in one step reach juliet in one step; swapping them
 * changes the order and nothing else. */
#define TWO_MESSAGES(first, second)                                                 \
    "scenario: t\n"                                                                 \
    "accounts: {romeo: {}, juliet: {}}\n"                                           \
    "leftovers: ignore\n"                                                           \
    "steps:\n"                                                                      \
    "  - juliet: connect\n"                                                         \
    "  - romeo: connect\n"                                                          \
    "  - romeo: {send: [\"<message to='juliet@localhost/juliet'><body>" first        \
    "</body></message>\", \"<message to='juliet@localhost/juliet'><body>" second     \
    "</body></message>\"]}\n"

START_TEST(test_tape_step_sets_ignore_order_within_a_step)
{
    struct buf out = {0}, kind = {0};
    struct tape *a = record(TWO_MESSAGES("hi", "ho"), 0, RUNNER_PASS);
    struct tape *b = record(TWO_MESSAGES("ho", "hi"), 0, RUNNER_PASS);
    ck_assert(tape_first_difference(a, b, "model", "prosody", TAPE_IN_ORDER, &out, NULL));
    buf_clear(&out);
    ck_assert(!tape_first_difference(a, b, "model", "prosody", TAPE_STEP_SETS, &out, &kind));
    ck_assert_uint_eq(out.len + kind.len, 0);
    tape_free(b);
    /* One body changed: that message has no partner on either side. */
    b = record(TWO_MESSAGES("ho", "he"), 0, RUNNER_PASS);
    ck_assert(tape_first_difference(a, b, "model", "prosody", TAPE_STEP_SETS, &out, &kind));
    ck_assert_msg(strstr(buf_cstr(&out), "connection 1 (juliet@localhost/juliet), stanza 3, "
                                         "step 3:\n") != NULL,
                  "%s", buf_cstr(&out));
    ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "<body>hi</body>"));
    ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "<body>he</body>"));
    ck_assert_str_eq(buf_cstr(&kind), "model <message>, prosody <message>");
    tape_free(b);
    /* One message fewer: the other side has nothing for it. */
    b = record("scenario: t\naccounts: {romeo: {}, juliet: {}}\nleftovers: ignore\n"
               "steps:\n  - juliet: connect\n"
               "  - romeo: connect\n  - romeo: {send: \"<message to='juliet@localhost/juliet'>"
               "<body>ho</body></message>\"}\n",
               0, RUNNER_PASS);
    buf_clear(&out);
    buf_clear(&kind);
    ck_assert(tape_first_difference(a, b, "model", "prosody", TAPE_STEP_SETS, &out, &kind));
    ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\n  prosody: (nothing)\n"));
    ck_assert_str_eq(buf_cstr(&kind), "model <message>, prosody (nothing)");
    buf_free(&out);
    buf_free(&kind);
    tape_free(a);
    tape_free(b);
}
END_TEST

/* Romeo/orchard, available, and romeo/balcony; balcony may send orchard
 * a directed unavailable (P8, P11). */
#define OWN(extra)                                                                \
    "scenario: t\n"                                                               \
    "accounts: {romeo: {}}\n"                                                     \
    "clients:\n"                                                                  \
    "  romeo: {account: romeo, resource: orchard}\n"                              \
    "  romeo2: {account: romeo, resource: balcony}\n"                             \
    "leftovers: ignore\n"                                                         \
    "steps:\n"                                                                    \
    "  - romeo: connect\n"                                                        \
    "  - romeo2: connect\n"                                                       \
    "  - romeo2: {send: \"<presence" extra "/>\"}\n"

/* An unavailable from another resource of the connection's account that
 * only the second side (the live server) has is no difference as step
 * sets (DIVERGENCES.md P8); in order it is, and one only the model has
 * always is. */
START_TEST(test_tape_step_sets_pass_over_a_server_only_own_unavailable)
{
    struct tape *plain = record(OWN(" type='unavailable' to='romeo@localhost/nowhere'"), 0,
                                RUNNER_PASS);
    struct tape *extra = record(OWN(" type='unavailable' to='romeo@localhost/orchard'"), 0,
                                RUNNER_PASS);
    struct tape *avail = record(OWN(" to='romeo@localhost/orchard'"), 0, RUNNER_PASS);
    struct buf out = {0}, kind = {0};
    ck_assert(!tape_first_difference(plain, extra, "model", "prosody", TAPE_STEP_SETS, &out,
                                     &kind));
    ck_assert(tape_first_difference(plain, extra, "model", "prosody", TAPE_IN_ORDER, &out, NULL));
    buf_clear(&out);
    ck_assert(tape_first_difference(extra, plain, "model", "prosody", TAPE_STEP_SETS, &out,
                                    &kind));
    ck_assert_str_eq(buf_cstr(&kind), "model <presence type='unavailable'>, prosody (nothing)");
    buf_clear(&kind);
    ck_assert(tape_first_difference(plain, avail, "model", "prosody", TAPE_STEP_SETS, &out,
                                    &kind));
    ck_assert_str_eq(buf_cstr(&kind), "model (nothing), prosody <presence>");
    buf_free(&out);
    buf_free(&kind);
    tape_free(plain);
    tape_free(extra);
    tape_free(avail);
}
END_TEST

Suite *tape_suite(void)
{
    Suite *s = suite_create("tape");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_tape_same_run_no_difference);
    tcase_add_test(tc, test_tape_first_difference_side_by_side);
    tcase_add_test(tc, test_tape_missing_stanza_shows_nothing);
    tcase_add_test(tc, test_tape_step_sets_ignore_order_within_a_step);
    tcase_add_test(tc, test_tape_step_sets_pass_over_a_server_only_own_unavailable);
    suite_add_tcase(s, tc);
    return s;
}
