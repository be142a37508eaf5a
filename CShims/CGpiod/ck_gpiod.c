/* ck_gpiod.c — libgpiod v1 (Debian 12) and v2 behind one small interface. */
#define _GNU_SOURCE
#include "ck_gpiod.h"
#include "ck_seam.h"

#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <stdlib.h>
#include <string.h>

/* errno after a failed libgpiod call, never 0. */
static int fail(void) { return errno != 0 ? -errno : -EIO; }

#ifdef GPIOD_LINE_BULK_MAX_LINES /* ---------------------------------------------- libgpiod v1 */

struct ck_gpio_line {
    struct gpiod_chip *chip;
    struct gpiod_line *line;
    int direction;
};

static int v1_open(const struct ck_gpio_config *c, struct ck_gpio_line **out) {
    if (c == NULL || out == NULL || c->chip == NULL) return -EINVAL;
    if (c->offset < 0 && (c->line_name == NULL || c->line_name[0] == '\0')) return -EINVAL;
    if (c->direction < CK_GPIO_INPUT || c->direction > CK_GPIO_EVENTS) return -EINVAL;
    if (c->bias < CK_GPIO_BIAS_AS_IS || c->bias > CK_GPIO_BIAS_PULL_DOWN) return -EINVAL;
    errno = 0;
    struct gpiod_chip *chip = gpiod_chip_open_lookup(c->chip);
    if (chip == NULL) return errno == 0 ? -ENOENT : -errno;
    struct gpiod_line *line;
    errno = 0;
    if (c->offset >= 0) {
        if ((unsigned)c->offset >= gpiod_chip_num_lines(chip)) { gpiod_chip_close(chip); return -EINVAL; }
        line = gpiod_chip_get_line(chip, (unsigned)c->offset);
    } else {
        line = gpiod_chip_find_line(chip, c->line_name);
    }
    if (line == NULL) { int e = errno == 0 ? -ENOENT : -errno; gpiod_chip_close(chip); return e; }

    struct gpiod_line_request_config rc;
    memset(&rc, 0, sizeof rc);
    rc.consumer = c->consumer != NULL ? c->consumer : "chargekit";
    switch (c->direction) {
    case CK_GPIO_INPUT: rc.request_type = GPIOD_LINE_REQUEST_DIRECTION_INPUT; break;
    case CK_GPIO_OUTPUT: rc.request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT; break;
    default:
        switch (c->edge) {
        case CK_GPIO_EDGE_RISING: rc.request_type = GPIOD_LINE_REQUEST_EVENT_RISING_EDGE; break;
        case CK_GPIO_EDGE_FALLING: rc.request_type = GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE; break;
        case CK_GPIO_EDGE_BOTH: rc.request_type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES; break;
        default: gpiod_chip_close(chip); return -EINVAL;
        }
    }
    if (c->active_low) rc.flags |= GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW;
    switch (c->bias) {
    case CK_GPIO_BIAS_DISABLED: rc.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE; break;
    case CK_GPIO_BIAS_PULL_UP: rc.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP; break;
    case CK_GPIO_BIAS_PULL_DOWN: rc.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN; break;
    default: break;
    }
    errno = 0;
    if (gpiod_line_request(line, &rc, c->initial_value ? 1 : 0) < 0) {
        int e = fail();
        gpiod_chip_close(chip);
        return e;
    }
    if (c->direction == CK_GPIO_EVENTS) {
        int fd = gpiod_line_event_get_fd(line);
        int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
            int e = fail();
            gpiod_line_release(line);
            gpiod_chip_close(chip);
            return e;
        }
    }
    struct ck_gpio_line *h = calloc(1, sizeof *h);
    if (h == NULL) { gpiod_line_release(line); gpiod_chip_close(chip); return -ENOMEM; }
    h->chip = chip;
    h->line = line;
    h->direction = c->direction;
    *out = h;
    return 0;
}

static int v1_close(struct ck_gpio_line *h) {
    if (h == NULL) return 0;
    gpiod_line_release(h->line);
    gpiod_chip_close(h->chip);
    free(h);
    return 0;
}

static int v1_get(struct ck_gpio_line *h, int *value) {
    if (h == NULL || value == NULL) return -EINVAL;
    errno = 0;
    int v = gpiod_line_get_value(h->line);
    if (v < 0) return fail();
    *value = v;
    return 0;
}

