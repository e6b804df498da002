/* emit: every scenario of the corpus survives load → emit → load, tricky
 * strings and every step form survive a round trip from memory, the
 * output is stable, and what cannot be YAML is refused. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario/emit.h"
#include "base/count.h"
#include "base/paths.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "suites.h"


/* Loads text; fails the test with the loader's message when it does not. */
static struct scenario *load_text(const char *name, const char *text, size_t len)
{
    struct scenario_error err;
    struct scenario *s = loader_load_buffer(name, text, len, &err);
    if (s == NULL) {
        char msg[SCENARIO_MESSAGE_MAX + 256];
        scenario_error_format(&err, msg, sizeof msg);
        ck_abort_msg("%s\n--- YAML ---\n%.*s", msg, (int)len, text);
    }
    return s;
}

/* emit(s) loads back to a scenario equal to s, whose emission is the
 * same text. */
static void assert_round_trip(const struct scenario *s)
{
    struct buf first = {0}, second = {0}, why = {0};
    ck_assert_msg(emit_scenario(s, &first), "emit refused %s", s->file);
    struct scenario *back = load_text("emitted.yaml", buf_cstr(&first), first.len);
    ck_assert_msg(emit_equal(s, back, &why), "%s: %s--- YAML ---\n%s", s->file, buf_cstr(&why),
                  buf_cstr(&first));
    ck_assert(emit_scenario(back, &second));
    ck_assert_str_eq(buf_cstr(&first), buf_cstr(&second));
    scenario_free(back);
    buf_free(&first);
    buf_free(&second);
    buf_free(&why);
}

START_TEST(test_emit_round_trips_every_corpus_scenario)
{
    struct paths files = {0};
    ck_assert(paths_collect(NULL, 0, &files));
    ck_assert_uint_gt(files.len, 100);
    size_t implicit = 0;
    for (size_t i = 0; i < files.len; i++) {
        struct scenario_error err;
        struct scenario *s = loader_load(files.items[i], &err);
        ck_assert_msg(s != NULL, "%s does not load: %s", files.items[i], err.message);
        for (size_t k = 0; k < s->client_count; k++)
            implicit += s->clients[k].implicit;
        assert_round_trip(s);
        scenario_free(s);
    }
    ck_assert_uint_gt(implicit, 0);   /* implicit clients were exercised */
    paths_free(&files);
}
END_TEST

/* Strings that YAML would take for something else unless quoted right. */
static const char *const tricky[] = {
    "plain",
    "",
    "nothing",
    "true",
    "~",
    "null",
    "- item",
    "# not a comment",
    "key: value",
    "  leading and trailing  ",
    "quote \" and backslash \\ and 'single'",
    "line one\nline two\n",
    "tab\there, cr\rthere",
    "\x01\x02\x1f\x7f controls",
    "C1 \xc2\x85 next line, \xc2\x9f",
    "line separators \xe2\x80\xa8 \xe2\x80\xa9",
    "BOM \xef\xbb\xbf inside",
    "non-BMP \xf0\x9f\x8e\xad and \xc3\xa9t\xc3\xa9",
    "${romeo.full} stays a variable",
    "<message to='a@b'><body>&amp;</body></message>",
    "{not: a mapping}",
    "[not, a, list]",
    "%percent @at `tick",
};

START_TEST(test_emit_round_trips_tricky_strings)
{
    const char *text = tricky[_i];
    struct scenario *s = scenario_create("tricky");
    scenario_string_set(&s->description, text);
    scenario_strings_add(&s->tags, text);
    scenario_account_add(s, "romeo", text);
    size_t c = scenario_client_add(s, "romeo", "romeo", "orchard");
    scenario_string_set(&scenario_step_add(s, SCENARIO_STEP_NOTE, SCENARIO_NO_CLIENT)->note, text);
    struct scenario_step *raw = scenario_step_add(s, SCENARIO_STEP_SEND_RAW, c);
    raw->send_raw.text = strdup(text);
    scenario_string_set(&scenario_step_add(s, SCENARIO_STEP_AUTH, c)->auth.password, text);
    assert_round_trip(s);
    scenario_free(s);
}
END_TEST

