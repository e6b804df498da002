/* html: the report page from small scenarios run with recorded traffic,
 * judged by its text (markup, classes, escaping, determinism), and the
 * runner's recorded events it is drawn from. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "base/count.h"
#include "run/runner.h"
#include "scenario/loader.h"
#include "scenario/scenario.h"
#include "suites.h"


#define HEAD                                                 \
    "scenario: t <b>&amp;</b>\n"                             \
    "tags: [presence]\n"                                     \
    "spec: [\"SEMANTICS P4\"]\n"                             \
    "accounts: {romeo: {}, juliet: {}}\n"                    \
    "clients:\n"                                             \
    "  romeo: {account: romeo, resource: orchard}\n"         \
    "  romeo2: {account: romeo, resource: orchard}\n"        \
    "steps:\n"

#define PRESENCE                                                         \
    "  - romeo: connect\n"                                               \
    "  - romeo: {send: \"<presence/>\"}\n"                               \
    "  - romeo: {receive: \"<presence from='${romeo.full}'/>\"}\n"

static void run_yaml(const char *yaml, struct scenario **s, struct runner_result *res)
{
    struct scenario_error err;
    *s = loader_load_buffer("t.yaml", yaml, strlen(yaml), &err);
    ck_assert_msg(*s != NULL, "%lu: %s", err.line, err.message);
    struct runner_options opt = {.record = true};
    runner_run(*s, &opt, res);
}

/* The page for the scenarios (NULL-terminated YAML texts). */
static char *page(const char *const *yamls)
{
    struct html_report *h = html_report_new();
    for (size_t i = 0; yamls[i] != NULL; i++) {
        struct scenario *s;
        struct runner_result res;
        run_yaml(yamls[i], &s, &res);
        html_report_add(h, "dir/t.yaml", s, &res);
        runner_result_free(&res);
        scenario_free(s);
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert(html_report_write(h, f));
    fclose(f);
    html_report_free(h);
    return text;
}

static size_t occurrences(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

START_TEST(test_passing_scenario_has_lanes_arrows_and_marks)
{
    const char *const yamls[] = {HEAD PRESENCE, NULL};
    char *text = page(yamls);
    static const char *const needles[] = {
        "<!DOCTYPE html>", "<span class=\"o pass\">pass</span>", "<a href=\"#s1\">t &lt;b&gt;&amp;amp;",
        "<span class=\"tag\">presence</span>", "<span class=\"ref\">SEMANTICS P4</span>",
        ">romeo</text>", ">romeo2</text>", ">server</text>", ">romeo/orchard</text>",
        "class=\"t\">&lt;presence/&gt;</text>", "1  L9  romeo: connect",
        "receive &lt;presence from=&#39;${romeo.full}&#39;/&gt;", "connection 1 opened",
        "<details>"};
    for (size_t i = 0; i < COUNT(needles); i++)
        ck_assert_msg(strstr(text, needles[i]) != NULL, "no \"%s\"", needles[i]);
    /* The presence sent and its reflection; the harness traffic is compact. */
    ck_assert_uint_eq(occurrences(text, "class=\"a presence\""), 2);
    ck_assert_uint_ge(occurrences(text, " c\"/>"), 8);
    ck_assert_ptr_null(strstr(text, "class=\"bf\""));
    free(text);
}
END_TEST

START_TEST(test_failing_step_is_highlighted_with_expected_and_actual)
{
    const char *const yamls[] = {HEAD PRESENCE "  - romeo: {send: \"<presence type='unavailable'/>\"}\n"
                                               "  - romeo: {receive: \"<message/>\"}\n",
                                 NULL};
    char *text = page(yamls);
    static const char *const needles[] = {
        "<span class=\"o fail\">fail</span>", "<details open>", "class=\"bf\"",
        "class=\"l lf\">5  L13  romeo: receive</text>",
        "\xE2\x9C\x97 the next stanza does not match",
        "expected: &lt;message/&gt;",
        "actual:   &lt;presence type=&#39;unavailable&#39; from=&#39;romeo@localhost/orchard&#39;/&gt;",
        "<pre class=\"msg\">t.yaml:13: step 5 (romeo: receive)"};
    for (size_t i = 0; i < COUNT(needles); i++)
        ck_assert_msg(strstr(text, needles[i]) != NULL, "no \"%s\"", needles[i]);
    ck_assert_ptr_null(strstr(text, "recent traffic"));
    free(text);
}
END_TEST

START_TEST(test_stream_error_and_close_are_marked)
{
    const char *const yamls[] = {HEAD "  - romeo: connect\n  - romeo2: connect\n"
                                      "  - romeo: {receive: closed}\n"
                                      "leftovers: ignore\n",
                                 NULL};
    char *text = page(yamls);
    ck_assert_msg(strstr(text, "class=\"a error\"") != NULL, "no stream error arrow");
    ck_assert_msg(strstr(text, "class=\"te\">&lt;stream:error&gt;&lt;conflict") != NULL,
                  "no stream error text");
    ck_assert_msg(strstr(text, "\xE2\x9A\xA0") != NULL, "no warning mark");
    ck_assert_msg(strstr(text, "class=\"t\">&lt;/stream:stream&gt;") != NULL, "no close");
    ck_assert_msg(strstr(text, "connection 1 closed by the server") != NULL, "no closed mark");
    free(text);
}
END_TEST

START_TEST(test_page_is_self_contained_and_deterministic)
{
    const char *const yamls[] = {HEAD PRESENCE "  - note: \"a <note>\"\n", HEAD PRESENCE, NULL};
    char *a = page(yamls), *b = page(yamls);
    ck_assert_str_eq(a, b);
    static const char *const banned[] = {"<script", "<link", " src=", "url(", "@import",
                                         "href=\"http"};
    for (size_t i = 0; i < COUNT(banned); i++)
        ck_assert_msg(strstr(a, banned[i]) == NULL, "found \"%s\"", banned[i]);
    ck_assert_msg(strstr(a, "class=\"tn\">a &lt;note&gt;</text>") != NULL, "note not escaped");
    ck_assert_msg(strstr(a, "<b>2</b>scenarios") != NULL, "no totals");
    free(a);
    free(b);
}
END_TEST

START_TEST(test_load_error_is_listed)
{
    struct html_report *h = html_report_new();
    html_report_add_error(h, "bad.yaml", "bad.yaml:3:1: unknown key 'x'");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert(html_report_write(h, f));
    fclose(f);
    ck_assert_msg(strstr(text, "<span class=\"o error\">error</span>") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "bad.yaml:3:1: unknown key &#39;x&#39;") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "1 did not load") != NULL, "%s", text);
    html_report_free(h);
    free(text);
}
END_TEST

