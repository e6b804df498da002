/* plainxml: one element of a plain XML subset, parsed without expat.
 *
 * Most stanzas a harness sends are short and plain: elements, attributes
 * and text in printable ASCII, the five predefined entities, namespaces
 * given by default declarations (xmlns='...') and xml:lang. For such text
 * plainxml_parse builds the tree an XMPP stream parser (xmlstream.h) reads
 * from it as a stanza of a stream whose default namespace is default_ns,
 * without the cost of an expat parser: what target_send_parsed needs to
 * hand the model a stanza parsed. Anything else gives NULL and the caller
 * parses the bytes: a prefix other than xml:lang's, a character reference,
 * a comment, CDATA, a processing instruction, a byte outside printable
 * ASCII but tab and line feed in text (XML normalises line ends, and
 * whitespace in attribute values), whitespace before or after the element,
 * a duplicate attribute, more than PLAINXML_ATTRS_MAX attributes on one
 * element, elements nested deeper than XMLSTREAM_DEPTH_MAX_DEFAULT (where
 * a stream parser with the default limits stops), a default namespace set
 * empty or to a reserved URI, or text that is not well-formed. NULL says nothing of whether the text is XML: it is
 * only "not plain". The tree is the caller's (stanza_free).
 */
#ifndef SESSIM_SIM_PLAINXML_H
#define SESSIM_SIM_PLAINXML_H

#include <stddef.h>

#include "model/stanza.h"

#define PLAINXML_ATTRS_MAX 16

struct stanza *plainxml_parse(const char *text, size_t len, const char *default_ns);

#endif
