import Contracts
import ControlLoop
import CoreTypes
import HAL
import PowerDrivers
import Testing

/// The GPIO contactor driver over the HAL's simulated lines: coil order, feedback supervision with its
/// timeouts (in ticks of the manual clock), and GPIO failures.
@Suite struct GPIOContactorsTests {
    final class Rig {
        let clock = ManualClock()
        let plus = SimulatedGPIOLine(GPIOLineConfig(chip: "sim", line: .name("K1"), direction: .output(initial: false)))
        let minus = SimulatedGPIOLine(GPIOLineConfig(chip: "sim", line: .name("K2"), direction: .output(initial: false)))
        let plusAux = SimulatedGPIOLine(GPIOLineConfig(chip: "sim", line: .name("K1_AUX"), direction: .input))
        let minusAux = SimulatedGPIOLine(GPIOLineConfig(chip: "sim", line: .name("K2_AUX"), direction: .input))
        let contactors: GPIOContactors
        var index: UInt64 = 0

        init() {
            contactors = GPIOContactors(plus: plus, minus: minus, plusFeedback: plusAux, minusFeedback: minusAux)
        }

        /// One 1 ms tick: the clock moves, the driver reads the auxiliary contacts.
        func tick(_ n: Int = 1) {
            for _ in 0..<n {
                clock.advance(by: .milliseconds(1))
                index += 1
                contactors.pump(TickContext(now: clock.now(), index: index, period: .milliseconds(1)))
            }
        }

        func feedback(_ closed: Bool) {
            plusAux.backend.drive(closed)
            minusAux.backend.drive(closed)
        }

        /// Ticks until the status has a fault; the number of ticks.
        func ticksUntilFault(max: Int = 1000) -> Int {
            var n = 0
            while contactors.status.fault == nil, n < max {
                tick()
                n += 1
            }
            return n
        }
    }

    @Test func closesAndOpensWithFeedback() {
        let rig = Rig()
        rig.contactors.close(rig.clock.now())
        #expect(rig.plus.backend.level && rig.minus.backend.level)
        #expect(rig.contactors.status.position == .closing)
        rig.tick(30)
        rig.feedback(true)
        rig.tick()
        #expect(rig.contactors.status.isClosed)
        #expect(rig.contactors.status.fault == nil)
        rig.contactors.open(rig.clock.now())
        #expect(!rig.plus.backend.level && !rig.minus.backend.level)
        #expect(rig.contactors.status.position == .opening)
        rig.tick(20)
        rig.feedback(false)
        rig.tick()
        #expect(rig.contactors.status.isOpen)
        #expect(rig.contactors.status.fault == nil)
    }

    /// No feedback after a close: `didNotClose` exactly at the 250 ms closing timeout.
    @Test func didNotCloseAfterTheClosingTimeout() {
        let rig = Rig()
        rig.contactors.close(rig.clock.now())
        #expect(rig.ticksUntilFault() == 250)
        #expect(rig.contactors.status.fault == .didNotClose)
    }

    /// Feedback stays closed after an open: `welded` exactly at the 250 ms opening timeout.
    @Test func weldedAfterTheOpeningTimeout() {
        let rig = Rig()
        rig.contactors.close(rig.clock.now())
        rig.feedback(true)
        rig.tick()
        rig.contactors.open(rig.clock.now())
        #expect(rig.ticksUntilFault() == 250)
        #expect(rig.contactors.status.fault == .welded)
    }

    /// One auxiliary contact opens while closed: `droppedOut` in the next tick.
    @Test func droppedOutWhileClosed() {
        let rig = Rig()
        rig.contactors.close(rig.clock.now())
        rig.feedback(true)
        rig.tick()
        rig.minusAux.backend.drive(false)
        #expect(rig.ticksUntilFault() == 1)
        #expect(rig.contactors.status.fault == .droppedOut)
    }

    /// A coil write that fails is `ioFailed`; an open still releases the other coil.
    @Test func gpioFailuresAreReportedAndOpenReleasesWhatItCan() {
        let rig = Rig()
        rig.contactors.close(rig.clock.now())
        rig.feedback(true)
        rig.tick()
        rig.plus.backend.failNextWrite = .ioError
        rig.contactors.open(rig.clock.now())
        #expect(rig.contactors.status.fault == .ioFailed)
        #expect(!rig.minus.backend.level)
        #expect(rig.contactors.lastError != nil)
        rig.plusAux.backend.failNextRead = .ioError
        rig.contactors.close(rig.clock.now())
        rig.tick()
        #expect(rig.contactors.status.fault == .ioFailed)
    }
}
