/* order: what a scenario is known to cost live, longest first with ties
 * in path order, and a queue that hands every index out once, to any
 * number of processes. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/count.h"
#include "base/mem.h"
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
    static const size_t want[] = {7, 0, 70000, 3, 9};
    size_t *order = mem_realloc(NULL, sizeof want);
    memcpy(order, want, sizeof want);
    struct order_queue q;
    ck_assert(order_queue_open(&q, order, COUNT(want), 2));
    size_t got;
    ck_assert(order_queue_take(&q, 1, &got));   /* each list from its own start */
    ck_assert_uint_eq(got, 70000);
    for (size_t i = 0; i < 2; i++) {
        ck_assert(order_queue_take(&q, 0, &got));
        ck_assert_uint_eq(got, want[i]);
    }
    ck_assert(!order_queue_take(&q, 0, &got));   /* list 0 is empty */
    for (size_t i = 3; i < COUNT(want); i++) {
        ck_assert(order_queue_take(&q, 1, &got));
        ck_assert_uint_eq(got, want[i]);
    }
    ck_assert(!order_queue_take(&q, 1, &got));
    ck_assert(!order_queue_take(&q, 2, &got));   /* no such list */
    order_queue_close(&q);
    ck_assert(!order_queue_take(&q, 1, &got));   /* closed */
    order_queue_close(&q);                        /* twice: a no-op */
}
END_TEST

/* More indices than a pipe holds (64 KiB of 4-byte records), taken by
 * processes forked after the queue opened: each exactly once. */
#define ORDER_MANY 40000u
#define ORDER_TAKERS 3

START_TEST(test_order_queue_shared_by_forks)
{
    size_t *order = mem_realloc(NULL, ORDER_MANY * sizeof *order);
    for (size_t i = 0; i < ORDER_MANY; i++)
        order[i] = ORDER_MANY - 1 - i;
    struct order_queue q;
    ck_assert(order_queue_open(&q, order, ORDER_MANY, 0));
    int p[2], go[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(pipe(go), 0);
    pid_t pids[ORDER_TAKERS];
    for (size_t k = 0; k < ORDER_TAKERS; k++) {
        pids[k] = fork();
        ck_assert_int_ge(pids[k], 0);
        if (pids[k] == 0) {   /* from the same moment, takes until empty */
            close(p[0]);
            close(go[1]);
            char c;
            if (read(go[0], &c, 1) != 0)
                _exit(1);
            size_t got;
            while (order_queue_take(&q, 1, &got)) {
                uint32_t v = (uint32_t)got;
                if (write(p[1], &v, sizeof v) != (ssize_t)sizeof v)
                    _exit(1);
            }
            _exit(0);
        }
    }
    close(p[1]);
    close(go[0]);
    close(go[1]);            /* all start */
    order_queue_close(&q);   /* the takers keep theirs */
    unsigned char *seen = mem_realloc(NULL, ORDER_MANY);
    memset(seen, 0, ORDER_MANY);
    size_t n = 0;
    uint32_t v;
    for (;;) {
        ssize_t r = read(p[0], &v, sizeof v);
        if (r <= 0)
            break;
        ck_assert_int_eq(r, (ssize_t)sizeof v);
        ck_assert_uint_lt(v, ORDER_MANY);
        ck_assert_uint_eq(seen[v], 0);
        seen[v] = 1;
        n++;
    }
    close(p[0]);
    for (size_t k = 0; k < ORDER_TAKERS; k++) {
        int status;
        ck_assert_int_eq(waitpid(pids[k], &status, 0), pids[k]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    ck_assert_uint_eq(n, ORDER_MANY);
    free(seen);
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
    tcase_add_test(tc, test_order_queue_shared_by_forks);
    suite_add_tcase(s, tc);
    return s;
}
