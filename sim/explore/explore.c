/* explore: generation, running, shrinking and reporting (see explore.h).
 *
 * The shadow. The runner fails a step the harness cannot do (connect on a
 * bound stream, auth without an open unauthenticated stream, send without
 * a connection...), so a generator that wrote such steps would report its
 * own mistakes. Each client therefore carries the set of harness states it
 * may be in (a bit mask over NONE, CLOSED, RAW, UNAUTHED, AUTHED, BOUND),
 * updated by every step from the rules that move it: SASL succeeds iff the
 * account exists and the harness knows its password (A3, G5), binds
 * conflict per the server's policy (X2-X4), deletion and password change
 * close the account's authenticated sessions (G7, G11), unauthenticated
 * sessions time out (S12), restart closes everything (S14), stream errors
 * close (S3, S6, S13). A step is written only when it is valid in every
 * state of the mask; when a rule's outcome is not known (a resource bound
 * at random, a write that may land on a fresh connection) the mask grows,
 * and `drop`, valid in every state but NONE, brings it back to one state.
 * A harness failure is thus a real disagreement between SEMANTICS, as the
 * shadow encodes it, and the model; it is reported like any failure.
 *
 * Determinism: one PRNG per run, seeded from the exploration seed and the
 * run index; runner seed 0, so a reproducer fails under `sessim run FILE`
 * exactly as it did here. Bounds: steps per run, runs, pieces per write,
 * attempts to find an applicable step kind, the shrinker's budget, and a
 * per-run alarm when runs are isolated in child processes.
 */
#include "explore/explore.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/count.h"
#include "base/exit.h"
#include "base/proc.h"
#include "model/buf.h"
#include "model/model.h"
#include "scenario/emit.h"
#include "base/mem.h"
#include "model/prng.h"
#include "report/report.h"
#include "run/runner.h"
#include "explore/shrink.h"
#include "live/target_tcp.h"
#include "live/twin.h"


#define USERS_MAX 4
#define CLIENTS_MAX 6
#define RESOURCES_MAX 3
#define PIECES_MAX 4
#define STANZAS_PER_WRITE_MAX 3
#define PICK_ATTEMPTS 16          /* draws of a step kind before the fallback scan */
#define HOUR_MS (3600ull * 1000)
#define DAY_MS (24 * HOUR_MS)
#define MESSAGE_MAX (64u * 1024u) /* runner report bytes kept from a child */
#define DOMAIN "localhost"

/* ---- small helpers ---- */

/* ---- the shadow: what each client's harness state may be ---- */

enum cstate { CS_NONE, CS_CLOSED, CS_RAW, CS_UNAUTHED, CS_AUTHED, CS_BOUND };

#define BIT(s) (1u << (s))
#define OPEN_BITS (BIT(CS_RAW) | BIT(CS_UNAUTHED) | BIT(CS_AUTHED) | BIT(CS_BOUND))
#define STREAM_BITS (BIT(CS_UNAUTHED) | BIT(CS_AUTHED) | BIT(CS_BOUND))
#define AUTH_BITS (BIT(CS_AUTHED) | BIT(CS_BOUND))
#define UNAUTH_BITS (BIT(CS_RAW) | BIT(CS_UNAUTHED))

#define RES_RANDOM (-1)     /* a server-generated resource: never asked for */
#define RES_UNKNOWN (-2)    /* asked-for or generated, not known which */

/* What sending the last piece of a pending raw write does. */
enum write_end { END_NOTHING, END_HEADER, END_CLOSES };

struct gclient {
    unsigned mask;                /* possible harness states */
    size_t user;
    int resource;                 /* default resource */
    int asked;                    /* what the next bind asks for */
    int bound;                    /* while BOUND: index, RES_RANDOM or RES_UNKNOWN */
    uint64_t opened_lo, opened_hi;   /* when the open connection may have opened */
    char *pieces[PIECES_MAX];     /* a raw write still being sent */
    size_t npieces, next_piece;
    enum write_end end;
};

static const char *const passwords[] = {"password", "secret", "wrong"};
#define PW_COUNT_REAL 2           /* "wrong" is never any account's */

struct guser {
    bool exists;
    bool stale;                   /* live: deleted, or addressed while missing, since the
                                   * server started (T3, T4, P16) */
    bool addressed;               /* live: its bare JID written since the server started */
    unsigned approved;            /* live: users (bits) sent `subscribed` by bare JID (R3) */
    size_t password;              /* the account's (passwords[]) */
    size_t harness;               /* what the harness logs in with */
    bool tomb;
    uint64_t tomb_at;
};

struct row;

struct gen {
    struct prng r;
    struct scenario *s;
    bool live;                    /* for a live server too (differential) */
    size_t steps;                 /* to write */
    size_t nusers, nclients, nresources;
    unsigned weights[EXPLORE_KINDS_MAX];   /* this run's; 0: the kind is off */
    struct gclient c[CLIENTS_MAX];
    struct guser u[USERS_MAX];
    size_t account[USERS_MAX];    /* index in s->accounts of a preset user */
    uint64_t now;                 /* ms since the start */
    unsigned long ids;
    size_t *counts;               /* steps written per row, or NULL */
    struct buf text;
};

static uint64_t below(struct gen *g, uint64_t n)
{
    return prng_below(&g->r, n);
}

static bool chance(struct gen *g, unsigned percent)
{
    return prng_below(&g->r, 100) < percent;
}

static bool in_mask(unsigned mask, unsigned allowed)
{
    return mask != 0 && (mask & ~allowed) == 0;
}

static bool pending_write(const struct gclient *c)
{
    return c->next_piece < c->npieces;
}

static void drop_write(struct gclient *c)
{
    for (size_t i = 0; i < c->npieces; i++)
        free(c->pieces[i]);
    c->npieces = c->next_piece = 0;
}

/* A server-side close that certainly happened (when sure) or may have. */
static void closed_by_server(struct gclient *c, unsigned states, bool sure)
{
    if ((c->mask & states) == 0)
        return;
    if (sure)
        c->mask &= ~states;
    c->mask |= BIT(CS_CLOSED);
    if (c->mask == BIT(CS_CLOSED))
        drop_write(c);   /* the rest of a write would land on a new connection */
}

/* The client opens a new connection now when in a state without one. */
static void note_open(struct gen *g, struct gclient *c)
{
    if ((c->mask & (BIT(CS_NONE) | BIT(CS_CLOSED))) == 0)
        return;
    if (in_mask(c->mask, BIT(CS_NONE) | BIT(CS_CLOSED)))
        c->opened_lo = g->now;
    c->opened_hi = g->now;
}

static bool tomb_active(const struct gen *g, const struct guser *u)
{
    uint64_t expiry = g->s->server.tombstone_expiry_ms;
    return u->tomb && (expiry == 0 || g->now - u->tomb_at <= expiry);   /* T2 */
}

/* A3: SASL succeeds iff the account exists and the password is its own. */
static bool auth_succeeds(const struct gen *g, const struct gclient *c, size_t password)
{
    const struct guser *u = &g->u[c->user];
    return u->exists && u->password == password;
}

/* X1-X4: binding c's asked resource; returns the states it may end in.
 * certain: the bind surely happens (else it may not). */
static unsigned bind_outcome(struct gen *g, size_t ci, bool certain)
{
    struct gclient *c = &g->c[ci];
    bool sure = false, maybe = false;
    for (size_t o = 0; o < g->nclients; o++) {
        struct gclient *other = &g->c[o];
        if (o == ci || other->user != c->user || !(other->mask & BIT(CS_BOUND)))
            continue;
        bool same = other->bound == c->asked;
        if (!same && other->bound != RES_UNKNOWN)
            continue;
        if (same && other->mask == BIT(CS_BOUND))
            sure = true;
        else
            maybe = true;
        if (g->s->server.conflict == SCENARIO_CONFLICT_KICK_OLD)   /* X2 */
            closed_by_server(other, BIT(CS_BOUND), certain && same);
    }
    switch (g->s->server.conflict) {
    case SCENARIO_CONFLICT_KICK_OLD:
        c->bound = c->asked;
        return BIT(CS_BOUND);
    case SCENARIO_CONFLICT_REJECT_NEW:   /* X3 */
        c->bound = c->asked;
        return sure ? BIT(CS_AUTHED) : maybe ? BIT(CS_AUTHED) | BIT(CS_BOUND) : BIT(CS_BOUND);
    case SCENARIO_CONFLICT_RANDOM_RESOURCE:   /* X4 */
        c->bound = sure ? RES_RANDOM : maybe ? RES_UNKNOWN : c->asked;
        return BIT(CS_BOUND);
    }
    abort();
}

/* `connect` from every state of the mask: a new stream where there is
 * none, SASL (with the harness's password), bind; partial connects stop
 * after the header (auth false) or SASL (bind false). */
static void shadow_connect(struct gen *g, size_t ci, bool auth, bool bind)
{
    struct gclient *c = &g->c[ci];
    note_open(g, c);
    unsigned out = 0;
    bool may_bind = false, must_bind = true;
    for (unsigned s = CS_NONE; s <= CS_AUTHED; s++) {
        if (!(c->mask & BIT(s)))
            continue;
        unsigned st = s == CS_NONE || s == CS_CLOSED ? CS_UNAUTHED : s;
        if (st == CS_UNAUTHED && auth)
            st = auth_succeeds(g, c, g->u[c->user].harness) ? CS_AUTHED : CS_UNAUTHED;
        if (st == CS_AUTHED && auth && bind) {
            may_bind = true;
            continue;
        }
        must_bind = false;
        out |= BIT(st);
    }
    if (may_bind)
        out |= bind_outcome(g, ci, must_bind);
    c->mask = out;
}

/* G7: every authenticated session of the account is closed. */
static void shadow_delete(struct gen *g, size_t user)
{
    for (size_t o = 0; o < g->nclients; o++)
        if (g->c[o].user == user)
            closed_by_server(&g->c[o], AUTH_BITS, true);
    g->u[user].exists = false;
    g->u[user].stale = g->live;
    if (g->s->server.tombstones) {   /* T1 */
        g->u[user].tomb = true;
        g->u[user].tomb_at = g->now;
    }
}

/* S12 at the new clock: unauthenticated connections older than the
 * timeout are closed (surely when the latest possible opening is). */
static void shadow_timeouts(struct gen *g)
{
    for (size_t i = 0; i < g->nclients; i++) {
        struct gclient *c = &g->c[i];
        if ((c->mask & UNAUTH_BITS) == 0 || g->now - c->opened_lo < MODEL_C2S_TIMEOUT_MS)
            continue;
        closed_by_server(c, UNAUTH_BITS, g->now - c->opened_hi >= MODEL_C2S_TIMEOUT_MS);
    }
}

