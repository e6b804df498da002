/* Tests for sim/report: the collector and its exact JUnit, TAP, JSON and
 * summary output. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "suites.h"

static const char *const tags_lifecycle[] = {"lifecycle"};
static const char *const spec_lifecycle[] = {"RFC 6120 7"};
static const char *const tags_presence[] = {"presence", "close"};

/* Quotes, markup, a tab, a line break, U+0001 and U+00E9. */
static const struct report_entry fixture[] = {
    {.path = "scenarios/lifecycle/connect.yaml", .scenario = "Connect & bind",
     .tags = tags_lifecycle, .tags_len = 1, .spec = spec_lifecycle, .spec_len = 1,
     .outcome = REPORT_PASS},
    {.path = "scenarios/presence/drop.yaml",
     .scenario = "Contacts see <unavailable> on \"drop\" # 1", .tags = tags_presence,
     .tags_len = 2, .outcome = REPORT_FAIL,
     .message = "expected <presence type='unavailable'/>\n\tgot: nothing\x01 \xC3\xA9",
     .line = 12},
    {.path = "top.yaml", .scenario = "it's skipped", .outcome = REPORT_SKIP,
     .message = "target: model"},
    {.path = "scenarios/a/b.yaml", .scenario = "Clock", .outcome = REPORT_PASS,
     .skipped_steps = 2},
    {.path = "scenarios/roster/push.yaml", .scenario = "Roster push", .outcome = REPORT_FAIL,
     .message = "expected: <iq type='set'/>\nactual: nothing\npending: 2 stanzas"},
};

