/* norm: makes the values a live server chooses comparable with the model's.
 *
 * A live server stamps delayed presences and offline messages with its
 * wall clock (XEP-0203 `<delay stamp>`), gives every stream a random id
 * and picks random ids for the stanzas it originates (roster pushes).
 * norm_stream rewrites a server's byte stream as it arrives: every delay
 * stamp becomes the model's clock at creation and every stream header id
 * NORM_STREAM_ID, so scenario patterns written against the model match
 * (scenarios/FORMAT.md "Live targets"). It holds back the bytes of a tag that
 * has not ended yet and passes everything else through unchanged. Stanza
 * ids are left alone on the wire (a client may answer a push with its id);
 * norm_stanza_compare blanks the ones no client sent when two targets'
 * traffic is compared. Pure: no I/O, no clock.
 */
#ifndef SESSIM_SIM_NORM_H
#define SESSIM_SIM_NORM_H

#include <stdbool.h>
#include <stddef.h>

#include "model/buf.h"
#include "scenario/match.h"
#include "model/stanza.h"

/* "YYYY-MM-DDThh:mm:ssZ" and its NUL. */
#define NORM_STAMP_SIZE 21
/* The length of an opaque roster version (a SHA-1 in hex). */
#define NORM_OPAQUE_VER_LEN 40
/* What every server stream header id becomes. */
#define NORM_STREAM_ID "sessim-stream"

/* The state of one connection's server byte stream. A zeroed struct is a
 * fresh stream; norm_stream_free releases it. */
struct norm_stream {
    struct buf held;        /* an unfinished tag, from its '<' */
};

/* Appends to out the bytes of the stream so far, with delay stamps replaced
 * by stamp (a NORM_STAMP_SIZE string) and stream header ids by
 * NORM_STREAM_ID. A tag that has not ended is held back until a later call
 * completes it, or until final (the connection ended) releases it as is. */
void norm_stream_feed(struct norm_stream *ns, const char *bytes, size_t len, bool final,
                      const char *stamp, struct buf *out);
/* Releases the held bytes; the stream is fresh again. */
void norm_stream_free(struct norm_stream *ns);

/* Tags as norm reads them (a '<' to the '>' outside quotes; no comments or
 * CDATA): one past the '>' ending the tag whose '<' is at s[start], 0 when
 * it has not ended within len bytes. */
size_t norm_tag_end(const char *s, size_t len, size_t start);
/* Finds attribute `name` in the start tag tag[0..len): its value is
 * tag[*vs..*ve). False when absent or the tag is malformed. */
bool norm_tag_attr(const char *tag, size_t len, const char *name, size_t *vs, size_t *ve);
/* The local name of the start tag tag[0..len) (tag[0] is '<') and whether
 * it has a prefix; *local points into tag. */
void norm_tag_local(const char *tag, size_t len, const char **local, size_t *local_len,
                    bool *prefixed);

/* Writes ms since the Unix epoch as "YYYY-MM-DDThh:mm:ssZ" (UTC, whole
 * seconds) into out. */
void norm_stamp_format(unsigned long long ms, char out[NORM_STAMP_SIZE]);
/* Whether s[0..len) is an XEP-0082 DateTime: YYYY-MM-DDThh:mm:ss, optional
 * fraction, then Z or +hh:mm / -hh:mm. */
bool norm_is_datetime(const char *s, size_t len);

/* Adds to ids (as names, value "") every `id` attribute value of the start
 * tags in bytes (client traffic; entities of the five predefined kinds
 * decoded). Tags split across calls are not seen. */
void norm_ids_collect(const char *bytes, size_t len, struct match_vars *ids);

/* Rewrites a received stanza tree so that two targets' copies compare
 * equal when they differ only in what each server chooses: xml:lang
 * attributes are removed (SEMANTICS 0.5), the root's id becomes `{any}`
 * when no client sent it, and so does the previd of a stream-management
 * element (the resumption token each server chose, SM15), and so does a
 * roster query's `ver` when it is an opaque token of NORM_OPAQUE_VER_LEN
 * hex digits (ejabberd's SHA-1 of the roster and the ejabberd profile's,
 * SEMANTICS EJ11; Prosody's counters are compared as they are). Delay
 * stamps are left: norm_stream has made a live server's comparable already. */
void norm_stanza_compare(struct stanza *st, const struct match_vars *client_ids);

#endif
