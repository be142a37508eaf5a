/*
 * ck_spidev.h — Linux spidev (/dev/spidevB.C) for ChargeKit.
 *
 * Used by the QCA7000 user-space driver (SPI mode 3, ≤ 12 MHz, burst mode: command word and data in
 * one chip-select cycle) and the WHITE-beet SPI host interface (mode 0, chip select on a GPIO that the
 * caller drives, hence CK_SPI_NO_CS). Every function returns >= 0 on success or -errno; none prints,
 * exits or allocates.
 */
#ifndef CK_SPIDEV_H
#define CK_SPIDEV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Mode flags (values of <linux/spi/spi.h>, restated so Swift needs no kernel header). */
#define CK_SPI_CPHA      0x01u
#define CK_SPI_CPOL      0x02u
#define CK_SPI_MODE_0    0x00u
#define CK_SPI_MODE_1    0x01u
#define CK_SPI_MODE_2    0x02u
#define CK_SPI_MODE_3    0x03u
#define CK_SPI_CS_HIGH   0x04u
#define CK_SPI_LSB_FIRST 0x08u
#define CK_SPI_3WIRE     0x10u
#define CK_SPI_NO_CS     0x40u   /* the caller drives chip select itself (e.g. a GPIO) */

/* Most segments one message may carry. */
#define CK_SPI_MAX_SEGMENTS 16u

/* One segment of a full-duplex message. tx may be NULL (zeros are clocked out), rx may be NULL
 * (received bytes are dropped). speed_hz/bits_per_word 0 = the device setting. cs_change = 1 releases
 * chip select after this segment. */
struct ck_spi_segment {
    const uint8_t *tx;
    uint8_t *rx;
    uint32_t len;
    uint32_t speed_hz;
    uint16_t delay_usecs;
    uint8_t bits_per_word;
    uint8_t cs_change;
};

/* Opens a spidev node read-write. Returns the descriptor. -ENOENT when the node does not exist
 * (SPI not enabled in config.txt, or an overlay such as qca7000 claimed the chip select). */
int ck_spi_open(const char *path);

/* Closes a descriptor from ck_spi_open. */
int ck_spi_close(int fd);

/* Sets the mode flags (CK_SPI_MODE_n | CK_SPI_NO_CS | ...). Uses the 8-bit ioctl when the flags fit,
 * the 32-bit one otherwise. -EINVAL when the controller cannot do that mode. */
int ck_spi_set_mode(int fd, uint32_t mode);

/* Reads the mode flags back into *mode. */
int ck_spi_get_mode(int fd, uint32_t *mode);

/* Sets bits per word (8 for every ChargeKit device). */
int ck_spi_set_bits_per_word(int fd, uint8_t bits);

/* Reads bits per word back into *bits. */
int ck_spi_get_bits_per_word(int fd, uint8_t *bits);

/* Sets the maximum clock in Hz. */
int ck_spi_set_max_speed(int fd, uint32_t speed_hz);

/* Reads the maximum clock back into *speed_hz. */
int ck_spi_get_max_speed(int fd, uint32_t *speed_hz);

/* Runs `count` segments as one message (SPI_IOC_MESSAGE(count)): chip select stays asserted across
 * segments unless a segment sets cs_change. Returns the number of bytes transferred. -EINVAL when
 * count is 0 or above CK_SPI_MAX_SEGMENTS or a segment has len 0; -EMSGSIZE when the total exceeds
 * spidev's bufsiz (4096 by default). */
int ck_spi_transfer(int fd, const struct ck_spi_segment *segments, uint32_t count);

#ifdef __cplusplus
}
#endif
#endif /* CK_SPIDEV_H */
