import CEventLoop
import ControlLoop
import HAL

/// How the loop waits for the next deadline while watching descriptors.
public protocol TickWaiter: AnyObject {
    /// Blocks until one of `descriptors` is readable or `deadline` passes. Sets `revents` on the ready
    /// entries and returns their number (0 on timeout, or when interrupted by a signal).
    func wait(_ descriptors: UnsafeMutableBufferPointer<pollfd>, until deadline: MonotonicInstant) -> Int
}

/// `ppoll` with a nanosecond timeout against CLOCK_MONOTONIC: the production waiter.
public final class PollWaiter: TickWaiter {
    private let clock: any MonotonicClock

    public init(clock: any MonotonicClock) { self.clock = clock }

    public func wait(_ descriptors: UnsafeMutableBufferPointer<pollfd>, until deadline: MonotonicInstant) -> Int {
        let remaining = deadline.nanoseconds - clock.now().nanoseconds
        let r = ck_loop_wait(descriptors.baseAddress, UInt32(descriptors.count), remaining)
        return r < 0 ? 0 : Int(r)
    }
}

/// The test and `sim` waiter: does not sleep, it moves a `ManualClock` to the deadline. Optional
/// `readiness` marks descriptors ready, and `workTime` advances the clock while a tick runs, so
/// overrun accounting can be tested deterministically.
public final class SimulatedWaiter: TickWaiter {
    public let clock: ManualClock
    /// Called on each wait; return true for a descriptor that should be reported readable.
    public var readiness: ((Int32) -> Bool)?
    /// Number of waits that ended because a descriptor was ready.
    public private(set) var wakeups = 0

    public init(clock: ManualClock) { self.clock = clock }

    public func wait(_ descriptors: UnsafeMutableBufferPointer<pollfd>, until deadline: MonotonicInstant) -> Int {
        if let readiness {
            var ready = 0
            for i in 0..<descriptors.count where readiness(descriptors[i].fd) {
                descriptors[i].revents = Int16(POLLIN)
                ready += 1
            }
            if ready > 0 {
                wakeups += 1
                return ready
            }
        }
        clock.set(deadline)
        return 0
    }
}
