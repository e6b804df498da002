/* runner: small in-memory scenarios replayed on the model target (and on
 * a wrapper that hides the model, as a live target would), judged by
 * outcome, failing line and the text of the report. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "run/runner.h"
#include "base/count.h"
#include "base/paths.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "run/target.h"
#include "suites.h"

#define NEEDLES_MAX 4

/* Accounts and clients shared by most rows (lines 1-8; steps from 9). */
#define HEAD                                                          \
    "scenario: t\n"                                                   \
    "accounts:\n"                                                     \
    "  romeo: {}\n"                                                   \
    "  juliet: {}\n"                                                  \
    "clients:\n"                                                      \
    "  romeo: {account: romeo, resource: orchard}\n"                  \
    "  romeo2: {account: romeo, resource: balcony}\n"                 \
    "steps:\n"

/* Two resources of romeo connected and available, every presence
 * received (lines 9-15). */
#define BOTH_AVAILABLE                                                                     \
    "  - romeo: connect\n"                                                                 \
    "  - romeo2: connect\n"                                                                \
    "  - romeo: {send: \"<presence/>\"}\n"                                                 \
    "  - romeo: {receive: \"<presence from='${romeo.full}' to='{absent}'/>\"}\n"           \
    "  - romeo2: {send: \"<presence/>\"}\n"                                                \
    "  - romeo2: {receive: [\"<presence from='${romeo2.full}' to='{absent}'/>\", "         \
    "\"<presence from='${romeo.full}' to='${romeo2.full}'/>\"]}\n"                         \
    "  - romeo: {receive: \"<presence from='${romeo2.full}' to='${romeo.full}'/>\"}\n"

struct row {
    const char *name;
    const char *yaml;
    enum runner_outcome outcome;
    unsigned long line;                  /* of the failure; 0: not checked */
    const char *needles[NEEDLES_MAX];    /* substrings of the message */
};

/* romeo sends romeo2 three messages m1, m2, m3 (lines 16-18, after
 * BOTH_AVAILABLE). */
#define THREE_MESSAGES                                                                     \
    "  - romeo: {send: [\"<message to='${romeo2.full}' id='m1'/>\", "                     \
    "\"<message to='${romeo2.full}' id='m2'/>\", \"<message to='${romeo2.full}' id='m3'/>\"]}\n"

