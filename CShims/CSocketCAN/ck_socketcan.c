/* ck_socketcan.c — CAN_RAW sockets behind the seam; link control through libsocketcan. */
#define _GNU_SOURCE
#include "ck_socketcan.h"
#include "ck_seam.h"

#include <errno.h>
#include <libsocketcan.h>
#include <linux/can.h>
#include <linux/can/error.h>
#include <linux/can/raw.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

_Static_assert(CK_CAN_EFF_FLAG == CAN_EFF_FLAG, "flag");
_Static_assert(CK_CAN_RTR_FLAG == CAN_RTR_FLAG, "flag");
_Static_assert(CK_CAN_ERR_FLAG == CAN_ERR_FLAG, "flag");
_Static_assert(CK_CAN_ERR_BUSOFF == CAN_ERR_BUSOFF, "err");
_Static_assert(CK_CAN_ERR_RESTARTED == CAN_ERR_RESTARTED, "err");
_Static_assert(CK_CAN_STATE_BUS_OFF == CAN_STATE_BUS_OFF, "state");

int ck_can_open(const char *ifname, int options) {
    if (ifname == NULL || ifname[0] == '\0') return -EINVAL;
    if (strlen(ifname) >= IF_NAMESIZE) return -ENAMETOOLONG;
    int fd = ck_sys_socket(PF_CAN, SOCK_RAW | SOCK_NONBLOCK, CAN_RAW);
    if (fd < 0) return fd;
    int r;
    int idx = ck_sys_if_nametoindex(ifname);
    if (idx < 0) { r = idx; goto fail; }
    if (options & CK_CAN_OPT_FD) {
        int on = 1;
        if ((r = ck_sys_setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, &on, sizeof on)) < 0) goto fail;
    }
    if (options & CK_CAN_OPT_RECV_OWN) {
        int on = 1;
        if ((r = ck_sys_setsockopt(fd, SOL_CAN_RAW, CAN_RAW_RECV_OWN_MSGS, &on, sizeof on)) < 0) goto fail;
    }
    if (options & CK_CAN_OPT_NO_LOOPBACK) {
        int off = 0;
        if ((r = ck_sys_setsockopt(fd, SOL_CAN_RAW, CAN_RAW_LOOPBACK, &off, sizeof off)) < 0) goto fail;
    }
    struct sockaddr_can addr;
    memset(&addr, 0, sizeof addr);
    addr.can_family = AF_CAN;
    addr.can_ifindex = idx;
    if ((r = ck_sys_bind(fd, (struct sockaddr *)&addr, sizeof addr)) < 0) goto fail;
    return fd;
fail:
    ck_sys_close(fd);
    return r;
}

int ck_can_close(int fd) { return ck_sys_close(fd); }

int ck_can_send(int fd, const struct ck_can_frame *f) {
    if (f == NULL) return -EINVAL;
    ssize_t n;
    if (f->flags & CK_CAN_FRAME_FD) {
        if (f->len > CANFD_MAX_DLEN) return -EINVAL;
        struct canfd_frame fr;
        memset(&fr, 0, sizeof fr);
        fr.can_id = f->id;
        fr.len = f->len;
        fr.flags = (f->flags & CK_CAN_FRAME_BRS) ? CANFD_BRS : 0;
        memcpy(fr.data, f->data, f->len);
        n = ck_sys_sendto(fd, &fr, sizeof fr, 0, NULL, 0);
    } else {
        if (f->len > CAN_MAX_DLEN) return -EINVAL;
        struct can_frame fr;
        memset(&fr, 0, sizeof fr);
        fr.can_id = f->id;
        fr.can_dlc = f->len;
        memcpy(fr.data, f->data, f->len);
        n = ck_sys_sendto(fd, &fr, sizeof fr, 0, NULL, 0);
    }
    if (n == -ENOBUFS || n == -EAGAIN || n == -EWOULDBLOCK) return 0;
    if (n < 0) return (int)n;
    return 1;
}

int ck_can_receive(int fd, struct ck_can_frame *f) {
    if (f == NULL) return -EINVAL;
    struct canfd_frame fr;
    ssize_t n = ck_sys_recvfrom(fd, &fr, sizeof fr, 0, NULL, NULL);
    if (n == -EAGAIN || n == -EWOULDBLOCK) return 0;
    if (n < 0) return (int)n;
    memset(f, 0, sizeof *f);
    if (n == CANFD_MTU) {
        f->flags = CK_CAN_FRAME_FD | ((fr.flags & CANFD_BRS) ? CK_CAN_FRAME_BRS : 0);
        f->len = fr.len > CANFD_MAX_DLEN ? CANFD_MAX_DLEN : fr.len;
    } else if (n == CAN_MTU) {
        f->len = fr.len > CAN_MAX_DLEN ? CAN_MAX_DLEN : fr.len;
    } else {
        return -EPROTO;
    }
    f->id = fr.can_id;
    memcpy(f->data, fr.data, f->len);
    return 1;
}

