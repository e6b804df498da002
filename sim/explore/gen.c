/* gen: the scenario generator of the explorer (see gen.h).
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
 */
#include "explore/gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/count.h"
#include "base/mem.h"
#include "base/text.h"
#include "explore/gen_stanza.h"
#include "explore/gen_state.h"
#include "model/model.h"

static const char *const passwords[] = {"password", "secret", "wrong"};
#define PW_COUNT_REAL 2           /* "wrong" is never any account's */

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

/* EJ13: under the ejabberd profile a stanza on an unauthenticated stream
 * (registration aside, which the shadow does not tell apart) ends it. */
static void stanza_sent(struct gen *g, struct gclient *c)
{
    if (g->s->server.profile == SCENARIO_PROFILE_EJABBERD)
        closed_by_server(c, BIT(CS_UNAUTHED), false);
}

/* The client opens a new connection now when in a state without one. */
static void note_open(struct gen *g, struct gclient *c)
{
    if ((c->mask & (BIT(CS_NONE) | BIT(CS_CLOSED))) == 0)
        return;
    c->opens++;   /* may be a new connection: <enable/> no longer holds */
    c->cut = false;
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

void gen_user_name(char *out, size_t size, size_t user)
{
    text_numbered(out, size, "u", user + 1);
}

static void resource_name(char *out, size_t size, int resource)
{
    text_numbered(out, size, "r", (unsigned long long)resource + 1);
}

/* Prosody's mod_tombstones caches "no tombstone" for a name whenever a
 * registration or a presence to its bare JID is checked, and deletion
 * does not clear the cache (DIVERGENCES.md T3): until a restart, a name
 * deleted in a live run is neither registered nor addressed by bare JID
 * (nobody@ stands in). */
void gen_put_bare(struct gen *g, size_t user)
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
    gen_user_name(name, sizeof name, user);
    buf_puts(&g->text, name);
    buf_puts(&g->text, "@" DOMAIN);
}

void gen_put_full(struct gen *g, size_t user, int resource)
{
    char res[24];
    gen_put_bare(g, user);
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
            if (!g->u[a].exists || !g->u[b].exists || !gen_chance(g, 35))
                continue;
            size_t k = gen_below(g, COUNT(mirror));
            char na[24], nb[24];
            gen_user_name(na, sizeof na, a);
            gen_user_name(nb, sizeof nb, b);
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
    sv->conflict = conflicts[gen_below(g, COUNT(conflicts) - g->live)];
    sv->offline = gen_chance(g, 75);
    sv->registration = gen_chance(g, 75);
    sv->tombstones = gen_chance(g, 75);
    sv->tombstone_expiry_ms = expiries[gen_below(g, COUNT(expiries))];
    if (sv->profile == SCENARIO_PROFILE_EJABBERD)
        sv->tombstones = false;   /* EJ6; drawn all the same, so the streams stay in step */
    if (g->fit != NULL) {   /* drawn all the same: the streams stay in step */
        sv->conflict = g->fit->conflict_fixed ? g->fit->conflict : sv->conflict;
        sv->offline = g->fit->offline_fixed ? g->fit->offline : sv->offline;
        sv->registration = g->fit->registration_fixed ? g->fit->registration : sv->registration;
    }
    if (g->sm) {   /* the shadow does not follow a conflict with a hibernating session */
        sv->conflict = SCENARIO_CONFLICT_KICK_OLD;
        if (g->fit == NULL || !g->fit->sm_fixed)   /* a described server would skip it */
            sv->sm_hibernation_ms = 60 * 1000;
    }
}

/* Users (some preset as accounts), clients over them with resources from
 * a small pool, so that clashes happen. */