static const struct row rows[] = {
    {"presence exchange passes", HEAD BOTH_AVAILABLE, RUNNER_PASS, 0, {NULL}},
    {"receive among takes stanzas from anywhere; the others stay pending in order",
     HEAD BOTH_AVAILABLE THREE_MESSAGES
     "  - romeo2: {receive: {among: [\"<message id='m3'/>\", \"<message id='m2'/>\"]}}\n"
     "  - romeo2: {receive: \"<message id='m1'/>\"}\n"
     "  - romeo2: {receive: nothing}\n",
     RUNNER_PASS, 0, {NULL}},
    {"receive among skips what it does not take", HEAD BOTH_AVAILABLE THREE_MESSAGES
     "  - romeo2: {receive: {among: \"<message id='m2'/>\"}}\n"
     "  - romeo2: {receive: \"<message id='m3'/>\"}\n",
     RUNNER_FAIL, 18,
     {"t.yaml:18: step 10 (romeo2: receive): the next stanza does not match",
      "expected: <message id='m3'/>", "actual:   <message to='romeo@localhost/balcony' id='m1'"}},
    {"receive among with no match lists everything pending", HEAD BOTH_AVAILABLE THREE_MESSAGES
     "  - romeo2: {receive: {among: [\"<message id='m3'/>\", \"<message id='m4'/>\"]}}\n",
     RUNNER_FAIL, 17,
     {"t.yaml:17: step 9 (romeo2: receive): the 2 patterns do not match distinct pending stanzas",
      "1. <message id='m3'/>   [matches actual 3]", "2. <message id='m4'/>   [no match]",
      "actual, all 3 pending:"}},
    {"receive among with nothing pending", HEAD "  - romeo: connect\n"
     "  - romeo: {receive: {among: \"<message/>\"}}\n",
     RUNNER_FAIL, 10, {"expected 1 stanza among those pending, nothing is pending"}},
    {"failing receive names the step, pattern and actual", HEAD BOTH_AVAILABLE
     "  - romeo: {send: \"<presence type='unavailable'/>\"}\n"
     "  - romeo2: {receive: \"<presence type='unavailable' from='${romeo.full}'>"
     "<status>gone</status></presence>\"}\n",
     RUNNER_FAIL, 17,
     {"t.yaml:17: step 9 (romeo2: receive): the next stanza does not match",
      "expected: <presence type='unavailable' from='romeo@localhost/orchard'><status>gone",
      "actual:   <presence type='unavailable' from='romeo@localhost/orchard' "
      "to='romeo@localhost/balcony'/>",
      "no child matches <status>gone</status>"}},
    {"an exact pattern names the children in both orders (format 1.9)", HEAD BOTH_AVAILABLE
     "  - romeo: {send: \"<message to='${romeo2.full}'><body>b</body><subject>s</subject>"
     "</message>\"}\n"
     "  - romeo2: {receive: \"<message sessim:exact='true'><subject>s</subject><body>b</body>"
     "</message>\"}\n",
     RUNNER_FAIL, 17,
     {"t.yaml:17: step 9 (romeo2: receive): the next stanza does not match",
      "children: expected exactly <subject> <body> in this order, actual <body> <subject>"}},
    {"an exact pattern names the first child out of place (format 1.9)", HEAD BOTH_AVAILABLE
     "  - romeo: {send: \"<message to='${romeo2.full}'><x xmlns='urn:x' v='1'/>"
     "<x xmlns='urn:x' v='2'/></message>\"}\n"
     "  - romeo2: {receive: \"<message sessim:exact='true'><x xmlns='urn:x' v='2'/>"
     "<x xmlns='urn:x' v='1'/></message>\"}\n",
     RUNNER_FAIL, 17, {"children: child 1 does not match the pattern's child 1"}},
    {"receive with nothing pending", HEAD "  - romeo: connect\n"
     "  - romeo: {receive: \"<message/>\"}\n",
     RUNNER_FAIL, 10, {"step 2 (romeo: receive): expected 1 stanza, nothing is pending",
                       "expected: <message/>", "recent traffic", "== connect: connection 1"}},
    {"receive nothing with a stanza pending", HEAD "  - romeo: connect\n"
     "  - romeo: {send: \"<presence/>\"}\n  - romeo: {receive: nothing}\n",
     RUNNER_FAIL, 11, {"expected nothing, but 1 stanza is pending",
                       "<presence from='romeo@localhost/orchard'/>"}},
    {"leftovers fail the scenario", HEAD "  - romeo: connect\n"
     "  - romeo: {send: \"<presence/>\"}\n",
     RUNNER_FAIL, 10, {"t.yaml:10: stanzas left unreceived",
                       "unexpected stanza for romeo (arrived in step 2, line 10): "
                       "<presence from='romeo@localhost/orchard'/>"}},
    {"leftovers: ignore", "leftovers: ignore\n" HEAD "  - romeo: connect\n"
     "  - romeo: {send: \"<presence/>\"}\n", RUNNER_PASS, 0, {NULL}},
    {"check mismatches are all listed", HEAD "  - romeo: connect\n"
     "  - check: {sessions: 2, connected: [romeo2], accounts: [romeo], tombstones: [],"
     " roster: {romeo: {juliet: {subscription: to}}}}\n",
     RUNNER_FAIL, 10, {"step 2 (check): 4 mismatches", "sessions: expected 2, actual 1",
                       "connected: expected [romeo2], actual [romeo]",
                       "roster romeo: no item for juliet@localhost"}},
    {"check passes", HEAD BOTH_AVAILABLE
     "  - check: {sessions: 2, connected: [romeo2, romeo], available: [romeo, romeo2],"
     " interested: [], accounts: [juliet, romeo], offline: {romeo: 0},"
     " presence: {romeo: {priority: 0, show: none}}}\n", RUNNER_PASS, 0, {NULL}},
    {"roster check: name and groups (format 1.2)", "scenario: t\naccounts:\n"
     "  romeo: {roster: {juliet: {subscription: both, name: Jule, groups: [B, A]}}}\n"
     "  juliet: {roster: {romeo: {subscription: both}}}\nsteps:\n"
     "  - check: {roster: {romeo: {juliet: {name: Jule, groups: [A, B]}},"
     " juliet: {romeo: {name: '', groups: []}}}}\n", RUNNER_PASS, 0, {NULL}},
    {"roster check: name and groups mismatches", "scenario: t\naccounts:\n"
     "  romeo: {roster: {juliet: {subscription: both, name: Jule, groups: [B, A]}}}\n"
     "  juliet: {roster: {romeo: {subscription: both}}}\nsteps:\n"
     "  - check: {roster: {romeo: {juliet: {name: J, groups: [A]}}}}\n", RUNNER_FAIL, 6,
     {"step 1 (check): 2 mismatches",
      "roster romeo, juliet@localhost: name expected 'J', actual 'Jule'",
      "roster romeo, juliet@localhost: groups expected [A], actual [B, A]"}},
    {"after a reconnect and before the bind, the resource is the one asked for", HEAD
     "  - romeo: {connect: {resource: phone}}\n  - romeo: drop\n"
     "  - romeo: {connect: {bind: false}}\n  - romeo2: connect\n"
     "  - romeo2: {send: \"<message to='${romeo2.full}'><body>${romeo.full}</body></message>\"}\n"
     "  - romeo2: {receive: \"<message><body>romeo@localhost/orchard</body></message>\"}\n",
     RUNNER_PASS, 0, {NULL}},
    {"receive closed with a stream error still pending fails", HEAD
     "  - tybalt: {register: {password: pw}}\n"
     "  - tybalt: {receive: \"<iq type='result' id='reg_1'/>\"}\n"
     "  - tybalt: connect\n  - tybalt: unregister\n"
     "  - tybalt: {receive: \"<iq type='result' id='unreg_1'/>\"}\n"
     "  - tybalt: {receive: closed}\n",
     RUNNER_FAIL, 14, {"tybalt's connection 1 is closed, but a stream error is still pending",
                       "<stream:error>"}},
    {"send_raw hex and base64 send bytes (format 1.2)", HEAD "  - romeo: connect\n"
     "  - romeo: {send_raw: {hex: \"3c 70 72\"}}\n  - romeo: {send_raw: {base64: \"ZXNlbmNlLz4=\"}}\n"
     "  - romeo: {receive: \"<presence from='${romeo.full}'/>\"}\n", RUNNER_PASS, 0, {NULL}},
    {"send_raw hex: invalid UTF-8 and NUL reach the server", HEAD "  - romeo: connect\n"
     "  - romeo: {send_raw: {hex: \"3c 6d 3e c3 28 00 3c 2f 6d 3e\"}}\n"
     "  - romeo: {receive: \"<stream:error/>\"}\n  - romeo: {receive: closed}\n",
     RUNNER_PASS, 0, {NULL}},
    {"connect on a bound stream fails", HEAD "  - romeo: connect\n  - romeo: connect\n",
     RUNNER_FAIL, 10, {"romeo is already connected (bound as orchard on connection 1)"}},
    {"send without a connection fails", HEAD "  - romeo: {send: \"<presence/>\"}\n",
     RUNNER_FAIL, 9, {"romeo has no connection (connect first)"}},
    {"captures carry into later steps", HEAD "  - romeo: connect\n  - juliet: connect\n"
     "  - romeo: {send: \"<message to='${juliet.full}' id='m1'><body>hi</body></message>\"}\n"
     "  - juliet: {receive: \"<message from='${romeo.full}' id='{capture:mid}'/>\"}\n"
     "  - juliet: {send: \"<message to='${romeo.full}' id='re-${mid}'/>\"}\n"
     "  - romeo: {receive: \"<message id='re-m1' from='${juliet.full}'/>\"}\n",
     RUNNER_PASS, 0, {NULL}},
    {"partial connect, wrong password, then success", HEAD
     "  - romeo: {connect: {auth: false}}\n"
     "  - romeo: {auth: {password: wrong}}\n"
     "  - romeo: {receive: \"<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
     "<not-authorized/></failure>\"}\n"
     "  - romeo: auth\n  - check: {connected: [], sessions: 1}\n  - romeo: bind\n"
     "  - check: {connected: [romeo]}\n", RUNNER_PASS, 0, {NULL}},
    {"resource override names the full JID", HEAD
     "  - romeo: {connect: {resource: phone}}\n  - romeo: {send: \"<presence/>\"}\n"
     "  - romeo: {receive: \"<presence from='romeo@localhost/phone'/>\"}\n"
     "  - romeo: {send: \"<presence type='unavailable'/>\"}\n"
     "  - romeo: {receive: \"<presence type='unavailable' from='${romeo.full}'/>\"}\n",
     RUNNER_PASS, 0, {NULL}},
    {"close and drop end connections", HEAD "  - romeo: connect\n  - juliet: connect\n"
     "  - romeo: close\n  - romeo: {receive: closed}\n  - juliet: drop\n"
     "  - juliet: {receive: closed}\n  - check: {sessions: 0}\n", RUNNER_PASS, 0, {NULL}},
    {"receive closed on an open stream fails", HEAD "  - romeo: connect\n"
     "  - romeo: {receive: closed}\n",
     RUNNER_FAIL, 10, {"expected the server to have closed romeo's connection 1; it is open"}},
    {"restart closes every connection and keeps pending", HEAD "  - romeo: connect\n"
     "  - romeo: {send: \"<presence/>\"}\n  - juliet: connect\n  - restart\n"
     "  - romeo: {receive: closed}\n  - juliet: {receive: closed}\n"
     "  - romeo: {receive: \"<presence/>\"}\n  - romeo: connect\n"
     "  - check: {sessions: 1, connected: [romeo]}\n", RUNNER_PASS, 0, {NULL}},
    {"send_raw opens a connection with no header", HEAD
     "  - romeo: {send_raw: \"<stream:stream xmlns='jabber:client' "
     "xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>\"}\n"
     "  - romeo: {receive: \"<stream:features/>\"}\n  - romeo: connect\n"
     "  - check: {connected: [romeo]}\n", RUNNER_PASS, 0, {NULL}},
    {"register, connect with its password, unregister", HEAD
     "  - tybalt: {register: {password: pw}}\n"
     "  - tybalt: {receive: \"<iq type='result' id='reg_1'/>\"}\n"
     "  - tybalt: connect\n  - tybalt: unregister\n"
     "  - tybalt: {receive: \"<iq type='result' id='unreg_1'/>\"}\n"
     "  - tybalt: {receive: \"<stream:error><not-authorized "
     "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>\"}\n"
     "  - tybalt: {receive: closed}\n"
     "  - check: {accounts: [juliet, romeo], tombstones: [tybalt], sessions: 0}\n",
     RUNNER_PASS, 0, {NULL}},
    /* format 1.7: a password change is learnt from its result; a stanza
     * plainxml leaves to expat (a character reference) is read too */
    {"a password change is learnt from its result", HEAD "  - romeo: connect\n"
     "  - romeo: {send: \"<iq type='set' id='pw'><query xmlns='jabber:iq:register'>"
     "<username>romeo</username><password>new</password></query></iq>\"}\n"
     "  - romeo: {receive: \"<iq type='result' id='pw'/>\"}\n  - romeo: drop\n"
     "  - romeo: connect\n  - check: {connected: [romeo]}\n", RUNNER_PASS, 0, {NULL}},
    {"a password change written with a character reference is learnt", HEAD
     "  - romeo: connect\n"
     "  - romeo: {send: \"<iq type='set' id='pw'><query xmlns='jabber:iq:register'>"
     "<username>romeo</username><password>n&#x65;w</password></query></iq>\"}\n"
     "  - romeo: {receive: \"<iq type='result' id='pw'/>\"}\n  - romeo: drop\n"
     "  - romeo: connect\n  - check: {connected: [romeo]}\n", RUNNER_PASS, 0, {NULL}},
    {"connect stops at a SASL failure and leaves it pending", HEAD "  - nobody: connect\n"
     "  - nobody: {receive: \"<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
     "<not-authorized/></failure>\"}\n"
     "  - check: {sessions: 1, connected: []}\n  - nobody: bind\n",
     RUNNER_FAIL, 12, {"bind needs an authenticated stream; nobody has an open stream that is "
                       "not authenticated", "-> <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'"}},
    {"a set names the unmatched pattern", HEAD BOTH_AVAILABLE
     "  - romeo: {send: \"<presence><show>away</show></presence>\"}\n"
     "  - romeo: {receive: [\"<presence from='${romeo.full}'><show>away</show></presence>\", "
     "\"<presence from='${romeo.full}'><show>dnd</show></presence>\"]}\n",
     RUNNER_FAIL, 17, {"expected 2 stanzas, only 1 pending"}},
};

