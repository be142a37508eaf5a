import AdvanticsCAN
import AdvanticsEmulator
import ArgumentParser
import Boards
import ChargerAssembly
import ControlLoop
import CoreTypes
import Foundation
import HAL
import Runtime

/// `boardctl can …`: CAN tools for the ADVANTICS interfaces. Register with `subcommands: [..., Can.self]`.
struct Can: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "CAN tools for the ADVANTICS generic interfaces (EVSE v3, PEV v2).",
        subcommands: [Replay.self, Emulate.self, Monitor.self])

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Feed a candump log (candump -l, or ID#DATA lines) through the ADVANTICS codec and print it decoded.")

        @Argument(help: "The candump log file ('-' for stdin).")
        var file: String

        @Option(help: "PEV interface resolutions: v2.5 (default), v2-early, or amps=1|0.1,kwh=0.1|0.01,energy-order=database|simulator.")
        var pevScaling = "v2.5"

        func run() throws {
            guard let scaling = PEVScaling(boardValue: pevScaling) else {
                throw ValidationError("unknown --pev-scaling \(pevScaling)")
            }
            let codec = AdvanticsCANCodec(pevScaling: scaling)
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                    throw ValidationError("cannot read \(file): \(error.localizedDescription)")
                }
            }
            var frames = 0, skipped = 0
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                guard let record = CandumpRecord(line: line) else {
                    if !line.trimmingCharacters(in: .whitespaces).isEmpty { skipped += 1 }
                    continue
                }
                frames += 1
                let prefix = (record.timestamp.map { "(\($0)) " } ?? "") + (record.interface.map { "\($0) " } ?? "")
                print(prefix + codec.describe(record.frame))
            }
            print("\(frames) frames decoded with PEV scaling \(scaling)\(skipped > 0 ? ", \(skipped) lines not candump frames" : "")")
        }
    }
}

extension Can {
    /// `boardctl can emulate --role secc|evcc --board NAME`: the scripted ADVANTICS SECC on the board's
    /// `advantics-can` device (EVSE v3 sessions, so a bench can drive a customer controller), or the
    /// scripted ADVANTICS EVCC on its `advantics-pev-can` device (PEV v2 sessions with the charger
    /// simulated behind it, so a bench can drive a BMS/VCU), in real time.
    struct Emulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Play a scripted ADVANTICS controller on a board's CAN device (secc: EVSE v3 sessions; evcc: PEV v2 sessions).")

        @Option(help: "secc (the charge-station controller) or evcc (the vehicle controller).")
        var role: String

        @Option(help: "Board name (Boards/NAME.yaml) or path to a board file with an advantics-can device.")
        var board: String

        @Option(help: "How long to run, in seconds.")
        var seconds: Double = 30

        @Option(help: "Pistol index (ID bits 28..24).")
        var pistol = 1

        @Option(help: "Seconds of charging before the vehicle stops (0: only the customer's stop button ends it).")
        var chargeSeconds: Double = 3

        @Flag(help: "Do not use sequence flags (no Not_Available, no Charge_Parameters_Done wait).")
        var noSequenceFlags = false

        @Flag(help: "evcc: an AC session (A1–A5) instead of DC.")
        var ac = false

        @Flag(help: "evcc: the charger's insulation test fails (D1).")
        var insulationFault = false

        @Flag(help: "evcc: an ISO 15118-20 bidirectional DC session (D5): the charger charges, then discharges from --discharge-after on.")
        var bidirectional = false

        @Option(help: "evcc, with --bidirectional: seconds into charging before the charger discharges.")
        var dischargeAfter: Double = 1

        @Flag(help: "evcc: an ISO 15118-20 Scheduled-mode DC session (D6): the loop target follows the vehicle's current or voltage control.")
        var scheduled = false

        @Option(help: "evcc: PEV interface resolutions (default: the board's pev_scaling, else v2.5).")
        var pevScaling: String?

