/* route: stanzas from a connected resource (SEMANTICS M1-M15, O1-O3).
 *
 * Stamps `from` (M1), validates `to`, drops empty errors (M3) and routes:
 * presence to presence.h, messages to full/bare JIDs with the top-resource
 * selection and the offline store (M5-M11, O1), iqs to self, to the host,
 * to full and bare JIDs (M2, M12-M15). Local delivery never goes through a
 * network: a delivered stanza is serialized onto each recipient's stream.
 */
#ifndef SESSIM_MODEL_ROUTE_H
#define SESSIM_MODEL_ROUTE_H

#include <stdbool.h>

#include "stanza.h"

#define ROUTE_REMOTE_TEXT "Communication with remote domains is not enabled"
/* EJ9: ejabberd's texts of an iq nobody handles and of a message bounced
 * for want of a session (gen_iq_handler, ejabberd_sm:bounce_sm_packet). */
#define ROUTE_NO_MODULE_TEXT "No module is handling this query"
#define ROUTE_NO_SESSION_TEXT "User session not found"
/* EJ21: ejabberd_local bounce_resource_packet/1. */
#define ROUTE_NO_RESOURCE_TEXT "No available resource found"
/* EJ10: the xmpp codec's text for a bad attribute of an iq. */
#define ROUTE_IQ_TEXT(what) what " in tag <iq/> qualified by namespace 'jabber:client'"
/* EJ3: the text of ejabberd's delay on an offline message. */
#define ROUTE_OFFLINE_TEXT "Offline storage"

struct model;
struct session;

/* A message/presence/iq from a connected resource; st stays the caller's
 * (it may be modified). */
void route_from_session(struct session *s, struct stanza *st);
/* Sends a copy of el to session s with `to` replaced (NULL: removed). */
void route_deliver(struct session *s, const struct stanza_node *el, const char *to);
/* A generated error reply for el (M4; EJ9 under the ejabberd profile: with
 * el's payload, the error among the children the codec does not know,
 * EJ18). Free with stanza_free. */
struct stanza *route_error_stanza(struct model *m, const struct stanza_node *el, const char *type,
                                  const char *condition, const char *text);
/* Sends a generated error reply for el to session s (M4), unless el is an
 * error itself (RFC 6120 8.3.1). */
void route_error(struct session *s, const struct stanza_node *el, const char *type,
                 const char *condition, const char *text);
/* EJ18: the codec's bad-request for el, which it refused: el echoed as it
 * came, the error last (xmpp_stream_in:send_error/3). el is no reply. */
void route_error_undecoded(struct session *s, const struct stanza_node *el, const char *text);
/* M1: answers el, whose `to` is not a valid JID, with jid-malformed
 * (unless it is a reply). Checked before anything else, on every stream:
 * Prosody's core_process_stanza validates `to` before the bound, unbound
 * or unauthenticated handlers see the stanza (found by the differential
 * explorer; A11 applies to stanzas with a valid `to`). */
void route_bad_to(struct session *s, const struct stanza_node *el, const char *to);
struct account;
/* O1: appends a copy of message el to account a's offline store, stamped
 * with the current time (also SM13, SM19). */
void route_offline_store(struct model *m, struct account *a, const struct stanza_node *el);
/* O3: delivers and empties the account's offline store to s. */
void route_offline_flush(struct session *s);
/* True when the stanza is of type error or an iq result (never answered). */
bool route_is_reply(const struct stanza_node *el);

#endif
