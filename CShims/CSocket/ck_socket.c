/* ck_socket.c — IPv6 UDP/TCP sockets on one interface, behind the seam. */
#define _GNU_SOURCE
#include "ck_socket.h"
#include "ck_seam.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

static int is_link_scope(const uint8_t a[16]) {
    /* fe80::/10 unicast, or a multicast address of interface- or link-local scope (ff01::/16, ff02::/16). */
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) return 1;
    return a[0] == 0xFF && ((a[1] & 0x0F) == 0x01 || (a[1] & 0x0F) == 0x02);
}

static void to_sockaddr(const struct ck_sock_addr *from, int ifindex, struct sockaddr_in6 *sa) {
    memset(sa, 0, sizeof *sa);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(from->port);
    memcpy(&sa->sin6_addr, from->addr, 16);
    sa->sin6_scope_id = from->scope_id;
    if (sa->sin6_scope_id == 0 && ifindex > 0 && is_link_scope(from->addr)) sa->sin6_scope_id = (uint32_t)ifindex;
}

static void from_sockaddr(const struct sockaddr_in6 *sa, struct ck_sock_addr *to) {
    memcpy(to->addr, &sa->sin6_addr, 16);
    to->scope_id = sa->sin6_scope_id;
    to->port = ntohs(sa->sin6_port);
}

static int set_int(int fd, int level, int name, int value) {
    return ck_sys_setsockopt(fd, level, name, &value, sizeof value);
}

static int bind_to_device(int fd, const char *ifname) {
    return ck_sys_setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1);
}

/* Closes fd and passes the error on. */
static int fail(int fd, int err) {
    ck_sys_close(fd);
    return err;
}

int ck_sock_interface(const char *ifname, int *ifindex, struct ck_sock_addr *link_local) {
    if (ifindex == NULL) return -EINVAL;
    int idx = ck_sys_if_nametoindex(ifname);
    if (idx < 0) return idx;
    if (link_local != NULL) {
        struct ifaddrs *list = NULL;
        int r = ck_sys_getifaddrs(&list);
        if (r < 0) return r;
        int found = 0;
        for (struct ifaddrs *i = list; i != NULL && !found; i = i->ifa_next) {
            if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET6 || i->ifa_name == NULL) continue;
            if (strcmp(i->ifa_name, ifname) != 0) continue;
            const struct sockaddr_in6 *sa = (const struct sockaddr_in6 *)i->ifa_addr;
            const uint8_t *a = sa->sin6_addr.s6_addr;
            if (!(a[0] == 0xFE && (a[1] & 0xC0) == 0x80)) continue;
            memset(link_local, 0, sizeof *link_local);
            memcpy(link_local->addr, a, 16);
            link_local->scope_id = (uint32_t)idx;
            found = 1;
        }
        ck_sys_freeifaddrs(list);
        if (!found) return -EADDRNOTAVAIL;
    }
    *ifindex = idx;
    return 0;
}

/* A non-blocking IPv6-only socket bound to the interface. */
static int open_on(const char *ifname, int type) {
    int fd = ck_sys_socket(AF_INET6, type | SOCK_NONBLOCK, 0);
    if (fd < 0) return fd;
    int r = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    if (r == 0 && ifname != NULL) r = bind_to_device(fd, ifname);
    return r < 0 ? fail(fd, r) : fd;
}