/* ---- names and the scenario head ---- */

static void user_name(char *out, size_t size, size_t user)
{
    snprintf(out, size, "u%zu", user + 1);
}

static void resource_name(char *out, size_t size, int resource)
{
    snprintf(out, size, "r%d", resource + 1);
}

/* Prosody's mod_tombstones caches "no tombstone" for a name whenever a
 * registration or a presence to its bare JID is checked, and deletion
 * does not clear the cache (DIVERGENCES.md T3): until a restart, a name
 * deleted in a live run is neither registered nor addressed by bare JID
 * (nobody@ stands in). */
static void put_bare(struct gen *g, size_t user)
{
    if (user < USERS_MAX && g->u[user].stale) {
        buf_puts(&g->text, "nobody@" DOMAIN);
        return;
    }
    if (user < USERS_MAX)
        g->u[user].addressed = true;
    /* Prosody keeps a request to a missing account for a later one of that
     * name (DIVERGENCES.md P16): live, such a name is not registered until
     * the next restart, as after a deletion. */
    if (user < USERS_MAX && g->live && !g->u[user].exists)
        g->u[user].stale = true;
    char name[24];
    user_name(name, sizeof name, user);
    buf_puts(&g->text, name);
    buf_puts(&g->text, "@" DOMAIN);
}

static void put_full(struct gen *g, size_t user, int resource)
{
    char res[24];
    put_bare(g, user);
    resource_name(res, sizeof res, resource);
    buf_putc(&g->text, '/');
    buf_puts(&g->text, res);
}

/* Mirrored subscription pairs (I11 holds from the first step). */
static const enum scenario_subscription mirror[][2] = {
    {SCENARIO_SUBSCRIPTION_TO, SCENARIO_SUBSCRIPTION_FROM},
    {SCENARIO_SUBSCRIPTION_FROM, SCENARIO_SUBSCRIPTION_TO},
    {SCENARIO_SUBSCRIPTION_BOTH, SCENARIO_SUBSCRIPTION_BOTH},
    {SCENARIO_SUBSCRIPTION_NONE, SCENARIO_SUBSCRIPTION_NONE},
};

static void setup_rosters(struct gen *g)
{
    for (size_t a = 0; a < g->nusers; a++) {
        for (size_t b = a + 1; b < g->nusers; b++) {
            if (!g->u[a].exists || !g->u[b].exists || !chance(g, 35))
                continue;
            size_t k = below(g, COUNT(mirror));
            char na[24], nb[24];
            user_name(na, sizeof na, a);
            user_name(nb, sizeof nb, b);
            scenario_roster_item_add(&g->s->accounts[g->account[a]], nb, mirror[k][0],
                                     SCENARIO_ASK_NONE);
            scenario_roster_item_add(&g->s->accounts[g->account[b]], na, mirror[k][1],
                                     SCENARIO_ASK_NONE);
        }
    }
}

static void setup_server(struct gen *g)
{
    static const uint64_t expiries[] = {HOUR_MS, DAY_MS, 30 * DAY_MS, 0};
    static const enum scenario_conflict conflicts[] = {SCENARIO_CONFLICT_KICK_OLD,
                                                       SCENARIO_CONFLICT_REJECT_NEW,
                                                       SCENARIO_CONFLICT_RANDOM_RESOURCE};
    struct scenario_server *sv = &g->s->server;
    /* random-resource gives each server its own random names: live runs
     * would differ in every stanza to or from such a resource. */
    sv->conflict = conflicts[below(g, COUNT(conflicts) - g->live)];
    sv->offline = chance(g, 75);
    sv->registration = chance(g, 75);
    sv->tombstones = chance(g, 75);
    sv->tombstone_expiry_ms = expiries[below(g, COUNT(expiries))];
}

/* Users (some preset as accounts), clients over them with resources from
 * a small pool, so that clashes happen. */
static void setup_people(struct gen *g)
{
    g->nusers = 1 + (size_t)below(g, USERS_MAX);
    g->nclients = 1 + (size_t)below(g, CLIENTS_MAX);
    g->nresources = 1 + (size_t)below(g, RESOURCES_MAX);
    char name[24], account[24], res[24];
    for (size_t i = 0; i < g->nusers; i++) {
        g->u[i].exists = chance(g, 75);
        if (!g->u[i].exists)
            continue;
        user_name(name, sizeof name, i);
        g->account[i] = g->s->account_count;
        scenario_account_add(g->s, name, passwords[0]);
    }
    setup_rosters(g);
    for (size_t i = 0; i < g->nclients; i++) {
        struct gclient *c = &g->c[i];
        c->mask = BIT(CS_NONE);
        c->user = (size_t)below(g, g->nusers);
        c->resource = c->asked = (int)below(g, g->nresources);
        snprintf(name, sizeof name, "c%zu", i + 1);
        user_name(account, sizeof account, c->user);
        resource_name(res, sizeof res, c->resource);
        scenario_client_add(g->s, name, account, res);
    }
}

/* ---- stanzas ---- */

static void put_id(struct gen *g)
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
    unsigned k = (unsigned)below(g, 100);
    if (k < 40)
        put_bare(g, (size_t)below(g, g->nusers + 1));
    else if (k < 65)
        put_full(g, (size_t)below(g, g->nusers + 1), (int)below(g, g->nresources + 1));
    else if (k < 72)
        put_bare(g, c->user);
    else if (k < 78)
        put_full(g, c->user, c->asked);
    else if (k < 83)
        buf_puts(&g->text, "nobody@" DOMAIN);
    else if (k < 88)
        buf_puts(&g->text, DOMAIN);
    else if (k < 94)
        buf_puts(&g->text, "someone@remote.example");
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
    buf_puts(&g->text, words[below(g, n)]);
}

#define PUT_WORD(g, words) put_word(g, words, COUNT(words))

/* P1-P7: broadcast presence, with priority (in range, out of range,
 * garbage), show and status; or unavailable. */
static void make_presence(struct gen *g, size_t ci)
{
    static const char *const shows[] = {"away", "chat", "dnd", "xa", "bogus"};
    static const char *const garbage[] = {"200", "-300", "x", "", "+5", "007"};
    struct buf *t = &g->text;
    bool to_self = chance(g, 10);
    if (chance(g, 25)) {
        buf_puts(t, "<presence type='unavailable'");
        if (to_self) {
            buf_puts(t, " to='");
            put_bare(g, g->c[ci].user);
            buf_putc(t, '\'');
        }
        buf_puts(t, chance(g, 30) ? "><status>bye</status></presence>" : "/>");
        return;
    }
    buf_puts(t, "<presence>");
    if (chance(g, 50)) {
        buf_puts(t, "<show>");
        PUT_WORD(g, shows);
        buf_puts(t, "</show>");
    }
    if (chance(g, 70)) {
        char n[16];
        snprintf(n, sizeof n, "%d", (int)below(g, 256) - 128);
        buf_puts(t, "<priority>");
        buf_puts(t, chance(g, 10) ? garbage[below(g, COUNT(garbage))] : n);
        buf_puts(t, "</priority>");
    }
    if (chance(g, 20))
        buf_puts(t, "<status>here</status>");
    buf_puts(t, "</presence>");
}

/* P8-P17: directed presence of every type to any address. */
static void make_directed(struct gen *g, size_t ci)
{
    static const char *const types[] = {"", "unavailable", "probe", "error", "bogus"};
    buf_puts(&g->text, "<presence");
    put_to(g, ci);
    const char *type = types[below(g, COUNT(types))];
    if (*type != '\0') {
        buf_puts(&g->text, " type='");
        buf_puts(&g->text, type);
        buf_putc(&g->text, '\'');
    }
    if (strcmp(type, "error") == 0 && chance(g, 50))
        buf_puts(&g->text, "><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-"
                           "stanzas'/></error></presence>");
    else
        buf_puts(&g->text, "/>");
}

/* R9-R21: subscription requests and answers between random pairs. */
static void make_subscription(struct gen *g, size_t ci)
{
    static const char *const types[] = {"subscribe", "subscribed", "unsubscribe",
                                        "unsubscribed"};
    const char *type = types[below(g, COUNT(types))];
    bool bare = chance(g, 75);
    bool approval = g->live && strcmp(type, "subscribed") == 0;
    size_t target = bare || approval ? (size_t)below(g, g->nusers + 1) : 0;
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
        put_bare(g, target);
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
            put_bare(g, (size_t)below(g, g->nusers + 1));
            buf_putc(&g->text, '\'');
        }
    }
    buf_puts(&g->text, chance(g, 10) ? "><preauth xmlns='urn:xmpp:pars:0'/></presence>" : "/>");
}

/* R2-R7: roster get (with or without a version), set, remove, bad sets. */
static void make_roster_iq(struct gen *g, size_t ci)
{
    struct buf *t = &g->text;
    unsigned k = (unsigned)below(g, 100);
    buf_puts(t, k < 30 ? "<iq type='get'" : "<iq type='set'");
    put_id(g);
    buf_puts(t, "><query xmlns='jabber:iq:roster'");
    if (k < 30) {
        buf_puts(t, chance(g, 30) ? " ver='1'/></iq>" : "/></iq>");
        return;
    }
    buf_puts(t, "><item jid='");
    if (chance(g, 85))
        put_bare(g, (size_t)below(g, g->nusers + 1));
    else
        put_address(g, ci);
    buf_putc(t, '\'');
    if (k < 55) {
        buf_puts(t, " subscription='remove'/>");
    } else {
        buf_puts(t, chance(g, 50) ? " name='Friend'>" : ">");
        buf_puts(t, chance(g, 50) ? "<group>Friends</group>" : "");
        buf_puts(t, "</item>");
    }
    buf_puts(t, k >= 95 ? "<item jid='x@" DOMAIN "'/></query></iq>" : "</query></iq>");
}

/* M1-M11, O1-O4: messages of every type to any address. */
static void make_message(struct gen *g, size_t ci)
{
    static const char *const types[] = {"", "chat", "normal", "headline", "groupchat", "error",
                                        "bogus"};
    buf_puts(&g->text, "<message");
    size_t start = g->text.len;
    if (chance(g, 95))
        put_to(g, ci);
    const char *type = types[below(g, COUNT(types))];
    if (g->live && strcmp(type, "headline") == 0) {
        /* Prosody drops a headline to one's own bare JID (DIVERGENCES.md
         * M7): live, headlines go to full JIDs. */
        g->text.len = start;
        buf_puts(&g->text, " to='");
        put_full(g, (size_t)below(g, g->nusers + 1), (int)below(g, g->nresources + 1));
        buf_putc(&g->text, '\'');
    }
    if (*type != '\0') {
        buf_puts(&g->text, " type='");
        buf_puts(&g->text, type);
        buf_putc(&g->text, '\'');
    }
    put_id(g);
    buf_puts(&g->text, "><body>hello</body></message>");
}

