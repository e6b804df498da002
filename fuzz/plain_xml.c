/* Fuzz target: plainxml, the harness's expat-free parser of plain stanzas
 * (sim/run/plainxml.h), against expat.
 *
 * The input is a stanza's text. Property: whatever plainxml parses (it may
 * leave anything to expat), expat parses too, as a stanza of a
 * jabber:client stream (xmlstream_parse_element), into an equal tree:
 * what the runner hands the model parsed is what the model would have
 * read from the bytes. A violation is reported with fuzz/common/finding.h
 * (both trees serialised) and aborts. Everything allocated is freed.
 */
#include <stdint.h>

#include "common/finding.h"
#include "model/buf.h"
#include "model/stanza.h"
#include "model/xmlstream.h"
#include "run/plainxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TARGET "plain_xml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct stanza *fast = plainxml_parse(text, size, STANZA_NS_CLIENT);
    if (fast == NULL && !finding_planted())
        return 0;
    enum xmlstream_error err;
    unsigned long line, col;
    struct stanza *slow = xmlstream_parse_element(text, size, STANZA_NS_CLIENT, &err, &line, &col);
    struct buf a = {0}, b = {0};
    if (fast != NULL)
        stanza_serialize(stanza_root(fast), STANZA_NS_CLIENT, true, &a);
    if (finding_planted())
        buf_puts(&a, "(planted)");
    if (slow == NULL) {
        buf_puts(&b, "(not parsed: ");
        buf_puts(&b, xmlstream_error_name(err));
        buf_puts(&b, ")");
    } else {
        stanza_serialize(stanza_root(slow), STANZA_NS_CLIENT, true, &b);
    }
    bool same = fast != NULL && slow != NULL &&
                stanza_equal(stanza_root(fast), stanza_root(slow)) && !finding_planted();
    stanza_free(fast);
    stanza_free(slow);
    if (!same)
        finding_differ(TARGET, "a plain stanza parses as expat reads it", "plainxml", a.data,
                       a.len, "expat", b.data, b.len);
    buf_free(&a);
    buf_free(&b);
    return 0;
}
