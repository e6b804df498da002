/* serve_cmd: `sessim serve` and `sessim record` (serve_cmd.h). */
#include "cli/serve_cmd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exit.h"
#include "base/usage.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "live/adapter.h"
#include "live/hostport.h"
#include "live/target_tcp.h"
#include "run/preset.h"
#include "serve/net.h"
#include "serve/proxy.h"
#include "serve/recorder.h"
#include "serve/server.h"

static const char serve_usage[] =
    "usage: sessim serve [--listen HOST:PORT] [--seed N] [--clock real|manual]\n"
    "                    [--record DIR] [--max-connections N] [--max-output BYTES]\n"
    "                    [--idle-timeout MS] [FILE.yaml]\n"
    "  the model as an XMPP server that real clients connect to (plain TCP, SASL PLAIN)\n"
    "  FILE.yaml          a scenario whose server: and accounts: preset the server\n"
    "                     (its steps are not run; default: no accounts, registration on)\n"
    "  --listen HOST:PORT where to listen (default 127.0.0.1:15222; port 0: a free one,\n"
    "                     logged); a warning when HOST is not a loopback address\n"
    "  --seed N           seed of the model (default 0)\n"
    "  --clock real       the model clock follows real time (default)\n"
    "  --clock manual     the model clock stays at its start date (reproducible output)\n"
    "  --record DIR       when stopped, write the traffic as scenarios: DIR/all.yaml\n"
    "                     (every connection; replays on the model) and DIR/conn-N.yaml\n"
    "                     (one connection's view; replays alone only when it did not\n"
    "                     depend on the others)\n"
    "  --max-connections N  connections open at once (default 1024; more are refused)\n"
    "  --max-output BYTES   unread output per connection before it is closed (default 1 MiB)\n"
    "  --idle-timeout MS    unauthenticated connections quiet this long are closed (60000)\n"
    "  One line per connection event on stderr; SIGINT or SIGTERM stops it (exit 0).\n";

static const char record_usage[] =
    "usage: sessim record --listen HOST:PORT --upstream tcp://HOST:PORT [--out FILE]\n"
    "                     [--redact] [--max-connections N] [--max-output BYTES] [FILE.yaml]\n"
    "       sessim record --listen HOST:PORT --upstream prosody [--prosody PROG] [--out FILE]\n"
    "                     [--redact] [FILE.yaml]\n"
    "  a proxy between real clients and a real server that writes one scenario of\n"
    "  everything that passed when stopped (SIGINT or SIGTERM, exit 0)\n"
    "  --listen HOST:PORT   where clients connect (port 0: a free one, logged)\n"
    "  --upstream tcp://HOST:PORT  the server every client connection is passed to\n"
    "  --upstream prosody   a Prosody that sessim starts on a free port of 127.0.0.1\n"
    "                       with FILE.yaml's server: and accounts:, and stops at the end\n"
    "  --prosody PROG       the Prosody program (default: prosody from PATH)\n"
    "  --out FILE           the scenario (default: standard output)\n"
    "  --redact             passwords written as " RECORDER_REDACTED "; the replay then needs\n"
    "                       the real ones under accounts:\n"
    "  FILE.yaml            the accounts the server has (default: the accounts clients\n"
    "                       authenticated as with SASL PLAIN, rosters from their first\n"
    "                       roster result)\n"
    "  Negotiation is folded into `connect`; client stanzas are `send`; server stanzas\n"
    "  `receive` patterns with {any} for the ids, stamps and versions the server chose.\n";

struct serve_cmd_opts {
    const char *listen, *seed, *clock, *record, *conns, *out_max, *idle, *file;
    const char *upstream, *out, *prosody;
    bool redact, help;
};

/* A usage error of command cmd ("serve", "record"): base/usage's message. */
static int serve_cmd_usage(const char *cmd, const char *fmt, const char *arg)
{
    struct usage u = {.name = cmd};
    return usage_error(&u, fmt, arg);
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
        return false;
    *out = v;
    return true;
}