/* M2, M12-M15: iqs with known and unknown payloads, every type, missing
 * ids and extra children. */
/* Whether to, a written " to='...'" attribute, is client ci's own bare JID. */
static bool own_bare_to(struct gen *g, size_t ci, const char *to)
{
    char name[24], want[48];
    user_name(name, sizeof name, g->c[ci].user);
    snprintf(want, sizeof want, " to='%s@" DOMAIN "'", name);
    return strcmp(to, want) == 0;
}

static void make_iq(struct gen *g, size_t ci)
{
    static const char *const types[] = {"get", "set", "result", "error", "bogus"};
    static const char *const payloads[] = {
        "<ping xmlns='urn:xmpp:ping'/>", "<query xmlns='urn:example:unknown'/>",
        "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>",
        "<query xmlns='jabber:iq:register'/>", ""};
    struct buf *t = &g->text;
    const char *type = types[below(g, COUNT(types))];
    buf_puts(t, "<iq type='");
    buf_puts(t, type);
    buf_putc(t, '\'');
    size_t to_at = t->len;
    if (chance(g, 70))
        put_to(g, ci);
    char to[64];
    snprintf(to, sizeof to, "%.*s", (int)(t->len > to_at ? t->len - to_at : 0), t->data + to_at);
    if (chance(g, 92))
        put_id(g);
    buf_putc(t, '>');
    const char *payload = payloads[below(g, COUNT(payloads))];
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
    if (chance(g, 5))
        buf_puts(t, "<ping xmlns='urn:xmpp:ping'/>");
    buf_puts(t, "</iq>");
}

/* Stream-level faults (S3, S6, S13): each makes the server close. Raw,
 * since some are not XML the loader would accept in a `send`. */
static const char *const stream_faults[] = {
    ("<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
     "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>bye</text></stream:error>"),
    "<foo xmlns='urn:example:unknown'/>",
    "<message><body>unclosed</message>",
    "<presence/><!-- comment -->",
    "<iq type='get' id='x'><query xmlns='jabber:iq:roster'/></iq>&bogus;",
};

/* A stream fault; live, not the client's own stream error (the first):
 * DIVERGENCES.md S13. */
static const char *stream_fault(struct gen *g)
{
    return stream_faults[g->live + below(g, COUNT(stream_faults) - g->live)];
}

static const char header_decl[] = "<?xml version='1.0'?>";
static const char header_open[] =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='" DOMAIN "' version='1.0'>";

/* ---- the step vocabulary ---- */

typedef void stanza_fn(struct gen *g, size_t ci);

/* One step kind: a row of the table below. `write` adds one step for a
 * client it may apply to and returns false when none can take it now;
 * stanza rows also give their stanza generator, which the fault rows
 * (fragmented and batched writes) reuse. */
struct row {
    const char *name;
    unsigned weight;
    bool always;                  /* on in every run (swarm keeps the others at 1/2) */
    bool model_only;              /* off for a live server (scenarios/FORMAT.md "Live targets") */
    bool (*write)(struct gen *g, const struct row *row);
    stanza_fn *stanza;
};

static struct scenario_step *add_step(struct gen *g, enum scenario_step_kind kind, size_t ci)
{
    return scenario_step_add(g->s, kind, ci);
}

typedef bool client_ok(const struct gclient *c);

/* A random client for which ok holds; false when there is none. */
static bool choose(struct gen *g, client_ok *ok, size_t *out)
{
    size_t fit[CLIENTS_MAX], n = 0;
    for (size_t i = 0; i < g->nclients; i++)
        if (ok(&g->c[i]))
            fit[n++] = i;
    if (n == 0)
        return false;
    *out = fit[below(g, n)];
    return true;
}

static bool ok_connect(const struct gclient *c)
{
    return !pending_write(c) && in_mask(c->mask, BIT(CS_NONE) | BIT(CS_CLOSED) |
                                                     BIT(CS_UNAUTHED) | BIT(CS_AUTHED));
}

static bool ok_auth(const struct gclient *c)
{
    return !pending_write(c) && c->mask == BIT(CS_UNAUTHED);
}

static bool ok_bind(const struct gclient *c)
{
    return !pending_write(c) && c->mask == BIT(CS_AUTHED);
}

static bool ok_stream(const struct gclient *c)
{
    return !pending_write(c) && in_mask(c->mask, STREAM_BITS);
}

static bool ok_bound(const struct gclient *c)
{
    return !pending_write(c) && c->mask == BIT(CS_BOUND);
}

/* Mid-stanza too, but not inside a header or a write with a stream
 * fault: there the close could fall inside the XML declaration or a
 * comment, where the parser rightly waits for more. */
static bool ok_close(const struct gclient *c)
{
    return in_mask(c->mask, OPEN_BITS) && (!pending_write(c) || c->end == END_NOTHING);
}

static bool ok_drop(const struct gclient *c)
{
    return !(c->mask & BIT(CS_NONE));
}

static bool ok_register(const struct gclient *c)
{
    return !pending_write(c) &&
           in_mask(c->mask, BIT(CS_NONE) | BIT(CS_CLOSED) | BIT(CS_UNAUTHED));
}

static bool ok_negotiate(const struct gclient *c)
{
    return !pending_write(c) && in_mask(c->mask, BIT(CS_NONE) | BIT(CS_CLOSED));
}

static bool ok_continue(const struct gclient *c)
{
    return pending_write(c);
}

/* connect: full (mostly), or stopping after the header or after SASL;
 * now and then asking for another resource of the pool, on purpose. */
static bool write_connect(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_connect, &ci))
        return false;
    struct gclient *c = &g->c[ci];
    struct scenario_step *st = add_step(g, SCENARIO_STEP_CONNECT, ci);
    unsigned k = (unsigned)below(g, 100);
    st->connect.auth = k >= 12;
    st->connect.bind = k >= 24;
    c->asked = c->resource;
    if (chance(g, 25)) {
        char res[24];
        c->asked = (int)below(g, g->nresources);
        resource_name(res, sizeof res, c->asked);
        scenario_string_set(&st->connect.resource, res);
    }
    shadow_connect(g, ci, st->connect.auth, st->connect.bind);
    return true;
}

/* auth with the harness's password, the right one, or a wrong one (A3). */
static bool write_auth(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_auth, &ci))
        return false;
    struct gclient *c = &g->c[ci];
    struct scenario_step *st = add_step(g, SCENARIO_STEP_AUTH, ci);
    size_t pw = g->u[c->user].harness;
    if (chance(g, 60)) {
        pw = (size_t)below(g, COUNT(passwords));
        scenario_string_set(&st->auth.password, passwords[pw]);
    }
    c->mask = auth_succeeds(g, c, pw) ? BIT(CS_AUTHED) : BIT(CS_UNAUTHED);
    return true;
}

static bool write_bind(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_bind, &ci))
        return false;
    add_step(g, SCENARIO_STEP_BIND, ci);
    g->c[ci].mask = bind_outcome(g, ci, true);
    return true;
}

/* One stanza of the row's kind, mostly from a bound client, sometimes
 * before binding (A11). */
static bool write_stanza(struct gen *g, const struct row *row)
{
    size_t ci;
    if (!(chance(g, 90) && choose(g, ok_bound, &ci)) && !choose(g, ok_stream, &ci))
        return false;
    buf_clear(&g->text);
    row->stanza(g, ci);
    scenario_strings_add(&add_step(g, SCENARIO_STEP_SEND, ci)->send, buf_cstr(&g->text));
    return true;
}

/* Live runs leave out a password change or deletion while another stream
 * of the account may be authenticated but not bound: Prosody leaves such
 * a stream open (DIVERGENCES.md G7, a known finding). */
static bool g7_known(const struct gen *g, size_t ci)
{
    for (size_t o = 0; g->live && o < g->nclients; o++)
        if (o != ci && g->c[o].user == g->c[ci].user && (g->c[o].mask & BIT(CS_AUTHED)))
            return true;
    return false;
}

/* G11: a password change (or a refused one: wrong username). */
static bool write_password(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_bound, &ci) || g7_known(g, ci))
        return false;
    struct gclient *c = &g->c[ci];
    bool own = chance(g, 85);
    size_t pw = (size_t)below(g, PW_COUNT_REAL);
    char user[24];
    user_name(user, sizeof user, own ? c->user : (c->user + 1) % USERS_MAX);
    buf_clear(&g->text);
    buf_puts(&g->text, "<iq type='set'");
    put_id(g);
    buf_puts(&g->text, "><query xmlns='jabber:iq:register'><username>");
    buf_puts(&g->text, user);
    buf_puts(&g->text, "</username><password>");
    buf_puts(&g->text, passwords[pw]);
    buf_puts(&g->text, "</password></query></iq>");
    scenario_strings_add(&add_step(g, SCENARIO_STEP_SEND, ci)->send, buf_cstr(&g->text));
    if (!own)
        return true;
    g->u[c->user].password = pw;
    for (size_t o = 0; o < g->nclients; o++)
        if (o != ci && g->c[o].user == c->user)
            closed_by_server(&g->c[o], AUTH_BITS, true);
    return true;
}

static bool write_close(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_close, &ci))
        return false;
    add_step(g, SCENARIO_STEP_CLOSE, ci);   /* mid-stanza too: the server closes either way */
    drop_write(&g->c[ci]);
    g->c[ci].mask = BIT(CS_CLOSED);
    return true;
}

static bool write_drop(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_drop, &ci))
        return false;
    add_step(g, SCENARIO_STEP_DROP, ci);   /* mid-stanza and mid-negotiation too */
    drop_write(&g->c[ci]);
    g->c[ci].mask = BIT(CS_CLOSED);
    return true;
}

/* G1-G5, T3: in-band registration of the client's account name. */
static bool write_register(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_register, &ci))
        return false;
    struct gclient *c = &g->c[ci];
    struct guser *u = &g->u[c->user];
    if (u->stale)
        return false;
    size_t pw = chance(g, 80) ? 0 : 1;
    scenario_string_set(&add_step(g, SCENARIO_STEP_REGISTER, ci)->reg.password, passwords[pw]);
    note_open(g, c);
    c->mask = BIT(CS_UNAUTHED);
    if (g->s->server.registration && !u->exists && !tomb_active(g, u)) {
        u->exists = true;
        u->password = u->harness = pw;
        u->tomb = false;
    }
    return true;
}

