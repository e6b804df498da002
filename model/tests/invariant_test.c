/* invariant: each rule catches a state crafted to break it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "conn.h"
#include "helpers.h"
#include "internal.h"
#include "invariant.h"
#include "jid.h"
#include "presence.h"
#include "users.h"
#include "suites.h"

#define HDR "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
            "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

static void feed(struct model *m, unsigned c, const char *s)
{
    model_input(m, c, s, strlen(s));
}

/* romeo/orchard bound and available; conn 2 open but unauthenticated. */
static struct model *healthy(void)
{
    struct model_config cfg;
    model_config_default(&cfg);
    struct model *m = model_new(&cfg, 7);
    model_account_create(m, "romeo", "password");
    unsigned c = model_connect(m);
    feed(m, c, HDR "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                   "AHJvbWVvAHBhc3N3b3Jk</auth>" HDR
                   "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                   "<resource>orchard</resource></bind></iq><presence/>");
    unsigned u = model_connect(m);
    feed(m, u, HDR);
    struct invariant_violation v[4];
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    return m;
}

struct corruption {
    const char *rule;
    void (*apply)(struct model *m, struct session *bound, struct session *unauth);
    void (*undo)(struct model *m, struct session *bound, struct session *unauth);
};

static struct stanza *saved_presence;
static char *saved_str;
static void *saved_ptr;
static int saved_int;

static void unauth_username(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)b;
    u->username = heap_strdup(&m->heap, "ghost");
}
static void unauth_username_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)b;
    heap_free(&m->heap, u->username);
    u->username = NULL;
}
static void unauth_available(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)b;
    u->presence = stanza_new(&m->heap);
}
static void unauth_available_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)b;
    stanza_free(u->presence);
    u->presence = NULL;
}
static void unauth_interested(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)b;
    u->interested = true;
}
static void unauth_interested_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)b;
    u->interested = false;
}
static void roster_unset(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    saved_ptr = b->roster;
    b->roster = NULL;
}
static void roster_unset_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->roster = saved_ptr;
}
static void wrong_full_jid(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    saved_str = b->full_jid;
    b->full_jid = heap_strdup(&m->heap, "romeo@localhost/balcony");
}
static void wrong_full_jid_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    heap_free(&m->heap, b->full_jid);
    b->full_jid = saved_str;
}
/* The right parts, one byte more, or another separator: still not it. */
static void full_jid_edited(struct session *b, struct heap *h, bool longer)
{
    saved_str = b->full_jid;
    size_t n = strlen(saved_str);
    b->full_jid = heap_alloc(h, n + 2);
    memcpy(b->full_jid, saved_str, n + 1);
    if (longer)
        strcpy(b->full_jid + n, "x");
    else
        *strchr(b->full_jid, '@') = '%';
}
static void longer_full_jid(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    full_jid_edited(b, &m->heap, true);
}
static void other_separator(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    full_jid_edited(b, &m->heap, false);
}
static void out_of_table(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    users_remove(m, b);
}
static void out_of_table_undo(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    users_add(m, b);
}
static void priority_range(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    saved_int = b->priority;
    b->priority = 300;
}
static void priority_range_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->priority = saved_int;
}
static void priority_unavailable(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    saved_presence = b->presence;
    b->presence = NULL;
    b->priority = 5;
}
static void priority_unavailable_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->presence = saved_presence;
    b->priority = 0;
}
static void destroyed_attached(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)b;
    u->destroyed = true;
}
static void destroyed_attached_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)b;
    u->destroyed = false;
}
static void closed_live(struct model *m, struct session *b, struct session *u)
{
    (void)b;
    m->conns[u->conn - 1].closed = true;
}
static void closed_live_undo(struct model *m, struct session *b, struct session *u)
{
    (void)b;
    m->conns[u->conn - 1].closed = false;
}
static void self_item(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    roster_ensure(b->roster, "romeo@localhost");
    (void)m;
}
static void self_item_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    roster_remove(b->roster, "romeo@localhost");
}
static void ask_with_to(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    struct roster_item *it = roster_ensure(b->roster, "juliet@localhost");
    it->subscription = MODEL_SUB_TO;
    it->ask = true;
}
static void ask_with_to_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    roster_remove(b->roster, "juliet@localhost");
}
static void tombstoned_account(struct model *m, struct session *b, struct session *u)
{
    (void)b, (void)u;
    account_tombstone_add(m, "romeo");
}
static void tombstoned_account_undo(struct model *m, struct session *b, struct session *u)
{
    (void)b, (void)u;
    heap_free(&m->heap, m->tombstones[0].name);
    m->ntombstones = 0;
}

