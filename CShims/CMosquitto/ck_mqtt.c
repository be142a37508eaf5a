#include "ck_mqtt.h"

#include <dlfcn.h>
#include <errno.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define CK_MQTT_QUEUE 512

struct ck_mqtt {
    struct mosquitto *mosq;
    pthread_mutex_t lock;
    struct ck_mqtt_event queue[CK_MQTT_QUEUE];
    size_t head, count;
    bool overflowed;
    bool connected;
    bool started;
    char pattern[CK_MQTT_TOPIC_MAX];
    int pattern_qos;
};

/* libmosquitto is opened with dlopen on first use (ck_mqtt_library_init), not linked: a charger
 * without site power sharing never maps it nor the TLS libraries it pulls in (libssl, libcrypto:
 * ~1.5 MiB of an idle chargerd's resident memory, issue 18). mosquitto.h gives the types and
 * constants only. Each entry is the libmosquitto 1.x/2.x ABI function of the same name. */
static struct {
    int (*lib_init)(void);
    struct mosquitto *(*new_)(const char *, bool, void *);
    void (*destroy)(struct mosquitto *);
    void (*connect_callback_set)(struct mosquitto *, void (*)(struct mosquitto *, void *, int));
    void (*disconnect_callback_set)(struct mosquitto *, void (*)(struct mosquitto *, void *, int));
    void (*subscribe_callback_set)(struct mosquitto *, void (*)(struct mosquitto *, void *, int, int, const int *));
    void (*message_callback_set)(struct mosquitto *,
                                 void (*)(struct mosquitto *, void *, const struct mosquitto_message *));
    int (*reconnect_delay_set)(struct mosquitto *, unsigned int, unsigned int, bool);
    int (*will_set)(struct mosquitto *, const char *, int, const void *, int, bool);
    int (*connect_async)(struct mosquitto *, const char *, int, int);
    int (*loop_start)(struct mosquitto *);
    int (*loop_stop)(struct mosquitto *, bool);
    int (*subscribe)(struct mosquitto *, int *, const char *, int);
    int (*publish)(struct mosquitto *, int *, const char *, int, const void *, int, bool);
    int (*socket)(struct mosquitto *);
    int (*disconnect)(struct mosquitto *);
    const char *(*connack_string)(int);
} mq;

static pthread_once_t mq_once = PTHREAD_ONCE_INIT;
static int mq_status = -ELIBACC;
static char mq_problem[256] = "libmosquitto not loaded yet";

static void *mq_symbol(void *lib, const char *name) {
    void *f = dlsym(lib, name);
    if (f == NULL && mq_status == 0) {
        mq_status = -ELIBBAD;
        const char *why = dlerror();
        strncpy(mq_problem, why ? why : name, sizeof mq_problem - 1);
    }
    return f;
}

static void mq_load(void) {
    /* The runtime package's soname (Debian's libmosquitto1), not the -dev symlink. */
    void *lib = dlopen("libmosquitto.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *why = dlerror();
        strncpy(mq_problem, why ? why : "dlopen libmosquitto.so.1 failed", sizeof mq_problem - 1);
        mq_status = -ELIBACC;
        return;
    }
    mq_status = 0;
    *(void **)&mq.lib_init = mq_symbol(lib, "mosquitto_lib_init");
    *(void **)&mq.new_ = mq_symbol(lib, "mosquitto_new");
    *(void **)&mq.destroy = mq_symbol(lib, "mosquitto_destroy");
    *(void **)&mq.connect_callback_set = mq_symbol(lib, "mosquitto_connect_callback_set");
    *(void **)&mq.disconnect_callback_set = mq_symbol(lib, "mosquitto_disconnect_callback_set");
    *(void **)&mq.subscribe_callback_set = mq_symbol(lib, "mosquitto_subscribe_callback_set");
    *(void **)&mq.message_callback_set = mq_symbol(lib, "mosquitto_message_callback_set");
    *(void **)&mq.reconnect_delay_set = mq_symbol(lib, "mosquitto_reconnect_delay_set");
    *(void **)&mq.will_set = mq_symbol(lib, "mosquitto_will_set");
    *(void **)&mq.connect_async = mq_symbol(lib, "mosquitto_connect_async");
    *(void **)&mq.loop_start = mq_symbol(lib, "mosquitto_loop_start");
    *(void **)&mq.loop_stop = mq_symbol(lib, "mosquitto_loop_stop");
    *(void **)&mq.subscribe = mq_symbol(lib, "mosquitto_subscribe");
    *(void **)&mq.publish = mq_symbol(lib, "mosquitto_publish");
    *(void **)&mq.socket = mq_symbol(lib, "mosquitto_socket");
    *(void **)&mq.disconnect = mq_symbol(lib, "mosquitto_disconnect");
    *(void **)&mq.connack_string = mq_symbol(lib, "mosquitto_connack_string");
    if (mq_status != 0) return; /* the library stays open: harmless, and dlclose is not worth a race */
    int rc = mq.lib_init();
    if (rc != MOSQ_ERR_SUCCESS) {
        mq_status = -EIO;
        snprintf(mq_problem, sizeof mq_problem, "mosquitto_lib_init failed (%d)", rc);
        return;
    }
    mq_problem[0] = '\0';
}