static struct scenario *load(const char *yaml)
{
    struct scenario_error err;
    struct scenario *s = loader_load_buffer("t.yaml", yaml, strlen(yaml), &err);
    ck_assert_msg(s != NULL, "fixture does not load: %lu:%lu: %s", err.line, err.column,
                  err.message);
    return s;
}

START_TEST(test_runner_rows)
{
    const struct row *row = &rows[_i];
    struct scenario *s = load(row->yaml);
    struct runner_result res;
    runner_run(s, NULL, &res);
    ck_assert_msg(res.outcome == row->outcome, "%s: outcome %d, message:\n%s", row->name,
                  (int)res.outcome, res.message ? res.message : "(none)");
    if (row->line != 0)
        ck_assert_uint_eq(res.line, row->line);
    for (size_t k = 0; k < NEEDLES_MAX && row->needles[k] != NULL; k++)
        ck_assert_msg(strstr(res.message, row->needles[k]) != NULL,
                      "%s: report lacks \"%s\":\n%s", row->name, row->needles[k], res.message);
    if (row->outcome == RUNNER_PASS)
        ck_assert_ptr_null(res.message);
    runner_result_free(&res);
    scenario_free(s);
}
END_TEST

/* The same scenario and seed give the same report, byte for byte, and
 * another seed changes only what the seed decides (here: nothing shown). */
