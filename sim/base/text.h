/* text: whole files, formatted appends and quoting for messages.
 *
 * The one file reader of sessim (scenarios, listings, logs, rule lists,
 * scripts) and the one printf into a struct buf (model/buf.h). Strings
 * returned are owned by the caller (free); allocation cannot fail
 * (base/mem.h). Nothing here prints.
 */
#ifndef SESSIM_SIM_TEXT_H
#define SESSIM_SIM_TEXT_H

#include <stdarg.h>
#include <stddef.h>

#include "model/buf.h"

/* No size limit for text_read_file. */
#define TEXT_SIZE_ANY ((size_t)-1)

/* Reads the whole file at path into *out (NUL-terminated, owned: free;
 * NULL on failure) and its length into *len (may be NULL). Returns 0, or
 * an errno value: the file cannot be opened or read, or EFBIG when it is
 * longer than max bytes. */
int text_read_file(const char *path, size_t max, char **out, size_t *len);

/* Appends the printf-formatted text to b, however long. */
void text_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void text_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Writes prefix and then n in decimal into out (size bytes, NUL included),
 * cut to fit as snprintf cuts: "u" and 3 give "u3". Without printf's cost:
 * generated names and ids are made at every step. */
void text_numbered(char *out, size_t size, const char *prefix, unsigned long long n);

/* The contents of b as an owned NUL-terminated string (never NULL);
 * b is empty and reusable afterwards. */
char *text_take(struct buf *b);

/* The last max bytes of text (all of it when shorter), cut forward to a
 * UTF-8 boundary. Borrowed from text. */
const char *text_tail(const char *text, size_t len, size_t max);

/* User text for a message: at most max bytes (cut on a UTF-8 boundary,
 * then "..."), control characters shown as '?'; out holds max + 4 bytes. */
void text_excerpt(const char *s, size_t len, size_t max, char *out);

#endif
