/* serve_cmd: the command lines of `sessim serve` and `sessim record`.
 *
 * Thin front ends: they parse options, load the scenario that presets the
 * server, and call server_run (server.h) or proxy_run (proxy.h). Usage
 * errors print a message and exit 2; a clean stop on SIGINT or SIGTERM
 * exits 0; a failure to listen, connect or write exits 1.
 */
#ifndef SESSIM_SIM_SERVE_CMD_H
#define SESSIM_SIM_SERVE_CMD_H

/* `sessim serve [--listen HOST:PORT] [--seed N] [--clock real|manual]
 * [--record DIR] [limits] [FILE.yaml]`; argv[0] is "serve". */
int serve_cmd_serve(int argc, char **argv);

/* `sessim record --listen HOST:PORT --upstream tcp://HOST:PORT [--out FILE]
 * [--redact]`; argv[0] is "record". */
int serve_cmd_record(int argc, char **argv);

#endif
