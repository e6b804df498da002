/* Check suite for model/sasl.c: the base64 decoder of PLAIN messages
 * (sasl.h: RFC 4648 section 4, padding required, nothing else allowed). */
#include <check.h>
#include <string.h>

#include "sasl.h"
#include "suites.h"

struct b64_case {
    const char *in;
    const char *out;   /* NULL: refused */
    size_t out_len;
};

/* RFC 4648 section 10's vectors, PLAIN's NULs, and what the alphabet,
 * the length and the padding rules refuse. */
static const struct b64_case b64_cases[] = {
    {"", "", 0},
    {"Zg==", "f", 1},
    {"Zm8=", "fo", 2},
    {"Zm9v", "foo", 3},
    {"Zm9vYg==", "foob", 4},
    {"Zm9vYmE=", "fooba", 5},
    {"Zm9vYmFy", "foobar", 6},
    {"AGp1bGlldABz", "\0juliet\0s", 9},
    {"+/+/", "\xfb\xff\xbf", 3},
    {"Zg", NULL, 0},          /* length not a multiple of 4 */
    {"Zg=", NULL, 0},
    {"Z===", NULL, 0},        /* at most two pad characters */
    {"====", NULL, 0},
    {"Zg=v", NULL, 0},        /* a pad character before a digit */
    {"Zg==Zm9v", NULL, 0},    /* padding before the last quantum */
    {"Zm9v====", NULL, 0},
    {"Zm9 ", NULL, 0},        /* whitespace refused */
    {"Zm9-", NULL, 0},        /* not in the alphabet (base64url) */
};

START_TEST(test_sasl_base64_decode_follows_rfc4648)
{
    const struct b64_case *c = &b64_cases[_i];
    unsigned char out[16];
    size_t n = 99;
    bool ok = sasl_base64_decode(c->in, strlen(c->in), out, &n);
    ck_assert_msg(ok == (c->out != NULL), "%s", c->in);
    if (ok) {
        ck_assert_uint_eq(n, c->out_len);
        ck_assert_mem_eq(out, c->out, n);
    }
}
END_TEST

Suite *sasl_suite(void)
{
    Suite *s = suite_create("sasl");
    TCase *tc = tcase_create("base64");
    tcase_add_loop_test(tc, test_sasl_base64_decode_follows_rfc4648, 0,
                        (int)(sizeof b64_cases / sizeof b64_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}
