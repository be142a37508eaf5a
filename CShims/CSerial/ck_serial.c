/* ck_serial.c — termios setup, non-blocking I/O and openpty behind the seam. */
#define _GNU_SOURCE
#include <termios.h>
#include "ck_serial.h"
#include "ck_seam.h"
#include "ck_serial_baud.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>

struct baud_entry { uint32_t rate; speed_t code; };

static const struct baud_entry standard_rates[] = {
    {50, B50}, {75, B75}, {110, B110}, {134, B134}, {150, B150}, {200, B200}, {300, B300},
    {600, B600}, {1200, B1200}, {1800, B1800}, {2400, B2400}, {4800, B4800}, {9600, B9600},
    {19200, B19200}, {38400, B38400}, {57600, B57600}, {115200, B115200}, {230400, B230400},
    {460800, B460800}, {500000, B500000}, {576000, B576000}, {921600, B921600},
    {1000000, B1000000}, {1152000, B1152000}, {1500000, B1500000}, {2000000, B2000000},
    {2500000, B2500000}, {3000000, B3000000}, {3500000, B3500000}, {4000000, B4000000},
};

static int speed_code(uint32_t rate, speed_t *code) {
    for (size_t i = 0; i < sizeof standard_rates / sizeof standard_rates[0]; i++) {
        if (standard_rates[i].rate == rate) { *code = standard_rates[i].code; return 1; }
    }
    return 0;
}

static uint32_t speed_rate(speed_t code) {
    for (size_t i = 0; i < sizeof standard_rates / sizeof standard_rates[0]; i++) {
        if (standard_rates[i].code == code) return standard_rates[i].rate;
    }
    return 0;
}

int ck_serial_open(const char *path) {
    int fd = ck_sys_open(path, O_RDWR | O_NOCTTY | O_NONBLOCK, 0);
    if (fd < 0) return fd;
    struct termios t;
    int r = ck_sys_tcgetattr(fd, &t);
    if (r < 0) { ck_sys_close(fd); return r; }
    return fd;
}

int ck_serial_close(int fd) { return ck_sys_close(fd); }

static int apply_framing(struct termios *t, const struct ck_serial_config *c) {
    t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    switch (c->data_bits) {
    case 5: t->c_cflag |= CS5; break;
    case 6: t->c_cflag |= CS6; break;
    case 7: t->c_cflag |= CS7; break;
    case 8: t->c_cflag |= CS8; break;
    default: return -EINVAL;
    }
    switch (c->parity) {
    case 'N': break;
    case 'E': t->c_cflag |= PARENB; break;
    case 'O': t->c_cflag |= PARENB | PARODD; break;
    default: return -EINVAL;
    }
    switch (c->stop_bits) {
    case 1: break;
    case 2: t->c_cflag |= CSTOPB; break;
    default: return -EINVAL;
    }
    if (c->rtscts > 1) return -EINVAL;
    if (c->rtscts) t->c_cflag |= CRTSCTS;
    t->c_cflag |= CLOCAL | CREAD;
    return 0;
}

/* The framing bits a driver may refuse by silently changing them. */
static tcflag_t framing_bits(tcflag_t cflag) {
    tcflag_t f = cflag & (CSIZE | PARENB | CSTOPB | CRTSCTS);
    if (cflag & PARENB) f |= cflag & PARODD;
    return f;
}

