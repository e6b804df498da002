/* table: the figures of one benchmark run, one row each, printed as one
 * aligned table and written as JSON.
 *
 * A row is a workload ("parser"), a metric ("ratio sessim/expat"), the
 * measured value, its unit, and the goal it is held to ("" for none;
 * ">= 0.7", "<= 1024"); the table marks each goal met or MISSED. The
 * table owns copies of every string. A zeroed struct table is empty.
 */
#ifndef SESSIM_SIM_TABLE_H
#define SESSIM_SIM_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct table_entry {
    char *workload, *metric, *unit, *goal;
    double value;
};

struct table {
    struct table_entry *rows;
    size_t n, cap;
};

/* Adds a row (copies of the strings). */
void table_row(struct table *t, const char *workload, const char *metric, double value,
               const char *unit, const char *goal);
/* Prints the table to f: a heading, then one line per row. */
void table_print(const struct table *t, FILE *f);
/* Writes {"benchmarks": [...]} to the file at path; false when it cannot
 * be written. */
bool table_json(const struct table *t, const char *path);
/* Releases the rows; the table is empty and reusable. */
void table_free(struct table *t);

#endif
