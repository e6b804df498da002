/* specmap: rule ids read from SEMANTICS-like text, citations read from
 * scenarios' spec: entries, and the text and JSON maps written from them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario/scenario.h"
#include "base/count.h"
#include "base/mem.h"
#include "cli/specmap_cmd.h"
#include "report/specmap.h"
#include "scenario/loader.h"
#include "suites.h"


static const char semantics[] =
    "# SEMANTICS\n"
    "**0.5 Addresses.** Localpart and domain compare case-insensitively.\n"
    "**S1.** A new TCP connection creates an `unauthenticated` session.\n"
    "text **S9.** not at the start of a line\n"
    "**[obs]** not an id\n"
    "**P7.** An unavailable broadcast does P4 steps 1-3 even if X was never available, "
    "then clears X's availability and much more text after that.\n"
    "**R18. State table** (U's state for C)\n"
    "**S1.** a second S1 is ignored\n"
    "**P10** no dot: not a rule\n";

/* A scenario citing spec entries (NULL-terminated). */
static struct scenario *citing(const char *const *spec)
{
    char yaml[1024] = "scenario: t\nspec: [";
    for (size_t i = 0; spec[i] != NULL; i++) {
        strcat(yaml, i ? ", \"" : "\"");
        strcat(yaml, spec[i]);
        strcat(yaml, "\"");
    }
    strcat(yaml, "]\nsteps:\n  - note: x\n");
    struct scenario_error err;
    struct scenario *s = loader_load_buffer("t.yaml", yaml, strlen(yaml), &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    return s;
}

static void add(struct specmap *m, const char *path, const char *const *spec)
{
    struct scenario *s = citing(spec);
    specmap_add_scenario(m, path, s);
    scenario_free(s);
}

/* What the map writes (the caller frees it). A copy of the stream's
 * buffer: gcc -O3 takes pointers into the buffer open_memstream filled
 * through a local's address for pointers to that local. */
static char *written(const struct specmap *m, bool json)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert(json ? specmap_write_json(m, f) : specmap_write_text(m, f));
    fclose(f);
    char *copy = mem_strndup(text, len);
    free(text);
    return copy;
}

static void assert_has(const char *text, const char *const *needles, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strstr(text, needles[i]) != NULL, "no \"%s\" in\n%s", needles[i], text);
}

START_TEST(test_rules_are_read_in_document_order)
{
    struct specmap *m = specmap_new();
    ck_assert_uint_eq(specmap_add_rules(m, "SEM.md", semantics, strlen(semantics)), 4);
    ck_assert_uint_eq(specmap_rule_count(m), 4);
    ck_assert_uint_eq(specmap_covered_count(m), 0);
    char *text = written(m, false);
    static const char *const needles[] = {
        "SEMANTICS rules cited by 0 scenarios (ids from SEM.md)\n"
        "0.5     0  Addresses. Localpart and domain compare case-insensitively.\n"
        "S1      0  A new TCP connection creates an unauthenticated session.\n"
        "P7      0  An unavailable broadcast does P4 steps 1-3 even if X was never...\n"
        "R18     0  State table (U's state for C)\n",
        "rules no scenario cites: 0.5 S1 P7 R18\n", "covered: 0 of 4 rule ids (0.0%)\n"};
    assert_has(text, needles, COUNT(needles));
    ck_assert_ptr_null(strstr(text, "S9"));
    ck_assert_ptr_null(strstr(text, "P10"));
    free(text);
    specmap_free(m);
}
END_TEST

