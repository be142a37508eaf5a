import Glibc

/// Bounded waits. Device tests wait on the descriptor the HAL exposes (`pollDescriptor`), exactly as
/// the runtime's tick loop does, instead of sleeping and hoping; every wait has a deadline, so a
/// broken device fails the test rather than hanging it.
enum Readiness {
    /// True when `fd` is readable, or reports an error or a hang-up (a read then says which), within
    /// `timeout`; false when the deadline passes first.
    static func readable(_ fd: Int32, within timeout: Duration = .seconds(5)) -> Bool {
        wait(fd, events: Int16(POLLIN), timeout: timeout)
    }

    /// True when `fd` can take more bytes (or reports an error) within `timeout`.
    static func writable(_ fd: Int32, within timeout: Duration = .seconds(5)) -> Bool {
        wait(fd, events: Int16(POLLOUT), timeout: timeout)
    }

    /// True when nothing becomes readable on `fd` for `quiet` (proof of absence, bounded).
    static func staysQuiet(_ fd: Int32, for quiet: Duration = .milliseconds(200)) -> Bool {
        !wait(fd, events: Int16(POLLIN), timeout: quiet)
    }

    private static func wait(_ fd: Int32, events: Int16, timeout: Duration) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { return false }
            let ms = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&p, 1, ms)
            if r > 0 { return true }
            if r == 0 { continue }   // re-check the deadline (poll may return early on some kernels)
            if errno != EINTR { return false }
        }
    }

    /// For state the kernel applies asynchronously and exposes through no descriptor (a netdev's
    /// operational state is updated by the link-watch worker): re-checks `condition` every
    /// `interval` until it holds or `timeout` passes. Returns whether it held.
    static func eventually(within timeout: Duration = .seconds(5), every interval: Duration = .milliseconds(20),
                           _ condition: () throws -> Bool) rethrows -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if try condition() { return true }
            if clock.now >= deadline { return false }
            var ts = timespec(tv_sec: Int(interval.components.seconds),
                              tv_nsec: Int(interval.components.attoseconds / 1_000_000_000))
            nanosleep(&ts, nil)
        }
    }
}
