import ControlLoop
import Drivers
import HAL

/// Ends the V2G connection when the PLC interface vanishes under it (the TAP of a user-space QCA7000
/// deleted, the `qcaspi` netdev unbound): the kernel would otherwise keep the TCP socket waiting and
/// the SECC would wait out its 60 s sequence timeout with the power path still delivering. An abortive
/// close makes `SECCConnection` tell the SECC the connection is gone the next tick, and the SECC ends
/// the session with the power request idle, so the power path goes safe (issue 14 item 7: the
/// session ends on link loss). Polled every `interval`; no allocation. The name is looked up in the
/// loop thread's network namespace: `chargerd` runs in the one its PLC interface is in.
public final class PLCInterfaceWatch: IOSource {
    public let name = "plc-interface-watch"
    public var pollDescriptor: Int32? { nil }
    public let interface: LinuxIPInterface
    let tcp: StreamPump
    public let interval: Nanoseconds
    /// When the interface was first seen gone (nil while it is there).
    public private(set) var lostAt: MonotonicInstant?
    /// Connections aborted because the interface had gone.
    public private(set) var aborted = 0
    private var nextCheck = MonotonicInstant.zero

    public init(interface: LinuxIPInterface, tcp: StreamPump, interval: Nanoseconds = .milliseconds(100)) {
        self.interface = interface
        self.tcp = tcp
        self.interval = interval
    }

    public func pump(_ context: TickContext) {
        let now = context.now
        guard now >= nextCheck else { return }
        nextCheck = now + interval
        if interface.isPresent() {
            lostAt = nil
            return
        }
        if lostAt == nil { lostAt = now }
        if !tcp.state.isFinished, tcp.state != .closed {
            tcp.abort()
            aborted &+= 1
        }
    }
}
