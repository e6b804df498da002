/* scenario: good files load with every field, bad files fail with their
 * exact `# expect:` message, from a file and from a buffer. Run from the
 * repository root (fixtures under SIM_TESTS_DIR). */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"
#include "base/count.h"
#include "scenario/loader.h"
#include "suites.h"

#ifndef SIM_TESTS_DIR
#define SIM_TESTS_DIR "sim/tests"
#endif

#define DAY_MS (24ull * 3600 * 1000)

/* ---- helpers -------------------------------------------------------------- */

/* Reads a whole file; the caller frees. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t cap = 1 << 16;
    char *data = malloc(cap);
    ck_assert_ptr_nonnull(data);
    *len = fread(data, 1, cap, f);
    ck_assert_uint_lt(*len, cap);
    fclose(f);
    return data;
}

static struct scenario *load_good(const char *name)
{
    char path[256], message[600];
    snprintf(path, sizeof path, SIM_TESTS_DIR "/good/%s", name);
    struct scenario_error err;
    struct scenario *s = loader_load(path, &err);
    scenario_error_format(&err, message, sizeof message);
    ck_assert_msg(s != NULL, "%s", message);
    return s;
}

/* Loads text; on failure returns NULL with "LINE:COLUMN: message" in out. */
static struct scenario *load_text(const char *text, char *out, size_t size)
{
    struct scenario_error err;
    struct scenario *s = loader_load_buffer("t.yaml", text, strlen(text), &err);
    if (s == NULL) {   /* cut to size: the tests look at its beginning */
        int n = snprintf(out, size, "%lu:%lu: %s", err.line, err.column, err.message);
        ck_assert_int_ge(n, 0);
    }
    return s;
}

static void assert_strings(const struct scenario_strings *l, const char *const *want, size_t n)
{
    ck_assert_uint_eq(l->count, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(l->items[i].text, want[i]);
}

#define ASSERT_STRINGS(l, ...)                                         \
    do {                                                               \
        static const char *const want_[] = {__VA_ARGS__};              \
        assert_strings((l), want_, COUNT(want_));                      \
    } while (0)

/* ---- bad files ------------------------------------------------------------ */

static const char *const bad_files[] = {
    "account_password_list", "action_two_keys", "advance_no_unit", "alias",
    "bad_bool", "bad_capture_name", "bad_conflict", "bad_duration",
    "bad_leftovers", "bad_priority", "bad_sessim_attribute", "bad_show", "bad_subscription",
    "bad_target", "bad_xml_receive", "bad_xml_send", "capitals_account", "capitals_contact",
    "capitals_domain", "capitals_implicit_client", "capture_domain", "capture_same_step", "capture_twice",
    "capture_used_early", "check_unknown_client", "client_account_not_string",
    "client_step_null", "close_with_value", "connect_resource_list",
    "duplicate_key", "duration_too_long", "empty", "empty_check",
    "empty_client_name", "empty_steps", "groups_not_list", "invalid_utf8",
    "key_not_string", "long_unknown_key", "missing_scenario", "missing_steps", "multi_document",
    "negative_sessions", "note_null", "nul_in_string", "offline_count_string",
    "presence_unknown_client", "receive_among_bad_xml", "receive_among_empty",
    "receive_among_unknown_key", "receive_empty_list", "reserved_client_name",
    "restart_with_value", "roster_ask_with_both", "roster_check_bad_ask", "scenario_two_lines",
    "send_list_item_mapping", "send_raw_bad_hex", "send_mapping", "send_needs_value",
    "sm_queue_max_zero", "step_list",
    "step_scalar",
    "step_two_keys", "steps_mapping", "tag", "tags_int", "top_list",
    "too_deep", "top_scalar", "unknown_action", "unknown_check_key",
    "unknown_client_variable", "unknown_connect_key", "unknown_profile", "unknown_register_key",
    "unknown_server_key", "unknown_top_key", "unknown_variable",
    "unterminated_variable", "yaml_bad_indent", "yaml_syntax",
    "yaml_unclosed_flow", "tab_indent", "too_many_clients", "too_many_implicit_clients",
};

/* "PATH:" followed by the rest of the fixture's `# expect:` line. */
static void expected_error(const char *path, const char *data, size_t len, char *out,
                           size_t size)
{
    static const char tag[] = "# expect:";
    const char *eol = memchr(data, '\n', len);
    ck_assert_msg(len > sizeof tag && memcmp(data, tag, sizeof tag - 1) == 0 && eol != NULL,
                  "%s: first line is not '# expect: LINE:COLUMN: message'", path);
    const char *rest = data + sizeof tag - 1;
    while (*rest == ' ')
        rest++;
    snprintf(out, size, "%s:%.*s", path, (int)(eol - rest), rest);
}

START_TEST(test_scenario_rejects_bad_file_with_expected_message)
{
    char path[256], want[700], got[700];
    snprintf(path, sizeof path, SIM_TESTS_DIR "/bad/%s.yaml", bad_files[_i]);
    size_t len;
    char *data = slurp(path, &len);
    expected_error(path, data, len, want, sizeof want);

    struct scenario_error err;
    ck_assert_ptr_null(loader_load(path, &err));
    scenario_error_format(&err, got, sizeof got);
    ck_assert_str_eq(got, want);

    ck_assert_ptr_null(loader_load_buffer(path, data, len, &err));
    scenario_error_format(&err, got, sizeof got);
    ck_assert_str_eq(got, want);
    free(data);
}
END_TEST

START_TEST(test_scenario_bad_fixture_table_lists_every_file)
{
    DIR *d = opendir(SIM_TESTS_DIR "/bad");
    ck_assert_msg(d != NULL, "run from the repository root");
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        bool listed = false;
        for (size_t i = 0; i < COUNT(bad_files); i++)
            listed |= strlen(bad_files[i]) == len - 5 &&
                      strncmp(bad_files[i], e->d_name, len - 5) == 0;
        ck_assert_msg(listed, "%s is not in bad_files", e->d_name);
        n++;
    }
    closedir(d);
    ck_assert_uint_eq(n, COUNT(bad_files));
    ck_assert_uint_ge(n, 28);
}
END_TEST

