#include "ck_tap.h"
#include "ck_seam.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static int copy_name(char *dst, size_t cap, const char *src) {
    if (src == NULL) return -EINVAL;
    size_t n = strlen(src);
    if (n >= cap) return -ENAMETOOLONG;
    memcpy(dst, src, n + 1);
    return 0;
}

/* An interface ioctl on a throwaway datagram socket (the kernel wants a socket, any family). */
static int ifreq_ioctl(unsigned long request, struct ifreq *ifr) {
    int fd = ck_sys_socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0) fd = ck_sys_socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return fd;
    int r = ck_sys_ioctl(fd, request, ifr);
    ck_sys_close(fd);
    return r < 0 ? r : 0;
}

int ck_tap_open(const char *name, char *actual_name, size_t actual_len) {
    if (actual_name == NULL || actual_len < IFNAMSIZ) return -EINVAL;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    int r = copy_name(ifr.ifr_name, sizeof ifr.ifr_name, name);
    if (r < 0) return r;
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    int fd = ck_sys_open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
    if (fd < 0) return fd;
    r = ck_sys_ioctl(fd, TUNSETIFF, &ifr);
    if (r < 0) {
        ck_sys_close(fd);
        return r;
    }
    memcpy(actual_name, ifr.ifr_name, IFNAMSIZ);
    actual_name[IFNAMSIZ - 1] = 0;
    return fd;
}

int ck_tap_close(int fd) { return ck_sys_close(fd); }

int ck_tap_set_mac(const char *name, const uint8_t mac[6]) {
    if (mac == NULL) return -EINVAL;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    int r = copy_name(ifr.ifr_name, sizeof ifr.ifr_name, name);
    if (r < 0) return r;
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
    return ifreq_ioctl(SIOCSIFHWADDR, &ifr);
}

int ck_tap_set_up(const char *name, int up) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    int r = copy_name(ifr.ifr_name, sizeof ifr.ifr_name, name);
    if (r < 0) return r;
    if ((r = ifreq_ioctl(SIOCGIFFLAGS, &ifr)) < 0) return r;
    if (up) ifr.ifr_flags |= IFF_UP; else ifr.ifr_flags &= ~IFF_UP;
    return ifreq_ioctl(SIOCSIFFLAGS, &ifr);
}

ssize_t ck_tap_read(int fd, uint8_t *buf, size_t cap) {
    if (buf == NULL) return -EINVAL;
    /* One read returns one whole frame; a longer frame than cap is cut by the kernel, so read into
     * one byte more and call that too long. */
    uint8_t probe[1600];
    uint8_t *target = cap + 1 <= sizeof probe ? probe : buf;
    size_t want = cap + 1 <= sizeof probe ? cap + 1 : cap;
    ssize_t n = ck_sys_read(fd, target, want);
    if (n == -EAGAIN || n == -EWOULDBLOCK) return 0;
    if (n < 0) return n;
    if ((size_t)n > cap) return -EMSGSIZE;
    if (target != buf) memcpy(buf, probe, (size_t)n);
    return n;
}

ssize_t ck_tap_write(int fd, const uint8_t *frame, size_t len) {
    if (frame == NULL || len < 14) return -EINVAL;
    ssize_t n = ck_sys_write(fd, frame, len);
    if (n == -EAGAIN || n == -EWOULDBLOCK) return 0;
    return n;
}
