/*
 * ck_socket.h — IPv6 UDP and TCP sockets on one network interface, for SDP and V2GTP (ISO 15118-2/-20,
 * DIN 70121; ../shared/specs/sdp-v2gtp.md §1, §4.1, §5.1).
 *
 * V2G runs on the PLC interface only (the QCA7000 `qcaspi` netdev, a TAP, a test veth), with link-local
 * addresses, so every socket here is tied to one interface: SO_BINDTODEVICE, and a link-local address
 * without a scope id gets the interface's index. SDP is UDP port 15118 (requests to ff02::1, answers by
 * unicast); the V2G session is one TCP connection per session, the SECC listening on its link-local
 * address at a port in 49152–65535 and the EVCC connecting.
 *
 * Every socket is IPv6-only (IPV6_V6ONLY), non-blocking and O_CLOEXEC. TCP sockets carry TCP_NODELAY
 * (one V2GTP message is one write; Nagle would hold a CurrentDemandRes for the peer's delayed ACK) and
 * are written with MSG_NOSIGNAL (a reset peer is -EPIPE, never SIGPIPE). Every call goes through the
 * syscall seam (ck_seam.h), returns >= 0 on success or -errno, and never prints or exits; "nothing to
 * do now" is -EAGAIN where 0 is a real answer (receive), and 0 where it is not (send).
 */
#ifndef CK_SOCKET_H
#define CK_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An IPv6 transport endpoint, independent of struct sockaddr_in6. */
struct ck_sock_addr {
    uint8_t addr[16];   /* network order */
    uint32_t scope_id;  /* interface index of a link-local (or link-scope multicast) address; 0: none */
    uint16_t port;      /* host order */
};

#define CK_SOCK_SDP_PORT 15118

/* The interface's index (> 0) and its first link-local (fe80::/10) address, scope id set to the
 * index. Asks getifaddrs (netlink, no ioctl) in the calling thread's network namespace.
 * -ENODEV: no such interface; -EADDRNOTAVAIL: it has no link-local address (IPv6 disabled, or
 * addrgenmode none and none configured). `link_local` may be NULL to ask only for the index.
 * A freshly assigned address is tentative for about a second (duplicate address detection); it is
 * listed here, but binding to it fails with -EADDRNOTAVAIL until DAD has finished. */
int ck_sock_interface(const char *ifname, int *ifindex, struct ck_sock_addr *link_local);

/* --- UDP ------------------------------------------------------------------------------------------ */

/* Opens a UDP socket bound to [::]:port on `ifname` only (SO_BINDTODEVICE; needs CAP_NET_RAW on
 * older kernels), port 0 = an ephemeral port. Outgoing multicast leaves through this interface with
 * hop limit 1 (IPV6_MULTICAST_IF, IPV6_MULTICAST_HOPS). With `join_all_nodes` the socket joins
 * ff02::1 on the interface (IPV6_JOIN_GROUP), as the SECC's SDP server must. Writes the interface
 * index and the bound port; returns the descriptor. -ENODEV: no such interface; -EADDRINUSE: the
 * port is taken on this interface. */
int ck_udp6_open(const char *ifname, uint16_t port, int join_all_nodes, int *ifindex, uint16_t *bound_port);

/* Sends one datagram to `to`. A link-local or multicast destination without a scope id is sent on
 * `ifindex`. Returns the bytes sent, 0 when the socket's queue is full (EAGAIN/ENOBUFS: try again
 * later), or -errno. */
ssize_t ck_udp6_send(int fd, int ifindex, const uint8_t *buf, size_t len, const struct ck_sock_addr *to);

/* Takes one datagram into buf and its sender into *from (may be NULL). Returns its length (0 is an
 * empty datagram), -EAGAIN when none is waiting, -EMSGSIZE when it was longer than cap (it is dropped;
 * *datagram_len, when not NULL, says how long it was), or -errno. */
ssize_t ck_udp6_receive(int fd, uint8_t *buf, size_t cap, struct ck_sock_addr *from, size_t *datagram_len);

