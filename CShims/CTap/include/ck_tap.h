/*
 * ck_tap.h — a TAP interface (/dev/net/tun, IFF_TAP | IFF_NO_PI) for ChargeKit.
 *
 * Why: a board whose QCA7000 is driven from user space (spidev) has no kernel netdev for the power
 * line. Bridging the driver's frames to a TAP gives the kernel's IPv6 and TCP the same interface a
 * `qcaspi` board has, so SDP and V2G run over ordinary sockets either way (issue 14, item 2).
 * Whole Ethernet frames without FCS in both directions; the descriptor is non-blocking and O_CLOEXEC.
 * Every function returns >= 0 on success or -errno and never prints or exits; all calls go through
 * the ck_sys seam.
 */
#ifndef CK_TAP_H
#define CK_TAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opens (creating if needed) the TAP interface `name` ("" lets the kernel pick, e.g. tap0) and
 * writes the name it got to actual_name (at least 16 bytes). Returns the descriptor.
 * -EPERM: needs CAP_NET_ADMIN; -ENOENT: no /dev/net/tun (CONFIG_TUN). */
int ck_tap_open(const char *name, char *actual_name, size_t actual_len);

/* Closes a descriptor from ck_tap_open (a non-persistent TAP disappears with it). */
int ck_tap_close(int fd);

/* Sets the interface's MAC address (the PLC host MAC the driver uses). */
int ck_tap_set_mac(const char *name, const uint8_t mac[6]);

/* Brings the interface up (1) or down (0). */
int ck_tap_set_up(const char *name, int up);

/* Takes one frame the kernel sent into buf. Returns its length, 0 when none is waiting, -EMSGSIZE
 * when it was longer than cap (it is dropped), or -errno. */
ssize_t ck_tap_read(int fd, uint8_t *buf, size_t cap);

/* Hands one frame to the kernel as if it arrived on the wire. Returns its length, 0 when the
 * interface cannot take it now (EAGAIN), or -errno (-EIO: the interface is down). */
ssize_t ck_tap_write(int fd, const uint8_t *frame, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* CK_TAP_H */
