/* The reference for fuzz/stream_parser.c's throughput: raw expat making
 * the same passes over the input as that target (whole; in chunks of 1-64
 * bytes whose sizes derive from the input's first bytes; the same chunks
 * again), with a namespace-aware parser, no-op handlers and nothing
 * checked. Not a fuzz target: fuzz/bench/driver.c runs it in turn with the
 * target, and `sessim bench` prints the ratio. */
#include <expat.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/chunks.h"

int bench_reference_input(const uint8_t *data, size_t size);

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)ud, (void)name, (void)atts;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)ud, (void)name;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    (void)ud, (void)s, (void)len;
}

static void parse(const uint8_t *data, size_t size, bool chunked)
{
    XML_Parser p = XML_ParserCreateNS(NULL, '\xff');
    XML_SetHashSalt(p, 0x5e551u);   /* as the target's parsers: no entropy read */
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    struct chunks pieces;
    chunks_start(&pieces, data, size);
    size_t off = 0;
    while (off < size) {
        size_t n = chunked ? chunks_next(&pieces, size - off) : size - off;
        if (XML_Parse(p, (const char *)data + off, (int)n, 0) != XML_STATUS_OK)
            break;
        off += n;
    }
    XML_ParserFree(p);
}

int bench_reference_input(const uint8_t *data, size_t size)
{
    parse(data, size, false);
    parse(data, size, true);
    parse(data, size, true);
    return 0;
}
