import Buffers
import SystemPackage

/// The simulated twin of a GPIO line. The backend plays the outside world: it sets the level an input
/// sees (generating edge events as gpio-sim does), reads what the host drives on an output, and injects
/// faults (read/write errors, a released line).
public final class SimulatedGPIOLine: GPIOLine {
    public let label: String
    public let config: GPIOLineConfig
    public let backend: Backend
    private var released = false

    public final class Backend {
        /// Logical level: what an input reads, or what the host last drove on an output.
        public private(set) var level: Bool
        /// Edges waiting for the host.
        public let events: RingBuffer<GPIOEdgeEvent>
        /// Number of host writes (to check a relay was commanded, and how often).
        public private(set) var writeCount = 0
        public var failNextRead: Errno?
        public var failNextWrite: Errno?
        /// The chip went away: every call fails with ENODEV (kind `.disconnected`), as the kernel
        /// answers on a line whose chip was removed.
        public var vanished = false
        let edge: GPIOEdge?
        /// Clock used to timestamp edges.
        let clock: (any MonotonicClock)?

        init(initial: Bool, edge: GPIOEdge?, clock: (any MonotonicClock)?) {
            level = initial
            self.edge = edge
            self.clock = clock
            events = RingBuffer(capacity: 64, filler: GPIOEdgeEvent(rising: false, timestamp: .zero))
        }

        /// The outside world drives an input to `value` (an edge is queued when it changes and the
        /// line watches that edge).
        public func drive(_ value: Bool) {
            guard value != level else { return }
            level = value
            guard let edge else { return }
            if edge == .both || (edge == .rising) == value {
                events.pushOverwriting(GPIOEdgeEvent(rising: value, timestamp: clock?.now() ?? .zero))
            }
        }

        func hostWrote(_ value: Bool) {
            level = value
            writeCount += 1
        }
    }

    public init(_ config: GPIOLineConfig, clock: (any MonotonicClock)? = nil) {
        self.config = config
        label = config.label
        let edge: GPIOEdge? = if case .events(let e) = config.direction { e } else { nil }
        let initial: Bool = if case .output(let i) = config.direction { i } else { false }
        backend = Backend(initial: initial, edge: edge, clock: clock)
    }

    public var pollDescriptor: Int32? { nil }

    public func read() throws(GPIOError) -> Bool {
        if released { throw .closed(label) }
        if backend.vanished { throw .read(label, errno: .operationNotSupportedByDevice) }
        if let e = backend.failNextRead {
            backend.failNextRead = nil
            throw .read(label, errno: e)
        }
        return backend.level
    }

    public func write(_ value: Bool) throws(GPIOError) {
        if released { throw .closed(label) }
        if backend.vanished { throw .write(label, errno: .operationNotSupportedByDevice) }
        guard case .output = config.direction else { throw .notOutput(label) }
        if let e = backend.failNextWrite {
            backend.failNextWrite = nil
            throw .write(label, errno: e)
        }
        backend.hostWrote(value)
    }

    public func readEvent() throws(GPIOError) -> GPIOEdgeEvent? {
        if released { throw .closed(label) }
        if backend.vanished { throw .event(label, errno: .operationNotSupportedByDevice) }
        return backend.events.pop()
    }

    public func release() { released = true }
}
