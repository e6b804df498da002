/* shrink: synthetic predicates over generated step lists, so the minimal
 * answer is known: the result must satisfy the predicate, have exactly the
 * steps the predicate needs, and lose the failure when any one of them is
 * removed (1-minimality); the work bound must hold. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/emit.h"
#include "base/count.h"
#include "scenario/scenario.h"
#include "explore/shrink.h"
#include "model/prng.h"
#include "suites.h"

#define CLIENTS 4

/* "Fails iff a client closes after having sent a presence." */
static bool presence_then_close(const struct scenario *s, void *ctx)
{
    (void)ctx;
    ck_assert_uint_gt(s->step_count, 0);
    for (size_t j = 0; j < s->step_count; j++) {
        const struct scenario_step *c = &s->steps[j];
        if (c->kind != SCENARIO_STEP_CLOSE)
            continue;
        for (size_t i = 0; i < j; i++) {
            const struct scenario_step *p = &s->steps[i];
            for (size_t k = 0; p->kind == SCENARIO_STEP_SEND && k < p->send.count; k++)
                if (p->client == c->client && strstr(p->send.items[k].text, "<presence") != NULL)
                    return true;
        }
    }
    return false;
}

static const char *const stanzas[] = {
    "<presence><show>away</show><priority>5</priority><status>out</status></presence>",
    "<message to='u2@localhost' type='chat'><body>hi</body></message>",
    "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>",
};

/* A step list of n steps over CLIENTS clients (seeded), with the failing
 * pair planted: client 2 sends a presence at n/3, closes at 2n/3. */
static struct scenario *random_scenario(uint64_t seed, size_t n)
{
    struct prng r;
    prng_seed(&r, seed);
    struct scenario *s = scenario_create("random");
    s->server.conflict = SCENARIO_CONFLICT_REJECT_NEW;
    s->server.offline = false;
    struct scenario_account *a = scenario_account_add(s, "u1", NULL);
    scenario_roster_item_add(a, "u2", SCENARIO_SUBSCRIPTION_BOTH, SCENARIO_ASK_NONE);
    scenario_account_add(s, "u2", NULL);
    for (size_t c = 0; c < CLIENTS; c++) {
        char name[8];
        snprintf(name, sizeof name, "c%zu", c + 1);
        scenario_client_add(s, name, c % 2 ? "u2" : "u1", name);
    }
    for (size_t i = 0; i < n; i++) {
        size_t c = prng_below(&r, CLIENTS);
        bool planted = i == n / 3 || i == 2 * n / 3;
        static const enum scenario_step_kind kinds[] = {
            SCENARIO_STEP_CONNECT, SCENARIO_STEP_SEND, SCENARIO_STEP_SEND, SCENARIO_STEP_DROP,
            SCENARIO_STEP_ADVANCE};
        enum scenario_step_kind kind = kinds[prng_below(&r, COUNT(kinds))];
        kind = planted ? (i == n / 3 ? SCENARIO_STEP_SEND : SCENARIO_STEP_CLOSE) : kind;
        struct scenario_step *st = scenario_step_add(s, kind, planted ? 2 : c);
        if (kind == SCENARIO_STEP_SEND)
            scenario_strings_add(&st->send, stanzas[planted ? 0 : 1 + prng_below(&r, 2)]);
        if (kind == SCENARIO_STEP_ADVANCE)
            st->advance_ms = prng_below(&r, 100000);
    }
    return s;
}

/* Without step i, the scenario no longer fails. */
static void assert_one_minimal(const struct scenario *s, shrink_predicate *fails)
{
    ck_assert(fails(s, NULL));
    for (size_t i = 0; s->step_count > 1 && i < s->step_count; i++) {
        struct scenario cand = *s;
        struct scenario_step steps[64];
        ck_assert_uint_le(s->step_count, COUNT(steps));
        size_t k = 0;
        for (size_t j = 0; j < s->step_count; j++)
            if (j != i)
                steps[k++] = s->steps[j];
        cand.steps = steps;
        cand.step_count = k;
        ck_assert_msg(!fails(&cand, NULL), "step %zu could still be removed", i + 1);
    }
}

