/*
 * ck_socketcan.h — SocketCAN raw sockets and CAN link control (libsocketcan) for ChargeKit.
 *
 * Used for the ADVANTICS generic CAN interface (500 kbit/s, 29-bit IDs, MCP2515 → can0 on a Pi) and
 * power modules. Sockets are non-blocking; every function returns >= 0 on success or -errno and never
 * prints or exits. Sending and receiving do not allocate.
 */
#ifndef CK_SOCKETCAN_H
#define CK_SOCKETCAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Identifier flags, as in <linux/can.h>. */
#define CK_CAN_EFF_FLAG 0x80000000u  /* 29-bit identifier */
#define CK_CAN_RTR_FLAG 0x40000000u  /* remote transmission request */
#define CK_CAN_ERR_FLAG 0x20000000u  /* error frame (receive only) */
#define CK_CAN_SFF_MASK 0x000007FFu
#define CK_CAN_EFF_MASK 0x1FFFFFFFu

/* Error classes for ck_can_set_error_mask (subset of <linux/can/error.h>). */
#define CK_CAN_ERR_TX_TIMEOUT 0x00000001u
#define CK_CAN_ERR_LOSTARB    0x00000002u
#define CK_CAN_ERR_CRTL       0x00000004u
#define CK_CAN_ERR_PROT       0x00000008u
#define CK_CAN_ERR_TRX        0x00000010u
#define CK_CAN_ERR_ACK        0x00000020u
#define CK_CAN_ERR_BUSOFF     0x00000040u
#define CK_CAN_ERR_BUSERROR   0x00000080u
#define CK_CAN_ERR_RESTARTED  0x00000100u
#define CK_CAN_ERR_MASK       0x1FFFFFFFu

/* Socket options for ck_can_open. */
#define CK_CAN_OPT_FD       0x1   /* accept and send CAN FD frames (up to 64 bytes) */
#define CK_CAN_OPT_RECV_OWN 0x2   /* also receive the frames this socket sent */
#define CK_CAN_OPT_NO_LOOPBACK 0x4 /* other sockets on this host do not see our frames */

/* Frame flags (ck_can_frame.flags). */
#define CK_CAN_FRAME_FD  0x1  /* a CAN FD frame */
#define CK_CAN_FRAME_BRS 0x2  /* CAN FD bit-rate switch */

/* One classic or FD frame. id carries the CK_CAN_*_FLAG bits like a kernel can_id. */
struct ck_can_frame {
    uint32_t id;
    uint8_t len;
    uint8_t flags;
    uint8_t data[64];
};

/* A receive filter: a frame passes when (frame.id & mask) == (id & mask). Set CK_CAN_EFF_FLAG in both
 * to tell 11-bit and 29-bit identifiers apart. */
struct ck_can_filter {
    uint32_t id;
    uint32_t mask;
};

/* Link state as libsocketcan reports it (values of enum can_state). */
#define CK_CAN_STATE_ERROR_ACTIVE  0
#define CK_CAN_STATE_ERROR_WARNING 1
#define CK_CAN_STATE_ERROR_PASSIVE 2
#define CK_CAN_STATE_BUS_OFF       3
#define CK_CAN_STATE_STOPPED       4
#define CK_CAN_STATE_SLEEPING      5

/* Opens a CAN_RAW socket bound to ifname. -ENODEV: no such interface; -EAFNOSUPPORT: the kernel has
 * no CAN support; -ENAMETOOLONG: name over 15 characters. Returns the descriptor. */
int ck_can_open(const char *ifname, int options);

/* Closes a socket from ck_can_open. */
int ck_can_close(int fd);

/* Sends one frame. Returns 1 when queued, 0 when the queue is full (ENOBUFS/EAGAIN: try later),
 * -EINVAL for a bad length (classic > 8, FD > 64, or an FD frame on a classic socket), -ENETDOWN when
 * the interface is down, other -errno. */
int ck_can_send(int fd, const struct ck_can_frame *frame);

/* Takes one received frame. Returns 1 with *frame filled, 0 when none is waiting, or -errno. */
int ck_can_receive(int fd, struct ck_can_frame *frame);

/* Replaces the receive filters. count 0 receives nothing; use one filter {0, 0} to receive all. */
int ck_can_set_filters(int fd, const struct ck_can_filter *filters, uint32_t count);

/* Chooses which error classes arrive as error frames (CK_CAN_ERR_*; 0 = none). */
int ck_can_set_error_mask(int fd, uint32_t mask);

/* --- link control through libsocketcan (netlink). ---
 * Each returns -ENODEV when no interface has that name, and -EOPNOTSUPP when the interface exists
 * but carries no CAN link data (vcan: no bitrate, state or counters; bitrate changes are refused). */

/* Reads the link state (CK_CAN_STATE_*) into *state. */
int ck_can_get_state(const char *ifname, int *state);

/* Reads the nominal bitrate (bit/s) and sample point (tenths of a percent) into the outputs. */
int ck_can_get_bitrate(const char *ifname, uint32_t *bitrate, uint32_t *sample_point);

/* Sets the bitrate: stops the link, sets it, starts it again. An interface without CAN link data (vcan,
 * or not CAN at all) is refused with -EOPNOTSUPP before its link is touched. */
int ck_can_set_bitrate(const char *ifname, uint32_t bitrate);

/* Sets automatic restart after bus-off (0 = manual restart only). */
int ck_can_set_restart_ms(const char *ifname, uint32_t restart_ms);

/* Restarts a link that is bus-off (manual restart). -EINVAL when the link is not bus-off, -EBUSY when
 * automatic restart (restart-ms) is on, so the kernel restarts it by itself. */
int ck_can_restart(const char *ifname);

/* Brings the link up or down. */
int ck_can_start(const char *ifname);
int ck_can_stop(const char *ifname);

/* Reads the transmit and receive error counters. */
int ck_can_get_error_counters(const char *ifname, uint16_t *tx_errors, uint16_t *rx_errors);

/* The seam for the library calls (libsocketcan returns -1 without a reliable errno; the defaults map
 * that as described above, and this table is what tests replace to inject failures). Entries return
 * 0 or -errno; the ck_can_* functions above validate the name and pointers before calling them. */
struct ck_socketcan_backend {
    int (*get_state)(const char *ifname, int *state);
    int (*get_bitrate)(const char *ifname, uint32_t *bitrate, uint32_t *sample_point);
    int (*set_bitrate)(const char *ifname, uint32_t bitrate);
    int (*set_restart_ms)(const char *ifname, uint32_t restart_ms);
    int (*restart)(const char *ifname);
    int (*start)(const char *ifname);
    int (*stop)(const char *ifname);
    int (*get_error_counters)(const char *ifname, uint16_t *tx, uint16_t *rx);
};
extern struct ck_socketcan_backend ck_socketcan_backend;
extern const struct ck_socketcan_backend ck_socketcan_backend_default;

#ifdef __cplusplus
}
#endif
#endif /* CK_SOCKETCAN_H */
