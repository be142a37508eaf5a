import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import HAL
import MallocCounting
import Boards
import ControlLoop
import Runtime
import Testing

@Suite struct DeadlineTests {
    @Test func armExpireFireAndCancel() {
        let t0 = MonotonicInstant(nanoseconds: 1_000)
        var d = Deadline()
        #expect(!d.isArmed && !d.hasExpired(t0) && d.remaining(t0) == nil)
        d.arm(t0, after: .milliseconds(50))
        #expect(d.remaining(t0) == .milliseconds(50))
        #expect(!d.hasExpired(t0 + .milliseconds(49)))
        #expect(d.hasExpired(t0 + .milliseconds(50)))
        #expect(d.remaining(t0 + .seconds(1)) == .zero)
        let fired = d.fire(t0 + .milliseconds(50))
        let firedAgain = d.fire(t0 + .seconds(1))
        #expect(fired && !d.isArmed && !firedAgain)
        d.arm(at: t0)
        d.cancel()
        #expect(!d.hasExpired(t0 + .seconds(9)))
    }
}

@Suite struct TimerSetTests {
    @Test func expiredTimersComeOutInDeadlineOrderOnce() {
        let timers = TimerSet(capacity: 4)
        let t = MonotonicInstant(nanoseconds: 0)
        timers.arm(2, at: t + .milliseconds(30))
        timers.arm(0, at: t + .milliseconds(10))
        timers.arm(3, at: t + .milliseconds(20))
        #expect(timers.earliest() == t + .milliseconds(10))
        #expect(timers.nextExpired(t + .milliseconds(5)) == nil)
        let now = t + .milliseconds(25)
        #expect(timers.nextExpired(now) == 0)
        #expect(timers.nextExpired(now) == 3)
        #expect(timers.nextExpired(now) == nil)
        #expect(timers.isArmed(2) && !timers.isArmed(0))
        timers.cancel(2)
        #expect(timers.earliest() == nil)
        #expect(!timers.isArmed(99))
    }

    @Test func armingAndExpiringDoNotAllocate() {
        let timers = TimerSet(capacity: 16)
        var now = MonotonicInstant(nanoseconds: 0)
        let mallocs = MallocCounter.count {
            for i in 0..<10_000 {
                timers.arm(i % 16, at: now + .microseconds(Int64(i % 7)))
                now = now + .microseconds(3)
                while timers.nextExpired(now) != nil {}
            }
        }
        #expect(mallocs == 0)
    }
}
