/* ck_fakes.c — counting, failing and loopback wrappers for the seam (tests only). */
#define _GNU_SOURCE
#include <termios.h>
#include "ck_fakes.h"
#include "ck_seam.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <linux/spi/spidev.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct plan { unsigned calls; unsigned fail_at; int fail_err; int always_err; unsigned interrupts; };

static pthread_t owner;
static atomic_int installed;
static struct plan plans[CK_OP_COUNT];
static size_t short_read_max;
static unsigned long last_ioctl;
static char loopback_path[256];
static int loopback_fd = -1;
static uint32_t lb_mode, lb_speed = 500000;
static uint8_t lb_bits = 8;
static unsigned long lb_i2c_address;

/* The loopback device as a UART whose driver keeps every termios setting (unlike a pty, which forces
 * CS8 without parity): tcsetattr stores, tcgetattr returns, termios2 (TCGETS2/TCSETS2) shares the
 * flags and keeps the BOTHER rates. struct termios2 comes from <asm/termbits.h>, which cannot meet
 * <termios.h> in one file: its layout (asm-generic, also x86) is restated here. */
struct fake_termios2 {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[19];
    uint32_t c_ispeed, c_ospeed;
};
_Static_assert(sizeof(struct fake_termios2) == 44, "struct termios2 layout");
#define FAKE_TCGETS2 _IOR('T', 0x2A, struct fake_termios2)
#define FAKE_TCSETS2 _IOW('T', 0x2B, struct fake_termios2)
static struct termios lb_termios;
static uint32_t lb_ispeed, lb_ospeed;

static void lb_reset_tty(void) {
    memset(&lb_termios, 0, sizeof lb_termios);
    lb_termios.c_cflag = B9600 | CS8 | CREAD | CLOCAL;
    lb_ispeed = lb_ospeed = 9600;
}

static int mine(void) { return atomic_load(&installed) && pthread_equal(pthread_self(), owner); }

/* Decides whether this call fails: returns 0 to run the real call, or sets errno and returns -1. */
static int intercept(enum ck_fake_op op) {
    struct plan *p = &plans[op];
    p->calls++;
    if (p->interrupts > 0) { p->interrupts--; errno = EINTR; return -1; }
    if (p->always_err != 0) { errno = p->always_err; return -1; }
    if (p->fail_at != 0 && p->calls == p->fail_at) { p->fail_at = 0; errno = p->fail_err; return -1; }
    return 0;
}

#define GUARD(op, real_call)                                    \
    do {                                                        \
        if (!mine()) return real_call;                          \
        if (intercept(op) < 0) return -1;                       \
    } while (0)

static int f_open(const char *path, int flags, mode_t mode) {
    GUARD(CK_OP_OPEN, ck_sys_libc.open(path, flags, mode));
    if (loopback_path[0] != '\0' && strcmp(path, loopback_path) == 0) {
        int fd = ck_sys_libc.open("/dev/null", O_RDWR | O_CLOEXEC, 0);
        if (fd >= 0) loopback_fd = fd;
        return fd;
    }
    return ck_sys_libc.open(path, flags, mode);
}
static int f_close(int fd) {
    GUARD(CK_OP_CLOSE, ck_sys_libc.close(fd));
    if (fd == loopback_fd) loopback_fd = -1;
    return ck_sys_libc.close(fd);
}
static ssize_t f_read(int fd, void *buf, size_t n) {
    GUARD(CK_OP_READ, ck_sys_libc.read(fd, buf, n));
    if (short_read_max != 0 && n > short_read_max) n = short_read_max;
    return ck_sys_libc.read(fd, buf, n);
}
static ssize_t f_write(int fd, const void *buf, size_t n) {
    GUARD(CK_OP_WRITE, ck_sys_libc.write(fd, buf, n));
    return ck_sys_libc.write(fd, buf, n);
}