START_TEST(test_citations_are_mapped_and_unknown_ids_listed)
{
    struct specmap *m = specmap_new();
    specmap_add_rules(m, "SEM.md", semantics, strlen(semantics));
    add(m, "a.yaml", (const char *const[]){"SEMANTICS P7", "RFC 6121 4.5.2", "SEMANTICS 0.5",
                                           NULL});
    add(m, "b.yaml", (const char *const[]){"SEMANTICS P7, R18 and more", "SEMANTICS P7",
                                           "SEMANTICS Z9", "semantics S1", NULL});
    ck_assert_uint_eq(specmap_rule_count(m), 4);
    ck_assert_uint_eq(specmap_covered_count(m), 3);
    char *text = written(m, false);
    static const char *const needles[] = {
        "cited by 2 scenarios", "P7      2  An unavailable",
        "            a.yaml\n            b.yaml\nR18     1",
        "rules no scenario cites: S1\n",
        "cited ids that SEMANTICS.md does not have: Z9 (b.yaml)\n",
        "covered: 3 of 4 rule ids (75.0%)\n"};
    assert_has(text, needles, COUNT(needles));
    free(text);
    char *json = written(m, true);
    static const char *const keys[] = {
        "\"semantics\": \"SEM.md\"", "\"scenarios\": 2",
        "{\"id\": \"P7\", \"summary\": \"An unavailable broadcast",
        "\"scenarios\": [\"a.yaml\", \"b.yaml\"]}", "\"uncited\": [\"S1\"]",
        "\"unknown\": [\n    {\"id\": \"Z9\", \"scenarios\": [\"b.yaml\"]}\n  ]",
        "\"covered\": 3,\n  \"total\": 4\n}"};
    assert_has(json, keys, COUNT(keys));
    free(json);
    specmap_free(m);
}
END_TEST

START_TEST(test_without_a_document_cited_ids_are_sorted_by_section)
{
    struct specmap *m = specmap_new();
    add(m, "a.yaml", (const char *const[]){"SEMANTICS I3", "SEMANTICS P10", "SEMANTICS A2",
                                           "SEMANTICS P2", "SEMANTICS 0.5", "SEMANTICS S1",
                                           "SEMANTICS Q1", NULL});
    char *text = written(m, false);
    const char *order[] = {"\n0.5 ", "\nS1 ", "\nA2 ", "\nP2 ", "\nP10 ", "\nI3 ", "\nQ1 "};
    const char *last = text;
    for (size_t i = 0; i < COUNT(order); i++) {
        const char *at = strstr(text, order[i]);
        ck_assert_msg(at != NULL && at > last, "%s out of order in\n%s", order[i], text);
        last = at;
    }
    static const char *const needles[] = {"no SEMANTICS.md read", "covered: 7 of 7"};
    assert_has(text, needles, COUNT(needles));
    free(text);
    specmap_free(m);
}
END_TEST

START_TEST(test_command_writes_json)
{
    char sem[] = "/tmp/specmap-semXXXXXX", json[] = "/tmp/specmap-jsonXXXXXX";
    int fd = mkstemp(sem);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, semantics, strlen(semantics)), (int)strlen(semantics));
    close(fd);
    fd = mkstemp(json);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char *argv[] = {"coverage-map", "sim/tests/good", "--semantics", sem, "--json", json, NULL};
    FILE *saved = stdout;
    stdout = fopen("/dev/null", "w");
    int status = specmap_cmd_main(6, argv);
    fclose(stdout);
    stdout = saved;
    ck_assert_int_eq(status, 0);
    FILE *f = fopen(json, "r");
    char text[4096] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    ck_assert_msg(strstr(text, "\"scenarios\": [\"sim/tests/good/full.yaml\"]") != NULL, "%s",
                  text);
    char *bad[] = {"coverage-map", "--semantics", "/nonexistent/SEM.md", NULL};
    char *unknown[] = {"coverage-map", "--frobnicate", NULL};
    FILE *saved_err = stderr;
    stderr = fopen("/dev/null", "w");
    int missing = specmap_cmd_main(3, bad), usage = specmap_cmd_main(2, unknown);
    fclose(stderr);
    stderr = saved_err;
    ck_assert_int_eq(missing, 2);
    ck_assert_int_eq(usage, 2);
    unlink(sem);
    unlink(json);
}
END_TEST

Suite *specmap_suite(void)
{
    Suite *s = suite_create("specmap");
    TCase *tc = tcase_create("map");
    tcase_add_test(tc, test_rules_are_read_in_document_order);
    tcase_add_test(tc, test_citations_are_mapped_and_unknown_ids_listed);
    tcase_add_test(tc, test_without_a_document_cited_ids_are_sorted_by_section);
    tcase_add_test(tc, test_command_writes_json);
    suite_add_tcase(s, tc);
    return s;
}