static void setup_people(struct gen *g)
{
    g->nusers = 1 + (size_t)gen_below(g, USERS_MAX);
    g->nclients = 1 + (size_t)gen_below(g, CLIENTS_MAX);
    g->nresources = 1 + (size_t)gen_below(g, RESOURCES_MAX);
    char name[24], account[24], res[24];
    for (size_t i = 0; i < g->nusers; i++) {
        g->u[i].exists = gen_chance(g, 75);
        if (!g->u[i].exists)
            continue;
        gen_user_name(name, sizeof name, i);
        g->account[i] = g->s->account_count;
        scenario_account_add(g->s, name, passwords[0]);
    }
    setup_rosters(g);
    for (size_t i = 0; i < g->nclients; i++) {
        struct gclient *c = &g->c[i];
        c->mask = BIT(CS_NONE);
        c->user = (size_t)gen_below(g, g->nusers);
        c->resource = c->asked = (int)gen_below(g, g->nresources);
        snprintf(name, sizeof name, "c%zu", i + 1);
        gen_user_name(account, sizeof account, c->user);
        resource_name(res, sizeof res, c->resource);
        scenario_client_add(g->s, name, account, res);
    }
}

/* Stream-level faults (S3, S6, S13): each makes the server close, but
 * under the ejabberd profile, where the parser skips the comment (its
 * presence stays a stanza) and an element nothing handles is ignored
 * (EJ17). Raw, since some are not XML the loader would accept in a
 * `send`. */
static const struct {
    const char *text;
    bool ejabberd_keeps;          /* the stream stays open under the ejabberd profile */
    const char *ejabberd_live;    /* live on ejabberd, instead of text (NULL: the same);
                                   * DIVERGENCES-ejabberd.md L7 */
} stream_faults[] = {
    {("<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>bye</text></stream:error>"),
     false, NULL},
    {"<foo xmlns='urn:example:unknown'/>", true, NULL},
    {"<message><body>unclosed</message>", false, NULL},
    {"<presence/><!-- comment -->", true, NULL},
    {"<iq type='get' id='x'><query xmlns='jabber:iq:roster'/></iq>&bogus;", false, "&bogus;"},
};

/* A stream fault; live, not the client's own stream error (the first):
 * DIVERGENCES.md S13. Its text goes to g->text; the result says how the
 * write ends. */
static enum write_end stream_fault(struct gen *g)
{
    size_t k = g->live + gen_below(g, COUNT(stream_faults) - g->live);
    bool ejabberd_live = g->live && gen_ejabberd(g) && stream_faults[k].ejabberd_live != NULL;
    buf_puts(&g->text, ejabberd_live ? stream_faults[k].ejabberd_live : stream_faults[k].text);
    bool kept = stream_faults[k].ejabberd_keeps &&
                g->s->server.profile == SCENARIO_PROFILE_EJABBERD;
    return kept ? END_KEPT : END_CLOSES;
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
    *out = fit[gen_below(g, n)];
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
    unsigned k = (unsigned)gen_below(g, 100);
    st->connect.auth = k >= 12;
    st->connect.bind = k >= 24;
    c->asked = c->resource;
    if (gen_chance(g, 25)) {
        char res[24];
        c->asked = (int)gen_below(g, g->nresources);
        resource_name(res, sizeof res, c->asked);
        scenario_string_set(&st->connect.resource, res);
    }
    if ((c->mask & (BIT(CS_NONE) | BIT(CS_CLOSED))) || st->connect.bind)
        c->sm_token = false;   /* a new session (or a bind): the harness forgets the id */
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
    if (gen_chance(g, 60)) {
        pw = (size_t)gen_below(g, COUNT(passwords));
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
    g->c[ci].sm_token = false;   /* a new session: the harness forgets the id */
    return true;
}

/* One stanza of the row's kind, mostly from a bound client, sometimes
 * before binding (A11). */
static bool write_stanza(struct gen *g, const struct row *row)
{
    size_t ci;
    if (!(gen_chance(g, 90) && choose(g, ok_bound, &ci)) && !choose(g, ok_stream, &ci))
        return false;
    buf_clear(&g->text);
    row->stanza(g, ci);
    scenario_strings_add(&add_step(g, SCENARIO_STEP_SEND, ci)->send, buf_cstr(&g->text));
    stanza_sent(g, &g->c[ci]);
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
    bool own = gen_chance(g, 85);
    size_t pw = (size_t)gen_below(g, PW_COUNT_REAL);
    char user[24];
    gen_user_name(user, sizeof user, own ? c->user : (c->user + 1) % USERS_MAX);
    buf_clear(&g->text);
    buf_puts(&g->text, "<iq type='set'");
    gen_stanza_id(g);
    buf_puts(&g->text, "><query xmlns='jabber:iq:register'><username>");
    buf_puts(&g->text, user);
    buf_puts(&g->text, "</username><password>");
    buf_puts(&g->text, passwords[pw]);
    buf_puts(&g->text, "</password></query></iq>");
    scenario_strings_add(&add_step(g, SCENARIO_STEP_SEND, ci)->send, buf_cstr(&g->text));
    if (!own)
        return true;
    /* The harness learns the new password from the result (format 1.7). */
    g->u[c->user].password = g->u[c->user].harness = pw;
    for (size_t o = 0; o < g->nclients && !gen_ejabberd(g); o++)   /* EJ27: none closed */
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

/* DIVERGENCES.md SM15: Prosody reads a resumed stream with the parser of
 * the connection that was lost, so after a loss inside a stanza what the
 * client writes next is read as its continuation. Live on Prosody, such a
 * session is not resumed (the client forgets its id); a write cut between
 * pieces counts as inside, even where the server may have closed first. */
static void lost_inside_a_stanza(const struct gen *g, struct gclient *c)
{
    if (g->live && !gen_ejabberd(g))
        c->sm_token = false;
    c->cut = false;
}

static bool write_drop(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_drop, &ci))
        return false;
    add_step(g, SCENARIO_STEP_DROP, ci);   /* mid-stanza and mid-negotiation too */
    if (g->c[ci].cut)
        lost_inside_a_stanza(g, &g->c[ci]);
    drop_write(&g->c[ci]);
    if (g->c[ci].sm_token) {   /* SM11: it may hibernate */
        g->c[ci].sm_dropped = true;
        g->c[ci].sm_dropped_at = g->now;
    }
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
    size_t pw = gen_chance(g, 80) ? 0 : 1;
    scenario_string_set(&add_step(g, SCENARIO_STEP_REGISTER, ci)->reg.password, passwords[pw]);
    if (c->mask & (BIT(CS_NONE) | BIT(CS_CLOSED)))
        c->sm_token = false;   /* a new session: the harness forgets the id */
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
    if (g->live && gen_ejabberd(g))
        return false;   /* DIVERGENCES-ejabberd.md L6 */
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
    int64_t target = (int64_t)(from + at) + nudges[gen_below(g, COUNT(nudges))];
    return target > (int64_t)g->now ? (uint64_t)target - g->now : 0;
}

