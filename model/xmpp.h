/* xmpp: protocol constants and stanza builders shared by the model.
 *
 * Namespaces, and the builders every rule uses to answer: error replies
 * (SEMANTICS M4), empty iq results, and presence stanzas. Builders return a
 * new tree on heap h (stanza_new) the caller frees with stanza_free.
 */
#ifndef SESSIM_MODEL_XMPP_H
#define SESSIM_MODEL_XMPP_H

#include <stdbool.h>

#include "stanza.h"

#define XMPP_NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define XMPP_NS_STREAMS "urn:ietf:params:xml:ns:xmpp-streams"
#define XMPP_NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define XMPP_NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define XMPP_NS_SESSION "urn:ietf:params:xml:ns:xmpp-session"
#define XMPP_NS_ROSTER "jabber:iq:roster"
#define XMPP_NS_REGISTER "jabber:iq:register"
#define XMPP_NS_PING "urn:xmpp:ping"
#define XMPP_NS_DELAY "urn:xmpp:delay"
#define XMPP_NS_ERRORS "urn:xmpp:errors"
#define XMPP_NS_CHATSTATES "http://jabber.org/protocol/chatstates"
#define XMPP_NS_EVENT "jabber:x:event"   /* XEP-0022 */

/* True when the stanza's type attribute value `type` (may be NULL) is want. */
bool xmpp_type_is(const char *type, const char *want);

/* M4: same element name, type error, same id, from = orig's `to` (absent
 * if none), to = orig's `from`, then orig's child elements when payload is
 * true (EJ9), then <error type=T><COND/>[<text/>]. */
struct stanza *xmpp_error_reply_with(struct heap *h, const struct stanza_node *orig,
                                     const char *type, const char *condition, const char *text,
                                     bool payload);
/* The empty result to iq `orig` (the reference server's st.reply): same id,
 * from = orig's `to`, to = orig's `from`, each absent when absent. */
struct stanza *xmpp_iq_reply(struct heap *h, const struct stanza_node *orig);
/* <iq type='result' id=ID [to=TO] [from=FROM]/>; NULL leaves one out. */
struct stanza *xmpp_iq_result(struct heap *h, const char *id, const char *to,
                              const char *from);
/* A new tree: <presence [type] [from] [to]/>. */
struct stanza *xmpp_presence(struct heap *h, const char *type, const char *from,
                             const char *to);
/* Appends <status>TEXT</status> to el. */
void xmpp_add_status(struct stanza *st, struct stanza_node *el, const char *text);
/* Arena bytes a delay element takes at most (for sizing copies). */
#define XMPP_DELAY_BYTES 320
/* Appends <delay xmlns='urn:xmpp:delay' from=FROM stamp=UTC(ms)/> and
 * returns it (borrowed from st). */
struct stanza_node *xmpp_add_delay(struct stanza *st, struct stanza_node *el, const char *from,
                                   unsigned long long ms);
/* Writes the UTC stamp YYYY-MM-DDThh:mm:ssZ of ms since the epoch (0.6). */
void xmpp_stamp(unsigned long long ms, char out[21]);

#endif
