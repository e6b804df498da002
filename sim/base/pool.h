/* pool: numbered tasks spread over worker processes, their results read
 * back in task order (`sessim explore --jobs N`, `sessim run -j N`).
 *
 * Worker w of N does tasks w, w+N, w+2N, ... (in a forked child, with
 * what the parent had at pool_new) and writes each task's result, a byte
 * string, to its pipe as it goes; the parent reads them in order 0, 1,
 * 2, ... with pool_next, so what it prints from them is what one process
 * doing the tasks in order would print. A worker stops early when its
 * work says so (a failure after which nothing is used). pool_free ends
 * every worker (results done ahead are discarded) and reaps it; workers
 * die with the parent (PR_SET_PDEATHSIG).
 *
 * The pool_put_ and pool_get_ helpers pack a result: raw bytes (both ends
 * are the same program image) and strings with their length.
 */
#ifndef SESSIM_SIM_POOL_H
#define SESSIM_SIM_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "model/buf.h"

#define POOL_JOBS_MAX 256

/* Does task i in a worker, appending its result to out (empty). Returns
 * true when the worker is to stop after it. */
typedef bool pool_work(void *ctx, size_t i, struct buf *out);

struct pool;

/* Starts jobs workers (1..POOL_JOBS_MAX) for tasks 0..tasks-1; work and
 * ctx are used in the children only. NULL when a fork failed (errno set).
 * Free with pool_free. */
struct pool *pool_new(size_t jobs, size_t tasks, pool_work *work, void *ctx);

/* Reads task i's result into out (cleared first). Tasks must be read in
 * order. False when its worker ended without it (crashed, killed, or it
 * stopped early). */
bool pool_next(struct pool *p, size_t i, struct buf *out);

/* Ends and reaps every worker; NULL is a no-op. */
void pool_free(struct pool *p);

/* Appends n raw bytes / a string (NULL allowed) to b. */
void pool_put(struct buf *b, const void *p, size_t n);
void pool_put_str(struct buf *b, const char *s);

/* Reads back what pool_put / pool_put_str wrote, from b at *pos (moved
 * past it). pool_get: false when fewer than n bytes are left.
 * pool_get_str: a copy (free it; NULL when NULL was put) into *s; false
 * when b is short. */
bool pool_get(const struct buf *b, size_t *pos, void *p, size_t n);
bool pool_get_str(const struct buf *b, size_t *pos, char **s);

#endif
