/* pool: worker processes for numbered tasks (see pool.h).
 *
 * On a worker's pipe each result is its length (a size_t) then its bytes.
 */
#include "base/pool.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/exit.h"
#include "base/mem.h"
#include "base/proc.h"

struct pool_worker {
    size_t first, jobs, tasks;
    pool_work *work;
    void *ctx;
};

struct pool {
    size_t jobs;
    struct proc *procs;
};

static int worker_body(void *ctx, int fd)
{
    const struct pool_worker *w = ctx;
    struct buf out = {0};
    int status = EXIT_OK;
    for (size_t i = w->first; i < w->tasks; i += w->jobs) {
        buf_clear(&out);
        bool stop = w->work(w->ctx, i, &out);
        size_t n = out.len;
        if (!proc_write_all(fd, (const char *)&n, sizeof n) ||
            !proc_write_all(fd, out.data, out.len)) {
            status = EXIT_PIPE;
            break;
        }
        if (stop)
            break;
    }
    buf_free(&out);
    return status;
}

struct pool *pool_new(size_t jobs, size_t tasks, pool_work *work, void *ctx)
{
    struct pool *p = mem_calloc(1, sizeof *p);
    p->procs = mem_calloc(jobs, sizeof *p->procs);
    struct proc_options po = {.pipe = true, .death_signal = SIGKILL};
    for (size_t w = 0; w < jobs; w++) {
        struct pool_worker body = {w, jobs, tasks, work, ctx};
        if (!proc_spawn(worker_body, &body, &po, &p->procs[w])) {
            int e = errno;
            pool_free(p);
            errno = e;
            return NULL;
        }
        p->jobs = w + 1;
    }
    return p;
}

/* Reads exactly n bytes; false at an early end or an error. */
static bool read_exact(int fd, char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

bool pool_next(struct pool *p, size_t i, struct buf *out)
{
    buf_clear(out);
    int fd = p->procs[i % p->jobs].fd;
    size_t n;
    if (!read_exact(fd, (char *)&n, sizeof n))
        return false;
    char chunk[4096];
    while (n > 0) {
        size_t k = n < sizeof chunk ? n : sizeof chunk;
        if (!read_exact(fd, chunk, k))
            return false;
        buf_append(out, chunk, k);
        n -= k;
    }
    return true;
}

void pool_free(struct pool *p)
{
    if (p == NULL)
        return;
    for (size_t w = 0; w < p->jobs; w++) {
        kill(p->procs[w].pid, SIGKILL);
        close(p->procs[w].fd);
        proc_wait(p->procs[w].pid, true, NULL);
    }
    free(p->procs);
    free(p);
}

void pool_put(struct buf *b, const void *p, size_t n)
{
    buf_append(b, p, n);
}

void pool_put_str(struct buf *b, const char *s)
{
    size_t n = s != NULL ? strlen(s) : SIZE_MAX;
    pool_put(b, &n, sizeof n);
    if (s != NULL)
        pool_put(b, s, n);
}

bool pool_get(const struct buf *b, size_t *pos, void *p, size_t n)
{
    if (b->len - *pos < n)
        return false;
    memcpy(p, b->data + *pos, n);
    *pos += n;
    return true;
}

bool pool_get_str(const struct buf *b, size_t *pos, char **s)
{
    size_t n;
    *s = NULL;
    if (!pool_get(b, pos, &n, sizeof n))
        return false;
    if (n == SIZE_MAX)
        return true;
    if (b->len - *pos < n)
        return false;
    *s = mem_strndup(b->data + *pos, n);
    *pos += n;
    return true;
}
