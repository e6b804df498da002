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
#define CODEC_ROSTER_TAIL " qualified by namespace 'jabber:iq:roster'"

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

static void put_bad_in(struct buf *text, const char *what, const char *tag, const char *tail)
{
    buf_puts(text, "Bad value of ");
    buf_puts(text, what);
    buf_puts(text, " in tag <");
    buf_puts(text, tag);
    buf_puts(text, "/>");
    buf_puts(text, tail);
}

static void put_bad(struct buf *text, const char *what, const char *tag)
{
    put_bad_in(text, what, tag, CODEC_TAIL);
}

/* dec_int(V, 0, infinity): an integer, not negative. */
static bool is_non_neg_integer(const char *t)
{
    if (!is_integer(t))
        return false;
    return *t != '-' || strspn(t + 1, "0") == strlen(t + 1);   /* -0 is 0 */
}

/* The codec's text for attribute name of el: missing (a required one) or
 * of a bad value. */
static void put_attr_error(struct buf *text, const struct stanza_node *el, const char *name,
                           bool missing)
{
    buf_puts(text, missing ? "Missing attribute '" : "Bad value of attribute '");
    buf_puts(text, name);
    buf_puts(text, "' in tag <");
    buf_puts(text, el->name);
    buf_puts(text, "/> qualified by namespace '");
    buf_puts(text, el->ns);
    buf_puts(text, "'");
}