static void ghost_view(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    strset_add(&b->seen, "romeo@localhost/gone");
}
static void ghost_view_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    strset_remove(&b->seen, "romeo@localhost/gone");
}
/* G8 for the account name given, which the grant's JID names. */
static void grant_passed_to(struct model *m, struct session *b, const char *name)
{
    char jid[JID_PART_MAX + sizeof "@localhost"];
    snprintf(jid, sizeof jid, "%s@localhost", name);
    account_create(m, name, "pw");
    struct roster_item *it = roster_ensure(b->roster, jid);
    it->subscription = MODEL_SUB_FROM;
    it->granted_serial = 999;   /* granted to an earlier account of that name */
}
static void grant_passed_undo(struct model *m, struct session *b, const char *name)
{
    char jid[JID_PART_MAX + sizeof "@localhost"];
    snprintf(jid, sizeof jid, "%s@localhost", name);
    roster_remove(b->roster, jid);
    struct account *a = account_find(m, name);
    account_detach(m, a);
    account_destroy(m, a);
}
static void passed_grant(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    grant_passed_to(m, b, "juliet");
}
static void passed_grant_undo(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    grant_passed_undo(m, b, "juliet");
}
/* The longest localpart a JID may have (RFC 7622 3.3.1: 1023 bytes). */
static const char *longest_local(void)
{
    static char name[JID_PART_MAX + 1];
    memset(name, 'a', JID_PART_MAX);
    return name;
}
static void passed_grant_longest(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    grant_passed_to(m, b, longest_local());
}
static void passed_grant_longest_undo(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    grant_passed_undo(m, b, longest_local());
}
static void deleted_owner(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    saved_str = b->username;
    b->username = heap_strdup(&m->heap, "nobody");
}
static void deleted_owner_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    heap_free(&m->heap, b->username);
    b->username = saved_str;
}

static void pending_beside_from(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    struct account *a = account_find(m, "romeo");
    struct roster_item *it = roster_ensure(b->roster, "juliet@localhost");
    it->subscription = MODEL_SUB_FROM;
    a->pending_in = heap_zalloc(&m->heap, sizeof *a->pending_in);
    a->pending_in[0].key = heap_strdup(&m->heap, "juliet@localhost");
    a->npending_in = a->cappending_in = 1;
}
static void pending_beside_from_undo(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    struct account *a = account_find(m, "romeo");
    heap_free(&m->heap, a->pending_in[0].key);
    heap_free(&m->heap, a->pending_in);
    a->pending_in = NULL;
    a->npending_in = a->cappending_in = 0;
    roster_remove(b->roster, "juliet@localhost");
}

static void said_unavailable(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->said = SESSION_SAID_UNAVAILABLE;
}
static void said_unavailable_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->said = SESSION_SAID_AVAILABLE;
}
static void push_uninterested(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->pushed_uninterested = true;
}
static void push_uninterested_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->pushed_uninterested = false;
}

static struct session **saved_res;
static size_t saved_nres;
static void user_entry_twice(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    struct user *e = users_find(m, "romeo");
    saved_res = e->res;
    saved_nres = e->nres;
    e->res = heap_alloc(&m->heap, 2 * sizeof *e->res);
    e->res[0] = e->res[1] = b;
    e->nres = 2;
}
static void user_entry_twice_undo(struct model *m, struct session *b, struct session *u)
{
    (void)b, (void)u;
    struct user *e = users_find(m, "romeo");
    heap_free(&m->heap, e->res);
    e->res = saved_res;
    e->nres = saved_nres;
}

static void user_entry_empty(struct model *m, struct session *b, struct session *u)
{
    (void)b, (void)u;
    struct user *e = users_find(m, "romeo");
    saved_nres = e->nres;
    e->nres = 0;
}
static void user_entry_empty_undo(struct model *m, struct session *b, struct session *u)
{
    (void)b, (void)u;
    users_find(m, "romeo")->nres = saved_nres;
}
static void item_with_resource(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    roster_ensure(b->roster, "juliet@localhost/balcony");
}
static void item_with_resource_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    roster_remove(b->roster, "juliet@localhost/balcony");
}
static const char *saved_host;
static void hostless_authenticated(struct model *m, struct session *b, struct session *u)
{
    (void)b;
    u->authenticated = true;
    u->username = heap_strdup(&m->heap, "romeo");
    saved_host = u->host;
    u->host = NULL;
}
static void hostless_authenticated_undo(struct model *m, struct session *b, struct session *u)
{
    (void)b;
    u->host = saved_host;
    heap_free(&m->heap, u->username);
    u->username = NULL;
    u->authenticated = false;
}

