/*
 * ck_fakes.h — test-only fault injection behind the syscall seam (ck_seam.h).
 *
 * ck_fake_install() wraps every ck_sys entry. Calls made on the installing thread are counted and may
 * be failed on demand; calls from any other thread pass straight to libc, so tests running in
 * parallel are not disturbed. A "loopback device" path makes spidev-style ioctls succeed without a
 * kernel driver: SPI messages copy tx into rx and the RD_* ioctls return what WR_* stored. The same
 * device also answers i2c-dev's I2C_SLAVE/I2C_SLAVE_FORCE and I2C_FUNCS as an SMBus-only adapter
 * (I2C_RDWR: EOPNOTSUPP), like the kernel's i2c-stub, and termios like a UART whose driver keeps every
 * setting (tcgetattr/tcsetattr/tcflush, TCGETS2/TCSETS2 for termios2 rates, FIONREAD 0).
 */
#ifndef CK_FAKES_H
#define CK_FAKES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ck_fake_op {
    CK_OP_OPEN, CK_OP_CLOSE, CK_OP_READ, CK_OP_WRITE, CK_OP_IOCTL, CK_OP_SOCKET, CK_OP_BIND,
    CK_OP_SETSOCKOPT, CK_OP_GETSOCKOPT, CK_OP_SENDTO, CK_OP_RECVFROM, CK_OP_TCGETATTR,
    CK_OP_TCSETATTR, CK_OP_TCFLUSH, CK_OP_OPENPTY, CK_OP_IF_NAMETOINDEX, CK_OP_LISTEN, CK_OP_ACCEPT4,
    CK_OP_CONNECT, CK_OP_GETSOCKNAME, CK_OP_SHUTDOWN, CK_OP_GETIFADDRS, CK_OP_COUNT
};

/* Installs the wrappers for the calling thread and clears counters and plans. */
void ck_fake_install(void);

/* Restores libc for everyone and forgets every plan. */
void ck_fake_uninstall(void);

/* The nth call of `op` from now (1 = the next one) fails with errno `err`. */
void ck_fake_fail_nth(enum ck_fake_op op, unsigned nth, int err);

/* Every call of `op` from now fails with errno `err` (err 0 cancels). */
void ck_fake_fail_always(enum ck_fake_op op, int err);

/* The next `times` calls of `op` fail with EINTR before the real call runs. */
void ck_fake_interrupt(enum ck_fake_op op, unsigned times);

/* Reads (read, recvfrom) return at most `max` bytes; 0 lifts the limit. */
void ck_fake_short_reads(size_t max);

/* Calls of `op` made on the installing thread since install (EINTR retries included). */
unsigned ck_fake_calls(enum ck_fake_op op);

/* The request number of the last ioctl seen on the installing thread. */
unsigned long ck_fake_last_ioctl(void);

/* Opening `path` returns a descriptor of /dev/null whose ioctls behave like a spidev in loopback, an
 * SMBus-only i2c adapter or a UART (see above). NULL removes it. The path is copied. */
void ck_fake_loopback_device(const char *path);

/* The peripheral address last selected (I2C_SLAVE/I2C_SLAVE_FORCE) on the loopback device, so a fake
 * SMBus library behind ck_i2c_backend can tell which chip is addressed. */
unsigned long ck_fake_loopback_i2c_address(void);

#ifdef __cplusplus
}
#endif
#endif /* CK_FAKES_H */