        func validate() throws {
            guard role == "secc" || role == "evcc" else { throw ValidationError("--role must be secc or evcc") }
            guard (1...31).contains(pistol) else { throw ValidationError("--pistol must be 1…31") }
            guard seconds > 0, seconds <= 86_400 else { throw ValidationError("--seconds must be in (0, 86400]") }
            guard !bidirectional || (role == "evcc" && !ac) else { throw ValidationError("--bidirectional is a DC evcc session") }
            guard dischargeAfter >= 0, dischargeAfter <= 86_400 else { throw ValidationError("--discharge-after must be in [0, 86400]") }
        }

        func run() throws {
            if role == "evcc" { return try runEVCC() }
            let definition = try loadBoard(board)
            guard let device = definition.devices.first(where: { $0.role == .advanticsCAN }) else {
                throw ValidationError("board \(definition.name) has no device with role advantics-can")
            }
            let loop = try TickLoop.production(period: .milliseconds(1))
            let devices = BoardDevices.openAvailable(definition, factory: Charger.deviceFactory(for: definition))
            guard case .can(let bus)? = devices[device.name] else {
                let why = devices.failures.first { $0.device.name == device.name }.map { "\($0.error)" } ?? "not opened"
                throw ValidationError("\(device.name): \(why)")
            }
            var script = SECCScript()
            script.pistol = pistol
            script.useSequenceFlags = !noSequenceFlags
            script.stop = chargeSeconds > 0 ? .vehicle : .customer
            script.chargeFor = .milliseconds(Int64(chargeSeconds * 1000))
            let secc = ScriptedSECC(bus: bus, script: script)
            secc.vehicleContactors = { closed in print("vehicle: contactors \(closed ? "closed" : "opened")") }
            loop.addController(secc)
            loop.addController(StageReporter(secc: secc))
            print("SECC emulator on \(device.name) (\(bus.interface)), pistol \(pistol), for \(seconds) s")
            loop.run(ticks: Int(seconds * 1000))
            loop.stop(loop.stopReason ?? .requested("duration elapsed"))
            print("sessions: \(secc.sessionsCompleted) clean, \(secc.rushedStops) rushed, \(secc.insulationFailures) insulation failures; "
                  + "\(secc.framesSent) frames sent")
        }
    }
}

extension Can.Emulate {
    func runEVCC() throws {
        let definition = try loadBoard(board)
        guard let device = definition.devices.first(where: { $0.role == .advanticsPEVCAN }) else {
            throw ValidationError("board \(definition.name) has no device with role advantics-pev-can")
        }
        var scaling = PEVScaling.reference
        if case .can(let spec) = device.spec, let s = spec.pevScaling { scaling = s }
        if let pevScaling {
            guard let s = PEVScaling(boardValue: pevScaling) else { throw ValidationError("unknown --pev-scaling \(pevScaling)") }
            scaling = s
        }
        let loop = try TickLoop.production(period: .milliseconds(1))
        let devices = BoardDevices.openAvailable(definition, factory: Charger.deviceFactory(for: definition))
        guard case .can(let bus)? = devices[device.name] else {
            let why = devices.failures.first { $0.device.name == device.name }.map { "\($0.error)" } ?? "not opened"
            throw ValidationError("\(device.name): \(why)")
        }
        var script = ac ? EVCCScript.ac : bidirectional ? EVCCScript.iso20Bidirectional : EVCCScript()
        if scheduled, !ac, !bidirectional { script.communicationProtocol = 4 }  // ISO 15118-20, Scheduled mode
        script.stop = chargeSeconds > 0 ? .charger : .vehicle
        script.dischargeAfter = .milliseconds(Int64(dischargeAfter * 1000))
        script.chargeFor = .milliseconds(Int64(chargeSeconds * 1000))
        script.insulationFault = insulationFault
        let evcc = ScriptedEVCC(bus: bus, script: script, codec: AdvanticsCANCodec(pevScaling: scaling))
        loop.addController(evcc)
        let kind = ac ? "AC" : bidirectional ? "DC bidirectional (ISO 15118-20)" : scheduled ? "DC Scheduled mode (ISO 15118-20)" : "DC"
        let reporter = EVCCStageReporter(evcc: evcc)
        loop.addController(reporter)
        print("EVCC emulator on \(device.name) (\(bus.interface)), \(kind), "
              + "PEV scaling \(scaling), for \(seconds) s")
        loop.run(ticks: Int(seconds * 1000))
        loop.stop(loop.stopReason ?? .requested("duration elapsed"))
        print("sessions: \(evcc.sessionsCompleted) clean, \(evcc.sessionsAborted) aborted (last end: "
              + "\(evcc.lastEnd.map { "\($0)" } ?? "none")); \(evcc.framesSent) frames sent, \(evcc.framesRejected) rejected")
        if bidirectional {
            print("discharge: peak \(evcc.peakDischargeAmps) A from the vehicle")
        }
        print("pauses: \(evcc.pauses), resumes: \(evcc.resumes) (D7)")
        if scheduled {
            print(reporter.voltageControlTarget.map { "scheduled mode: voltage control asked, loop target \($0) V, 0 A (D6)" }
                  ?? "scheduled mode: current control (D6)")
        }
    }
}

