import CNotify
import SystemPackage

/// Where `ServiceNotifier` sends its messages: systemd's notification socket in production, a
/// recorder in tests. `send` is called from the tick and must neither block nor allocate.
public protocol ServiceNotifyTransport: AnyObject {
    /// Sends one notification datagram; the error when it could not (the message is then dropped).
    func send(_ message: UnsafeRawBufferPointer) -> Errno?
}

/// systemd's notification socket, `$NOTIFY_SOCKET` (sd_notify(3)): one AF_UNIX datagram per message,
/// to a path or an abstract `@name`. chargerd speaks the protocol itself instead of linking
/// libsystemd; the socket is non-blocking, so a busy systemd costs a dropped message, never a tick.
public final class NotifySocket: ServiceNotifyTransport {
    public let socketName: String
    private let target: UnsafeMutablePointer<ck_notify_target>

    public init(socketName: String) throws(Errno) {
        self.socketName = socketName
        target = .allocate(capacity: 1)
        target.initialize(to: ck_notify_target())
        let r = ck_notify_open(target, socketName)
        if r < 0 {
            target.deallocate()
            throw Errno(rawValue: -r)
        }
    }

    deinit {
        _ = ck_notify_close(target)
        target.deallocate()
    }

    public func send(_ message: UnsafeRawBufferPointer) -> Errno? {
        guard let base = message.baseAddress else { return nil }
        let r = ck_notify_send(target, base, message.count)
        return r < 0 ? Errno(rawValue: -r) : nil
    }
}