static bool write_unregister(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_bound, &ci) || g7_known(g, ci))
        return false;
    /* Live, an account whose bare JID was written since the server started
     * is not deleted: a directed presence to it, flushed after the
     * deletion, would meet Prosody's stale tombstone cache (T4). */
    if (g->live && g->u[g->c[ci].user].addressed)
        return false;
    add_step(g, SCENARIO_STEP_UNREGISTER, ci);
    shadow_delete(g, g->c[ci].user);
    return true;
}

static bool write_restart(struct gen *g, const struct row *row)
{
    (void)row;
    add_step(g, SCENARIO_STEP_RESTART, SCENARIO_NO_CLIENT);
    for (size_t i = 0; i < g->nusers; i++)   /* a fresh process: an empty tombstone cache */
        g->u[i].stale = g->u[i].addressed = false;
    for (size_t i = 0; i < g->nclients; i++)
        if (g->c[i].mask != BIT(CS_NONE))
            closed_by_server(&g->c[i], OPEN_BITS, true);
    return true;
}

/* The advance that lands `at` ms after `from` plus a nudge of -1, 0, +1
 * or +1000 ms (both sides of a boundary), or 0 when that is in the past. */
static uint64_t across(struct gen *g, uint64_t from, uint64_t at)
{
    static const int64_t nudges[] = {-1, 0, 1, 1000};
    int64_t target = (int64_t)(from + at) + nudges[below(g, COUNT(nudges))];
    return target > (int64_t)g->now ? (uint64_t)target - g->now : 0;
}

/* The clock: small steps, jumps across the S12 timeout of an open
 * unauthenticated connection and across tombstone expiry (T2), long jumps. */
static uint64_t advance_amount(struct gen *g)
{
    unsigned k = (unsigned)below(g, 100);
    for (size_t i = 0; k >= 30 && k < 50 && i < g->nclients; i++)
        if (g->c[i].mask & UNAUTH_BITS)
            return across(g, g->c[i].opened_lo, MODEL_C2S_TIMEOUT_MS);
    uint64_t expiry = g->s->server.tombstone_expiry_ms;
    for (size_t i = 0; k >= 50 && k < 75 && expiry > 0 && i < g->nusers; i++)
        if (g->u[i].tomb)
            return across(g, g->u[i].tomb_at, expiry);
    if (k < 50)
        return 1 + below(g, 5000);
    return HOUR_MS + below(g, 40 * DAY_MS);
}

static bool write_advance(struct gen *g, const struct row *row)
{
    (void)row;
    uint64_t ms = advance_amount(g);
    add_step(g, SCENARIO_STEP_ADVANCE, SCENARIO_NO_CLIENT)->advance_ms = ms;
    g->now += ms;
    shadow_timeouts(g);
    return true;
}

/* ---- raw writes: fragments, batches, negotiation, stream faults ---- */

#define ROWS 21                   /* entries of rows[] below */
static const struct row rows[ROWS];

/* One stanza from a stanza row that is on this run (presence if none). */
static void make_stanza(struct gen *g, size_t ci)
{
    unsigned total = 0;
    for (size_t i = 0; i < ROWS; i++)
        total += rows[i].stanza != NULL ? g->weights[i] : 0;
    unsigned pick = total > 0 ? (unsigned)below(g, total) : 0;
    for (size_t i = 0; i < ROWS; i++) {
        unsigned w = rows[i].stanza != NULL ? g->weights[i] : 0;
        if (pick < w) {
            rows[i].stanza(g, ci);
            return;
        }
        pick -= w;
    }
    make_presence(g, ci);
}

/* Sends the next piece of c's pending write as `send_raw`. A piece that
 * may land on a closed connection opens a new one and is junk there. */
static void send_piece(struct gen *g, size_t ci)
{
    struct gclient *c = &g->c[ci];
    bool first_of_header = c->end == END_HEADER && c->next_piece == 0;
    bool last = c->next_piece + 1 == c->npieces;
    add_step(g, SCENARIO_STEP_SEND_RAW, ci)->send_raw.text = mem_strdup(c->pieces[c->next_piece++]);
    unsigned out = 0;
    bool junk = (c->mask & (BIT(CS_NONE) | BIT(CS_CLOSED))) && !first_of_header;
    note_open(g, c);
    if (c->mask & (BIT(CS_NONE) | BIT(CS_CLOSED)))
        out |= first_of_header ? BIT(CS_RAW) : BIT(CS_RAW) | BIT(CS_CLOSED);
    for (unsigned s = CS_RAW; s <= CS_BOUND; s++) {
        if (!(c->mask & BIT(s)))
            continue;
        unsigned st = s;
        if (last && c->end == END_HEADER && s == CS_RAW)
            st = CS_UNAUTHED;   /* S4: the server's header and features */
        else if (last && c->end == END_CLOSES)
            st = CS_CLOSED;
        out |= BIT(st);
    }
    c->mask = junk ? out | BIT(CS_RAW) | BIT(CS_CLOSED) : out;
    if (last)
        drop_write(c);
}

/* Splits text into npieces non-empty pieces at random byte positions,
 * makes them c's pending write and sends the first. */
static void start_write(struct gen *g, size_t ci, const char *text, size_t npieces,
                        enum write_end end)
{
    struct gclient *c = &g->c[ci];
    size_t len = strlen(text), cuts[PIECES_MAX + 1] = {0};
    npieces = npieces > len ? len : npieces;
    cuts[npieces] = len;
    for (size_t i = 1; i < npieces; i++) {   /* distinct, increasing cut points */
        size_t lo = cuts[i - 1] + 1, hi = len - (npieces - i);
        cuts[i] = lo + (size_t)below(g, hi - lo + 1);
    }
    for (size_t i = 0; i < npieces; i++) {
        size_t n = cuts[i + 1] - cuts[i];
        c->pieces[i] = mem_realloc(NULL, n + 1);
        memcpy(c->pieces[i], text + cuts[i], n);
        c->pieces[i][n] = '\0';
    }
    c->npieces = npieces;
    c->next_piece = 0;
    c->end = end;
    send_piece(g, ci);
}

/* 1-3 stanzas, maybe ending with a stream fault (a closing one must be
 * last: nothing after it reaches that connection). */
static enum write_end compose(struct gen *g, size_t ci, size_t min)
{
    buf_clear(&g->text);
    size_t n = min + (size_t)below(g, STANZAS_PER_WRITE_MAX - min + 1);
    for (size_t i = 0; i < n; i++)
        make_stanza(g, ci);
    if (!chance(g, 15))
        return END_NOTHING;
    buf_puts(&g->text, stream_fault(g));
    return END_CLOSES;
}

/* A write split at random byte positions, sent over several steps. */
static bool write_fragments(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_stream, &ci))
        return false;
    enum write_end end = compose(g, ci, 1);
    char *text = mem_strdup(buf_cstr(&g->text));
    start_write(g, ci, text, 2 + (size_t)below(g, PIECES_MAX - 1), end);
    free(text);
    return true;
}

/* Several stanzas in one write. */
static bool write_batch(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_stream, &ci))
        return false;
    enum write_end end = compose(g, ci, 2);
    char *text = mem_strdup(buf_cstr(&g->text));
    start_write(g, ci, text, 1, end);
    free(text);
    return true;
}

/* The stream header written in pieces on a fresh connection: drops and
 * timeouts can then hit a negotiation half done. */
static bool write_negotiate(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_negotiate, &ci))
        return false;
    buf_clear(&g->text);
    if (chance(g, 50))
        buf_puts(&g->text, header_decl);
    buf_puts(&g->text, header_open);
    char *text = mem_strdup(buf_cstr(&g->text));
    start_write(g, ci, text, 2 + (size_t)below(g, 2), END_HEADER);
    free(text);
    return true;
}

static bool write_continue(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_continue, &ci))
        return false;
    send_piece(g, ci);
    return true;
}

static bool write_stream_fault(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_stream, &ci))
        return false;
    start_write(g, ci, stream_fault(g), 1, END_CLOSES);
    return true;
}

/* ---- the table ---- */

static const struct row rows[ROWS] = {
    {"connect", 12, true, false, write_connect, NULL},
    {"auth", 3, false, false, write_auth, NULL},
    {"bind", 3, false, false, write_bind, NULL},
    {"presence", 10, false, false, write_stanza, make_presence},
    {"directed", 5, false, false, write_stanza, make_directed},
    {"subscription", 8, false, false, write_stanza, make_subscription},
    {"roster", 6, false, false, write_stanza, make_roster_iq},
    {"message", 8, false, false, write_stanza, make_message},
    {"iq", 5, false, false, write_stanza, make_iq},
    {"password", 1, false, false, write_password, NULL},
    {"close", 3, false, false, write_close, NULL},
    {"drop", 3, true, false, write_drop, NULL},
    {"register", 3, false, false, write_register, NULL},
    {"unregister", 1, false, false, write_unregister, NULL},
    {"restart", 1, false, false, write_restart, NULL},
    {"advance", 2, false, true, write_advance, NULL},
    {"fragments", 3, false, false, write_fragments, NULL},
    {"batch", 2, false, false, write_batch, NULL},
    {"continue", 20, true, false, write_continue, NULL},
    {"negotiate", 1, false, false, write_negotiate, NULL},
    {"stream-fault", 1, false, false, write_stream_fault, NULL},
};

_Static_assert(ROWS <= EXPLORE_KINDS_MAX, "EXPLORE_KINDS_MAX too small");

size_t explore_kind_count(void)
{
    return COUNT(rows);
}

const char *explore_kind_name(size_t row)
{
    return row < COUNT(rows) ? rows[row].name : "?";
}

/* ---- generation ---- */

/* Swarm testing: each kind is on with probability 1/2 (the `always` ones
 * in every run), with its weight scaled by 1-4. */
static void setup_swarm(struct gen *g)
{
    for (size_t i = 0; i < COUNT(rows); i++)
        if (rows[i].always || chance(g, 50))
            g->weights[i] = g->live && rows[i].model_only ? 0
                                                           : rows[i].weight * (1 + (unsigned)below(g, 4));
}

static void describe(struct gen *g)
{
    struct buf d = {0};
    buf_puts(&d, "swarm: ");
    buf_put_u64(&d, g->nusers);
    buf_puts(&d, " users (");
    buf_put_u64(&d, g->s->account_count);
    buf_puts(&d, " preset), ");
    buf_put_u64(&d, g->nclients);
    buf_puts(&d, " clients, ");
    buf_put_u64(&d, g->nresources);
    buf_puts(&d, " resources; kinds on:");
    for (size_t i = 0; i < COUNT(rows); i++) {
        if (g->weights[i] == 0)
            continue;
        buf_putc(&d, ' ');
        buf_puts(&d, rows[i].name);
    }
    buf_putc(&d, '\n');
    scenario_string_set(&g->s->description, buf_cstr(&d));
    buf_free(&d);
}

