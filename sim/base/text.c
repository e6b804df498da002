/* text: file reading, formatting, excerpts (see text.h). */
#include "base/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define TEXT_CHUNK 65536

/* Reads f to its end into *out; 0 or an errno value. */
static int read_stream(FILE *f, size_t max, char **out, size_t *len)
{
    size_t cap = 0, got;
    *len = 0;
    do {
        if (*len == cap) {
            cap = cap == 0 ? TEXT_CHUNK : cap * 2;
            *out = mem_realloc(*out, cap + 1);
        }
        got = fread(*out + *len, 1, cap - *len, f);
        *len += got;
        if (*len > max)
            return EFBIG;
    } while (got > 0);
    if (ferror(f))
        return errno ? errno : EIO;
    (*out)[*len] = '\0';
    return 0;
}

int text_read_file(const char *path, size_t max, char **out, size_t *len)
{
    size_t ignored;
    if (len == NULL)
        len = &ignored;
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno;
    errno = 0;
    int err = read_stream(f, max, out, len);
    fclose(f);
    if (err != 0) {
        free(*out);
        *out = NULL;
        *len = 0;
    }
    return err;
}

void text_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n <= 0)
        return;
    char *tmp = mem_realloc(NULL, (size_t)n + 1);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    buf_append(b, tmp, (size_t)n);
    free(tmp);
}

void text_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vprintf(b, fmt, ap);
    va_end(ap);
}

char *text_take(struct buf *b)
{
    char *s = mem_strdup(buf_cstr(b));
    buf_free(b);
    return s;
}

void text_numbered(char *out, size_t size, const char *prefix, unsigned long long n)
{
    char digits[24];
    size_t d = sizeof digits;
    do {
        digits[--d] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    size_t at = 0;
    for (const char *p = prefix; *p != '\0' && at + 1 < size; p++)
        out[at++] = *p;
    for (; d < sizeof digits && at + 1 < size; d++)
        out[at++] = digits[d];
    if (size > 0)
        out[at] = '\0';
}

const char *text_tail(const char *text, size_t len, size_t max)
{
    if (len <= max)
        return text;
    const char *p = text + len - max;
    while (*p != '\0' && ((unsigned char)*p & 0xC0) == 0x80)
        p++;
    return p;
}

void text_excerpt(const char *s, size_t len, size_t max, char *out)
{
    size_t n = len;
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    strcpy(out + n, n < len ? "..." : "");
}
