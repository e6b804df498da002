/* order: longest first, from shared lists (see order.h). */
#include "live/order.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/mem.h"
#include "model/buf.h"
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

/* The positions' file: the next position in each list. */
struct positions {
    uint64_t next[2];
};

/* A fresh temporary file, unlinked: its descriptor, or -1 (errno set). */
static int temp_file(void)
{
    const char *dir = getenv("TMPDIR");
    struct buf path = {0};
    buf_puts(&path, dir != NULL && dir[0] != '\0' ? dir : "/tmp");
    buf_puts(&path, "/sessim-queue.XXXXXX");
    int fd = mkstemp(path.data);
    if (fd >= 0)
        unlink(path.data);
    int err = errno;
    buf_free(&path);
    errno = err;
    return fd;
}

/* Locks (F_WRLCK) or unlocks (F_UNLCK) the positions; false on an error. */
static bool lock(int fd, short type)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0,
                       .l_len = (off_t)sizeof(struct positions)};
    int r;
    do
        r = fcntl(fd, F_SETLKW, &fl);
    while (r < 0 && errno == EINTR);
    return r == 0;
}

bool order_queue_open(struct order_queue *q, size_t *order, size_t n, size_t nfirst)
{
    *q = (struct order_queue){order, {nfirst, n - nfirst}, temp_file()};
    struct positions start = {{0, 0}};
    if (q->fd >= 0 &&
        pwrite(q->fd, &start, sizeof start, 0) == (ssize_t)sizeof start &&
        fcntl(q->fd, F_SETFD, FD_CLOEXEC) == 0)
        return true;
    int err = errno;
    order_queue_close(q);
    errno = err;
    return false;
}

bool order_queue_take(const struct order_queue *q, size_t list, size_t *index)
{
    if (q->fd < 0 || list > 1 || !lock(q->fd, F_WRLCK))
        return false;
    struct positions at;
    bool ok = pread(q->fd, &at, sizeof at, 0) == (ssize_t)sizeof at && at.next[list] < q->len[list];
    if (ok) {
        *index = q->order[(list == 1 ? q->len[0] : 0) + at.next[list]];
        at.next[list]++;
        ok = pwrite(q->fd, &at, sizeof at, 0) == (ssize_t)sizeof at;
    }
    lock(q->fd, F_UNLCK);
    return ok;
}

void order_queue_close(struct order_queue *q)
{
    free(q->order);
    q->order = NULL;
    if (q->fd >= 0)
        close(q->fd);
    q->fd = -1;
}