/* A UDP socket for a multicast group shared by several processes on one host (python-can's
 * `udp_multicast` CAN interface): SO_REUSEADDR and SO_REUSEPORT, bound to [::]:port, joining `group`
 * (ff00::/8, network order) on `ifname`; outgoing multicast leaves through `ifname` with `hop_limit`
 * and loops back to the host's other members (IPV6_MULTICAST_LOOP). Port 0 makes a send-only socket
 * on an ephemeral port that joins nothing (its datagrams carry that port as their source, so the
 * receiving socket of the same bus can recognise its own). Writes the interface index; returns the
 * descriptor. -ENODEV: no such interface; -EINVAL: not a multicast group or hop limit beyond 255. */
int ck_udp6_multicast_open(const char *ifname, const uint8_t group[16], uint16_t port, int hop_limit, int *ifindex);

/* --- TCP ------------------------------------------------------------------------------------------ */

/* Listens on `local` (the interface's link-local address; a zero scope id gets the interface's index;
 * port 0 = ephemeral) on `ifname` only, with SO_REUSEADDR and `backlog` (> 0). Writes the address and
 * port actually bound to *bound (may be NULL); returns the descriptor. -EADDRINUSE: the port is taken;
 * -EADDRNOTAVAIL: not (yet) an address of this interface (DAD still running). */
int ck_tcp_listen(const char *ifname, const struct ck_sock_addr *local, int backlog, struct ck_sock_addr *bound);

/* Takes one pending connection: returns its descriptor (non-blocking, O_CLOEXEC, TCP_NODELAY) and its
 * peer in *peer (may be NULL), or -EAGAIN when none is waiting (a connection the peer reset before it
 * was taken is skipped the same way), or -errno. */
int ck_tcp_accept(int fd, struct ck_sock_addr *peer);

/* Starts a non-blocking connection to `remote` (a link-local address without a scope id gets the
 * interface's index), leaving through `ifname` when not NULL (SO_BINDTODEVICE). Returns the descriptor
 * with *in_progress = 1 while the handshake runs (wait until it is writable, then ask
 * ck_tcp_connect_status) or 0 when it completed at once; or -errno (-ECONNREFUSED, -ENETUNREACH, ...);
 * no descriptor is left open on failure. */
int ck_tcp_connect(const char *ifname, const struct ck_sock_addr *remote, int *in_progress);

/* Where a connection started by ck_tcp_connect stands: 1 established (or established and already
 * closed by the peer: a receive tells), 0 still connecting, or the -errno that ended it
 * (-ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH, ...; SO_ERROR, which this call clears). */
int ck_tcp_connect_status(int fd);

/* Sends what the socket takes now (MSG_NOSIGNAL). Returns the bytes taken (fewer than len when the
 * send buffer filled up), 0 when it is full, or -errno (-EPIPE, -ECONNRESET: the peer is gone). */
ssize_t ck_tcp_send(int fd, const uint8_t *buf, size_t len);

/* Reads what has arrived. Returns the count, 0 when the peer closed its side (orderly FIN), -EAGAIN
 * when nothing is waiting, or -errno (-ECONNRESET: the peer reset; -ETIMEDOUT: retransmissions gave
 * up). cap must be > 0. */
ssize_t ck_tcp_receive(int fd, uint8_t *buf, size_t cap);

/* Sends FIN after whatever is queued (shutdown SHUT_WR): the orderly end of a session. */
int ck_tcp_shutdown_write(int fd);

/* The local address and port of a socket (getsockname). */
int ck_sock_local(int fd, struct ck_sock_addr *local);

/* Abortive close: SO_LINGER {on, 0 s}, then close. A TCP peer sees a reset (ECONNRESET) at once,
 * queued data is discarded, and the port leaves no TIME_WAIT. Closes even when SO_LINGER fails. */
int ck_sock_abort(int fd);

/* Orderly close. */
int ck_sock_close(int fd);

#ifdef __cplusplus
}
#endif
#endif /* CK_SOCKET_H */
