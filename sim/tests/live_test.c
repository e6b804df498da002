/* live: the generated Prosody config (loopback only, the SEMANTICS 0.8
 * knobs), the storage files, and the process handling, played with a
 * stand-in program instead of Prosody: one that exits at once, and one
 * that announces its port in the log and then sleeps until killed. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live/hostport.h"
#include "live/live.h"
#include "base/count.h"
#include "base/paths.h"
#include "suites.h"


static struct scenario_server server_default(void)
{
    static char domain[] = "localhost";
    return (struct scenario_server){domain, SCENARIO_CONFLICT_KICK_OLD, true, true, true,
                                    30ull * 24 * 3600 * 1000, SCENARIO_SM_HIBERNATION_MS,
                                    SCENARIO_SM_QUEUE_MAX, SCENARIO_PROFILE_PROSODY, false};
}

static char *config_of(const struct scenario_server *s, bool as_root)
{
    struct live_config c = {"/tmp/x", 5299, as_root, s};
    struct buf out = {0};
    live_config_text(&c, &out);
    buf_cstr(&out);
    return out.data;
}

/* ---- config ---- */

START_TEST(test_live_config_listens_on_loopback_only)
{
    struct scenario_server s = server_default();
    char *cfg = config_of(&s, false);
    ck_assert_ptr_nonnull(strstr(cfg, "\nc2s_ports = { 5299 }\n"));
    ck_assert_ptr_nonnull(strstr(cfg, "\ninterfaces = { \"127.0.0.1\" }\n"));
    ck_assert_ptr_nonnull(strstr(cfg, "\nc2s_interfaces = { \"127.0.0.1\" }\n"));
    ck_assert_ptr_nonnull(strstr(cfg, "\ns2s_ports = { }\n"));
    ck_assert_ptr_nonnull(strstr(cfg, "\nhttp_ports = { }\n"));
    ck_assert_ptr_nonnull(strstr(cfg, "\nc2s_direct_tls_ports = { }\n"));
    ck_assert_ptr_nonnull(strstr(cfg, "\nnetwork_settings = { nagle = false }\n"));
    /* every quoted string that starts with a digit is the loopback address */
    for (const char *p = strchr(cfg, '"'); p != NULL; p = strchr(p + 1, '"'))
        if (p[1] >= '0' && p[1] <= '9')
            ck_assert_int_eq(strncmp(p, "\"127.0.0.1\"", 11), 0);
    ck_assert_ptr_null(strstr(cfg, "run_as_root"));
    free(cfg);
}
END_TEST

START_TEST(test_live_config_semantics_defaults)
{
    struct scenario_server s = server_default();
    char *cfg = config_of(&s, true);
    static const char *const lines[] = {
        "\nrun_as_root = true\n",
        "\nc2s_require_encryption = false\n",
        "\nallow_unencrypted_plain_auth = true\n",
        "\nallow_registration = true\n",
        "\nuser_tombstone_expiry = 2592000\n",
        "\nconflict_resolve = \"kick_old\"\n",
        "\nauthentication = \"internal_plain\"\n",
        "\nstorage = \"internal\"\n",
        "\ngc = { mode = \"incremental\"; threshold = 400; speed = 200 }\n",
        "\ndata_path = \"/tmp/x/data\"\n",
        "\nlog = { info = \"/tmp/x/prosody.log\" }\n",
        "\"roster\"; \"saslauth\"; \"register\"; \"ping\"; \"smacks\"; \"tombstones\"; }\n",
        "\nsmacks_hibernation_time = 600\n",
        "\nmodules_disabled = { \"s2s\"; \"s2s_auth_certs\"; \"dialback\"; \"tls\"; \"posix\"; }\n",
        "\n\nVirtualHost \"localhost\"\n",
    };
    for (size_t i = 0; i < COUNT(lines); i++)
        ck_assert_msg(strstr(cfg, lines[i]) != NULL, "missing: %s", lines[i]);
    ck_assert_ptr_null(strstr(cfg, "min_seconds_between_registrations"));
    free(cfg);
}
END_TEST