int ck_udp6_open(const char *ifname, uint16_t port, int join_all_nodes, int *ifindex, uint16_t *bound_port) {
    if (ifname == NULL || ifindex == NULL) return -EINVAL;
    int idx = ck_sys_if_nametoindex(ifname);
    if (idx < 0) return idx;
    int fd = open_on(ifname, SOCK_DGRAM);
    if (fd < 0) return fd;
    int r = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, idx);
    if (r == 0) r = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 1);
    if (r < 0) return fail(fd, r);
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(port);
    sa.sin6_addr = in6addr_any;
    if ((r = ck_sys_bind(fd, (struct sockaddr *)&sa, sizeof sa)) < 0) return fail(fd, r);
    if (join_all_nodes) {
        struct ipv6_mreq mreq;
        memset(&mreq, 0, sizeof mreq);
        mreq.ipv6mr_multiaddr.s6_addr[0] = 0xFF;
        mreq.ipv6mr_multiaddr.s6_addr[1] = 0x02;
        mreq.ipv6mr_multiaddr.s6_addr[15] = 0x01;
        mreq.ipv6mr_interface = (unsigned)idx;
        if ((r = ck_sys_setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq)) < 0) return fail(fd, r);
    }
    if (bound_port != NULL) {
        socklen_t len = sizeof sa;
        if ((r = ck_sys_getsockname(fd, (struct sockaddr *)&sa, &len)) < 0) return fail(fd, r);
        *bound_port = ntohs(sa.sin6_port);
    }
    *ifindex = idx;
    return fd;
}

ssize_t ck_udp6_send(int fd, int ifindex, const uint8_t *buf, size_t len, const struct ck_sock_addr *to) {
    if ((buf == NULL && len > 0) || to == NULL) return -EINVAL;
    struct sockaddr_in6 sa;
    to_sockaddr(to, ifindex, &sa);
    ssize_t n = ck_sys_sendto(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
    if (n == -EAGAIN || n == -EWOULDBLOCK || n == -ENOBUFS) return 0;
    return n;
}

ssize_t ck_udp6_receive(int fd, uint8_t *buf, size_t cap, struct ck_sock_addr *from, size_t *datagram_len) {
    if (buf == NULL || cap == 0) return -EINVAL;
    struct sockaddr_in6 sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    /* MSG_TRUNC: the kernel returns the datagram's real length even when it did not fit. */
    ssize_t n = ck_sys_recvfrom(fd, buf, cap, MSG_TRUNC | MSG_DONTWAIT, (struct sockaddr *)&sa, &len);
    if (n == -EWOULDBLOCK) return -EAGAIN;
    if (n < 0) return n;
    if (from != NULL) from_sockaddr(&sa, from);
    if ((size_t)n > cap) {
        if (datagram_len != NULL) *datagram_len = (size_t)n;
        return -EMSGSIZE;
    }
    return n;
}

int ck_tcp_listen(const char *ifname, const struct ck_sock_addr *local, int backlog, struct ck_sock_addr *bound) {
    if (ifname == NULL || local == NULL || backlog <= 0) return -EINVAL;
    int idx = ck_sys_if_nametoindex(ifname);
    if (idx < 0) return idx;
    int fd = open_on(ifname, SOCK_STREAM);
    if (fd < 0) return fd;
    int r = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (r < 0) return fail(fd, r);
    struct sockaddr_in6 sa;
    to_sockaddr(local, idx, &sa);
    if ((r = ck_sys_bind(fd, (struct sockaddr *)&sa, sizeof sa)) < 0) return fail(fd, r);
    if ((r = ck_sys_listen(fd, backlog)) < 0) return fail(fd, r);
    if (bound != NULL && (r = ck_sock_local(fd, bound)) < 0) return fail(fd, r);
    return fd;
}

int ck_tcp_accept(int fd, struct ck_sock_addr *peer) {
    struct sockaddr_in6 sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    int c = ck_sys_accept4(fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK);
    if (c < 0) {
        /* Linux hands a pending connection's network error to accept (accept(2), "Error handling"):
         * that connection is lost, the listener is fine. Like EAGAIN, "nothing to take now". */
        switch (-c) {
        case EWOULDBLOCK: case ECONNABORTED: case EPROTO: case ENETDOWN: case ENOPROTOOPT: case EHOSTDOWN:
        case ENONET: case EHOSTUNREACH: case ENETUNREACH: case EOPNOTSUPP:
            return -EAGAIN;
        default:
            return c;
        }
    }
    int r = set_int(c, IPPROTO_TCP, TCP_NODELAY, 1);
    if (r < 0) return fail(c, r);
    if (peer != NULL) from_sockaddr(&sa, peer);
    return c;
}

int ck_tcp_connect(const char *ifname, const struct ck_sock_addr *remote, int *in_progress) {
    if (remote == NULL || in_progress == NULL) return -EINVAL;
    int idx = 0;
    if (ifname != NULL && (idx = ck_sys_if_nametoindex(ifname)) < 0) return idx;
    int fd = open_on(ifname, SOCK_STREAM);
    if (fd < 0) return fd;
    int r = set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    if (r < 0) return fail(fd, r);
    struct sockaddr_in6 sa;
    to_sockaddr(remote, idx, &sa);
    r = ck_sys_connect(fd, (struct sockaddr *)&sa, sizeof sa);
    if (r == 0) { *in_progress = 0; return fd; }
    if (r == -EINPROGRESS) { *in_progress = 1; return fd; }
    return fail(fd, r);
}

int ck_tcp_connect_status(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    int r = ck_sys_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (r < 0) return r;
    if (err != 0) return -err;
    struct tcp_info info;
    memset(&info, 0, sizeof info);
    len = sizeof info;
    if ((r = ck_sys_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len)) < 0) return r;
    switch (info.tcpi_state) {
    case TCP_SYN_SENT: return 0;
    case TCP_CLOSE: return -ENOTCONN;   /* failed earlier and its error was already taken */
    default: return 1;
    }
}

