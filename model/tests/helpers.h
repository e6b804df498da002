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

/* Parses one element with default namespace jabber:client; fails the test
 * on error. Free with stanza_free. */
struct stanza *helpers_element(const char *xml);

#endif