static const struct {
    enum scenario_conflict conflict;
    const char *line;
} conflicts[] = {
    {SCENARIO_CONFLICT_KICK_OLD, "\nconflict_resolve = \"kick_old\"\n"},
    {SCENARIO_CONFLICT_REJECT_NEW, "\nconflict_resolve = \"kick_new\"\n"},
    {SCENARIO_CONFLICT_RANDOM_RESOURCE, "\nconflict_resolve = \"random\"\n"},
};

START_TEST(test_live_config_conflict_policy)
{
    struct scenario_server s = server_default();
    s.conflict = conflicts[_i].conflict;
    char *cfg = config_of(&s, false);
    ck_assert_ptr_nonnull(strstr(cfg, conflicts[_i].line));
    free(cfg);
}
END_TEST

START_TEST(test_live_config_knobs_off)
{
    struct scenario_server s = server_default();
    static char domain[] = "example.org";
    s.domain = domain;
    s.offline = false;
    s.registration = false;
    s.tombstones = false;
    char *cfg = config_of(&s, false);
    ck_assert_ptr_nonnull(strstr(cfg, " \"posix\"; \"offline\"; }\n"));
    ck_assert_ptr_nonnull(strstr(cfg, "\nallow_registration = false\n"));
    ck_assert_ptr_null(strstr(cfg, "tombstone"));
    ck_assert_ptr_nonnull(strstr(cfg, "\nVirtualHost \"example.org\"\n"));
    free(cfg);
}
END_TEST

START_TEST(test_live_config_custom_tombstone_expiry_in_seconds)
{
    struct scenario_server s = server_default();
    s.tombstone_expiry_ms = 2 * 3600 * 1000 + 1;
    char *cfg = config_of(&s, false);
    ck_assert_ptr_nonnull(strstr(cfg, "\nuser_tombstone_expiry = 7201\n"));
    free(cfg);
}
END_TEST

/* ---- storage text ---- */

static const struct {
    const char *in;
    const char *lua;
    const char *path;
} strings[] = {
    {"secret", "\"secret\"", "secret"},
    {"a\"b\\c", "\"a\\\"b\\\\c\"", "a%22b%5cc"},
    {"line\nnext", "\"line\\010next\"", "line%0anext"},
    {"example.org", "\"example.org\"", "example%2eorg"},
    {"romeo_x-1", "\"romeo_x-1\"", "romeo%5fx%2d1"},
};

START_TEST(test_live_text_escapes)
{
    struct buf lua = {0}, path = {0};
    live_lua_string(strings[_i].in, &lua);
    live_path_encode(strings[_i].in, &path);
    ck_assert_str_eq(buf_cstr(&lua), strings[_i].lua);
    ck_assert_str_eq(buf_cstr(&path), strings[_i].path);
    buf_free(&lua);
    buf_free(&path);
}
END_TEST

START_TEST(test_live_storage_files)
{
    struct buf acc = {0}, item = {0};
    live_account_text("pw", &acc);
    ck_assert_str_eq(buf_cstr(&acc), "return {\n\t[\"password\"] = \"pw\";\n};\n");
    static const char *const groups[] = {"Friends", "Verona"};
    struct target_roster_item it = {"Juliet@Localhost", SCENARIO_SUBSCRIPTION_BOTH,
                                    SCENARIO_ASK_SUBSCRIBE, "Jul", groups, 2};
    live_roster_item_text(&it, &item);
    ck_assert_str_eq(buf_cstr(&item),
                     "\t[\"juliet@localhost\"] = { [\"subscription\"] = \"both\"; [\"ask\"] = "
                     "\"subscribe\"; [\"name\"] = \"Jul\"; [\"groups\"] = { [\"Friends\"] = "
                     "true; [\"Verona\"] = true; }; };\n");
    buf_free(&acc);
    buf_free(&item);
}
END_TEST

/* ---- process handling with stand-ins ---- */

