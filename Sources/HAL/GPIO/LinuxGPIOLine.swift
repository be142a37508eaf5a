import CGpiod
import SystemPackage

/// A line requested through libgpiod (CGpiod shim).
public final class LinuxGPIOLine: GPIOLine {
    public let label: String
    public let config: GPIOLineConfig
    private var handle: OpaquePointer?
    private let eventDescriptor: Int32?

    public init(_ config: GPIOLineConfig) throws(GPIOError) {
        self.config = config
        label = config.label
        var c = ck_gpio_config()
        var out: OpaquePointer?
        let r: Int32 = config.chip.withCString { chip in
            config.consumer.withCString { consumer in
                let name: String? = if case .name(let n) = config.line { n } else { nil }
                return (name ?? "").withCString { lineName in
                    c.chip = chip
                    c.consumer = consumer
                    c.line_name = lineName
                    if case .offset(let o) = config.line { c.offset = Int32(clamping: o) } else { c.offset = -1 }
                    switch config.direction {
                    case .input: c.direction = Int32(CK_GPIO_INPUT)
                    case .output(let initial):
                        c.direction = Int32(CK_GPIO_OUTPUT)
                        c.initial_value = initial ? 1 : 0
                    case .events(let edge):
                        c.direction = Int32(CK_GPIO_EVENTS)
                        c.edge = switch edge {
                        case .rising: Int32(CK_GPIO_EDGE_RISING)
                        case .falling: Int32(CK_GPIO_EDGE_FALLING)
                        case .both: Int32(CK_GPIO_EDGE_BOTH)
                        }
                    }
                    c.bias = switch config.bias {
                    case .asIs: Int32(CK_GPIO_BIAS_AS_IS)
                    case .disabled: Int32(CK_GPIO_BIAS_DISABLED)
                    case .pullUp: Int32(CK_GPIO_BIAS_PULL_UP)
                    case .pullDown: Int32(CK_GPIO_BIAS_PULL_DOWN)
                    }
                    c.active_low = config.activeLow ? 1 : 0
                    return ck_gpio_open(&c, &out)
                }
            }
        }
        guard r >= 0, let out else { throw .open(config.label, errno: Errno(rawValue: -r)) }
        if case .events = config.direction {
            let fd = ck_gpio_event_fd(out)
            guard fd >= 0 else {
                // An event line without its descriptor would never report an edge: refuse it.
                ck_gpio_close(out)
                throw .open(config.label, errno: Errno(rawValue: -fd))
            }
            eventDescriptor = fd
        } else {
            eventDescriptor = nil
        }
        handle = out
    }

    deinit { if let handle { ck_gpio_close(handle) } }

    public var pollDescriptor: Int32? { handle == nil ? nil : eventDescriptor }

    public func read() throws(GPIOError) -> Bool {
        guard let handle else { throw .closed(label) }
        var v: Int32 = 0
        let r = ck_gpio_get(handle, &v)
        guard r >= 0 else { throw .read(label, errno: Errno(rawValue: -r)) }
        return v != 0
    }

    public func write(_ value: Bool) throws(GPIOError) {
        guard let handle else { throw .closed(label) }
        let r = ck_gpio_set(handle, value ? 1 : 0)
        if r == -Int32(Errno.notPermitted.rawValue) { throw .notOutput(label) }
        guard r >= 0 else { throw .write(label, errno: Errno(rawValue: -r)) }
    }

    public func readEvent() throws(GPIOError) -> GPIOEdgeEvent? {
        guard let handle else { throw .closed(label) }
        guard eventDescriptor != nil else { return nil }
        var e = ck_gpio_event()
        let r = ck_gpio_read_event(handle, &e)
        guard r >= 0 else { throw .event(label, errno: Errno(rawValue: -r)) }
        guard r == 1 else { return nil }
        return GPIOEdgeEvent(rising: e.rising != 0, timestamp: MonotonicInstant(nanoseconds: Int64(bitPattern: e.timestamp_ns)))
    }

    /// The offset of the line on its chip (after a lookup by name).
    public var offset: Int? {
        guard let handle else { return nil }
        let o = ck_gpio_offset(handle)
        return o >= 0 ? Int(o) : nil
    }

    public func release() {
        if let handle { ck_gpio_close(handle) }
        handle = nil
    }

    /// Name, label and line count of a chip.
    public static func chipInfo(_ chip: String) throws(GPIOError) -> GPIOChipInfo {
        var info = ck_gpio_chip_info()
        let r = ck_gpio_chip_info(chip, &info)
        guard r >= 0 else { throw .open(chip, errno: Errno(rawValue: -r)) }
        let name = withUnsafeBytes(of: info.name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        let label = withUnsafeBytes(of: info.label) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        return GPIOChipInfo(name: name, label: label, lines: Int(info.lines))
    }
}
