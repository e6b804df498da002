/* proc: child processes of sessim.
 *
 * One way to fork: proc_spawn runs a function in a child, with the write
 * end of a pipe to its parent (or none), optionally dying with the parent
 * (PR_SET_PDEATHSIG); proc_wait reaps it; proc_read_all and proc_write_all
 * move bytes over the pipe, retrying on EINTR. Pending stdio output is
 * flushed before the fork, so nothing is written twice. The signal
 * handler of live.c forks on its own (only async-signal-safe calls there).
 */
#ifndef SESSIM_SIM_PROC_H
#define SESSIM_SIM_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "model/buf.h"

/* The child's body: fd is the pipe's write end (-1 without a pipe). It
 * returns the child's exit status (base/exit.h) or does not return. */
typedef int proc_body(void *ctx, int fd);

struct proc_options {
    bool pipe;              /* a pipe from the child to the parent */
    int death_signal;       /* sent to the child when the parent dies; 0: none */
};

struct proc {
    pid_t pid;
    int fd;                 /* the pipe's read end (the parent's), or -1 */
};

/* Forks a child that runs body(ctx, fd) and exits with its status. False
 * when the pipe or the fork failed (errno set; nothing to clean up). */
bool proc_spawn(proc_body *body, void *ctx, const struct proc_options *o, struct proc *out);

/* Reaps pid (block: waits for it) into *status (may be NULL; 0 when there
 * was nothing to reap). True when the child is gone: reaped now, or no
 * child of this process (any more); false while it runs (only without
 * block). */
bool proc_wait(pid_t pid, bool block, int *status);

/* CPU seconds (user and system) of this process (*self) and of its
 * children it has reaped, with theirs in turn (*children), so far. */
void proc_cpu_s(double *self, double *children);

/* Reads fd to its end (or an error) into b. */
void proc_read_all(int fd, struct buf *b);

/* Writes all n bytes to fd; false on an error. */
bool proc_write_all(int fd, const char *p, size_t n);

#endif
