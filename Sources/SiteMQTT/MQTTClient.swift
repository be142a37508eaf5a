import CMosquitto
#if canImport(Glibc)
import Glibc
#endif

/// An MQTT error, naming the broker (and topic) it concerns.
public enum MQTTError: Error, Equatable, CustomStringConvertible {
    /// libmosquitto could not be opened (it is loaded when the first client is made, not linked);
    /// `problem` is the loader's own text (e.g. the missing file).
    case library(problem: String, errno: Int32)
    case create(clientID: String, errno: Int32)
    case configure(broker: String, what: String, errno: Int32)
    case connect(broker: String, errno: Int32)
    case publish(broker: String, topic: String, errno: Int32)

    public var errno: Int32 {
        switch self {
        case .library(_, let e), .create(_, let e), .configure(_, _, let e), .connect(_, let e), .publish(_, _, let e): e
        }
    }

    public var description: String {
        let why = String(cString: strerror(errno))
        return switch self {
        case .library(let problem, _): "cannot load the MQTT library (Debian package libmosquitto1): \(problem)"
        case .create(let id, _): "cannot create MQTT client \(id): \(why)"
        case .configure(let b, let what, _): "MQTT \(b): cannot set \(what): \(why)"
        case .connect(let b, _): "cannot connect to MQTT broker \(b): \(why)"
        case .publish(let b, let t, _): "MQTT \(b): cannot publish \(t): \(why)"
        }
    }
}

/// What the broker connection reports, in order.
public enum MQTTEvent: Sendable, Equatable {
    case connected
    case refused(String)
    /// `errno` 0: we disconnected.
    case disconnected(errno: Int32)
    case subscribed
    case message(topic: String, payload: [UInt8], retained: Bool)
    /// The shim's queue overflowed and events were lost: treat like a lost connection.
    case overflow
}

/// A libmosquitto client (through the `CMosquitto` shim): libmosquitto's own network thread talks to
/// the broker and reconnects; the owner takes events with `next()` on its thread (the service plane's).
public final class MQTTClient {
    public let broker: String
    public let clientID: String
    private let handle: OpaquePointer
    private var event = ck_mqtt_event()

    public init(clientID: String, host: String, port: Int) throws(MQTTError) {
        broker = "\(host):\(port)"
        self.clientID = clientID
        let loaded = ck_mqtt_library_init()
        guard loaded == 0 else {
            throw .library(problem: String(cString: ck_mqtt_library_problem()), errno: -loaded)
        }
        var h: OpaquePointer?
        let rc = ck_mqtt_create(&h, clientID)
        guard rc == 0, let h else { throw .create(clientID: clientID, errno: -rc) }
        handle = h
        self.host = host
        self.port = port
    }

    private let host: String
    private let port: Int

    deinit { ck_mqtt_destroy(handle) }

    public func setWill(topic: String, payload: [UInt8], retain: Bool) throws(MQTTError) {
        let rc = payload.withUnsafeBytes { ck_mqtt_set_will(handle, topic, $0.baseAddress, $0.count, 1, retain ? 1 : 0) }
        if rc < 0 { throw .configure(broker: broker, what: "last will on \(topic)", errno: -rc) }
    }

    /// Subscribed on every (re)connection before anything else is sent on it.
    public func setSubscription(_ pattern: String) throws(MQTTError) {
        let rc = ck_mqtt_set_subscription(handle, pattern, 1)
        if rc < 0 { throw .configure(broker: broker, what: "subscription \(pattern)", errno: -rc) }
    }

    public func connect(keepAliveSeconds: Int) throws(MQTTError) {
        let rc = ck_mqtt_connect(handle, host, Int32(port), Int32(keepAliveSeconds))
        if rc < 0 { throw .connect(broker: broker, errno: -rc) }
    }

    /// QoS 1. `ENOTCONN` while the connection is down (nothing is queued for later).
    public func publish(_ topic: String, _ payload: [UInt8], retain: Bool) throws(MQTTError) {
        let rc = payload.withUnsafeBytes { ck_mqtt_publish(handle, topic, $0.baseAddress, $0.count, 1, retain ? 1 : 0, nil) }
        if rc < 0 { throw .publish(broker: broker, topic: topic, errno: -rc) }
    }

    /// Cuts the connection without DISCONNECT: the broker publishes the will now.
    public func drop() { _ = ck_mqtt_drop(handle) }

    public func next() -> MQTTEvent? {
        guard ck_mqtt_next(handle, &event) == 1 else { return nil }
        switch Int(event.kind) {
        case Int(CK_MQTT_CONNECTED.rawValue): return .connected
        case Int(CK_MQTT_REFUSED.rawValue): return .refused(String(cString: ck_mqtt_connack_string(event.rc)))
        case Int(CK_MQTT_DISCONNECTED.rawValue): return .disconnected(errno: -event.rc)
        case Int(CK_MQTT_SUBSCRIBED.rawValue): return .subscribed
        case Int(CK_MQTT_OVERFLOW.rawValue): return .overflow
        default:
            if event.truncated != 0 { return next() }
            let topic = withUnsafeBytes(of: &event.topic) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            let length = Int(event.payload_length)
            let payload = withUnsafeBytes(of: &event.payload) { Array($0.prefix(length)) }
            return .message(topic: topic, payload: payload, retained: event.retained != 0)
        }
    }
}
