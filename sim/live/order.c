/* order: longest first, from one queue (see order.h). */
#include "live/order.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/mem.h"
#include "run/target.h"

uint64_t order_cost_ms(const struct scenario *s)
{
    if (s->target == SCENARIO_TARGET_MODEL)
        return 0;
    uint64_t ms = 0;
    for (size_t i = 0; i < s->step_count; i++) {
        const struct scenario_step *st = &s->steps[i];
        if (st->kind == SCENARIO_STEP_ADVANCE && st->advance_ms <= TARGET_REAL_ADVANCE_MAX_MS)
            ms += st->advance_ms;
        else if (st->kind == SCENARIO_STEP_RESTART)
            ms += ORDER_RESTART_MS;
    }
    return ms;
}

struct order_item {
    uint64_t cost;
    size_t index;
};

/* Highest cost first, then index order: total, so qsort's order is fixed. */
static int by_cost(const void *a, const void *b)
{
    const struct order_item *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

void order_longest_first(const uint64_t *cost, size_t n, size_t *order)
{
    struct order_item *items = mem_realloc(NULL, (n > 0 ? n : 1) * sizeof *items);
    for (size_t i = 0; i < n; i++)
        items[i] = (struct order_item){cost[i], i};
    qsort(items, n, sizeof *items, by_cost);
    for (size_t i = 0; i < n; i++)
        order[i] = items[i].index;
    free(items);
}

size_t order_long_workers(const uint64_t *cost, size_t n, size_t jobs)
{
    uint64_t sum = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        sum += cost[i];
        max = cost[i] > max ? cost[i] : max;
    }
    if (max == 0 || jobs < 2)
        return 0;
    uint64_t need = (sum + max - 1) / max;
    return need < jobs - 1 ? (size_t)need : jobs - 1;
}

/* Indices travel as 4 bytes: one read of 4 bytes from a pipe holding
 * whole records takes one record whole (the pipe's lock), whichever
 * process reads. */
bool order_fill(int fd, const size_t *order, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)order[i];
        ssize_t w;
        do
            w = write(fd, &v, sizeof v);
        while (w < 0 && errno == EINTR);
        if (w != (ssize_t)sizeof v)
            return false;
    }
    return true;
}

bool order_take(int fd, size_t *index)
{
    uint32_t v;
    size_t got = 0;
    while (got < sizeof v) {
        ssize_t r = read(fd, (char *)&v + got, sizeof v - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    *index = v;
    return true;
}
