/* merge_cmd: `sessim merge` (see merge_cmd.h). */
#include "cli/merge_cmd.h"

#include <stdio.h>
#include <string.h>

#include "explore/merge.h"

int merge_cmd_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs("usage: sessim merge FILE...\n"
              "  Merges the --json reports of `sessim explore` shards into one summary.\n"
              "  Exit status: 0 no shard failed, 1 a shard failed, 2 a file is not a report.\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    return merge_reports((const char *const *)(argv + 1), (size_t)(argc - 1), stdout);
}
