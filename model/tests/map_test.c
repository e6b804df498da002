/* map: insertion, lookup, backward-shift removal, iteration. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "suites.h"

struct entry {
    char key[16];
    int value;
};

static const char *key_of(const void *v)
{
    return ((const struct entry *)v)->key;
}

START_TEST(test_map_put_get_remove_many)
{
    enum { N = 5000 };
    struct entry *e = calloc(N, sizeof *e);
    struct map m;
    map_init(&m, NULL, _i == 0 ? 1 : 0xdeadbeef, key_of);
    ck_assert_ptr_null(map_get(&m, "absent"));
    ck_assert_ptr_null(map_remove(&m, "absent"));
    for (int i = 0; i < N; i++) {
        snprintf(e[i].key, sizeof e[i].key, "k%d", i);
        e[i].value = i;
        map_put(&m, &e[i]);
    }
    ck_assert_uint_eq(m.n, N);
    for (int i = 0; i < N; i++)
        ck_assert_ptr_eq(map_get(&m, e[i].key), &e[i]);
    for (int i = 0; i < N; i += 2)   /* removals in the middle of probe runs */
        ck_assert_ptr_eq(map_remove(&m, e[i].key), &e[i]);
    for (int i = 0; i < N; i++)
        ck_assert_ptr_eq(map_get(&m, e[i].key), i % 2 ? &e[i] : NULL);
    size_t pos = 0, seen = 0;
    struct entry *v;
    while ((v = map_next(&m, &pos)) != NULL) {
        ck_assert_int_eq(v->value % 2, 1);
        seen++;
    }
    ck_assert_uint_eq(seen, N / 2);
    ck_assert_uint_ge(map_bytes(&m), N / 2 * sizeof(struct map_slot));
    map_clear(&m);
    ck_assert_ptr_null(map_get(&m, "k1"));
    free(e);
}
END_TEST

/* The table grows before it fills: after every insertion a key that is
 * not there is reported absent (a full table would leave the probe no
 * empty slot to stop at). */
START_TEST(test_map_misses_end_at_every_size)
{
    enum { N = 70 };
    struct entry e[N];
    struct map m;
    map_init(&m, NULL, 7, key_of);
    for (int i = 0; i < N; i++) {
        snprintf(e[i].key, sizeof e[i].key, "k%d", i);
        map_put(&m, &e[i]);
        ck_assert_ptr_null(map_get(&m, "absent"));
        ck_assert_ptr_null(map_remove(&m, "absent"));
        ck_assert_uint_lt(m.n, m.cap);
    }
    map_clear(&m);
}
END_TEST

Suite *map_suite(void)
{
    Suite *s = suite_create("map");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_map_put_get_remove_many, 0, 2);
    tcase_add_test(tc, test_map_misses_end_at_every_size);
    suite_add_tcase(s, tc);
    return s;
}
