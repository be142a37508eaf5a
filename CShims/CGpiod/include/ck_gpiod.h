/*
 * ck_gpiod.h — GPIO lines through libgpiod (v1.6 as shipped by Debian 12; v2 when the headers are 2.x).
 *
 * Which API is compiled follows the installed header (v1 defines GPIOD_LINE_BULK_MAX_LINES). Both were
 * run against gpio-sim in the HIL VM: v1.6.3 from Debian 12 on every CI run, and v2 (libgpiod.so.3
 * built from upstream, 2026-11) once by hand, with the same 37 kernel-backed tests passing.
 *
 * Used for relays and contactors (outputs), the WHITE-beet RX_READY/TX_PENDING handshake lines and a
 * software chip select, and the QCA7000 interrupt (edge events). Every function returns >= 0 on success
 * or -errno; none prints or exits. ck_gpio_open allocates (inside libgpiod); get/set/read_event do not.
 */
#ifndef CK_GPIOD_H
#define CK_GPIOD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CK_GPIO_INPUT  0
#define CK_GPIO_OUTPUT 1
#define CK_GPIO_EVENTS 2   /* input that reports edges through an event descriptor */

#define CK_GPIO_EDGE_RISING  1
#define CK_GPIO_EDGE_FALLING 2
#define CK_GPIO_EDGE_BOTH    3

#define CK_GPIO_BIAS_AS_IS     0
#define CK_GPIO_BIAS_DISABLED  1
#define CK_GPIO_BIAS_PULL_UP   2
#define CK_GPIO_BIAS_PULL_DOWN 3

/* What to request. chip: "gpiochip0", "/dev/gpiochip0", a chip label ("pinctrl-bcm2711", "hil-gpio")
 * or a number. The line is `offset` when >= 0, otherwise looked up by `line_name` on that chip. */
struct ck_gpio_config {
    const char *chip;
    int offset;
    const char *line_name;
    int direction;      /* CK_GPIO_INPUT / OUTPUT / EVENTS */
    int edge;           /* CK_GPIO_EDGE_* for EVENTS */
    int bias;           /* CK_GPIO_BIAS_* */
    int active_low;     /* 1: logical 1 = electrical low */
    int initial_value;  /* outputs: logical value driven at request time */
    const char *consumer;
};

/* One requested line. Opaque. */
struct ck_gpio_line;

/* One edge. rising = 1 for a rising edge; timestamp_ns from the kernel (monotonic clock in v1.6
 * and for v2 by default). */
struct ck_gpio_event {
    int rising;
    uint64_t timestamp_ns;
};

/* Chip identity, for bring-up tools. */
struct ck_gpio_chip_info {
    char name[32];
    char label[32];
    uint32_t lines;
};

/* Requests one line. -ENOENT: no such chip or line name; -EBUSY: another consumer holds the line;
 * -EINVAL: offset beyond the chip or a bad direction/edge/bias; -EACCES: no permission on the chip. */
int ck_gpio_open(const struct ck_gpio_config *config, struct ck_gpio_line **line);

/* Releases the line and its chip. Safe with NULL. */
int ck_gpio_close(struct ck_gpio_line *line);

/* Reads the logical value (0/1) into *value. */
int ck_gpio_get(struct ck_gpio_line *line, int *value);

/* Drives the logical value of an output line. -EPERM on an input line. */
int ck_gpio_set(struct ck_gpio_line *line, int value);

/* The descriptor that becomes readable when an edge is waiting (EVENTS lines only, else -EINVAL).
 * It is non-blocking. */
int ck_gpio_event_fd(struct ck_gpio_line *line);

/* Takes one waiting edge. Returns 1 with *event filled, 0 when none is waiting, or -errno. */
int ck_gpio_read_event(struct ck_gpio_line *line, struct ck_gpio_event *event);

/* Reads a chip's name, label and line count. */
int ck_gpio_chip_info(const char *chip, struct ck_gpio_chip_info *info);

/* The line offset on its chip (useful after a lookup by name). */
int ck_gpio_offset(struct ck_gpio_line *line);

/* 1 when compiled against libgpiod v2, 0 for v1. */
int ck_gpio_libgpiod_v2(void);

/* The seam for fault injection: every library call goes through this table. Tests may replace an
 * entry (and put back ck_gpio_backend_default). */
struct ck_gpio_backend {
    int (*open)(const struct ck_gpio_config *config, struct ck_gpio_line **line);
    int (*close)(struct ck_gpio_line *line);
    int (*get)(struct ck_gpio_line *line, int *value);
    int (*set)(struct ck_gpio_line *line, int value);
    int (*event_fd)(struct ck_gpio_line *line);
    int (*read_event)(struct ck_gpio_line *line, struct ck_gpio_event *event);
    int (*chip_info)(const char *chip, struct ck_gpio_chip_info *info);
};
extern struct ck_gpio_backend ck_gpio_backend;
extern const struct ck_gpio_backend ck_gpio_backend_default;

#ifdef __cplusplus
}
#endif
#endif /* CK_GPIOD_H */