ssize_t ck_tcp_send(int fd, const uint8_t *buf, size_t len) {
    if (buf == NULL && len > 0) return -EINVAL;
    if (len == 0) return 0;
    ssize_t n = ck_sys_sendto(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT, NULL, 0);
    if (n == -EAGAIN || n == -EWOULDBLOCK || n == -ENOBUFS) return 0;
    return n;
}

ssize_t ck_tcp_receive(int fd, uint8_t *buf, size_t cap) {
    if (buf == NULL || cap == 0) return -EINVAL;
    ssize_t n = ck_sys_recvfrom(fd, buf, cap, MSG_DONTWAIT, NULL, NULL);
    return n == -EWOULDBLOCK ? -EAGAIN : n;
}

int ck_tcp_shutdown_write(int fd) { return ck_sys_shutdown(fd, SHUT_WR); }

int ck_sock_local(int fd, struct ck_sock_addr *local) {
    if (local == NULL) return -EINVAL;
    struct sockaddr_in6 sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    int r = ck_sys_getsockname(fd, (struct sockaddr *)&sa, &len);
    if (r < 0) return r;
    if (sa.sin6_family != AF_INET6) return -EAFNOSUPPORT;
    from_sockaddr(&sa, local);
    return 0;
}

int ck_sock_abort(int fd) {
    struct linger l = { .l_onoff = 1, .l_linger = 0 };
    (void)ck_sys_setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    return ck_sys_close(fd);
}

int ck_sock_close(int fd) { return ck_sys_close(fd); }

int ck_udp6_multicast_open(const char *ifname, const uint8_t group[16], uint16_t port, int hop_limit, int *ifindex) {
    if (ifname == NULL || group == NULL || ifindex == NULL || group[0] != 0xFF || hop_limit < 0 || hop_limit > 255) return -EINVAL;
    int idx = ck_sys_if_nametoindex(ifname);
    if (idx < 0) return idx;
    int fd = open_on(NULL, SOCK_DGRAM);
    if (fd < 0) return fd;
    int r = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (r == 0) r = set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
    if (r == 0) r = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, idx);
    if (r == 0) r = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hop_limit);
    if (r == 0) r = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 1);
    if (r < 0) return fail(fd, r);
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(port);
    sa.sin6_addr = in6addr_any;
    if ((r = ck_sys_bind(fd, (struct sockaddr *)&sa, sizeof sa)) < 0) return fail(fd, r);
    if (port != 0) {
        struct ipv6_mreq mreq;
        memset(&mreq, 0, sizeof mreq);
        memcpy(mreq.ipv6mr_multiaddr.s6_addr, group, 16);
        mreq.ipv6mr_interface = (unsigned)idx;
        if ((r = ck_sys_setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq)) < 0) return fail(fd, r);
    }
    *ifindex = idx;
    return fd;
}
