import ControlLoop
import Drivers
import HAL

/// Ends the V2G connection when the PLC interface vanishes under it (the TAP of a user-space QCA7000
/// deleted, the `qcaspi` netdev unbound): the kernel would otherwise keep the TCP socket waiting and
/// the SECC would wait out its 60 s sequence timeout with the power path still delivering. An abortive
/// close makes `SECCConnection` tell the SECC the connection is gone the next tick, and the SECC ends
/// the session with the power request idle, so the power path goes safe (issue 14 item 7: the
/// session ends on link loss).
///
/// Then it brings V2G back for the next car: an interface this process owns (the TAP) is made again
/// (`restore`, at most once a second), and once the name resolves to an interface again — a new index
/// — the SECC's SDP socket and listener are opened on it (`rebind`), retried each check until its
/// link-local address is usable (after duplicate-address detection). Polled every `interval`; no
/// allocation while the interface is there. The name is looked up in the loop thread's network
/// namespace: `chargerd` runs in the one its PLC interface is in.
public final class PLCInterfaceWatch: IOSource {
    public let name = "plc-interface-watch"
    public var pollDescriptor: Int32? { nil }
    /// The interface V2G is bound to now (a new one after each return).
    public private(set) var interface: LinuxIPInterface
    let tcp: StreamPump
    public let interval: Nanoseconds
    /// Makes the interface again when this process owns it (the TAP); false while it cannot. Nil: the
    /// kernel brings it back (a netdev), the watch only waits for it.
    let restore: (() -> Bool)?
    /// Opens V2G's sockets on the interface that came back; throws while it is not usable yet.
    let rebind: (LinuxIPInterface) throws(SocketError) -> Void
    /// When the interface was first seen gone (nil while it is there).
    public private(set) var lostAt: MonotonicInstant?
    /// When V2G was last bound again to a returned interface.
    public private(set) var returnedAt: MonotonicInstant?
    /// Connections aborted because the interface had gone.
    public private(set) var aborted = 0
    /// Times the interface was made again here (`restore` succeeded).
    public private(set) var restored = 0
    /// Times V2G was bound again to a returned interface.
    public private(set) var returned = 0
    /// Why the last attempt to bind V2G again failed (nil after a success).
    public private(set) var lastRebindError: SocketError?
    public static let restoreInterval = Nanoseconds.seconds(1)
    private var nextCheck = MonotonicInstant.zero
    private var nextRestore = MonotonicInstant.zero
    private var comingBack: LinuxIPInterface?

    public init(interface: LinuxIPInterface, tcp: StreamPump, interval: Nanoseconds = .milliseconds(100),
                restore: (() -> Bool)? = nil, rebind: @escaping (LinuxIPInterface) throws(SocketError) -> Void) {
        self.interface = interface
        self.tcp = tcp
        self.interval = interval
        self.restore = restore
        self.rebind = rebind
    }

    public func pump(_ context: TickContext) {
        let now = context.now
        guard now >= nextCheck else { return }
        nextCheck = now + interval
        if interface.isPresent() {
            lostAt = nil
            return
        }
        if lostAt == nil {
            lostAt = now
            nextRestore = now
        }
        if !tcp.state.isFinished, tcp.state != .closed {
            tcp.abort()
            aborted &+= 1
        }
        comeBack(now)
    }

    /// The way back: the interface again (made here, or by the kernel), then V2G's sockets on it.
    private func comeBack(_ now: MonotonicInstant) {
        if comingBack == nil {
            if let found = try? LinuxIPInterface(name: interface.name) {
                comingBack = found
            } else if let restore, now >= nextRestore {
                nextRestore = now + Self.restoreInterval
                if restore() { restored &+= 1 }
                comingBack = try? LinuxIPInterface(name: interface.name)
            }
        }
        guard let candidate = comingBack else { return }
        guard candidate.isPresent() else {
            comingBack = nil  // gone again before it was usable
            return
        }
        do throws(SocketError) {
            try rebind(candidate)
        } catch {
            lastRebindError = error
            return
        }
        interface = candidate
        comingBack = nil
        lastRebindError = nil
        lostAt = nil
        returnedAt = now
        returned &+= 1
    }
}
