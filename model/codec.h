/* codec: a stanza as ejabberd's xmpp codec decodes it (SEMANTICS EJ18).
 *
 * Under the ejabberd profile every message, presence and iq a client
 * sends is decoded before anything else looks at it, on every stream
 * (before EJ13's check of an unauthenticated one): a value the codec
 * refuses gets `modify`/`bad-request` with the codec's text, and the
 * stanza goes no further; one it accepts is what ejabberd routes, written
 * out again as the codec writes it. Only the fields SEMANTICS names are
 * checked and rewritten (those a client of the model's vocabulary sends).
 */
#ifndef SESSIM_MODEL_CODEC_H
#define SESSIM_MODEL_CODEC_H

#include <stdbool.h>

#include "buf.h"
#include "stanza.h"

struct session;

/* The stanza st (a message, presence or iq from session s, before `from`
 * is stamped): false when the codec refuses it (answered with the error
 * unless it is an error or an iq result: RFC 6120 8.3.1), true when it
 * goes on, rewritten in place as the codec writes it out. */
bool codec_decode(struct session *s, struct stanza *st);
/* EJ26: the codec's text for the first <item/> of the roster query q that
 * does not decode; nothing in text when every one does. */
void codec_roster_items_check(struct session *s, const struct stanza_node *q, struct buf *text);
/* EJ31: the codec's text for a stream management <a/>, <resume/> or
 * <enable/> whose attributes do not decode (h and max integers >= 0, previd
 * required, resume a boolean); nothing in text when they do. */
void codec_sm_check(const struct stanza_node *el, struct buf *text);
/* xmpp:get_text/1 of el's <status/>es (as decoded, EJ18) into out: the
 * first one in English ("en" in any case), else the last one without
 * xml:lang, else the first one with any text (EJ49). */
void codec_status_text(const struct stanza_node *el, struct buf *out);
/* A message's or a presence's children in the order encode_message/2 and
 * encode_presence/2 write them: the others (a <delay/> the server added
 * too) first, then <body/>, <subject/>, <thread/>, or <priority/>,
 * <show/>, <status/>; other stanzas are left as they are (EJ18). */
void codec_encode_order(struct stanza_node *el);

#endif