static int loopback_ioctl(unsigned long req, void *arg) {
    if (req == SPI_IOC_WR_MODE) { lb_mode = *(uint8_t *)arg; return 0; }
    if (req == SPI_IOC_WR_MODE32) { lb_mode = *(uint32_t *)arg; return 0; }
    if (req == SPI_IOC_RD_MODE) { *(uint8_t *)arg = (uint8_t)lb_mode; return 0; }
    if (req == SPI_IOC_RD_MODE32) { *(uint32_t *)arg = lb_mode; return 0; }
    if (req == SPI_IOC_WR_BITS_PER_WORD) { lb_bits = *(uint8_t *)arg; return 0; }
    if (req == SPI_IOC_RD_BITS_PER_WORD) { *(uint8_t *)arg = lb_bits; return 0; }
    if (req == SPI_IOC_WR_MAX_SPEED_HZ) { lb_speed = *(uint32_t *)arg; return 0; }
    if (req == SPI_IOC_RD_MAX_SPEED_HZ) { *(uint32_t *)arg = lb_speed; return 0; }
    if (_IOC_TYPE(req) == SPI_IOC_MAGIC && _IOC_NR(req) == 0) {
        unsigned n = _IOC_SIZE(req) / sizeof(struct spi_ioc_transfer);
        struct spi_ioc_transfer *x = arg;
        int total = 0;
        for (unsigned i = 0; i < n; i++) {
            uint8_t *rx = (uint8_t *)(uintptr_t)x[i].rx_buf;
            const uint8_t *tx = (const uint8_t *)(uintptr_t)x[i].tx_buf;
            if (rx != NULL) {
                if (tx != NULL) memmove(rx, tx, x[i].len); else memset(rx, 0, x[i].len);
            }
            total += (int)x[i].len;
        }
        return total;
    }
    /* i2c-dev, as an SMBus-only adapter like the kernel's i2c-stub: address selection and the
     * capability bits answer; plain I2C messages do not. The SMBus transfers themselves go through
     * libi2c (ck_i2c_backend), not this seam. */
    if (req == I2C_SLAVE || req == I2C_SLAVE_FORCE) {
        unsigned long a = (unsigned long)(uintptr_t)arg;
        if (a > 0x7F) { errno = EINVAL; return -1; }
        lb_i2c_address = a;
        return 0;
    }
    if (req == I2C_FUNCS) {
        *(unsigned long *)arg = I2C_FUNC_SMBUS_QUICK | I2C_FUNC_SMBUS_BYTE | I2C_FUNC_SMBUS_BYTE_DATA |
                                I2C_FUNC_SMBUS_WORD_DATA | I2C_FUNC_SMBUS_I2C_BLOCK;
        return 0;
    }
    if (req == I2C_RDWR) { errno = EOPNOTSUPP; return -1; }
    if (req == FAKE_TCGETS2) {
        struct fake_termios2 *t2 = arg;
        memset(t2, 0, sizeof *t2);
        t2->c_iflag = lb_termios.c_iflag; t2->c_oflag = lb_termios.c_oflag;
        t2->c_cflag = lb_termios.c_cflag; t2->c_lflag = lb_termios.c_lflag;
        t2->c_ispeed = lb_ispeed; t2->c_ospeed = lb_ospeed;
        return 0;
    }
    if (req == FAKE_TCSETS2) {
        const struct fake_termios2 *t2 = arg;
        lb_termios.c_iflag = t2->c_iflag; lb_termios.c_oflag = t2->c_oflag;
        lb_termios.c_cflag = t2->c_cflag; lb_termios.c_lflag = t2->c_lflag;
        lb_ispeed = t2->c_ispeed; lb_ospeed = t2->c_ospeed;
        return 0;
    }
    if (req == FIONREAD) { *(int *)arg = 0; return 0; }
    errno = ENOTTY;
    return -1;
}

static int f_ioctl(int fd, unsigned long req, void *arg) {
    GUARD(CK_OP_IOCTL, ck_sys_libc.ioctl(fd, req, arg));
    last_ioctl = req;
    if (fd == loopback_fd && fd >= 0) return loopback_ioctl(req, arg);
    return ck_sys_libc.ioctl(fd, req, arg);
}
static int f_socket(int d, int t, int p) { GUARD(CK_OP_SOCKET, ck_sys_libc.socket(d, t, p)); return ck_sys_libc.socket(d, t, p); }
static int f_bind(int fd, const struct sockaddr *a, socklen_t l) {
    GUARD(CK_OP_BIND, ck_sys_libc.bind(fd, a, l));
    return ck_sys_libc.bind(fd, a, l);
}
static int f_setsockopt(int fd, int lv, int nm, const void *v, socklen_t l) {
    GUARD(CK_OP_SETSOCKOPT, ck_sys_libc.setsockopt(fd, lv, nm, v, l));
    return ck_sys_libc.setsockopt(fd, lv, nm, v, l);
}
static int f_getsockopt(int fd, int lv, int nm, void *v, socklen_t *l) {
    GUARD(CK_OP_GETSOCKOPT, ck_sys_libc.getsockopt(fd, lv, nm, v, l));
    return ck_sys_libc.getsockopt(fd, lv, nm, v, l);
}
static ssize_t f_sendto(int fd, const void *b, size_t n, int fl, const struct sockaddr *a, socklen_t al) {
    GUARD(CK_OP_SENDTO, ck_sys_libc.sendto(fd, b, n, fl, a, al));
    return ck_sys_libc.sendto(fd, b, n, fl, a, al);
}
static ssize_t f_recvfrom(int fd, void *b, size_t n, int fl, struct sockaddr *a, socklen_t *al) {
    GUARD(CK_OP_RECVFROM, ck_sys_libc.recvfrom(fd, b, n, fl, a, al));
    if (short_read_max != 0 && n > short_read_max) n = short_read_max;
    return ck_sys_libc.recvfrom(fd, b, n, fl, a, al);
}
static int f_tcgetattr(int fd, struct termios *t) {
    GUARD(CK_OP_TCGETATTR, ck_sys_libc.tcgetattr(fd, t));
    if (fd == loopback_fd && fd >= 0) { *t = lb_termios; return 0; }
    return ck_sys_libc.tcgetattr(fd, t);
}
static int f_tcsetattr(int fd, int a, const struct termios *t) {
    GUARD(CK_OP_TCSETATTR, ck_sys_libc.tcsetattr(fd, a, t));
    if (fd == loopback_fd && fd >= 0) { lb_termios = *t; return 0; }
    return ck_sys_libc.tcsetattr(fd, a, t);
}
static int f_tcflush(int fd, int q) {
    GUARD(CK_OP_TCFLUSH, ck_sys_libc.tcflush(fd, q));
    if (fd == loopback_fd && fd >= 0) return 0;
    return ck_sys_libc.tcflush(fd, q);
}
static int f_openpty(int *c, int *d, char *nm, const struct termios *t, const void *w) {
    GUARD(CK_OP_OPENPTY, ck_sys_libc.openpty(c, d, nm, t, w));
    return ck_sys_libc.openpty(c, d, nm, t, w);
}
static unsigned int f_if_nametoindex(const char *name) {
    if (!mine()) return ck_sys_libc.if_nametoindex(name);
    if (intercept(CK_OP_IF_NAMETOINDEX) < 0) return 0;
    return ck_sys_libc.if_nametoindex(name);
}