/* A program that writes what Prosody logs once it listens, then sleeps. */
static char *fake_prosody(const char *dir)
{
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/fake-prosody", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("#!/bin/sh\n"
          "d=$(dirname \"$2\")\n"
          "echo 'startup info Hello and welcome to Prosody version 9.8.7' > \"$d/prosody.log\"\n"
          "echo \"portmanager info Activated service 'c2s' on [127.0.0.1]\" >> \"$d/prosody.log\"\n"
          "exec sleep 60\n",
          f);
    fclose(f);
    chmod(path, 0755);
    return path;
}

static char *temp_dir(void)
{
    char *t = strdup("/tmp/sessim-live-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t));
    return t;
}

/* A log longer than one read: the message quotes its last lines. */
START_TEST(test_live_file_tail_reads_the_end_of_a_long_log)
{
    char path[] = "/tmp/sessim-live-tail-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 400; i++)
        fprintf(f, "info\tline %03d of the log\n", i);
    fputs("error\tthe last line\n", f);
    ck_assert_int_eq(fclose(f), 0);
    char out[LIVE_TAIL_MAX + 1];
    live_file_tail(path, out, sizeof out);
    unlink(path);
    ck_assert_uint_eq(strlen(out), LIVE_TAIL_MAX);
    ck_assert_ptr_nonnull(strstr(out, "line 399 of the log error the last line "));
    ck_assert_ptr_null(strstr(out, "line 000"));
    ck_assert_ptr_null(strchr(out, '\n'));
}
END_TEST

START_TEST(test_live_file_tail_of_a_missing_file_is_empty)
{
    char out[16] = "x";
    live_file_tail("/nonexistent/sessim/prosody.log", out, sizeof out);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_live_missing_program_is_an_error)
{
    char err[LIVE_ERROR_MAX];
    struct live *l = live_new("/nonexistent/prosody", NULL, 0, err, sizeof err);
    ck_assert_ptr_null(l);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/prosody"));
    l = live_new("sessim-no-such-program", NULL, 0, err, sizeof err);
    ck_assert_ptr_null(l);
    ck_assert_ptr_nonnull(strstr(err, "not found in PATH"));
}
END_TEST

START_TEST(test_live_program_that_exits_fails_the_start)
{
    char err[LIVE_ERROR_MAX];
    struct live *l = live_new("/bin/true", NULL, 0, err, sizeof err);
    ck_assert_ptr_nonnull(l);
    ck_assert_uint_gt(live_port(l), 0);
    struct scenario_server s = server_default();
    ck_assert(live_prepare(l, &s));
    ck_assert(!live_start(l));
    ck_assert_ptr_nonnull(strstr(live_error(l), "exited before listening"));
    ck_assert(!live_running(l));
    char *dir = strdup(live_dir(l));
    live_free(l);
    ck_assert_int_ne(access(dir, F_OK), 0);     /* its temporary directory is gone */
    free(dir);
}
END_TEST

static bool file_has(const char *path, const char *text)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, text) != NULL;
}

/* A fake Prosody in a new temporary directory and an instance of it, in
 * base/inst when named (else a temporary directory), on port (0: free
 * ones, with a spare). */
struct rig {
    char *base, *prog;
    struct live *l;
};

static struct live *rig_open(struct rig *r, bool named, unsigned port)
{
    char err[LIVE_ERROR_MAX], path[512];
    r->base = temp_dir();
    r->prog = fake_prosody(r->base);
    snprintf(path, sizeof path, "%s/inst", r->base);
    r->l = live_new(r->prog, named ? path : NULL, port, err, sizeof err);
    ck_assert_msg(r->l != NULL, "%s", err);
    return r->l;
}

static void rig_close(struct rig *r)
{
    live_free(r->l);
    paths_remove_tree(r->base);
    free(r->prog);
    free(r->base);
}

