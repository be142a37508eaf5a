/* ck_serial_baud.c — termios2 BOTHER for rates that have no Bnnn constant. */
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <errno.h>
#include "ck_seam.h"
#include "ck_serial_baud.h"

int ck_serial_set_custom_baud(int fd, uint32_t baud) {
    struct termios2 t2;
    int r = ck_sys_ioctl(fd, TCGETS2, &t2);
    if (r < 0) return r;
    t2.c_cflag &= ~(tcflag_t)CBAUD;
    t2.c_cflag |= BOTHER;
    t2.c_cflag &= ~(tcflag_t)(CBAUD << IBSHIFT);
    t2.c_cflag |= (tcflag_t)(BOTHER << IBSHIFT);
    t2.c_ispeed = baud;
    t2.c_ospeed = baud;
    return ck_sys_ioctl(fd, TCSETS2, &t2);
}

int ck_serial_get_custom_baud(int fd, uint32_t *baud) {
    struct termios2 t2;
    int r = ck_sys_ioctl(fd, TCGETS2, &t2);
    if (r < 0) return r;
    *baud = t2.c_ospeed;
    return 0;
}
