/* codec: a stanza as ejabberd's xmpp codec decodes it (see codec.h).
 *
 * The order of the checks is the generated decoder's (xmpp's
 * src/rfc6120.erl decode_presence/3, decode_iq/3, decode_message/3): a
 * presence's children first, in document order, then the attributes,
 * id, type, from, to. The texts are xmpp:io_format_error/1's.
 */
#include "codec.h"

#include <string.h>

#include "internal.h"
#include "jid.h"
#include "route.h"
#include "session.h"
#include "xmpp.h"

#define CODEC_TAIL " qualified by namespace 'jabber:client'"

static bool one_of(const char *value, const char *const *set)
{
    for (; *set != NULL; set++)
        if (strcmp(value, *set) == 0)
            return true;
    return false;
}

/* erlang:binary_to_integer/1: an optional sign and at least one digit. */
static bool is_integer(const char *t)
{
    t += *t == '-' || *t == '+';
    if (*t == '\0')
        return false;
    for (; *t != '\0'; t++)
        if (*t < '0' || *t > '9')
            return false;
    return true;
}

static void put_bad(struct buf *text, const char *what, const char *tag)
{
    buf_puts(text, "Bad value of ");
    buf_puts(text, what);
    buf_puts(text, " in tag <");
    buf_puts(text, tag);
    buf_puts(text, "/>" CODEC_TAIL);
}

/* A presence's <show/> and <priority/> (decode_presence_els/7). */
static bool presence_children_ok(const struct stanza_node *el, struct buf *text)
{
    static const char *const shows[] = {"away", "chat", "dnd", "xa", NULL};
    struct buf value = {.heap = text->heap};
    bool ok = true;
    for (const struct stanza_node *c = el->children; c != NULL && ok; c = c->next) {
        if (c->kind != STANZA_ELEMENT || strcmp(c->ns, STANZA_NS_CLIENT) != 0)
            continue;
        const char *v = stanza_text(c, &value);
        if (strcmp(c->name, "show") == 0 && *v != '\0' && !one_of(v, shows))
            put_bad(text, "cdata", "show"), ok = false;
        else if (strcmp(c->name, "priority") == 0 && *v != '\0' && !is_integer(v))
            put_bad(text, "cdata", "priority"), ok = false;
    }
    buf_free(&value);
    return ok;
}

static bool to_ok(struct session *s, const struct stanza_node *el)
{
    const char *to = stanza_attr(el, "", "to");
    struct jid j = {0};
    if (to == NULL)
        return true;
    bool ok = jid_parse(&j, &s->m->heap, to, strlen(to)) == JID_E_OK;
    jid_free(&j);
    return ok;
}

/* The codec's text for el, or nothing in text when it decodes. */
static void check(struct session *s, const struct stanza_node *el, struct buf *text)
{
    static const char *const presence_types[] = {"unavailable", "subscribe", "subscribed",
                                                 "unsubscribe", "unsubscribed", "available",
                                                 "probe", "error", NULL};
    static const char *const iq_types[] = {"get", "set", "result", "error", NULL};
    const char *type = stanza_attr(el, "", "type");
    bool presence = strcmp(el->name, "presence") == 0, iq = strcmp(el->name, "iq") == 0;
    if (presence && !presence_children_ok(el, text))
        return;
    if (iq && stanza_attr(el, "", "id") == NULL)
        buf_puts(text, ROUTE_IQ_TEXT("Missing attribute 'id'"));
    else if (iq && type == NULL)
        buf_puts(text, ROUTE_IQ_TEXT("Missing attribute 'type'"));
    else if ((iq && !one_of(type, iq_types)) ||
             (presence && type != NULL && !one_of(type, presence_types)))
        put_bad(text, "attribute 'type'", el->name);
    else if (!to_ok(s, el))
        put_bad(text, "attribute 'to'", el->name);
}

/* A list of children being regrouped. */
struct chain {
    struct stanza_node *head, *tail;
};

static void chain_push(struct chain *c, struct stanza_node *n)
{
    n->next = NULL;
    if (c->tail != NULL)
        c->tail->next = n;
    else
        c->head = n;
    c->tail = n;
}

