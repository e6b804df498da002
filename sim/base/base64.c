/* base64: RFC 4648 §4 (base64.h). */
#include "base/base64.h"

#include <string.h>

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const unsigned char *in, size_t len, struct buf *out)
{
    for (size_t i = 0; i < len; i += 3) {
        unsigned long v = (unsigned long)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned long)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        buf_putc(out, base64_alphabet[(v >> 18) & 63]);
        buf_putc(out, base64_alphabet[(v >> 12) & 63]);
        buf_putc(out, i + 1 < len ? base64_alphabet[(v >> 6) & 63] : '=');
        buf_putc(out, i + 2 < len ? base64_alphabet[v & 63] : '=');
    }
}

/* The value of one character, or -1 ('=' included). */
static int base64_value(char c)
{
    const char *at = c != '\0' ? strchr(base64_alphabet, c) : NULL;
    return at != NULL ? (int)(at - base64_alphabet) : -1;
}

bool base64_decode(const char *in, size_t len, struct buf *out)
{
    if (len % 4 != 0)
        return false;
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        size_t pad = last ? (in[i + 3] == '=') + (in[i + 3] == '=' && in[i + 2] == '=') : 0;
        unsigned long v = 0;
        for (size_t k = 0; k < 4; k++) {
            int d = k < 4 - pad ? base64_value(in[i + k]) : 0;
            if (d < 0)
                return false;
            v = v << 6 | (unsigned long)d;
        }
        buf_putc(out, (char)(v >> 16));
        if (pad < 2)
            buf_putc(out, (char)(v >> 8 & 255));
        if (pad < 1)
            buf_putc(out, (char)(v & 255));
    }
    return true;
}
