/* scansion: scripts translated into scenarios, judged by the text of the
 * YAML (it must load with the scenario loader) and by running it on the
 * model; bad scripts by the line and message of the error. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "run/runner.h"
#include "base/count.h"
#include "scenario/loader.h"
#include "scenario/scansion.h"
#include "scenario/scenario.h"
#include "suites.h"

#define NEEDLES_MAX 5

#define TWO_CLIENTS                       \
    "# Two clients\n"                     \
    "\n"                                  \
    "[Client] Romeo\n"                    \
    "\tjid: romeo@localhost\n"            \
    "\tpassword: password\n"              \
    "\n"                                  \
    "[Client] Juliet's phone\n"           \
    "\tjid: Juliet@localhost/mobile\n"    \
    "\tpassword: pw\n"                    \
    "\n"                                  \
    "-----\n"                             \
    "\n"

static const struct scansion_options plain_opt = {.source = "dir/t.scs"};

/* Translates script with opt; fails the test if it does not translate
 * or does not load. Returns the YAML (caller frees). */
static char *translate_ok(const char *script, const struct scansion_options *opt)
{
    struct scansion_error err;
    char *yaml = scansion_translate(script, strlen(script), opt, NULL, &err);
    ck_assert_msg(yaml != NULL, "line %lu: %s", err.line, err.message);
    struct scenario_error serr;
    struct scenario *s = loader_load_buffer("t.yaml", yaml, strlen(yaml), &serr);
    ck_assert_msg(s != NULL, "%lu:%lu: %s\n%s", serr.line, serr.column, serr.message, yaml);
    scenario_free(s);
    return yaml;
}

struct good_row {
    const char *name;
    const char *script;
    const char *needles[NEEDLES_MAX];
};

static const struct good_row good_rows[] = {
    {"clients, accounts and the title", TWO_CLIENTS "Romeo connects\n",
     {"scenario: \"Two clients (scansion t.scs)\"",
      "  romeo: {}\n  juliet: {password: \"pw\"}",
      "  juliet_phone: {account: juliet, resource: \"mobile\"}   # Juliet's phone",
      "leftovers: ignore", "  - romeo: connect\n"}},
    {"variables and wildcards", TWO_CLIENTS "Romeo sends:\n"
     "\t<message to=\"${Juliet's phone's full JID}\" type=\"chat\">\n"
     "\t\t<body>Hello ${Romeo's JID}</body>\n\t</message>\n\n"
     "Romeo receives:\n\t<iq id='{scansion:any}' type=\"result\"/>\n",
     {"{send: \"<message to='${juliet_phone.full}' type='chat'><body>Hello "
      "${romeo.jid}</body></message>\"}",
      "{receive: \"<iq id='{any}' type='result'/>\"}"}},
    {"comments become notes, joined into sentences", TWO_CLIENTS "# Act 1\n# Romeo "
     "arrives\n# and waits\n\n# Scene 2\nRomeo connects\n",
     {"  - note: \"Act 1. Romeo arrives and waits\"\n  - note: \"Scene 2\"\n  - romeo: connect"}},
    {"receives without a colon, receives: nothing", TWO_CLIENTS "Romeo receives\n"
     "\t<presence/>\nRomeo receives: nothing\n",
     {"romeo: {receive: \"<presence/>\"}", "romeo: {receive: nothing}"}},
    {"two stanzas in one body", TWO_CLIENTS "Romeo sends:\n\t<presence/>\n"
     "\t<message to='a@localhost'><body>x</body></message>\nRomeo receives:\n"
     "\t<presence/>\n\t<presence type='unavailable'/>\n",
     {"{send: \"<presence/>\"}\n  - romeo: {send: \"<message to='a@localhost'>",
      "{receive: \"<presence/>\"}\n  - romeo: {receive: \"<presence type='unavailable'/>\"}"}},
    {"double quotes kept where a value holds an apostrophe", TWO_CLIENTS "Romeo sends:\n"
     "\t<message><body a=\"it's\">\"hi\"</body></message>\n",
     {"{send: \"<message><body a=\\\"it's\\\">\\\"hi\\\"</body></message>\"}"}},
    {"disconnect after an account removal, twice", TWO_CLIENTS "Romeo connects\n"
     "Romeo sends:\n\t<iq type='set' id='x'><query xmlns='jabber:iq:register'>"
     "<remove/></query></iq>\nRomeo disconnects\nRomeo disconnects\n",
     {"  - romeo: {receive: closed}", "  # Romeo disconnects: not connected, nothing to do"}},
    {"plain disconnect", TWO_CLIENTS "Romeo connects\nRomeo disconnects\n",
     {"  - romeo: close\n"}},
    {"scansion attributes dropped, captures", TWO_CLIENTS "Romeo receives:\n"
     "\t<iq id=\"{scansion:capture:n}\" scansion:strict=\"false\"><x xmlns='y' "
     "scansion:strict='true'/></iq>\nRomeo sends:\n\t<iq id='{scansion:capture:n}' "
     "type='result'/>\n",
     {"{receive: \"<iq id='{capture:n}'><x xmlns='y'/></iq>\"}",
      "{send: \"<iq id='${n}' type='result'/>\"}"}},
    {"metadata and other comments", "# Title\n# more words\n"
     "# mod_scansion_record on host 'localhost' recording started 2022\n"
     "[Client] A\n\tjid: a@example.org\n-----\n// vim: x\n-- lua comment\nA connects\n"
     "# recording ended on 2022\n",
     {"  more words\n", "  Script metadata: recording ended on 2022\n",
      "server: {domain: example.org}", "  a: {account: a}   # A"}},
    {"client names that are step words or repeat", "[Client] Note\n\tjid: a@localhost\n"
     "[Client] note!\n\tjid: b@localhost\n[Client] 7\n\tjid: c@localhost\n-----\n"
     "Note connects\nnote! connects\n7 connects\n",
     {"  note_: {account: a}", "  note__2: {account: b}", "  7client: {account: c}"}},
};

