/* session: one client connection's session (SEMANTICS S*, A7-A11, X*).
 *
 * A session owns its stream parser and walks the states of SEMANTICS 0.1:
 * unauthenticated → authenticated (SASL, see sasl.h) → connected resource
 * (bind) → destroyed. It answers the stream header (S2, S4, S5), turns
 * parser errors into stream errors (S3), dispatches top-level elements by
 * state (S6, A11) and closes streams (S7, S8) and destroys sessions (S9)
 * through one path, so that P15's unavailable broadcast always runs.
 */
#ifndef SESSIM_MODEL_SESSION_H
#define SESSIM_MODEL_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "stanza.h"

struct model;
struct session;
struct xmlstream_header;

/* A session for a new connection (S1): nothing is sent. */
struct session *session_new(struct model *m, unsigned conn);
/* S5: the stream features the model offers before (authenticated false)
 * or after authentication; they follow m's config only. */
struct stanza *session_features_new(struct model *m, bool authenticated);
/* S4: appends what the server's stream header says after its id (from,
 * version when given, language), built once per model. */
void session_header_tail(const struct model *m, bool version, struct buf *out);
/* Client bytes; when the caller also has them parsed (model_input_parsed),
 * a header h or (a copy on the model's heap of) a stanza el, which the
 * stream takes in place of the bytes where it can; else both NULL. */
void session_input_parsed(struct session *s, const char *bytes, size_t len,
                          const struct xmlstream_header *h, const struct stanza_node *el);
/* Lost connection: destroy with no reason (S9, S10). */
void session_hangup(struct session *s);
/* S7: server header if not yet sent, the stream error (condition NULL:
 * none) with its optional text and extra child (ns/name, NULL: none), then
 * the closing tag; the session is destroyed with reason text, else the
 * condition (S10). */
void session_close(struct session *s, const char *condition, const char *text,
                   const char *extra_ns, const char *extra_name);
/* S9: destroys s: out of the connection and user tables, the connection
 * closed, P15 through the observer (internal.h) when s was bound; freed
 * at once unless inside its own parser's callbacks (then when they
 * return). reason: S10's, NULL for none. */
void session_destroy(struct session *s, const char *reason);
/* Drops s's stored presence (s becomes unavailable in its state; P6's
 * shared <presence/> is not freed). */
void session_presence_forget(struct session *s);
/* Frees a session without any traffic (restart, model_free). */
void session_free(struct session *s);
/* After SASL success: reset the stream (A5). */
void session_restart_stream(struct session *s);
/* Appends the next server-generated id for this session to out: random
 * characters, '-' and a count from 1, so no two of a session are alike. */
void session_next_id(struct session *s, struct buf *out);
/* Whether the len bytes at bare are the bare JID of s's own account (false
 * before s is bound). */
bool session_owns(const struct session *s, const char *bare, size_t len);

#endif
