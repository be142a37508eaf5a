import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import ControlLoop
import ControlPilot
import CShimSeam
import Foundation
import HAL
import SystemPackage
import Testing

/// The direct Pi CP board (Pi PWM + ADS1115) against simulated twins with a vehicle model.
@Suite struct DirectPilotBoard {
    @Test func sessionWithFivePercent() {
        let bench = DirectBench()
        bench.step(20)
        #expect(bench.pilot.state == .a)
        #expect(bench.model.pwm.backend.dutyPermille == 1000) // A: steady +12 V
        bench.model.vehicle = .b
        #expect(bench.run(until: .readyForSLAC) != nil)
        #expect(bench.model.pwm.backend.period == .milliseconds(1))
        #expect(bench.model.pwm.backend.dutyCycle == .microseconds(50)) // 5 % of 1 kHz
        bench.model.vehicle = .c
        #expect(bench.run(until: .evRequestsPower(ventilation: false)) != nil)
        bench.model.vehicle = .b
        #expect(bench.run(until: .evStoppedRequestingPower) != nil)
        bench.model.vehicle = .a
        #expect(bench.run(until: .unplugged) != nil)
        bench.step(10)
        #expect(bench.model.pwm.backend.dutyPermille == 1000)
        #expect(bench.events.map(\.event) == [.plugged, .readyForSLAC, .evRequestsPower(ventilation: false),
                                              .evStoppedRequestingPower, .unplugged])
    }

    @Test func invertedDriverWritesTheComplement() throws {
        var fe = DirectPilotConfiguration()
        fe.invertedDriver = true
        let offer = try PilotCurrent.dutyCycle(forMilliamps: 16_000)
        let bench = DirectBench(configuration: ControlPilotConfiguration(initialPWM: .currentLimit(offer)), frontEnd: fe)
        bench.step(10)
        #expect(bench.model.pwm.backend.dutyCycle == .zero) // steady +12 V through an inverting stage
        #expect(bench.pilot.state == .a)
        bench.model.vehicle = .b
        #expect(bench.run(until: .plugged) != nil)
        bench.step(10)
        #expect(bench.model.pwm.backend.dutyCycle == .microseconds(734))
        #expect(bench.frontEnd.appliedPWM == .currentLimit(offer))
    }

    @Test func currentOfferWritesTheDuty() throws {
        let bench = DirectBench(configuration: ControlPilotConfiguration(initialPWM: .currentLimit(try PilotCurrent.dutyCycle(forMilliamps: 16_000))))
        bench.step(10)
        bench.model.vehicle = .b
        bench.step(30)
        #expect(bench.model.pwm.backend.dutyCycle == .microseconds(266)) // 26.6 % → 15.96 A
        #expect(bench.frontEnd.appliedPWM == .currentLimit(DutyCycle(permille: 266)))
        #expect(!bench.frontEnd.signallingDigitalCommunication)
    }

    @Test func aSingleGlitchIsIgnored() {
        let bench = DirectBench()
        #expect(bench.startCharging())
        let mark = bench.tick
        bench.model.glitchNextHigh = 10_500 // between A and B: invalid, for one sample
        bench.step(50)
        #expect(bench.eventsSince(mark).isEmpty)
        bench.model.glitchNextHigh = 0 // one E sample
        bench.step(50)
        #expect(bench.eventsSince(mark).isEmpty && bench.pilot.state == .c)
    }

    /// E during energy transfer: the emergency stop comes in the tick whose sample confirms it.
    @Test func stateEStopsWithinTwoSamples() {
        let bench = DirectBench()
        #expect(bench.startCharging())
        let start = bench.tick
        bench.model.vehicle = .e
        guard let stop = bench.run(until: .emergencyStop(.shortToEarth), limit: 100) else {
            Issue.record("no emergency stop")
            return
        }
        print("CP reaction (direct board, simulated ADC): E on the line → emergency stop: \(stop - start) ticks "
              + "(2 samples; a real ADS1115 at 860 SPS takes ~2 ticks per conversion, ~8 ticks)")
        #expect(stop - start <= 6)
        bench.step(5)
        #expect(bench.model.pwm.backend.dutyPermille == 1000) // forced to +12 V
    }

    /// A missing diode is latched until the vehicle leaves: with the output forced to steady +12 V
    /// there is no negative half-wave, and the pilot must not flap between error and B.
    @Test func missingDiodeIsLatchedUntilUnplug() {
        let bench = DirectBench()
        bench.step(20)
        bench.model.vehicle = .b
        bench.model.diodePresent = false
        #expect(bench.run(until: .error(.diodeMissing)) != nil)
        #expect(bench.pilot.state == .e)
        bench.model.vehicle = .c
        bench.step(300)
        #expect(bench.events.map(\.event) == [.plugged, .readyForSLAC, .error(.diodeMissing)]
                || bench.events.map(\.event) == [.plugged, .error(.diodeMissing)])
        #expect(bench.model.pwm.backend.dutyPermille == 1000)
        bench.model.vehicle = .a
        #expect(bench.run(until: .unplugged) != nil)
        #expect(bench.eventsSince(0).suffix(2) == [.faultCleared, .unplugged])
    }

    @Test func missingDiodeDuringTransferStops() {
        let bench = DirectBench()
        #expect(bench.startCharging())
        bench.model.diodePresent = false
        #expect(bench.run(until: .emergencyStop(.diodeMissing), limit: 50) != nil)
    }

    @Test func adcFailureIsAMeasurementFault() {
        let bench = DirectBench()
        #expect(bench.startCharging())
        bench.model.i2c.backend.failNext = .ioError
        bench.step(20)
        #expect(bench.eventsSince(0).allSatisfy { if case .emergencyStop = $0 { false } else { true } }) // one failure is retried
        bench.model.i2c.backend.absent = true
        guard let stop = bench.run(until: .emergencyStop(.measurementFailed), limit: 50) else {
            Issue.record("no emergency stop")
            return
        }
        #expect(bench.frontEnd.lastADCError?.kind == .io)
        bench.pilot.setEnergyTransfer(false)
        bench.model.i2c.backend.absent = false
        #expect(bench.run(until: .faultCleared) != nil)
        _ = stop
    }

    @Test func aConversionThatNeverFinishesIsAFault() {
        let bench = DirectBench()
        #expect(bench.startCharging())
        bench.model.stuck = true
        #expect(bench.run(until: .emergencyStop(.measurementFailed), limit: 100) != nil)
        #expect(bench.frontEnd.lastADCError == .transfer("/dev/i2c-1", address: 0x48, operation: "wait for conversion", errno: .timedOut))
    }

    @Test func pwmFailureIsAnOutputFault() {
        let bench = DirectBench()
        bench.step(20)
        bench.model.pwm.backend.vanished = true
        bench.model.vehicle = .b
        #expect(bench.run(until: .error(.outputFailed)) != nil)
        #expect(bench.frontEnd.lastPWMError?.kind == .disconnected)
    }

    @Test func slacRestartHint() {
        let bench = DirectBench()
        bench.step(20)
        bench.model.vehicle = .b
        #expect(bench.run(until: .readyForSLAC) != nil)
        let mark = bench.tick
        bench.pilot.restartSLACHint(.milliseconds(400), now: bench.clock.now())
        bench.step(100)
        #expect(bench.model.pwm.backend.dutyPermille == 1000)
        #expect(bench.run(until: .readyForSLAC) != nil)
        #expect(bench.tick - mark >= 400)
        #expect(bench.eventsSince(mark) == [.readyForSLAC])
    }

    @Test func safeStopDrivesSteadyHigh() {
        let bench = DirectBench()
        #expect(bench.startCharging())
        #expect(bench.model.pwm.backend.dutyPermille == 50)
        bench.loop.stop(.requested("test"))
        #expect(bench.model.pwm.backend.dutyPermille == 1000)
        #expect(bench.pilot.commandedPWM == .steadyHigh)
    }

    @Test func ventilationPolicies() {
        let refuse = DirectBench(configuration: ControlPilotConfiguration(ventilation: .refuse))
        refuse.step(20)
        refuse.model.vehicle = .d
        #expect(refuse.run(until: .error(.ventilationRefused)) != nil)
        let allow = DirectBench(configuration: ControlPilotConfiguration(ventilation: .allow))
        allow.step(20)
        allow.model.vehicle = .d
        #expect(allow.run(until: .evRequestsPower(ventilation: true)) != nil)
    }
}