START_TEST(test_translates)
{
    const struct good_row *row = &good_rows[_i];
    char *yaml = translate_ok(row->script, &plain_opt);
    for (size_t k = 0; k < NEEDLES_MAX && row->needles[k] != NULL; k++)
        ck_assert_msg(strstr(yaml, row->needles[k]) != NULL, "%s: no \"%s\" in\n%s",
                      row->name, row->needles[k], yaml);
    free(yaml);
}
END_TEST

struct bad_row {
    const char *script;
    unsigned long line;
    const char *message;
};

static const struct bad_row bad_rows[] = {
    {"[Room] x\n-----\n", 1, "unsupported object '[Room] x'"},
    {"[Client] A\n\tpassword: x\n-----\n", 1, "A has no jid"},
    {"[Client] A\n\tjid: localhost\n-----\n", 2, "jid 'localhost' of A must be user@domain"},
    {"[Client] A\n\tjid: a@localhost\n\tcolour: red\n-----\n", 3, "unsupported key 'colour'"},
    {"[Client] A\n\tjid: a@localhost\nA connects\n", 3, "expected a comment, a [Client]"},
    {"[Client] A\n\tjid: a@localhost\n", 2, "no line of dashes"},
    {"# t\n-----\n", 2, "no [Client] declared"},
    {"[Client] A\n\tjid: a@x\n[Client] B\n\tjid: b@y\n-----\nA connects\n", 3,
     "B is on domain 'y', A on 'x'"},
    {"[Client] A\n\tjid: a@x\n\tpassword: 1\n[Client] B\n\tjid: a@x/r\n-----\n", 4,
     "A and B share account 'a' with different passwords"},
    {TWO_CLIENTS "Mercutio connects\n", 13, "does not start with a declared client's name"},
    {TWO_CLIENTS "Romeo dances\n", 13, "unknown action 'dances'"},
    {TWO_CLIENTS "Romeo connects:\n\t<presence/>\n", 13, "connects takes no text"},
    {TWO_CLIENTS "Romeo sends:\n", 13, "Romeo sends: needs a stanza"},
    {TWO_CLIENTS "Romeo sends:\n\t<presence>\n", 13, "bad XML in sends"},
    {TWO_CLIENTS "Romeo sends:\n\t<presence to='${Tybalt's JID}'/>\n", 14,
     "unknown client 'Tybalt'"},
    {TWO_CLIENTS "Romeo sends:\n\t<presence to='${Romeo's nick}'/>\n", 14,
     "unsupported variable ${Romeo's nick}"},
    {TWO_CLIENTS "Romeo sends:\n\t<presence to='{scansion:some}'/>\n", 14,
     "unsupported wildcard '{scansion:some}'"},
    {TWO_CLIENTS "\t<presence/>\n", 13, "indented text outside"},
    {TWO_CLIENTS "# only a comment\n", 13, "no actions to translate"},
    {TWO_CLIENTS "# caf\xe9\nRomeo connects\n", 0, "the script is not valid UTF-8"},
};