START_TEST(test_runner_is_deterministic)
{
    struct scenario *s = load("server: {conflict: random-resource}\n" HEAD
                              "  - romeo: connect\n  - {romeo: {send: \"<presence/>\"}}\n"
                              "  - romeo: {receive: \"<presence from='nobody@localhost'/>\"}\n");
    struct runner_options opt = {.seed = 7, .verbose = true};
    struct runner_result a, b;
    runner_run(s, &opt, &a);
    runner_run(s, &opt, &b);
    ck_assert_int_eq(a.outcome, RUNNER_FAIL);
    ck_assert_str_eq(a.message, b.message);
    ck_assert_str_eq(a.log, b.log);
    ck_assert_ptr_nonnull(strstr(a.log, "[step 3] line 12: romeo: receive"));
    runner_result_free(&a);
    runner_result_free(&b);
    scenario_free(s);
}
END_TEST

/* A conflicting bind under random-resource records the generated resource,
 * and ${CLIENT.full} follows it. */
START_TEST(test_runner_generated_resource_is_bound)
{
    struct scenario *s = load("scenario: t\n"
                              "server: {conflict: random-resource}\n"
                              "accounts: {romeo: {}}\n"
                              "clients:\n"
                              "  romeo: {account: romeo, resource: orchard}\n"
                              "  romeo2: {account: romeo, resource: orchard}\n"
                              "steps:\n"
                              "  - romeo: connect\n"
                              "  - romeo2: connect\n"
                              "  - romeo2: {send: \"<presence/>\"}\n"
                              "  - romeo2: {receive: \"<presence from='${romeo2.full}'/>\"}\n"
                              "  - romeo: {receive: nothing}\n"
                              "  - romeo2: {send: \"<message to='${romeo2.full}' id='x'/>\"}\n"
                              "  - romeo2: {receive: \"<message id='x'/>\"}\n");
    struct runner_result res;
    runner_run(s, NULL, &res);
    ck_assert_msg(res.outcome == RUNNER_PASS, "%s", res.message);
    runner_result_free(&res);
    scenario_free(s);
}
END_TEST

