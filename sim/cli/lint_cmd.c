/* lint_cmd: `sessim lint` (see lint_cmd.h). */
#include "cli/lint_cmd.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/exit.h"
#include "base/usage.h"
#include "base/paths.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"

static const struct usage help = {"lint", LINT_CMD_LINE, LINT_CMD_SUMMARY, LINT_CMD_OPTIONS};

int lint_cmd_main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage_print(stdout, &help);
            return EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return usage_error(&help, "unknown option '%s' for 'lint'", argv[i]);
    }
    struct paths paths = {0};
    bool ok = paths_collect(argv + 1, (size_t)argc - 1, &paths);
    if (paths.len == 0) {
        usage_no_scenarios(argv + 1, (size_t)argc - 1, "to check");
        ok = false;
    }
    size_t errors = 0;
    for (size_t i = 0; i < paths.len; i++) {
        struct scenario_error err;
        struct scenario *s = loader_load(paths.items[i], &err);
        if (s == NULL) {
            char msg[SCENARIO_MESSAGE_MAX + 512];
            scenario_error_format(&err, msg, sizeof msg);
            printf("%s\n", msg);
            errors++;
        }
        scenario_free(s);
    }
    printf("%zu scenario%s checked, %zu with errors\n", paths.len, paths.len == 1 ? "" : "s",
           errors);
    paths_free(&paths);
    return ok && errors == 0 ? EXIT_OK : EXIT_USAGE;
}
