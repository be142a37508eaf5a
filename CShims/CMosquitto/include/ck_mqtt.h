/*
 * ck_mqtt.h — a small MQTT client over libmosquitto (Debian's libmosquitto-dev) for site power
 * sharing (issue 20 item 5).
 *
 * Why a shim: libmosquitto calls back on its own network thread (mosquitto_loop_start); Swift should
 * not be entered from there. The callbacks only copy what happened into a fixed-capacity queue under
 * a mutex, and the service plane takes the events out with ck_mqtt_next() when it polls. No callback
 * runs Swift code; nothing here touches the real-time loop.
 *
 * libmosquitto is loaded at run time (see ck_mqtt_library_init), not linked.
 *
 * Every function returns >= 0 or -errno (libmosquitto's MOSQ_ERR_* mapped to the nearest errno) and
 * never prints or exits.
 */
#ifndef CK_MQTT_H
#define CK_MQTT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CK_MQTT_TOPIC_MAX 128
#define CK_MQTT_PAYLOAD_MAX 256

enum ck_mqtt_event_kind {
    CK_MQTT_CONNECTED = 1,    /* CONNACK accepted; rc = 0 */
    CK_MQTT_REFUSED = 2,      /* CONNACK refused; rc = the broker's return code */
    CK_MQTT_DISCONNECTED = 3, /* connection gone; rc = -errno (0: we asked) */
    CK_MQTT_SUBSCRIBED = 4,   /* SUBACK; rc = the message id */
    CK_MQTT_MESSAGE = 5,      /* a message on a subscribed topic */
    CK_MQTT_OVERFLOW = 6,     /* events were lost because the queue was full: resynchronise */
};

struct ck_mqtt_event {
    int kind;
    int rc;
    int retained;
    int truncated;            /* topic or payload longer than the buffers (the message is unusable) */
    size_t payload_length;
    char topic[CK_MQTT_TOPIC_MAX];
    unsigned char payload[CK_MQTT_PAYLOAD_MAX];
};

struct ck_mqtt; /* opaque */

/* Opens libmosquitto (dlopen of libmosquitto.so.1, so a charger without an MQTT site link never maps
 * it nor its TLS libraries) and initialises it, once per process; later calls return the first result.
 * 0, -ELIBACC (the library cannot be opened), -ELIBBAD (a function is missing) or -EIO (its init
 * failed); ck_mqtt_library_problem() says which, in the loader's words. ck_mqtt_create calls it. */
int ck_mqtt_library_init(void);

/* Why ck_mqtt_library_init failed ("" after success). */
const char *ck_mqtt_library_problem(void);

/* A client with this id (clean session). *out is NULL on error. */
int ck_mqtt_create(struct ck_mqtt **out, const char *client_id);

/* The last will (before ck_mqtt_connect): published by the broker when we vanish. */
int ck_mqtt_set_will(struct ck_mqtt *c, const char *topic, const void *payload, size_t length, int qos, int retain);

/* Subscribed again on every (re)connection, before anything else we send on it. */
int ck_mqtt_set_subscription(struct ck_mqtt *c, const char *pattern, int qos);

/* Connects (the TCP connect; the MQTT handshake goes on in the background) and starts libmosquitto's
 * network thread, which reconnects after any later loss (1 s, doubling up to 8 s). A first attempt that
 * fails (-ECONNREFUSED: no broker yet) starts nothing: call again later. -EALREADY once started.
 * keepalive in seconds, at least 5 (libmosquitto's minimum). */
int ck_mqtt_connect(struct ck_mqtt *c, const char *host, int port, int keepalive);

/* Queues a message; *mid gets its id (may be NULL). -ENOTCONN while not connected (nothing queued). */
int ck_mqtt_publish(struct ck_mqtt *c, const char *topic, const void *payload, size_t length, int qos, int retain,
                    int *mid);

/* Takes the oldest event: 1 taken, 0 none. */
int ck_mqtt_next(struct ck_mqtt *c, struct ck_mqtt_event *event);

/* Cuts the connection without a DISCONNECT packet, so the broker publishes our will now; the network
 * thread reconnects as after any loss. */
int ck_mqtt_drop(struct ck_mqtt *c);

/* A clean DISCONNECT (no will), stops the network thread and frees the client. */
void ck_mqtt_destroy(struct ck_mqtt *c);

/* libmosquitto's text for a MOSQ_ERR_* or CONNACK code. */
const char *ck_mqtt_connack_string(int rc);

#ifdef __cplusplus
}
#endif
#endif /* CK_MQTT_H */