static const size_t lengths[] = {2, 3, 10, 57, 200, 1000};

START_TEST(test_shrink_finds_the_minimal_close_after_presence)
{
    struct scenario *s = random_scenario(0x5EED + (uint64_t)_i, lengths[_i]);
    ck_assert(presence_then_close(s, NULL));
    struct shrink_stats stats;
    shrink_scenario(s, presence_then_close, NULL, 0, &stats);
    ck_assert_uint_eq(stats.steps_before, lengths[_i]);
    ck_assert_uint_eq(stats.steps_after, 2);
    ck_assert(!stats.exhausted);
    ck_assert_uint_le(stats.tests, SHRINK_TESTS_DEFAULT);
    ck_assert_uint_eq(s->step_count, 2);
    ck_assert_int_eq(s->steps[0].kind, SCENARIO_STEP_SEND);
    ck_assert_int_eq(s->steps[1].kind, SCENARIO_STEP_CLOSE);
    ck_assert_uint_eq(s->steps[0].client, s->steps[1].client);
    assert_one_minimal(s, presence_then_close);
    /* the stanza lost every child; the extra clients and accounts went,
     * the server settings are back to their defaults */
    ck_assert_uint_eq(s->steps[0].send.count, 1);
    ck_assert_str_eq(s->steps[0].send.items[0].text, "<presence/>");
    ck_assert_uint_eq(s->client_count, 1);
    ck_assert_uint_eq(s->account_count, 0);
    ck_assert_int_eq(s->server.conflict, SCENARIO_CONFLICT_KICK_OLD);
    ck_assert(s->server.offline);
    scenario_free(s);
}
END_TEST

START_TEST(test_shrink_respects_the_work_bound)
{
    struct scenario *s = random_scenario(7, 500);
    struct shrink_stats stats;
    shrink_scenario(s, presence_then_close, NULL, 10, &stats);
    ck_assert_uint_eq(stats.tests, 10);
    ck_assert(stats.exhausted);
    ck_assert(presence_then_close(s, NULL));   /* still failing */
    ck_assert_uint_lt(s->step_count, 500);
    scenario_free(s);
}
END_TEST

/* "Fails iff notes a, b, c appear in this order." */
static bool notes_in_order(const struct scenario *s, void *ctx)
{
    (void)ctx;
    const char *want = "abc";
    for (size_t i = 0; i < s->step_count && *want != '\0'; i++)
        if (s->steps[i].kind == SCENARIO_STEP_NOTE && s->steps[i].note[0] == *want)
            want++;
    return *want == '\0';
}

START_TEST(test_shrink_keeps_exactly_the_needed_steps)
{
    struct scenario *s = scenario_create("notes");
    struct prng r;
    prng_seed(&r, 99);
    for (size_t i = 0; i < 300; i++) {
        char note[2] = {(char)('a' + prng_below(&r, 5)), '\0'};
        scenario_string_set(&scenario_step_add(s, SCENARIO_STEP_NOTE, SCENARIO_NO_CLIENT)->note,
                            note);
    }
    ck_assert(notes_in_order(s, NULL));
    shrink_scenario(s, notes_in_order, NULL, 0, NULL);
    ck_assert_uint_eq(s->step_count, 3);
    ck_assert_str_eq(s->steps[0].note, "a");
    ck_assert_str_eq(s->steps[1].note, "b");
    ck_assert_str_eq(s->steps[2].note, "c");
    assert_one_minimal(s, notes_in_order);
    scenario_free(s);
}
END_TEST

/* "Fails iff client 0's raw writes, joined, contain <message/>." */
static bool raw_message(const struct scenario *s, void *ctx)
{
    (void)ctx;
    struct buf all = {0};
    for (size_t i = 0; i < s->step_count; i++)
        if (s->steps[i].kind == SCENARIO_STEP_SEND_RAW && s->steps[i].client == 0)
            ck_assert(scenario_raw_decode(s->steps[i].raw_form, s->steps[i].send_raw.text, &all));
    bool found = strstr(buf_cstr(&all), "<message/>") != NULL;
    buf_free(&all);
    return found;
}

