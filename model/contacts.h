/* contacts: roster requests and the subscription state machine
 * (SEMANTICS R2-R21, P13, P16, T5).
 *
 * Roster get/set/remove from a connected resource (R2-R7) with pushes to
 * interested resources; outbound subscription presence from a connected
 * resource (R9-R13); inbound subscription presence at a local account
 * (R14-R16), which is where every routed subscription stanza lands, since
 * only the local domain is served; the notifications of a roster removal
 * (R17); and the replays of an initial presence (R20, P5 step 7).
 * U is the account whose state changes, C the other party (0.7).
 */
#ifndef SESSIM_MODEL_CONTACTS_H
#define SESSIM_MODEL_CONTACTS_H

#include "stanza.h"

struct model;
struct session;
struct account;

/* R2-R6: a jabber:iq:roster get or set from connected resource s. */
void contacts_roster_iq(struct session *s, const struct stanza_node *iq);
/* EJ51 (the ejabberd profile): a roster get or set to another account's
 * bare JID, existing or not: EJ26's bad-request when an item does not
 * decode, else `auth`/`forbidden` with mod_roster's text. */
void contacts_roster_iq_other(struct session *s, const struct stanza_node *iq);
#define CONTACTS_ROSTER_OTHER_TEXT "Query to another users is forbidden"
/* R9: subscribe/subscribed/unsubscribe/unsubscribed from connected
 * resource s to the bare JID contact (already validated, local domain). */
void contacts_outbound(struct session *s, const char *type, const struct stanza_node *el,
                       const char *contact);
/* R14-R16 (and P16, T5): a subscription stanza from bare JID `from` to the
 * local localpart `user`. */
void contacts_inbound(struct model *m, const char *user, const char *from, const char *type,
                      const struct stanza_node *el);
/* P13: a probe from a non-subscriber: U's outbound unsubscribed to C. */
void contacts_probe_refused(struct model *m, struct account *u, const char *contact);
/* P5 steps 6 and 7 for connected resource s: replay pending-in requests,
 * re-send subscribe for every item with ask (under the ejabberd profile
 * neither: EJ39, EJ49). */
void contacts_initial_presence(struct session *s);
/* EJ49: each pending-in request as mod_roster re-sends it to s, from the
 * requester's bare JID to s's, with only its status text. */
void contacts_requests_resent(struct session *s);
/* R17: the notifications of U dropping C (roster removal, deletion). */
void contacts_removal_notify(struct model *m, struct account *u, const char *contact);
/* G7 step 2, after R17: every local account still granting `from`/`both`
 * to the deleted account u (the one-sided `from` of I11) is sent
 * `unsubscribe` from u (R15), so no grant passes to a re-created account (G8). */
void contacts_revoke_grants(struct model *m, const struct account *u);

#endif