@Suite struct ADS1115Driver {
    @Test func configWords() {
        let adc = ADS1115(device: SimulatedI2CDevice(bus: "/dev/i2c-1", address: 0x48))
        // OS | MUX 100 (AIN0) | PGA 001 (±4.096 V) | single-shot | DR 111 (860 SPS) | comparator off
        #expect(adc.configWord(for: .ain0) == 0xC3E3)
        #expect(adc.configWord(for: .ain1) == 0xD3E3)
        #expect(ADS1115.input(ofConfig: 0xD3E3) == .ain1)
        #expect(ADS1115(device: SimulatedI2CDevice(bus: "b", address: 0x48), fullScale: .millivolts2048, dataRate: .sps128)
            .configWord(for: .differential01) == 0x8583) // the datasheet's reset value with OS set
        #expect(ADS1115.DataRate.sps860.conversionTime == .microseconds(1163))
    }

    @Test func codesAndMicrovolts() {
        let adc = ADS1115(device: SimulatedI2CDevice(bus: "b", address: 0x48))
        #expect(adc.microvolts(16_384) == 2_048_000)
        #expect(adc.microvolts(-32_768) == -4_096_000)
        #expect(adc.microvolts(32_767) == 4_095_875)
        #expect(ADS1115.code(microvolts: 3_000_000, fullScale: .millivolts4096) == 24_000)
        #expect(ADS1115.code(microvolts: 9_000_000, fullScale: .millivolts4096) == 32_767)
    }

    @Test func bigEndianRegistersOverSMBus() throws {
        let dev = SimulatedI2CDevice(bus: "b", address: 0x48)
        let adc = ADS1115(device: dev)
        try adc.start(.ain1)
        #expect(dev.backend.words[1] == UInt16(0xD3E3).byteSwapped) // high byte first on the wire
        dev.backend.words[0] = UInt16(0x1234).byteSwapped
        #expect(try adc.readConversion() == 0x1234)
        #expect(try adc.isReady())
    }

    @Test func calibrationMapsTheLine() {
        let cal = PilotADCCalibration()
        for line: Int32 in [-12_000, -9_000, 0, 3_000, 6_000, 9_000, 12_000] {
            #expect(cal.lineMillivolts(pinMicrovolts: cal.pinMicrovolts(lineMillivolts: line)) == line)
        }
        #expect(cal.pinMicrovolts(lineMillivolts: 12_000) == 3_150_000)
        #expect(cal.pinMicrovolts(lineMillivolts: -12_000) == 150_000)
    }
}