START_TEST(test_rejects)
{
    int i = _i;
    const struct bad_row *row = &bad_rows[i];
    struct scansion_error err;
    char *yaml = scansion_translate(row->script, strlen(row->script), &plain_opt, NULL, &err);
    ck_assert_msg(yaml == NULL, "row %d translated:\n%s", i, yaml ? yaml : "");
    ck_assert_uint_eq(err.line, row->line);
    ck_assert_msg(strstr(err.message, row->message) != NULL, "row %d: \"%s\" lacks \"%s\"", i,
                  err.message, row->message);
}
END_TEST

/* A Prosody-like script runs and passes on the model. */
START_TEST(test_translation_runs_on_the_model)
{
    static const char script[] = TWO_CLIENTS
        "Romeo connects\n\nJuliet's phone connects\n\n"
        "Romeo sends:\n\t<presence/>\n\nRomeo receives:\n\t<presence from=\"${Romeo's full JID}\"/>\n\n"
        "Romeo sends:\n\t<message to=\"${Juliet's phone's full JID}\" type=\"chat\">\n"
        "\t\t<body>Hi</body>\n\t</message>\n\n"
        "Juliet's phone receives:\n\t<message from=\"${Romeo's full JID}\" type=\"chat\">\n"
        "\t\t<body>Hi</body>\n\t</message>\n\nRomeo disconnects\n";
    char *yaml = translate_ok(script, &plain_opt);
    struct scenario *s = loader_load_buffer("t.yaml", yaml, strlen(yaml), NULL);
    struct runner_result res;
    runner_run(s, NULL, &res);
    ck_assert_msg(res.outcome == RUNNER_PASS, "%s\n%s", res.message ? res.message : "", yaml);
    runner_result_free(&res);
    scenario_free(s);
    free(yaml);
}
END_TEST

START_TEST(test_options_shape_the_document)
{
    static const char *const tags[] = {"presence"};
    static const char *const spec[] = {"SEMANTICS P4"};
    static const struct scansion_insert inserts[] = {{14, "romeo: {receive: nothing}"}};
    struct scansion_options opt = {.source = "a/b.scs", .command = "sessim import-scansion x",
                                   .tags = tags, .ntags = 1, .spec = spec, .nspec = 1,
                                   .until = 16, .note = "Why the rest is left out.",
                                   .inserts = inserts, .ninserts = 1};
    char *yaml = translate_ok(TWO_CLIENTS "Romeo connects\nRomeo disconnects\n# cut\n"
                                          "Romeo connects\n# recording ended on 2020\n",
                              &opt);
    static const char *const needles[] = {
        "# Imported from the scansion script a/b.scs\n",
        "# Regenerate with:\n#   sessim import-scansion x\n",
        "scenario: \"Two clients (scansion b.scs before line 16)\"",
        "Only the actions before line 16 of",
        "\n  Why the rest is left out.\n",
        "  Script metadata: recording ended on 2020\n",
        "tags: [scansion, presence]\nspec: [\"SEMANTICS P4\"]\n",
        "  - romeo: close\n  - romeo: {receive: nothing}   # inserted, not in the script\n"};
    for (size_t k = 0; k < COUNT(needles); k++)
        ck_assert_msg(strstr(yaml, needles[k]) != NULL, "no \"%s\" in\n%s", needles[k], yaml);
    ck_assert_ptr_null(strstr(yaml, "cut"));
    const char *first = strstr(yaml, "romeo: connect");
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_null(strstr(first + 1, "romeo: connect"));
    free(yaml);
}
END_TEST

START_TEST(test_insert_on_a_line_without_an_action_fails)
{
    static const struct scansion_insert inserts[] = {{12, "romeo: {receive: nothing}"}};
    struct scansion_options opt = {.source = "t.scs", .inserts = inserts, .ninserts = 1};
    struct scansion_error err;
    const char *script = TWO_CLIENTS "Romeo connects\n";
    ck_assert_ptr_null(scansion_translate(script, strlen(script), &opt, NULL, &err));
    ck_assert_msg(strstr(err.message, "no translated action") != NULL, "%s", err.message);
}
END_TEST

