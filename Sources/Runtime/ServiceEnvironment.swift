#if canImport(Glibc)
import Glibc
#endif
import HAL

/// What systemd tells a `Type=notify` service through its environment (sd_notify(3),
/// sd_watchdog_enabled(3)): the notification socket and, with `WatchdogSec=`, the watchdog interval.
public struct ServiceEnvironment: Sendable, Equatable {
    /// `$NOTIFY_SOCKET`: a path or an abstract `@name`.
    public var notifySocket: String
    /// `$WATCHDOG_USEC`, when the watchdog is on and meant for this process (`$WATCHDOG_PID` unset or
    /// ours): systemd restarts the service when no `WATCHDOG=1` arrives within this interval.
    public var watchdogInterval: Nanoseconds?

    public init(notifySocket: String, watchdogInterval: Nanoseconds?) {
        self.notifySocket = notifySocket
        self.watchdogInterval = watchdogInterval
    }

    /// nil when not started by systemd as a notify service (no or empty `NOTIFY_SOCKET`).
    public init?(_ environment: [String: String], pid: Int32) {
        guard let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty else { return nil }
        notifySocket = socket
        watchdogInterval = nil
        if let pidText = environment["WATCHDOG_PID"], Int32(pidText) != pid { return }
        if let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0, usec < Int64.max / 1000 {
            watchdogInterval = .microseconds(usec)
        }
    }

    /// The environment of this process.
    public static func current() -> ServiceEnvironment? {
        var env: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let v = getenv(name) { env[name] = String(cString: v) }
        }
        return ServiceEnvironment(env, pid: getpid())
    }
}
