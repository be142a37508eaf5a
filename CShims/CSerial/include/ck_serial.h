/*
 * ck_serial.h — a tty (UART, USB-CDC, pseudo-terminal) in raw, non-blocking mode for ChargeKit.
 *
 * Used by the ESP32 control-pilot helper link (115200 8N1, JSON lines) and any other UART device.
 * Every function returns >= 0 on success or -errno; none prints, exits or allocates.
 */
#ifndef CK_SERIAL_H
#define CK_SERIAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Framing and speed. baud: any rate 50 … 4 000 000; standard rates use the Bnnn constants, others the
 * termios2 BOTHER path. data_bits 5…8; parity 'N', 'E' or 'O'; stop_bits 1 or 2; rtscts 0/1. */
struct ck_serial_config {
    uint32_t baud;
    uint8_t data_bits;
    char parity;
    uint8_t stop_bits;
    uint8_t rtscts;
};

#define CK_SERIAL_MAX_BAUD 4000000u

/* Which queue ck_serial_flush discards. */
#define CK_SERIAL_FLUSH_INPUT  0
#define CK_SERIAL_FLUSH_OUTPUT 1
#define CK_SERIAL_FLUSH_BOTH   2

/* Opens a tty read-write, non-blocking, without making it the controlling terminal. -ENOENT when the
 * node does not exist (UART not enabled, USB adapter unplugged), -EBUSY when another process holds it
 * exclusively, -ENOTTY when the path is not a terminal. */
int ck_serial_open(const char *path);

/* Closes a descriptor from ck_serial_open or ck_serial_openpty. */
int ck_serial_close(int fd);

/* Puts the tty in raw mode (no echo, no line editing, no CR/LF translation; VMIN 1, VTIME 0, which
 * with O_NONBLOCK never waits) with the given framing and speed. -EINVAL for a framing or speed
 * outside the ranges above, and for a framing the driver does not keep (a pty forces 8 data bits
 * without parity; the Pi's mini UART has no parity): the framing is read back after setting it, and
 * on -EINVAL the previous settings are restored. */
int ck_serial_configure(int fd, const struct ck_serial_config *config);

/* Reads the current framing and speed back into *config. */
int ck_serial_get_config(int fd, struct ck_serial_config *config);

/* Reads up to len bytes. Returns the count, 0 when nothing is waiting (EAGAIN), -EPIPE when the other
 * end hung up (a read of 0 bytes: with VMIN 1 an empty queue is EAGAIN, never 0), or -errno (-EIO: the
 * device went away; a pty's controller reads EIO once every device-end descriptor is closed). */
ssize_t ck_serial_read(int fd, uint8_t *buf, size_t len);

/* Writes up to len bytes. Returns the count written (possibly fewer than len), 0 when the output queue
 * is full, or -errno. */
ssize_t ck_serial_write(int fd, const uint8_t *buf, size_t len);

/* Discards unread input, unsent output or both (CK_SERIAL_FLUSH_*). */
int ck_serial_flush(int fd, int which);

/* Number of bytes waiting to be read (FIONREAD) into *count. */
int ck_serial_bytes_available(int fd, int *count);

/* Opens a pseudo-terminal pair for tests and emulators: *controller is the far end, *device the tty a
 * ChargeKit program opens (its path is written to name). Both ends are non-blocking and raw. */
int ck_serial_openpty(int *controller, int *device, char *name, size_t name_len);

#ifdef __cplusplus
}
#endif
#endif /* CK_SERIAL_H */