static int v1_set(struct ck_gpio_line *h, int value) {
    if (h == NULL) return -EINVAL;
    if (h->direction != CK_GPIO_OUTPUT) return -EPERM;
    errno = 0;
    return gpiod_line_set_value(h->line, value ? 1 : 0) < 0 ? fail() : 0;
}

static int v1_event_fd(struct ck_gpio_line *h) {
    if (h == NULL || h->direction != CK_GPIO_EVENTS) return -EINVAL;
    errno = 0;
    int fd = gpiod_line_event_get_fd(h->line);
    return fd < 0 ? fail() : fd;
}

static int v1_read_event(struct ck_gpio_line *h, struct ck_gpio_event *ev) {
    if (h == NULL || ev == NULL || h->direction != CK_GPIO_EVENTS) return -EINVAL;
    struct gpiod_line_event e;
    errno = 0;
    int fd = gpiod_line_event_get_fd(h->line);
    if (fd < 0) return fail();
    if (gpiod_line_event_read_fd(fd, &e) < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        return fail();
    }
    ev->rising = e.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
    ev->timestamp_ns = (uint64_t)e.ts.tv_sec * 1000000000ull + (uint64_t)e.ts.tv_nsec;
    return 1;
}

static int v1_chip_info(const char *chip_name, struct ck_gpio_chip_info *info) {
    if (chip_name == NULL || info == NULL) return -EINVAL;
    errno = 0;
    struct gpiod_chip *chip = gpiod_chip_open_lookup(chip_name);
    if (chip == NULL) return errno == 0 ? -ENOENT : -errno;
    memset(info, 0, sizeof *info);
    strncpy(info->name, gpiod_chip_name(chip), sizeof info->name - 1);
    strncpy(info->label, gpiod_chip_label(chip), sizeof info->label - 1);
    info->lines = gpiod_chip_num_lines(chip);
    gpiod_chip_close(chip);
    return 0;
}

static int v1_offset(struct ck_gpio_line *h) { return h == NULL ? -EINVAL : (int)gpiod_line_offset(h->line); }
int ck_gpio_libgpiod_v2(void) { return 0; }

#define IMPL(x) v1_##x

#else /* ------------------------------------------------------------------------- libgpiod v2 */

#include <stdio.h>

struct ck_gpio_line {
    struct gpiod_chip *chip;
    struct gpiod_line_request *request;
    struct gpiod_edge_event_buffer *events;
    unsigned offset;
    int direction;
};

/* v2 opens chips by path only: accept "gpiochipN", a number, a path, or a label (scan /dev). */
static struct gpiod_chip *v2_lookup(const char *descr) {
    char path[64];
    if (descr[0] == '/') return gpiod_chip_open(descr);
    if (descr[0] >= '0' && descr[0] <= '9') {
        snprintf(path, sizeof path, "/dev/gpiochip%s", descr);
        return gpiod_chip_open(path);
    }
    if (strncmp(descr, "gpiochip", 8) == 0) {
        snprintf(path, sizeof path, "/dev/%s", descr);
        return gpiod_chip_open(path);
    }
    for (int i = 0; i < 64; i++) {
        snprintf(path, sizeof path, "/dev/gpiochip%d", i);
        struct gpiod_chip *chip = gpiod_chip_open(path);
        if (chip == NULL) continue;
        struct gpiod_chip_info *ci = gpiod_chip_get_info(chip);
        int match = ci != NULL && strcmp(gpiod_chip_info_get_label(ci), descr) == 0;
        if (ci != NULL) gpiod_chip_info_free(ci);
        if (match) return chip;
        gpiod_chip_close(chip);
    }
    errno = ENOENT;
    return NULL;
}

