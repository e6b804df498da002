/* buf: a growable byte buffer.
 *
 * Used by the serializer and by the model's per-connection output queues.
 * The buffer owns its bytes; `data` is valid until the next call that
 * appends to or frees the buffer. A zeroed struct buf is an empty buffer
 * on the C library's allocator; the model's buffers name its heap
 * (`struct buf b = {.heap = &m->heap}`), whose failure unwinds (heap.h).
 */
#ifndef SESSIM_MODEL_BUF_H
#define SESSIM_MODEL_BUF_H

#include <stddef.h>

struct heap;

struct buf {
    char *data;     /* NUL-terminated when len > 0 or after buf_cstr */
    size_t len;
    size_t cap;
    struct heap *heap;   /* allocator of data; NULL: the C library */
};

/* Makes room for `extra` more bytes at once (one allocation instead of
 * growing by doubling from 64 bytes). */
void buf_reserve(struct buf *b, size_t extra);
/* Appends len bytes. */
void buf_append(struct buf *b, const char *bytes, size_t len);
/* Appends a NUL-terminated string. */
void buf_puts(struct buf *b, const char *s);
/* Appends one byte. */
void buf_putc(struct buf *b, char c);
/* Appends the decimal form of v. */
void buf_put_u64(struct buf *b, unsigned long long v);
/* Drops the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
/* Empties the buffer, keeping its storage. */
void buf_clear(struct buf *b);
/* Returns the contents as a NUL-terminated string (never NULL). */
const char *buf_cstr(struct buf *b);
/* Releases the storage; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);

#endif