int ck_can_set_filters(int fd, const struct ck_can_filter *filters, uint32_t count) {
    if (count > 512 || (count > 0 && filters == NULL)) return -EINVAL;
    struct can_filter kf[512];
    for (uint32_t i = 0; i < count; i++) {
        kf[i].can_id = filters[i].id;
        kf[i].can_mask = filters[i].mask;
    }
    return ck_sys_setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FILTER, count ? kf : NULL,
                             (socklen_t)(count * sizeof(struct can_filter)));
}

int ck_can_set_error_mask(int fd, uint32_t mask) {
    can_err_mask_t m = mask & CAN_ERR_MASK;
    return ck_sys_setsockopt(fd, SOL_CAN_RAW, CAN_RAW_ERR_FILTER, &m, sizeof m);
}

/* libsocketcan answers -1 and leaves errno as netlink set it. When the kernel refused a request,
 * errno holds its answer. When errno is still 0 the library found the interface but no CAN link data
 * in the dump (a vcan, or any non-CAN netdev): that is -EOPNOTSUPP, not a transfer error. */
static int lib_result(int r) { return r < 0 ? (errno != 0 ? -errno : -EOPNOTSUPP) : 0; }
static int ifname_ok(const char *ifname) {
    if (ifname == NULL || ifname[0] == '\0') return -EINVAL;
    return strlen(ifname) >= IF_NAMESIZE ? -ENAMETOOLONG : 0;
}
/* The name exists (for the generic link calls, start and stop). */
static int exists(const char *ifname) {
    int idx = ck_sys_if_nametoindex(ifname);
    return idx < 0 ? idx : 0;
}

/* Asks rtnetlink (through the seam) whether `ifname` is a CAN controller with CAN link data: 0 yes,
 * -EOPNOTSUPP when it exists but is not (vcan has kind "vcan" and no data; Ethernet has neither),
 * -ENODEV when there is no such interface, or -errno. libsocketcan cannot tell these apart and prints
 * to stderr ("no link data found", "RTNETLINK answers: …") on the way, so it is only asked about links
 * that pass this check. */
static int can_link(const char *ifname) {
    int fd = ck_sys_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    if (fd < 0) return fd;
    struct {
        struct nlmsghdr n;
        struct ifinfomsg i;
        char attrs[RTA_SPACE(IF_NAMESIZE)];
    } req;
    memset(&req, 0, sizeof req);
    req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    req.n.nlmsg_type = RTM_GETLINK;
    req.n.nlmsg_flags = NLM_F_REQUEST;
    req.n.nlmsg_seq = 1;
    req.i.ifi_family = AF_UNSPEC;
    struct rtattr *name = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.n.nlmsg_len));
    size_t name_len = strlen(ifname) + 1;            /* <= IF_NAMESIZE: checked by ifname_ok */
    name->rta_type = IFLA_IFNAME;
    name->rta_len = (unsigned short)RTA_LENGTH(name_len);
    memcpy(RTA_DATA(name), ifname, name_len);
    req.n.nlmsg_len = NLMSG_ALIGN(req.n.nlmsg_len) + RTA_ALIGN(name->rta_len);
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    ssize_t n = ck_sys_sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    if (n < 0) { ck_sys_close(fd); return (int)n; }
    static _Thread_local char reply[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
    n = ck_sys_recvfrom(fd, reply, sizeof reply, 0, NULL, NULL);
    ck_sys_close(fd);
    if (n < 0) return (int)n;
    const struct nlmsghdr *h = (const struct nlmsghdr *)reply;
    if (!NLMSG_OK(h, (unsigned int)n)) return -EPROTO;
    if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        return e->error < 0 ? e->error : -EPROTO;
    }
    if (h->nlmsg_type != RTM_NEWLINK) return -EPROTO;
    const struct ifinfomsg *ifi = NLMSG_DATA(h);
    int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof *ifi);
    for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type != IFLA_LINKINFO) continue;
        int kind_can = 0, has_data = 0;
        int inner = (int)RTA_PAYLOAD(a);
        for (const struct rtattr *b = RTA_DATA(a); RTA_OK(b, inner); b = RTA_NEXT(b, inner)) {
            if (b->rta_type == IFLA_INFO_KIND) kind_can = RTA_PAYLOAD(b) == 4 && memcmp(RTA_DATA(b), "can", 4) == 0;
            if (b->rta_type == IFLA_INFO_DATA) has_data = 1;
        }
        return kind_can && has_data ? 0 : -EOPNOTSUPP;
    }
    return -EOPNOTSUPP;
}

