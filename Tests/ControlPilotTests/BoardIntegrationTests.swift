import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import ControlLoop
import ControlPilot
import ESP32CPEmulator
import Foundation
import Glibc
import HAL
import Runtime
import Testing
import TestSupport

enum Repository {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static var locator: BoardLocator {
        BoardLocator(environment: [:], currentDirectory: root, executablePath: nil, systemDirectory: "/nonexistent/etc/chargekit/boards")
    }
    static let boardctl = PackageLayout.product("boardctl")
}

/// The control pilot wired from board files by role: the direct Pi CP board on twins, the sim board's
/// emulated helper (a real pty and a thread), `boardctl probe` and `boardctl cp`.
@Suite(.serialized) struct ControlPilotBoards {
    @Test func directBoardFileWiresTheDirectFrontEnd() throws {
        let board = try BoardLoader.load(path: Repository.root + "/Boards/rpi4-qca7000-directcp.yaml")
        guard case .pwm(let pwmSpec)? = board.device(role: .cpPWM)?.spec, case .i2c(let adcSpec)? = board.device(role: .cpADC)?.spec else {
            Issue.record("no cp-pwm/cp-adc")
            return
        }
        #expect(pwmSpec == PWMDeviceSpec(chip: 0, channel: 0, periodNanoseconds: 1_000_000, inverted: false))
        #expect(adcSpec.address == 0x49 && adcSpec.bus == "/dev/i2c-1")
        #expect(board.device(role: .cpHelper) == nil)

        let factory = SimulatedDeviceFactory()
        let devices = try BoardDevices.open(board, factory: factory)
        guard case .pwm(let pwm)? = factory.twins["cp_pwm"], case .i2c(let adc)? = factory.twins["cp_adc"] else {
            Issue.record("no twins")
            return
        }
        let model = DirectPilotModel(pwm: pwm as! SimulatedPWMChannel, i2c: adc as! SimulatedI2CDevice)
        let pumps = devices.makePumps()
        let assembly = try PilotAssembly.make(devices: devices, pumps: pumps)
        #expect(assembly.direct != nil && assembly.helperLink == nil)
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        for p in pumps { loop.addSource(p) }
        for s in assembly.sources { loop.addSource(s) }
        loop.addController(assembly.controller)
        loop.run(ticks: 20)
        model.vehicle = .b
        loop.run(ticks: 30)
        var events: [PilotEvent] = []
        while let e = assembly.controller.events.pop() { events.append(e) }
        #expect(events == [.plugged, .readyForSLAC])
        #expect(model.pwm.backend.dutyCycle == .microseconds(50))
    }

