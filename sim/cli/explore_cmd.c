/* explore_cmd: the command line of `sessim explore` (see explore_cmd.h). */
#include "cli/explore_cmd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/count.h"
#include "base/exit.h"
#include "explore/explore.h"
#include "base/pool.h"
#include "base/text.h"
#include "live/adapter.h"
#include "live/target_tcp.h"
#include "model/buf.h"

static const char explore_usage[] =
    "usage: sessim explore [--seed S] [--steps N] [--runs R] [--out DIR] [-v]\n"
    "                      [--no-fork] [--shrink-max N] [--time DURATION]\n"
    "                      [--seed-range A..B] [--json FILE] [--sm] [--jobs N]\n"
    "                      [--profile prosody|ejabberd|rfc]\n"
    "                      [--target tcp://127.0.0.1:PORT [--settle MS] [--prosody PROG]]\n"
    "                      [--pacing roundtrip|settle]\n"
    "                      [--server NAME|FILE [--target tcp://HOST:PORT] [--settle MS]]\n"
    "  Generates R random scenarios of N steps from seed S, runs each on the model\n"
    "  with every invariant checked after every step, and shrinks the first failure\n"
    "  to a minimal YAML reproducer that `sessim run FILE` fails the same way.\n"
    "  With --target, each run is also replayed on a Prosody that sessim starts on\n"
    "  127.0.0.1:PORT (0: a free port), a clean server per run, and the first\n"
    "  difference between the two servers' traffic is a failure, confirmed by a\n"
    "  second run, shrunk, and written with the model's traffic as its receive\n"
    "  steps: it passes on the model and fails with `sessim run --target`. Live\n"
    "  runs leave out advance and the known divergences steps would hit; defaults\n"
    "  become 20 runs x 30 steps and --shrink-max 150; runs are not forked.\n"
    "  With --server, the same against another server: a shipped adapter\n"
    "  (servers/NAME.yaml, e.g. ejabberd, started on a free port) or a server\n"
    "  description file; its known divergences are left out the same way.\n"
    "  --seed S        seed of the exploration, decimal or 0x hex (default: random,\n"
    "                  printed first)\n"
    "  --steps N       steps per run (default 200, at most 1000000)\n"
    "  --runs R        runs (default 100)\n"
    "  --out DIR       where reproducers are written (default reports/explore)\n"
    "  -v              one line per run; live: where the time went (stderr)\n"
    "  --no-fork       run in this process: faster, but a crash ends the exploration\n"
    "                  instead of being shrunk\n"
    "  --shrink-max N  at most N runs while shrinking (default 4000)\n"
    "  --time DURATION no run starts after DURATION (60s, 5m, 1h); without --runs\n"
    "                  the runs are then unbounded. The number of runs done (in the\n"
    "                  summary) then depends on the machine's speed\n"
    "  --seed-range A..B  one run per seed k in A..B, the same run as the first of\n"
    "                  `--seed k` (replaces --seed and --runs): shards for CI jobs\n"
    "  --json FILE     write a machine-readable summary (seeds, runs, steps, the\n"
    "                  failure with its rules and reproducer; no timings) to FILE;\n"
    "                  `sessim merge FILE...` combines the files of shards\n"
    "  --sm            add stream management (XEP-0198) to the vocabulary: enable,\n"
    "                  ack (bad h too), request, resume after a drop (right h,\n"
    "                  h 0, unknown id), a connection lost inside an <a/> or as\n"
    "                  <resumed/> arrives, clock jumps across the hibernation\n"
    "                  time (a seed then gives other scenarios than without --sm)\n"
    "  --profile NAME  the model follows prosody (default), ejabberd or rfc\n"
    "                  (model/SEMANTICS.md \"Profiles\"); the scenarios say so\n"
    "  --jobs N, -j N  spread the runs over N worker processes (at most 256); the\n"
    "                  output is the same as with one (not with --target)\n"
    "  --target URL    differential against a live Prosody (see above)\n"
    "  --settle MS     with --target: quiet time that ends a step (default 200)\n"
    "  --pacing P      with --target: roundtrip (pings end a step where they prove\n"
    "                  the server has finished, else the settle time; default for\n"
    "                  Prosody) or settle (the quiet time after every step)\n"
    "  --prosody PROG  with --target: the Prosody program (default: prosody from PATH)\n"
    "  --server NAME|FILE  differential against that server (see above)\n"
    "  Standard output is the same for the same options, byte for byte; the\n"
    "  throughput (steps/s) goes to standard error only.\n"
    "  Exit status: 0 nothing failed, 1 a failure was found, 2 usage error, the\n"
    "  reproducer could not be written, or the live server could not be run.\n";

