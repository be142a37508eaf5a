/* ck_seam.c — libc defaults for the seam and the EINTR-retrying wrappers. */
#define _GNU_SOURCE
#include <termios.h>
#include "ck_seam.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <pty.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int libc_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }
static int libc_ioctl(int fd, unsigned long request, void *arg) { return ioctl(fd, request, arg); }
static int libc_openpty(int *c, int *d, char *name, const struct termios *t, const void *ws) {
    return openpty(c, d, name, t, (const struct winsize *)ws);
}

const struct ck_sys_ops ck_sys_libc = {
    .open = libc_open,
    .close = close,
    .read = read,
    .write = write,
    .ioctl = libc_ioctl,
    .socket = socket,
    .bind = bind,
    .setsockopt = setsockopt,
    .getsockopt = getsockopt,
    .sendto = sendto,
    .recvfrom = recvfrom,
    .tcgetattr = tcgetattr,
    .tcsetattr = tcsetattr,
    .tcflush = tcflush,
    .openpty = libc_openpty,
    .if_nametoindex = if_nametoindex,
    .listen = listen,
    .accept4 = accept4,
    .connect = connect,
    .getsockname = getsockname,
    .shutdown = shutdown,
    .getifaddrs = getifaddrs,
    .freeifaddrs = freeifaddrs,
};

struct ck_sys_ops ck_sys = {
    .open = libc_open,
    .close = close,
    .read = read,
    .write = write,
    .ioctl = libc_ioctl,
    .socket = socket,
    .bind = bind,
    .setsockopt = setsockopt,
    .getsockopt = getsockopt,
    .sendto = sendto,
    .recvfrom = recvfrom,
    .tcgetattr = tcgetattr,
    .tcsetattr = tcsetattr,
    .tcflush = tcflush,
    .openpty = libc_openpty,
    .if_nametoindex = if_nametoindex,
    .listen = listen,
    .accept4 = accept4,
    .connect = connect,
    .getsockname = getsockname,
    .shutdown = shutdown,
    .getifaddrs = getifaddrs,
    .freeifaddrs = freeifaddrs,
};

void ck_sys_reset(void) { ck_sys = ck_sys_libc; }

/* One place for the EINTR loop: a call that fails with EINTR is simply repeated. */
#define CK_RETRY(type, expr)                                  \
    do {                                                      \
        type r_;                                              \
        do { r_ = (expr); } while (r_ < 0 && errno == EINTR); \
        return r_ < 0 ? -errno : r_;                          \
    } while (0)

int ck_sys_open(const char *path, int flags, mode_t mode) {
    if (path == NULL) return -EINVAL;
    CK_RETRY(int, ck_sys.open(path, flags | O_CLOEXEC, mode));
}

/* close is not retried on EINTR: on Linux the descriptor is released even then. */
int ck_sys_close(int fd) { return ck_sys.close(fd) < 0 ? -errno : 0; }
ssize_t ck_sys_read(int fd, void *buf, size_t count) { CK_RETRY(ssize_t, ck_sys.read(fd, buf, count)); }
ssize_t ck_sys_write(int fd, const void *buf, size_t count) { CK_RETRY(ssize_t, ck_sys.write(fd, buf, count)); }
int ck_sys_ioctl(int fd, unsigned long request, void *arg) { CK_RETRY(int, ck_sys.ioctl(fd, request, arg)); }
int ck_sys_socket(int domain, int type, int protocol) {
    CK_RETRY(int, ck_sys.socket(domain, type | SOCK_CLOEXEC, protocol));
}
int ck_sys_bind(int fd, const struct sockaddr *addr, socklen_t len) { CK_RETRY(int, ck_sys.bind(fd, addr, len)); }
int ck_sys_setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
    CK_RETRY(int, ck_sys.setsockopt(fd, level, name, value, len));
}
int ck_sys_getsockopt(int fd, int level, int name, void *value, socklen_t *len) {
    CK_RETRY(int, ck_sys.getsockopt(fd, level, name, value, len));
}
ssize_t ck_sys_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
                      socklen_t addrlen) {
    CK_RETRY(ssize_t, ck_sys.sendto(fd, buf, len, flags, addr, addrlen));
}
ssize_t ck_sys_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr, socklen_t *addrlen) {
    CK_RETRY(ssize_t, ck_sys.recvfrom(fd, buf, len, flags, addr, addrlen));
}
int ck_sys_tcgetattr(int fd, struct termios *t) { CK_RETRY(int, ck_sys.tcgetattr(fd, t)); }
int ck_sys_tcsetattr(int fd, int actions, const struct termios *t) { CK_RETRY(int, ck_sys.tcsetattr(fd, actions, t)); }
int ck_sys_tcflush(int fd, int queue) { CK_RETRY(int, ck_sys.tcflush(fd, queue)); }

int ck_sys_openpty(int *controller, int *device, char *name, size_t name_len) {
    char tmp[128];
    int r;
    do { r = ck_sys.openpty(controller, device, tmp, NULL, NULL); } while (r < 0 && errno == EINTR);
    if (r < 0) return -errno;
    if (name != NULL && name_len > 0) {
        int c = ck_copy_name(name, name_len, tmp);
        if (c < 0) {
            ck_sys_close(*controller);
            ck_sys_close(*device);
            return c;
        }
    }
    return 0;
}

int ck_sys_if_nametoindex(const char *name) {
    if (name == NULL || name[0] == '\0') return -EINVAL;
    if (strlen(name) >= IF_NAMESIZE) return -ENAMETOOLONG;
    unsigned int idx;
    /* Same EINTR rule as the other wrappers (the lookup opens a socket and issues an ioctl). */
    do {
        errno = 0;
        idx = ck_sys.if_nametoindex(name);
    } while (idx == 0 && errno == EINTR);
    if (idx == 0) return errno != 0 ? -errno : -ENODEV;
    return (int)idx;
}

int ck_sys_listen(int fd, int backlog) { CK_RETRY(int, ck_sys.listen(fd, backlog)); }
int ck_sys_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    CK_RETRY(int, ck_sys.accept4(fd, addr, len, flags | SOCK_CLOEXEC));
}
int ck_sys_connect(int fd, const struct sockaddr *addr, socklen_t len) {
    if (ck_sys.connect(fd, addr, len) == 0) return 0;
    return errno == EINTR ? -EINPROGRESS : -errno;
}
int ck_sys_getsockname(int fd, struct sockaddr *addr, socklen_t *len) { CK_RETRY(int, ck_sys.getsockname(fd, addr, len)); }
int ck_sys_shutdown(int fd, int how) { CK_RETRY(int, ck_sys.shutdown(fd, how)); }
int ck_sys_getifaddrs(struct ifaddrs **list) {
    if (list == NULL) return -EINVAL;
    CK_RETRY(int, ck_sys.getifaddrs(list));
}
void ck_sys_freeifaddrs(struct ifaddrs *list) { if (list != NULL) ck_sys.freeifaddrs(list); }

int ck_copy_name(char *dst, size_t dst_len, const char *src) {
    if (dst == NULL || src == NULL || src[0] == '\0' || dst_len == 0) return -EINVAL;
    size_t n = strlen(src);
    if (n >= dst_len) return -ENAMETOOLONG;
    memcpy(dst, src, n + 1);
    return 0;
}