static char *saved_domain;
static void foreign_host(struct model *m, struct session *b, struct session *u)
{
    (void)b, (void)u;
    saved_domain = m->domain;   /* the session keeps its host, now not served */
    m->domain = heap_strdup(&m->heap, "elsewhere.example");
}
static void foreign_host_undo(struct model *m, struct session *b, struct session *u)
{
    (void)b, (void)u;
    heap_free(&m->heap, m->domain);
    m->domain = saved_domain;
}
static void nameless_authenticated(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)b;
    u->authenticated = true;
}
static void nameless_authenticated_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)b;
    u->authenticated = false;
}
static void ledger_off(struct model *m, struct session *b, struct session *u)
{
    (void)b, (void)u;
    m->sm.queued++;
}
static void ledger_off_undo(struct model *m, struct session *b, struct session *u)
{
    (void)b, (void)u;
    m->sm.queued--;
}

/* Stream management on romeo/orchard (conn 1): resumable, his own
 * presence queued and unacked. */
static void enable_resumable(struct model *m)
{
    feed(m, 1, "<enable xmlns='urn:xmpp:sm:3' resume='true'/><presence/>");
}
static void sm_duplicate(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    enable_resumable(m);
    b->sm->duplicate = true;
}
static void sm_duplicate_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->sm->duplicate = false;
}
static void sm_h_in_off(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    enable_resumable(m);
    b->sm->h_in++;
}
static void sm_h_in_off_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->sm->h_in--;
}
static void sm_queue_past_acked(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    enable_resumable(m);
    b->sm->acked++;   /* the queued presence counts as acknowledged */
}
static void sm_queue_past_acked_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->sm->acked--;
}
static void sm_acked_past_sent(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    enable_resumable(m);
    b->sm->acked += 2;
}
static void sm_acked_past_sent_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->sm->acked -= 2;
}
static void sm_hibernating_connected(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    enable_resumable(m);
    b->sm->hibernating = true;
}
static void sm_hibernating_connected_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->sm->hibernating = false;
}
static void sm_hibernating_tokenless(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    enable_resumable(m);
    b->sm->hibernating = true;
    m->conns[b->conn - 1].closed = true;
    saved_int = b->sm->token[0];
    b->sm->token[0] = '\0';
}
static void sm_hibernating_tokenless_undo(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    b->sm->token[0] = (char)saved_int;
    m->conns[b->conn - 1].closed = false;
    b->sm->hibernating = false;
}
static void sm_ledger_phantom(struct model *m, struct session *b, struct session *u)
{
    (void)b, (void)u;
    m->sm.queued++;   /* balanced, but no queue holds the copy */
    m->sm.in_queues++;
}
static void sm_ledger_phantom_undo(struct model *m, struct session *b, struct session *u)
{
    (void)b, (void)u;
    m->sm.queued--;
    m->sm.in_queues--;
}

/* P6: an unavailable resource whose last broadcast presence was available. */
static void unsaid_unavailable(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    saved_presence = b->presence;
    b->presence = NULL;
}
static void unsaid_unavailable_undo(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    b->presence = saved_presence;
}
/* G7: a bound session holds the roster of another account. */
static void foreign_roster(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    account_create(m, "juliet", "pw");
    saved_ptr = b->roster;
    b->roster = &account_find(m, "juliet")->roster;
}
static void foreign_roster_undo(struct model *m, struct session *b, struct session *u)
{
    (void)u;
    b->roster = saved_ptr;
    struct account *a = account_find(m, "juliet");
    account_detach(m, a);
    account_destroy(m, a);
}
/* I6 just outside the range, either end. */
static void priority_at(struct session *b, int priority)
{
    saved_int = b->priority;
    b->priority = priority;
}
static void priority_above(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    priority_at(b, 128);
}
static void priority_below(struct model *m, struct session *b, struct session *u)
{
    (void)m, (void)u;
    priority_at(b, -129);
}

