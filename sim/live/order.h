/* order: the order live workers take a corpus's scenarios in.
 *
 * A live run of the corpus (diff, bench) has several workers, each with
 * its own server. A worker takes its next scenario from queues shared by
 * all (order_queue: lists made before the workers start), so none waits
 * idle while another still has a row of scenarios to run. One queue holds
 * the few scenarios that wait on real timers for seconds (`advance`),
 * longest first: they start at once instead of last, where one of them
 * alone would set the end of the run. Some of the workers start on it,
 * the others on the queue of the rest, in path order, which keep the
 * cores busy while the first wait; each worker takes from the other queue
 * once its own is empty. What each scenario does and what is printed, in
 * path order, do not depend on the order; only the wall time does
 * (sim/README.md "Spares").
 */
#ifndef SESSIM_SIM_ORDER_H
#define SESSIM_SIM_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"

/* Milliseconds a live run of s is known to take whatever the server's
 * speed: its real waits (`advance` of at most TARGET_REAL_ADVANCE_MAX_MS)
 * and ORDER_RESTART_MS for each `restart`. 0 for a `target: model`
 * scenario or one with none of these. */
#define ORDER_RESTART_MS 100u
uint64_t order_cost_ms(const struct scenario *s);

/* Fills order[0..n) with 0..n-1 sorted by cost (n entries), highest
 * first, equal costs in index order. */
void order_longest_first(const uint64_t *cost, size_t n, size_t *order);

/* How many of jobs workers start on the scenarios with a cost (real
 * waits), the others starting on the rest: as many as the costs need to
 * end about when the longest does (their sum over the highest, rounded
 * up), at most jobs - 1 so that the others keep the cores busy meanwhile
 * (the costs being waits, not CPU); 0 when no scenario has a cost. */
size_t order_long_workers(const uint64_t *cost, size_t n, size_t jobs);

/* The two lists workers take scenarios from: list 0 the first `nfirst`
 * of an order (the ones with a cost), list 1 the rest. Shared by the
 * processes forked after order_queue_open: the lists stay in the
 * opener's memory (each fork has its copy) and the next position in each
 * is in a temporary file (unlinked at once) that every process reads and
 * advances under a POSIX record lock, so each index goes to exactly one
 * process, whatever the number of indices. */
struct order_queue {
    size_t *order;      /* owned: list 0, then list 1 */
    size_t len[2];
    int fd;             /* the positions' file; -1: closed */
};

/* Opens a queue over order[0..n) (taken over: freed by order_queue_close,
 * also on failure), list 0 being its first nfirst; false on failure
 * (errno set; *q is then closed). */
bool order_queue_open(struct order_queue *q, size_t *order, size_t n, size_t nfirst);

/* Takes the next index of list 0 or 1 into *index; false once that list
 * is empty (or on an error reading the positions: the process takes no
 * more from it). */
bool order_queue_take(const struct order_queue *q, size_t list, size_t *index);

/* Frees the lists and closes this process's handle on the positions
 * (processes forked before keep theirs). */
void order_queue_close(struct order_queue *q);

#endif