/* The clock: small steps, jumps across the S12 timeout of an open
 * unauthenticated connection and across tombstone expiry (T2), long jumps. */
static uint64_t advance_amount(struct gen *g)
{
    unsigned k = (unsigned)gen_below(g, 100);
    for (size_t i = 0; k >= 30 && k < 50 && i < g->nclients; i++)
        if (g->c[i].mask & UNAUTH_BITS)
            return across(g, g->c[i].opened_lo, MODEL_C2S_TIMEOUT_MS);
    uint64_t expiry = g->s->server.tombstone_expiry_ms;
    for (size_t i = 0; k >= 50 && k < 75 && expiry > 0 && i < g->nusers; i++)
        if (g->u[i].tomb)
            return across(g, g->u[i].tomb_at, expiry);
    for (size_t i = 0; g->sm && k >= 75 && k < 90 && i < g->nclients; i++)
        if (g->c[i].sm_dropped)   /* SM12: across the hibernation timeout */
            return across(g, g->c[i].sm_dropped_at, g->s->server.sm_hibernation_ms);
    if (k < 50)
        return 1 + gen_below(g, 5000);
    return HOUR_MS + gen_below(g, 40 * DAY_MS);
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

#define ROWS_BASE 21              /* rows without --sm: the first ones of rows[] */
#define ROWS 26                   /* entries of rows[] below */
static const struct row rows[ROWS];

/* One stanza from a stanza row that is on this run (presence if none). */
static void make_stanza(struct gen *g, size_t ci)
{
    unsigned total = 0;
    for (size_t i = 0; i < ROWS; i++)
        total += rows[i].stanza != NULL ? g->weights[i] : 0;
    unsigned pick = total > 0 ? (unsigned)gen_below(g, total) : 0;
    for (size_t i = 0; i < ROWS; i++) {
        unsigned w = rows[i].stanza != NULL ? g->weights[i] : 0;
        if (pick < w) {
            rows[i].stanza(g, ci);
            return;
        }
        pick -= w;
    }
    gen_stanza_presence(g, ci);
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
    if (c->stanzas)
        stanza_sent(g, c);
    c->cut = !last;
    if (last)
        drop_write(c);
}

/* Splits text into npieces non-empty pieces at random byte positions,
 * makes them c's pending write (stanzas: it carries stanzas) and sends
 * the first. */
static void start_write(struct gen *g, size_t ci, const char *text, size_t npieces,
                        enum write_end end, bool stanzas)
{
    struct gclient *c = &g->c[ci];
    size_t len = strlen(text), cuts[PIECES_MAX + 1] = {0};
    npieces = npieces > len ? len : npieces;
    cuts[npieces] = len;
    for (size_t i = 1; i < npieces; i++) {   /* distinct, increasing cut points */
        size_t lo = cuts[i - 1] + 1, hi = len - (npieces - i);
        cuts[i] = lo + (size_t)gen_below(g, hi - lo + 1);
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
    c->stanzas = stanzas;
    send_piece(g, ci);
}

/* 1-3 stanzas, maybe ending with a stream fault (a closing one must be
 * last: nothing after it reaches that connection). */
static enum write_end compose(struct gen *g, size_t ci, size_t min)
{
    buf_clear(&g->text);
    size_t n = min + (size_t)gen_below(g, STANZAS_PER_WRITE_MAX - min + 1);
    for (size_t i = 0; i < n; i++)
        make_stanza(g, ci);
    if (!gen_chance(g, 15))
        return END_NOTHING;
    size_t at = g->text.len;
    enum write_end end = stream_fault(g);
    if (end == END_CLOSES && g->live && gen_ejabberd(g)) {
        g->text.len = at;   /* DIVERGENCES-ejabberd.md L7 */
        return END_NOTHING;
    }
    return end;
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
    start_write(g, ci, text, 2 + (size_t)gen_below(g, PIECES_MAX - 1), end, true);
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
    start_write(g, ci, text, 1, end, true);
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
    if (gen_chance(g, 50))
        buf_puts(&g->text, header_decl);
    buf_puts(&g->text, header_open);
    char *text = mem_strdup(buf_cstr(&g->text));
    start_write(g, ci, text, 2 + (size_t)gen_below(g, 2), END_HEADER, false);
    free(text);
    return true;
}

static bool write_continue(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_continue, &ci))
        return false;
    const struct gclient *c = &g->c[ci];
    if (g->live && gen_ejabberd(g) && (c->mask & (BIT(CS_NONE) | BIT(CS_CLOSED))) &&
        c->pieces[c->next_piece][0] == '<')
        return false;   /* DIVERGENCES-ejabberd.md L8: an element as a new stream's root */
    send_piece(g, ci);
    return true;
}