/* libmosquitto's error codes as errno values. */
static int ck_errno(int rc) {
    switch (rc) {
    case MOSQ_ERR_SUCCESS: return 0;
    case MOSQ_ERR_NOMEM: return -ENOMEM;
    case MOSQ_ERR_INVAL: return -EINVAL;
    case MOSQ_ERR_NO_CONN: return -ENOTCONN;
    case MOSQ_ERR_CONN_REFUSED: return -ECONNREFUSED;
    case MOSQ_ERR_CONN_LOST: return -ECONNRESET;
    case MOSQ_ERR_PAYLOAD_SIZE: return -EMSGSIZE;
    case MOSQ_ERR_NOT_SUPPORTED: return -ENOTSUP;
    case MOSQ_ERR_KEEPALIVE: return -ETIMEDOUT;
    case MOSQ_ERR_EAI: return -EHOSTUNREACH;
    case MOSQ_ERR_ERRNO: return errno ? -errno : -EIO;
    default: return -EPROTO;
    }
}

/* Called on the network thread. */
static void ck_push(struct ck_mqtt *c, const struct ck_mqtt_event *e) {
    pthread_mutex_lock(&c->lock);
    if (c->count == CK_MQTT_QUEUE) {
        c->overflowed = true;
    } else {
        c->queue[(c->head + c->count) % CK_MQTT_QUEUE] = *e;
        c->count++;
    }
    pthread_mutex_unlock(&c->lock);
}

static void on_connect(struct mosquitto *m, void *obj, int rc) {
    struct ck_mqtt *c = obj;
    struct ck_mqtt_event e;
    memset(&e, 0, sizeof e);
    if (rc == 0) {
        /* Subscribe before anything else goes out on this connection: the broker then sends the
         * retained messages before the echo of whatever we publish next. */
        if (c->pattern[0]) mq.subscribe(m, NULL, c->pattern, c->pattern_qos);
        pthread_mutex_lock(&c->lock);
        c->connected = true;
        pthread_mutex_unlock(&c->lock);
        e.kind = CK_MQTT_CONNECTED;
    } else {
        e.kind = CK_MQTT_REFUSED;
        e.rc = rc;
    }
    ck_push(c, &e);
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc) {
    (void)m;
    struct ck_mqtt *c = obj;
    struct ck_mqtt_event e;
    memset(&e, 0, sizeof e);
    e.kind = CK_MQTT_DISCONNECTED;
    e.rc = rc == 0 ? 0 : ck_errno(rc == MOSQ_ERR_ERRNO ? MOSQ_ERR_CONN_LOST : rc);
    pthread_mutex_lock(&c->lock);
    c->connected = false;
    pthread_mutex_unlock(&c->lock);
    ck_push(c, &e);
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int qos_count, const int *granted) {
    (void)m; (void)qos_count; (void)granted;
    struct ck_mqtt_event e;
    memset(&e, 0, sizeof e);
    e.kind = CK_MQTT_SUBSCRIBED;
    e.rc = mid;
    ck_push(obj, &e);
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg) {
    (void)m;
    struct ck_mqtt_event e;
    memset(&e, 0, sizeof e);
    e.kind = CK_MQTT_MESSAGE;
    e.retained = msg->retain ? 1 : 0;
    size_t tl = msg->topic ? strlen(msg->topic) : 0;
    size_t pl = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
    if (tl >= CK_MQTT_TOPIC_MAX || pl > CK_MQTT_PAYLOAD_MAX) {
        e.truncated = 1;
        if (tl >= CK_MQTT_TOPIC_MAX) tl = CK_MQTT_TOPIC_MAX - 1;
        if (pl > CK_MQTT_PAYLOAD_MAX) pl = CK_MQTT_PAYLOAD_MAX;
    }
    if (tl) memcpy(e.topic, msg->topic, tl);
    e.topic[tl] = '\0';
    if (pl) memcpy(e.payload, msg->payload, pl);
    e.payload_length = pl;
    ck_push(obj, &e);
}

