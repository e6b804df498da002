/* gen_stanza: the stanza texts the explorer's generator writes (see gen_stanza.h). */
#include "explore/gen_stanza.h"

#include <stdio.h>
#include <string.h>

#include "base/count.h"
#include "explore/gen_state.h"

void gen_stanza_id(struct gen *g)
{
    buf_puts(&g->text, " id='e");
    buf_put_u64(&g->text, ++g->ids);
    buf_putc(&g->text, '\'');
}

/* An address as the sender ci might write it: users' bare and full JIDs
 * (existing, offline, never registered), its own, unknown accounts, the
 * domain, another domain, a malformed one. */
static void put_address(struct gen *g, size_t ci)
{
    const struct gclient *c = &g->c[ci];
    unsigned k = (unsigned)gen_below(g, 100);
    if (k < 40)
        gen_put_bare(g, (size_t)gen_below(g, g->nusers + 1));
    else if (k < 65)
        gen_put_full(g, (size_t)gen_below(g, g->nusers + 1), (int)gen_below(g, g->nresources + 1));
    else if (k < 72)
        gen_put_bare(g, c->user);
    else if (k < 78)
        gen_put_full(g, c->user, c->asked);
    else if (k < 83)
        buf_puts(&g->text, "nobody@" DOMAIN);
    else if (k < 88)
        buf_puts(&g->text, DOMAIN);
    else if (k < 94)   /* live on ejabberd: no remote domain (DIVERGENCES-ejabberd.md L1) */
        buf_puts(&g->text, g->live && gen_ejabberd(g) ? "nobody@" DOMAIN : "someone@remote.example");
    else
        buf_puts(&g->text, k < 97 ? "@" DOMAIN : "u1@" DOMAIN "/");
}

static void put_to(struct gen *g, size_t ci)
{
    buf_puts(&g->text, " to='");
    put_address(g, ci);
    buf_putc(&g->text, '\'');
}

static void put_word(struct gen *g, const char *const *words, size_t n)
{
    buf_puts(&g->text, words[gen_below(g, n)]);
}

#define PUT_WORD(g, words) put_word(g, words, COUNT(words))

/* P1-P7: broadcast presence, with priority (in range, out of range,
 * garbage), show and status; or unavailable. */
void gen_stanza_presence(struct gen *g, size_t ci)
{
    static const char *const shows[] = {"away", "chat", "dnd", "xa", "bogus"};
    static const char *const garbage[] = {"200", "-300", "x", "", "+5", "007"};
    struct buf *t = &g->text;
    bool to_self = gen_chance(g, 10);
    if (gen_chance(g, 25)) {
        buf_puts(t, "<presence type='unavailable'");
        if (to_self) {
            buf_puts(t, " to='");
            gen_put_bare(g, g->c[ci].user);
            buf_putc(t, '\'');
        }
        buf_puts(t, gen_chance(g, 30) ? "><status>bye</status></presence>" : "/>");
        return;
    }
    buf_puts(t, "<presence>");
    if (gen_chance(g, 50)) {
        buf_puts(t, "<show>");
        PUT_WORD(g, shows);
        buf_puts(t, "</show>");
    }
    if (gen_chance(g, 70)) {
        char n[16];
        snprintf(n, sizeof n, "%d", (int)gen_below(g, 256) - 128);
        buf_puts(t, "<priority>");
        buf_puts(t, gen_chance(g, 10) ? garbage[gen_below(g, COUNT(garbage))] : n);
        buf_puts(t, "</priority>");
    }
    if (gen_chance(g, 20))
        buf_puts(t, "<status>here</status>");
    buf_puts(t, "</presence>");
}

/* P8-P17: directed presence of every type to any address. */
void gen_stanza_directed(struct gen *g, size_t ci)
{
    static const char *const types[] = {"", "unavailable", "probe", "error", "bogus"};
    buf_puts(&g->text, "<presence");
    put_to(g, ci);
    const char *type = types[gen_below(g, COUNT(types))];
    if (*type != '\0') {
        buf_puts(&g->text, " type='");
        buf_puts(&g->text, type);
        buf_putc(&g->text, '\'');
    }
    if (strcmp(type, "error") == 0 && gen_chance(g, 50))
        buf_puts(&g->text, "><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-"
                           "stanzas'/></error></presence>");
    else
        buf_puts(&g->text, "/>");
}