static bool write_stream_fault(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_stream, &ci))
        return false;
    buf_clear(&g->text);
    enum write_end end = stream_fault(g);
    char *text = mem_strdup(buf_cstr(&g->text));
    start_write(g, ci, text, 1, end, end == END_KEPT);   /* kept: a presence, maybe */
    free(text);
    return true;
}

/* ---- stream management (--sm; SEMANTICS SM2-SM18) ---- */

/* Bound on the connection where <enable/> was sent. */
static bool ok_sm(const struct gclient *c)
{
    return ok_bound(c) && c->sm_on && c->sm_open == c->opens;
}

static bool ok_enable(const struct gclient *c)
{
    return ok_bound(c) && !ok_sm(c);
}

static bool ok_resume(const struct gclient *c)
{
    return !pending_write(c) && c->mask == BIT(CS_CLOSED) && c->sm_token;
}

static bool write_enable(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_enable, &ci))
        return false;
    struct gclient *c = &g->c[ci];
    bool resume = gen_chance(g, 75);
    add_step(g, SCENARIO_STEP_ENABLE, ci)->enable.resume = resume;
    c->sm_on = true;
    c->sm_open = c->opens;
    c->sm_token = resume;   /* the harness keeps the id of the latest <enabled/> */
    c->sm_dropped = false;
    return true;
}

