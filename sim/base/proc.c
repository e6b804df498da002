/* proc: fork, pipe, wait (see proc.h). */
#include "base/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/exit.h"

/* In the child: arm the death signal, then the body. Never returns. */
static void child(proc_body *body, void *ctx, const struct proc_options *o, pid_t parent,
                  int fd)
{
    if (o->death_signal != 0) {
        prctl(PR_SET_PDEATHSIG, o->death_signal);
        if (getppid() != parent)
            _exit(EXIT_USAGE);
    }
    _exit(body(ctx, fd));
}

bool proc_spawn(proc_body *body, void *ctx, const struct proc_options *o, struct proc *out)
{
    int p[2] = {-1, -1};
    if (o->pipe && pipe(p) != 0)
        return false;
    /* Programs the child execs (a server, a shell command that leaves one
     * running) must not hold the pipe: the parent would never see its end. */
    for (int i = 0; i < 2 && p[0] >= 0; i++)
        fcntl(p[i], F_SETFD, FD_CLOEXEC);
    pid_t parent = getpid();
    fflush(NULL);   /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid == 0) {
        if (p[0] >= 0)
            close(p[0]);
        child(body, ctx, o, parent, p[1]);
    }
    if (p[1] >= 0)
        close(p[1]);
    if (pid < 0) {
        int e = errno;
        if (p[0] >= 0)
            close(p[0]);
        errno = e;
        return false;
    }
    *out = (struct proc){pid, p[0]};
    return true;
}

bool proc_wait(pid_t pid, bool block, int *status)
{
    int ignored;
    if (status == NULL)
        status = &ignored;
    *status = 0;
    pid_t r;
    do
        r = waitpid(pid, status, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    return r != 0;
}

static double rusage_s(int who)
{
    struct rusage u;
    if (getrusage(who, &u) != 0)
        return 0;
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void proc_cpu_s(double *self, double *children)
{
    *self = rusage_s(RUSAGE_SELF);
    *children = rusage_s(RUSAGE_CHILDREN);
}

void proc_read_all(int fd, struct buf *b)
{
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf_append(b, chunk, (size_t)n);
    }
}

bool proc_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}