static const struct corruption corruptions[] = {
    {"P7", said_unavailable, said_unavailable_undo},
    {"R7", push_uninterested, push_uninterested_undo},
    {"I12", pending_beside_from, pending_beside_from_undo},
    {"I7", ghost_view, ghost_view_undo},
    {"G8", passed_grant, passed_grant_undo},
    {"G8", passed_grant_longest, passed_grant_longest_undo},
    {"G7", deleted_owner, deleted_owner_undo},
    {"I1", unauth_username, unauth_username_undo},
    {"I4", unauth_available, unauth_available_undo},
    {"I4", unauth_interested, unauth_interested_undo},
    {"I1", roster_unset, roster_unset_undo},
    {"I2", wrong_full_jid, wrong_full_jid_undo},
    {"I2", longer_full_jid, wrong_full_jid_undo},
    {"I2", other_separator, wrong_full_jid_undo},
    {"I3", out_of_table, out_of_table_undo},
    {"I6", priority_range, priority_range_undo},
    {"I6", priority_unavailable, priority_unavailable_undo},
    {"I5", destroyed_attached, destroyed_attached_undo},
    {"I5", closed_live, closed_live_undo},
    {"I9", self_item, self_item_undo},
    {"I9", ask_with_to, ask_with_to_undo},
    {"I14", tombstoned_account, tombstoned_account_undo},
    {"I3", user_entry_twice, user_entry_twice_undo},
    {"I2", foreign_host, foreign_host_undo},
    {"I16", ledger_off, ledger_off_undo},
    {"I1", nameless_authenticated, nameless_authenticated_undo},
    {"I17", sm_duplicate, sm_duplicate_undo},
    {"I18", sm_h_in_off, sm_h_in_off_undo},
    {"I18", sm_queue_past_acked, sm_queue_past_acked_undo},
    {"I18", sm_acked_past_sent, sm_acked_past_sent_undo},
    {"I19", sm_hibernating_connected, sm_hibernating_connected_undo},
    {"I19", sm_hibernating_tokenless, sm_hibernating_tokenless_undo},
    {"I3", user_entry_empty, user_entry_empty_undo},
    {"I9", item_with_resource, item_with_resource_undo},
    {"I1", hostless_authenticated, hostless_authenticated_undo},
    {"P6", unsaid_unavailable, unsaid_unavailable_undo},
    {"G7", foreign_roster, foreign_roster_undo},
    {"I6", priority_above, priority_range_undo},
    {"I6", priority_below, priority_range_undo},
};

START_TEST(test_invariant_catches_each_corruption)
{
    const struct corruption *c = &corruptions[_i];
    struct model *m = healthy();
    struct session *b = conn_session(m, 1), *u = conn_session(m, 2);
    c->apply(m, b, u);
    struct invariant_violation v[8];
    size_t n = invariant_check(m, v, 8);
    ck_assert_uint_ge(n, 1);
    bool found = false;
    for (size_t i = 0; i < n && i < 8; i++)
        found = found || strcmp(v[i].rule, c->rule) == 0;
    ck_assert_msg(found, "expected %s, first violation %s: %s", c->rule, v[0].rule, v[0].message);
    /* every message ends with what it is about, whole */
    for (size_t i = 0; i < n && i < 8; i++) {
        size_t len = strlen(v[i].message);
        ck_assert_uint_ge(len, 2);
        ck_assert_msg(v[i].message[len - 1] != ' ' && v[i].message[len - 1] != ':',
                      "%s: '%s'", v[i].rule, v[i].message);
    }
    if (strcmp(c->rule, "I14") == 0)
        ck_assert_ptr_nonnull(strstr(v[0].message, ": romeo"));
    ck_assert_uint_ge(v[0].nconns + strlen(v[0].message), 1);
    /* a violation names at most the one connection it is about, one of
     * the two open ones */
    for (size_t i = 0; i < n && i < 8; i++) {
        ck_assert_uint_le(v[i].nconns, 1);
        if (v[i].nconns == 1)
            ck_assert_msg(v[i].conns[0] == 1 || v[i].conns[0] == 2, "%s names conn %u",
                          v[i].rule, v[i].conns[0]);
    }
    /* the incremental check finds it too once the corrupted parts count as
     * touched, and then forgets them */
    invariant_check_touched(m, v, 8);
    conn_touch(m, b);
    conn_touch(m, u);
    account_touch(m, "romeo");
    n = invariant_check_touched(m, v, 8);
    found = false;
    for (size_t i = 0; i < n && i < 8; i++)
        found = found || strcmp(v[i].rule, c->rule) == 0;
    ck_assert_msg(found, "incremental check missed %s", c->rule);
    ck_assert_uint_eq(m->ntouched, 0);
    ck_assert_uint_eq(m->touched_accounts.n, 0);
    c->undo(m, b, u);
    ck_assert_uint_eq(invariant_check(m, v, 8), 0);
    model_free(m);
}
END_TEST

/* A violation's message is cut to INVARIANT_MESSAGE_MAX - 1 bytes and
 * NUL-terminated, it names the session's connection, and only max
 * violations are written though all are counted. */