/* ---- a target that hides the model, as a live one would ---- */

static struct target *hidden_new(const struct scenario *s, uint64_t seed, void *ctx)
{
    (void)ctx;
    return target_model_hidden_new(&s->server, seed, "hidden", 0);
}

/* A live target with a real clock (a Prosody sessim configured). */
static struct target *real_clock_new(const struct scenario *s, uint64_t seed, void *ctx)
{
    (void)ctx;
    return target_model_hidden_new(&s->server, seed, "real-clock", TARGET_REAL_CLOCK);
}

static void run_on(const char *yaml,
                   struct target *(*factory)(const struct scenario *, uint64_t, void *),
                   struct runner_result *res)
{
    struct scenario *s = load(yaml);
    struct runner_options opt = {.target_new = factory};
    runner_run(s, &opt, res);
    scenario_free(s);
}

static void run_hidden(const char *yaml, struct runner_result *res)
{
    run_on(yaml, hidden_new, res);
}

START_TEST(test_runner_live_skips_model_only_steps)
{
    struct runner_result res;
    run_hidden(HEAD BOTH_AVAILABLE "  - advance: 1h\n  - check: {sessions: 5}\n", &res);
    ck_assert_msg(res.outcome == RUNNER_PASS, "%s", res.message);
    ck_assert_uint_eq(res.steps_skipped, 2);
    ck_assert_uint_eq(res.steps_run, 9);
    runner_result_free(&res);
}
END_TEST

