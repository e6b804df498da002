/* order: what a scenario is known to cost live, longest first with ties
 * in path order, and a queue that hands every index out once. */
#include <check.h>
#include <stdint.h>
#include <unistd.h>

#include "base/count.h"
#include "live/order.h"
#include "run/target.h"
#include "scenario/scenario.h"
#include "suites.h"

static void add_advance(struct scenario *s, uint64_t ms)
{
    scenario_step_add(s, SCENARIO_STEP_ADVANCE, SCENARIO_NO_CLIENT)->advance_ms = ms;
}

START_TEST(test_order_cost_counts_real_waits_and_restarts)
{
    struct scenario *s = scenario_create("cost");
    scenario_account_add(s, "romeo", NULL);
    scenario_client_add(s, "romeo", "romeo", "orchard");
    scenario_step_add(s, SCENARIO_STEP_CONNECT, 0);
    add_advance(s, 2000);
    add_advance(s, TARGET_REAL_ADVANCE_MAX_MS);
    add_advance(s, TARGET_REAL_ADVANCE_MAX_MS + 1);   /* skipped live: no wait */
    scenario_step_add(s, SCENARIO_STEP_RESTART, SCENARIO_NO_CLIENT);
    ck_assert_uint_eq(order_cost_ms(s), 2000 + TARGET_REAL_ADVANCE_MAX_MS + ORDER_RESTART_MS);
    s->target = SCENARIO_TARGET_MODEL;   /* not run live */
    ck_assert_uint_eq(order_cost_ms(s), 0);
    scenario_free(s);
}
END_TEST

START_TEST(test_order_cost_zero_without_waits)
{
    struct scenario *s = scenario_create("plain");
    scenario_account_add(s, "romeo", NULL);
    scenario_client_add(s, "romeo", "romeo", "orchard");
    scenario_step_add(s, SCENARIO_STEP_CONNECT, 0);
    scenario_step_add(s, SCENARIO_STEP_CLOSE, 0);
    ck_assert_uint_eq(order_cost_ms(s), 0);
    scenario_free(s);
}
END_TEST

START_TEST(test_order_longest_first_ties_in_index_order)
{
    static const uint64_t cost[] = {0, 5, 0, 10, 5, 0};
    static const size_t want[] = {3, 1, 4, 0, 2, 5};
    size_t order[COUNT(cost)];
    order_longest_first(cost, COUNT(cost), order);
    for (size_t i = 0; i < COUNT(cost); i++)
        ck_assert_uint_eq(order[i], want[i]);
    order_longest_first(cost, 0, order);   /* nothing to sort */
}
END_TEST

/* Enough workers for the costs to end with the longest, leaving one for
 * the rest: costs, jobs, workers. */
static const struct {
    uint64_t cost[4];
    size_t jobs, want;
} long_rows[] = {
    {{10, 5, 5, 0}, 8, 2},    /* 20 / 10 */
    {{10, 5, 5, 1}, 8, 3},    /* 21 / 10, rounded up */
    {{5, 5, 5, 5}, 8, 4},
    {{5, 5, 5, 5}, 3, 2},     /* one worker kept for the rest */
    {{5, 5, 5, 5}, 1, 0},     /* a single worker takes everything in turn */
    {{0, 0, 0, 0}, 8, 0},     /* no costs */
};

START_TEST(test_order_long_workers)
{
    ck_assert_uint_eq(order_long_workers(long_rows[_i].cost, 4, long_rows[_i].jobs),
                      long_rows[_i].want);
}
END_TEST

START_TEST(test_order_queue_hands_each_index_once_in_order)
{
    static const size_t order[] = {7, 0, 70000, 3};
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert(order_fill(p[1], order, COUNT(order)));
    close(p[1]);
    size_t got;
    for (size_t i = 0; i < COUNT(order); i++) {
        ck_assert(order_take(p[0], &got));
        ck_assert_uint_eq(got, order[i]);
    }
    ck_assert(!order_take(p[0], &got));   /* empty: every reader is done */
    close(p[0]);
}
END_TEST

START_TEST(test_order_take_refuses_a_torn_index)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], "ab", 2), 2);
    close(p[1]);
    size_t got = 42;
    ck_assert(!order_take(p[0], &got));
    ck_assert_uint_eq(got, 42);
    close(p[0]);
}
END_TEST

Suite *order_suite(void)
{
    Suite *s = suite_create("order");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_order_cost_counts_real_waits_and_restarts);
    tcase_add_test(tc, test_order_cost_zero_without_waits);
    tcase_add_test(tc, test_order_longest_first_ties_in_index_order);
    tcase_add_loop_test(tc, test_order_long_workers, 0, COUNT(long_rows));
    tcase_add_test(tc, test_order_queue_hands_each_index_once_in_order);
    tcase_add_test(tc, test_order_take_refuses_a_torn_index);
    suite_add_tcase(s, tc);
    return s;
}