START_TEST(test_invariant_message_is_bounded_and_names_the_connection)
{
    struct model *m = healthy();
    struct session *b = conn_session(m, 1);
    char *saved = b->full_jid;
    char long_jid[INVARIANT_MESSAGE_MAX + 64];
    memset(long_jid, 'j', sizeof long_jid - 1);
    long_jid[sizeof long_jid - 1] = '\0';
    b->full_jid = long_jid;
    int priority = b->priority;
    b->priority = 300;
    struct invariant_violation one[1];
    memset(one, 0x5a, sizeof one);
    size_t n = invariant_check(m, one, 1);
    ck_assert_uint_ge(n, 2);
    ck_assert_str_eq(one[0].rule, "I6");
    ck_assert_uint_eq(strlen(one[0].message), INVARIANT_MESSAGE_MAX - 1);
    ck_assert_str_eq(one[0].message + INVARIANT_MESSAGE_MAX - 5, "jjjj");
    ck_assert(strncmp(one[0].message, "priority outside -128..127: jjj", 31) == 0);
    ck_assert_uint_eq(one[0].nconns, 1);
    ck_assert_uint_eq(one[0].conns[0], b->conn);
    ck_assert_uint_eq(invariant_check(m, NULL, 0), n);
    b->full_jid = saved;
    b->priority = priority;
    ck_assert_uint_eq(invariant_check(m, one, 1), 0);
    model_free(m);
}
END_TEST

/* The whole check counts the live sessions against the model's count (I1). */
START_TEST(test_invariant_counts_the_sessions)
{
    struct model *m = healthy();
    struct invariant_violation v[4];
    m->nsessions++;
    ck_assert_uint_eq(invariant_check(m, v, 4), 1);
    ck_assert_str_eq(v[0].rule, "I1");
    ck_assert_uint_eq(v[0].nconns, 0);
    m->nsessions--;
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    model_free(m);
}
END_TEST

/* The whole check walks the connections from the first that may still
 * hold a session: closed connections before it are skipped, and a session
 * found on one of them is missing from the count (I1). */
START_TEST(test_invariant_skips_retired_connections)
{
    struct model *m = healthy();   /* connections 1 and 2 */
    unsigned c = model_connect(m);
    feed(m, c, HDR);
    model_hangup(m, 1);
    ck_assert_uint_eq(m->conns_retired, 1);
    model_hangup(m, 3);
    ck_assert_uint_eq(m->conns_retired, 1);   /* 2 is still open */
    model_hangup(m, 2);
    ck_assert_uint_eq(m->conns_retired, 3);
    struct invariant_violation v[4];
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    unsigned d = model_connect(m);
    struct session *s = conn_session(m, d);
    m->conns[d - 1].session = NULL;   /* the live session moved onto a retired one */
    m->conns[0].session = s;
    ck_assert_uint_eq(invariant_check(m, v, 4), 1);
    ck_assert_str_eq(v[0].rule, "I1");
    m->conns[0].session = NULL;
    m->conns[d - 1].session = s;
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    model_free(m);
}
END_TEST

/* I17's bookkeeping: a resumption that would write a queued copy on a
 * connection that had it already is caught (here the copy claims the new
 * connection before the resume). */
START_TEST(test_invariant_sees_a_copy_resent_on_its_connection)
{
    struct model *m = healthy();
    enable_resumable(m);
    struct session *b = conn_session(m, 1);
    char resume[512];
    snprintf(resume, sizeof resume,
             HDR "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                 "AHJvbWVvAHBhc3N3b3Jk</auth>" HDR
                 "<resume xmlns='urn:xmpp:sm:3' previd='%s' h='0'/>",
             b->sm->token);
    model_hangup(m, 1);
    unsigned d = model_connect(m);
    struct invariant_violation v[4];
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    ck_assert_uint_eq(b->sm->n, 1);
    b->sm->q[b->sm->first].written = d;
    feed(m, d, resume);
    ck_assert_uint_ge(invariant_check(m, v, 4), 1);
    ck_assert_str_eq(v[0].rule, "I17");
    model_free(m);
}
END_TEST

/* I16's full check compares the ledger with the queues themselves: a copy
 * counted as still queued that no queue holds is caught, though the sum
 * balances. */
START_TEST(test_invariant_counts_the_queued_copies)
{
    struct model *m = healthy();
    enable_resumable(m);
    struct invariant_violation v[4];
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    sm_ledger_phantom(m, NULL, NULL);
    ck_assert_uint_eq(invariant_check(m, v, 4), 1);
    ck_assert_str_eq(v[0].rule, "I16");
    sm_ledger_phantom_undo(m, NULL, NULL);
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    model_free(m);
}
END_TEST