/* ---- good/full.yaml --------------------------------------------------------- */

START_TEST(test_scenario_loads_top_level_keys)
{
    struct scenario *s = load_good("full.yaml");
    ck_assert_str_eq(s->file, SIM_TESTS_DIR "/good/full.yaml");
    ck_assert_str_eq(s->name, "Every key, step and check");
    ck_assert_str_eq(s->description, "Line one.\nLine two.\n");
    ASSERT_STRINGS(&s->tags, "presence", "close");
    ASSERT_STRINGS(&s->spec, "RFC 6121 4.5.2", "SEMANTICS P7");
    ck_assert_uint_eq(s->tags.items[1].line, 6);
    ck_assert_uint_eq(s->tags.items[1].column, 18);
    ck_assert_int_eq(s->target, SCENARIO_TARGET_MODEL);
    ck_assert(s->leftovers_ignore);
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_loads_server)
{
    struct scenario *s = load_good("full.yaml");
    ck_assert_str_eq(s->server.domain, "example.org");
    ck_assert_int_eq(s->server.conflict, SCENARIO_CONFLICT_REJECT_NEW);
    ck_assert(!s->server.offline);
    ck_assert(!s->server.registration);
    ck_assert(!s->server.tombstones);
    ck_assert_uint_eq(s->server.tombstone_expiry_ms, 2 * 3600 * 1000);
    scenario_free(s);
}
END_TEST

/* A profile the file gives wins over --profile; one it does not give
 * follows it. */