/* R9-R21: subscription requests and answers between random pairs. */
void gen_stanza_subscription(struct gen *g, size_t ci)
{
    static const char *const types[] = {"subscribe", "subscribed", "unsubscribe",
                                        "unsubscribed"};
    const char *type = types[gen_below(g, COUNT(types))];
    bool bare = gen_chance(g, 75);
    bool approval = g->live && strcmp(type, "subscribed") == 0;
    size_t target = bare || approval ? (size_t)gen_below(g, g->nusers + 1) : 0;
    if (approval) {
        /* Live, a user approves a contact once, by bare JID: a repeated
         * pre-approval bumps Prosody's roster version (DIVERGENCES.md R3). */
        bool nobody = target < USERS_MAX && g->u[target].stale;   /* written nobody@ */
        unsigned bit = 1u << (nobody ? USERS_MAX + 1 : target);
        if (g->u[g->c[ci].user].approved & bit)
            type = "subscribe";
        g->u[g->c[ci].user].approved |= bit;
    }
    buf_puts(&g->text, "<presence type='");
    buf_puts(&g->text, type);
    buf_putc(&g->text, '\'');
    if (bare || approval) {
        buf_puts(&g->text, " to='");
        gen_put_bare(g, target);
        buf_putc(&g->text, '\'');
    } else {
        size_t at = g->text.len;
        put_to(g, ci);
        /* Live, no request to a full JID: Prosody replays it with that
         * address or the bare JID depending on its roster cache
         * (DIVERGENCES.md R20). */
        if (g->live && memchr(g->text.data + at, '/', g->text.len - at) != NULL) {
            g->text.len = at;
            buf_puts(&g->text, " to='");
            gen_put_bare(g, (size_t)gen_below(g, g->nusers + 1));
            buf_putc(&g->text, '\'');
        }
    }
    buf_puts(&g->text, gen_chance(g, 10) ? "><preauth xmlns='urn:xmpp:pars:0'/></presence>" : "/>");
}

/* Whether to, a written " to='...'" attribute, is client ci's own bare JID. */
static bool own_bare_to(struct gen *g, size_t ci, const char *to)
{
    char name[24], want[48];
    gen_user_name(name, sizeof name, g->c[ci].user);
    snprintf(want, sizeof want, " to='%s@" DOMAIN "'", name);
    return strcmp(to, want) == 0;
}

/* Whether the text from at on is client ci's own bare JID and a quote. */
static bool own_bare_at(struct gen *g, size_t ci, size_t at)
{
    char name[24], want[48];
    gen_user_name(name, sizeof name, g->c[ci].user);
    snprintf(want, sizeof want, "%s@" DOMAIN "'", name);
    return g->text.len - at == strlen(want) && memcmp(g->text.data + at, want, strlen(want)) == 0;
}

/* R2-R7: roster get (with or without a version), set, remove, bad sets. */
void gen_stanza_roster(struct gen *g, size_t ci)
{
    struct buf *t = &g->text;
    unsigned k = (unsigned)gen_below(g, 100);
    buf_puts(t, k < 30 ? "<iq type='get'" : "<iq type='set'");
    gen_stanza_id(g);
    buf_puts(t, "><query xmlns='jabber:iq:roster'");
    if (k < 30) {
        buf_puts(t, gen_chance(g, 30) ? " ver='1'/></iq>" : "/></iq>");
        return;
    }
    buf_puts(t, "><item jid='");
    size_t at = t->len;
    if (gen_chance(g, 85))
        gen_put_bare(g, (size_t)gen_below(g, g->nusers + 1));
    else
        put_address(g, ci);
    buf_putc(t, '\'');
    const char *slash = memchr(t->data + at, '/', t->len - at);
    if (g->live && gen_ejabberd(g) && slash != NULL && slash[1] != '\'') {
        /* live on ejabberd: no resource (DIVERGENCES-ejabberd.md L2) */
        t->len = (size_t)(slash - t->data);
        buf_putc(t, '\'');
    }
    if (g->live && gen_ejabberd(g) && own_bare_at(g, ci, at)) {
        /* live on ejabberd: not one's own JID (DIVERGENCES-ejabberd.md L2) */
        t->len = at;
        buf_puts(t, "nobody@" DOMAIN "'");
    }
    if (k < 55) {
        buf_puts(t, " subscription='remove'/>");
    } else {
        buf_puts(t, gen_chance(g, 50) ? " name='Friend'>" : ">");
        buf_puts(t, gen_chance(g, 50) ? "<group>Friends</group>" : "");
        buf_puts(t, "</item>");
    }
    buf_puts(t, k >= 95 ? "<item jid='x@" DOMAIN "'/></query></iq>" : "</query></iq>");
}