START_TEST(test_invariant_touched_follows_the_traffic)
{
    struct model *m = healthy();
    struct invariant_violation v[4];
    invariant_check_touched(m, v, 4);
    ck_assert_uint_eq(m->ntouched, 0);
    feed(m, 1, "<presence><show>away</show></presence>");
    ck_assert_uint_eq(m->ntouched, 1);   /* the sender (and the only receiver) */
    ck_assert_uint_eq(invariant_check_touched(m, v, 4), 0);
    feed(m, 1, "<iq type='set' id='r'><query xmlns='jabber:iq:roster'>"
               "<item jid='juliet@localhost'/></query></iq>");
    ck_assert_uint_eq(m->touched_accounts.n, 1);   /* R5 changed romeo's roster */
    ck_assert_str_eq(m->touched_accounts.items[0], "romeo");
    ck_assert_uint_eq(invariant_check_touched(m, v, 4), 0);
    enable_resumable(m);
    invariant_check_touched(m, v, 4);
    model_hangup(m, 1);   /* SM11: it hibernates, quietly, and I19 looks at it */
    ck_assert_uint_eq(m->ntouched, 1);
    ck_assert_uint_eq(m->touched[0], 1);
    ck_assert_uint_eq(invariant_check_touched(m, v, 4), 0);
    model_free(m);
}
END_TEST

/* I7 follows a view that comes from a directed presence to a bare or a
 * full JID: juliet sees romeo, who is unavailable, because his directed set
 * holds her address; once the set forgets it the view is a ghost. */
static const char *const directed_presences[] = {
    "<presence to='juliet@localhost'/>",
    "<presence to='juliet@localhost/balcony'/>",
    /* an error to an address the set does not hold (P8 keeps the exact
     * string) withdraws nothing */
    "<presence to='juliet@localhost/balcony'/>"
    "<presence type='error' to='juliet@localhost'><error type='cancel'>"
    "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
};

START_TEST(test_invariant_follows_a_view_through_a_directed_address)
{
    struct model *m = healthy();
    model_account_create(m, "juliet", "password");
    unsigned j = model_connect(m);
    feed(m, j, HDR "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                   "AGp1bGlldABwYXNzd29yZA==</auth>" HDR
                   "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                   "<resource>balcony</resource></bind></iq><presence/>");
    unsigned r = model_connect(m);
    feed(m, r, HDR "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                   "AHJvbWVvAHBhc3N3b3Jk</auth>" HDR
                   "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                   "<resource>hall</resource></bind></iq>");
    feed(m, r, directed_presences[_i]);
    struct invariant_violation v[4];
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    struct session *x = conn_session(m, r);
    ck_assert_uint_eq(x->directed.n, 1);
    struct strset saved = {0};
    strset_take(&x->directed, &saved);
    size_t n = invariant_check(m, v, 4);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(v[0].rule, "I7");
    strset_take(&saved, &x->directed);
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    model_free(m);
}
END_TEST

/* R7's check sees a roster push that reaches a resource which never asked
 * for the roster, however the push got there. */
START_TEST(test_invariant_sees_a_push_to_an_uninterested_resource)
{
    struct model *m = healthy();
    struct session *b = conn_session(m, 1);
    ck_assert(!b->interested);
    struct stanza *push = helpers_element(
        "<iq type='set' id='p'><query xmlns='jabber:iq:roster'><item jid='x@localhost'/></query>"
        "</iq>");
    conn_send(m, b, stanza_root(push));
    stanza_free(push);
    struct invariant_violation v[4];
    size_t n = invariant_check(m, v, 4);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(v[0].rule, "R7");
    model_free(m);
}
END_TEST

/* Whether an I7 violation is among the first n of v. */
static bool has_i7(const struct invariant_violation *v, size_t n)
{
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found = found || strcmp(v[i].rule, "I7") == 0;
    return found;
}

/* Whether I7 reports a view of x once x is unavailable behind the model's
 * back (x keeps what it said, so P7 reports too). */
static bool view_followed(struct model *m, struct session *x)
{
    struct stanza *kept = x->presence;
    x->presence = NULL;
    struct invariant_violation v[8];
    size_t n = invariant_check(m, v, 8);
    x->presence = kept;
    return has_i7(v, n < 8 ? n : 8);
}

/* presence_view_forget ends the views of the one contact it names: romeo
 * sees juliet and tybalt (mutual subscriptions, all available); once his
 * view of juliet is forgotten, I7 still follows his view of tybalt. */
START_TEST(test_invariant_view_forget_keeps_other_contacts)
{
    struct model *m = healthy();
    static const char *const names[] = {"juliet", "tybalt"};
    static const char *const auth[] = {"AGp1bGlldABwYXNzd29yZA==", "AHR5YmFsdABwYXNzd29yZA=="};
    struct session *contact[2];
    for (size_t i = 0; i < 2; i++) {
        char bare[32];
        snprintf(bare, sizeof bare, "%s@localhost", names[i]);
        model_account_create(m, names[i], "password");
        struct model_roster_item to_them = {.jid = bare, .subscription = MODEL_SUB_BOTH};
        struct model_roster_item to_romeo = {.jid = "romeo@localhost",
                                             .subscription = MODEL_SUB_BOTH};
        ck_assert(model_roster_preset(m, "romeo", &to_them));
        ck_assert(model_roster_preset(m, names[i], &to_romeo));
        unsigned c = model_connect(m);
        char login[512];
        snprintf(login, sizeof login,
                 HDR "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>"
                 HDR "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                 "<resource>r</resource></bind></iq><presence/>", auth[i]);
        feed(m, c, login);
        contact[i] = conn_session(m, c);
    }
    struct invariant_violation v[4];
    ck_assert_uint_eq(invariant_check(m, v, 4), 0);
    ck_assert(view_followed(m, contact[0]));
    ck_assert(view_followed(m, contact[1]));
    presence_view_forget(m, "romeo", "juliet@localhost");
    ck_assert(!view_followed(m, contact[0]));
    ck_assert(view_followed(m, contact[1]));
    model_free(m);
}
END_TEST

/* The violation of rule whose message says what, among the first n of v. */
static const struct invariant_violation *reported(const struct invariant_violation *v, size_t n,
                                                  const char *rule, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].rule, rule) == 0 && strstr(v[i].message, what) != NULL)
            return &v[i];
    return NULL;
}