START_TEST(test_live_accounts_written_then_started_restarted_stopped)
{
    char path[512];
    struct rig r;
    struct live *l = rig_open(&r, true, 0);
    const char *base = r.base;
    struct scenario_server s = server_default();
    ck_assert(live_prepare(l, &s));
    ck_assert(live_account_create(l, "Romeo", "pw"));
    ck_assert(!live_account_create(l, "romeo", "other"));
    struct target_roster_item it = {"juliet@localhost", SCENARIO_SUBSCRIPTION_TO,
                                    SCENARIO_ASK_NONE, NULL, NULL, 0};
    ck_assert(live_roster_preset(l, "romeo", &it));
    ck_assert(!live_roster_preset(l, "nobody", &it));
    ck_assert(live_start(l));
    ck_assert(live_running(l));
    ck_assert_str_eq(live_version(l), "9.8.7");
    snprintf(path, sizeof path, "%s/inst/data/localhost/accounts/romeo.dat", base);
    ck_assert(file_has(path, "[\"password\"] = \"pw\";"));
    snprintf(path, sizeof path, "%s/inst/data/localhost/roster/romeo.dat", base);
    ck_assert(file_has(path, "[\"juliet@localhost\"] = { [\"subscription\"] = \"to\";"));
    ck_assert(!live_account_create(l, "late", "pw"));
    ck_assert(live_restart(l));
    ck_assert(file_has(path, "juliet@localhost"));   /* same data after a restart */
    ck_assert(live_prepare(l, &s));                  /* a clean server for the next scenario */
    ck_assert(!live_running(l));
    ck_assert_int_ne(access(path, F_OK), 0);
    live_free(l);
    r.l = NULL;
    snprintf(path, sizeof path, "%s/inst/prosody.cfg.lua", base);
    ck_assert_int_eq(access(path, F_OK), 0);         /* a named directory is kept */
    rig_close(&r);
}
END_TEST

/* The next clean server starts beside the current one (DIR.spare, its
 * own port) once that one listens; a prepare with the same settings takes
 * it, and its accounts are written into its data/ before the wait. */
START_TEST(test_live_spare_taken_by_the_same_settings)
{
    char path[512];
    struct rig r;
    struct live *l = rig_open(&r, true, 0);
    const char *base = r.base;
    struct scenario_server s = server_default();
    ck_assert(live_prepare(l, &s));
    ck_assert(live_start(l));                     /* no guess yet: no spare */
    snprintf(path, sizeof path, "%s/inst.spare/prosody.cfg.lua", base);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert(live_prepare(l, &s));
    ck_assert(!live_spare_taken(l));
    ck_assert(live_start(l));
    unsigned first = live_port(l);
    ck_assert(file_has(path, "c2s_ports"));       /* the spare was started */
    ck_assert(live_prepare(l, &s));
    ck_assert(live_spare_taken(l));
    ck_assert(!live_running(l));
    ck_assert_uint_ne(live_port(l), first);
    ck_assert_ptr_nonnull(strstr(live_dir(l), "/inst.spare"));
    ck_assert(live_account_create(l, "romeo", "pw"));
    ck_assert(live_start(l));
    ck_assert(live_running(l));
    ck_assert(!live_spare_taken(l));
    snprintf(path, sizeof path, "%s/inst.spare/data/localhost/accounts/romeo.dat", base);
    ck_assert(file_has(path, "[\"password\"] = \"pw\";"));
    ck_assert(live_prepare(l, &s));               /* back to the first directory */
    ck_assert_uint_eq(live_port(l), first);
    ck_assert_int_ne(access(path, F_OK), 0);      /* the last scenario's data is gone */
    ck_assert_uint_eq(live_spares_wasted(l), 0);
    rig_close(&r);
}
END_TEST

/* Other settings than the spare's: it is killed and the server starts
 * cold where the last one ran. */
