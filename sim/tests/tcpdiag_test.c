/* tcpdiag: the kernel's view of the other end of a loopback connection,
 * over a pair of sockets this test holds both ends of. */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "live/tcpdiag.h"
#include "suites.h"

/* A connected pair on 127.0.0.1: *client and *server. */
static void pair(int *client, int *server)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(l, 0);
    ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(l, 1), 0);
    ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &len), 0);
    *client = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_eq(connect(*client, (struct sockaddr *)&a, sizeof a), 0);
    *server = accept(l, NULL, NULL);
    ck_assert_int_ge(*server, 0);
    close(l);
}

START_TEST(test_tcpdiag_sees_what_the_peer_read_and_sent)
{
    int c, s;
    char in[16];
    struct tcpdiag_peer p;
    pair(&c, &s);
    ck_assert_int_eq(write(c, "<presence", 9), 9);
    ck_assert(tcpdiag_peer(c, &p));
    ck_assert_uint_eq(p.received, 9);
    ck_assert_uint_eq(p.unread, 9);
    ck_assert_int_eq(read(s, in, sizeof in), 9);
    ck_assert_int_eq(write(s, "<a/>", 4), 4);
    ck_assert(tcpdiag_peer(c, &p));
    ck_assert_uint_eq(p.unread, 0);
    ck_assert_uint_eq(p.sent, 4);
    close(s);
    close(c);
}
END_TEST

/* Bytes the server's socket holds back (corked here; Nagle's algorithm
 * does the same while an ACK is delayed) are unsent, not sent. */
START_TEST(test_tcpdiag_sees_what_the_peer_holds_back)
{
    int c, s, on = 1, off = 0;
    struct tcpdiag_peer p;
    pair(&c, &s);
    ck_assert_int_eq(setsockopt(s, IPPROTO_TCP, TCP_CORK, &on, sizeof on), 0);
    ck_assert_int_eq(write(s, "<a/>", 4), 4);
    ck_assert(tcpdiag_peer(c, &p));
    ck_assert_uint_eq(p.unsent, 4);
    ck_assert_uint_eq(p.sent, 0);
    ck_assert_int_eq(setsockopt(s, IPPROTO_TCP, TCP_CORK, &off, sizeof off), 0);
    ck_assert(tcpdiag_peer(c, &p));
    ck_assert_uint_eq(p.unsent, 0);
    ck_assert_uint_eq(p.sent, 4);
    close(s);
    close(c);
}
END_TEST

START_TEST(test_tcpdiag_unconnected_says_nothing)
{
    struct tcpdiag_peer p;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert(!tcpdiag_peer(fd, &p));
    close(fd);
    ck_assert(!tcpdiag_peer(-1, &p));
}
END_TEST

Suite *tcpdiag_suite(void)
{
    Suite *s = suite_create("tcpdiag");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_tcpdiag_sees_what_the_peer_read_and_sent);
    tcase_add_test(tc, test_tcpdiag_sees_what_the_peer_holds_back);
    tcase_add_test(tc, test_tcpdiag_unconnected_says_nothing);
    suite_add_tcase(s, tc);
    return s;
}
