import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import ControlLoop
import ControlPilot
import Foundation
import HAL
import Runtime
import Testing
import TestSupport

/// The direct Pi CP board against a real kernel in the HIL VM (../shared/tools/hil-vm): the ADS1115
/// through i2c-dev/libi2c on i2c-stub at 0x48 (SMBus word transfers, byte-swapped), and the contactor
/// relay the session drives from the pilot's events on a gpio-sim line, read back on the far side
/// with `hil-gpio value`. The relay is played by the chip's CP_PWM line, which no other suite uses
/// (the GPIO and board-probe suites hold RELAY_K1/K2), so this suite also runs beside them. The VM has no PWM chip: the sysfs PWM driver writes a /sys/class/pwm-shaped
/// tree of plain files on the VM's tmpfs (the same open/write/close it does on the Pi).
///
/// On the host these tests return at once (HIL_VM is not set); the HIL launcher runs them in the VM
/// with `--filter HILKernel`.
@Suite("HILKernel CP: direct Pi CP board on i2c-stub and gpio-sim", .serialized, HIL.onlyInVM, .required("hil-kernel"))
struct HILKernelDirectPilotTests {
    /// The gpio-sim line standing in for the contactor relay.
    static let relayLine = "CP_PWM"

    /// Plays the ADS1115 on i2c-stub from a second descriptor: before each tick, reads which input the
    /// driver selected (config register) and puts that input's conversion code in register 0.
    final class ADCPlayer {
        let chip: LinuxI2CDevice
        let calibration = PilotADCCalibration()
        var highMillivolts: Int32 = 12_000
        var lowMillivolts: Int32 = -12_000

        init(bus: String) throws { chip = try LinuxI2CDevice(bus: bus, address: 0x48) }

        func play() throws {
            let config = try chip.readBigEndianWord(register: ADS1115.Register.config.rawValue)
            let line = ADS1115.input(ofConfig: config) == .ain0 ? highMillivolts : lowMillivolts
            let code = ADS1115.code(microvolts: calibration.pinMicrovolts(lineMillivolts: line), fullScale: .millivolts4096)
            try chip.writeBigEndianWord(register: ADS1115.Register.conversion.rawValue, UInt16(bitPattern: code))
        }
    }

    static func makePWMTree() throws -> String {
        let root = "/tmp/ck-hil-pwm-\(getpid())"
        try FileManager.default.createDirectory(atPath: root + "/pwmchip0/pwm0", withIntermediateDirectories: true)
        for f in ["export", "pwm0/period", "pwm0/duty_cycle", "pwm0/enable"] {
            _ = FileManager.default.createFile(atPath: root + "/pwmchip0/" + f, contents: Data("0\n".utf8))
        }
        return root
    }