/* Writes one step: a weighted draw of an enabled kind that applies now,
 * else the first that applies from a random row on (connect or drop
 * always does: a client is either without a connection or not). */
static void write_one(struct gen *g)
{
    unsigned total = 0;
    for (size_t i = 0; i < COUNT(rows); i++)
        total += g->weights[i];
    for (int attempt = 0; attempt < PICK_ATTEMPTS; attempt++) {
        unsigned pick = (unsigned)below(g, total);
        size_t i = 0;
        while (pick >= g->weights[i])
            pick -= g->weights[i++];
        if (rows[i].write(g, &rows[i])) {
            if (g->counts != NULL)
                g->counts[i]++;
            return;
        }
    }
    size_t start = (size_t)below(g, COUNT(rows));
    for (size_t k = 0; k < COUNT(rows); k++) {
        size_t i = (start + k) % COUNT(rows);
        if (g->weights[i] > 0 && rows[i].write(g, &rows[i])) {
            if (g->counts != NULL)
                g->counts[i]++;
            return;
        }
    }
    abort();   /* unreachable: connect and drop are always on */
}

struct scenario *explore_generate_counted(uint64_t run_seed, size_t steps, bool live,
                                         size_t *counts)
{
    struct gen g;
    memset(&g, 0, sizeof g);
    prng_seed(&g.r, run_seed);
    g.live = live;
    g.s = scenario_create("explore");
    g.s->target = live ? SCENARIO_TARGET_ANY : SCENARIO_TARGET_MODEL;
    g.s->leftovers_ignore = true;   /* generated traffic has no expectations */
    scenario_strings_add(&g.s->tags, "explore");
    g.counts = counts;
    g.steps = steps == 0 ? 1 : steps;
    setup_server(&g);
    setup_people(&g);
    setup_swarm(&g);
    describe(&g);
    while (g.s->step_count < g.steps)
        write_one(&g);
    for (size_t i = 0; i < g.nclients; i++)
        drop_write(&g.c[i]);
    buf_free(&g.text);
    return g.s;
}

struct scenario *explore_generate(uint64_t run_seed, size_t steps)
{
    return explore_generate_counted(run_seed, steps, false, NULL);
}

/* Output index of the model's PRNG seeded with seed: runs are
 * independent streams. splitmix64 advances its state by a constant, so
 * the index-th state is reached in one step (the constant is read off one
 * draw from 0) instead of index draws. */
uint64_t explore_run_seed(uint64_t seed, size_t index)
{
    struct prng step, p;
    prng_seed(&step, 0);
    prng_next(&step);
    prng_seed(&p, seed + step.state * (uint64_t)index);
    return prng_next(&p);
}

/* ---- running and judging ---- */

struct verdict {
    bool failed;
    bool broken;                       /* the live server could not be run */
    char reason[EXPLORE_REASON_MAX];   /* one line */
    char rules[EXPLORE_REASON_MAX];    /* every violated rule: " I4 I7 " */
    size_t steps_run;
    char *message;                     /* the runner's report (owned), or NULL */
};

static void verdict_free(struct verdict *v)
{
    free(v->message);
    v->message = NULL;
}

/* The rule ids of the "  RULE: message" lines of an invariant report. */
static void collect_rules(const char *msg, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, " ");
    for (const char *line = strchr(msg, '\n'); line != NULL; line = strchr(line + 1, '\n')) {
        const char *p = line + 1;
        size_t n = strspn(p + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        if (strncmp(p, "  ", 2) != 0 || n == 0 || n > 8 || p[2 + n] != ':' || p[2] < 'A' ||
            p[2] > 'Z' || used + n + 2 >= size)
            continue;
        used += (size_t)snprintf(out + used, size - used, "%.*s ", (int)n, p + 2);
    }
}

/* The first line of a harness failure past its label, with client names
 * and numbers generalised ("CLIENT has no connection (connect first)"),
 * so that shrinking keeps to the same complaint. */
static void harness_reason(const char *msg, const struct scenario *s, char *out, size_t size)
{
    const char *p = strstr(msg, "): ");
    p = p != NULL ? p + 3 : msg;
    size_t used = (size_t)snprintf(out, size, "harness: ");
    while (*p != '\0' && *p != '\n' && used + 8 < size) {
        size_t longest = 0;
        for (size_t c = 0; c < s->client_count; c++) {
            size_t n = strlen(s->clients[c].name);
            if (n > longest && strncmp(p, s->clients[c].name, n) == 0)
                longest = n;
        }
        if (longest > 0 || (*p >= '0' && *p <= '9')) {
            size_t n = longest > 0 ? longest : strspn(p, "0123456789");
            used += (size_t)snprintf(out + used, size - used, longest > 0 ? "CLIENT" : "N");
            p += n;
        } else {
            out[used++] = *p++;
            out[used] = '\0';
        }
    }
}

/* What a runner result says: the first violated rule, unparseable server
 * bytes, or the harness step that could not be done. */
static void judge(const struct runner_result *res, const struct scenario *s, struct verdict *v)
{
    v->steps_run = res->steps_run;
    if (res->outcome != RUNNER_FAIL)
        return;
    const char *msg = res->message != NULL ? res->message : "";
    v->failed = true;
    v->message = mem_strdup(msg);
    if (strstr(msg, "invariant violation") != NULL) {
        collect_rules(msg, v->rules, sizeof v->rules);
        char first[16];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(v->rules + 1, " "), v->rules + 1);
        snprintf(v->reason, sizeof v->reason, "invariant %s", first);
    } else if (strstr(msg, "bytes that do not parse") != NULL) {
        snprintf(v->reason, sizeof v->reason, "unparseable server bytes");
    } else {
        harness_reason(msg, s, v->reason, sizeof v->reason);
    }
}

/* The differential verdict: the model's own failure first, as without a
 * live server; then the live server that cannot be run; then the first
 * difference in the traffic ("differs: model <message>, prosody
 * (nothing)"); then the live run's own failure ("prosody: harness: ..."),
 * with the server's report. */
static void run_twin(const struct scenario *s, const struct explore_options *opt,
                     struct verdict *v)
{
    struct twin_result t;
    twin_run(s, opt->live, opt->settle_ms, TAPE_STEP_SETS, &t);
    judge(&t.model, s, v);
    if (!v->failed && t.error[0] != '\0') {
        v->failed = v->broken = true;
        snprintf(v->reason, sizeof v->reason, "the live server: %.100s", t.error);
        v->message = mem_strdup(t.error);
    } else if (!v->failed && t.differs) {
        v->failed = true;
        snprintf(v->reason, sizeof v->reason, "differs: %s", t.kind.data);
        struct buf m = {0};
        buf_puts(&m, t.difference.data);
        if (t.live.message != NULL) {
            buf_puts(&m, "prosody's run: ");
            buf_puts(&m, t.live.message);
        }
        v->message = mem_strdup(buf_cstr(&m));
        buf_free(&m);
    } else if (!v->failed && t.live.outcome == RUNNER_FAIL) {
        struct verdict lv;
        memset(&lv, 0, sizeof lv);
        judge(&t.live, s, &lv);
        v->failed = true;
        snprintf(v->reason, sizeof v->reason, "prosody: %.110s", lv.reason);
        v->message = lv.message;
    }
    twin_result_free(&t);
}

static void run_plain(const struct scenario *s, const struct explore_options *opt,
                      struct verdict *v)
{
    if (opt->live != NULL) {
        run_twin(s, opt, v);
    } else {
        struct runner_options ro = {.seed = 0};
        struct runner_result res;
        runner_run(s, &ro, &res);
        judge(&res, s, v);
        runner_result_free(&res);
    }
    const char *why = !v->failed && opt->oracle ? opt->oracle(s, v->steps_run, opt->oracle_ctx)
                                                : NULL;
    if (why != NULL) {
        v->failed = true;
        snprintf(v->reason, sizeof v->reason, "oracle: %s", why);
        v->message = mem_strdup(v->reason);
    }
}

/* ---- isolation: one child process per run ---- */

/* What an isolated run runs. */
struct child_args {
    const struct scenario *s;
    const struct explore_options *opt;
};

/* The child's verdict on the pipe: "F\nREASON\nRULES\nSTEPS\n" + message. */
static int child_run(void *ctx, int fd)
{
    const struct child_args *a = ctx;
    const struct scenario *s = a->s;
    const struct explore_options *opt = a->opt;
    alarm(EXPLORE_RUN_SECONDS_MAX);
    struct verdict v;
    memset(&v, 0, sizeof v);
    run_plain(s, opt, &v);
    struct buf out = {0};
    buf_puts(&out, v.failed ? "1\n" : "0\n");
    buf_puts(&out, v.reason);
    buf_putc(&out, '\n');
    buf_puts(&out, v.rules);
    buf_putc(&out, '\n');
    buf_put_u64(&out, v.steps_run);
    buf_putc(&out, '\n');
    if (v.message != NULL)
        buf_append(&out, v.message, strnlen(v.message, MESSAGE_MAX));
    return proc_write_all(fd, out.data, out.len) ? EXIT_OK : EXIT_PIPE;
}

/* The next line of *p into out (size bytes); advances *p. */
static void next_line(const char **p, char *out, size_t size)
{
    size_t n = strcspn(*p, "\n");
    snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), *p);
    *p += n + ((*p)[n] == '\n');
}

static void parse_child(const char *text, struct verdict *v)
{
    char flag[4], steps[32];
    next_line(&text, flag, sizeof flag);
    next_line(&text, v->reason, sizeof v->reason);
    next_line(&text, v->rules, sizeof v->rules);
    next_line(&text, steps, sizeof steps);
    v->failed = flag[0] == '1';
    v->steps_run = (size_t)strtoull(steps, NULL, 10);
    v->message = v->failed ? mem_strdup(text) : NULL;
}

static void crashed(struct verdict *v, int status)
{
    v->failed = true;
    if (WIFSIGNALED(status))
        snprintf(v->reason, sizeof v->reason, "crash: signal %d%s", WTERMSIG(status),
                 WTERMSIG(status) == SIGALRM ? " (run took too long)" : "");
    else
        snprintf(v->reason, sizeof v->reason, "crash: exit status %d", WEXITSTATUS(status));
    v->message = mem_strdup(v->reason);
}

