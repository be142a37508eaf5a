import HAL
import Testing

/// The clock contract: time never goes backwards. (No assertion here is about how long anything takes.)
@Suite("MonotonicClock contract: system and manual clocks")
struct MonotonicClockConformance {
    @Test("the system clock never goes backwards")
    func systemClockIsMonotonic() {
        let clock = SystemMonotonicClock()
        var last = clock.now()
        for _ in 0..<10_000 {
            let t = clock.now()
            #expect(t >= last)
            last = t
        }
    }

    @Test("the manual clock moves only when told, and only forward")
    func manualClock() {
        let clock = ManualClock(start: MonotonicInstant(nanoseconds: 1_000))
        #expect(clock.now() == MonotonicInstant(nanoseconds: 1_000))
        #expect(clock.now() == clock.now(), "nothing moves it but the test")
        clock.advance(by: .milliseconds(5))
        #expect(clock.now() == MonotonicInstant(nanoseconds: 5_001_000))
        clock.advance(by: .nanoseconds(-10))
        clock.advance(by: .zero)
        clock.set(MonotonicInstant(nanoseconds: 0))
        #expect(clock.now() == MonotonicInstant(nanoseconds: 5_001_000), "backwards and zero steps are ignored")
        clock.set(MonotonicInstant(nanoseconds: 9_000_000))
        #expect(clock.now() - MonotonicInstant(nanoseconds: 5_001_000) == .nanoseconds(3_999_000))
    }

    @Test("edge timestamps from a twin line follow the clock it was given")
    func twinTimestamps() throws {
        let clock = ManualClock()
        let line = SimulatedGPIOLine(GPIOLineConfig(chip: "sim", line: .name("QCA_INT"), direction: .events(.both)), clock: clock)
        clock.advance(by: .microseconds(250))
        line.backend.drive(true)
        let edge = try #require(try line.readEvent())
        #expect(edge.timestamp == clock.now())
    }
}
