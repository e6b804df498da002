/* peer: a non-blocking socket with a bounded output queue (peer.h). */
#include "serve/peer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void peer_log(FILE *log, const char *who, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(log, "%s: ", who);
    vfprintf(log, fmt, ap);
    fputc('\n', log);
    fflush(log);
    va_end(ap);
}

void peer_limits_default(struct peer_limits *l)
{
    l->connections_max = PEER_CONNECTIONS_MAX_DEFAULT;
    l->out_max = PEER_OUT_MAX_DEFAULT;
    l->idle_ms = PEER_IDLE_MS_DEFAULT;
}

void peer_init(struct peer *p, int fd, const char *name, uint64_t now_ms)
{
    memset(p, 0, sizeof *p);
    p->fd = fd;
    snprintf(p->name, sizeof p->name, "%s", name);
    p->last_ms = now_ms;
}

void peer_close(struct peer *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    buf_free(&p->out);
}

static enum peer_io io_error(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? PEER_AGAIN : PEER_ERROR;
}

enum peer_io peer_read(struct peer *p, char *b, size_t size, size_t *n)
{
    ssize_t r = read(p->fd, b, size);
    if (r > 0) {
        *n = (size_t)r;
        return PEER_OK;
    }
    return r == 0 ? PEER_EOF : io_error();
}

enum peer_io peer_write(struct peer *p, const char *bytes, size_t len, size_t *n)
{
    *n = 0;
    while (*n < len) {
        ssize_t w = send(p->fd, bytes + *n, len - *n, MSG_NOSIGNAL);
        if (w < 0)
            return io_error();
        *n += (size_t)w;
    }
    return PEER_OK;
}

bool peer_queue(struct peer *p, const char *bytes, size_t len, size_t max)
{
    if (p->out.len + len > max)
        return false;
    buf_append(&p->out, bytes, len);
    return true;
}

enum peer_io peer_flush(struct peer *p)
{
    size_t n = 0;
    enum peer_io io = peer_write(p, p->out.data, p->out.len, &n);
    buf_consume(&p->out, n);
    if (p->out.len == 0)
        buf_free(&p->out);   /* an idle peer holds no buffer */
    return io;
}
