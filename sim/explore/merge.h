/* merge: `sessim merge FILE...`, one summary from the --json reports that
 * shards of `sessim explore` wrote (explore.h). The reports are read with
 * libyaml (JSON is a subset of its flow syntax); the output is the total
 * runs and steps, the seeds of each shard and every failure with its
 * violated rules and reproducer, in the order of the files given.
 */
#ifndef SESSIM_SIM_MERGE_H
#define SESSIM_SIM_MERGE_H

#include <stdio.h>

/* Merges the reports named by paths[0..n) and prints the summary on out
 * (complaints about unreadable files too). Returns 0 when no shard
 * failed, 1 when one did, 2 when a file is missing or is not a report. */
int merge_reports(const char *const *paths, size_t n, FILE *out);


#endif
