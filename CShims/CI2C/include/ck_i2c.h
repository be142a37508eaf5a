/*
 * ck_i2c.h — I2C through /dev/i2c-N and libi2c for ChargeKit.
 *
 * Used for ADCs that sample the control pilot (ADS1115-class: big-endian 16-bit registers, read with
 * SMBus word transfers and byte-swapped) and for isolation monitors. Every function returns >= 0 on
 * success or -errno and never prints or exits; transfers do not allocate.
 */
#ifndef CK_I2C_H
#define CK_I2C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Adapter capabilities (values of <linux/i2c.h>). */
#define CK_I2C_FUNC_I2C               0x00000001u  /* plain I2C messages (I2C_RDWR) */
#define CK_I2C_FUNC_10BIT_ADDR        0x00000002u
#define CK_I2C_FUNC_SMBUS_QUICK       0x00010000u
#define CK_I2C_FUNC_SMBUS_READ_BYTE   0x00020000u
#define CK_I2C_FUNC_SMBUS_WRITE_BYTE  0x00040000u
#define CK_I2C_FUNC_SMBUS_READ_BYTE_DATA  0x00080000u
#define CK_I2C_FUNC_SMBUS_WRITE_BYTE_DATA 0x00100000u
#define CK_I2C_FUNC_SMBUS_READ_WORD_DATA  0x00200000u
#define CK_I2C_FUNC_SMBUS_WRITE_WORD_DATA 0x00400000u
#define CK_I2C_FUNC_SMBUS_READ_I2C_BLOCK  0x04000000u
#define CK_I2C_FUNC_SMBUS_WRITE_I2C_BLOCK 0x08000000u

/* One message of a combined transfer (I2C_RDWR). read = 1 for a read into buf. */
struct ck_i2c_message {
    uint16_t address;
    uint8_t read;
    uint8_t *buf;
    uint16_t len;
};

#define CK_I2C_MAX_MESSAGES 8u
#define CK_I2C_BLOCK_MAX 32u

/* Opens an adapter node (/dev/i2c-1). -ENOENT when I2C is not enabled (dtparam=i2c_arm=on). */
int ck_i2c_open(const char *path);

/* Closes a descriptor from ck_i2c_open. */
int ck_i2c_close(int fd);

/* Selects the 7-bit peripheral address for the SMBus calls. force = 1 uses I2C_SLAVE_FORCE (the
 * address is claimed by a kernel driver). -EBUSY when a kernel driver owns the address. */
int ck_i2c_set_address(int fd, uint16_t address, int force);

/* Reads the adapter's capability bits (CK_I2C_FUNC_*) into *funcs. */
int ck_i2c_functionality(int fd, uint32_t *funcs);

/* SMBus quick write (the "is anyone there" probe): 0 when the address acknowledges, -ENXIO/-EREMOTEIO
 * when nothing answers. */
int ck_i2c_quick(int fd);

/* SMBus receive byte / read byte data / read word data. Return the value (0…255 or 0…65535, the word
 * in SMBus order: low byte first on the wire) or -errno. */
int ck_i2c_read_byte(int fd);
int ck_i2c_read_byte_data(int fd, uint8_t reg);
int ck_i2c_read_word_data(int fd, uint8_t reg);

/* SMBus write byte data / write word data. */
int ck_i2c_write_byte_data(int fd, uint8_t reg, uint8_t value);
int ck_i2c_write_word_data(int fd, uint8_t reg, uint16_t value);

/* SMBus I2C-block read / write of up to 32 bytes starting at reg. The read returns the count. */
int ck_i2c_read_block(int fd, uint8_t reg, uint8_t *buf, uint8_t len);
int ck_i2c_write_block(int fd, uint8_t reg, const uint8_t *buf, uint8_t len);

/* Combined transfer with repeated starts (I2C_RDWR). -EOPNOTSUPP on SMBus-only adapters. */
int ck_i2c_transfer(int fd, struct ck_i2c_message *messages, uint32_t count);

/* The seam for libi2c's SMBus calls (they issue their own ioctl); tests replace entries. Each returns
 * the value or -errno like libi2c. */
struct ck_i2c_backend {
    int (*quick)(int fd);
    int (*read_byte)(int fd);
    int (*read_byte_data)(int fd, uint8_t reg);
    int (*read_word_data)(int fd, uint8_t reg);
    int (*write_byte_data)(int fd, uint8_t reg, uint8_t value);
    int (*write_word_data)(int fd, uint8_t reg, uint16_t value);
    int (*read_block)(int fd, uint8_t reg, uint8_t len, uint8_t *buf);
    int (*write_block)(int fd, uint8_t reg, uint8_t len, const uint8_t *buf);
};
extern struct ck_i2c_backend ck_i2c_backend;
extern const struct ck_i2c_backend ck_i2c_backend_default;

#ifdef __cplusplus
}
#endif
#endif /* CK_I2C_H */