static bool parse_count(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
        return false;
    *out = v;
    return true;
}

/* Entropy at the edge: a seed for runs that were not given one. */
static uint64_t fresh_seed(void)
{
    uint64_t seed = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f == NULL || fread(&seed, sizeof seed, 1, f) != 1)
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    if (f != NULL)
        fclose(f);
    return seed;
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "sessim explore: %s '%s'\nTry 'sessim explore --help'.\n", what, arg);
    return EXIT_USAGE;
}

/* "60s", "5m", "2h" or plain seconds; false when not a positive duration. */
static bool parse_duration(const char *s, double *out)
{
    static const char units[] = "smh";
    static const double scale[] = {1, 60, 3600};
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    const char *u = *end != '\0' ? strchr(units, *end) : units;
    if (errno != 0 || end == s || !(v > 0) || v > 1e7 || u == NULL || (*end && end[1] != '\0'))
        return false;
    *out = v * scale[u - units];
    return true;
}

/* "A..B" with A <= B and at most EXPLORE_RUNS_MAX seeds. */
static bool parse_range(const char *s, struct explore_options *o)
{
    const char *dots = strstr(s, "..");
    char first[32];
    uint64_t a, b;
    if (dots == NULL || (size_t)(dots - s) >= sizeof first)
        return false;
    snprintf(first, sizeof first, "%.*s", (int)(dots - s), s);
    if (!parse_count(first, UINT64_MAX, &a) || !parse_count(dots + 2, UINT64_MAX, &b) || b < a ||
        b - a >= EXPLORE_RUNS_MAX)
        return false;
    o->seed_range = true;
    o->seed = a;
    o->seed_last = b;
    return true;
}

/* What the command line says of the live server. */
struct live_args {
    const char *target, *settle, *pacing, *prosody, *server;
    bool profiled;             /* --profile given: it wins over the server's */
};

/* --target, --settle, --pacing, --prosody and --server; returns 1 when a
 * is none of them. */
static int parse_live(int argc, char **argv, int *i, struct live_args *la)
{
    const char *a = argv[*i];
    const char **slot = strcmp(a, "--target") == 0   ? &la->target
                        : strcmp(a, "--settle") == 0  ? &la->settle
                        : strcmp(a, "--pacing") == 0  ? &la->pacing
                        : strcmp(a, "--prosody") == 0 ? &la->prosody
                        : strcmp(a, "--server") == 0  ? &la->server
                                                      : NULL;
    if (slot == NULL)
        return 1;
    if (*i + 1 >= argc)
        return usage_error("option needs a value:", a);
    *slot = argv[++*i];
    return 0;
}

/* --time, --seed-range, --json and --profile; returns 1 when a is none of
 * them. */
static int parse_more(int argc, char **argv, int *i, struct explore_options *o, bool *seeded,
                      struct live_args *la)
{
    const char *a = argv[*i];
    if (strcmp(a, "--time") != 0 && strcmp(a, "--seed-range") != 0 && strcmp(a, "--json") != 0 &&
        strcmp(a, "--profile") != 0)
        return 1;
    if (*i + 1 >= argc)
        return usage_error("option needs a value:", a);
    const char *v = argv[++*i];
    if (a[2] == 'j')
        o->json_path = v;
    else if (a[2] == 'p' && !scenario_profile_parse(v, &o->profile))
        return usage_error("--profile must be prosody, ejabberd or rfc, not", v);
    else if (a[2] == 't' && !parse_duration(v, &o->time_limit))
        return usage_error("--time needs a duration such as 60s, 5m or 1h, not", v);
    else if (a[2] == 's' && !parse_range(v, o))
        return usage_error("--seed-range needs A..B with A <= B, not", v);
    *seeded |= a[2] == 's';
    la->profiled |= a[2] == 'p';
    return 0;
}

/* One option at argv[*i]; returns 0, or the exit status to stop with
 * (-1: --help). */
