/* users: the host/user/resource table of connected resources (SEMANTICS I3).
 *
 * A hash map by user name (struct model.users); each entry lists the
 * user's bound sessions sorted by resource, so every walk over a user's
 * resources is in ascending byte order (0.4). Entries exist only while
 * the user has a connected resource. Sessions are borrowed: the table
 * never frees one. Allocation goes through the model's heap.
 */
#ifndef SESSIM_MODEL_USERS_H
#define SESSIM_MODEL_USERS_H

struct jid;
struct model;
struct session;
struct user;

/* Sets up the empty table (model_new); seed: the map's hash seed. */
void users_init(struct model *m, unsigned long long seed);
/* The entry of a user with connected resources, or NULL. */
struct user *users_find(const struct model *m, const char *name);
/* Enters bound session s (username and resource set) into the table (A9). */
void users_add(struct model *m, struct session *s);
/* Takes s out of the table (S9); nothing when it is not there. */
void users_remove(struct model *m, struct session *s);
/* The session of user@domain/resource, or NULL. */
struct session *users_resource(const struct model *m, const char *user, const char *resource);
/* The connected resource a full JID names (its domain is not checked), or
 * NULL, also for a bare JID. */
struct session *users_resource_of(const struct model *m, const struct jid *j);
/* Frees every entry (restart, model_free); the sessions stay. */
void users_clear(struct model *m);

#endif