/* The option names with a value, and where each is stored. */
static const char **valued_slot(struct serve_cmd_opts *o, const char *arg, size_t *namelen)
{
    static const char *const names[] = {"--listen", "--seed", "--clock", "--record",
                                        "--max-connections", "--max-output", "--idle-timeout",
                                        "--upstream", "--out", "--prosody"};
    const char **slots[] = {&o->listen, &o->seed, &o->clock, &o->record, &o->conns,
                            &o->out_max, &o->idle, &o->upstream, &o->out,
                            &o->prosody};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t n = strlen(names[k]);
        if (strncmp(arg, names[k], n) == 0 && (arg[n] == '\0' || arg[n] == '=')) {
            *namelen = n;
            return slots[k];
        }
    }
    return NULL;
}

/* Parses argv into o; 0, or the usage exit status after a message. With
 * --help, prints usage and sets o->help. */
static int serve_cmd_parse(int argc, char **argv, struct serve_cmd_opts *o, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        size_t n = 0;
        const char **slot = valued_slot(o, arg, &n);
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            o->help = true;
        } else if (strcmp(arg, "--redact") == 0) {
            o->redact = true;
        } else if (slot != NULL) {
            if (arg[n] == '=')
                *slot = arg + n + 1;
            else if (i + 1 < argc)
                *slot = argv[++i];
            else
                return serve_cmd_usage(argv[0], "option '%s' needs a value", arg);
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return serve_cmd_usage(argv[0], "unknown option '%s'", arg);
        } else if (o->file == NULL) {
            o->file = arg;
        } else {
            return serve_cmd_usage(argv[0], "one scenario file only, not also '%s'", arg);
        }
    }
    if (o->help)
        fputs(usage, stdout);
    return 0;
}

static int parse_listen(const char *cmd, const char *text, struct net_endpoint *e)
{
    char err[256];
    if (net_endpoint_parse(text, e, err, sizeof err))
        return 0;
    return serve_cmd_usage(cmd, "--listen: %s", err);
}

/* Limits and numbers of serve; 0 or the usage status. */
static int serve_numbers(const struct serve_cmd_opts *o, struct server_options *so)
{
    struct {
        const char *text, *name;
        uint64_t min;
    } rows[] = {{o->seed, "--seed", 0}, {o->conns, "--max-connections", 1},
                {o->out_max, "--max-output", 1024}, {o->idle, "--idle-timeout", 1}};
    uint64_t *dst[4];
    uint64_t conns = so->limits.connections_max, out_max = so->limits.out_max;
    dst[0] = &so->seed;
    dst[1] = &conns;
    dst[2] = &out_max;
    dst[3] = &so->limits.idle_ms;
    for (size_t k = 0; k < 4; k++) {
        if (rows[k].text == NULL)
            continue;
        if (!parse_u64(rows[k].text, dst[k]) || *dst[k] < rows[k].min)
            return serve_cmd_usage("serve", "bad value for %s", rows[k].name);
    }
    so->limits.connections_max = (size_t)conns;
    so->limits.out_max = (size_t)out_max;
    return 0;
}

static int serve_clock(const char *text, enum server_clock *out)
{
    if (text == NULL || strcmp(text, "real") == 0)
        *out = SERVER_CLOCK_REAL;
    else if (strcmp(text, "manual") == 0)
        *out = SERVER_CLOCK_MANUAL;
    else
        return serve_cmd_usage("serve", "--clock is real or manual, not '%s'", text);
    return 0;
}

/* The scenario presetting the server: the file, or an empty one. */
static struct scenario *serve_setup(const char *file)
{
    if (file == NULL)
        return scenario_create("sessim serve");
    struct scenario_error err;
    struct scenario *s = loader_load(file, &err);
    if (s == NULL) {
        char msg[SCENARIO_MESSAGE_MAX + 512];
        scenario_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
    }
    return s;
}