START_TEST(test_scenario_profile_given_wins_over_command_line)
{
    char msg[256] = "";
    struct scenario *s = load_text("scenario: p\nserver: {profile: ejabberd}\nsteps: [restart]\n",
                                   msg, sizeof msg);
    ck_assert_ptr_nonnull(s);
    ck_assert(s->server.profile_given);
    scenario_profile_default(s, SCENARIO_PROFILE_RFC);
    ck_assert_int_eq(s->server.profile, SCENARIO_PROFILE_EJABBERD);
    scenario_free(s);
    s = load_text("scenario: p\nsteps: [restart]\n", msg, sizeof msg);
    ck_assert(!s->server.profile_given);
    ck_assert_int_eq(s->server.profile, SCENARIO_PROFILE_PROSODY);
    scenario_profile_default(s, SCENARIO_PROFILE_RFC);
    ck_assert_int_eq(s->server.profile, SCENARIO_PROFILE_RFC);
    ck_assert_str_eq(scenario_profile_name(s->server.profile), "rfc");
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_loads_accounts_and_rosters)
{
    struct scenario *s = load_good("full.yaml");
    ck_assert_uint_eq(s->account_count, 3);
    const struct scenario_account *romeo = &s->accounts[0];
    ck_assert_str_eq(romeo->name, "romeo");
    ck_assert_uint_eq(romeo->line, 18);
    ck_assert_str_eq(romeo->password, "secret");
    ck_assert_uint_eq(romeo->roster_count, 2);
    const struct scenario_roster_item *j = &romeo->roster[0], *n = &romeo->roster[1];
    ck_assert_str_eq(j->contact, "juliet");
    ck_assert_int_eq(j->subscription, SCENARIO_SUBSCRIPTION_BOTH);
    ck_assert_int_eq(j->ask, SCENARIO_ASK_NONE);
    ck_assert_str_eq(j->name, "Juliet");
    ASSERT_STRINGS(&j->groups, "Friends", "Family");
    ck_assert_str_eq(n->contact, "nurse");
    ck_assert_int_eq(n->subscription, SCENARIO_SUBSCRIPTION_NONE);
    ck_assert_int_eq(n->ask, SCENARIO_ASK_SUBSCRIBE);
    ck_assert_ptr_null(n->name);
    ck_assert_uint_eq(n->groups.count, 0);
    ck_assert_str_eq(s->accounts[1].name, "juliet");
    ck_assert_str_eq(s->accounts[1].password, "password");
    ck_assert_uint_eq(s->accounts[1].roster_count, 1);
    ck_assert_str_eq(s->accounts[1].roster[0].contact, "romeo");
    ck_assert_str_eq(s->accounts[2].name, "nurse");
    ck_assert_uint_eq(s->accounts[2].roster_count, 0);
    ck_assert_ptr_eq(scenario_account_find(s, "nurse"), &s->accounts[2]);
    ck_assert_ptr_null(scenario_account_find(s, "tybalt"));
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_lists_declared_then_implicit_clients)
{
    static const struct {
        const char *name, *account, *resource;
        bool implicit;
        unsigned long line;
    } want[] = {
        {"romeo", "romeo", "orchard", false, 28},     {"romeo2", "romeo", "balcony", false, 29},
        {"juliet", "juliet", "juliet", false, 30},    {"nurse", "nurse", "nurse", true, 35},
        {"tybalt", "tybalt", "tybalt", true, 57},     {"mercutio", "mercutio", "mercutio", true, 58},
    };
    struct scenario *s = load_good("full.yaml");
    ck_assert_uint_eq(s->client_count, COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++) {
        const struct scenario_client *c = &s->clients[i];
        ck_assert_str_eq(c->name, want[i].name);
        ck_assert_str_eq(c->account, want[i].account);
        ck_assert_str_eq(c->resource, want[i].resource);
        ck_assert_int_eq(c->implicit, want[i].implicit);
        ck_assert_uint_eq(c->line, want[i].line);
        ck_assert_ptr_eq(scenario_client_find(s, want[i].name), c);
    }
    ck_assert_ptr_null(scenario_client_find(s, "benvolio"));
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_loads_step_kinds_clients_and_lines)
{
    static const struct {
        enum scenario_step_kind kind;
        size_t client;
        unsigned long line;
    } want[] = {
        {SCENARIO_STEP_CONNECT, 0, 32},    {SCENARIO_STEP_CONNECT, 2, 33},
        {SCENARIO_STEP_BIND, 2, 34},       {SCENARIO_STEP_CONNECT, 3, 35},
        {SCENARIO_STEP_AUTH, 3, 36},       {SCENARIO_STEP_AUTH, 3, 37},
        {SCENARIO_STEP_SEND, 0, 38},       {SCENARIO_STEP_SEND, 2, 39},
        {SCENARIO_STEP_SEND_RAW, 1, 43},   {SCENARIO_STEP_RECEIVE, 2, 44},
        {SCENARIO_STEP_RECEIVE, 0, 45},    {SCENARIO_STEP_RECEIVE, 0, 52},
        {SCENARIO_STEP_RECEIVE, 1, 53},    {SCENARIO_STEP_SEND, 2, 54},
        {SCENARIO_STEP_CLOSE, 0, 55},      {SCENARIO_STEP_DROP, 2, 56},
        {SCENARIO_STEP_REGISTER, 4, 57},   {SCENARIO_STEP_REGISTER, 5, 58},
        {SCENARIO_STEP_UNREGISTER, 4, 59}, {SCENARIO_STEP_ADVANCE, SCENARIO_NO_CLIENT, 60},
        {SCENARIO_STEP_RESTART, SCENARIO_NO_CLIENT, 61},
        {SCENARIO_STEP_CHECK, SCENARIO_NO_CLIENT, 62},
        {SCENARIO_STEP_NOTE, SCENARIO_NO_CLIENT, 74},
    };
    struct scenario *s = load_good("full.yaml");
    ck_assert_uint_eq(s->step_count, COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++) {
        ck_assert_str_eq(scenario_step_name(s->steps[i].kind), scenario_step_name(want[i].kind));
        ck_assert_uint_eq(s->steps[i].client, want[i].client);
        ck_assert_uint_eq(s->steps[i].line, want[i].line);
        ck_assert_uint_eq(s->steps[i].column, 5);
    }
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_loads_connect_auth_register_arguments)
{
    struct scenario *s = load_good("full.yaml");
    const struct scenario_step *st = s->steps;
    ck_assert_ptr_null(st[0].connect.resource);
    ck_assert(st[0].connect.auth && st[0].connect.bind);
    ck_assert_str_eq(st[1].connect.resource, "phone");
    ck_assert(st[1].connect.auth && !st[1].connect.bind);
    ck_assert(!st[3].connect.auth && st[3].connect.bind);
    ck_assert_str_eq(st[4].auth.password, "wrong");
    ck_assert_ptr_null(st[5].auth.password);
    ck_assert_str_eq(st[16].reg.password, "pw");
    ck_assert_str_eq(st[17].reg.password, "password");
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_loads_send_and_receive)
{
    struct scenario *s = load_good("full.yaml");
    const struct scenario_step *st = s->steps;
    ASSERT_STRINGS(&st[6].send, "<presence/>");
    ck_assert_uint_eq(st[7].send.count, 2);
    ck_assert_str_eq(st[7].send.items[1].text,
                     "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
    ck_assert_uint_eq(st[7].send.items[1].line, 42);
    ck_assert_uint_eq(st[7].send.items[1].column, 11);
    ck_assert_str_eq(st[8].send_raw.text, "<mess");
    ck_assert_int_eq(st[9].receive.kind, SCENARIO_RECEIVE_STANZAS);
    ASSERT_STRINGS(&st[9].receive.patterns, "<presence from='${romeo.full}'/>");
    ck_assert_uint_eq(st[10].receive.patterns.count, 2);
    ck_assert_str_eq(st[10].receive.patterns.items[1].text,
                     "<iq type='result'>\n  <query xmlns='jabber:iq:roster'><item jid='x' "
                     "sessim:absent='true'/></query>\n</iq>\n");
    ck_assert_int_eq(st[11].receive.kind, SCENARIO_RECEIVE_NOTHING);
    ck_assert_uint_eq(st[11].receive.patterns.count, 0);
    ck_assert_int_eq(st[12].receive.kind, SCENARIO_RECEIVE_CLOSED);
    ck_assert_ptr_nonnull(strstr(st[13].send.items[0].text, "id='${pid}'"));
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_loads_directives)
{
    struct scenario *s = load_good("full.yaml");
    ck_assert_uint_eq(s->steps[19].advance_ms, 31 * DAY_MS);
    ck_assert_str_eq(s->steps[22].note, "text shown in reports");
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_loads_every_check_key)
{
    struct scenario *s = load_good("full.yaml");
    const struct scenario_check *c = &s->steps[21].check;
    ck_assert_uint_eq(c->given, (1u << 9) - 1);
    ASSERT_STRINGS(&c->connected, "romeo", "juliet");
    ASSERT_STRINGS(&c->available, "juliet");
    ck_assert_uint_eq(c->interested.count, 0);
    ck_assert_uint_eq(c->sessions, 3);
    ASSERT_STRINGS(&c->accounts, "romeo", "juliet");
    ASSERT_STRINGS(&c->tombstones, "tybalt");
    ck_assert_uint_eq(c->offline_count, 2);
    ck_assert_str_eq(c->offline[0].account, "juliet");
    ck_assert_uint_eq(c->offline[0].count, 2);
    ck_assert_str_eq(c->offline[1].account, "nobody");
    ck_assert_uint_eq(c->offline[1].count, 0);
    ck_assert_uint_eq(c->roster_count, 2);
    ck_assert_str_eq(c->roster[0].account, "romeo");
    ck_assert_uint_eq(c->roster[0].item_count, 2);
    const struct scenario_check_item *j = &c->roster[0].items[0], *n = &c->roster[0].items[1];
    ck_assert_str_eq(j->contact, "juliet");
    ck_assert(j->has_subscription && j->has_ask);
    ck_assert_int_eq(j->subscription, SCENARIO_SUBSCRIPTION_FROM);
    ck_assert_int_eq(j->ask, SCENARIO_ASK_SUBSCRIBE);
    ck_assert_str_eq(n->contact, "nurse");
    ck_assert(!n->has_subscription && !n->has_ask);
    ck_assert_str_eq(c->roster[1].account, "juliet");
    ck_assert_uint_eq(c->roster[1].item_count, 0);
    ck_assert_uint_eq(c->presence_count, 2);
    ck_assert_str_eq(c->presence[0].client, "juliet");
    ck_assert(c->presence[0].has_priority && c->presence[0].has_show);
    ck_assert_int_eq(c->presence[0].priority, -5);
    ck_assert_int_eq(c->presence[0].show, SCENARIO_SHOW_AWAY);
    ck_assert_str_eq(c->presence[1].client, "romeo");
    ck_assert(!c->presence[1].has_priority && c->presence[1].has_show);
    ck_assert_int_eq(c->presence[1].show, SCENARIO_SHOW_NONE);
    ck_assert_uint_eq(c->presence[1].line, 73);
    scenario_free(s);
}
END_TEST

/* ---- other good inputs -------------------------------------------------------- */

START_TEST(test_scenario_defaults_when_only_required_keys)
{
    struct scenario *s = load_good("minimal.yaml");
    ck_assert_str_eq(s->name, "Minimal");
    ck_assert_ptr_null(s->description);
    ck_assert_uint_eq(s->tags.count + s->spec.count, 0);
    ck_assert_int_eq(s->target, SCENARIO_TARGET_ANY);
    ck_assert(!s->leftovers_ignore);
    ck_assert_str_eq(s->server.domain, "localhost");
    ck_assert_int_eq(s->server.conflict, SCENARIO_CONFLICT_KICK_OLD);
    ck_assert(s->server.offline && s->server.registration && s->server.tombstones);
    ck_assert_uint_eq(s->server.tombstone_expiry_ms, 30 * DAY_MS);
    ck_assert_uint_eq(s->account_count + s->client_count, 0);
    ck_assert_uint_eq(s->step_count, 1);
    ck_assert_int_eq(s->steps[0].kind, SCENARIO_STEP_RESTART);
    ck_assert_uint_eq(s->steps[0].line, 4);
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_captures_bind_variables_for_later_steps)
{
    struct scenario *s = load_good("captures.yaml");
    ck_assert_uint_eq(s->step_count, 6);
    ck_assert_str_eq(s->steps[4].send.items[0].text, "<iq type='get' id='${ver}-${thread}'/>");
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_accepts_anchors_and_null_collections)
{
    char msg[400] = "";
    struct scenario *s = load_text("scenario: &name anchored\n"
                                   "tags:\nspec:\nserver:\naccounts:\nclients:\n"
                                   "steps:\n  - romeo: {connect: ~}\n  - restart:\n",
                                   msg, sizeof msg);
    ck_assert_msg(s != NULL, "%s", msg);
    ck_assert_str_eq(s->name, "anchored");
    ck_assert_int_eq(s->steps[1].kind, SCENARIO_STEP_RESTART);
    scenario_free(s);
}
END_TEST

/* advance: TEXT, and the milliseconds (or the error) it gives. */
static const struct {
    const char *text;
    unsigned long long ms;
    const char *error;
} durations[] = {
    {"250ms", 250, NULL},
    {"10s", 10000, NULL},
    {"5m", 300000, NULL},
    {"2h", 7200000, NULL},
    {"30d", 30 * DAY_MS, NULL},
    {"0s", 0, NULL},
    {"36500d", 36500 * DAY_MS, NULL},
    {"10", 0, "advance must be a duration such as 250ms, 10s, 5m, 2h or 30d, not '10'"},
    {"1.5s", 0, "advance must be a duration such as 250ms, 10s, 5m, 2h or 30d, not '1.5s'"},
    {"-1s", 0, "advance must be a duration such as 250ms, 10s, 5m, 2h or 30d, not '-1s'"},
    {"5M", 0, "advance must be a duration such as 250ms, 10s, 5m, 2h or 30d, not '5M'"},
    {"1w", 0, "advance must be a duration such as 250ms, 10s, 5m, 2h or 30d, not '1w'"},
    {"s", 0, "advance must be a duration such as 250ms, 10s, 5m, 2h or 30d, not 's'"},
    {"[1s]", 0, "advance must be a duration such as 250ms, 10s, 5m, 2h or 30d, not a list"},
    {"36501d", 0, "advance '36501d' is longer than 36500d"},
    {"9999999999999999ms", 0, "advance '9999999999999999ms' is longer than 36500d"},
};

START_TEST(test_scenario_parses_durations)
{
    char text[200], msg[400] = "", want[400];
    snprintf(text, sizeof text, "scenario: d\nsteps:\n  - advance: %s\n", durations[_i].text);
    struct scenario *s = load_text(text, msg, sizeof msg);
    if (durations[_i].error == NULL) {
        ck_assert_msg(s != NULL, "%s", msg);
        ck_assert_uint_eq(s->steps[0].advance_ms, durations[_i].ms);
    } else {
        ck_assert_ptr_null(s);
        snprintf(want, sizeof want, "3:14: %s", durations[_i].error);
        ck_assert_str_eq(msg, want);
    }
    scenario_free(s);
}
END_TEST

/* One check key each, in SCENARIO_CHECK_KEYS order. */
static const char *const check_bodies[] = {
    "connected: [romeo]", "available: [romeo]", "interested: []",
    "sessions: 0",        "accounts: [romeo]",  "tombstones: []",
    "offline: {romeo: 1}", "roster: {romeo: {}}", "presence: {romeo: {priority: 1}}",
};

START_TEST(test_scenario_check_records_each_given_key)
{
    char text[200], msg[400] = "";
    snprintf(text, sizeof text, "scenario: c\nsteps:\n  - romeo: connect\n  - check: {%s}\n",
             check_bodies[_i]);
    struct scenario *s = load_text(text, msg, sizeof msg);
    ck_assert_msg(s != NULL, "%s", msg);
    ck_assert_uint_eq(s->steps[1].check.given, 1u << _i);
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_variables_name_any_client_domain_or_capture)
{
    char msg[400] = "";
    struct scenario *s = load_text(
        "scenario: v\nclients: {r: {account: romeo}}\nsteps:\n"
        "  - r: {send: \"<message to='${later.jid}' from='${r.full}'>${domain}</message>\"}\n"
        "  - r: {send_raw: \"${r.resource}${r.account}$ {x} $x\"}\n"
        "  - later: {receive: \"<a xmlns='urn:x' b='{capture:my-id_2}'/>\"}\n"
        "  - later: {send_raw: \"${my-id_2}\"}\n",
        msg, sizeof msg);
    ck_assert_msg(s != NULL, "%s", msg);
    ck_assert_uint_eq(s->client_count, 2);
    ck_assert(s->clients[1].implicit);
    scenario_free(s);
}
END_TEST

START_TEST(test_scenario_indexes_many_clients_and_captures)
{
    size_t n = 40, cap = n * 160 + 100, len = 0;
    char *text = malloc(cap), msg[400] = "";
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text + len, cap - len, "scenario: many\nsteps:\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "  - c%zu: {receive: \"<a xmlns='x' id='{capture:v%zu}' n='{capture:w}'/>\"}\n"
                                "  - c%zu: {send_raw: \"${c%zu.jid} ${v%zu}\"}\n",
                                i, i, i, n - 1 - i, i);
    struct scenario *s = load_text(text, msg, sizeof msg);
    ck_assert_msg(s != NULL, "%s", msg);
    ck_assert_uint_eq(s->client_count, n);
    ck_assert_str_eq(s->clients[n - 1].name, "c39");
    ck_assert_uint_eq(s->steps[2 * n - 1].client, n - 1);
    scenario_free(s);
    free(text);
}
END_TEST

/* ---- robustness and helpers -------------------------------------------------- */

START_TEST(test_scenario_finds_duplicate_in_a_large_mapping)
{
    size_t n = 20000, cap = n * 24 + 100, len = 0;
    char *text = malloc(cap), msg[400] = "";
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text + len, cap - len, "scenario: big\nsteps: [restart]\naccounts:\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "  a%zu: {}\n", i == n - 1 ? 7 : i);
    ck_assert_ptr_null(load_text(text, msg, sizeof msg));
    ck_assert_str_eq(msg, "20003:3: duplicate key 'a7' (first at 11:3)");
    free(text);
}
END_TEST

START_TEST(test_scenario_survives_deep_nesting)
{
    size_t depth = 100000;
    char *text = malloc(2 * depth + 64), msg[400] = "";
    ck_assert_ptr_nonnull(text);
    size_t len = (size_t)sprintf(text, "scenario: deep\nsteps:\n  - note: ");
    memset(text + len, '[', depth);
    memset(text + len + depth, ']', depth);
    text[len + 2 * depth] = '\0';
    ck_assert_ptr_null(load_text(text, msg, sizeof msg));
    ck_assert_str_eq(msg, "3:72: nesting deeper than 64 levels");
    free(text);
}
END_TEST

START_TEST(test_scenario_loads_a_buffer_without_terminator)
{
    static const char text[] = "scenario: cut\nsteps: [restart]\nTRAILING: junk";
    struct scenario_error err;
    struct scenario *s = loader_load_buffer("mem", text, strlen(text) - 14, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->file, "mem");
    scenario_free(s);
    ck_assert_ptr_null(loader_load_buffer("mem", NULL, 0, &err));
    ck_assert_str_eq(err.file, "mem");
    ck_assert_uint_eq(err.line, 1);
    ck_assert_ptr_null(loader_load_buffer("mem", "steps: 1", 8, NULL));
    scenario_free(NULL);
}
END_TEST

START_TEST(test_scenario_reports_an_unreadable_file_without_position)
{
    struct scenario_error err;
    char out[400];
    ck_assert_ptr_null(loader_load(SIM_TESTS_DIR "/no-such-file.yaml", &err));
    ck_assert_uint_eq(err.line, 0);
    scenario_error_format(&err, out, sizeof out);
    ck_assert_str_eq(out, SIM_TESTS_DIR "/no-such-file.yaml: No such file or directory");
    ck_assert_ptr_null(loader_load(SIM_TESTS_DIR "/bad", &err));
    ck_assert_str_eq(err.message, "Is a directory");
}
END_TEST

/* `steps: [restart, ...]` with n steps (caller frees). */
static char *many_steps(size_t n, size_t *len)
{
    static const char head[] = "scenario: many steps\nsteps: [restart";
    char *text = malloc(sizeof head + 8 * n + 2);
    ck_assert_ptr_nonnull(text);
    memcpy(text, head, sizeof head - 1);
    *len = sizeof head - 1;
    for (size_t i = 1; i < n; i++, *len += 8)
        memcpy(text + *len, ",restart", 8);
    memcpy(text + *len, "]\n", 3);
    *len += 2;
    return text;
}

/* The step limit, reached in time linear in the input (a node's position
 * once cost a scan of the whole input). */
START_TEST(test_scenario_limits_steps)
{
    size_t len;
    char *text = many_steps(SCENARIO_STEPS_MAX, &len);
    struct scenario_error err;
    struct scenario *s = loader_load_buffer("many.yaml", text, len, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    ck_assert_uint_eq(s->step_count, SCENARIO_STEPS_MAX);
    scenario_free(s);
    free(text);
    text = many_steps(SCENARIO_STEPS_MAX + 1, &len);
    ck_assert_ptr_null(loader_load_buffer("many.yaml", text, len, &err));
    ck_assert_str_eq(err.message, "too many steps (at most 100000)");
    ck_assert_uint_eq(err.line, 2);
    ck_assert_uint_eq(err.column, 9 + 8 * SCENARIO_STEPS_MAX);
    free(text);
}
END_TEST

START_TEST(test_scenario_error_format_truncates_like_snprintf)
{
    struct scenario_error err = {"f.yaml", 3, 14, "bad"};
    char out[8];
    ck_assert_uint_eq(scenario_error_format(&err, out, sizeof out), strlen("f.yaml:3:14: bad"));
    ck_assert_str_eq(out, "f.yaml:");
}
END_TEST

START_TEST(test_scenario_names_enum_values)
{
    ck_assert_str_eq(scenario_step_name(SCENARIO_STEP_SEND_RAW), "send_raw");
    ck_assert_str_eq(scenario_step_name(SCENARIO_STEP_NOTE), "note");
    ck_assert_str_eq(scenario_target_name(SCENARIO_TARGET_MODEL), "model");
    ck_assert_str_eq(scenario_conflict_name(SCENARIO_CONFLICT_RANDOM_RESOURCE), "random-resource");
    ck_assert_str_eq(scenario_subscription_name(SCENARIO_SUBSCRIPTION_FROM), "from");
    ck_assert_str_eq(scenario_ask_name(SCENARIO_ASK_SUBSCRIBE), "subscribe");
    ck_assert_str_eq(scenario_show_name(SCENARIO_SHOW_XA), "xa");
}
END_TEST

Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *bad = tcase_create("bad files");
    tcase_add_loop_test(bad, test_scenario_rejects_bad_file_with_expected_message, 0,
                        (int)COUNT(bad_files));
    tcase_add_test(bad, test_scenario_bad_fixture_table_lists_every_file);
    tcase_add_test(bad, test_scenario_limits_steps);
    suite_add_tcase(s, bad);

    TCase *good = tcase_create("good files");
    tcase_add_test(good, test_scenario_loads_top_level_keys);
    tcase_add_test(good, test_scenario_loads_server);
    tcase_add_test(good, test_scenario_profile_given_wins_over_command_line);
    tcase_add_test(good, test_scenario_loads_accounts_and_rosters);
    tcase_add_test(good, test_scenario_lists_declared_then_implicit_clients);
    tcase_add_test(good, test_scenario_loads_step_kinds_clients_and_lines);
    tcase_add_test(good, test_scenario_loads_connect_auth_register_arguments);
    tcase_add_test(good, test_scenario_loads_send_and_receive);
    tcase_add_test(good, test_scenario_loads_directives);
    tcase_add_test(good, test_scenario_loads_every_check_key);
    tcase_add_test(good, test_scenario_defaults_when_only_required_keys);
    tcase_add_test(good, test_scenario_captures_bind_variables_for_later_steps);
    tcase_add_test(good, test_scenario_accepts_anchors_and_null_collections);
    tcase_add_loop_test(good, test_scenario_parses_durations, 0, (int)COUNT(durations));
    tcase_add_loop_test(good, test_scenario_check_records_each_given_key, 0,
                        (int)COUNT(check_bodies));
    tcase_add_test(good, test_scenario_variables_name_any_client_domain_or_capture);
    tcase_add_test(good, test_scenario_indexes_many_clients_and_captures);
    suite_add_tcase(s, good);

    TCase *edge = tcase_create("robustness");
    tcase_set_timeout(edge, 30);
    tcase_add_test(edge, test_scenario_finds_duplicate_in_a_large_mapping);
    tcase_add_test(edge, test_scenario_survives_deep_nesting);
    tcase_add_test(edge, test_scenario_loads_a_buffer_without_terminator);
    tcase_add_test(edge, test_scenario_reports_an_unreadable_file_without_position);
    tcase_add_test(edge, test_scenario_error_format_truncates_like_snprintf);
    tcase_add_test(edge, test_scenario_names_enum_values);
    suite_add_tcase(s, edge);
    return s;
}
