/* xmpp: stanza builders (see xmpp.h). */
#include "xmpp.h"

#include <string.h>

#include "heap.h"

bool xmpp_type_is(const char *type, const char *want)
{
    return type != NULL && strcmp(type, want) == 0;
}

/* A new tree whose root is NS:NAME with the attributes type, id, from, to
 * in that order, each left out when NULL. */
static struct stanza *xmpp_head(struct heap *h, const char *ns, const char *name,
                                const char *type, const char *id, const char *from,
                                const char *to)
{
    struct stanza *st = stanza_new(h);
    struct stanza_node *r = stanza_element_add(st, NULL, ns, name);
    const char *keys[] = {"type", "id", "from", "to"};
    const char *values[] = {type, id, from, to};
    for (size_t i = 0; i < 4; i++)
        if (values[i] != NULL)
            stanza_attr_add(st, r, "", keys[i], values[i]);
    return st;
}

struct stanza *xmpp_error_reply_with(struct heap *h, const struct stanza_node *orig,
                                     const char *type, const char *condition, const char *text,
                                     bool payload)
{
    struct stanza *st = xmpp_head(h, orig->ns, orig->name, "error", stanza_attr(orig, "", "id"),
                             stanza_attr(orig, "", "to"), stanza_attr(orig, "", "from"));
    struct stanza_node *r = stanza_root(st);
    for (const struct stanza_node *c = payload ? orig->children : NULL; c; c = c->next)
        if (c->kind == STANZA_ELEMENT && strcmp(c->name, "error") != 0)
            stanza_copy_into(st, r, c);
    struct stanza_node *e = stanza_element_add(st, r, orig->ns, "error");
    stanza_attr_add(st, e, "", "type", type);
    stanza_element_add(st, e, XMPP_NS_STANZAS, condition);
    if (text) {
        struct stanza_node *t = stanza_element_add(st, e, XMPP_NS_STANZAS, "text");
        stanza_text_add(st, t, text, strlen(text));
    }
    return st;
}

struct stanza *xmpp_iq_reply(struct heap *h, const struct stanza_node *orig)
{
    return xmpp_iq_result(h, stanza_attr(orig, "", "id"), stanza_attr(orig, "", "from"),
                          stanza_attr(orig, "", "to"));
}

struct stanza *xmpp_iq_result(struct heap *h, const char *id, const char *to,
                              const char *from)
{
    return xmpp_head(h, STANZA_NS_CLIENT, "iq", "result", id, from, to);
}

struct stanza *xmpp_presence(struct heap *h, const char *type, const char *from,
                             const char *to)
{
    return xmpp_head(h, STANZA_NS_CLIENT, "presence", type, NULL, from, to);
}

void xmpp_add_status(struct stanza *st, struct stanza_node *el, const char *text)
{
    struct stanza_node *s = stanza_element_add(st, el, STANZA_NS_CLIENT, "status");
    stanza_text_add(st, s, text, strlen(text));
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
static void civil(long long z, int *y, unsigned *mo, unsigned *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *mo = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*mo <= 2));
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

void xmpp_stamp(unsigned long long ms, char out[21])
{
    unsigned long long secs = ms / 1000;
    int y;
    unsigned mo, d;
    civil((long long)(secs / 86400), &y, &mo, &d);
    unsigned sod = (unsigned)(secs % 86400);
    put2(out, (unsigned)y / 100);
    put2(out + 2, (unsigned)y % 100);
    out[4] = '-';
    put2(out + 5, mo);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, sod / 3600);
    out[13] = ':';
    put2(out + 14, sod / 60 % 60);
    out[16] = ':';
    put2(out + 17, sod % 60);
    out[19] = 'Z';
    out[20] = '\0';
}

struct stanza_node *xmpp_add_delay(struct stanza *st, struct stanza_node *el, const char *from,
                                   unsigned long long ms)
{
    char stamp[21];
    xmpp_stamp(ms, stamp);
    struct stanza_node *d = stanza_element_add(st, el, XMPP_NS_DELAY, "delay");
    stanza_attr_add(st, d, "", "from", from);
    stanza_attr_add(st, d, "", "stamp", stamp);
    return d;
}