/* Whether the whole check reports rule saying what. */
static bool check_reports(struct model *m, const char *rule, const char *what)
{
    struct invariant_violation v[8];
    size_t n = invariant_check(m, v, 8);
    return reported(v, n < 8 ? n : 8, rule, what) != NULL;
}

/* I1: an unauthenticated session holds no piece of account state, each
 * one alone reported as such. */
START_TEST(test_invariant_sees_each_piece_of_account_state)
{
    struct model *m = healthy();
    struct session *u = conn_session(m, 2);
    static const char *const held = "unauthenticated session holds account state";
    char *resource = heap_strdup(&m->heap, "orchard");
    u->resource = resource;
    ck_assert(check_reports(m, "I1", held));
    heap_free(&m->heap, resource);
    u->resource = NULL;
    u->roster = &account_find(m, "romeo")->roster;
    ck_assert(check_reports(m, "I1", held));
    u->roster = NULL;
    unauth_available(m, NULL, u);
    ck_assert(check_reports(m, "I1", held));
    unauth_available_undo(m, NULL, u);
    u->interested = true;
    ck_assert(check_reports(m, "I1", held));
    u->interested = false;
    strset_add(&u->directed, "juliet@localhost");
    ck_assert(check_reports(m, "I1", held));
    strset_remove(&u->directed, "juliet@localhost");
    ck_assert_uint_eq(invariant_check(m, NULL, 0), 0);
    model_free(m);
}
END_TEST

/* I3 on the table itself: an empty user entry, and an entry that holds a
 * live session of that user not bound (reported with that session's connection). */
START_TEST(test_invariant_sees_a_bad_table_entry)
{
    struct model *m = healthy();
    struct session *b = conn_session(m, 1), *u = conn_session(m, 2);
    user_entry_empty(m, b, u);
    ck_assert(check_reports(m, "I3", "user entry without connected resources: romeo"));
    user_entry_empty_undo(m, b, u);
    struct user *e = users_find(m, "romeo");
    ck_assert_uint_eq(e->nres, 1);
    u->username = heap_strdup(&m->heap, "romeo");
    u->resource = b->resource;   /* the table is searched by resource */
    e->res[0] = u;
    struct invariant_violation v[8];
    size_t n = invariant_check(m, v, 8);
    const struct invariant_violation *bad =
        reported(v, n < 8 ? n : 8, "I3", "not a live connected session of that user");
    ck_assert_ptr_nonnull(bad);
    ck_assert_uint_eq(bad->nconns, 1);
    ck_assert_uint_eq(bad->conns[0], 2);
    e->res[0] = b;
    u->resource = NULL;
    heap_free(&m->heap, u->username);
    u->username = NULL;
    ck_assert_uint_eq(invariant_check(m, NULL, 0), 0);
    model_free(m);
}
END_TEST

/* G8 reports a grant only once its account is re-created: a grant of
 * unknown serial, or to an account that does not exist now, is no
 * violation; a passed grant names the owner and the contact, except under
 * the ejabberd profile, where it passes (EJ34). */
