/* ck_serial_baud.h — private: arbitrary baud rates through termios2 (kept apart because
 * <asm/termbits.h> and <termios.h> cannot share a translation unit). */
#ifndef CK_SERIAL_BAUD_H
#define CK_SERIAL_BAUD_H
#include <stdint.h>
int ck_serial_set_custom_baud(int fd, uint32_t baud);
int ck_serial_get_custom_baud(int fd, uint32_t *baud);
#endif
