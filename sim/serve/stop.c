/* stop: stop signals through a self-pipe (stop.h). */
#include "serve/stop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int stop_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_last;

static void stop_handler(int sig)
{
    int saved = errno;
    stop_last = sig;
    char b = 1;
    if (write(stop_pipe[1], &b, 1) < 0) {
        /* the pipe is full: a stop is already pending */
    }
    errno = saved;
}

static void stop_set(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int stop_install(void)
{
    if (pipe(stop_pipe) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(stop_pipe[i], F_SETFL, fcntl(stop_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(stop_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    stop_last = 0;
    stop_set(SIGINT, stop_handler);
    stop_set(SIGTERM, stop_handler);
    stop_set(SIGPIPE, SIG_IGN);
    return stop_pipe[0];
}

bool stop_requested(void)
{
    char b[16];
    bool got = false;
    while (stop_pipe[0] >= 0 && read(stop_pipe[0], b, sizeof b) > 0)
        got = true;
    return got;
}

const char *stop_signal_name(void)
{
    return stop_last == SIGINT ? "SIGINT" : stop_last == SIGTERM ? "SIGTERM" : "";
}

void stop_uninstall(void)
{
    stop_set(SIGINT, SIG_DFL);
    stop_set(SIGTERM, SIG_DFL);
    stop_set(SIGPIPE, SIG_DFL);
    for (int i = 0; i < 2; i++) {
        if (stop_pipe[i] >= 0)
            close(stop_pipe[i]);
        stop_pipe[i] = -1;
    }
}