START_TEST(test_shrink_joins_fragments_into_one_write)
{
    struct scenario *s = scenario_create("fragments");
    size_t a = scenario_client_add(s, "a", "a", "a");
    size_t b = scenario_client_add(s, "b", "b", "b");
    static const char *const pieces[] = {"<mes", "sage", "/", ">"};
    for (size_t i = 0; i < COUNT(pieces); i++) {
        scenario_step_add(s, SCENARIO_STEP_SEND_RAW, a)->send_raw.text = strdup(pieces[i]);
        scenario_step_add(s, SCENARIO_STEP_DROP, b);
    }
    shrink_scenario(s, raw_message, NULL, 0, NULL);
    ck_assert_uint_eq(s->step_count, 1);
    ck_assert_int_eq(s->steps[0].kind, SCENARIO_STEP_SEND_RAW);
    ck_assert_str_eq(s->steps[0].send_raw.text, "<message/>");
    ck_assert_uint_eq(s->client_count, 1);
    scenario_free(s);
}
END_TEST

/* Adds a raw write of client 0 in the given form. */
static void add_raw(struct scenario *s, enum scenario_raw_form form, const char *text)
{
    struct scenario_step *st = scenario_step_add(s, SCENARIO_STEP_SEND_RAW, 0);
    st->raw_form = form;
    st->send_raw.text = strdup(text);
}

/* Hex and base64 writes join as bytes, in the first one's byte form; a
 * text with a variable does not join with bytes. */
START_TEST(test_shrink_joins_byte_writes_as_bytes)
{
    static const struct {
        enum scenario_raw_form a_form, b_form;
        const char *a, *b;
        size_t steps;
        enum scenario_raw_form form;
        const char *joined;
    } rows[] = {
        {SCENARIO_RAW_HEX, SCENARIO_RAW_HEX, "3c 6d 65 73", "736167652f3e", 1, SCENARIO_RAW_HEX,
         "3c6d657373616765" "2f3e"},
        {SCENARIO_RAW_TEXT, SCENARIO_RAW_BASE64, "<mes", "c2FnZS8+", 1, SCENARIO_RAW_BASE64,
         "PG1lc3NhZ2UvPg=="},
        {SCENARIO_RAW_BASE64, SCENARIO_RAW_HEX, "PG1lcw==", "736167652f3e", 1,
         SCENARIO_RAW_BASE64, "PG1lc3NhZ2UvPg=="},
        {SCENARIO_RAW_TEXT, SCENARIO_RAW_TEXT, "<mes", "sage/>", 1, SCENARIO_RAW_TEXT,
         "<message/>"},
        {SCENARIO_RAW_HEX, SCENARIO_RAW_TEXT, "3c6d6573", "sage/>${a.jid}", 2, SCENARIO_RAW_HEX,
         "3c6d6573"},
    };
    const int r = _i;
    struct scenario *s = scenario_create("bytes");
    scenario_client_add(s, "a", "a", "a");
    add_raw(s, rows[r].a_form, rows[r].a);
    add_raw(s, rows[r].b_form, rows[r].b);
    shrink_scenario(s, raw_message, NULL, 0, NULL);
    ck_assert_uint_eq(s->step_count, rows[r].steps);
    ck_assert_int_eq(s->steps[0].raw_form, rows[r].form);
    ck_assert_str_eq(s->steps[0].send_raw.text, rows[r].joined);
    scenario_free(s);
}
END_TEST

START_TEST(test_shrink_takes_stanzas_out_of_a_batched_write)
{
    struct scenario *s = scenario_create("batch");
    size_t a = scenario_client_add(s, "a", "a", "a");
    scenario_step_add(s, SCENARIO_STEP_SEND_RAW, a)->send_raw.text =
        strdup("<presence><show>dnd</show></presence>  <message/><iq type='get' id='1'/>");
    shrink_scenario(s, raw_message, NULL, 0, NULL);
    ck_assert_uint_eq(s->step_count, 1);
    ck_assert_str_eq(s->steps[0].send_raw.text, "<message/>");
    scenario_free(s);
}
END_TEST