/* The client's own count mostly; now and then an h the server refuses
 * (SM6, SM8), which ends the session. */
static bool write_ack(struct gen *g, const struct row *row)
{
    static const char *const bad[] = {"4294967296", "abc", "-1"};
    (void)row;
    size_t ci;
    if (!choose(g, ok_sm, &ci))
        return false;
    struct scenario_step *st = add_step(g, SCENARIO_STEP_ACK, ci);
    if (gen_chance(g, 10)) {
        size_t k = (size_t)gen_below(g, COUNT(bad));
        scenario_string_set(&st->sm.h, bad[k]);
        if (k > 0 && gen_ejabberd(g))
            return true;   /* EJ31: no integer >= 0, <failed/> and the stream stays */
        closed_by_server(&g->c[ci], BIT(CS_BOUND), true);
        g->c[ci].sm_token = false;   /* revoked by the close (SM14) */
    }
    return true;
}

static bool write_request(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_sm, &ci))
        return false;
    add_step(g, SCENARIO_STEP_REQUEST, ci);
    return true;
}

/* After a drop: the right h, an h of 0 (right, or backwards: SM18; not
 * live, where a refused resume is DIVERGENCES.md SM18's silent close), or
 * an unknown id (SM17); whether the session still hibernates is not
 * followed, so the client may be bound or only authenticated (or closed,
 * SM18). Now and then the connection is lost again as <resumed/> comes. */
static bool write_resume(struct gen *g, const struct row *row)
{
    (void)row;
    size_t ci;
    if (!choose(g, ok_resume, &ci) || !auth_succeeds(g, &g->c[ci], g->u[g->c[ci].user].harness))
        return false;
    struct gclient *c = &g->c[ci];
    struct scenario_step *st = add_step(g, SCENARIO_STEP_RESUME, ci);
    unsigned k = (unsigned)gen_below(g, 100);
    bool zero = k >= 10 && k < 20 && !g->live;
    if (k < 10)
        scenario_string_set(&st->sm.previd, "no-such-session");
    else if (zero)
        scenario_string_set(&st->sm.h, "0");
    note_open(g, c);
    c->mask = BIT(CS_AUTHED) | BIT(CS_BOUND) | (zero ? BIT(CS_CLOSED) : 0);
    c->sm_on = c->sm_dropped = false;
    if (gen_chance(g, 20)) {
        add_step(g, SCENARIO_STEP_DROP, ci);
        c->mask = BIT(CS_CLOSED);
        c->sm_dropped = true;
        c->sm_dropped_at = g->now;
    }
    return true;
}

/* The connection is lost in the middle of an <a/>, at any byte. */
static bool write_sm_fault(struct gen *g, const struct row *row)
{
    static const char text[] = "<a xmlns='urn:xmpp:sm:3' h='0'/>";
    (void)row;
    size_t ci;
    if (!choose(g, ok_sm, &ci))
        return false;
    struct gclient *c = &g->c[ci];
    char piece[sizeof text];
    size_t cut = 1 + (size_t)gen_below(g, sizeof text - 2);
    memcpy(piece, text, cut);
    piece[cut] = '\0';
    scenario_string_set(&add_step(g, SCENARIO_STEP_SEND_RAW, ci)->send_raw.text, piece);
    add_step(g, SCENARIO_STEP_DROP, ci);
    lost_inside_a_stanza(g, c);
    c->mask = BIT(CS_CLOSED);
    c->sm_on = false;
    c->sm_dropped = c->sm_token;
    c->sm_dropped_at = g->now;
    return true;
}

/* ---- the table ---- */

static const struct row rows[ROWS] = {
    {"connect", 12, true, false, write_connect, NULL},
    {"auth", 3, false, false, write_auth, NULL},
    {"bind", 3, false, false, write_bind, NULL},
    {"presence", 10, false, false, write_stanza, gen_stanza_presence},
    {"directed", 5, false, false, write_stanza, gen_stanza_directed},
    {"subscription", 8, false, false, write_stanza, gen_stanza_subscription},
    {"roster", 6, false, false, write_stanza, gen_stanza_roster},
    {"message", 8, false, false, write_stanza, gen_stanza_message},
    {"iq", 5, false, false, write_stanza, gen_stanza_iq},
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
    {"sm-enable", 6, true, false, write_enable, NULL},
    {"sm-ack", 4, false, false, write_ack, NULL},
    {"sm-request", 2, false, false, write_request, NULL},
    {"sm-resume", 6, true, false, write_resume, NULL},
    {"sm-fault", 1, false, false, write_sm_fault, NULL},
};

