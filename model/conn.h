/* conn: the connection table and what the server writes on it.
 *
 * Connections are indexed by id - 1 and never reused (model.h). A
 * connection keeps its output queue after its session is destroyed, so a
 * client can still read the stream error and close the server sent (S7,
 * I15). conn_send is the one place a stanza reaches a client: it reports
 * each one to the model's observer (struct model_observer in internal.h),
 * which is how presence tracks I7 views without this layer calling up.
 * It also records the touches behind invariant_check_touched.
 */
#ifndef SESSIM_MODEL_CONN_H
#define SESSIM_MODEL_CONN_H

#include <stddef.h>

struct buf;
struct model;
struct session;
struct stanza_node;
struct xmlstream_header;

/* Connection conn, or NULL when it was never opened. */
struct conn *conn_get(const struct model *m, unsigned conn);
/* The live session on conn, or NULL (never opened, or destroyed). */
struct session *conn_session(const struct model *m, unsigned conn);
/* Appends bytes to an open connection's output. */
void conn_write(struct model *m, unsigned conn, const char *bytes, size_t len);
/* Tells model_output_headers' hook that the last len bytes written on
 * conn are a stream header saying h. */
void conn_header_written(struct model *m, unsigned conn, size_t len,
                         const struct xmlstream_header *h);
/* Serializes a top-level element onto a connection's output (and
 * tells model_output_stanzas' hook where it is). */
void conn_write_stanza(struct model *m, unsigned conn, const struct stanza_node *el);
/* Serializes a stanza onto a live session's stream and tells the
 * observer; nothing for a destroyed session (I5). */
void conn_send(struct model *m, struct session *s, const struct stanza_node *el);
/* The same for an element whose serialization (stanza_serialize in the
 * client namespace, stream prefix on) is at hand: bytes are written. */
void conn_send_serialized(struct model *m, struct session *s, const struct stanza_node *el,
                          const struct buf *bytes);
/* Moves conns_retired past the connections that are closed and hold no
 * session (a session never comes back to a closed connection: SM15 moves
 * a resumed one onto the new connection), so that walks over the live
 * ones start there. Run after every facade call. */
void conn_retire(struct model *m);
/* Marks s for invariant_check_touched. */
void conn_touch(struct model *m, const struct session *s);
/* SM9: the end of an input (client bytes, a connection loss, a clock
 * advance), Prosody's c2s-pre-ondrain: each stream-managed session
 * conn_send wrote to since the last call may ask for an ack. */
void conn_drain(struct model *m);

#endif