/* FORMAT 1.3: a real clock takes advances up to 10s and skips longer ones. */
START_TEST(test_runner_real_clock_waits_short_advances)
{
    struct runner_result res;
    run_on(HEAD "  - advance: 10s\n  - advance: 10001ms\n  - advance: 250ms\n  - advance: 1h\n",
           real_clock_new, &res);
    ck_assert_msg(res.outcome == RUNNER_PASS, "%s", res.message);
    ck_assert_uint_eq(res.steps_skipped, 2);
    runner_result_free(&res);
    run_hidden(HEAD "  - advance: 10s\n", &res);
    ck_assert_uint_eq(res.steps_skipped, 1);
    runner_result_free(&res);
}
END_TEST

START_TEST(test_runner_live_skips_model_scenarios_and_restarts)
{
    struct runner_result res;
    run_hidden("target: model\n" HEAD "  - romeo: connect\n", &res);
    ck_assert_int_eq(res.outcome, RUNNER_SKIP);
    ck_assert_str_eq(res.message, "model-only scenario (target: model) on the hidden target");
    runner_result_free(&res);
    run_hidden(HEAD "  - romeo: connect\n  - restart\n", &res);
    ck_assert_int_eq(res.outcome, RUNNER_SKIP);
    ck_assert_uint_eq(res.line, 10);
    ck_assert_ptr_nonnull(strstr(res.message, "cannot restart the server"));
    runner_result_free(&res);
}
END_TEST

/* ---- a server that accepts connections and never answers ---- */

static unsigned silent_waits;   /* target_wait calls on the silent target */

static bool si_account(struct target *t, const char *user, const char *password)
{
    (void)t, (void)user, (void)password;
    return true;
}

static unsigned si_connect(struct target *t)
{
    (void)t;
    return 1;
}

static bool si_send(struct target *t, unsigned conn, const char *b, size_t n)
{
    (void)t, (void)conn, (void)b, (void)n;
    return true;
}

static const char *si_received(struct target *t, unsigned conn, size_t *n)
{
    (void)t, (void)conn;
    *n = 0;
    return "";
}

static void si_conn(struct target *t, unsigned conn)
{
    (void)t, (void)conn;
}

static bool si_closed(struct target *t, unsigned conn)
{
    (void)t, (void)conn;
    return false;
}

static void si_target(struct target *t)
{
    (void)t;
}

static bool si_wait(struct target *t, unsigned conn)
{
    (void)t, (void)conn;
    silent_waits++;
    return false;
}

static struct model *si_model(struct target *t)
{
    (void)t;
    return NULL;
}

static void si_consume(struct target *t, unsigned conn, size_t n)
{
    (void)t, (void)conn, (void)n;
}

static const struct target_ops silent_ops = {
    .name = "silent", .account_create = si_account, .connect = si_connect, .send = si_send,
    .received = si_received, .consume = si_consume, .closed = si_closed, .hangup = si_conn,
    .settle = si_target, .wait = si_wait, .model = si_model, .free = si_target,
};

static struct target silent_target = {&silent_ops, "", ""};

static struct target *silent_new(const struct scenario *s, uint64_t seed, void *ctx)
{
    (void)s, (void)seed, (void)ctx;
    return &silent_target;
}

/* A live server that never answers the stream header fails the connect
 * step, after waiting more than one round, instead of letting it pass
 * half-connected (the scenario would then fail a step later, elsewhere). */
START_TEST(test_runner_unanswered_connect_fails_its_step)
{
    struct runner_result res;
    silent_waits = 0;
    run_on(HEAD "  - romeo: connect\n  - romeo: {send: \"<presence/>\"}\n", silent_new, &res);
    ck_assert_int_eq(res.outcome, RUNNER_FAIL);
    ck_assert_uint_eq(res.line, 9);
    ck_assert_msg(strstr(res.message, "romeo got no answer to its stream header on connection 1")
                      != NULL, "%s", res.message);
    ck_assert_uint_gt(silent_waits, 1);
    runner_result_free(&res);
}
END_TEST