_Static_assert(ROWS <= GEN_KINDS_MAX, "GEN_KINDS_MAX too small");

size_t gen_kind_count(bool sm)
{
    return sm ? COUNT(rows) : ROWS_BASE;
}

/* The rows of this run's vocabulary: without --sm, exactly the draws of
 * the vocabulary before stream management (same seed, same scenario). */
static size_t nrows(const struct gen *g)
{
    return gen_kind_count(g->sm);
}

const char *gen_kind_name(size_t row)
{
    return row < COUNT(rows) ? rows[row].name : "?";
}

/* ---- generation ---- */

/* Swarm testing: each kind is on with probability 1/2 (the `always` ones
 * in every run), with its weight scaled by 1-4. */
static void setup_swarm(struct gen *g)
{
    for (size_t i = 0; i < nrows(g); i++)
        if (rows[i].always || gen_chance(g, 50))
            g->weights[i] = g->live && rows[i].model_only
                                ? 0
                                : rows[i].weight * (1 + (unsigned)gen_below(g, 4));
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
    for (size_t i = 0; i < nrows(g); i++) {
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
    for (size_t i = 0; i < nrows(g); i++)
        total += g->weights[i];
    for (int attempt = 0; attempt < PICK_ATTEMPTS; attempt++) {
        unsigned pick = (unsigned)gen_below(g, total);
        size_t i = 0;
        while (pick >= g->weights[i])
            pick -= g->weights[i++];
        if (rows[i].write(g, &rows[i])) {
            if (g->counts != NULL)
                g->counts[i]++;
            return;
        }
    }
    size_t start = (size_t)gen_below(g, nrows(g));
    for (size_t k = 0; k < nrows(g); k++) {
        size_t i = (start + k) % nrows(g);
        if (g->weights[i] > 0 && rows[i].write(g, &rows[i])) {
            if (g->counts != NULL)
                g->counts[i]++;
            return;
        }
    }
    abort();   /* unreachable: connect and drop are always on */
}

struct scenario *gen_scenario_fitted(uint64_t run_seed, size_t steps, bool live, bool sm,
                                     enum scenario_profile profile, const struct gen_fit *fit,
                                     size_t *counts)
{
    struct gen g;
    memset(&g, 0, sizeof g);
    prng_seed(&g.r, run_seed);
    g.live = live;
    g.fit = fit;
    g.sm = sm;
    g.s = scenario_create("explore");
    g.s->server.profile = profile;   /* no draw: the streams stay those of prosody */
    g.s->server.profile_given = profile != SCENARIO_PROFILE_PROSODY;
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

struct scenario *gen_scenario_profiled(uint64_t run_seed, size_t steps, bool live, bool sm,
                                       enum scenario_profile profile, size_t *counts)
{
    return gen_scenario_fitted(run_seed, steps, live, sm, profile, NULL, counts);
}

struct scenario *gen_scenario_counted(uint64_t run_seed, size_t steps, bool live, bool sm,
                                      size_t *counts)
{
    return gen_scenario_profiled(run_seed, steps, live, sm, SCENARIO_PROFILE_PROSODY, counts);
}

struct scenario *gen_scenario(uint64_t run_seed, size_t steps)
{
    return gen_scenario_counted(run_seed, steps, false, false, NULL);
}

/* Output index of the model's PRNG seeded with seed: runs are
 * independent streams. splitmix64 advances its state by a constant, so
 * the index-th state is reached in one step (the constant is read off one
 * draw from 0) instead of index draws. */
uint64_t gen_run_seed(uint64_t seed, size_t index)
{
    struct prng step, p;
    prng_seed(&step, 0);
    prng_next(&step);
    prng_seed(&p, seed + step.state * (uint64_t)index);
    return prng_next(&p);
}