static int parse_option(int argc, char **argv, int *i, struct explore_options *o, bool *seeded,
                        struct live_args *la)
{
    static const char *const valued[] = {"--seed", "--steps", "--runs", "--out", "--shrink-max",
                                         "--jobs"};
    static const uint64_t max[] = {UINT64_MAX, EXPLORE_STEPS_MAX, EXPLORE_RUNS_MAX, 0,
                                   10000000, POOL_JOBS_MAX};
    const char *a = strcmp(argv[*i], "-j") == 0 ? "--jobs" : argv[*i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
        return -1;
    if (strcmp(a, "--sm") == 0) {
        o->sm = true;
        return 0;
    }
    if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0 || strcmp(a, "--no-fork") == 0) {
        o->verbose |= a[1] == 'v' || a[2] == 'v';
        o->isolate &= strcmp(a, "--no-fork") != 0;
        return 0;
    }
    int more = parse_more(argc, argv, i, o, seeded, la);
    if (more == 1)
        more = parse_live(argc, argv, i, la);
    if (more != 1)
        return more;
    for (size_t k = 0; k < COUNT(valued); k++) {
        if (strcmp(a, valued[k]) != 0)
            continue;
        if (*i + 1 >= argc)
            return usage_error("option needs a value:", a);
        const char *v = argv[++*i];
        uint64_t n = 0;
        if (k == 3) {
            o->out_dir = v;
            return 0;
        }
        if (!parse_count(v, max[k], &n) || (k != 0 && n == 0))
            return usage_error(k == 0 ? "--seed needs a non-negative integer, not"
                                      : "option needs a positive number within its bound, not",
                               v);
        *seeded |= k == 0;
        o->seed_range &= k != 0;   /* the last of --seed and --seed-range counts */
        o->seed = k == 0 ? n : o->seed;
        o->steps = k == 1 ? (size_t)n : o->steps;
        o->runs = k == 2 ? (size_t)n : o->runs;
        o->shrink_tests_max = k == 4 ? (size_t)n : o->shrink_tests_max;
        o->jobs = k == 5 ? (size_t)n : o->jobs;
        return 0;
    }
    return usage_error("unknown option", a);
}

/* The options that replay a reproducer on the same server. */
static void replay_options(const struct live_args *la, unsigned settle_ms, struct buf *replay)
{
    if (la->server != NULL) {
        if (la->target != NULL)
            text_printf(replay, "--target %s ", la->target);
        text_printf(replay, "--server %s", la->server);
    } else {
        buf_puts(replay, "--target tcp://127.0.0.1:0");
    }
    if (settle_ms != TARGET_TCP_SETTLE_DEFAULT_MS)
        text_printf(replay, " --settle %u", settle_ms);
    if (la->pacing != NULL)
        text_printf(replay, " --pacing %s", la->pacing);
    if (la->prosody != NULL)
        text_printf(replay, " --prosody %s", la->prosody);
}

/* The live server of --target or --server (with --settle, --pacing and
 * --prosody),
 * and the options that replay a reproducer on such a server. 0 or the
 * usage exit status. */
static int setup_live(const struct live_args *la, struct explore_options *o,
                      struct target_tcp_setup **setup, struct buf *replay)
{
    char err[ADAPTER_ERROR_MAX];
    if (la->target == NULL && la->settle == NULL && la->pacing == NULL && la->prosody == NULL &&
        la->server == NULL)
        return 0;
    if (la->target == NULL && la->server == NULL)
        return usage_error("option needs --target:", la->settle != NULL   ? "--settle"
                                                     : la->pacing != NULL ? "--pacing"
                                                                          : "--prosody");
    if (la->server != NULL && la->prosody != NULL)
        return usage_error("--server and --prosody exclude each other:", la->server);
    struct adapter_spec spec = {la->server, la->target, la->prosody, NULL};
    *setup = target_tcp_setup_new(&spec, la->settle, la->pacing, err, sizeof err);
    if (*setup == NULL) {
        fprintf(stderr, "sessim explore: %s\nTry 'sessim explore --help'.\n", err);
        return EXIT_USAGE;
    }
    o->live = target_tcp_setup_adapter(*setup);
    if (!la->profiled)
        o->profile = adapter_profile(o->live);
    o->settle_ms = target_tcp_setup_settle(*setup);
    replay_options(la, o->settle_ms, replay);
    o->replay_options = buf_cstr(replay);
    return 0;
}

int explore_cmd_main(int argc, char **argv)
{
    struct explore_options o = {.out_dir = EXPLORE_OUT_DEFAULT, .isolate = true};
    struct live_args la = {0};
    bool seeded = false;
    for (int i = 1; i < argc; i++) {
        int status = parse_option(argc, argv, &i, &o, &seeded, &la);
        if (status == -1) {
            fputs(explore_usage, stdout);
            return EXIT_OK;
        }
        if (status != 0)
            return status;
    }
    struct target_tcp_setup *setup = NULL;
    struct buf replay = {0};
    int status = setup_live(&la, &o, &setup, &replay);
    if (status != 0)
        return status;
    if (!seeded)
        o.seed = fresh_seed();
    struct explore_result res;
    status = explore_run(&o, stdout, stderr, &res);
    explore_result_free(&res);
    target_tcp_setup_free(setup);
    buf_free(&replay);
    return status;
}