int serve_cmd_serve(int argc, char **argv)
{
    struct serve_cmd_opts o = {0};
    int status = serve_cmd_parse(argc, argv, &o, serve_usage);
    if (status != 0 || o.help)
        return status;
    if (o.upstream != NULL || o.out != NULL || o.redact || o.prosody != NULL)
        return serve_cmd_usage("serve", "%s",
                               "--upstream, --out, --redact and --prosody are for record");
    struct server_options so = {.log = stderr};
    peer_limits_default(&so.limits);
    so.record_dir = o.record;
    if ((status = parse_listen("serve", o.listen ? o.listen : SERVER_LISTEN_DEFAULT, &so.listen)) ||
        (status = serve_numbers(&o, &so)) || (status = serve_clock(o.clock, &so.clock)))
        return status;
    struct scenario *setup = serve_setup(o.file);
    if (setup == NULL)
        return EXIT_USAGE;
    so.setup = setup;
    status = server_run(&so);
    scenario_free(setup);
    return status;
}

/* --upstream prosody: a Prosody preset from setup, started; NULL after a
 * message on failure. */
static struct adapter *record_prosody(const char *prog, const struct scenario *setup,
                                      struct net_endpoint *up)
{
    char err[ADAPTER_ERROR_MAX];
    struct adapter_spec spec = {.prosody = prog};
    struct adapter *a = adapter_open(&spec, err, sizeof err);
    if (a == NULL) {
        fprintf(stderr, "record: %s\n", err);
        return NULL;
    }
    struct target *t = target_tcp_new(a, setup, TARGET_TCP_SETTLE_DEFAULT_MS, err, sizeof err);
    unsigned long line = 0;
    bool ok = t != NULL && preset_accounts(setup, t, &line) && adapter_start(a);
    if (!ok)
        fprintf(stderr, "record: cannot start Prosody: %s\n",
                t == NULL ? err : line ? target_error(t) : adapter_error(a));
    target_free(t);
    if (!ok) {
        adapter_free(a);
        return NULL;
    }
    char text[HOSTPORT_HOST_MAX + 16];
    adapter_address(a, text, sizeof text);
    net_endpoint_parse(text, up, err, sizeof err);
    fprintf(stderr, "record: Prosody %s started on %s\n", adapter_version(a), text);
    return a;
}

/* Options of record into po; 0 or the usage status. */
static int record_options(const struct serve_cmd_opts *o, struct proxy_options *po)
{
    char err[256];
    if (o->listen == NULL || o->upstream == NULL)
        return serve_cmd_usage("record", "%s", "--listen and --upstream are required");
    if (o->seed != NULL || o->clock != NULL || o->record != NULL || o->idle != NULL)
        return serve_cmd_usage("record", "%s",
                               "--seed, --clock, --record and --idle-timeout are for serve");
    bool prosody = strcmp(o->upstream, "prosody") == 0;
    if (o->prosody != NULL && !prosody)
        return serve_cmd_usage("record", "%s", "--prosody needs --upstream prosody");
    if (!prosody && !net_endpoint_parse(o->upstream, &po->upstream, err, sizeof err))
        return serve_cmd_usage("record", "--upstream: %s", err);
    struct server_options so = {.limits = po->limits};
    int status = parse_listen("record", o->listen, &po->listen);
    if (status == 0)
        status = serve_numbers(o, &so);
    po->limits = so.limits;
    po->out = o->out;
    po->redact = o->redact;
    return status;
}

int serve_cmd_record(int argc, char **argv)
{
    struct serve_cmd_opts o = {0};
    int status = serve_cmd_parse(argc, argv, &o, record_usage);
    if (status != 0 || o.help)
        return status;
    struct proxy_options po = {.log = stderr};
    peer_limits_default(&po.limits);
    if ((status = record_options(&o, &po)) != 0)
        return status;
    struct scenario *setup = o.file != NULL ? serve_setup(o.file) : NULL;
    if (o.file != NULL && setup == NULL)
        return EXIT_USAGE;
    po.base = setup;
    struct adapter *l = NULL;
    if (strcmp(o.upstream, "prosody") == 0) {
        if (setup == NULL)
            setup = scenario_create("sessim record");
        po.base = setup;
        l = record_prosody(o.prosody, setup, &po.upstream);
    }
    status = l == NULL && strcmp(o.upstream, "prosody") == 0 ? EXIT_FAILED : proxy_run(&po);
    adapter_free(l);
    scenario_free(setup);
    return status;
}
