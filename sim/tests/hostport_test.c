/* hostport: --target tcp://HOST:PORT parsing (names, IPv4, [IPv6]),
 * loopback detection, formatting, and a refused connection's message. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "live/hostport.h"
#include "suites.h"

static const struct {
    const char *url, *host;
    unsigned port;
    bool ok, loopback;
} urls[] = {
    {"tcp://127.0.0.1:5222", "127.0.0.1", 5222, true, true},
    {"tcp://localhost:0", "localhost", 0, true, true},
    {"tcp://example.org:5222", "example.org", 5222, true, false},
    {"tcp://[::1]:5299", "::1", 5299, true, true},
    {"tcp://[2001:db8::1]:65535", "2001:db8::1", 65535, true, false},
    {"tcp://10.0.0.1:5222", "10.0.0.1", 5222, true, false},
    {"tcp://::1:5222", "", 0, false, false},
    {"tcp://[::1]5222", "", 0, false, false},
    {"tcp://[]:5222", "", 0, false, false},
    {"tcp://:5222", "", 0, false, false},
    {"tcp://host:65536", "", 0, false, false},
    {"tcp://host:", "", 0, false, false},
    {"tcp://host:52/", "", 0, false, false},
    {"udp://host:5222", "", 0, false, false},
    {"", "", 0, false, false},
};

START_TEST(test_hostport_parse)
{
    struct hostport hp;
    char err[256] = "";
    bool ok = hostport_parse(urls[_i].url, &hp, err, sizeof err);
    ck_assert_int_eq(ok, urls[_i].ok);
    if (!ok) {
        ck_assert_ptr_nonnull(strstr(err, "tcp://HOST:PORT"));
        return;
    }
    ck_assert_str_eq(hp.host, urls[_i].host);
    ck_assert_uint_eq(hp.port, urls[_i].port);
    ck_assert_int_eq(hostport_is_loopback(&hp), urls[_i].loopback);
}
END_TEST

START_TEST(test_hostport_format)
{
    struct hostport a = {"::1", 5222}, b = {"example.org", 1};
    char out[300];
    hostport_format(&a, out, sizeof out);
    ck_assert_str_eq(out, "[::1]:5222");
    hostport_format(&b, out, sizeof out);
    ck_assert_str_eq(out, "example.org:1");
}
END_TEST

/* Port 1 on loopback: nobody listens there in a test environment. */
START_TEST(test_hostport_connect_refused)
{
    struct hostport hp = {"127.0.0.1", 1};
    char err[256] = "";
    ck_assert_int_lt(hostport_connect(&hp, 1000, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "cannot connect to 127.0.0.1:1"));
}
END_TEST

Suite *hostport_suite(void)
{
    Suite *s = suite_create("hostport");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_hostport_parse, 0, (int)(sizeof urls / sizeof urls[0]));
    tcase_add_test(tc, test_hostport_format);
    tcase_add_test(tc, test_hostport_connect_refused);
    suite_add_tcase(s, tc);
    return s;
}
