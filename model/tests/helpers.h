/* Shared helpers for the model/ Check suites. */
#ifndef SESSIM_MODEL_TESTS_HELPERS_H
#define SESSIM_MODEL_TESTS_HELPERS_H

#include <stddef.h>

#include "buf.h"
#include "xmlstream.h"

/* Feeds `len` bytes to a fresh parser in chunks of `chunk` bytes (0: all at
 * once) and appends a textual log of every event to `log`: "open to=X
 * version=Y;", "stanza <serialized>;", "close;", "error KIND@offset;".
 * Returns the parser's final error. */
enum xmlstream_error helpers_parse_log(const char *bytes, size_t len, size_t chunk,
                                       const struct xmlstream_limits *limits, struct buf *log);

/* Like helpers_parse_log, but the bytes are fed in the pieces between the
 * ncuts ascending offsets in cuts (each in 1..len-1); an <auth> stanza
 * restarts the stream (logged "restart;"), and an error is logged with its
 * line:column too unless limits ask for idle_release (lines then count from
 * the resume). */
enum xmlstream_error helpers_parse_cut(const char *bytes, size_t len, const size_t *cuts,
                                       size_t ncuts, const struct xmlstream_limits *limits,
                                       struct buf *log);

/* Parses n streams at once, each with its own parser made with limits: a
 * chunk of `chunk` bytes of each in turn, and then the next round; logs[i]
 * gets stream i's log as helpers_parse_log writes it. The parsers are freed
 * in order at the end. */
void helpers_parse_interleaved(const char *const *streams, size_t n, size_t chunk,
                               const struct xmlstream_limits *limits, struct buf *logs);

/* Like helpers_parse_log on before + element + after, fed whole, except
 * that element (one stanza, jabber:client) is handed over as its tree with
 * xmlstream_inject; false (and no stanza) when the parser refused it. */
bool helpers_parse_injected(const char *before, const char *element, const char *after,
                            const struct xmlstream_limits *limits, struct buf *log);

/* Like helpers_parse_cut on before + header + after fed whole (an <auth>
 * restarts the stream), except that header is handed over as h with
 * xmlstream_inject_header; false (and the bytes fed) when the parser
 * refused it. */
bool helpers_parse_header_injected(const char *before, const char *header,
                                   const struct xmlstream_header *h, const char *after,
                                   const struct xmlstream_limits *limits, struct buf *log);

/* Appends the "open ...;" line helpers_parse_log writes for a header. */
void helpers_header_log(const struct xmlstream_header *h, struct buf *log);

/* Appends bytes to out with every byte outside printable ASCII, and the
 * backslash, as \xHH. */
void helpers_escape(const char *bytes, size_t len, struct buf *out);

/* Parses one element with default namespace jabber:client; fails the test
 * on error. Free with stanza_free. */
struct stanza *helpers_element(const char *xml);

#endif
