/*
 * ck_seam.h — the one syscall seam every ChargeKit shim calls through.
 *
 * Why: the development and CI kernels have no spidev, CAN, I2C or GPIO. Routing every libc entry
 * point through one table lets tests replace a call (fail the Nth ioctl with EIO, shorten a read,
 * record a trace) and so exercise each shim's error paths without the device; on the target the
 * table simply holds the libc functions. This mirrors swift-system's `system_<name>` seam.
 *
 * Conventions shared by every shim built on this seam:
 *   - functions return >= 0 on success and -errno on failure; they never exit, abort or print;
 *   - EINTR is retried in exactly one place: the ck_sys_* wrappers below;
 *   - file descriptors are opened O_CLOEXEC.
 */
#ifndef CK_SEAM_H
#define CK_SEAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
struct termios; /* forward: shims that need termios2 must not see <termios.h> */
struct ifaddrs; /* forward: <ifaddrs.h> is only needed by the shims that walk the list */

#ifdef __cplusplus
extern "C" {
#endif

/* The replaceable entry points. ioctl takes its third argument as a pointer, which is how every
 * shim uses it. */
struct ck_sys_ops {
    int (*open)(const char *path, int flags, mode_t mode);
    int (*close)(int fd);
    ssize_t (*read)(int fd, void *buf, size_t count);
    ssize_t (*write)(int fd, const void *buf, size_t count);
    int (*ioctl)(int fd, unsigned long request, void *arg);
    int (*socket)(int domain, int type, int protocol);
    int (*bind)(int fd, const struct sockaddr *addr, socklen_t len);
    int (*setsockopt)(int fd, int level, int name, const void *value, socklen_t len);
    int (*getsockopt)(int fd, int level, int name, void *value, socklen_t *len);
    ssize_t (*sendto)(int fd, const void *buf, size_t len, int flags,
                      const struct sockaddr *addr, socklen_t addrlen);
    ssize_t (*recvfrom)(int fd, void *buf, size_t len, int flags,
                        struct sockaddr *addr, socklen_t *addrlen);
    int (*tcgetattr)(int fd, struct termios *t);
    int (*tcsetattr)(int fd, int actions, const struct termios *t);
    int (*tcflush)(int fd, int queue);
    int (*openpty)(int *controller, int *device, char *name, const struct termios *t,
                   const void *winsize);
    unsigned int (*if_nametoindex)(const char *name);
    /* Stream sockets and interface addresses (CSocket). */
    int (*listen)(int fd, int backlog);
    int (*accept4)(int fd, struct sockaddr *addr, socklen_t *len, int flags);
    int (*connect)(int fd, const struct sockaddr *addr, socklen_t len);
    int (*getsockname)(int fd, struct sockaddr *addr, socklen_t *len);
    int (*shutdown)(int fd, int how);
    int (*getifaddrs)(struct ifaddrs **list);
    /* Not a syscall and never failed by the fakes; in the table so a test that replaces getifaddrs
     * with its own list also frees it. */
    void (*freeifaddrs)(struct ifaddrs *list);
};

/* The live table. Holds the libc functions until a test replaces entries. */
extern struct ck_sys_ops ck_sys;

/* The libc defaults, for tests that wrap a call and still want the real one underneath. */
extern const struct ck_sys_ops ck_sys_libc;

/* Restores every entry of ck_sys to its libc default. */
void ck_sys_reset(void);

/* Wrappers the shims call. Each retries EINTR and returns -errno on failure. */
int ck_sys_open(const char *path, int flags, mode_t mode);
int ck_sys_close(int fd);
ssize_t ck_sys_read(int fd, void *buf, size_t count);
ssize_t ck_sys_write(int fd, const void *buf, size_t count);
int ck_sys_ioctl(int fd, unsigned long request, void *arg);
int ck_sys_socket(int domain, int type, int protocol);
int ck_sys_bind(int fd, const struct sockaddr *addr, socklen_t len);
int ck_sys_setsockopt(int fd, int level, int name, const void *value, socklen_t len);
int ck_sys_getsockopt(int fd, int level, int name, void *value, socklen_t *len);
ssize_t ck_sys_sendto(int fd, const void *buf, size_t len, int flags,
                      const struct sockaddr *addr, socklen_t addrlen);
ssize_t ck_sys_recvfrom(int fd, void *buf, size_t len, int flags,
                        struct sockaddr *addr, socklen_t *addrlen);
int ck_sys_tcgetattr(int fd, struct termios *t);
int ck_sys_tcsetattr(int fd, int actions, const struct termios *t);
int ck_sys_tcflush(int fd, int queue);
int ck_sys_openpty(int *controller, int *device, char *name, size_t name_len);
/* Returns the interface index (> 0) or -errno (-ENODEV when no such interface). */
int ck_sys_if_nametoindex(const char *name);
int ck_sys_listen(int fd, int backlog);
/* accept4 with SOCK_CLOEXEC added to `flags`. */
int ck_sys_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
/* connect is the one call not repeated on EINTR: the kernel goes on connecting in the background,
 * and a second connect would answer EALREADY. An interrupted connect is reported as -EINPROGRESS,
 * exactly like a non-blocking one still under way (POSIX: "the connection shall be established
 * asynchronously"); the caller checks SO_ERROR once the socket is writable. */
int ck_sys_connect(int fd, const struct sockaddr *addr, socklen_t len);
int ck_sys_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int ck_sys_shutdown(int fd, int how);
int ck_sys_getifaddrs(struct ifaddrs **list);
void ck_sys_freeifaddrs(struct ifaddrs *list);

/* Copies an interface or device name into a fixed buffer; -ENAMETOOLONG when it does not fit,
 * -EINVAL for NULL or empty. */
int ck_copy_name(char *dst, size_t dst_len, const char *src);

#ifdef __cplusplus
}
#endif
#endif /* CK_SEAM_H */