/* M1-M11, O1-O4: messages of every type to any address. */
void gen_stanza_message(struct gen *g, size_t ci)
{
    static const char *const types[] = {"", "chat", "normal", "headline", "groupchat", "error",
                                        "bogus"};
    buf_puts(&g->text, "<message");
    size_t start = g->text.len;
    if (gen_chance(g, 95))
        put_to(g, ci);
    const char *type = types[gen_below(g, COUNT(types))];
    if (g->live && strcmp(type, "headline") == 0) {
        /* Prosody drops a headline to one's own bare JID (DIVERGENCES.md
         * M7): live, headlines go to full JIDs. */
        g->text.len = start;
        buf_puts(&g->text, " to='");
        gen_put_full(g, (size_t)gen_below(g, g->nusers + 1), (int)gen_below(g, g->nresources + 1));
        buf_putc(&g->text, '\'');
    }
    if (*type != '\0') {
        buf_puts(&g->text, " type='");
        buf_puts(&g->text, type);
        buf_putc(&g->text, '\'');
    }
    gen_stanza_id(g);
    buf_puts(&g->text, "><body>hello</body></message>");
}

/* M2, M12-M15: iqs with known and unknown payloads, every type, missing
 * ids and extra children. */
void gen_stanza_iq(struct gen *g, size_t ci)
{
    static const char *const types[] = {"get", "set", "result", "error", "bogus"};
    static const char *const payloads[] = {
        "<ping xmlns='urn:xmpp:ping'/>", "<query xmlns='urn:example:unknown'/>",
        "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>",
        "<query xmlns='jabber:iq:register'/>", ""};
    struct buf *t = &g->text;
    const char *type = types[gen_below(g, COUNT(types))];
    buf_puts(t, "<iq type='");
    buf_puts(t, type);
    buf_putc(t, '\'');
    size_t to_at = t->len;
    if (gen_chance(g, 70))
        put_to(g, ci);
    char to[64];
    snprintf(to, sizeof to, "%.*s", (int)(t->len > to_at ? t->len - to_at : 0), t->data + to_at);
    if (gen_chance(g, 92))
        gen_stanza_id(g);
    buf_putc(t, '>');
    const char *payload = payloads[gen_below(g, COUNT(payloads))];
    /* Live, a registration set names a username: with both fields missing
     * Prosody lists them in hash order (DIVERGENCES.md 0.4). */
    if (g->live && strcmp(type, "set") == 0 && strstr(payload, "jabber:iq:register") != NULL)
        payload = "<query xmlns='jabber:iq:register'><username>u1</username></query>";
    /* Live, the session payload only in sets: Prosody answers a get too
     * (DIVERGENCES.md A10). */
    if (g->live && strcmp(type, "set") != 0 && strstr(payload, "xmpp-session") != NULL)
        payload = "<ping xmlns='urn:xmpp:ping'/>";
    /* Live, no ping to another account's bare JID: Prosody answers it
     * (DIVERGENCES.md M13). */
    if (g->live && strstr(payload, "urn:xmpp:ping") != NULL && strstr(to, "@" DOMAIN "'") &&
        strchr(to, '/') == NULL && !own_bare_to(g, ci, to))
        payload = "<query xmlns='urn:example:unknown'/>";
    buf_puts(t, payload);
    if (gen_chance(g, 5))
        buf_puts(t, "<ping xmlns='urn:xmpp:ping'/>");
    buf_puts(t, "</iq>");
}
