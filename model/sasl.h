/* sasl: SASL negotiation on an unauthenticated stream (SEMANTICS A1-A6).
 *
 * Only PLAIN is offered (0.8: allowed without TLS, as in the reference
 * server's test configuration). Success makes the session authenticated
 * and restarts the stream (A5); every failure leaves it unauthenticated
 * with unlimited retries (A3).
 */
#ifndef SESSIM_MODEL_SASL_H
#define SESSIM_MODEL_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "stanza.h"

struct session;

/* Handles an element in the SASL namespace on an unauthenticated session. */
void sasl_handle(struct session *s, const struct stanza_node *el);

/* EJ20: an <auth/> or <response/> once authenticated (ejabberd's
 * xmpp_stream_in process_element/2): a failure, the stream stays. */
void sasl_handle_late(struct session *s);

/* Decodes base64 (RFC 4648, padding required, whitespace refused) into
 * out (at least len * 3 / 4 + 1 bytes). Returns false on bad input. */
bool sasl_base64_decode(const char *in, size_t len, unsigned char *out, size_t *out_len);

#endif