int ck_serial_configure(int fd, const struct ck_serial_config *config) {
    if (config == NULL || config->baud < 50 || config->baud > CK_SERIAL_MAX_BAUD) return -EINVAL;
    struct termios t, before;
    int r = ck_sys_tcgetattr(fd, &t);
    if (r < 0) return r;
    before = t;
    cfmakeraw(&t);
    r = apply_framing(&t, config);
    if (r < 0) return r;
    /* VMIN 1 / VTIME 0: with O_NONBLOCK a read never waits, an empty queue is EAGAIN, so a read of 0
     * bytes can only mean a hang-up. (VMIN 0 would make an empty queue read as 0 too.) */
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    speed_t code;
    int standard = speed_code(config->baud, &code);
    if (standard) {
        cfsetispeed(&t, code);
        cfsetospeed(&t, code);
        /* A previous non-standard rate left BOTHER in the input-speed bits, which glibc's cfsetispeed
         * does not touch: the kernel would keep the old input rate (split speeds). Zero input bits
         * mean "input speed = output speed". */
        t.c_cflag &= ~(tcflag_t)CIBAUD;
    }
    r = ck_sys_tcsetattr(fd, TCSANOW, &t);
    if (r == -EINVAL) goto refused;   /* glibc's own check caught a driver that dropped framing bits */
    if (r < 0) return r;
    /* Drivers that cannot do a framing do not fail: they change the bits (a pty forces CS8 without
     * parity; the Pi's mini UART does 7 or 8 data bits and no parity). Read back and refuse. */
    struct termios after;
    if ((r = ck_sys_tcgetattr(fd, &after)) < 0) return r;
    if (framing_bits(after.c_cflag) != framing_bits(t.c_cflag)) goto refused;
    if (!standard) return ck_serial_set_custom_baud(fd, config->baud);
    return 0;
refused:
    ck_sys_tcsetattr(fd, TCSANOW, &before);   /* keep the previous, working settings */
    return -EINVAL;
}

int ck_serial_get_config(int fd, struct ck_serial_config *config) {
    if (config == NULL) return -EINVAL;
    struct termios t;
    int r = ck_sys_tcgetattr(fd, &t);
    if (r < 0) return r;
    switch (t.c_cflag & CSIZE) {
    case CS5: config->data_bits = 5; break;
    case CS6: config->data_bits = 6; break;
    case CS7: config->data_bits = 7; break;
    default: config->data_bits = 8; break;
    }
    config->parity = (t.c_cflag & PARENB) ? ((t.c_cflag & PARODD) ? 'O' : 'E') : 'N';
    config->stop_bits = (t.c_cflag & CSTOPB) ? 2 : 1;
    config->rtscts = (t.c_cflag & CRTSCTS) ? 1 : 0;
    uint32_t rate = speed_rate(cfgetospeed(&t));
    if (rate == 0) {
        r = ck_serial_get_custom_baud(fd, &rate);
        if (r < 0) return r;
    }
    config->baud = rate;
    return 0;
}

ssize_t ck_serial_read(int fd, uint8_t *buf, size_t len) {
    if (buf == NULL && len > 0) return -EINVAL;
    if (len == 0) return 0;
    ssize_t n = ck_sys_read(fd, buf, len);
    if (n == -EAGAIN || n == -EWOULDBLOCK) return 0;
    if (n == 0) return -EPIPE;
    return n;
}

ssize_t ck_serial_write(int fd, const uint8_t *buf, size_t len) {
    if (buf == NULL && len > 0) return -EINVAL;
    if (len == 0) return 0;
    ssize_t n = ck_sys_write(fd, buf, len);
    if (n == -EAGAIN || n == -EWOULDBLOCK) return 0;
    return n;
}

int ck_serial_flush(int fd, int which) {
    int queue;
    switch (which) {
    case CK_SERIAL_FLUSH_INPUT: queue = TCIFLUSH; break;
    case CK_SERIAL_FLUSH_OUTPUT: queue = TCOFLUSH; break;
    case CK_SERIAL_FLUSH_BOTH: queue = TCIOFLUSH; break;
    default: return -EINVAL;
    }
    return ck_sys_tcflush(fd, queue);
}

int ck_serial_bytes_available(int fd, int *count) {
    if (count == NULL) return -EINVAL;
    return ck_sys_ioctl(fd, FIONREAD, count);
}

static int make_raw_nonblocking(int fd) {
    struct termios t;
    int r = ck_sys_tcgetattr(fd, &t);
    if (r < 0) return r;
    cfmakeraw(&t);
    t.c_cc[VMIN] = 1;   /* see ck_serial_configure */
    t.c_cc[VTIME] = 0;
    r = ck_sys_tcsetattr(fd, TCSANOW, &t);
    if (r < 0) return r;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return -errno;
    return 0;
}

int ck_serial_openpty(int *controller, int *device, char *name, size_t name_len) {
    if (controller == NULL || device == NULL) return -EINVAL;
    int r = ck_sys_openpty(controller, device, name, name_len);
    if (r < 0) return r;
    if ((r = make_raw_nonblocking(*controller)) < 0 || (r = make_raw_nonblocking(*device)) < 0) {
        ck_sys_close(*controller);
        ck_sys_close(*device);
        return r;
    }
    return 0;
}