/* transcribe: what each step left pending becomes PENDING events of that
 * step and client, harness replies (features, success, bind) excluded;
 * nothing is left over at the end. */
START_TEST(test_runner_transcribe_moves_pending_into_events)
{
    struct scenario *s = load(HEAD "  - romeo: connect\n  - romeo2: connect\n"
                                   "  - romeo: {send: \"<presence/>\"}\n"
                                   "  - romeo2: {send: \"<message to='${romeo.full}'><body>x"
                                   "</body></message>\"}\n");
    struct runner_options opt = {.record = true, .transcribe = true};
    struct runner_result res;
    runner_run(s, &opt, &res);
    ck_assert_msg(res.outcome == RUNNER_PASS, "%s", res.message ? res.message : "");
    static const struct {
        size_t step, client;
        const char *text;
    } want[] = {
        {2, 0, "<presence from='romeo@localhost/orchard'"},   /* P1; balcony is not available */
        {3, 0, "<message to='romeo@localhost/orchard' from='romeo@localhost/balcony'>"
               "<body>x</body></message>"},
    };
    size_t n = 0;
    for (size_t i = 0; i < res.event_count; i++) {
        const struct runner_event *e = &res.events[i];
        if (e->kind != RUNNER_EVENT_PENDING)
            continue;
        ck_assert_uint_lt(n, COUNT(want));
        ck_assert_uint_eq(e->step, want[n].step);
        ck_assert_uint_eq(e->client, want[n].client);
        ck_assert_msg(strncmp(e->text, want[n].text, strlen(want[n].text)) == 0, "%s",
                      e->text);
        n++;
    }
    ck_assert_uint_eq(n, COUNT(want));
    runner_result_free(&res);
    scenario_free(s);
}
END_TEST

/* Two results alike: outcome, report, -v trace, recorded events. */
static void assert_same_result(const char *file, const struct runner_result *a,
                               const struct runner_result *b)
{
    ck_assert_msg(a->outcome == b->outcome, "%s: outcome", file);
    ck_assert_str_eq(a->message ? a->message : "", b->message ? b->message : "");
    ck_assert_str_eq(a->log, b->log);
    ck_assert_uint_eq(a->event_count, b->event_count);
    for (size_t e = 0; e < a->event_count; e++) {
        ck_assert_msg(a->events[e].kind == b->events[e].kind, "%s: event %zu", file, e);
        ck_assert_str_eq(a->events[e].text, b->events[e].text);
    }
}

/* Trees both ways (runner.h trees: the model's stanzas and headers read
 * from what it holds, the connect phases' messages handed over parsed)
 * instead of parsing bytes change nothing a run shows: outcome, report,
 * the -v trace (each client's traffic) and the recorded traffic (the
 * received trees written out) of every third corpus scenario. */
START_TEST(test_runner_trees_change_nothing)
{
    struct paths files = {0};
    ck_assert(paths_collect(NULL, 0, &files));
    for (size_t i = 0; i < files.len; i += 3) {
        struct scenario_error err;
        struct scenario *s = loader_load(files.items[i], &err);
        ck_assert_msg(s != NULL, "%s: %s", files.items[i], err.message);
        struct runner_options parse = {.seed = 3, .verbose = true, .record = true};
        struct runner_options trees = parse;
        trees.trees = true;
        struct runner_result a, b;
        runner_run(s, &parse, &a);
        runner_run(s, &trees, &b);
        assert_same_result(files.items[i], &a, &b);
        runner_result_free(&a);
        runner_result_free(&b);
        scenario_free(s);
    }
    paths_free(&files);
}
END_TEST

Suite *runner_suite(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("runner");
    tcase_add_loop_test(tc, test_runner_rows, 0, (int)COUNT(rows));
    tcase_add_test(tc, test_runner_is_deterministic);
    tcase_add_test(tc, test_runner_generated_resource_is_bound);
    tcase_add_test(tc, test_runner_live_skips_model_only_steps);
    tcase_add_test(tc, test_runner_real_clock_waits_short_advances);
    tcase_add_test(tc, test_runner_live_skips_model_scenarios_and_restarts);
    tcase_add_test(tc, test_runner_unanswered_connect_fails_its_step);
    tcase_add_test(tc, test_runner_transcribe_moves_pending_into_events);
    tcase_add_test(tc, test_runner_trees_change_nothing);
    suite_add_tcase(s, tc);
    return s;
}
