/* presence: broadcast, directed and inbound presence (SEMANTICS P1-P17).
 *
 * Broadcast presence from a connected resource is reflected, sent to the
 * account's other available resources and to `from`/`both` contacts (P4);
 * initial presence adds probes, the other resources' presences, pending-in
 * replays and offline delivery (P5, O3); unavailable flushes the directed
 * set (P7). A destroyed available resource broadcasts unavailable on its
 * own behalf (P15), so that no contact keeps a ghost (I7).
 * Subscription-type presence (R9-R21) is handled with the roster rules.
 */
#ifndef SESSIM_MODEL_PRESENCE_H
#define SESSIM_MODEL_PRESENCE_H

#include "stanza.h"

struct model;
struct session;

/* A presence from connected resource s, `from` already stamped. */
void presence_from_session(struct session *s, struct stanza *st);
/* P6: a copy of available resource x's stored presence with its delay
 * stamp (the time it was broadcast). Free with stanza_free. */
struct stanza *presence_stored(const struct session *x);
/* P15: s (connected) is being destroyed; reason NULL for none (S10). */
void presence_on_destroy(struct session *s, const char *reason);
/* P10-P14: delivers presence el (with `from`) to the local address `to`;
 * sender is the originating session for error replies (may be NULL). */
void presence_inbound(struct model *m, const struct stanza_node *el, const char *to,
                      struct session *sender);

/* I7 bookkeeping, called for every stanza sent to session r: an
 * available presence from a full JID enters r's view when I7 covers it
 * (both available, or r in the sender's directed set); an unavailable one
 * leaves it. */
void presence_view_note(struct session *r, const struct stanza_node *el);
/* x's directed set holds r's full or bare JID, compared normalised (the
 * set keeps the addresses as written, P8). */
bool presence_directed_to(const struct session *x, const struct session *r);
/* I7 exception: the subscription of account `user` to `contact` (a bare
 * JID) ended, so its sessions stop believing the contact's resources. */
void presence_view_forget(struct model *m, const char *user, const char *contact);

#endif