static int v2_open(const struct ck_gpio_config *c, struct ck_gpio_line **out) {
    if (c == NULL || out == NULL || c->chip == NULL) return -EINVAL;
    if (c->offset < 0 && (c->line_name == NULL || c->line_name[0] == '\0')) return -EINVAL;
    if (c->direction < CK_GPIO_INPUT || c->direction > CK_GPIO_EVENTS) return -EINVAL;
    if (c->bias < CK_GPIO_BIAS_AS_IS || c->bias > CK_GPIO_BIAS_PULL_DOWN) return -EINVAL;
    errno = 0;
    struct gpiod_chip *chip = v2_lookup(c->chip);
    if (chip == NULL) return errno == 0 ? -ENOENT : -errno;
    int offset = c->offset;
    if (offset < 0) {
        offset = gpiod_chip_get_line_offset_from_name(chip, c->line_name);
        if (offset < 0) { gpiod_chip_close(chip); return -ENOENT; }
    }
    struct gpiod_line_settings *ls = gpiod_line_settings_new();
    struct gpiod_line_config *lc = gpiod_line_config_new();
    struct gpiod_request_config *rq = gpiod_request_config_new();
    int rc = -ENOMEM;
    struct gpiod_line_request *req = NULL;
    if (ls == NULL || lc == NULL || rq == NULL) goto done;
    rc = -EINVAL;
    switch (c->direction) {
    case CK_GPIO_INPUT: gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_INPUT); break;
    case CK_GPIO_OUTPUT:
        gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_OUTPUT);
        gpiod_line_settings_set_output_value(ls, c->initial_value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
        break;
    default:
        gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_INPUT);
        switch (c->edge) {
        case CK_GPIO_EDGE_RISING: gpiod_line_settings_set_edge_detection(ls, GPIOD_LINE_EDGE_RISING); break;
        case CK_GPIO_EDGE_FALLING: gpiod_line_settings_set_edge_detection(ls, GPIOD_LINE_EDGE_FALLING); break;
        case CK_GPIO_EDGE_BOTH: gpiod_line_settings_set_edge_detection(ls, GPIOD_LINE_EDGE_BOTH); break;
        default: goto done;
        }
    }
    gpiod_line_settings_set_active_low(ls, c->active_low != 0);
    switch (c->bias) {
    case CK_GPIO_BIAS_DISABLED: gpiod_line_settings_set_bias(ls, GPIOD_LINE_BIAS_DISABLED); break;
    case CK_GPIO_BIAS_PULL_UP: gpiod_line_settings_set_bias(ls, GPIOD_LINE_BIAS_PULL_UP); break;
    case CK_GPIO_BIAS_PULL_DOWN: gpiod_line_settings_set_bias(ls, GPIOD_LINE_BIAS_PULL_DOWN); break;
    default: break;
    }
    unsigned off = (unsigned)offset;
    errno = 0;
    if (gpiod_line_config_add_line_settings(lc, &off, 1, ls) < 0) { rc = fail(); goto done; }
    gpiod_request_config_set_consumer(rq, c->consumer != NULL ? c->consumer : "chargekit");
    errno = 0;
    req = gpiod_chip_request_lines(chip, rq, lc);
    if (req == NULL) { rc = fail(); goto done; }
    rc = 0;
done:
    if (ls) gpiod_line_settings_free(ls);
    if (lc) gpiod_line_config_free(lc);
    if (rq) gpiod_request_config_free(rq);
    if (rc < 0) { gpiod_chip_close(chip); return rc; }
    struct ck_gpio_line *h = calloc(1, sizeof *h);
    if (h == NULL) { gpiod_line_request_release(req); gpiod_chip_close(chip); return -ENOMEM; }
    h->chip = chip;
    h->request = req;
    h->offset = off;
    h->direction = c->direction;
    if (c->direction == CK_GPIO_EVENTS) {
        int fd = gpiod_line_request_get_fd(req);
        int flags = fcntl(fd, F_GETFL);
        h->events = gpiod_edge_event_buffer_new(1);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || h->events == NULL) {
            int e = h->events == NULL ? -ENOMEM : -errno;
            ck_gpio_backend_default.close(h);
            return e;
        }
    }
    *out = h;
    return 0;
}

static int v2_close(struct ck_gpio_line *h) {
    if (h == NULL) return 0;
    if (h->events) gpiod_edge_event_buffer_free(h->events);
    gpiod_line_request_release(h->request);
    gpiod_chip_close(h->chip);
    free(h);
    return 0;
}

