/* ck_i2c.c — i2c-dev ioctls behind the seam; SMBus through libi2c. */
#define _GNU_SOURCE
#include "ck_i2c.h"
#include "ck_seam.h"

#include <errno.h>
#include <fcntl.h>
#include <i2c/smbus.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <string.h>

_Static_assert(CK_I2C_FUNC_I2C == I2C_FUNC_I2C, "func");
_Static_assert(CK_I2C_FUNC_SMBUS_READ_WORD_DATA == I2C_FUNC_SMBUS_READ_WORD_DATA, "func");

int ck_i2c_open(const char *path) { return ck_sys_open(path, O_RDWR, 0); }
int ck_i2c_close(int fd) { return ck_sys_close(fd); }

int ck_i2c_set_address(int fd, uint16_t address, int force) {
    if (address > 0x7F) return -EINVAL;
    return ck_sys_ioctl(fd, force ? I2C_SLAVE_FORCE : I2C_SLAVE, (void *)(uintptr_t)address);
}

int ck_i2c_functionality(int fd, uint32_t *funcs) {
    if (funcs == NULL) return -EINVAL;
    unsigned long f = 0;
    int r = ck_sys_ioctl(fd, I2C_FUNCS, &f);
    if (r < 0) return r;
    *funcs = (uint32_t)f;
    return 0;
}

/* libi2c returns -errno itself; keep any stray -1 from older builds meaningful. */
static int lib(int r) { return r == -1 && errno != 0 ? -errno : r; }

static int l_quick(int fd) { return lib(i2c_smbus_write_quick(fd, I2C_SMBUS_WRITE)); }
static int l_read_byte(int fd) { return lib(i2c_smbus_read_byte(fd)); }
static int l_read_byte_data(int fd, uint8_t reg) { return lib(i2c_smbus_read_byte_data(fd, reg)); }
static int l_read_word_data(int fd, uint8_t reg) { return lib(i2c_smbus_read_word_data(fd, reg)); }
static int l_write_byte_data(int fd, uint8_t reg, uint8_t v) { return lib(i2c_smbus_write_byte_data(fd, reg, v)); }
static int l_write_word_data(int fd, uint8_t reg, uint16_t v) { return lib(i2c_smbus_write_word_data(fd, reg, v)); }
static int l_read_block(int fd, uint8_t reg, uint8_t len, uint8_t *buf) {
    return lib(i2c_smbus_read_i2c_block_data(fd, reg, len, buf));
}
static int l_write_block(int fd, uint8_t reg, uint8_t len, const uint8_t *buf) {
    return lib(i2c_smbus_write_i2c_block_data(fd, reg, len, buf));
}

const struct ck_i2c_backend ck_i2c_backend_default = {
    l_quick, l_read_byte, l_read_byte_data, l_read_word_data, l_write_byte_data, l_write_word_data,
    l_read_block, l_write_block,
};
struct ck_i2c_backend ck_i2c_backend = {
    l_quick, l_read_byte, l_read_byte_data, l_read_word_data, l_write_byte_data, l_write_word_data,
    l_read_block, l_write_block,
};

int ck_i2c_quick(int fd) { return ck_i2c_backend.quick(fd); }
int ck_i2c_read_byte(int fd) { return ck_i2c_backend.read_byte(fd); }
int ck_i2c_read_byte_data(int fd, uint8_t reg) { return ck_i2c_backend.read_byte_data(fd, reg); }
int ck_i2c_read_word_data(int fd, uint8_t reg) { return ck_i2c_backend.read_word_data(fd, reg); }
int ck_i2c_write_byte_data(int fd, uint8_t reg, uint8_t v) { return ck_i2c_backend.write_byte_data(fd, reg, v); }
int ck_i2c_write_word_data(int fd, uint8_t reg, uint16_t v) { return ck_i2c_backend.write_word_data(fd, reg, v); }

int ck_i2c_read_block(int fd, uint8_t reg, uint8_t *buf, uint8_t len) {
    if (buf == NULL || len == 0 || len > CK_I2C_BLOCK_MAX) return -EINVAL;
    return ck_i2c_backend.read_block(fd, reg, len, buf);
}

int ck_i2c_write_block(int fd, uint8_t reg, const uint8_t *buf, uint8_t len) {
    if (buf == NULL || len == 0 || len > CK_I2C_BLOCK_MAX) return -EINVAL;
    return ck_i2c_backend.write_block(fd, reg, len, buf);
}

int ck_i2c_transfer(int fd, struct ck_i2c_message *m, uint32_t count) {
    if (m == NULL || count == 0 || count > CK_I2C_MAX_MESSAGES) return -EINVAL;
    struct i2c_msg msgs[CK_I2C_MAX_MESSAGES];
    for (uint32_t i = 0; i < count; i++) {
        if (m[i].buf == NULL || m[i].len == 0 || m[i].address > 0x7F) return -EINVAL;
        msgs[i].addr = m[i].address;
        msgs[i].flags = m[i].read ? I2C_M_RD : 0;
        msgs[i].len = m[i].len;
        msgs[i].buf = m[i].buf;
    }
    struct i2c_rdwr_ioctl_data data = { .msgs = msgs, .nmsgs = count };
    return ck_sys_ioctl(fd, I2C_RDWR, &data);
}
