/* ck_rawether.c — AF_PACKET sockets and interface queries behind the seam. */
#define _GNU_SOURCE
#include "ck_rawether.h"
#include "ck_seam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int ck_eth_open(const char *ifname, uint16_t ethertype, int *ifindex) {
    if (ifindex == NULL) return -EINVAL;
    int idx = ck_sys_if_nametoindex(ifname);
    if (idx < 0) return idx;
    int fd = ck_sys_socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ethertype));
    if (fd < 0) return fd;
    struct sockaddr_ll addr;
    memset(&addr, 0, sizeof addr);
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ethertype);
    addr.sll_ifindex = idx;
    int r = ck_sys_bind(fd, (struct sockaddr *)&addr, sizeof addr);
    if (r < 0) { ck_sys_close(fd); return r; }
    *ifindex = idx;
    return fd;
}

int ck_eth_close(int fd) { return ck_sys_close(fd); }

ssize_t ck_eth_send(int fd, int ifindex, const uint8_t *frame, size_t len) {
    if (frame == NULL || len < CK_ETH_HEADER_LEN) return -EINVAL;
    if (len > CK_ETH_MAX_FRAME) return -EMSGSIZE;
    uint8_t padded[CK_ETH_MIN_FRAME];
    const uint8_t *out = frame;
    size_t out_len = len;
    if (len < CK_ETH_MIN_FRAME) {
        memset(padded, 0, sizeof padded);
        memcpy(padded, frame, len);
        out = padded;
        out_len = CK_ETH_MIN_FRAME;
    }
    struct sockaddr_ll addr;
    memset(&addr, 0, sizeof addr);
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = ifindex;
    addr.sll_halen = ETH_ALEN;
    memcpy(addr.sll_addr, frame, ETH_ALEN);
    memcpy(&addr.sll_protocol, frame + 12, 2);
    ssize_t n = ck_sys_sendto(fd, out, out_len, 0, (struct sockaddr *)&addr, sizeof addr);
    if (n == -EAGAIN || n == -EWOULDBLOCK || n == -ENOBUFS) return 0;
    return n;
}

ssize_t ck_eth_receive_frame(int fd, uint8_t *buf, size_t cap, size_t *frame_len) {
    if (buf == NULL || cap == 0) return -EINVAL;
    /* MSG_TRUNC: the kernel returns the frame's real length even when it did not fit. */
    ssize_t n = ck_sys_recvfrom(fd, buf, cap, MSG_TRUNC, NULL, NULL);
    if (n == -EAGAIN || n == -EWOULDBLOCK) return 0;
    if (n < 0) return n;
    if ((size_t)n > cap) {
        if (frame_len != NULL) *frame_len = (size_t)n;
        return -EMSGSIZE;
    }
    return n;
}

ssize_t ck_eth_receive(int fd, uint8_t *buf, size_t cap) { return ck_eth_receive_frame(fd, buf, cap, NULL); }

int ck_eth_interface_present(int fd, int ifindex) {
    if (ifindex <= 0) return -EINVAL;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_ifindex = ifindex;
    int r = ck_sys_ioctl(fd, SIOCGIFNAME, &ifr);
    if (r == -ENODEV || r == -ENXIO) return 0;
    return r < 0 ? r : 1;
}

/* Interface ioctls need some socket; a datagram packet socket needs no binding. */
static int ifreq_ioctl(const char *ifname, unsigned long request, struct ifreq *ifr) {
    memset(ifr, 0, sizeof *ifr);
    int r = ck_copy_name(ifr->ifr_name, sizeof ifr->ifr_name, ifname);
    if (r < 0) return r;
    int fd = ck_sys_socket(AF_PACKET, SOCK_DGRAM, 0);
    if (fd < 0) fd = ck_sys_socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return fd;
    r = ck_sys_ioctl(fd, request, ifr);
    ck_sys_close(fd);
    return r == -ENODEV || r >= 0 ? r : (r == -ENXIO ? -ENODEV : r);
}

int ck_eth_get_mac(const char *ifname, uint8_t mac[6]) {
    if (mac == NULL) return -EINVAL;
    struct ifreq ifr;
    int r = ifreq_ioctl(ifname, SIOCGIFHWADDR, &ifr);
    if (r < 0) return r;
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

int ck_eth_get_link(const char *ifname, struct ck_eth_link *link) {
    if (link == NULL) return -EINVAL;
    struct ifreq ifr;
    int r = ifreq_ioctl(ifname, SIOCGIFFLAGS, &ifr);
    if (r < 0) return r;
    memset(link, 0, sizeof *link);
    link->up = (ifr.ifr_flags & IFF_UP) != 0;
    link->running = (ifr.ifr_flags & IFF_RUNNING) != 0;
    if ((r = ifreq_ioctl(ifname, SIOCGIFMTU, &ifr)) < 0) return r;
    link->mtu = ifr.ifr_mtu;
    int idx = ck_sys_if_nametoindex(ifname);
    if (idx < 0) return idx;
    link->ifindex = idx;
    return 0;
}

static int membership(int fd, int ifindex, int add, unsigned short type, const uint8_t *mac) {
    struct packet_mreq mr;
    memset(&mr, 0, sizeof mr);
    mr.mr_ifindex = ifindex;
    mr.mr_type = type;
    if (mac != NULL) { mr.mr_alen = ETH_ALEN; memcpy(mr.mr_address, mac, ETH_ALEN); }
    return ck_sys_setsockopt(fd, SOL_PACKET, add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, &mr, sizeof mr);
}

int ck_eth_set_promiscuous(int fd, int ifindex, int on) { return membership(fd, ifindex, on, PACKET_MR_PROMISC, NULL); }

int ck_eth_add_multicast(int fd, int ifindex, const uint8_t mac[6]) {
    if (mac == NULL) return -EINVAL;
    return membership(fd, ifindex, 1, PACKET_MR_MULTICAST, mac);
}
