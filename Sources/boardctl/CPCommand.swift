import ArgumentParser
import Boards
import ChargerAssembly
import Contracts
import SimBoard
import CPHelperProtocol
import ControlLoop
import ControlPilot
import ESP32CPEmulator
import Foundation
import HAL
import Runtime

/// `boardctl cp`: live control-pilot monitor and manual CP commands for bring-up.
struct CP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Watch the control pilot (state, voltages, duty, helper link) and set the CP output by hand.",
        discussion: """
            Runs the board's control pilot (ESP32 helper on role cp-helper, or the Pi's PWM + ADS1115 on \
            cp-pwm/cp-adc) in the real-time loop and prints a line every --interval-ms, plus every event \
            as it happens. --pwm/--amps set what is signalled while a vehicle (or a tester in state B) is \
            connected; with no vehicle the line stays at steady +12 V, and on any fault it is forced there. \
            On the sim board the helper is the ESP32 emulator on a pseudo-terminal: --demo plugs a vehicle \
            in, charges and unplugs; --sim-script FILE plays a cp-helper-emulator script.
            Exit: 0 done, 1 the CP hardware did not open, 2 bad board file or arguments.
            """)

    @Option(name: .long, help: "Board name (Boards/NAME.yaml) or path to a board file.")
    var board: String

    @Option(name: .long, help: "CP output while a vehicle is connected: 5 (digital communication), off (+12 V), f (-12 V) or a duty in percent 8…97.")
    var pwm: String?

    @Option(name: .long, help: "Offer an AC current (IEC 61851-1 Annex A duty cycle), 6…80 A.")
    var amps: Double?

    @Option(name: .long, help: "Stop after this many seconds (default: until Ctrl-C).")
    var seconds: Double?

    @Option(name: .customLong("interval-ms"), help: "Status line interval in milliseconds.")
    var intervalMilliseconds: Int64 = 500

    @Option(name: .long, help: "State D (ventilation): refuse or allow.")
    var ventilation: String = "refuse"

    @Flag(name: .long, help: "Sim board: the emulated vehicle plugs in, charges and unplugs (10 s).")
    var demo = false

    @Option(name: .customLong("sim-script"), help: "Sim board: a cp-helper-emulator script for the emulated vehicle.")
    var simScript: String?

    func validate() throws {
        if pwm != nil, amps != nil { throw ValidationError("use --pwm or --amps, not both") }
        if let pwm { _ = try Self.output(forPWM: pwm) }
        if let amps, !(6...80).contains(amps) { throw ValidationError("--amps must be in 6…80 (IEC 61851-1 Annex A)") }
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be positive") }
        guard intervalMilliseconds >= 10 else { throw ValidationError("--interval-ms must be at least 10") }
        guard ["refuse", "allow"].contains(ventilation) else { throw ValidationError("--ventilation is refuse or allow") }
    }

    static func output(forPWM text: String) throws -> PilotPWM {
        switch text.lowercased() {
        case "5": return .digitalCommunication
        case "off", "100": return .steadyHigh
        case "f", "0": return .steadyLow
        default:
            guard let percent = Int(text), (8...97).contains(percent) else {
                throw ValidationError("--pwm takes 5, off, f or a duty 8…97 (percent); got \(text)")
            }
            return .currentLimit(DutyCycle(percent: percent))
        }
    }

    func run() throws {
        let definition = try loadBoard(board)
        let factory: any DeviceFactory
        if definition.simulated {
            let sim = SimulatedDeviceFactory()
            if let simScript {
                let text = try String(contentsOfFile: simScript, encoding: .utf8)
                do { sim.helperScript = try EmulatorScript(parsing: text) } catch {
                    printToStandardError("boardctl: \(error)\n")
                    throw ExitCode(BoardTool.exitBadBoard)
                }
            } else if demo {
                sim.helperScript = .plugChargeUnplug
            }
            factory = sim
        } else {
            factory = LinuxDeviceFactory()
        }
        // Signals first: a thread a device starts (the sim helper emulator) inherits the blocked mask.
        let loop = try TickLoop.production()
        let devices = BoardDevices.openAvailable(definition, factory: factory)
        for failure in devices.failures where [.cpHelper, .cpPWM, .cpADC].contains(failure.device.role) {
            printToStandardError("boardctl: \(failure.device.name) (\(failure.device.role.rawValue)) not opened: \(failure.error)\n")
        }
        let pumps = devices.makePumps()
        var configuration = ControlPilotConfiguration(ventilation: ventilation == "allow" ? .allow : .refuse)
        if let pwm { configuration.initialPWM = try Self.output(forPWM: pwm) }
        if let amps {
            do { configuration.initialPWM = .currentLimit(try PilotCurrent.dutyCycle(forMilliamps: Int32(amps * 1000))) } catch {
                throw ValidationError("\(error)")
            }
        }
        let assembly: PilotAssembly
        do throws(PilotAssemblyError) {
            assembly = try PilotAssembly.make(devices: devices, pumps: pumps, configuration: configuration)
        } catch {
            printToStandardError("boardctl: \(error)\n")
            throw ExitCode(BoardTool.exitDevicesMissing)
        }
        for pump in pumps { loop.addSource(pump) }
        for source in assembly.sources { loop.addSource(source) }
        loop.addController(assembly.controller)
        let monitor = PilotMonitor(assembly: assembly, interval: .milliseconds(intervalMilliseconds))
        loop.addController(monitor)

        print("board \(definition.name): control pilot on \(assembly.frontEnd.name) "
              + "(\(assembly.helperLink != nil ? "ESP32 helper" : "direct PWM + ADS1115")), "
              + "output while connected: \(configuration.initialPWM), state D: \(ventilation)")
        if let seconds {
            loop.run(ticks: Int(seconds * 1000))
            loop.stop(loop.stopReason ?? .requested("--seconds elapsed"))
        } else {
            loop.run()
        }
        monitor.report(clock: loop.clock.now(), final: true)
        print("stopped (\(loop.stopReason ?? .requested("loop ended"))); CP output at +12 V")
    }
}

