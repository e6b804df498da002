/* merge_cmd: `sessim merge FILE...`: merges the --json reports of
 * `sessim explore` shards into one summary (explore/merge.h). Exit
 * status: 0 no shard failed, 1 a shard failed, 2 a file is not a report.
 */
#ifndef SESSIM_SIM_MERGE_CMD_H
#define SESSIM_SIM_MERGE_CMD_H

/* `sessim merge FILE...`: argv[0] is the command name. */
int merge_cmd_main(int argc, char **argv);

#endif
