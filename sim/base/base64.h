/* base64: RFC 4648 base64 with padding, for SASL PLAIN on sim's side (the
 * harness's and the benchmarks' logins, the recorder reading a client's
 * <auth/>). The model decodes its own (model/sasl.c); sim/ keeps to the
 * model's public headers.
 */
#ifndef SESSIM_SIM_BASE64_H
#define SESSIM_SIM_BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "model/buf.h"

/* Appends the base64 of len bytes of in to out. */
void base64_encode(const unsigned char *in, size_t len, struct buf *out);

/* Appends the bytes that len characters of in encode to out. False (out
 * then holds a part) when in is not padded base64: a length that is not a
 * multiple of 4, a character outside the alphabet, padding before the end. */
bool base64_decode(const char *in, size_t len, struct buf *out);

#endif