static void run_isolated(const struct scenario *s, const struct explore_options *opt,
                         struct verdict *v)
{
    struct child_args args = {s, opt};
    struct proc_options po = {.pipe = true};
    struct proc child;
    if (!proc_spawn(child_run, &args, &po, &child))
        abort();
    struct buf text = {0};
    proc_read_all(child.fd, &text);
    close(child.fd);
    int status = 0;
    proc_wait(child.pid, true, &status);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        parse_child(buf_cstr(&text), v);
    else
        crashed(v, status);
    buf_free(&text);
}

static void run_scenario(const struct scenario *s, const struct explore_options *opt,
                         struct verdict *v)
{
    memset(v, 0, sizeof *v);
    if (opt->isolate)
        run_isolated(s, opt, v);
    else
        run_plain(s, opt, v);
}

/* Whether v fails the way target did: the same violated rule (among
 * others), else the same reason. */
static bool same_failure(const struct verdict *target, const struct verdict *v)
{
    if (!v->failed)
        return false;
    if (strncmp(target->reason, "invariant ", 10) != 0)
        return strcmp(target->reason, v->reason) == 0;
    char rule[24];
    snprintf(rule, sizeof rule, " %s ", target->reason + 10);
    return strstr(v->rules, rule) != NULL;
}

struct shrink_ctx {
    const struct explore_options *opt;
    const struct verdict *target;
};

/* Whether account b's roster mirrors item `it` of account a (I11). */
static bool mirrored(const struct scenario *s, const struct scenario_account *a,
                     const struct scenario_roster_item *it, const struct scenario_account *b)
{
    static const enum scenario_subscription mirror_of[] = {
        [SCENARIO_SUBSCRIPTION_NONE] = SCENARIO_SUBSCRIPTION_NONE,
        [SCENARIO_SUBSCRIPTION_TO] = SCENARIO_SUBSCRIPTION_FROM,
        [SCENARIO_SUBSCRIPTION_FROM] = SCENARIO_SUBSCRIPTION_TO,
        [SCENARIO_SUBSCRIPTION_BOTH] = SCENARIO_SUBSCRIPTION_BOTH};
    for (size_t k = 0; k < b->roster_count; k++)
        if (scenario_contact_is(s, b->roster[k].contact, a->name))
            return b->roster[k].subscription == mirror_of[it->subscription] &&
                   b->roster[k].ask == SCENARIO_ASK_NONE;
    return false;
}

/* Preset rosters a real server could hold: between two preset accounts,
 * each item has its mirror and no pending request (I11). The shrinker
 * may not produce a starting state the model could never reach. */
static bool presets_consistent(const struct scenario *s)
{
    for (size_t i = 0; i < s->account_count; i++) {
        const struct scenario_account *a = &s->accounts[i];
        for (size_t j = 0; j < a->roster_count; j++) {
            for (size_t k = 0; k < s->account_count; k++) {
                if (scenario_contact_is(s, a->roster[j].contact, s->accounts[k].name) &&
                    (a->roster[j].ask != SCENARIO_ASK_NONE ||
                     !mirrored(s, a, &a->roster[j], &s->accounts[k])))
                    return false;
            }
        }
    }
    return true;
}

static bool fails_the_same(const struct scenario *candidate, void *ctx)
{
    const struct shrink_ctx *sc = ctx;
    if (!presets_consistent(candidate))
        return false;
    struct verdict v;
    run_scenario(candidate, sc->opt, &v);
    bool same = same_failure(sc->target, &v);
    verdict_free(&v);
    return same;
}

/* ---- the reproducer ---- */

/* mkdir -p; false with errno set when a component cannot be made. */
static bool make_dirs(const char *path)
{
    char *p = mem_strdup(path);
    bool ok = true;
    for (char *q = p + 1; ok && *q != '\0'; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        ok = mkdir(p, 0777) == 0 || errno == EEXIST;
        *q = '/';
    }
    ok = ok && (mkdir(p, 0777) == 0 || errno == EEXIST);
    free(p);
    return ok;
}

/* What the report says was violated: its first line past the step
 * label, then its "  RULE: message" lines. */
static void put_detail(struct buf *d, const struct verdict *v)
{
    const char *msg = v->message != NULL ? v->message : "";
    const char *first = strstr(msg, "): ");
    size_t n = strcspn(first != NULL ? first + 3 : msg, "\n");
    buf_append(d, first != NULL ? first + 3 : msg, n);
    buf_putc(d, '\n');
    for (const char *line = strchr(msg, '\n'); line != NULL; line = strchr(line + 1, '\n')) {
        const char *p = line + 1;
        size_t id = strspn(p + (p[0] != '\0' && p[1] != '\0' ? 2 : 0),
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        if (strncmp(p, "  ", 2) == 0 && id > 0 && p[2] >= 'A' && p[2] <= 'Z' && p[2 + id] == ':')
            buf_append(d, p, strcspn(p, "\n") + 1);
    }
}

/* Steps other than `receive` (the expectations a live reproducer gained). */
static size_t own_steps(const struct scenario *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->step_count; i++)
        n += s->steps[i].kind != SCENARIO_STEP_RECEIVE;
    return n;
}

/* Names and describes the shrunk scenario: seed, run, reason, detail. */
static void label(struct scenario *s, const struct explore_options *opt,
                  const struct explore_result *res, const struct verdict *v, size_t before)
{
    struct buf b = {0};
    buf_puts(&b, "explore seed ");
    buf_put_u64(&b, opt->seed);
    buf_puts(&b, " run ");
    buf_put_u64(&b, res->failed_run + 1);
    buf_puts(&b, ": ");
    buf_puts(&b, v->reason);
    scenario_string_set(&s->name, buf_cstr(&b));
    buf_clear(&b);
    char line[512];
    const char *live = opt->replay_options != NULL ? opt->replay_options : "";
    snprintf(line, sizeof line,
             "Found by `sessim explore %s%s--seed %llu --steps %zu`, run %zu (run seed "
             "0x%016llx);\nshrunk from %zu to %zu steps. Fails with: %s\n",
             live, *live ? " " : "", (unsigned long long)opt->seed, opt->steps,
             res->failed_run + 1, (unsigned long long)res->failed_seed, before, own_steps(s),
             v->reason);
    buf_puts(&b, line);
    if (*live != '\0')
        buf_puts(&b, "The receive steps are the model's traffic: the scenario passes on the\n"
                     "model and fails on the server where the two differ.\n");
    else
        put_detail(&b, v);
    buf_puts(&b, s->description != NULL ? s->description : "");
    scenario_string_set(&s->description, buf_cstr(&b));
    if (strncmp(v->reason, "invariant ", 10) == 0) {
        snprintf(line, sizeof line, "SEMANTICS %s", v->reason + 10);
        scenario_strings_add(&s->spec, line);
    }
    buf_free(&b);
}

/* Writes res->reproducer under opt->out_dir and replays the file as
 * `sessim run` would, into *replay. False when it cannot be written. */
static bool write_reproducer(const struct explore_options *opt, struct explore_result *res,
                             struct verdict *replay, FILE *out)
{
    char path[4096], err[4200];
    snprintf(path, sizeof path, "%s/seed-%llu-run-%zu.yaml", opt->out_dir,
             (unsigned long long)opt->seed, res->failed_run + 1);
    if (!make_dirs(opt->out_dir)) {
        fprintf(out, "  cannot create %s: %s\n", opt->out_dir, strerror(errno));
        return false;
    }
    scenario_string_set(&res->reproducer->file, path);
    if (!emit_file(res->reproducer, path, err, sizeof err)) {
        fprintf(out, "  cannot write the reproducer: %s\n", err);
        return false;
    }
    res->path = mem_strdup(path);
    struct scenario_error lerr;
    struct scenario *back = scenario_load(path, &lerr);
    if (back == NULL) {
        fprintf(out, "  the reproducer does not load: %s\n", lerr.message);
        return false;
    }
    run_scenario(back, opt, replay);
    scenario_free(back);
    return true;
}

/* ---- exploring ---- */

struct explorer {
    struct explore_options opt;   /* with defaults filled in */
    FILE *out, *err;
    bool live;                    /* a progress line on err (a terminal) */
    double busy;                  /* seconds spent generating and running (not shrinking) */
    size_t counts[EXPLORE_KINDS_MAX];
};

static void clear_live(struct explorer *x)
{
    if (x->live)
        fputs("\r\033[K", x->err);
}

static void progress(struct explorer *x, const struct explore_result *res)
{
    size_t runs = x->opt.runs, done = res->runs;
    if (runs >= 100 && done % (runs / 10) == 0 && done < runs) {
        clear_live(x);
        fprintf(x->out, "progress: %zu/%zu runs, %zu steps, %zu failures\n", done, runs,
                res->steps, res->failures);
        fflush(x->out);
    }
    if (x->live && done % 8 == 0) {
        double t = x->busy;
        fprintf(x->err, "\r\033[Kexplore: %zu/%zu runs, %zu steps, %.0f steps/s, %zu failures",
                done, runs, res->steps, t > 0 ? (double)res->steps / t : 0.0, res->failures);
        fflush(x->err);
    }
}

static void print_indented(FILE *f, const char *text, const char *indent)
{
    while (*text != '\0') {
        size_t n = strcspn(text, "\n");
        fprintf(f, "%s%.*s\n", indent, (int)n, text);
        text += n + (text[n] == '\n');
    }
}

/* Whether a live run's failure shows again in a second run (timing on a
 * loaded machine, an order Prosody draws at start: 0.4). The model's own
 * failures are deterministic and need no second run. */
static bool repeats(struct explorer *x, const struct scenario *s, const struct verdict *v)
{
    if (x->opt.live == NULL || strncmp(v->reason, "invariant ", 10) == 0 ||
        strncmp(v->reason, "unparseable", 11) == 0)
        return true;
    struct verdict again;
    run_scenario(s, &x->opt, &again);
    bool same = same_failure(v, &again);
    verdict_free(&again);
    return same;
}

/* Shrinks, labels, writes and replays the failure of run res->failed_run.
 * Returns the exit status. */
