/* server_file: the --server FILE loader (keys, defaults, FILE:LINE:COL
 * errors), placeholder expansion with shell quoting, and which scenarios
 * fit a described server. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "live/server_file.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "suites.h"

static struct server_file *load(const char *text, char *err)
{
    return server_file_load_buffer("s.yaml", text, strlen(text), err, SERVER_FILE_ERROR_MAX);
}

START_TEST(test_server_file_full)
{
    char err[SERVER_FILE_ERROR_MAX] = "";
    struct server_file *sf = load("adapter: external\n"
                                  "domain: example.test\n"
                                  "pacing: roundtrip\n"
                                  "lifecycle:\n"
                                  "  start: \"run --dir {dir} --port {port}\"\n"
                                  "  stop: stop-it\n"
                                  "  reset: wipe {dir}\n"
                                  "accounts:\n"
                                  "  method: command\n"
                                  "  create: add {user}@{domain} {password}\n"
                                  "settings:\n"
                                  "  conflict: reject-new\n"
                                  "  tombstones: false\n",
                                  err);
    ck_assert_msg(sf != NULL, "%s", err);
    ck_assert_str_eq(sf->domain, "example.test");
    ck_assert_int_eq(sf->pacing, PACE_ROUNDTRIP);
    ck_assert(!sf->running);
    ck_assert_str_eq(sf->reset, "wipe {dir}");
    ck_assert_int_eq(sf->accounts, SERVER_FILE_ACCOUNTS_COMMAND);
    ck_assert_uint_eq(sf->given, SERVER_FILE_CONFLICT | SERVER_FILE_TOMBSTONES);
    ck_assert_int_eq(sf->conflict, SCENARIO_CONFLICT_REJECT_NEW);
    struct server_file_vars v = {.dir = "/t/d", .domain = "example.test", .user = "o'brien",
                                 .password = "p w"};
    struct buf out = {0};
    server_file_expand(sf->create, &v, &out);
    ck_assert_str_eq(buf_cstr(&out), "add 'o'\\''brien'@'example.test' 'p w'");
    buf_free(&out);
    server_file_free(sf);
}
END_TEST

static const struct {
    const char *text, *message;
} bad[] = {
    {"domain: [a]\nlifecycle: {running: true}\n", "s.yaml:1:9: 'domain' needs a non-empty string"},
    {"lifecycle: {running: true}\nfrob: 1\n", "s.yaml:2:1: unknown key 'frob' in the server file"},
    {"lifecycle:\n  running: yes\n", "s.yaml:2:12: 'running' needs true or false"},
    {"lifecycle:\n  start: go {nope}\n", "s.yaml:2:10: 'start': unknown placeholder '{nope}'"},
    {"lifecycle:\n  start: go {user}\n", "s.yaml:2:10: 'start': unknown placeholder '{user}'"},
    {"domain: x\n", "s.yaml:1:1: lifecycle needs running: true or a start command"},
    {"lifecycle: {running: true, start: go}\n", "exclude each other"},
    {"lifecycle: {running: true}\naccounts: {method: command}\n", "needs a create command"},
    {"lifecycle: {running: true}\naccounts: {method: files}\n",
     "s.yaml:2:20: 'method' is register or command"},
    {"lifecycle: {running: true}\nsettings: {conflict: kick}\n", "'conflict' is kick-old"},
    {"adapter: ejabberd\n", "'adapter' is external"},
    {"lifecycle: {running: true}\npacing: fast\n", "s.yaml:2:9: 'pacing' is roundtrip or settle"},
    {"lifecycle: {running: true}\nsettings: {profile: openfire}\n",
     "s.yaml:2:21: 'profile' is prosody, ejabberd or rfc"},
    {"- a\n", "s.yaml:1:1: the server file must be a mapping"},
    {"", "empty file"},
    {"a: [\n", "s.yaml:2:1: "},
};

START_TEST(test_server_file_bad)
{
    char err[SERVER_FILE_ERROR_MAX] = "";
    struct server_file *sf = load(bad[_i].text, err);
    ck_assert_ptr_null(sf);
    ck_assert_msg(strstr(err, bad[_i].message) != NULL, "got: %s", err);
}
END_TEST

static struct scenario *scenario_of(const char *text)
{
    struct scenario_error e;
    struct scenario *s = loader_load_buffer("t.yaml", text, strlen(text), &e);
    ck_assert_ptr_nonnull(s);
    return s;
}

START_TEST(test_server_file_fits)
{
    char err[SERVER_FILE_ERROR_MAX] = "";
    struct server_file *sf = load("lifecycle: {running: true}\n"
                                  "settings: {conflict: kick-old, tombstones: false, "
                                  "profile: ejabberd}\n", err);
    ck_assert_ptr_nonnull(sf);
    static const char *const cases[][2] = {
        {"scenario: a\nsteps:\n  - romeo: connect\n", ""},
        {"scenario: a\nserver: {domain: other.test}\nsteps:\n  - romeo: connect\n",
         "the scenario's domain is other.test, the server's localhost"},
        {"scenario: a\nserver: {conflict: reject-new}\nsteps:\n  - romeo: connect\n",
         "conflict: reject-new"},
        {"scenario: a\nsteps:\n  - romeo: connect\n  - romeo: unregister\n",
         "tombstones: true, the server has false"},
        {"scenario: a\nserver: {tombstones: false}\nsteps:\n  - romeo: connect\n"
         "  - romeo: unregister\n", ""},
        {"scenario: a\nserver: {profile: ejabberd}\nsteps:\n  - romeo: connect\n", ""},
        {"scenario: a\nserver: {profile: rfc}\nsteps:\n  - romeo: connect\n",
         "the scenario pins the rfc profile, the server follows ejabberd"},
        {"scenario: a\naccounts:\n  romeo: {roster: {juliet: {subscription: both}}}\n"
         "steps:\n  - romeo: connect\n", "a contact that is no account"},
        {"scenario: a\naccounts:\n  romeo: {roster: {juliet: {subscription: both}}}\n"
         "  juliet: {roster: {romeo: {subscription: to}}}\nsteps:\n  - romeo: connect\n",
         "does not mirror"},
        {"scenario: a\naccounts:\n  romeo: {roster: {juliet: {subscription: to}}}\n"
         "  juliet: {roster: {romeo: {subscription: from}}}\nsteps:\n  - romeo: connect\n", ""},
        {"scenario: a\naccounts:\n  romeo: {roster: {nurse: {subscription: none}}}\n"
         "steps:\n  - romeo: connect\n", ""},
        {"scenario: a\naccounts:\n  romeo: {roster: {juliet: {subscription: none, ask: subscribe}}}\n"
         "steps:\n  - romeo: connect\n", "a pending request"},
        {"scenario: a\nserver: {sm_hibernation: 4s}\nsteps:\n  - romeo: connect\n",
         "the scenario needs sm_hibernation: 4s; the server's resumption time is its own"},
        {"scenario: a\nserver: {sm_hibernation: 600s}\nsteps:\n  - romeo: connect\n", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct scenario *s = scenario_of(cases[i][0]);
        struct buf why = {0};
        bool fits = server_file_fits(sf, s, &why);
        ck_assert_int_eq(fits, cases[i][1][0] == '\0');
        ck_assert_msg(strstr(buf_cstr(&why), cases[i][1]) != NULL, "%zu: %s", i, buf_cstr(&why));
        buf_free(&why);
        scenario_free(s);
    }
    server_file_free(sf);
}
END_TEST

Suite *server_file_suite(void)
{
    Suite *s = suite_create("server_file");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_server_file_full);
    tcase_add_loop_test(tc, test_server_file_bad, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, test_server_file_fits);
    suite_add_tcase(s, tc);
    return s;
}