/// Prints the EVCC's stage and what the VCU reports, on every change (a tool: it may allocate).
private final class EVCCStageReporter: TickController {
    let name = "evcc-reporter"
    let evcc: ScriptedEVCC
    private var last: ScriptedEVCC.Stage?
    private var started: MonotonicInstant?
    /// The loop target voltage while the vehicle asked for voltage control while charging (D6), if it did.
    private(set) var voltageControlTarget: Double?

    init(evcc: ScriptedEVCC) { self.evcc = evcc }

    func tick(_ context: TickContext) {
        let t0 = started ?? context.now
        started = t0
        if evcc.scheduledVoltageControl, evcc.stage == .charging, evcc.loopTargetVolts > 0 { voltageControlTarget = evcc.loopTargetVolts }
        guard evcc.stage != last else { return }
        last = evcc.stage
        let s1 = evcc.status1, s2 = evcc.status2
        let seconds = Double(context.now.nanoseconds - t0.nanoseconds) / 1e9
        print(String(format: "[%8.3f s] ", seconds) + "\(evcc.stage) (stage \(evcc.communicationStage)); VCU: request \(s1.maxChargeAmps) A, "
              + "present \(s1.presentAmps) A, battery \(s2.batteryVolts) V, inlet \(s2.inletVolts) V, contactors "
              + "\(s2.contactorsClosed ? "closed" : "open"), SoC \(evcc.soc) %")
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}

/// Prints the SECC's stage and what the customer reports, on every change (a tool: it may allocate).
private final class StageReporter: TickController {
    let name = "secc-reporter"
    let secc: ScriptedSECC
    private var last: ScriptedSECC.Stage?
    private var started: MonotonicInstant?

    init(secc: ScriptedSECC) { self.secc = secc }

    func tick(_ context: TickContext) {
        let t0 = started ?? context.now
        started = t0
        guard secc.stage != last else { return }
        last = secc.stage
        let m = secc.modules
        let seconds = Double(context.now.nanoseconds - t0.nanoseconds) / 1e9
        print(String(format: "[%8.3f s] ", seconds) + "\(secc.stage) (state \(secc.state)); modules: \(m.presentVolts) V, "
              + "\(m.presentAmps) A, System_Enable \(m.systemEnable ? 1 : 0), insulation \(m.insulationKiloohms) kΩ")
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}

extension Can {
    /// `boardctl can monitor --board NAME --role evse|pev`: every frame on the board's CAN device,
    /// decoded in both directions, as a view refreshed every `--interval` seconds; `--log FILE` records
    /// a candump log (`boardctl can replay FILE` plays it back).
    struct Monitor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch an ADVANTICS interface on a board's CAN device: state, setpoints vs readouts, limits, rates, ages.")

        @Option(help: "Board name (Boards/NAME.yaml) or path to a board file.")
        var board: String