void codec_sm_check(const struct stanza_node *el, struct buf *text)
{
    static const char *const booleans[] = {"true", "false", "1", "0", NULL};
    bool a = strcmp(el->name, "a") == 0, resume = strcmp(el->name, "resume") == 0;
    const char *h = stanza_attr(el, "", "h"), *previd = stanza_attr(el, "", "previd");
    const char *res = stanza_attr(el, "", "resume"), *max = stanza_attr(el, "", "max");
    if ((a || resume) && (h == NULL || !is_non_neg_integer(h)))
        put_attr_error(text, el, "h", h == NULL);
    else if (resume && previd == NULL)
        put_attr_error(text, el, "previd", true);
    else if (strcmp(el->name, "enable") == 0 && res != NULL && !one_of(res, booleans))
        put_attr_error(text, el, "resume", false);
    else if (strcmp(el->name, "enable") == 0 && max != NULL && !is_non_neg_integer(max))
        put_attr_error(text, el, "max", false);
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

static bool jid_ok(struct session *s, const char *v)
{
    struct jid j;   /* jid_parse zeroes it first */
    bool ok = jid_parse(&j, &s->m->heap, v, strlen(v)) == JID_E_OK;
    jid_free(&j);
    return ok;
}

static bool to_ok(struct session *s, const struct stanza_node *el)
{
    const char *to = stanza_attr(el, "", "to");
    return to == NULL || jid_ok(s, to);
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

/* An iq mod_roster gets through the session manager, which decodes its
 * query first: from a bound session, with no `to` or to the bare JID of
 * an account of this server, the session's own or another's (EJ26, EJ51). */
static bool to_local_account(struct session *s, const struct stanza_node *el)
{
    const char *to = stanza_attr(el, "", "to");
    if (s->full_jid == NULL || to == NULL)
        return s->full_jid != NULL;
    struct jid j;
    bool local = jid_parse(&j, &s->m->heap, to, strlen(to)) == JID_E_OK && j.local_len > 0 &&
                 j.resource_len == 0 && jid_domain_is(&j, s->m->domain);
    jid_free(&j);
    return local;
}

/* EJ26: one <item/> as decode_roster_item/3 reads it, its attributes in
 * the decoder's order. */
static void roster_item_check(struct session *s, const struct stanza_node *item, struct buf *text)
{
    static const char *const subscriptions[] = {"none", "to", "from", "both", "remove", NULL};
    static const char *const asks[] = {"subscribe", "unsubscribe", NULL};
    const char *jid = stanza_attr(item, "", "jid");
    const char *sub = stanza_attr(item, "", "subscription");
    const char *ask = stanza_attr(item, "", "ask");
    if (jid == NULL)
        buf_puts(text, "Missing attribute 'jid' in tag <item/>" CODEC_ROSTER_TAIL);
    else if (!jid_ok(s, jid))
        put_bad_in(text, "attribute 'jid'", "item", CODEC_ROSTER_TAIL);
    else if (sub != NULL && !one_of(sub, subscriptions))
        put_bad_in(text, "attribute 'subscription'", "item", CODEC_ROSTER_TAIL);
    else if (ask != NULL && !one_of(ask, asks))
        put_bad_in(text, "attribute 'ask'", "item", CODEC_ROSTER_TAIL);
}

static bool is_roster_item(const struct stanza_node *c)
{
    return c->kind == STANZA_ELEMENT && strcmp(c->ns, XMPP_NS_ROSTER) == 0 &&
           strcmp(c->name, "item") == 0;
}

void codec_roster_items_check(struct session *s, const struct stanza_node *q, struct buf *text)
{
    for (const struct stanza_node *c = q->children; c != NULL && text->len == 0; c = c->next)
        if (is_roster_item(c))
            roster_item_check(s, c, text);
}

/* EJ26: a roster query to an account's bare JID whose items decode, written
 * out as the codec writes it: what is not an <item/> is dropped, an item
 * without subscription says "none". One that does not decode is left as
 * it came, for the roster handler's error (codec_roster_items_check). */
static void roster_query_rewrite(struct session *s, struct stanza *st, struct stanza_node *el)
{
    struct stanza_node *q = stanza_child(el, XMPP_NS_ROSTER, "query");
    if (q == NULL || !to_local_account(s, el) || route_is_reply(el))
        return;
    struct buf text = {.heap = &s->m->heap};
    codec_roster_items_check(s, q, &text);
    bool decodes = text.len == 0;
    buf_free(&text);
    if (!decodes)
        return;
    struct chain items = {0};
    for (struct stanza_node *c = q->children, *next; c != NULL; c = next) {
        next = c->next;
        if (!is_roster_item(c))
            continue;
        if (stanza_attr(c, "", "subscription") == NULL)
            stanza_attr_set(st, c, "subscription", "none");
        chain_push(&items, c);
    }
    q->children = items.head;
    q->children_last = items.tail;
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

/* Whether attribute a is the one named ("xml:lang" for the XML namespace's
 * lang, else an unqualified name). */
static bool attr_is(const struct stanza_attr *a, const char *name)
{
    if (strncmp(name, "xml:", 4) == 0)
        return strcmp(a->ns, STANZA_NS_XML) == 0 && strcmp(a->name, name + 4) == 0;
    return a->ns[0] == '\0' && strcmp(a->name, name) == 0;
}

/* The attributes of el the decoder reads, names (NULL-terminated), and not
 * empty: the encoder writes none for an empty value, nor any other. */
static void keep_attrs(struct stanza_node *el, const char *const *names)
{
    struct stanza_attr **link = &el->attrs;
    el->attrs_last = NULL;
    while (*link != NULL) {
        struct stanza_attr *a = *link;
        bool kept = false;
        for (const char *const *n = names; *n != NULL && !kept; n++)
            kept = a->value[0] != '\0' && attr_is(a, *n);
        if (kept) {
            el->attrs_last = a;
            link = &a->next;
        } else {
            *link = a->next;
        }
    }
}

/* A child as the codec decodes it and writes it out again: its direct
 * text only (elements inside are not read), and of its attributes only
 * names. */
static void decoded_child(struct session *s, struct stanza *st, struct stanza_node *c,
                          const char *const *names)
{
    struct buf text = {.heap = &s->m->heap};
    stanza_text(c, &text);
    c->children = c->children_last = NULL;
    stanza_text_add(st, c, text.data, text.len);
    buf_free(&text);
    keep_attrs(c, names);
}

static const char *const no_attrs[] = {NULL};
static const char *const lang_attr[] = {"xml:lang", NULL};

static bool is_client_child(const struct stanza_node *c, const char *name)
{
    return c->kind == STANZA_ELEMENT && strcmp(c->ns, STANZA_NS_CLIENT) == 0 &&
           strcmp(c->name, name) == 0;
}

/* decode_presence_els/7: text between the children is not read; each
 * <show/> or <priority/> replaces the one before it, and an empty one
 * leaves none (decoded as undefined); then encode_presence/2's order. */
static void presence_decode(struct session *s, struct stanza *st, struct stanza_node *el)
{
    struct chain kept = {0};
    struct stanza_node *priority = NULL, *show = NULL;
    struct buf value = {.heap = &s->m->heap};
    for (struct stanza_node *c = el->children, *next; c != NULL; c = next) {
        next = c->next;
        if (c->kind != STANZA_ELEMENT)
            continue;
        if (is_client_child(c, "priority")) {
            priority = *stanza_text(c, &value) != '\0' ? c : NULL;
            continue;
        }
        if (is_client_child(c, "show")) {
            show = *stanza_text(c, &value) != '\0' ? c : NULL;
            continue;
        }
        if (is_client_child(c, "status"))
            decoded_child(s, st, c, lang_attr);
        chain_push(&kept, c);
    }
    buf_free(&value);
    if (priority != NULL) {
        canonical_priority(s, st, priority);
        keep_attrs(priority, no_attrs);
        chain_push(&kept, priority);
    }
    if (show != NULL) {
        decoded_child(s, st, show, no_attrs);
        chain_push(&kept, show);
    }
    el->children = kept.head;
    codec_encode_order(el);
}

/* decode_message_els/7: text between the children is not read, each
 * <body/> and <subject/> is its text and xml:lang, and of the <thread/>s
 * (text and parent) the last one is kept; then encode_message/2's order. */
static void message_decode(struct session *s, struct stanza *st, struct stanza_node *el)
{
    static const char *const thread_attrs[] = {"parent", NULL};
    struct chain kept = {0};
    struct stanza_node *thread = NULL;
    for (struct stanza_node *c = el->children, *next; c != NULL; c = next) {
        next = c->next;
        if (c->kind != STANZA_ELEMENT)
            continue;
        if (is_client_child(c, "thread")) {
            thread = c;
            continue;
        }
        if (is_client_child(c, "body") || is_client_child(c, "subject"))
            decoded_child(s, st, c, lang_attr);
        chain_push(&kept, c);
    }
    if (thread != NULL) {
        decoded_child(s, st, thread, thread_attrs);
        chain_push(&kept, thread);
    }
    el->children = kept.head;
    codec_encode_order(el);
}

void codec_encode_order(struct stanza_node *el)
{
    static const char *const presence_order[] = {"priority", "show", "status", NULL};
    static const char *const message_order[] = {"body", "subject", "thread", NULL};
    const char *const *order = strcmp(el->name, "presence") == 0  ? presence_order
                               : strcmp(el->name, "message") == 0 ? message_order
                                                                  : NULL;
    if (order == NULL)
        return;
    struct chain groups[4] = {{0}};   /* the others, then order[] */
    for (struct stanza_node *c = el->children, *next; c != NULL; c = next) {
        next = c->next;
        size_t g = 0;
        for (size_t i = 0; order[i] != NULL && g == 0; i++)
            g = is_client_child(c, order[i]) ? i + 1 : 0;
        chain_push(&groups[g], c);
    }
    for (size_t g = 1; g < 4; g++)
        chain_append(&groups[0], &groups[g]);
    el->children = groups[0].head;
    el->children_last = groups[0].tail;
}

/* prep_lang/1's lower case: "en" in any case. */
static bool is_lang_en(const char *lang)
{
    return (lang[0] | 0x20) == 'e' && (lang[1] | 0x20) == 'n' && lang[2] == '\0';
}

void codec_status_text(const struct stanza_node *el, struct buf *out)
{
    struct buf text = {.heap = out->heap};
    buf_clear(out);
    for (const struct stanza_node *c = stanza_child(el, STANZA_NS_CLIENT, "status"); c != NULL;
         c = stanza_child_next(c, STANZA_NS_CLIENT, "status")) {
        const char *lang = stanza_attr(c, STANZA_NS_XML, "lang");
        stanza_text(c, &text);
        bool en = lang != NULL && is_lang_en(lang);
        if (en || lang == NULL || out->len == 0) {
            buf_clear(out);
            buf_append(out, text.data, text.len);
        }
        if (en)
            break;
    }
    buf_free(&text);
}

bool codec_decode(struct session *s, struct stanza *st)
{
    static const char *const message_types[] = {"chat", "groupchat", "headline", "error", NULL};
    struct stanza_node *el = stanza_root(st);
    struct buf text = {.heap = &s->m->heap};
    check(s, el, &text);
    if (text.len > 0) {
        if (!route_is_reply(el))   /* xmpp_stream_in:send_error/3 */
            route_error_undecoded(s, el, buf_cstr(&text));
        buf_free(&text);
        return false;
    }
    buf_free(&text);
    static const char *const stanza_attrs[] = {"id", "type", "from", "to", "xml:lang", NULL};
    keep_attrs(el, stanza_attrs);   /* decode_{message,presence,iq}_attrs */
    const char *type = stanza_attr(el, "", "type");
    if (strcmp(el->name, "message") == 0 && type != NULL && !one_of(type, message_types))
        stanza_attr_set(st, el, "type", NULL);   /* dec_message_type: normal, not written */
    if (strcmp(el->name, "message") == 0)
        message_decode(s, st, el);
    if (strcmp(el->name, "presence") == 0)
        presence_decode(s, st, el);
    if (strcmp(el->name, "iq") == 0)
        roster_query_rewrite(s, st, el);
    return true;
}
