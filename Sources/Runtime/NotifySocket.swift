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
        // Opened before any stored property is set: a class whose init throws after that runs its
        // deinit, which would free the target twice.
        let opened = UnsafeMutablePointer<ck_notify_target>.allocate(capacity: 1)
        opened.initialize(to: ck_notify_target())
        let r = ck_notify_open(opened, socketName)
        if r < 0 {
            opened.deallocate()
            throw Errno(rawValue: -r)
        }
        self.socketName = socketName
        target = opened
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