static int handle_failure(struct explorer *x, struct explore_result *res, struct scenario *s,
                          const struct verdict *v)
{
    FILE *out = x->out;
    clear_live(x);
    fprintf(out, "FAIL run %zu/%zu (run seed 0x%016llx): %s", res->failed_run + 1, x->opt.runs,
            (unsigned long long)res->failed_seed, v->reason);
    if (v->steps_run > 0)
        fprintf(out, " at step %zu of %zu", v->steps_run, s->step_count);
    fputc('\n', out);
    fflush(out);
    struct shrink_ctx ctx = {&x->opt, v};
    struct shrink_stats stats;
    shrink_scenario(s, fails_the_same, &ctx, x->opt.shrink_tests_max, &stats);
    fprintf(out, "  shrunk to %zu steps (from %zu, %zu runs of the shrinker%s)\n", s->step_count,
            stats.steps_before, stats.tests, stats.exhausted ? ", stopped by its bound" : "");
    struct scenario *expected = x->opt.live != NULL ? twin_transcribe(s) : NULL;
    if (expected != NULL) {
        fprintf(out, "  with the model's traffic as %zu receive steps\n",
                expected->step_count - s->step_count);
        scenario_free(s);
        s = expected;
    }
    label(s, &x->opt, res, v, stats.steps_before);
    res->reproducer = s;
    snprintf(res->reason, sizeof res->reason, "%s", v->reason);
    snprintf(res->rules, sizeof res->rules, "%s", v->rules[0] ? v->rules : " ");
    struct buf yaml = {0};
    emit_scenario(s, &yaml);
    fputs("  reproducer:\n", out);
    print_indented(out, buf_cstr(&yaml), "    ");
    buf_free(&yaml);
    if (x->opt.out_dir == NULL)
        return EXIT_FAILED;
    struct verdict replay;
    memset(&replay, 0, sizeof replay);
    if (!write_reproducer(&x->opt, res, &replay, out))
        return EXIT_USAGE;
    res->replayed = same_failure(v, &replay);
    fprintf(out, "  written to %s\n  replay: sessim run %s%s%s\n", res->path,
            x->opt.replay_options ? x->opt.replay_options : "",
            x->opt.replay_options ? " " : "", res->path);
    if (!res->replayed)
        fprintf(out, "  (the written file does not fail the same way: %s)\n",
                replay.failed ? replay.reason : "it passes");
    print_indented(out, replay.message != NULL ? replay.message : "", "    ");
    verdict_free(&replay);
    return EXIT_FAILED;
}

static void summary(struct explorer *x, const struct explore_result *res)
{
    clear_live(x);
    fprintf(x->out, "explore: %zu runs, %zu steps, %zu failure%s", res->runs, res->steps,
            res->failures, res->failures == 1 ? "" : "s");
    if (x->opt.live != NULL)
        fprintf(x->out, ", %zu difference%s not repeated", res->unrepeated,
                res->unrepeated == 1 ? "" : "s");
    fputs("\nkinds written:", x->out);
    for (size_t i = 0; i < COUNT(rows); i++)
        fprintf(x->out, " %s %zu%s", rows[i].name, x->counts[i], i + 1 < COUNT(rows) ? "," : "");
    fputc('\n', x->out);
    fflush(x->out);
    double t = x->busy;
    if (x->err != NULL)
        fprintf(x->err, "explore: %zu steps in %.2f s, %.0f steps/s, every invariant after "
                        "every step\n",
                res->steps, t, t > 0 ? (double)res->steps / t : 0.0);
}

static void json_failure(FILE *f, const struct explore_result *res)
{
    fprintf(f, "  \"failed\": [\n    {\"run\": %zu, \"run_seed\": \"0x%016llx\", \"reason\": ",
            res->failed_run + 1, (unsigned long long)res->failed_seed);
    report_json_string(f, res->reason);
    fputs(", \"rules\": [", f);
    const char *p = res->rules;
    for (bool first = true; *(p += strspn(p, " ")) != '\0'; first = false) {
        size_t n = strcspn(p, " ");
        fprintf(f, "%s\"%.*s\"", first ? "" : ", ", (int)n, p);
        p += n;
    }
    fprintf(f, "], \"reproducer_steps\": %zu, \"reproducer\": ",
            res->reproducer != NULL ? res->reproducer->step_count : 0);
    if (res->path != NULL)
        report_json_string(f, res->path);
    else
        fputs("null", f);
    fprintf(f, ", \"replayed\": %s}\n  ],\n", res->replayed ? "true" : "false");
}

/* The --json summary: a function of the options and the runs done. */
static bool write_json(const struct explorer *x, const struct explore_result *res)
{
    FILE *f = fopen(x->opt.json_path, "w");
    if (f == NULL)
        return false;
    fprintf(f, "{\n  \"sessim_explore\": 1,\n  \"seed\": %llu,\n",
            (unsigned long long)x->opt.seed);
    if (x->opt.seed_range)
        fprintf(f, "  \"seed_range\": [%llu, %llu],\n", (unsigned long long)x->opt.seed,
                (unsigned long long)x->opt.seed_last);
    fprintf(f, "  \"steps_per_run\": %zu,\n  \"runs\": %zu,\n  \"steps\": %zu,\n"
               "  \"failures\": %zu,\n", x->opt.steps, res->runs, res->steps, res->failures);
    if (x->opt.live != NULL)
        fprintf(f, "  \"differential\": true,\n  \"unrepeated\": %zu,\n", res->unrepeated);
    if (res->failures > 0)
        json_failure(f, res);
    else
        fputs("  \"failed\": [],\n", f);
    fputs("  \"kinds\": {", f);
    for (size_t i = 0; i < COUNT(rows); i++)
        fprintf(f, "%s\"%s\": %zu", i ? ", " : "", rows[i].name, x->counts[i]);
    fputs("}\n}\n", f);
    return fclose(f) == 0;
}

static void header(const struct explorer *x)
{
    const struct explore_options *o = &x->opt;
    if (o->seed_range)
        fprintf(x->out, "sessim explore: seeds %llu..%llu, one run each x %zu steps\n",
                (unsigned long long)o->seed, (unsigned long long)o->seed_last, o->steps);
    else if (o->time_limit > 0 && o->runs == EXPLORE_RUNS_MAX)
        fprintf(x->out, "sessim explore: seed %llu, runs until the time is up x %zu steps\n",
                (unsigned long long)o->seed, o->steps);
    else
        fprintf(x->out, "sessim explore: seed %llu, %zu runs x %zu steps\n",
                (unsigned long long)o->seed, o->runs, o->steps);
    if (o->time_limit > 0)
        fprintf(x->out, "  (no run starts after %.0f s: the number of runs depends on speed)\n",
                o->time_limit);
    if (o->live != NULL)
        fprintf(x->out, "  differential: each run on the model and on Prosody at %s, settle %u ms\n",
                LIVE_HOST, o->settle_ms);
    fflush(x->out);
}

static uint64_t seed_of_run(const struct explore_options *o, size_t i)
{
    return o->seed_range ? explore_run_seed(o->seed + i, 0) : explore_run_seed(o->seed, i);
}

int explore_run(const struct explore_options *opt, FILE *out, FILE *err,
                struct explore_result *res)
{
    struct explorer x;
    memset(&x, 0, sizeof x);
    memset(res, 0, sizeof *res);
    x.opt = *opt;
    bool live = opt->live != NULL;
    x.opt.runs = opt->runs              ? opt->runs
                 : opt->time_limit > 0 ? EXPLORE_RUNS_MAX
                 : live                ? EXPLORE_LIVE_RUNS_DEFAULT
                                       : EXPLORE_RUNS_DEFAULT;
    if (opt->seed_range)
        x.opt.runs = (size_t)(opt->seed_last - opt->seed + 1);
    x.opt.steps = opt->steps ? opt->steps : live ? EXPLORE_LIVE_STEPS_DEFAULT
                                                 : EXPLORE_STEPS_DEFAULT;
    if (live && opt->shrink_tests_max == 0)
        x.opt.shrink_tests_max = EXPLORE_LIVE_SHRINK_DEFAULT;
    if (live)
        x.opt.isolate = false;   /* the server belongs to this process */
    x.out = out;
    x.err = err;
    x.live = err != NULL && !opt->verbose && isatty(fileno(err));
    header(&x);
    int status = EXIT_OK;
    double start = clock_now_s();
    for (size_t i = 0; i < x.opt.runs && status == EXIT_OK; i++) {
        uint64_t seed = seed_of_run(&x.opt, i);
        double t0 = clock_now_s();
        if (opt->time_limit > 0 && t0 - start >= opt->time_limit)
            break;
        struct scenario *s = explore_generate_counted(seed, x.opt.steps, live, x.counts);
        struct verdict v;
        run_scenario(s, &x.opt, &v);
        x.busy += clock_now_s() - t0;
        res->runs++;
        res->steps += v.steps_run;
        if (opt->verbose)
            fprintf(out, "run %zu: seed 0x%016llx, %zu steps, %s\n", i + 1,
                    (unsigned long long)seed, v.steps_run, v.failed ? v.reason : "pass");
        if (v.broken) {
            clear_live(&x);
            fprintf(out, "explore: %s\n", v.reason);
            status = EXIT_USAGE;
        } else if (v.failed && !repeats(&x, s, &v)) {
            res->unrepeated++;
            clear_live(&x);
            fprintf(out, "run %zu: a difference that a second run did not show, passed over: "
                         "%s\n", i + 1, v.reason);
            scenario_free(s);
        } else if (v.failed) {
            res->failures = 1;
            res->failed_run = i;
            res->failed_seed = seed;
            status = handle_failure(&x, res, s, &v);
        } else {
            scenario_free(s);
        }
        verdict_free(&v);
        progress(&x, res);
    }
    summary(&x, res);
    if (opt->json_path != NULL && !write_json(&x, res)) {
        fprintf(out, "explore: cannot write %s\n", opt->json_path);
        return EXIT_USAGE;
    }
    return status;
}

void explore_result_free(struct explore_result *res)
{
    scenario_free(res->reproducer);
    free(res->path);
    res->reproducer = NULL;
    res->path = NULL;
}

/* ---- the command ---- */

