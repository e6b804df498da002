/* phases: the messages of the harness's own connect phases (runner.c's
 * connect, auth and bind steps): the stream header, SASL PLAIN's <auth/>
 * and the bind iq, each as the bytes written and, when those bytes parse
 * to it exactly, as what a parser reads from them (a header, a tree), for
 * target_send_parsed. The parsed form is left out (NULL) when a value
 * holds a byte a parser would change or refuse: only printable ASCII goes
 * into it (XML normalizes line ends, and whitespace in attributes; a
 * control character is not well-formed). Pure: no I/O.
 */
#ifndef SESSIM_SIM_PHASES_H
#define SESSIM_SIM_PHASES_H

#include <stdbool.h>

#include "model/buf.h"
#include "model/stanza.h"
#include "model/xmlstream.h"

struct phases_msg {
    struct buf bytes;                   /* what is written */
    const struct xmlstream_header *header;   /* the header parsed, or NULL */
    struct stanza *tree;                /* the stanza parsed, or NULL */
    struct xmlstream_header head;       /* header's storage */
};

/* The client's stream header to domain, after an XML declaration when
 * declaration is true (the connection's first). Strings are borrowed. */
void phases_header(const char *domain, bool declaration, struct phases_msg *out);
/* <auth mechanism='PLAIN'> for account and password. */
void phases_auth(const char *account, const char *password, struct phases_msg *out);
/* <iq type='set' id=ID><bind><resource>RESOURCE</resource></bind></iq>. */
void phases_bind(const char *id, const char *resource, struct phases_msg *out);
void phases_msg_free(struct phases_msg *m);

#endif
