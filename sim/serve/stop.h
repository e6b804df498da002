/* stop: SIGINT and SIGTERM as an event of a poll loop (self-pipe).
 *
 * stop_install makes both signals write one byte to a pipe whose read end
 * the loop polls, and ignores SIGPIPE (a client that went away makes
 * write fail with EPIPE instead of killing the server). stop_requested
 * reads the pipe. stop_uninstall restores the default actions and closes
 * the pipe. One installation per process at a time.
 */
#ifndef SESSIM_SIM_STOP_H
#define SESSIM_SIM_STOP_H

#include <stdbool.h>

/* Installs the handlers; returns the fd to poll for POLLIN, or -1. */
int stop_install(void);
/* Whether a stop signal arrived (drains the pipe). */
bool stop_requested(void);
/* The name of the last signal received ("" when none). */
const char *stop_signal_name(void);
/* Back to the default actions; closes the pipe. */
void stop_uninstall(void);

#endif