static void chain_append(struct chain *to, const struct chain *from)
{
    if (from->head == NULL)
        return;
    if (to->tail != NULL)
        to->tail->next = from->head;
    else
        to->head = from->head;
    to->tail = from->tail;
}

/* A priority's number as encode_presence_priority writes it (enc_int:
 * no sign but '-', no leading zeros). */
static void canonical_priority(struct session *s, struct stanza *st, struct stanza_node *p)
{
    struct buf value = {.heap = &s->m->heap}, out = {.heap = &s->m->heap};
    const char *v = stanza_text(p, &value);
    bool neg = *v == '-';
    v += *v == '-' || *v == '+';
    while (v[0] == '0' && v[1] != '\0')
        v++;
    if (neg && strcmp(v, "0") != 0)
        buf_putc(&out, '-');
    buf_puts(&out, v);
    p->children = p->children_last = NULL;
    stanza_text_add(st, p, out.data, out.len);
    buf_free(&value);
    buf_free(&out);
}

/* encode_presence/2: the other children first, then <priority/>, <show/>
 * and the <status/>es; an empty <show/> or <priority/> is left out, and
 * only the first of each is kept. */
static void presence_rewrite(struct session *s, struct stanza *st, struct stanza_node *el)
{
    struct chain others = {0}, priority = {0}, show = {0}, statuses = {0};
    struct stanza_node *c = el->children;
    while (c != NULL) {
        struct stanza_node *next = c->next;
        bool ours = c->kind == STANZA_ELEMENT && strcmp(c->ns, STANZA_NS_CLIENT) == 0;
        if (ours && strcmp(c->name, "status") == 0)
            chain_push(&statuses, c);
        else if (ours && strcmp(c->name, "priority") == 0 && !priority.head && c->children)
            chain_push(&priority, c);
        else if (ours && strcmp(c->name, "show") == 0 && !show.head && c->children)
            chain_push(&show, c);
        else if (!ours || (strcmp(c->name, "priority") != 0 && strcmp(c->name, "show") != 0))
            chain_push(&others, c);
        c = next;
    }
    if (priority.head != NULL)
        canonical_priority(s, st, priority.head);
    chain_append(&others, &priority);
    chain_append(&others, &show);
    chain_append(&others, &statuses);
    el->children = others.head;
    el->children_last = others.tail;
}

void codec_message_rewrite(struct stanza_node *el)
{
    static const char *const order[] = {"body", "subject", "thread"};
    struct chain groups[4] = {{0}};   /* the others, then order[] */
    struct stanza_node *c = el->children;
    while (c != NULL) {
        struct stanza_node *next = c->next;
        size_t g = 0;
        for (size_t i = 0; c->kind == STANZA_ELEMENT && strcmp(c->ns, STANZA_NS_CLIENT) == 0 &&
                           i < 3 && g == 0;
             i++)
            g = strcmp(c->name, order[i]) == 0 ? i + 1 : 0;
        chain_push(&groups[g], c);
        c = next;
    }
    for (size_t g = 1; g < 4; g++)
        chain_append(&groups[0], &groups[g]);
    el->children = groups[0].head;
    el->children_last = groups[0].tail;
}

bool codec_decode(struct session *s, struct stanza *st)
{
    static const char *const message_types[] = {"chat", "groupchat", "headline", "error", NULL};
    struct stanza_node *el = stanza_root(st);
    struct buf text = {.heap = &s->m->heap};
    check(s, el, &text);
    if (text.len > 0) {
        if (!route_is_reply(el))   /* xmpp_stream_in:send_error/3 */
            route_error(s, el, "modify", "bad-request", buf_cstr(&text));
        buf_free(&text);
        return false;
    }
    buf_free(&text);
    const char *type = stanza_attr(el, "", "type");
    if (strcmp(el->name, "message") == 0 && type != NULL && !one_of(type, message_types))
        stanza_attr_set(st, el, "type", NULL);   /* dec_message_type: normal, not written */
    if (strcmp(el->name, "message") == 0)
        codec_message_rewrite(el);
    if (strcmp(el->name, "presence") == 0)
        presence_rewrite(s, st, el);
    return true;
}