static int v2_get(struct ck_gpio_line *h, int *value) {
    if (h == NULL || value == NULL) return -EINVAL;
    errno = 0;
    enum gpiod_line_value v = gpiod_line_request_get_value(h->request, h->offset);
    if (v == GPIOD_LINE_VALUE_ERROR) return fail();
    *value = v == GPIOD_LINE_VALUE_ACTIVE;
    return 0;
}

static int v2_set(struct ck_gpio_line *h, int value) {
    if (h == NULL) return -EINVAL;
    if (h->direction != CK_GPIO_OUTPUT) return -EPERM;
    errno = 0;
    return gpiod_line_request_set_value(h->request, h->offset,
                                        value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0 ? fail() : 0;
}

static int v2_event_fd(struct ck_gpio_line *h) {
    if (h == NULL || h->direction != CK_GPIO_EVENTS) return -EINVAL;
    return gpiod_line_request_get_fd(h->request);
}

static int v2_read_event(struct ck_gpio_line *h, struct ck_gpio_event *ev) {
    if (h == NULL || ev == NULL || h->direction != CK_GPIO_EVENTS) return -EINVAL;
    errno = 0;
    int n = gpiod_line_request_read_edge_events(h->request, h->events, 1);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : fail();
    if (n == 0) return 0;
    struct gpiod_edge_event *e = gpiod_edge_event_buffer_get_event(h->events, 0);
    ev->rising = gpiod_edge_event_get_event_type(e) == GPIOD_EDGE_EVENT_RISING_EDGE;
    ev->timestamp_ns = gpiod_edge_event_get_timestamp_ns(e);
    return 1;
}

static int v2_chip_info(const char *chip_name, struct ck_gpio_chip_info *info) {
    if (chip_name == NULL || info == NULL) return -EINVAL;
    errno = 0;
    struct gpiod_chip *chip = v2_lookup(chip_name);
    if (chip == NULL) return errno == 0 ? -ENOENT : -errno;
    struct gpiod_chip_info *ci = gpiod_chip_get_info(chip);
    if (ci == NULL) { int e = fail(); gpiod_chip_close(chip); return e; }
    memset(info, 0, sizeof *info);
    strncpy(info->name, gpiod_chip_info_get_name(ci), sizeof info->name - 1);
    strncpy(info->label, gpiod_chip_info_get_label(ci), sizeof info->label - 1);
    info->lines = (uint32_t)gpiod_chip_info_get_num_lines(ci);
    gpiod_chip_info_free(ci);
    gpiod_chip_close(chip);
    return 0;
}

static int v2_offset(struct ck_gpio_line *h) { return h == NULL ? -EINVAL : (int)h->offset; }
int ck_gpio_libgpiod_v2(void) { return 1; }

#define IMPL(x) v2_##x

#endif /* ------------------------------------------------------------------------------------ */

const struct ck_gpio_backend ck_gpio_backend_default = {
    .open = IMPL(open), .close = IMPL(close), .get = IMPL(get), .set = IMPL(set),
    .event_fd = IMPL(event_fd), .read_event = IMPL(read_event), .chip_info = IMPL(chip_info),
};
struct ck_gpio_backend ck_gpio_backend = {
    .open = IMPL(open), .close = IMPL(close), .get = IMPL(get), .set = IMPL(set),
    .event_fd = IMPL(event_fd), .read_event = IMPL(read_event), .chip_info = IMPL(chip_info),
};

int ck_gpio_open(const struct ck_gpio_config *c, struct ck_gpio_line **line) { return ck_gpio_backend.open(c, line); }
int ck_gpio_close(struct ck_gpio_line *line) { return ck_gpio_backend.close(line); }
int ck_gpio_get(struct ck_gpio_line *line, int *value) { return ck_gpio_backend.get(line, value); }
int ck_gpio_set(struct ck_gpio_line *line, int value) { return ck_gpio_backend.set(line, value); }
int ck_gpio_event_fd(struct ck_gpio_line *line) { return ck_gpio_backend.event_fd(line); }
int ck_gpio_read_event(struct ck_gpio_line *line, struct ck_gpio_event *e) { return ck_gpio_backend.read_event(line, e); }
int ck_gpio_chip_info(const char *chip, struct ck_gpio_chip_info *info) { return ck_gpio_backend.chip_info(chip, info); }
int ck_gpio_offset(struct ck_gpio_line *line) { return IMPL(offset)(line); }