static const char junit_expected[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<testsuites tests=\"5\" failures=\"2\" errors=\"0\" time=\"0\">\n"
    "  <testsuite name=\"sessim\" tests=\"5\" failures=\"2\" errors=\"0\" skipped=\"1\" time=\"0\">\n"
    "    <testcase classname=\"scenarios/lifecycle\" name=\"scenarios/lifecycle/connect.yaml\" time=\"0\">\n"
    "      <system-out>title: Connect &amp; bind\n"
    "tag: lifecycle\n"
    "spec: RFC 6120 7\n"
    "</system-out>\n"
    "    </testcase>\n"
    "    <testcase classname=\"scenarios/presence\" name=\"scenarios/presence/drop.yaml\" time=\"0\">\n"
    "      <failure message=\"expected &lt;presence type=&apos;unavailable&apos;/&gt;\">expected &lt;presence type='unavailable'/&gt;\n"
    "\tgot: nothing#x01 \xC3\xA9</failure>\n"
    "      <system-out>title: Contacts see &lt;unavailable&gt; on \"drop\" # 1\n"
    "tag: presence\n"
    "tag: close\n"
    "</system-out>\n"
    "    </testcase>\n"
    "    <testcase classname=\"sessim\" name=\"top.yaml\" time=\"0\">\n"
    "      <skipped message=\"target: model\"/>\n"
    "      <system-out>title: it's skipped\n"
    "</system-out>\n"
    "    </testcase>\n"
    "    <testcase classname=\"scenarios/a\" name=\"scenarios/a/b.yaml\" time=\"0\">\n"
    "      <system-out>title: Clock\n"
    "skipped steps: 2\n"
    "</system-out>\n"
    "    </testcase>\n"
    "    <testcase classname=\"scenarios/roster\" name=\"scenarios/roster/push.yaml\" time=\"0\">\n"
    "      <failure message=\"expected: &lt;iq type=&apos;set&apos;/&gt;\">expected: &lt;iq type='set'/&gt;\n"
    "actual: nothing\n"
    "pending: 2 stanzas</failure>\n"
    "      <system-out>title: Roster push\n"
    "</system-out>\n"
    "    </testcase>\n"
    "  </testsuite>\n"
    "</testsuites>\n";

static const char tap_expected[] =
    "TAP version 13\n"
    "1..5\n"
    "ok 1 - Connect & bind\n"
    "not ok 2 - Contacts see <unavailable> on \"drop\" \\# 1\n"
    "  ---\n"
    "  file: \"scenarios/presence/drop.yaml\"\n"
    "  line: 12\n"
    "  message: \"expected <presence type='unavailable'/>\\n\\tgot: nothing\\x01 \xC3\xA9\"\n"
    "  ...\n"
    "ok 3 - it's skipped # SKIP target: model\n"
    "ok 4 - Clock\n"
    "  ---\n"
    "  file: \"scenarios/a/b.yaml\"\n"
    "  skipped_steps: 2\n"
    "  ...\n"
    "not ok 5 - Roster push\n"
    "  ---\n"
    "  file: \"scenarios/roster/push.yaml\"\n"
    "  message: |-\n"
    "    expected: <iq type='set'/>\n"
    "    actual: nothing\n"
    "    pending: 2 stanzas\n"
    "  ...\n";

static const char json_expected[] =
    "{\n"
    "  \"summary\": {\"total\": 5, \"passed\": 2, \"failed\": 2, \"skipped\": 1},\n"
    "  \"results\": [\n"
    "    {\n"
    "      \"file\": \"scenarios/lifecycle/connect.yaml\",\n"
    "      \"scenario\": \"Connect & bind\",\n"
    "      \"tags\": [\"lifecycle\"],\n"
    "      \"spec\": [\"RFC 6120 7\"],\n"
    "      \"description\": null,\n"
    "      \"notes\": [],\n"
    "      \"outcome\": \"pass\",\n"
    "      \"skipped_steps\": 0,\n"
    "      \"line\": null,\n"
    "      \"message\": null\n"
    "    },\n"
    "    {\n"
    "      \"file\": \"scenarios/presence/drop.yaml\",\n"
    "      \"scenario\": \"Contacts see <unavailable> on \\\"drop\\\" # 1\",\n"
    "      \"tags\": [\"presence\", \"close\"],\n"
    "      \"spec\": [],\n"
    "      \"description\": null,\n"
    "      \"notes\": [],\n"
    "      \"outcome\": \"fail\",\n"
    "      \"skipped_steps\": 0,\n"
    "      \"line\": 12,\n"
    "      \"message\": \"expected <presence type='unavailable'/>\\n\\tgot: nothing\\u0001 "
    "\xC3\xA9\"\n"
    "    },\n"
    "    {\n"
    "      \"file\": \"top.yaml\",\n"
    "      \"scenario\": \"it's skipped\",\n"
    "      \"tags\": [],\n"
    "      \"spec\": [],\n"
    "      \"description\": null,\n"
    "      \"notes\": [],\n"
    "      \"outcome\": \"skip\",\n"
    "      \"skipped_steps\": 0,\n"
    "      \"line\": null,\n"
    "      \"message\": \"target: model\"\n"
    "    },\n"
    "    {\n"
    "      \"file\": \"scenarios/a/b.yaml\",\n"
    "      \"scenario\": \"Clock\",\n"
    "      \"tags\": [],\n"
    "      \"spec\": [],\n"
    "      \"description\": null,\n"
    "      \"notes\": [],\n"
    "      \"outcome\": \"pass\",\n"
    "      \"skipped_steps\": 2,\n"
    "      \"line\": null,\n"
    "      \"message\": null\n"
    "    },\n"
    "    {\n"
    "      \"file\": \"scenarios/roster/push.yaml\",\n"
    "      \"scenario\": \"Roster push\",\n"
    "      \"tags\": [],\n"
    "      \"spec\": [],\n"
    "      \"description\": null,\n"
    "      \"notes\": [],\n"
    "      \"outcome\": \"fail\",\n"
    "      \"skipped_steps\": 0,\n"
    "      \"line\": null,\n"
    "      \"message\": \"expected: <iq type='set'/>\\nactual: nothing\\npending: 2 stanzas\"\n"
    "    }\n"
    "  ]\n"
    "}\n";

/* Runs a writer into memory; the caller frees the text. */
static char *render(bool (*write)(const struct report *, FILE *), const struct report *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert(write(r, f));
    ck_assert_int_eq(fclose(f), 0);
    return text;
}

static struct report *report_of(const struct report_entry *e, size_t n)
{
    struct report *r = report_new();
    for (size_t i = 0; i < n; i++)
        report_add(r, &e[i]);
    return r;
}

/* Writes n entries with one writer; the whole text must be expected, or
 * with partial, contain it. */
static void check_output(bool (*write)(const struct report *, FILE *),
                         const struct report_entry *e, size_t n, const char *expected,
                         bool partial)
{
    struct report *r = report_of(e, n);
    char *text = render(write, r);
    if (partial)
        ck_assert_msg(strstr(text, expected) != NULL, "missing [%s] in [%s]", expected, text);
    else
        ck_assert_str_eq(text, expected);
    free(text);
    report_free(r);
}

static void assert_output(bool (*write)(const struct report *, FILE *),
                          const struct report_entry *e, size_t n, const char *expected)
{
    check_output(write, e, n, expected, false);
}

static void assert_output_has(bool (*write)(const struct report *, FILE *),
                              const struct report_entry *e, size_t n, const char *part)
{
    check_output(write, e, n, part, true);
}

#define ROWS(t) ((int)(sizeof(t) / sizeof((t)[0])))

struct writer_row {
    bool (*write)(const struct report *, FILE *);
    const char *expected;   /* for the fixture */
    const char *empty;      /* for a report with no entries */
};

static const struct writer_row writer_rows[] = {
    {report_write_junit, junit_expected,
     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
     "<testsuites tests=\"0\" failures=\"0\" errors=\"0\" time=\"0\">\n"
     "  <testsuite name=\"sessim\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0\">\n"
     "  </testsuite>\n</testsuites>\n"},
    {report_write_tap, tap_expected, "TAP version 13\n1..0\n"},
    {report_write_json, json_expected,
     "{\n  \"summary\": {\"total\": 0, \"passed\": 0, \"failed\": 0, \"skipped\": 0},\n"
     "  \"results\": []\n}\n"},
    {report_write_summary, "2 passed, 2 failed, 1 skipped\n", "0 passed, 0 failed\n"},
};

START_TEST(test_report_writer_output_is_exact)
{
    const struct writer_row *row = &writer_rows[_i];
    assert_output(row->write, fixture, ROWS(fixture), row->expected);
}
END_TEST

START_TEST(test_report_writer_empty_report)
{
    const struct writer_row *row = &writer_rows[_i];
    assert_output(row->write, NULL, 0, row->empty);
}
END_TEST

START_TEST(test_report_summary_omits_zero_skips)
{
    assert_output(report_write_summary, fixture, 2, "1 passed, 1 failed\n");
}
END_TEST

START_TEST(test_report_copies_entries)
{
    char path[] = "x/y.yaml", name[] = "Name", tag[] = "t";
    const char *tags[] = {tag};
    struct report_entry e = {.path = path, .scenario = name, .tags = tags, .tags_len = 1,
                             .outcome = REPORT_SKIP};
    struct report *r = report_new();
    report_add(r, &e);
    path[0] = name[0] = tag[0] = '?';
    const struct report_entry *got = report_get(r, 0);
    ck_assert_str_eq(got->path, "x/y.yaml");
    ck_assert_str_eq(got->scenario, "Name");
    ck_assert_str_eq(got->tags[0], "t");
    ck_assert_ptr_null(got->message);
    ck_assert_ptr_null(report_get(r, 1));
    ck_assert_uint_eq(report_len(r), 1);
    ck_assert_uint_eq(report_count(r, REPORT_SKIP), 1);
    ck_assert_str_eq(report_outcome_name(got->outcome), "skip");
    report_free(r);
    report_free(NULL);
}
END_TEST

/* Bytes that are not UTF-8 (a stray byte, a truncated sequence, an overlong
 * form, a surrogate) and characters a format cannot carry. */
static const struct report_entry odd_entry = {
    .path = "odd.yaml", .scenario = "bad\xFF", .outcome = REPORT_FAIL,
    .message = "a\xC3 b\xC0\xAF c\xED\xA0\x80 d\xEF\xBF\xBE e\x7F f\xC2\x85 g\xF0\x9F\x98\x80\r\n"};

#define FFFD "\xEF\xBF\xBD"

struct odd_row {
    bool (*write)(const struct report *, FILE *);
    const char *name;       /* expected part of the output for the name */
    const char *message;    /* and for the message */
};

static const struct odd_row odd_rows[] = {
    {report_write_json,
     "      \"scenario\": \"bad" FFFD "\",\n",
     "      \"message\": \"a" FFFD " b" FFFD FFFD " c" FFFD FFFD FFFD " d\xEF\xBF\xBE e\x7F"
     " f\xC2\x85 g\xF0\x9F\x98\x80\\r\\n\"\n"},
    {report_write_junit, "title: bad" FFFD "\n",
     ">a" FFFD " b" FFFD FFFD " c" FFFD FFFD FFFD " d#xFFFE e\x7F f\xC2\x85"
     " g\xF0\x9F\x98\x80&#13;\n</failure>"},
    {report_write_tap, "not ok 1 - bad" FFFD "\n",
     "  message: \"a" FFFD " b" FFFD FFFD " c" FFFD FFFD FFFD " d\\uFFFE e\\x7F f\\x85"
     " g\xF0\x9F\x98\x80\\r\\n\"\n"},
};

START_TEST(test_report_escapes_odd_bytes)
{
    const struct odd_row *row = &odd_rows[_i];
    assert_output_has(row->write, &odd_entry, 1, row->name);
    assert_output_has(row->write, &odd_entry, 1, row->message);
}
END_TEST

/* TAP messages that a literal block would not read back exactly. */
struct yaml_row {
    const char *message;
    const char *expected;
};

static const struct yaml_row yaml_rows[] = {
    {"one line", "  message: |-\n    one line\n"},
    {"a\n\nb\tc", "  message: |-\n    a\n    \n    b\tc\n"},
    {" leading", "  message: \" leading\"\n"},
    {"trailing\n", "  message: \"trailing\\n\"\n"},
    {"x\n  ...\ny", "  message: \"x\\n  ...\\ny\"\n"},
    {"x\n---", "  message: \"x\\n---\"\n"},
    {"quote \" and \\", "  message: |-\n    quote \" and \\\n"},
    {"", "  message: \"\"\n"},
};

START_TEST(test_report_tap_message_forms)
{
    const struct yaml_row *row = &yaml_rows[_i];
    struct report_entry e = {.path = "p", .scenario = "s", .outcome = REPORT_FAIL,
                             .message = row->message};
    assert_output_has(report_write_tap, &e, 1, row->expected);
}
END_TEST

Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("report");
    tcase_add_loop_test(tc, test_report_writer_output_is_exact, 0, ROWS(writer_rows));
    tcase_add_loop_test(tc, test_report_writer_empty_report, 0, ROWS(writer_rows));
    tcase_add_test(tc, test_report_summary_omits_zero_skips);
    tcase_add_test(tc, test_report_copies_entries);
    tcase_add_loop_test(tc, test_report_escapes_odd_bytes, 0, ROWS(odd_rows));
    tcase_add_loop_test(tc, test_report_tap_message_forms, 0, ROWS(yaml_rows));
    suite_add_tcase(s, tc);
    return s;
}