/* "Fails iff some presence has a priority above 3 and the clock moves
 * at least a second." */
static bool high_priority_and_time(const struct scenario *s, void *ctx)
{
    (void)ctx;
    bool high = false;
    uint64_t ms = 0;
    for (size_t i = 0; i < s->step_count; i++) {
        const struct scenario_step *st = &s->steps[i];
        const char *p = NULL;
        if (st->kind == SCENARIO_STEP_SEND)
            p = strstr(st->send.items[0].text, "<priority>");
        high |= p != NULL && atoi(p + 10) > 3;
        ms += st->kind == SCENARIO_STEP_ADVANCE ? st->advance_ms : 0;
    }
    return high && ms >= 1000;
}

START_TEST(test_shrink_lowers_priorities_and_advances)
{
    struct scenario *s = scenario_create("numbers");
    size_t c = scenario_client_add(s, "c", "c", "c");
    scenario_strings_add(&scenario_step_add(s, SCENARIO_STEP_SEND, c)->send,
                         "<presence><priority>100</priority><show>dnd</show></presence>");
    scenario_step_add(s, SCENARIO_STEP_ADVANCE, SCENARIO_NO_CLIENT)->advance_ms = 86400000;
    shrink_scenario(s, high_priority_and_time, NULL, 0, NULL);
    ck_assert_uint_eq(s->step_count, 2);
    ck_assert_str_eq(s->steps[0].send.items[0].text, "<presence><priority>6</priority></presence>");
    ck_assert_uint_ge(s->steps[1].advance_ms, 1000);
    ck_assert_uint_lt(s->steps[1].advance_ms, 2000);
    scenario_free(s);
}
END_TEST

/* "Fails iff a connect asks for resource x." */
static bool connect_resource_x(const struct scenario *s, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < s->step_count; i++)
        if (s->steps[i].kind == SCENARIO_STEP_CONNECT && s->steps[i].connect.resource != NULL &&
            strcmp(s->steps[i].connect.resource, "x") == 0)
            return true;
    return false;
}

START_TEST(test_shrink_keeps_options_that_matter)
{
    struct scenario *s = scenario_create("options");
    size_t c = scenario_client_add(s, "c", "c", "c");
    struct scenario_step *st = scenario_step_add(s, SCENARIO_STEP_CONNECT, c);
    scenario_string_set(&st->connect.resource, "x");
    st->connect.auth = false;
    scenario_string_set(&scenario_step_add(s, SCENARIO_STEP_REGISTER, c)->reg.password, "pw");
    shrink_scenario(s, connect_resource_x, NULL, 0, NULL);
    ck_assert_uint_eq(s->step_count, 1);
    ck_assert_str_eq(s->steps[0].connect.resource, "x");
    ck_assert(s->steps[0].connect.auth);   /* the option that did not matter went */
    ck_assert(s->steps[0].connect.bind);
    struct buf yaml = {0};
    ck_assert(emit_scenario(s, &yaml));
    ck_assert_ptr_nonnull(strstr(buf_cstr(&yaml), "  - c: {connect: {resource: x}}\n"));
    buf_free(&yaml);
    scenario_free(s);
}
END_TEST

Suite *shrink_suite(void)
{
    Suite *s = suite_create("shrink");
    TCase *tc = tcase_create("shrink");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_shrink_finds_the_minimal_close_after_presence, 0,
                        (int)COUNT(lengths));
    tcase_add_test(tc, test_shrink_respects_the_work_bound);
    tcase_add_test(tc, test_shrink_keeps_exactly_the_needed_steps);
    tcase_add_test(tc, test_shrink_joins_fragments_into_one_write);
    tcase_add_loop_test(tc, test_shrink_joins_byte_writes_as_bytes, 0, 5);
    tcase_add_test(tc, test_shrink_takes_stanzas_out_of_a_batched_write);
    tcase_add_test(tc, test_shrink_lowers_priorities_and_advances);
    tcase_add_test(tc, test_shrink_keeps_options_that_matter);
    suite_add_tcase(s, tc);
    return s;
}