static const char explore_usage[] =
    "usage: sessim explore [--seed S] [--steps N] [--runs R] [--out DIR] [-v]\n"
    "                      [--no-fork] [--shrink-max N] [--time DURATION]\n"
    "                      [--seed-range A..B] [--json FILE]\n"
    "                      [--target tcp://127.0.0.1:PORT [--settle MS] [--prosody PROG]]\n"
    "  Generates R random scenarios of N steps from seed S, runs each on the model\n"
    "  with every invariant checked after every step, and shrinks the first failure\n"
    "  to a minimal YAML reproducer that `sessim run FILE` fails the same way.\n"
    "  With --target, each run is also replayed on a Prosody that sessim starts on\n"
    "  127.0.0.1:PORT (0: a free port), a clean server per run, and the first\n"
    "  difference between the two servers' traffic is a failure, confirmed by a\n"
    "  second run, shrunk, and written with the model's traffic as its receive\n"
    "  steps: it passes on the model and fails with `sessim run --target`. Live\n"
    "  runs leave out advance and the known divergences steps would hit; defaults\n"
    "  become 20 runs x 30 steps and --shrink-max 150; runs are not forked.\n"
    "  --seed S        seed of the exploration, decimal or 0x hex (default: random,\n"
    "                  printed first)\n"
    "  --steps N       steps per run (default 200, at most 1000000)\n"
    "  --runs R        runs (default 100)\n"
    "  --out DIR       where reproducers are written (default reports/explore)\n"
    "  -v              one line per run\n"
    "  --no-fork       run in this process: faster, but a crash ends the exploration\n"
    "                  instead of being shrunk\n"
    "  --shrink-max N  at most N runs while shrinking (default 4000)\n"
    "  --time DURATION no run starts after DURATION (60s, 5m, 1h); without --runs\n"
    "                  the runs are then unbounded. The number of runs done (in the\n"
    "                  summary) then depends on the machine's speed\n"
    "  --seed-range A..B  one run per seed k in A..B, the same run as the first of\n"
    "                  `--seed k` (replaces --seed and --runs): shards for CI jobs\n"
    "  --json FILE     write a machine-readable summary (seeds, runs, steps, the\n"
    "                  failure with its rules and reproducer; no timings) to FILE;\n"
    "                  `sessim merge FILE...` combines the files of shards\n"
    "  --target URL    differential against a live Prosody (see above)\n"
    "  --settle MS     with --target: quiet time that ends a step (default 200)\n"
    "  --prosody PROG  with --target: the Prosody program (default: prosody from PATH)\n"
    "  Standard output is the same for the same options, byte for byte; the\n"
    "  throughput (steps/s) goes to standard error only.\n"
    "  Exit status: 0 nothing failed, 1 a failure was found, 2 usage error, the\n"
    "  reproducer could not be written, or the live server could not be run.\n";

static bool parse_count(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
        return false;
    *out = v;
    return true;
}

/* Entropy at the edge: a seed for runs that were not given one. */
static uint64_t fresh_seed(void)
{
    uint64_t seed = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f == NULL || fread(&seed, sizeof seed, 1, f) != 1)
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    if (f != NULL)
        fclose(f);
    return seed;
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "sessim explore: %s '%s'\nTry 'sessim explore --help'.\n", what, arg);
    return EXIT_USAGE;
}

/* "60s", "5m", "2h" or plain seconds; false when not a positive duration. */
static bool parse_duration(const char *s, double *out)
{
    static const char units[] = "smh";
    static const double scale[] = {1, 60, 3600};
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    const char *u = *end != '\0' ? strchr(units, *end) : units;
    if (errno != 0 || end == s || !(v > 0) || v > 1e7 || u == NULL || (*end && end[1] != '\0'))
        return false;
    *out = v * scale[u - units];
    return true;
}

/* "A..B" with A <= B and at most EXPLORE_RUNS_MAX seeds. */
static bool parse_range(const char *s, struct explore_options *o)
{
    const char *dots = strstr(s, "..");
    char first[32];
    uint64_t a, b;
    if (dots == NULL || (size_t)(dots - s) >= sizeof first)
        return false;
    snprintf(first, sizeof first, "%.*s", (int)(dots - s), s);
    if (!parse_count(first, UINT64_MAX, &a) || !parse_count(dots + 2, UINT64_MAX, &b) || b < a ||
        b - a >= EXPLORE_RUNS_MAX)
        return false;
    o->seed_range = true;
    o->seed = a;
    o->seed_last = b;
    return true;
}

/* What the command line says of the live server. */
struct live_args {
    const char *target, *settle, *prosody;
};

/* --target, --settle and --prosody; returns 1 when a is none of them. */
static int parse_live(int argc, char **argv, int *i, struct live_args *la)
{
    const char *a = argv[*i];
    const char **slot = strcmp(a, "--target") == 0   ? &la->target
                        : strcmp(a, "--settle") == 0  ? &la->settle
                        : strcmp(a, "--prosody") == 0 ? &la->prosody
                                                      : NULL;
    if (slot == NULL)
        return 1;
    if (*i + 1 >= argc)
        return usage_error("option needs a value:", a);
    *slot = argv[++*i];
    return 0;
}

/* --time, --seed-range and --json; returns 1 when a is none of them. */
static int parse_more(int argc, char **argv, int *i, struct explore_options *o, bool *seeded)
{
    const char *a = argv[*i];
    if (strcmp(a, "--time") != 0 && strcmp(a, "--seed-range") != 0 && strcmp(a, "--json") != 0)
        return 1;
    if (*i + 1 >= argc)
        return usage_error("option needs a value:", a);
    const char *v = argv[++*i];
    if (a[2] == 'j')
        o->json_path = v;
    else if (a[2] == 't' && !parse_duration(v, &o->time_limit))
        return usage_error("--time needs a duration such as 60s, 5m or 1h, not", v);
    else if (a[2] == 's' && !parse_range(v, o))
        return usage_error("--seed-range needs A..B with A <= B, not", v);
    *seeded |= a[2] == 's';
    return 0;
}

/* One option at argv[*i]; returns 0, or the exit status to stop with
 * (-1: --help). */
static int parse_option(int argc, char **argv, int *i, struct explore_options *o, bool *seeded,
                        struct live_args *la)
{
    static const char *const valued[] = {"--seed", "--steps", "--runs", "--out", "--shrink-max"};
    static const uint64_t max[] = {UINT64_MAX, EXPLORE_STEPS_MAX, EXPLORE_RUNS_MAX, 0,
                                   10000000};
    const char *a = argv[*i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
        return -1;
    if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0 || strcmp(a, "--no-fork") == 0) {
        o->verbose |= a[1] == 'v' || a[2] == 'v';
        o->isolate &= strcmp(a, "--no-fork") != 0;
        return 0;
    }
    int more = parse_more(argc, argv, i, o, seeded);
    if (more == 1)
        more = parse_live(argc, argv, i, la);
    if (more != 1)
        return more;
    for (size_t k = 0; k < COUNT(valued); k++) {
        if (strcmp(a, valued[k]) != 0)
            continue;
        if (*i + 1 >= argc)
            return usage_error("option needs a value:", a);
        const char *v = argv[++*i];
        uint64_t n = 0;
        if (k == 3) {
            o->out_dir = v;
            return 0;
        }
        if (!parse_count(v, max[k], &n) || (k != 0 && n == 0))
            return usage_error(k == 0 ? "--seed needs a non-negative integer, not"
                                      : "option needs a positive number within its bound, not",
                               v);
        *seeded |= k == 0;
        o->seed_range &= k != 0;   /* the last of --seed and --seed-range counts */
        o->seed = k == 0 ? n : o->seed;
        o->steps = k == 1 ? (size_t)n : o->steps;
        o->runs = k == 2 ? (size_t)n : o->runs;
        o->shrink_tests_max = k == 4 ? (size_t)n : o->shrink_tests_max;
        return 0;
    }
    return usage_error("unknown option", a);
}

/* The live server of --target (with --settle and --prosody), and the
 * options that replay a reproducer on such a server. 0 or the usage exit
 * status. */
static int setup_live(const struct live_args *la, struct explore_options *o,
                      struct target_tcp_setup **setup, struct buf *replay)
{
    char err[LIVE_ERROR_MAX];
    if (la->target == NULL && la->settle == NULL && la->prosody == NULL)
        return 0;
    if (la->target == NULL)
        return usage_error("option needs --target:", la->settle != NULL ? "--settle" : "--prosody");
    *setup = target_tcp_setup_new(la->target, la->settle, la->prosody, err, sizeof err);
    if (*setup == NULL) {
        fprintf(stderr, "sessim explore: %s\nTry 'sessim explore --help'.\n", err);
        return EXIT_USAGE;
    }
    o->live = target_tcp_setup_live(*setup);
    o->settle_ms = target_tcp_setup_settle(*setup);
    buf_puts(replay, "--target tcp://127.0.0.1:0");
    if (o->settle_ms != TARGET_TCP_SETTLE_DEFAULT_MS) {
        buf_puts(replay, " --settle ");
        buf_put_u64(replay, o->settle_ms);
    }
    if (la->prosody != NULL) {
        buf_puts(replay, " --prosody ");
        buf_puts(replay, la->prosody);
    }
    o->replay_options = buf_cstr(replay);
    return 0;
}

int explore_main(int argc, char **argv)
{
    struct explore_options o = {.out_dir = EXPLORE_OUT_DEFAULT, .isolate = true};
    struct live_args la = {0};
    bool seeded = false;
    for (int i = 1; i < argc; i++) {
        int status = parse_option(argc, argv, &i, &o, &seeded, &la);
        if (status == -1) {
            fputs(explore_usage, stdout);
            return EXIT_OK;
        }
        if (status != 0)
            return status;
    }
    struct target_tcp_setup *setup = NULL;
    struct buf replay = {0};
    int status = setup_live(&la, &o, &setup, &replay);
    if (status != 0)
        return status;
    if (!seeded)
        o.seed = fresh_seed();
    struct explore_result res;
    status = explore_run(&o, stdout, stderr, &res);
    explore_result_free(&res);
    target_tcp_setup_free(setup);
    buf_free(&replay);
    return status;
}

/* ---- benchmark ---- */

/* The model behind the interface as a live target would be: the runner
 * then checks no invariants. For the cost figure. */
static struct target *hidden_new(const struct scenario *s, uint64_t seed, void *ctx)
{
    (void)ctx;
    return target_model_hidden_new(&s->server, seed, "model-hidden",
                                   TARGET_CAN_ADVANCE | TARGET_CAN_RESTART | TARGET_QUIESCENT);
}

/* Generates and runs scenarios of 1000 steps until `steps` ran, timing
 * both; the model hidden or not. Returns false when a run failed. */
static bool timed_runs(size_t steps, bool hide, double *steps_per_second)
{
    size_t done = 0;
    bool ok = true;
    double elapsed = 0;
    for (uint64_t i = 0; done < steps && i < EXPLORE_RUNS_MAX; i++) {
        double t0 = clock_now_s();
        struct scenario *s = explore_generate(explore_run_seed(1, (size_t)i), 1000);
        s->target = SCENARIO_TARGET_ANY;   /* runs on the hidden model too */
        struct runner_options ro = {.seed = 0, .target_new = hide ? hidden_new : NULL};
        struct runner_result res;
        runner_run(s, &ro, &res);
        elapsed += clock_now_s() - t0;
        ok = ok && res.outcome == RUNNER_PASS;
        done += res.steps_run;
        runner_result_free(&res);
        scenario_free(s);
    }
    *steps_per_second = elapsed > 0 ? (double)done / elapsed : 0;
    return ok;
}

bool explore_bench(size_t steps, double *steps_per_second)
{
    return timed_runs(steps, false, steps_per_second);
}

bool explore_bench_hidden(size_t steps, double *steps_per_second)
{
    return timed_runs(steps, true, steps_per_second);
}
