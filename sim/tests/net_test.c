/* net: endpoints parse as HOST:PORT or tcp://HOST:PORT (IPv4 or
 * localhost, port 0-65535), loopback is 127/8, and a listener on port 0
 * gets a real port that a connect reaches. */
#include <check.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/count.h"
#include "serve/net.h"
#include "suites.h"

static const struct {
    const char *text;
    bool ok, loopback;
    const char *formatted;
} endpoints[] = {
    {"127.0.0.1:15222", true, true, "127.0.0.1:15222"},
    {"tcp://127.0.0.1:0", true, true, "127.0.0.1:0"},
    {"localhost:5222", true, true, "127.0.0.1:5222"},
    {"127.1.2.3:1", true, true, "127.1.2.3:1"},
    {"0.0.0.0:15222", true, false, "0.0.0.0:15222"},
    {"192.168.1.1:65535", true, false, "192.168.1.1:65535"},
    {"127.0.0.1:65536", false, false, NULL},
    {"127.0.0.1:", false, false, NULL},
    {":5222", false, false, NULL},
    {"127.0.0.1", false, false, NULL},
    {"example.org:5222", false, false, NULL},
    {"127.0.0.1:52x", false, false, NULL},
    {"", false, false, NULL},
};

START_TEST(test_net_endpoint_parse_table)
{
    struct net_endpoint e;
    char err[128], out[32];
    bool ok = net_endpoint_parse(endpoints[_i].text, &e, err, sizeof err);
    ck_assert_int_eq(ok, endpoints[_i].ok);
    if (!ok) {
        ck_assert_int_gt((int)strlen(err), 0);
        return;
    }
    ck_assert_int_eq(net_endpoint_is_loopback(&e), endpoints[_i].loopback);
    net_endpoint_format(&e, out, sizeof out);
    ck_assert_str_eq(out, endpoints[_i].formatted);
}
END_TEST

START_TEST(test_net_listen_on_a_free_port_and_connect)
{
    struct net_endpoint e;
    char err[256], peer[32];
    ck_assert(net_endpoint_parse("127.0.0.1:0", &e, err, sizeof err));
    int l = net_listen(&e, err, sizeof err);
    ck_assert_msg(l >= 0, "%s", err);
    ck_assert_uint_gt(e.port, 0);
    int c = net_connect(&e, err, sizeof err);
    ck_assert_msg(c >= 0, "%s", err);
    int a = -1;
    for (int i = 0; i < 1000 && a < 0; i++) {
        a = net_accept(l, peer, sizeof peer);
        if (a < 0)
            clock_sleep_ms(1);
    }
    ck_assert_int_ge(a, 0);
    ck_assert_int_eq(strncmp(peer, "127.0.0.1:", 10), 0);
    close(a);
    close(c);
    close(l);
}
END_TEST

Suite *net_suite(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_net_endpoint_parse_table, 0, (int)COUNT(endpoints));
    tcase_add_test(tc, test_net_listen_on_a_free_port_and_connect);
    suite_add_tcase(s, tc);
    return s;
}
