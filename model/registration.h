/* registration: in-band registration and account management
 * (XEP-0077; SEMANTICS G1-G11, T3).
 *
 * On an unauthenticated stream: the form (G2), creating an account (G3,
 * refused under an active tombstone, T3), and <remove/> refused (G4).
 * From a connected resource: the registered form (G6), account deletion
 * with its notifications, closes and tombstone (G7), and password change
 * (G11). Registering never logs in (G5).
 */
#ifndef SESSIM_MODEL_REGISTRATION_H
#define SESSIM_MODEL_REGISTRATION_H

#include "stanza.h"

struct model;
struct session;

/* G1-G5: a jabber:iq:register get/set on an unauthenticated stream. */
void registration_unauthenticated(struct session *s, const struct stanza_node *iq);
/* G6, G7, G11: a jabber:iq:register get/set from a connected resource,
 * to self or to the domain (M15; replies mirror the addresses). */
void registration_account(struct session *s, const struct stanza_node *iq);
/* G7 steps 1-5 for the account `user`; requester (NULL: none) is sent the
 * result to its request iq first. */
void registration_delete(struct model *m, const char *user, struct session *requester,
                         const struct stanza_node *iq);

#endif