static int f_listen(int fd, int b) { GUARD(CK_OP_LISTEN, ck_sys_libc.listen(fd, b)); return ck_sys_libc.listen(fd, b); }
static int f_accept4(int fd, struct sockaddr *a, socklen_t *l, int fl) {
    GUARD(CK_OP_ACCEPT4, ck_sys_libc.accept4(fd, a, l, fl));
    return ck_sys_libc.accept4(fd, a, l, fl);
}
static int f_connect(int fd, const struct sockaddr *a, socklen_t l) {
    GUARD(CK_OP_CONNECT, ck_sys_libc.connect(fd, a, l));
    return ck_sys_libc.connect(fd, a, l);
}
static int f_getsockname(int fd, struct sockaddr *a, socklen_t *l) {
    GUARD(CK_OP_GETSOCKNAME, ck_sys_libc.getsockname(fd, a, l));
    return ck_sys_libc.getsockname(fd, a, l);
}
static int f_shutdown(int fd, int how) { GUARD(CK_OP_SHUTDOWN, ck_sys_libc.shutdown(fd, how)); return ck_sys_libc.shutdown(fd, how); }
static int f_getifaddrs(struct ifaddrs **list) { GUARD(CK_OP_GETIFADDRS, ck_sys_libc.getifaddrs(list)); return ck_sys_libc.getifaddrs(list); }

void ck_fake_install(void) {
    memset(plans, 0, sizeof plans);
    short_read_max = 0;
    last_ioctl = 0;
    owner = pthread_self();
    ck_sys.open = f_open; ck_sys.close = f_close; ck_sys.read = f_read; ck_sys.write = f_write;
    ck_sys.ioctl = f_ioctl; ck_sys.socket = f_socket; ck_sys.bind = f_bind;
    ck_sys.setsockopt = f_setsockopt; ck_sys.getsockopt = f_getsockopt; ck_sys.sendto = f_sendto;
    ck_sys.recvfrom = f_recvfrom; ck_sys.tcgetattr = f_tcgetattr; ck_sys.tcsetattr = f_tcsetattr;
    ck_sys.tcflush = f_tcflush; ck_sys.openpty = f_openpty; ck_sys.if_nametoindex = f_if_nametoindex;
    ck_sys.listen = f_listen; ck_sys.accept4 = f_accept4; ck_sys.connect = f_connect;
    ck_sys.getsockname = f_getsockname; ck_sys.shutdown = f_shutdown; ck_sys.getifaddrs = f_getifaddrs;
    atomic_store(&installed, 1);
}

void ck_fake_uninstall(void) {
    atomic_store(&installed, 0);
    ck_sys_reset();
    memset(plans, 0, sizeof plans);
    short_read_max = 0;
    loopback_path[0] = '\0';
    loopback_fd = -1;
}

void ck_fake_fail_nth(enum ck_fake_op op, unsigned nth, int err) {
    if (op >= CK_OP_COUNT) return;
    plans[op].fail_at = nth == 0 ? 0 : plans[op].calls + nth;
    plans[op].fail_err = err;
}
void ck_fake_fail_always(enum ck_fake_op op, int err) { if (op < CK_OP_COUNT) plans[op].always_err = err; }
void ck_fake_interrupt(enum ck_fake_op op, unsigned times) { if (op < CK_OP_COUNT) plans[op].interrupts = times; }
void ck_fake_short_reads(size_t max) { short_read_max = max; }
unsigned ck_fake_calls(enum ck_fake_op op) { return op < CK_OP_COUNT ? plans[op].calls : 0; }
unsigned long ck_fake_last_ioctl(void) { return last_ioctl; }

unsigned long ck_fake_loopback_i2c_address(void) { return lb_i2c_address; }

void ck_fake_loopback_device(const char *path) {
    if (path == NULL) { loopback_path[0] = '\0'; return; }
    size_t n = strlen(path);
    if (n >= sizeof loopback_path) n = sizeof loopback_path - 1;
    memcpy(loopback_path, path, n);
    loopback_path[n] = '\0';
    lb_mode = 0; lb_bits = 8; lb_speed = 500000; lb_i2c_address = 0;
    lb_reset_tty();
}
