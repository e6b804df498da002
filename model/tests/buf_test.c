/* buf: append, consume, numbers. */
#include <check.h>

#include "buf.h"
#include "suites.h"

START_TEST(test_buf_appends_and_consumes)
{
    struct buf b = {0};
    ck_assert_str_eq(buf_cstr(&b), "");
    buf_puts(&b, "hello ");
    buf_put_u64(&b, 0);
    buf_putc(&b, ' ');
    buf_put_u64(&b, 18446744073709551615ull);
    ck_assert_str_eq(buf_cstr(&b), "hello 0 18446744073709551615");
    buf_consume(&b, 6);
    ck_assert_str_eq(b.data, "0 18446744073709551615");
    for (int i = 0; i < 1000; i++)
        buf_append(&b, "xyz", 3);
    ck_assert_uint_eq(b.len, 22 + 3000);
    buf_clear(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(buf_cstr(&b), "");
    buf_free(&b);
    buf_free(&b);
}
END_TEST

Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_buf_appends_and_consumes);
    suite_add_tcase(s, tc);
    return s;
}