    /// The sim board's cp-helper is the emulator on a pseudo-terminal, on its own thread: the link
    /// talks to it through the real tty shim in real time (bounded waits, no timing asserted).
    @Test func simBoardHelperIsTheEmulator() throws {
        let board = try BoardLoader.load(path: Repository.root + "/Boards/sim.yaml")
        let factory = SimulatedDeviceFactory()
        factory.helperScript = EmulatorScript(actions: [EmulatorScript.Step(at: .milliseconds(200), action: .vehicle(.b))])
        let devices = try BoardDevices.open(board, factory: factory)
        let port = try #require(devices.serial(.cpHelper) as? EmulatedHelperPort)
        #expect(port.path == "/dev/serial0" && port.ptyPath.hasPrefix("/dev/pts/"))
        let pumps = devices.makePumps()
        let assembly = try PilotAssembly.make(devices: devices, pumps: pumps)
        let clock = SystemMonotonicClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: PollWaiter(clock: clock))
        for p in pumps { loop.addSource(p) }
        loop.addController(assembly.controller)
        var events: [PilotEvent] = []
        for _ in 0..<5_000 where !events.contains(.readyForSLAC) {
            loop.runCycle()
            while let e = assembly.controller.events.pop() { events.append(e) }
        }
        #expect(events == [.plugged, .readyForSLAC])
        #expect(assembly.helperLink?.firmware?.firmware.description == "esp-cp-periph/0.2.0")
        loop.stop(.requested("test"))
    }

    @Test func probeAsksTheHelper() {
        let result = BoardTool.probe(board: "sim", json: false, locator: Repository.locator,
                                     factory: { Charger.deviceFactory(for: $0) }, roleProbes: RoleProbes.all)
        #expect(result.exitCode == 0)
        let line = result.output.split(separator: "\n").first { $0.hasPrefix("cp_uart") } ?? ""
        #expect(line.contains("tty 115200 8N1; helper: answers ping, firmware esp-cp-periph/0.2.0 (proto 1), mode dc, state A"))
    }

    /// A port where nothing answers, and one that answers garbage: both are probe errors with a hint.
    @Test func probeOfASilentOrWrongHelper() throws {
        let pty = try PseudoTerminal()
        defer { pty.releaseDeviceEnd() }
        let host = try LinuxSerialPort(path: pty.devicePath, config: SerialConfig())
        let silent = ESP32HelperProbe.run(port: host, timeout: .milliseconds(300))
        #expect(!silent.answered)
        let noise = Array(repeating: UInt8(0xF0), count: 40) + [0x0A]
        _ = try noise.withUnsafeBytes { try pty.farEnd.write(RawSpan(_unsafeBytes: $0)) }
        let garbage = ESP32HelperProbe.run(port: host, timeout: .milliseconds(300))
        #expect(!garbage.answered && garbage.badLines == 1)
    }

    func boardctl(_ arguments: String...) throws -> Subprocess.Output {
        try Subprocess.run([Repository.boardctl!] + arguments, directory: Repository.root)
    }

    @Test(.enabled(if: Repository.boardctl != nil, "boardctl is not built next to the test bundle"))
    func boardctlCPOnTheSimBoard() throws {
        let run = try boardctl("cp", "--board", "sim", "--demo", "--seconds", "4", "--interval-ms", "1000")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("control pilot on cp_uart (ESP32 helper)"))
        #expect(run.stdout.contains("event: plugged"))
        #expect(run.stdout.contains("event: ready for SLAC"))
        #expect(run.stdout.contains("event: EV requests power"))
        #expect(run.stdout.contains("fw esp-cp-periph/0.2.0"))
        #expect(run.stdout.contains("CP output at +12 V"))
    }

    @Test(.enabled(if: Repository.boardctl != nil, "boardctl is not built next to the test bundle"))
    func boardctlCPArguments() throws {
        let bad = try boardctl("cp", "--board", "sim", "--pwm", "50", "--amps", "16")
        #expect(bad.status == 64 || bad.status == 2, "\(bad.status)")
        #expect(bad.stderr.contains("use --pwm or --amps, not both"))
        let badDuty = try boardctl("cp", "--board", "sim", "--pwm", "99")
        #expect(badDuty.stderr.contains("--pwm takes 5, off, f or a duty 8…97"))
        // The direct board on this machine: no PWM chip, no I2C: the CP hardware does not open.
        let direct = try boardctl("cp", "--board", "rpi4-qca7000-directcp", "--seconds", "0.1")
        #expect(direct.status == 1)
        #expect(direct.stderr.contains("cp_pwm (cp-pwm) not opened"))
    }

    /// The `pwm` kind of the board schema: keys, ranges, defaults, and the cp-pwm role requires it.
    @Test func pwmKindSchema() throws {
        func board(_ device: String) -> String {
            """
            board: t
            description: test
            vehicle_link: own-stack
            simulated: true
            devices:
              plc:
                kind: ethernet
                role: plc-modem
                interface: eth1
                ethertype: 0x88E1
            \(device)
            """
        }
        let good = try BoardLoader.load(text: board("""
              cp_pwm:
                kind: pwm
                role: cp-pwm
                chip: 2
                channel: 1
            """), file: "t.yaml")
        #expect(good.device(role: .cpPWM)?.spec == .pwm(PWMDeviceSpec(chip: 2, channel: 1, periodNanoseconds: 1_000_000, inverted: false)))
        #expect(good.device(role: .cpPWM)?.address == "pwmchip2/pwm1")
        func issues(_ device: String) -> [String] {
            do {
                _ = try BoardLoader.load(text: board(device), file: "t.yaml")
                return []
            } catch {
                return error.issues.map(\.description)
            }
        }
        let range = issues("""
              cp_pwm:
                kind: pwm
                role: cp-pwm
                chip: 0
                channel: 99
                period_ns: 10
            """)
        #expect(range.count == 2)
        #expect(range.contains { $0.contains("devices.cp_pwm.channel") })
        #expect(range.contains { $0.contains("devices.cp_pwm.period_ns") })
        let wrongKind = issues("""
              cp_pwm:
                kind: gpio
                role: cp-pwm
                chip: gpiochip0
                line: 18
                direction: output
            """)
        #expect(wrongKind.contains { $0.contains("role cp-pwm needs kind pwm, this device is kind gpio") })
    }

    @Test func manualOutputsParse() throws {
        // What `boardctl cp --amps 16` offers: 26.6 % (15.96 A).
        #expect(try PilotCurrent.dutyCycle(forMilliamps: 16_000) == DutyCycle(permille: 266))
    }
}