    @Test("plug-in, 5 %, C closes the relay, E opens it in the same tick as the emergency stop")
    func sessionAndEmergencyStop() throws {
        let root = try Self.makePWMTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let player = try ADCPlayer(bus: HIL.i2cDevice)
        let adc = ADS1115(device: try LinuxI2CDevice(bus: HIL.i2cDevice, address: 0x48))
        let pwm = try SysfsPWMChannel(chip: 0, channel: 0, root: root)
        let relay = try LinuxGPIOLine(GPIOLineConfig(chip: "hil-gpio", line: .name(Self.relayLine),
                                                      direction: .output(initial: false), consumer: "chargekit-cp-test"))
        let frontEnd = DirectPilotFrontEnd(pwm: pwm, adc: adc)
        let pilot = ControlPilot(frontEnd: frontEnd)
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        loop.addSource(frontEnd)
        loop.addController(pilot)

        var tick = 0
        var events: [(Int, PilotEvent)] = []
        var relayOpenedAt: Int?
        func step(_ n: Int) throws {
            for _ in 0..<n {
                try player.play()
                loop.runCycle()
                tick += 1
                while let e = pilot.events.pop() {
                    events.append((tick, e))
                    // The session's part, in the same tick: close on a power request, open on a stop.
                    switch e {
                    case .evRequestsPower:
                        try relay.write(true)
                        pilot.setEnergyTransfer(true)
                    case .emergencyStop:
                        try relay.write(false)
                        relayOpenedAt = tick
                    default: break
                    }
                }
            }
        }
        try step(30)
        #expect(pilot.state == .a)
        #expect(frontEnd.lastADCError == nil && frontEnd.samplesPublished > 5)
        player.highMillivolts = 9_000
        try step(40)
        #expect(pilot.state == .b)
        #expect(events.map(\.1) == [.plugged, .readyForSLAC])
        #expect(try String(contentsOfFile: root + "/pwmchip0/pwm0/duty_cycle", encoding: .utf8) == "50000\n")
        player.highMillivolts = 6_000
        try step(40)
        #expect(pilot.state == .c)
        #expect(try HIL.driven(Self.relayLine))
        let faultAt = tick
        player.highMillivolts = 0
        try step(40)
        let stop = events.first { $0.1 == .emergencyStop(.shortToEarth) }?.0
        #expect(stop != nil)
        #expect(relayOpenedAt == stop)
        #expect(try !HIL.driven(Self.relayLine))
        print("HIL CP: E on the ADC (i2c-stub) → emergency stop and relay open on gpio-sim after \((stop ?? 0) - faultAt) ticks")
        #expect((stop ?? 999) - faultAt <= 6)
        #expect(try String(contentsOfFile: root + "/pwmchip0/pwm0/duty_cycle", encoding: .utf8) == "1000000\n")
    }

    @Test("the missing diode is seen on the real bus (negative plateau at -9 V with 5 % on the line)")
    func diodeCheck() throws {
        let root = try Self.makePWMTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let player = try ADCPlayer(bus: HIL.i2cDevice)
        let frontEnd = DirectPilotFrontEnd(pwm: try SysfsPWMChannel(chip: 0, channel: 0, root: root),
                                           adc: ADS1115(device: try LinuxI2CDevice(bus: HIL.i2cDevice, address: 0x48)))
        let pilot = ControlPilot(frontEnd: frontEnd)
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        loop.addSource(frontEnd)
        loop.addController(pilot)
        var seen: [PilotEvent] = []
        player.highMillivolts = 9_000
        player.lowMillivolts = -9_000
        for _ in 0..<80 {
            try player.play()
            loop.runCycle()
            while let e = pilot.events.pop() { seen.append(e) }
        }
        #expect(seen.contains(.error(.diodeMissing)))
        #expect(pilot.state == .e)
    }

    @Test("nothing at 0x50: the ADC fault is typed (naming the address) and becomes a measurement fault")
    func absentADC() throws {
        let root = try Self.makePWMTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let frontEnd = DirectPilotFrontEnd(pwm: try SysfsPWMChannel(chip: 0, channel: 0, root: root),
                                           adc: ADS1115(device: try LinuxI2CDevice(bus: HIL.i2cDevice, address: 0x50)))
        let pilot = ControlPilot(frontEnd: frontEnd)
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        loop.addSource(frontEnd)
        loop.addController(pilot)
        var seen: [PilotEvent] = []
        for _ in 0..<20 {
            loop.runCycle()
            while let e = pilot.events.pop() { seen.append(e) }
        }
        #expect(seen == [.error(.measurementFailed)])
        // i2c-stub answers the SMBus write of the config word to an empty address with ENODEV/ENXIO
        // depending on the transfer: both are "nobody there".
        let kind = frontEnd.lastADCError?.kind
        #expect(kind == .io || kind == .absent)
        #expect(frontEnd.lastADCError?.description.contains("0x50") == true)
        print("HIL CP: absent ADC → \(frontEnd.lastADCError.map { "\($0)" } ?? "-")")
    }
}