/* One scenario with every step form and option the format has. */
static struct scenario *every_form(void)
{
    struct scenario *s = scenario_create("every form");
    s->target = SCENARIO_TARGET_MODEL;
    s->leftovers_ignore = true;
    s->server.conflict = SCENARIO_CONFLICT_RANDOM_RESOURCE;
    s->server.offline = false;
    s->server.tombstone_expiry_ms = 90 * 60 * 1000;
    scenario_strings_add(&s->spec, "SEMANTICS P7");
    struct scenario_account *a = scenario_account_add(s, "romeo", "secret");
    struct scenario_roster_item *it =
        scenario_roster_item_add(a, "juliet", SCENARIO_SUBSCRIPTION_FROM, SCENARIO_ASK_SUBSCRIBE);
    scenario_string_set(&it->name, "Juliet");
    scenario_strings_add(&it->groups, "Friends");
    scenario_strings_add(&it->groups, "");
    scenario_account_add(s, "juliet", NULL);
    size_t r = scenario_client_add(s, "romeo", "romeo", "orchard");
    size_t j = scenario_client_add(s, "j.phone", "juliet", "phone");
    struct scenario_step *st = scenario_step_add(s, SCENARIO_STEP_CONNECT, r);
    scenario_string_set(&st->connect.resource, "balcony");
    st->connect.bind = false;
    scenario_step_add(s, SCENARIO_STEP_CONNECT, j)->connect.auth = false;
    scenario_step_add(s, SCENARIO_STEP_AUTH, j);
    scenario_step_add(s, SCENARIO_STEP_BIND, r);
    st = scenario_step_add(s, SCENARIO_STEP_SEND, r);
    scenario_strings_add(&st->send, "<presence/>");
    scenario_strings_add(&st->send, "<message to='${j.phone.jid}'/>");
    st = scenario_step_add(s, SCENARIO_STEP_RECEIVE, r);
    scenario_strings_add(&st->receive.patterns, "<presence from='{capture:me}'/>");
    scenario_step_add(s, SCENARIO_STEP_RECEIVE, j)->receive.kind = SCENARIO_RECEIVE_NOTHING;
    scenario_step_add(s, SCENARIO_STEP_RECEIVE, j)->receive.kind = SCENARIO_RECEIVE_CLOSED;
    scenario_string_set(&scenario_step_add(s, SCENARIO_STEP_REGISTER, j)->reg.password, "pw");
    scenario_step_add(s, SCENARIO_STEP_REGISTER, j);
    scenario_step_add(s, SCENARIO_STEP_UNREGISTER, r);
    scenario_step_add(s, SCENARIO_STEP_CLOSE, r);
    scenario_step_add(s, SCENARIO_STEP_DROP, j);
    scenario_step_add(s, SCENARIO_STEP_RESTART, SCENARIO_NO_CLIENT);
    scenario_step_add(s, SCENARIO_STEP_ADVANCE, SCENARIO_NO_CLIENT)->advance_ms = 1500;
    return s;
}

START_TEST(test_emit_round_trips_every_step_form)
{
    struct scenario *s = every_form();
    assert_round_trip(s);
    scenario_free(s);
}
END_TEST

static const uint64_t durations[] = {0, 1, 999, 1000, 1500, 60000, 3600000, 86400000,
                                     3 * 86400000ull + 1, 36500ull * 86400000};

START_TEST(test_emit_round_trips_durations)
{
    struct scenario *s = scenario_create("durations");
    s->server.tombstone_expiry_ms = durations[_i];
    scenario_step_add(s, SCENARIO_STEP_ADVANCE, SCENARIO_NO_CLIENT)->advance_ms = durations[_i];
    assert_round_trip(s);
    scenario_free(s);
}
END_TEST

