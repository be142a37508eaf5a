/*
 * ck_notify.h — the systemd notification socket (sd_notify(3)) without linking libsystemd.
 *
 * Why: the protocol is one datagram per message on the AF_UNIX socket named by $NOTIFY_SOCKET
 * (a path, or an abstract name written with a leading '@'); chargerd needs nothing else from
 * libsystemd, and the Pi image then needs no libsystemd-dev to build it.
 *
 * Calls go through the ck_sys seam; functions return >= 0 or -errno and never print or allocate.
 */
#ifndef CK_NOTIFY_H
#define CK_NOTIFY_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where notifications go: a non-blocking datagram socket and the address of systemd's socket. */
struct ck_notify_target {
    int fd;
    socklen_t address_length;
    struct sockaddr_un address;
};

/* Opens a target for `socket_name` ($NOTIFY_SOCKET): "/path" or "@abstract". -EINVAL for an empty
 * name or one of another kind, -ENAMETOOLONG when it does not fit sun_path. */
int ck_notify_open(struct ck_notify_target *target, const char *socket_name);

/* Sends one message (e.g. "WATCHDOG=1"). Returns the bytes sent or -errno (-EAGAIN when systemd's
 * queue is full: the message is dropped, never waited for). */
int ck_notify_send(const struct ck_notify_target *target, const void *message, size_t length);

/* Closes the socket; the target's fd becomes -1. */
int ck_notify_close(struct ck_notify_target *target);

#ifdef __cplusplus
}
#endif
#endif /* CK_NOTIFY_H */
