/* ck_spidev.c — spidev ioctls behind the seam. */
#define _GNU_SOURCE
#include "ck_spidev.h"
#include "ck_seam.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/spi/spidev.h>
#include <string.h>

int ck_spi_open(const char *path) { return ck_sys_open(path, O_RDWR, 0); }

int ck_spi_close(int fd) { return ck_sys_close(fd); }

int ck_spi_set_mode(int fd, uint32_t mode) {
    if (mode <= 0xFFu) {
        uint8_t m = (uint8_t)mode;
        return ck_sys_ioctl(fd, SPI_IOC_WR_MODE, &m);
    }
    return ck_sys_ioctl(fd, SPI_IOC_WR_MODE32, &mode);
}

int ck_spi_get_mode(int fd, uint32_t *mode) {
    if (mode == NULL) return -EINVAL;
    int r = ck_sys_ioctl(fd, SPI_IOC_RD_MODE32, mode);
    if (r == -ENOTTY || r == -EINVAL) { /* older kernels: 8-bit mode only */
        uint8_t m = 0;
        r = ck_sys_ioctl(fd, SPI_IOC_RD_MODE, &m);
        if (r >= 0) *mode = m;
    }
    return r < 0 ? r : 0;
}

int ck_spi_set_bits_per_word(int fd, uint8_t bits) { return ck_sys_ioctl(fd, SPI_IOC_WR_BITS_PER_WORD, &bits); }

int ck_spi_get_bits_per_word(int fd, uint8_t *bits) {
    if (bits == NULL) return -EINVAL;
    return ck_sys_ioctl(fd, SPI_IOC_RD_BITS_PER_WORD, bits);
}

int ck_spi_set_max_speed(int fd, uint32_t speed_hz) {
    if (speed_hz == 0) return -EINVAL;
    return ck_sys_ioctl(fd, SPI_IOC_WR_MAX_SPEED_HZ, &speed_hz);
}

int ck_spi_get_max_speed(int fd, uint32_t *speed_hz) {
    if (speed_hz == NULL) return -EINVAL;
    return ck_sys_ioctl(fd, SPI_IOC_RD_MAX_SPEED_HZ, speed_hz);
}

int ck_spi_transfer(int fd, const struct ck_spi_segment *segments, uint32_t count) {
    if (segments == NULL || count == 0 || count > CK_SPI_MAX_SEGMENTS) return -EINVAL;
    struct spi_ioc_transfer xfer[CK_SPI_MAX_SEGMENTS];
    memset(xfer, 0, sizeof(struct spi_ioc_transfer) * count);
    for (uint32_t i = 0; i < count; i++) {
        if (segments[i].len == 0) return -EINVAL;
        xfer[i].tx_buf = (uint64_t)(uintptr_t)segments[i].tx;
        xfer[i].rx_buf = (uint64_t)(uintptr_t)segments[i].rx;
        xfer[i].len = segments[i].len;
        xfer[i].speed_hz = segments[i].speed_hz;
        xfer[i].delay_usecs = segments[i].delay_usecs;
        xfer[i].bits_per_word = segments[i].bits_per_word;
        xfer[i].cs_change = segments[i].cs_change;
    }
    return ck_sys_ioctl(fd, SPI_IOC_MESSAGE(count), xfer);
}
