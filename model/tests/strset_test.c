/* strset: membership answers, order, removal at the ends of a full set. */
#include <check.h>
#include <stdio.h>

#include "strset.h"
#include "suites.h"

static void assert_items(const struct strset *set, const char *const *want, size_t n)
{
    ck_assert_uint_eq(set->n, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(set->items[i], want[i]);
}

START_TEST(test_strset_add_and_remove_say_whether_they_changed_it)
{
    struct strset set = {0};
    ck_assert(strset_add(&set, "b@x"));
    ck_assert(strset_add(&set, "a@x"));
    ck_assert(!strset_add(&set, "b@x"));
    ck_assert(strset_add(&set, "c@x"));
    static const char *const sorted[] = {"a@x", "b@x", "c@x"};
    assert_items(&set, sorted, 3);
    ck_assert(!strset_remove(&set, "d@x"));
    ck_assert(strset_remove(&set, "b@x"));
    ck_assert(!strset_remove(&set, "b@x"));
    static const char *const left[] = {"a@x", "c@x"};
    assert_items(&set, left, 2);
    strset_clear(&set);
    ck_assert_uint_eq(set.n, 0);
    ck_assert(!strset_remove(&set, "a@x"));
}
END_TEST

/* Removing the first item of a set whose storage is full moves exactly the
 * items after it (under ASan, one more would read past the storage). */
START_TEST(test_strset_remove_from_a_full_set)
{
    struct strset set = {0};
    char name[16];
    int n = 0;
    do {
        snprintf(name, sizeof name, "u%03d@x", n++);
        ck_assert(strset_add(&set, name));
    } while (set.n < set.cap);
    ck_assert(strset_remove(&set, "u000@x"));
    ck_assert_uint_eq(set.n, (size_t)n - 1);
    for (int i = 1; i < n; i++) {
        snprintf(name, sizeof name, "u%03d@x", i);
        ck_assert_str_eq(set.items[i - 1], name);
    }
    snprintf(name, sizeof name, "u%03d@x", n - 1);
    ck_assert(strset_remove(&set, name));
    ck_assert_uint_eq(set.n, (size_t)n - 2);
    strset_clear(&set);
}
END_TEST

Suite *strset_suite(void)
{
    Suite *s = suite_create("strset");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_strset_add_and_remove_say_whether_they_changed_it);
    tcase_add_test(tc, test_strset_remove_from_a_full_set);
    suite_add_tcase(s, tc);
    return s;
}
