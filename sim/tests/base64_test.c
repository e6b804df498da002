/* base64: RFC 4648 §10's test vectors both ways, bytes with NULs (a SASL
 * PLAIN message), and what is not padded base64 refused. */
#include <check.h>
#include <string.h>

#include "base/base64.h"
#include "base/count.h"
#include "suites.h"

static const struct {
    const char *plain, *encoded;
} vectors[] = {
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

START_TEST(test_base64_rfc4648_vectors)
{
    struct buf enc = {0}, dec = {0};
    const char *p = vectors[_i].plain;
    base64_encode((const unsigned char *)p, strlen(p), &enc);
    ck_assert_str_eq(buf_cstr(&enc), vectors[_i].encoded);
    ck_assert(base64_decode(vectors[_i].encoded, strlen(vectors[_i].encoded), &dec));
    ck_assert_str_eq(buf_cstr(&dec), p);
    buf_free(&enc);
    buf_free(&dec);
}
END_TEST

START_TEST(test_base64_keeps_nul_bytes)
{
    static const char plain[] = "\0romeo\0pw";
    struct buf enc = {0}, dec = {0};
    base64_encode((const unsigned char *)plain, sizeof plain - 1, &enc);
    ck_assert_str_eq(buf_cstr(&enc), "AHJvbWVvAHB3");
    ck_assert(base64_decode(enc.data, enc.len, &dec));
    ck_assert_uint_eq(dec.len, sizeof plain - 1);
    ck_assert_int_eq(memcmp(dec.data, plain, dec.len), 0);
    buf_free(&enc);
    buf_free(&dec);
}
END_TEST

static const char *const bad[] = {"Zg=", "Zg", "Z===", "Zg==Zg==", "Zm9v!A==", "=Zm9", "Zm 9"};

START_TEST(test_base64_refuses_bad_input)
{
    struct buf dec = {0};
    ck_assert(!base64_decode(bad[_i], strlen(bad[_i]), &dec));
    buf_free(&dec);
}
END_TEST

Suite *base64_suite(void)
{
    Suite *s = suite_create("base64");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_base64_rfc4648_vectors, 0, (int)COUNT(vectors));
    tcase_add_test(tc, test_base64_keeps_nul_bytes);
    tcase_add_loop_test(tc, test_base64_refuses_bad_input, 0, (int)COUNT(bad));
    suite_add_tcase(s, tc);
    return s;
}
