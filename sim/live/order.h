/* order: the order live workers take a corpus's scenarios in.
 *
 * A live run of the corpus (diff, bench) has several workers, each with
 * its own server. A worker takes its next scenario from queues shared by
 * all (pipes of indices, filled before the workers start), so none waits
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

/* Writes the indices order[0..n) to fd, a pipe's write end, for
 * order_take; false on an error (errno set). The pipe must hold them all
 * (n * 4 bytes, below its 64 KiB): the caller writes before any reader
 * starts. */
bool order_fill(int fd, const size_t *order, size_t n);

/* Takes the next index from fd, the read end of a pipe order_fill wrote
 * and whose write ends are all closed; false once it is empty. Several
 * processes may take from one pipe: each index goes to one of them. */
bool order_take(int fd, size_t *index);

#endif