/// The sysfs PWM driver against a directory of ordinary files shaped like /sys/class/pwm.
@Suite struct SysfsPWM {
    static func makeTree(exported: Bool) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ck-pwm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/pwmchip0", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/pwmchip0/export", contents: Data())
        if exported {
            try FileManager.default.createDirectory(atPath: root + "/pwmchip0/pwm0", withIntermediateDirectories: true)
            for f in ["period", "duty_cycle", "enable"] {
                _ = FileManager.default.createFile(atPath: root + "/pwmchip0/pwm0/" + f, contents: Data("0\n".utf8))
            }
        }
        return root
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing>" }

    @Test func writesPeriodDutyAndEnable() throws {
        let root = try Self.makeTree(exported: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pwm = try SysfsPWMChannel(chip: 0, channel: 0, root: root)
        #expect(pwm.label == "pwmchip0/pwm0")
        try pwm.configure(period: .milliseconds(1), dutyCycle: .milliseconds(1), enabled: true)
        #expect(Self.read(root + "/pwmchip0/pwm0/period") == "1000000\n")
        #expect(Self.read(root + "/pwmchip0/pwm0/duty_cycle") == "1000000\n")
        #expect(Self.read(root + "/pwmchip0/pwm0/enable") == "1\n")
        try pwm.setDutyCycle(.microseconds(50))
        #expect(Self.read(root + "/pwmchip0/pwm0/duty_cycle") == "50000\n")
        // Shrinking the period below the current duty writes the duty first (the kernel's order).
        try pwm.configure(period: .microseconds(40), dutyCycle: .microseconds(20), enabled: true)
        #expect(Self.read(root + "/pwmchip0/pwm0/period") == "40000\n")
        #expect(Self.read(root + "/pwmchip0/pwm0/duty_cycle") == "20000\n")
        #expect(throws: PWMError.dutyBeyondPeriod("pwmchip0/pwm0", duty: .microseconds(41), period: .microseconds(40))) {
            try pwm.setDutyCycle(.microseconds(41))
        }
    }

    @Test func exportsAMissingChannel() throws {
        let root = try Self.makeTree(exported: false)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The fake tree does not grow a pwm0 directory the way the kernel does: the export is written,
        // then the channel is still missing.
        #expect(throws: PWMError.export(root + "/pwmchip0", channel: 0, errno: .noSuchFileOrDirectory)) {
            _ = try SysfsPWMChannel(chip: 0, channel: 0, root: root)
        }
        #expect(Self.read(root + "/pwmchip0/export") == "0\n")
    }

    @Test func anAbsentChipIsATypedErrorWithAHint() {
        do {
            _ = try SysfsPWMChannel(chip: 7, channel: 0, root: "/nonexistent-ck")
            Issue.record("opened a missing chip")
        } catch {
            #expect(error.kind == .absent)
            #expect(error.description.contains("dtoverlay=pwm"))
        }
    }
}
