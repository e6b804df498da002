/* password: the passwords a scenario sets with its own traffic (format 1.7).
 *
 * A `send` of a jabber:iq:register set that carries a <password> and no
 * <remove/> (a password change, XEP-0077 3.3 and SEMANTICS G11, or a
 * registration written by hand, 3.1) is noted with its client and id. When
 * that client then receives the server's <iq type='result'> with the id,
 * the password becomes the account's: later `connect` and `auth` steps
 * authenticate with it, as after a `register` step. An <iq type='error'>
 * with the id, or a new connection of the client, drops the note; a
 * change the server refused leaves the old password. The account is the
 * session's when the stream is authenticated, else the <username> the
 * query names. Owns copies of every string it keeps.
 */
#ifndef SESSIM_SIM_PASSWORD_H
#define SESSIM_SIM_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "model/stanza.h"

struct password_change {
    size_t client;                 /* index of the client that sent it */
    char *id, *account, *password;
};

/* The notes awaiting their answer; zero-initialised is empty. */
struct password_changes {
    struct password_change *items;
    size_t len, cap;
};

/* Notes sent (a stanza client sent; borrowed) when it is such a set with an
 * id. authed_account: the stream's account when it is authenticated, NULL
 * when it is not (the query's <username> then names the account). */
void password_note_sent(struct password_changes *p, size_t client, const char *authed_account,
                        const struct stanza_node *sent);

/* Looks at got (a stanza client received; borrowed): a result to a noted id
 * returns true with the account and its new password (owned by the caller,
 * freed with free) and drops the note; an error to it drops the note. */
bool password_take_answer(struct password_changes *p, size_t client,
                          const struct stanza_node *got, char **account, char **password);

/* Drops the client's notes (a new connection: answers on the old one are
 * gone). */
void password_forget(struct password_changes *p, size_t client);

/* Frees every note. */
void password_changes_free(struct password_changes *p);

#endif
