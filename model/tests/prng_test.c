/* prng: splitmix64's published sequence, uniform draws, ids. */
#include <check.h>
#include <string.h>

#include "prng.h"
#include "suites.h"

/* The reference splitmix64 (Steele, Lea and Flood 2014; Vigna's
 * splitmix64.c): a model seed means the same ids in every build. */
START_TEST(test_prng_is_splitmix64)
{
    static const struct {
        uint64_t seed, out[4];
    } cases[] = {
        {0, {0xe220a8397b1dcdafull, 0x6e789e6aa1b965f4ull, 0x06c45d188009454full,
             0xf88bb8a8724c81ecull}},
        {1234567, {0x599ed017fb08fc85ull, 0x2c73f08458540fa5ull, 0x883ebce5a3f27c77ull,
                   0x3fbef740e9177b3full}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct prng p;
        prng_seed(&p, cases[c].seed);
        for (size_t i = 0; i < 4; i++)
            ck_assert_uint_eq(prng_next(&p), cases[c].out[i]);
    }
}
END_TEST

/* Below the rejection limit a draw is the next value modulo n. */
START_TEST(test_prng_below_is_the_next_value_modulo_n)
{
    struct prng p, q;
    prng_seed(&p, 0);
    prng_seed(&q, 0);
    for (uint64_t n = 1; n < 200; n++)
        ck_assert_uint_eq(prng_below(&p, n), prng_next(&q) % n);
}
END_TEST

/* A draw at the rejection limit is drawn again: with n = 3 the limit is
 * UINT64_MAX itself, and this seed's first value is UINT64_MAX (found by
 * inverting splitmix64's finaliser). */
START_TEST(test_prng_below_rejects_a_draw_at_the_limit)
{
    struct prng p, q;
    prng_seed(&p, 0x31628af67b2131abull);
    prng_seed(&q, 0x31628af67b2131abull);
    ck_assert_uint_eq(prng_next(&q), UINT64_MAX);
    ck_assert_uint_eq(prng_below(&p, 3), prng_next(&q) % 3);
}
END_TEST

#define PRNG_ID_ALPHABET "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

/* Over many ids every character of the alphabet turns up, and no other. */
START_TEST(test_prng_id_draws_every_character)
{
    struct prng p;
    prng_seed(&p, 1);
    int seen[256] = {0};
    for (int k = 0; k < 200; k++) {
        char id[33];
        prng_id(&p, id, sizeof id);
        ck_assert_uint_eq(strlen(id), 32);
        ck_assert_uint_eq(strspn(id, PRNG_ID_ALPHABET), 32);
        for (size_t i = 0; i < 32; i++)
            seen[(unsigned char)id[i]]++;
    }
    for (const char *c = PRNG_ID_ALPHABET; *c; c++)
        ck_assert_msg(seen[(unsigned char)*c] > 0, "'%c' never drawn", *c);
}
END_TEST

START_TEST(test_prng_id_fills_all_but_the_terminator)
{
    struct prng p;
    prng_seed(&p, 7);
    char id[9];
    memset(id, 'X', sizeof id);
    prng_id(&p, id, sizeof id);
    ck_assert_uint_eq(strlen(id), 8);
    ck_assert_uint_eq(strspn(id, PRNG_ID_ALPHABET), 8);
    char one[1] = {'X'};
    prng_id(&p, one, sizeof one);
    ck_assert_int_eq(one[0], '\0');
}
END_TEST

Suite *prng_suite(void)
{
    Suite *s = suite_create("prng");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_prng_is_splitmix64);
    tcase_add_test(tc, test_prng_below_is_the_next_value_modulo_n);
    tcase_add_test(tc, test_prng_below_rejects_a_draw_at_the_limit);
    tcase_add_test(tc, test_prng_id_draws_every_character);
    tcase_add_test(tc, test_prng_id_fills_all_but_the_terminator);
    suite_add_tcase(s, tc);
    return s;
}