START_TEST(test_translation_is_deterministic_and_nul_is_refused)
{
    const char *script = TWO_CLIENTS "Romeo connects\nRomeo sends:\n\t<presence/>\n";
    char *a = translate_ok(script, &plain_opt);
    char *b = translate_ok(script, &plain_opt);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    struct scansion_error err;
    ck_assert_ptr_null(scansion_translate("a\0b", 3, &plain_opt, NULL, &err));
    ck_assert_str_eq(err.message, "the script contains a NUL byte");
}
END_TEST

/* What a script needs that the model lacks: the first stanza of each
 * service, with its line; none for what the model has or only routes. */
static const struct {
    const char *actions;
    size_t n, stanzas;
    unsigned long line;           /* of the first need */
    const char *what;
} needs_rows[] = {
    {"Romeo sends:\n\t<presence to='room@conference.localhost/Romeo'>"
     "<x xmlns='http://jabber.org/protocol/muc'/></presence>\n"
     "Romeo receives:\n\t<presence from='room@conference.localhost/Romeo'/>\n",
     1, 2, 13, "a stanza to conference.localhost (MUC, XEP-0045)"},
    {"Romeo connects\nRomeo sends:\n\t<iq type='get' id='v'><query xmlns='jabber:iq:version'/></iq>\n"
     "Romeo receives:\n\t<iq type='result' id='v'><query xmlns='jabber:iq:version'/></iq>\n",
     1, 2, 14, "an iq in jabber:iq:version (software version, XEP-0092)"},
    {"Romeo sends:\n\t<iq type='set' id='x' to=\"${Juliet's phone's JID}\"><frob xmlns='urn:example:frob'/></iq>\n",
     1, 1, 13, "an iq in urn:example:frob (not implemented)"},
    {"Romeo receives:\n\t<message from='localhost'><event xmlns='http://jabber.org/protocol/pubsub#event'/></message>\n",
     1, 1, 13, "to receive <message> in http://jabber.org/protocol/pubsub#event (pubsub, XEP-0060)"},
    {"Romeo sends:\n\t<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>\n"
     "Romeo sends:\n\t<iq type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>\n"
     "Romeo sends:\n\t<presence><x xmlns='vcard-temp:x:update'/></presence>\n"
     "Romeo receives:\n\t<presence from=\"${Romeo's full JID}\"><x xmlns='vcard-temp:x:update'/></presence>\n"
     "Romeo sends:\n\t<iq type='get' id='q' to=\"${Juliet's phone's full JID}\"><query xmlns='jabber:iq:version'/></iq>\n",
     0, 0, 0, NULL},
};

START_TEST(test_needs_name_what_the_model_lacks)
{
    struct buf script = {0};
    buf_puts(&script, TWO_CLIENTS);
    buf_puts(&script, needs_rows[_i].actions);
    struct scansion_needs needs;
    struct scansion_error err;
    char *yaml = scansion_translate(script.data, script.len, &plain_opt, &needs, &err);
    ck_assert_msg(yaml != NULL, "line %lu: %s", err.line, err.message);
    ck_assert_uint_eq(needs.n, needs_rows[_i].n);
    ck_assert_uint_eq(needs.stanzas, needs_rows[_i].stanzas);
    if (needs_rows[_i].what != NULL) {
        ck_assert_uint_eq(needs.items[0].line, needs_rows[_i].line);
        ck_assert_str_eq(needs.items[0].what, needs_rows[_i].what);
    }
    free(yaml);
    buf_free(&script);
}
END_TEST

Suite *scansion_suite(void)
{
    Suite *s = suite_create("scansion");
    TCase *tc = tcase_create("translate");
    tcase_add_loop_test(tc, test_translates, 0, (int)COUNT(good_rows));
    tcase_add_loop_test(tc, test_rejects, 0, (int)COUNT(bad_rows));
    tcase_add_test(tc, test_translation_runs_on_the_model);
    tcase_add_test(tc, test_options_shape_the_document);
    tcase_add_test(tc, test_insert_on_a_line_without_an_action_fails);
    tcase_add_test(tc, test_translation_is_deterministic_and_nul_is_refused);
    tcase_add_loop_test(tc, test_needs_name_what_the_model_lacks, 0, (int)COUNT(needs_rows));
    suite_add_tcase(s, tc);
    return s;
}