START_TEST(test_live_spare_wasted_by_other_settings)
{
    struct rig r;
    struct live *l = rig_open(&r, false, 0);
    struct scenario_server s = server_default();
    for (int i = 0; i < 2; i++)
        ck_assert(live_prepare(l, &s) && live_start(l));
    unsigned first = live_port(l);
    s.registration = false;
    ck_assert(live_prepare(l, &s));
    ck_assert(!live_spare_taken(l));
    ck_assert_uint_eq(live_spares_wasted(l), 1);
    ck_assert_uint_eq(live_port(l), first);
    ck_assert(live_start(l));
    ck_assert(live_prepare(l, &s));               /* the new spare has these settings */
    ck_assert(live_spare_taken(l));
    ck_assert(live_start(l));
    for (int i = 0; i < 4; i++) {                 /* settings that change every time */
        s.offline = !s.offline;
        ck_assert(live_prepare(l, &s) && live_start(l));
    }
    ck_assert_uint_eq(live_spares_wasted(l), 3);  /* then no spare is started */
    rig_close(&r);
}
END_TEST

/* Settings the caller says ahead (live_expect), as the explorer does
 * for its next run: the spare starts from them, from the first prepare
 * on, however they change; the hint serves one prepare only. */
START_TEST(test_live_spare_from_the_expected_settings)
{
    struct rig r;
    struct live *l = rig_open(&r, false, 0);
    struct scenario_server s = server_default(), next = server_default();
    for (int i = 0; i < 4; i++) {
        next.offline = !s.offline;                /* other settings each time */
        live_expect(l, &next);
        ck_assert(live_prepare(l, &s));
        ck_assert_int_eq(live_spare_taken(l), i > 0);
        ck_assert(live_start(l));
        s = next;
    }
    ck_assert(live_prepare(l, &s));               /* as told: taken */
    ck_assert(live_spare_taken(l));
    ck_assert(live_start(l));
    ck_assert(live_prepare(l, &s));               /* no hint, and the guess has held */
    ck_assert(!live_spare_taken(l));              /* too rarely: nothing started, */
    ck_assert_uint_eq(live_spares_wasted(l), 0);  /* nothing wasted */
    rig_close(&r);
}
END_TEST

/* A port the caller fixes has no spare. */
START_TEST(test_live_no_spare_on_a_fixed_port)
{
    char err[LIVE_ERROR_MAX];
    unsigned port = hostport_free_port(err, sizeof err);
    ck_assert_uint_gt(port, 0);
    struct rig r;
    struct live *l = rig_open(&r, false, port);
    struct scenario_server s = server_default();
    for (int i = 0; i < 3; i++)
        ck_assert(live_prepare(l, &s) && live_start(l));
    ck_assert(live_prepare(l, &s));
    ck_assert(!live_spare_taken(l));
    ck_assert_uint_eq(live_port(l), port);
    rig_close(&r);
}
END_TEST

Suite *live_suite(void)
{
    Suite *s = suite_create("live");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_live_config_listens_on_loopback_only);
    tcase_add_test(tc, test_live_config_semantics_defaults);
    tcase_add_loop_test(tc, test_live_config_conflict_policy, 0, COUNT(conflicts));
    tcase_add_test(tc, test_live_config_knobs_off);
    tcase_add_test(tc, test_live_config_custom_tombstone_expiry_in_seconds);
    tcase_add_loop_test(tc, test_live_text_escapes, 0, COUNT(strings));
    tcase_add_test(tc, test_live_storage_files);
    tcase_add_test(tc, test_live_file_tail_reads_the_end_of_a_long_log);
    tcase_add_test(tc, test_live_file_tail_of_a_missing_file_is_empty);
    tcase_add_test(tc, test_live_missing_program_is_an_error);
    tcase_add_test(tc, test_live_program_that_exits_fails_the_start);
    tcase_add_test(tc, test_live_accounts_written_then_started_restarted_stopped);
    tcase_add_test(tc, test_live_spare_taken_by_the_same_settings);
    tcase_add_test(tc, test_live_spare_wasted_by_other_settings);
    tcase_add_test(tc, test_live_spare_from_the_expected_settings);
    tcase_add_test(tc, test_live_no_spare_on_a_fixed_port);
    suite_add_tcase(s, tc);
    return s;
}
