/* text: text_numbered writes what snprintf("%s%llu") writes, cut the same
 * way to the room given. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "base/count.h"
#include "base/text.h"
#include "suites.h"

static const struct {
    const char *prefix;
    unsigned long long n;
    size_t size;
} numbered[] = {
    {"u", 3, 24},   {"r", 10, 24},          {"bind_", 0, 24},
    {"", 18446744073709551615ull, 24},      {"new connection ", 123, 64},
    {"new connection ", 123, 5},            {"c", 4567, 3},
    {"c", 4567, 1},
};

START_TEST(test_text_numbered_writes_as_snprintf)
{
    char got[80], want[80];
    memset(got, 'x', sizeof got);
    text_numbered(got, numbered[_i].size, numbered[_i].prefix, numbered[_i].n);
    snprintf(want, numbered[_i].size, "%s%llu", numbered[_i].prefix, numbered[_i].n);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(got[numbered[_i].size], 'x');   /* nothing past size */
}
END_TEST

/* With no room at all nothing is written. */
START_TEST(test_text_numbered_writes_nothing_in_no_room)
{
    char out[4] = "abc";
    text_numbered(out, 0, "u", 7);
    ck_assert_str_eq(out, "abc");
}
END_TEST

Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_text_numbered_writes_as_snprintf, 0, (int)COUNT(numbered));
    tcase_add_test(tc, test_text_numbered_writes_nothing_in_no_room);
    suite_add_tcase(s, tc);
    return s;
}