int ck_mqtt_library_init(void) {
    pthread_once(&mq_once, mq_load);
    return mq_status;
}

const char *ck_mqtt_library_problem(void) { return mq_problem; }

int ck_mqtt_create(struct ck_mqtt **out, const char *client_id) {
    if (out == NULL) return -EINVAL;
    *out = NULL;
    int loaded = ck_mqtt_library_init();
    if (loaded < 0) return loaded;
    struct ck_mqtt *c = calloc(1, sizeof *c);
    if (c == NULL) return -ENOMEM;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return -ENOMEM;
    }
    errno = 0;
    c->mosq = mq.new_(client_id, true, c);
    if (c->mosq == NULL) {
        int err = errno ? -errno : -ENOMEM;
        pthread_mutex_destroy(&c->lock);
        free(c);
        return err;
    }
    mq.connect_callback_set(c->mosq, on_connect);
    mq.disconnect_callback_set(c->mosq, on_disconnect);
    mq.subscribe_callback_set(c->mosq, on_subscribe);
    mq.message_callback_set(c->mosq, on_message);
    mq.reconnect_delay_set(c->mosq, 1, 8, true);
    *out = c;
    return 0;
}

int ck_mqtt_set_will(struct ck_mqtt *c, const char *topic, const void *payload, size_t length, int qos, int retain) {
    if (c == NULL || topic == NULL || length > CK_MQTT_PAYLOAD_MAX) return -EINVAL;
    return ck_errno(mq.will_set(c->mosq, topic, (int)length, payload, qos, retain != 0));
}

int ck_mqtt_set_subscription(struct ck_mqtt *c, const char *pattern, int qos) {
    if (c == NULL || pattern == NULL || strlen(pattern) >= CK_MQTT_TOPIC_MAX) return -EINVAL;
    strcpy(c->pattern, pattern);
    c->pattern_qos = qos;
    return 0;
}

int ck_mqtt_connect(struct ck_mqtt *c, const char *host, int port, int keepalive) {
    /* libmosquitto refuses a keep-alive under 5 s. */
    if (c == NULL || host == NULL || port <= 0 || port > 65535 || keepalive < 5) return -EINVAL;
    if (c->started) return -EALREADY;
    errno = 0;
    int rc = mq.connect_async(c->mosq, host, port, keepalive);
    /* The network thread retries only connections that once succeeded: a first attempt that fails
     * (no broker yet) is the caller's to repeat. */
    if (rc != MOSQ_ERR_SUCCESS) return ck_errno(rc);
    int started = mq.loop_start(c->mosq);
    if (started != MOSQ_ERR_SUCCESS) return ck_errno(started);
    c->started = true;
    return 0;
}

int ck_mqtt_publish(struct ck_mqtt *c, const char *topic, const void *payload, size_t length, int qos, int retain,
                    int *mid) {
    if (c == NULL || topic == NULL || length > CK_MQTT_PAYLOAD_MAX) return -EINVAL;
    pthread_mutex_lock(&c->lock);
    bool connected = c->connected;
    pthread_mutex_unlock(&c->lock);
    if (!connected) return -ENOTCONN;
    errno = 0;
    return ck_errno(mq.publish(c->mosq, mid, topic, (int)length, payload, qos, retain != 0));
}

int ck_mqtt_next(struct ck_mqtt *c, struct ck_mqtt_event *event) {
    if (c == NULL || event == NULL) return -EINVAL;
    int taken = 0;
    pthread_mutex_lock(&c->lock);
    if (c->count > 0) {
        *event = c->queue[c->head];
        c->head = (c->head + 1) % CK_MQTT_QUEUE;
        c->count--;
        taken = 1;
    } else if (c->overflowed) {
        memset(event, 0, sizeof *event);
        event->kind = CK_MQTT_OVERFLOW;
        c->overflowed = false;
        taken = 1;
    }
    pthread_mutex_unlock(&c->lock);
    return taken;
}

int ck_mqtt_drop(struct ck_mqtt *c) {
    if (c == NULL) return -EINVAL;
    int fd = mq.socket(c->mosq);
    if (fd < 0) return -ENOTCONN;
    return shutdown(fd, SHUT_RDWR) == 0 ? 0 : -errno;
}

void ck_mqtt_destroy(struct ck_mqtt *c) {
    if (c == NULL) return;
    mq.disconnect(c->mosq);
    if (c->started) mq.loop_stop(c->mosq, false); /* lets the queued messages and DISCONNECT go out */
    mq.destroy(c->mosq);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

const char *ck_mqtt_connack_string(int rc) {
    return ck_mqtt_library_init() == 0 ? mq.connack_string(rc) : "libmosquitto not loaded";
}
