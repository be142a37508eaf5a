import CEventLoop
import SystemPackage

/// Turns SIGINT and SIGTERM into a readable descriptor (signalfd), so the loop sees a shutdown request
/// in its normal poll instead of in an async signal handler.
///
/// The signals are blocked in the calling thread (create the watcher on the loop's thread, before other
/// threads start, so they inherit the mask) and the mask is restored when the watcher goes away.
public final class SignalWatcher {
    public let descriptor: Int32

    public init() throws(SignalWatcherError) {
        let fd = ck_loop_signals_open()
        guard fd >= 0 else { throw SignalWatcherError(errno: Errno(rawValue: -fd)) }
        descriptor = fd
    }

    deinit { ck_loop_signals_close(descriptor) }

    /// The next pending signal number, or nil.
    public func take() -> Int32? {
        let s = ck_loop_signals_take(descriptor)
        return s > 0 ? s : nil
    }
}

public struct SignalWatcherError: Error, CustomStringConvertible {
    public let errno: Errno
    public var description: String { "cannot watch SIGINT/SIGTERM: \(errno)" }
}
