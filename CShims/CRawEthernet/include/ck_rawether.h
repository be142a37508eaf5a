/*
 * ck_rawether.h — raw Ethernet frames (AF_PACKET) for ChargeKit.
 *
 * Used for SLAC (HomePlug AV management messages, EtherType 0x88E1) over the QCA7000 `qcaspi` netdev
 * or a test veth, and for the WHITE-beet Ethernet host interface (EtherType 0x6003). Frames are whole
 * Ethernet frames without FCS: destination MAC, source MAC, EtherType, payload. Sockets are
 * non-blocking; every function returns >= 0 on success or -errno and never prints or exits.
 */
#ifndef CK_RAWETHER_H
#define CK_RAWETHER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CK_ETH_HEADER_LEN 14
#define CK_ETH_MIN_FRAME  60    /* shorter frames are zero-padded by ck_eth_send */
#define CK_ETH_MAX_FRAME  1518  /* 1500 payload + header + one VLAN tag */

/* Interface link state. */
struct ck_eth_link {
    int up;        /* administratively up (IFF_UP) */
    int running;   /* carrier present (IFF_RUNNING / IFF_LOWER_UP) */
    int mtu;
    int ifindex;
};

/* Opens an AF_PACKET socket bound to ifname that receives only `ethertype` (0x0003 = every type).
 * Writes the interface index to *ifindex. -ENODEV: no such interface; -EPERM: needs CAP_NET_RAW. */
int ck_eth_open(const char *ifname, uint16_t ethertype, int *ifindex);

/* Closes a socket from ck_eth_open. */
int ck_eth_close(int fd);

/* Sends one frame (header included, no FCS; 14 … 1518 bytes; zero-padded to 60). Returns the bytes
 * sent, 0 when the queue is full, -EMSGSIZE for a frame over the maximum, other -errno. */
ssize_t ck_eth_send(int fd, int ifindex, const uint8_t *frame, size_t len);

/* Takes one received frame into buf. Returns its length, 0 when none is waiting, -EMSGSIZE when the
 * frame was longer than cap (it is dropped), or -errno (-ENETDOWN: the interface went away). */
ssize_t ck_eth_receive(int fd, uint8_t *buf, size_t cap);

/* ck_eth_receive that also tells, on -EMSGSIZE, how long the dropped frame was (*frame_len; may be
 * NULL). */
ssize_t ck_eth_receive_frame(int fd, uint8_t *buf, size_t cap, size_t *frame_len);

/* Whether the interface `ifindex` (the one the socket is bound to) still exists: 1 yes, 0 deleted,
 * or -errno. Asks through the socket itself, so the answer comes from the socket's network namespace
 * whatever the calling thread's. After a receive of -ENETDOWN this tells "link down" (1) from
 * "interface deleted" (0): the kernel reports both the same way, once. */
int ck_eth_interface_present(int fd, int ifindex);

/* Reads the interface MAC address into mac[6]. */
int ck_eth_get_mac(const char *ifname, uint8_t mac[6]);

/* Reads the interface flags, MTU and index. */
int ck_eth_get_link(const char *ifname, struct ck_eth_link *link);

/* Turns promiscuous reception on or off for this socket (PACKET_MR_PROMISC). */
int ck_eth_set_promiscuous(int fd, int ifindex, int on);

/* Joins a multicast MAC address on this socket (PACKET_MR_MULTICAST). */
int ck_eth_add_multicast(int fd, int ifindex, const uint8_t mac[6]);

#ifdef __cplusplus
}
#endif
#endif /* CK_RAWETHER_H */