        @Option(help: "evse (EVSE v3, 29-bit) or pev (PEV v2, 11-bit).")
        var role = "evse"

        @Option(help: "Pistol index watched (EVSE).")
        var pistol = 1

        @Option(help: "PEV interface resolutions (see `boardctl can replay --help`; default: the board's pev_scaling, else v2.5).")
        var pevScaling: String?

        @Option(help: "How long to run, in seconds.")
        var seconds: Double = 60

        @Option(help: "Seconds between two views.")
        var interval: Double = 1

        @Option(help: "Record every frame to this candump log file.")
        var log: String?

        func validate() throws {
            guard role == "evse" || role == "pev" else { throw ValidationError("--role must be evse or pev") }
            guard seconds > 0, seconds <= 86_400, interval >= 0.1 else { throw ValidationError("--seconds in (0, 86400], --interval ≥ 0.1") }
        }

        func run() throws {
            let definition = try loadBoard(board)
            let wanted: DeviceRole = role == "pev" ? .advanticsPEVCAN : .advanticsCAN
            guard let device = definition.devices.first(where: { $0.role == wanted }) ?? definition.devices.first(where: { $0.kind == .can }) else {
                throw ValidationError("board \(definition.name) has no CAN device")
            }
            var scaling = PEVScaling.reference
            if case .can(let spec) = device.spec, let s = spec.pevScaling { scaling = s }
            if let pevScaling {
                guard let s = PEVScaling(boardValue: pevScaling) else { throw ValidationError("unknown --pev-scaling \(pevScaling)") }
                scaling = s
            }
            let loop = try TickLoop.production(period: .milliseconds(1))
            let devices = BoardDevices.openAvailable(definition, factory: Charger.deviceFactory(for: definition))
            guard case .can(let bus)? = devices[device.name] else {
                let why = devices.failures.first { $0.device.name == device.name }.map { "\($0.error)" } ?? "not opened"
                throw ValidationError("\(device.name): \(why)")
            }
            var logHandle: FileHandle?
            if let log {
                guard FileManager.default.createFile(atPath: log, contents: nil), let h = FileHandle(forWritingAtPath: log) else {
                    throw ValidationError("cannot write \(log)")
                }
                logHandle = h
            }
            let monitor = AdvanticsMonitor(codec: AdvanticsCANCodec(pevScaling: scaling), interface: role == "evse" ? .evse : .pev,
                                           pistol: pistol)
            let watcher = BusWatcher(bus: bus, monitor: monitor, log: logHandle, interval: .milliseconds(Int64(interval * 1000)))
            loop.addController(watcher)
            loop.run(ticks: Int(seconds * 1000))
            loop.stop(loop.stopReason ?? .requested("duration elapsed"))
            print(monitor.render(at: SystemMonotonicClock().now()))
            try logHandle?.close()
        }
    }
}

/// Takes the bus's frames every tick for the monitor and the log, and prints the view periodically.
private final class BusWatcher: TickController {
    let name = "can-monitor"
    let bus: any CANBus
    let monitor: AdvanticsMonitor
    let log: FileHandle?
    let interval: Nanoseconds
    private var nextView: MonotonicInstant?
    private let wall = SystemMonotonicClock()

    init(bus: any CANBus, monitor: AdvanticsMonitor, log: FileHandle?, interval: Nanoseconds) {
        self.bus = bus
        self.monitor = monitor
        self.log = log
        self.interval = interval
    }

    func tick(_ context: TickContext) {
        while let frame = try? bus.receive() {
            monitor.observe(frame, at: context.now)
            if let log {
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                let micros = String(ts.tv_nsec / 1000)
                let line = "(\(ts.tv_sec).\(String(repeating: "0", count: 6 - micros.count) + micros)) \(bus.interface) \(frame.description)\n"
                log.write(line.data(using: .utf8)!)
            }
        }
        if context.now >= (nextView ?? context.now) {
            print("\u{1B}[2J\u{1B}[H" + monitor.render(at: context.now))
            nextView = context.now + interval
        }
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}