/* The events a connect, a presence and a close record, in order. */
START_TEST(test_runner_records_traffic_in_order)
{
    struct scenario *s;
    struct runner_result res;
    run_yaml(HEAD PRESENCE "  - romeo: close\n", &s, &res);
    ck_assert_int_eq(res.outcome, RUNNER_PASS);
    static const enum runner_event_kind want[] = {
        RUNNER_EVENT_OPEN,     RUNNER_EVENT_SENT,     RUNNER_EVENT_HEADER,
        RUNNER_EVENT_RECEIVED, RUNNER_EVENT_SENT,     RUNNER_EVENT_RECEIVED,
        RUNNER_EVENT_SENT,     RUNNER_EVENT_HEADER,   RUNNER_EVENT_RECEIVED,
        RUNNER_EVENT_SENT,     RUNNER_EVENT_RECEIVED, RUNNER_EVENT_SENT,
        RUNNER_EVENT_RECEIVED, RUNNER_EVENT_SENT,     RUNNER_EVENT_STREAM_END,
        RUNNER_EVENT_CLOSED};
    ck_assert_uint_eq(res.event_count, COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++) {
        ck_assert_int_eq(res.events[i].kind, want[i]);
        ck_assert_uint_eq(res.events[i].client, 0);
        ck_assert_uint_eq(res.events[i].conn, 1);
    }
    ck_assert_str_eq(res.events[11].text, "<presence/>");
    ck_assert_uint_eq(res.events[11].step, 1);
    ck_assert_str_eq(res.events[12].text, "<presence from='romeo@localhost/orchard'/>");
    ck_assert_str_eq(res.events[13].text, "</stream:stream>");
    ck_assert_uint_eq(res.events[15].step, 3);
    ck_assert_uint_eq(res.fail_step, RUNNER_NO_STEP);
    ck_assert_ptr_null(res.expected);
    runner_result_free(&res);
    scenario_free(s);
}
END_TEST

START_TEST(test_runner_reports_failing_step_and_mismatch)
{
    struct scenario *s;
    struct runner_result res;
    run_yaml(HEAD PRESENCE "  - romeo: {receive: nothing}\n  - romeo: {send: \"<presence/>\"}\n"
                           "  - romeo: {receive: closed}\n",
             &s, &res);
    ck_assert_int_eq(res.outcome, RUNNER_FAIL);
    ck_assert_uint_eq(res.fail_step, 5);
    ck_assert_str_eq(res.expected, "closed");
    ck_assert_str_eq(res.actual, "<presence from='romeo@localhost/orchard'/>");
    runner_result_free(&res);
    scenario_free(s);
    struct runner_options quiet = {0};
    s = loader_load_buffer("t.yaml", HEAD PRESENCE, strlen(HEAD PRESENCE), NULL);
    runner_run(s, &quiet, &res);
    ck_assert_uint_eq(res.event_count, 0);
    ck_assert_ptr_null(res.events);
    runner_result_free(&res);
    scenario_free(s);
}
END_TEST

Suite *html_suite(void)
{
    Suite *s = suite_create("html");
    TCase *tc = tcase_create("report");
    tcase_add_test(tc, test_passing_scenario_has_lanes_arrows_and_marks);
    tcase_add_test(tc, test_failing_step_is_highlighted_with_expected_and_actual);
    tcase_add_test(tc, test_stream_error_and_close_are_marked);
    tcase_add_test(tc, test_page_is_self_contained_and_deterministic);
    tcase_add_test(tc, test_load_error_is_listed);
    tcase_add_test(tc, test_runner_records_traffic_in_order);
    tcase_add_test(tc, test_runner_reports_failing_step_and_mismatch);
    suite_add_tcase(s, tc);
    return s;
}
