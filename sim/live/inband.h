/* inband: the few client conversations sessim has with a server it did not
 * start, outside any scenario: is it there and serving the domain, create
 * an account by in-band registration (XEP-0077), log in, and remove an
 * account (jabber:iq:register <remove/>), and send stanzas as an account
 * (the subscription handshakes that set up initial rosters).
 *
 * Each call opens its own connection (hostport_connect), speaks plain
 * XMPP with SASL PLAIN (the harness's own setting: no TLS), waits at most
 * INBAND_WAIT_MS for each answer and closes the stream. Answers are read
 * as text: the stream prefix `stream:` that servers use, attributes in
 * either quote. Messages name what failed and quote the server.
 */
#ifndef SESSIM_SIM_INBAND_H
#define SESSIM_SIM_INBAND_H

#include <stddef.h>

#include "live/hostport.h"

#define INBAND_WAIT_MS 5000

enum inband_status {
    INBAND_OK,
    INBAND_REFUSED,   /* the server answered no (a stream error, a SASL failure, an iq error) */
    INBAND_ERROR      /* no answer: connection refused or closed, time-out */
};

/* Opens a stream to domain and waits for its features. */
enum inband_status inband_hello(const struct hostport *hp, const char *domain, char *err,
                                size_t errsize);
/* Registers user@domain with password. */
enum inband_status inband_register(const struct hostport *hp, const char *domain,
                                   const char *user, const char *password, char *err,
                                   size_t errsize);
/* Authenticates (SASL PLAIN) and binds a resource. */
enum inband_status inband_login(const struct hostport *hp, const char *domain, const char *user,
                                const char *password, char *err, size_t errsize);
/* Logs in and removes the account. REFUSED when the login is refused (no
 * such account, or another password). */
enum inband_status inband_remove(const struct hostport *hp, const char *domain, const char *user,
                                 const char *password, char *err, size_t errsize);

/* Logs in as user and sends stanzas (XML text: any number of stanzas, no
 * initial presence), then waits for the answer to a ping of the server,
 * so that the server has handled them all. No answer to the ping in time
 * is INBAND_ERROR; any answer (a result or an error) is OK. */
enum inband_status inband_send(const struct hostport *hp, const char *domain, const char *user,
                               const char *password, const char *stanzas, char *err,
                               size_t errsize);

#endif