/// Prints the pilot's state every interval and each event as it comes (a tool: it allocates).
final class PilotMonitor: TickController {
    let name = "cp-monitor"
    let assembly: PilotAssembly
    let interval: Nanoseconds
    private var next = Deadline()
    private var start: MonotonicInstant?

    init(assembly: PilotAssembly, interval: Nanoseconds) {
        self.assembly = assembly
        self.interval = interval
    }

    func tick(_ context: TickContext) {
        if start == nil { start = context.now }
        while let e = assembly.controller.events.pop() { emit(context.now, "event: \(e)") }
        if let link = assembly.helperLink {
            while let entry = link.log.pop() { emit(entry.at, "helper: \(entry.error)") }
        }
        if !next.isArmed { next.arm(context.now, after: interval) }
        if next.fire(context.now) {
            report(clock: context.now, final: false)
            next.arm(context.now, after: interval)
        }
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }

    private func stamp(_ now: MonotonicInstant) -> String {
        let ms = (now - (start ?? now)).count / 1_000_000
        return String(format: "%7.3f s", Double(ms) / 1000)
    }

    private func emit(_ now: MonotonicInstant, _ text: String) { print("\(stamp(now))  \(text)") }

    func report(clock now: MonotonicInstant, final: Bool) {
        let c = assembly.controller
        var parts = ["state \(c.state)" + (c.fault.map { " (\($0))" } ?? "")]
        switch c.lastSample {
        case .line(let high, let low, _)?:
            parts.append(String(format: "CP %+.2f V", Double(high) / 1000) + (low.map { String(format: " / %+.2f V", Double($0) / 1000) } ?? " / -"))
        case .helper(let letter, let mv, let robust, _, _)?:
            parts.append("helper says \(letter) at \(mv) mV (robust \(robust)) at its ADC pin")
        case nil:
            parts.append("no reading yet")
        }
        parts.append("output \(c.commandedPWM)" + (assembly.frontEnd.appliedPWM == c.commandedPWM ? "" : " (not confirmed yet)"))
        if let link = assembly.helperLink {
            var l = "link \(link.fault.map { "\($0)" } ?? "up"): \(link.linesDecoded) lines, \(link.badLines) bad"
            if let s = link.lastStatus {
                l += ", mode \(s.mode.map { "\($0)" } ?? "?")"
                if let out = s.pwm?.out { l += ", pwm.out \(out) %" }
            }
            if let pong = link.lastPongAt { l += ", pong \((now - pong).count / 1_000_000) ms ago" }
            if let fw = link.firmware { l += ", fw \(fw.firmware)" }
            parts.append(l)
        }
        if let d = assembly.direct {
            parts.append("ADC \(d.samplesPublished) pairs" + (d.lastADCError.map { ", error: \($0)" } ?? "")
                         + (d.lastPWMError.map { ", PWM error: \($0)" } ?? ""))
        }
        emit(now, (final ? "final: " : "") + parts.joined(separator: " | "))
    }
}