static const char check_yaml[] =
    "scenario: checks\n"
    "clients:\n"
    "  romeo: {}\n"
    "  juliet: {}\n"
    "steps:\n"
    "  - check:\n"
    "      connected: [romeo]\n"
    "      available: []\n"
    "      interested: [romeo, juliet]\n"
    "      sessions: 2\n"
    "      accounts: [romeo]\n"
    "      tombstones: []\n"
    "      offline: {juliet: 2, nobody: 0}\n"
    "      roster:\n"
    "        romeo: {juliet: {subscription: from, ask: subscribe}, nurse: {ask: none}, x: {}}\n"
    "        juliet: {}\n"
    "      presence: {romeo: {priority: -128, show: dnd}, juliet: {show: none}}\n"
    "  - check: {sessions: 0}\n"
    "  - check: {presence: {juliet: {priority: 127}}}\n";

START_TEST(test_emit_round_trips_checks)
{
    struct scenario *s = load_text("checks.yaml", check_yaml, strlen(check_yaml));
    assert_round_trip(s);
    scenario_free(s);
}
END_TEST

START_TEST(test_emit_refuses_what_yaml_cannot_hold)
{
    struct scenario *s = scenario_create("bad");
    struct buf out = {0};
    ck_assert(!emit_scenario(s, &out));   /* no steps */
    struct scenario_step *st = scenario_step_add(s, SCENARIO_STEP_NOTE, SCENARIO_NO_CLIENT);
    scenario_string_set(&st->note, "ok");
    buf_clear(&out);
    ck_assert(emit_scenario(s, &out));
    static const char *const invalid[] = {"\xff", "\xc0\x80", "\xed\xa0\x80", "\xe2\x82",
                                          "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < COUNT(invalid); i++) {
        scenario_string_set(&st->note, invalid[i]);
        buf_clear(&out);
        ck_assert_msg(!emit_scenario(s, &out), "invalid UTF-8 %zu accepted", i);
    }
    scenario_string_set(&st->note, "ok");
    scenario_step_add(s, SCENARIO_STEP_CHECK, SCENARIO_NO_CLIENT);   /* check with no key */
    buf_clear(&out);
    ck_assert(!emit_scenario(s, &out));
    buf_free(&out);
    scenario_free(s);
}
END_TEST

START_TEST(test_emit_equal_names_the_first_difference)
{
    struct scenario *a = every_form();
    struct scenario *b = scenario_copy(a);
    struct buf why = {0};
    ck_assert(emit_equal(a, b, &why));
    scenario_string_set(&b->steps[4].send.items[1].text, "<message/>");
    b->steps[14].advance_ms = 1;
    ck_assert(!emit_equal(a, b, &why));
    ck_assert_str_eq(buf_cstr(&why), "step differs in step 5\n");
    scenario_free(b);
    b = scenario_copy(a);
    b->clients[1].implicit = true;
    buf_clear(&why);
    ck_assert(!emit_equal(a, b, &why));
    ck_assert_str_eq(buf_cstr(&why), "client differs in entry 2\n");
    buf_free(&why);
    scenario_free(a);
    scenario_free(b);
}
END_TEST

START_TEST(test_emit_file_is_loadable)
{
    char path[] = "/tmp/sessim-emit-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    struct scenario *s = every_form();
    char err[256];
    ck_assert(emit_file(s, path, err, sizeof err));
    struct scenario_error lerr;
    struct scenario *back = loader_load(path, &lerr);
    ck_assert_ptr_nonnull(back);
    ck_assert(emit_equal(s, back, NULL));
    scenario_free(back);
    ck_assert(!emit_file(s, "/nonexistent-dir/x.yaml", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x.yaml: "));
    unlink(path);
    scenario_free(s);
}
END_TEST

Suite *emit_suite(void)
{
    Suite *s = suite_create("emit");
    TCase *tc = tcase_create("emit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_emit_round_trips_every_corpus_scenario);
    tcase_add_loop_test(tc, test_emit_round_trips_tricky_strings, 0, (int)COUNT(tricky));
    tcase_add_test(tc, test_emit_round_trips_every_step_form);
    tcase_add_loop_test(tc, test_emit_round_trips_durations, 0, (int)COUNT(durations));
    tcase_add_test(tc, test_emit_round_trips_checks);
    tcase_add_test(tc, test_emit_refuses_what_yaml_cannot_hold);
    tcase_add_test(tc, test_emit_equal_names_the_first_difference);
    tcase_add_test(tc, test_emit_file_is_loadable);
    suite_add_tcase(s, tc);
    return s;
}
