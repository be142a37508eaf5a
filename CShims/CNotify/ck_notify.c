#include "ck_notify.h"
#include "ck_seam.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

int ck_notify_open(struct ck_notify_target *target, const char *socket_name) {
    if (target == NULL || socket_name == NULL) return -EINVAL;
    target->fd = -1;
    size_t n = strlen(socket_name);
    if (n < 2 || (socket_name[0] != '/' && socket_name[0] != '@')) return -EINVAL;
    if (n >= sizeof target->address.sun_path) return -ENAMETOOLONG;
    memset(&target->address, 0, sizeof target->address);
    target->address.sun_family = AF_UNIX;
    memcpy(target->address.sun_path, socket_name, n);
    /* An abstract name starts with a NUL byte and is exactly as long as given (no terminator). */
    if (socket_name[0] == '@') target->address.sun_path[0] = '\0';
    target->address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
                                         (socket_name[0] == '/' ? 1 : 0));
    int fd = ck_sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return fd;
    target->fd = fd;
    return 0;
}

int ck_notify_send(const struct ck_notify_target *target, const void *message, size_t length) {
    if (target == NULL || target->fd < 0 || message == NULL) return -EINVAL;
    ssize_t r = ck_sys_sendto(target->fd, message, length, MSG_NOSIGNAL,
                              (const struct sockaddr *)&target->address, target->address_length);
    return (int)r;
}

int ck_notify_close(struct ck_notify_target *target) {
    if (target == NULL || target->fd < 0) return 0;
    int r = ck_sys_close(target->fd);
    target->fd = -1;
    return r;
}