START_TEST(test_invariant_g8_needs_a_recreated_account)
{
    struct model *m = healthy();
    struct session *b = conn_session(m, 1);
    struct roster_item *it = roster_ensure(b->roster, "juliet@localhost");
    it->subscription = MODEL_SUB_FROM;
    it->granted_serial = 999;   /* juliet was deleted and is not back */
    ck_assert_uint_eq(invariant_check(m, NULL, 0), 0);
    account_create(m, "juliet", "pw");
    it = roster_find(b->roster, "juliet@localhost");
    ck_assert(check_reports(m, "G8", "romeo's roster grants juliet@localhost"));
    it->granted_serial = 0;   /* granted when its serial was unknown */
    ck_assert_uint_eq(invariant_check(m, NULL, 0), 0);
    it->granted_serial = 999;
    m->cfg.profile = MODEL_PROFILE_EJABBERD;   /* EJ34: the grant passes, as in ejabberd */
    ck_assert_uint_eq(invariant_check(m, NULL, 0), 0);
    m->cfg.profile = MODEL_PROFILE_PROSODY;
    ck_assert(check_reports(m, "G8", "romeo's roster grants juliet@localhost"));
    model_free(m);
}
END_TEST

/* How many of the first n of v are of rule and say what. */
static size_t count_reported(const struct invariant_violation *v, size_t n, const char *rule,
                             const char *what)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += strcmp(v[i].rule, rule) == 0 && strstr(v[i].message, what) != NULL;
    return k;
}

/* The whole check visits every user entry and every account: each of
 * sixteen corrupted ones is reported (enough that the tables' first slots
 * are taken too). */
enum { MANY = 16 };
START_TEST(test_invariant_visits_every_user_and_account)
{
    struct model *m = healthy();
    struct session *in_table[MANY];
    char *resource[MANY];   /* a bound session's points into its full JID */
    for (unsigned i = 0; i < MANY; i++) {
        char name[16], jid[32];
        snprintf(name, sizeof name, "u%02u", i);
        snprintf(jid, sizeof jid, "%s@localhost", name);
        roster_ensure(&account_create(m, name, "pw")->roster, jid);   /* I9 */
        unsigned c = model_connect(m);
        feed(m, c, HDR);
        struct session *s = conn_session(m, c);   /* in the table, unbound: I3 */
        s->username = heap_strdup(&m->heap, name);
        s->resource = resource[i] = heap_strdup(&m->heap, "r");
        users_add(m, s);
        in_table[i] = s;
    }
    struct invariant_violation v[8 * MANY];
    size_t n = invariant_check(m, v, 8 * MANY);
    ck_assert_uint_le(n, 8 * MANY);
    ck_assert_uint_eq(count_reported(v, n, "I9", "own bare JID"), MANY);
    ck_assert_uint_eq(count_reported(v, n, "I3", "not a live connected session"), MANY);
    for (unsigned i = 0; i < MANY; i++) {
        users_remove(m, in_table[i]);
        heap_free(&m->heap, in_table[i]->username);
        heap_free(&m->heap, resource[i]);
        in_table[i]->username = NULL;
        in_table[i]->resource = NULL;
    }
    model_free(m);
}
END_TEST

/* A failed model answers empty (model.h): no violations, however broken. */
START_TEST(test_invariant_failed_model_reports_nothing)
{
    struct model *m = healthy();
    struct session *b = conn_session(m, 1);
    b->priority = 300;
    ck_assert_uint_eq(invariant_check(m, NULL, 0), 1);
    m->heap.failed = true;
    ck_assert_uint_eq(invariant_check(m, NULL, 0), 0);
    conn_touch(m, b);
    ck_assert_uint_eq(invariant_check_touched(m, NULL, 0), 0);
    model_free(m);
}
END_TEST

Suite *invariant_suite(void)
{
    Suite *s = suite_create("invariant");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_invariant_catches_each_corruption, 0,
                        (int)(sizeof corruptions / sizeof corruptions[0]));
    tcase_add_test(tc, test_invariant_touched_follows_the_traffic);
    tcase_add_test(tc, test_invariant_message_is_bounded_and_names_the_connection);
    tcase_add_test(tc, test_invariant_counts_the_sessions);
    tcase_add_test(tc, test_invariant_skips_retired_connections);
    tcase_add_test(tc, test_invariant_counts_the_queued_copies);
    tcase_add_test(tc, test_invariant_sees_a_copy_resent_on_its_connection);
    tcase_add_test(tc, test_invariant_sees_a_push_to_an_uninterested_resource);
    tcase_add_loop_test(tc, test_invariant_follows_a_view_through_a_directed_address, 0,
                        (int)(sizeof directed_presences / sizeof directed_presences[0]));
    tcase_add_test(tc, test_invariant_view_forget_keeps_other_contacts);
    tcase_add_test(tc, test_invariant_sees_each_piece_of_account_state);
    tcase_add_test(tc, test_invariant_sees_a_bad_table_entry);
    tcase_add_test(tc, test_invariant_g8_needs_a_recreated_account);
    tcase_add_test(tc, test_invariant_visits_every_user_and_account);
    tcase_add_test(tc, test_invariant_failed_model_reports_nothing);
    suite_add_tcase(s, tc);
    return s;
}