static int lib_get_state(const char *ifname, int *state) {
    int r = can_link(ifname);
    if (r < 0) return r;
    errno = 0;
    return lib_result(can_get_state(ifname, state));
}
static int lib_get_bitrate(const char *ifname, uint32_t *bitrate, uint32_t *sample_point) {
    int r = can_link(ifname);
    if (r < 0) return r;
    struct can_bittiming bt;
    memset(&bt, 0, sizeof bt);
    errno = 0;
    r = lib_result(can_get_bittiming(ifname, &bt));
    if (r < 0) return r;
    *bitrate = bt.bitrate;
    *sample_point = bt.sample_point;
    return 0;
}
static int lib_set_bitrate(const char *ifname, uint32_t bitrate) {
    /* Only a CAN controller has a bitrate: anything else (vcan, an Ethernet port) is refused by
     * can_link before its link is taken down. */
    int r = can_link(ifname);
    if (r < 0) return r;
    errno = 0;
    r = lib_result(can_do_stop(ifname));
    if (r < 0) return r;
    errno = 0;
    r = lib_result(can_set_bitrate(ifname, bitrate));
    errno = 0;
    int s = lib_result(can_do_start(ifname));
    return r < 0 ? r : s;
}
static int lib_set_restart_ms(const char *ifname, uint32_t ms) {
    int r = can_link(ifname);
    if (r < 0) return r;
    errno = 0;
    return lib_result(can_set_restart_ms(ifname, ms));
}
/* can_do_restart refuses (with -1, errno 0 and a line on stderr) unless the link is bus-off and
 * automatic restart is off. Check both here so the caller gets a precise errno. */
static int lib_restart(const char *ifname) {
    int r = can_link(ifname);
    if (r < 0) return r;
    int state = 0;
    errno = 0;
    if ((r = lib_result(can_get_state(ifname, &state))) < 0) return r;
    if (state != CAN_STATE_BUS_OFF) return -EINVAL;
    uint32_t restart_ms = 0;
    errno = 0;
    if ((r = lib_result(can_get_restart_ms(ifname, &restart_ms))) < 0) return r;
    if (restart_ms != 0) return -EBUSY;
    errno = 0;
    return lib_result(can_do_restart(ifname));
}
static int lib_start(const char *ifname) {
    int r = exists(ifname);
    if (r < 0) return r;
    errno = 0;
    return lib_result(can_do_start(ifname));
}
static int lib_stop(const char *ifname) {
    int r = exists(ifname);
    if (r < 0) return r;
    errno = 0;
    return lib_result(can_do_stop(ifname));
}
static int lib_get_error_counters(const char *ifname, uint16_t *tx, uint16_t *rx) {
    int r = can_link(ifname);
    if (r < 0) return r;
    struct can_berr_counter bc;
    memset(&bc, 0, sizeof bc);
    errno = 0;
    r = lib_result(can_get_berr_counter(ifname, &bc));
    if (r < 0) return r;
    *tx = bc.txerr;
    *rx = bc.rxerr;
    return 0;
}

const struct ck_socketcan_backend ck_socketcan_backend_default = {
    lib_get_state, lib_get_bitrate, lib_set_bitrate, lib_set_restart_ms, lib_restart, lib_start, lib_stop,
    lib_get_error_counters,
};
struct ck_socketcan_backend ck_socketcan_backend = {
    lib_get_state, lib_get_bitrate, lib_set_bitrate, lib_set_restart_ms, lib_restart, lib_start, lib_stop,
    lib_get_error_counters,
};

int ck_can_get_state(const char *ifname, int *state) {
    int r = ifname_ok(ifname);
    if (r < 0 || state == NULL) return r < 0 ? r : -EINVAL;
    return ck_socketcan_backend.get_state(ifname, state);
}
int ck_can_get_bitrate(const char *ifname, uint32_t *bitrate, uint32_t *sample_point) {
    int r = ifname_ok(ifname);
    if (r < 0 || bitrate == NULL || sample_point == NULL) return r < 0 ? r : -EINVAL;
    return ck_socketcan_backend.get_bitrate(ifname, bitrate, sample_point);
}
int ck_can_set_bitrate(const char *ifname, uint32_t bitrate) {
    int r = ifname_ok(ifname);
    if (r < 0 || bitrate == 0) return r < 0 ? r : -EINVAL;
    return ck_socketcan_backend.set_bitrate(ifname, bitrate);
}
int ck_can_set_restart_ms(const char *ifname, uint32_t ms) {
    int r = ifname_ok(ifname);
    return r < 0 ? r : ck_socketcan_backend.set_restart_ms(ifname, ms);
}
int ck_can_restart(const char *ifname) { int r = ifname_ok(ifname); return r < 0 ? r : ck_socketcan_backend.restart(ifname); }
int ck_can_start(const char *ifname) { int r = ifname_ok(ifname); return r < 0 ? r : ck_socketcan_backend.start(ifname); }
int ck_can_stop(const char *ifname) { int r = ifname_ok(ifname); return r < 0 ? r : ck_socketcan_backend.stop(ifname); }
int ck_can_get_error_counters(const char *ifname, uint16_t *tx, uint16_t *rx) {
    int r = ifname_ok(ifname);
    if (r < 0 || tx == NULL || rx == NULL) return r < 0 ? r : -EINVAL;
    return ck_socketcan_backend.get_error_counters(ifname, tx, rx);
}
