/* tcpdiag: one SOCK_DIAG_BY_FAMILY request per look-up (see tcpdiag.h).
 *
 * The request names the server's socket by its four-tuple (its local
 * address is the client's remote one), without a cookie, and asks for
 * tcp_info; the answer's inet_diag_msg carries the receive queue.
 */
#include "live/tcpdiag.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TCPDIAG_ANSWER_MAX 8192

struct tcpdiag_request {
    struct nlmsghdr nh;
    struct inet_diag_req_v2 req;
};

/* The request for the socket at local, talking to remote. */
static void request_fill(struct tcpdiag_request *r, const struct sockaddr_in *local,
                         const struct sockaddr_in *remote)
{
    memset(r, 0, sizeof *r);
    r->nh.nlmsg_len = sizeof *r;
    r->nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    r->nh.nlmsg_flags = NLM_F_REQUEST;
    r->req.sdiag_family = AF_INET;
    r->req.sdiag_protocol = IPPROTO_TCP;
    r->req.idiag_ext = 1u << (INET_DIAG_INFO - 1);
    r->req.idiag_states = ~0u;
    r->req.id.idiag_sport = local->sin_port;
    r->req.id.idiag_dport = remote->sin_port;
    r->req.id.idiag_src[0] = local->sin_addr.s_addr;
    r->req.id.idiag_dst[0] = remote->sin_addr.s_addr;
    r->req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    r->req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
}

/* Reads the answer's queue and tcp_info into out. */
static bool answer_read(const char *buf, ssize_t len, struct tcpdiag_peer *out)
{
    const struct nlmsghdr *nh = (const struct nlmsghdr *)(const void *)buf;
    if (len < (ssize_t)sizeof *nh || !NLMSG_OK(nh, (unsigned)len) ||
        nh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
        return false;
    const struct inet_diag_msg *m = NLMSG_DATA(nh);
    int rest = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof *m);
    out->unread = m->idiag_rqueue;
    for (const struct rtattr *a = (const struct rtattr *)(m + 1); RTA_OK(a, rest);
         a = RTA_NEXT(a, rest)) {
        if (a->rta_type != INET_DIAG_INFO)
            continue;
        struct tcp_info info;
        size_t n = RTA_PAYLOAD(a);
        if (n < offsetof(struct tcp_info, tcpi_bytes_sent) + sizeof info.tcpi_bytes_sent)
            return false;
        memset(&info, 0, sizeof info);
        memcpy(&info, RTA_DATA(a), n < sizeof info ? n : sizeof info);
        out->received = info.tcpi_bytes_received;
        out->sent = info.tcpi_bytes_sent;
        out->unsent = info.tcpi_notsent_bytes;
        return true;
    }
    return false;
}

bool tcpdiag_peer(int fd, struct tcpdiag_peer *out)
{
    struct sockaddr_in local, remote;
    socklen_t ll = sizeof local, rl = sizeof remote;
    if (getsockname(fd, (struct sockaddr *)&local, &ll) != 0 ||
        getpeername(fd, (struct sockaddr *)&remote, &rl) != 0 || local.sin_family != AF_INET)
        return false;
    int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0)
        return false;
    struct tcpdiag_request r;
    request_fill(&r, &remote, &local);   /* the server's socket: its local is our remote */
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    char buf[TCPDIAG_ANSWER_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
    ssize_t n = -1;
    if (sendto(nl, &r, sizeof r, 0, (struct sockaddr *)&kernel, sizeof kernel) == (ssize_t)sizeof r)
        n = recv(nl, buf, sizeof buf, 0);
    close(nl);
    return n > 0 && answer_read(buf, n, out);
}
