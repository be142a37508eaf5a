import ArgumentParser
import Boards
import ChargerAssembly
import Contracts
import ControlLoop
import HAL
import Logging
import Runtime
import Scenarios
import ServiceLink
import ServicePlane
import SystemPackage

/// `chargerd`: the charger firmware. Loads a board, composes its drivers and controllers from its
/// `vehicle_link` (`Charger`), runs them in one fixed-tick loop until SIGINT/SIGTERM, then has every
/// controller put its outputs in the safe state and logs what each did. On the `sim` board a
/// simulated car plugs in, charges one whole session and unplugs; `chargerd` prints the session's
/// progress and summary and exits 0 once the car has gone and the charger is ready again (issue 18).
@main
struct Chargerd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargerd",
        abstract: "ChargeKit charger firmware: one fixed-tick loop over a board's devices.",
        discussion: """
            --board NAME searches $CHARGEKIT_BOARDS, a Boards/ directory above the current directory or \
            above this executable, then /etc/chargekit/boards; --board PATH loads a file. A board file \
            with `simulated: true` runs on simulated twins. Stops cleanly on SIGINT/SIGTERM. \
            On the sim board a simulated car charges one session (SLAC, SDP, V2G, cable check, \
            precharge, charging, stop, welding check, SessionStop) and unplugs (on sim-whitebeet, \
            sim-whitebeet-spi and sim-whitebeet-gen1 the emulated WHITE-beet module's car does); exit 0 when that \
            session completed, 1 when it failed or --seconds ran out first. \
            Under systemd (NOTIFY_SOCKET set) it sends READY=1 once the loop runs, WATCHDOG=1 every \
            half WATCHDOG_USEC while ticks are on time, and STOPPING=1 (Image/systemd/chargerd.service).
            """
    )

    @Option(name: .long, help: "Board name (Boards/NAME.yaml) or path to a board file (required unless --service-reset).")
    var board: String?

    @Option(name: .customLong("state-dir"), help: "Keep the out-of-service record here across restarts (overrides state_dir; the unit passes /var/lib/chargekit).")
    var stateDir: String?

    @Flag(name: .customLong("service-reset"), help: "After the repair: clear the out-of-service record in --state-dir (or the config's state_dir) and exit 0; the next start checks the contactors again.")
    var serviceReset = false

    @Option(name: .customLong("tick-us"), help: "Tick period in microseconds.")
    var tickMicroseconds: Int64 = 1000

    @Option(name: .long, help: "Stop after this many seconds (default: run until SIGINT/SIGTERM, or on the sim board until the car has unplugged).")
    var seconds: Double?

    @Option(name: .long, help: "Run the loop SCHED_FIFO at this priority (1…99) with memory locked.")
    var realtime: Int32?

    @Flag(name: .customLong("no-v2g"), help: "own-stack boards: pilot and SLAC only (no SDP, SECC or power path).")
    var noV2G = false
    @Option(name: .long, help: "Sim boards: play this scenario file (Scenarios/*.yaml); exit 0 only when its expected outcome holds.")
    var scenario: String?

    @Option(name: .customLong("pev-pause-after"), help: "Simulated advantics-pev boards: the vehicle asks to pause this many seconds into charging (D7).")
    var pevPauseAfter: Double?
    @Option(name: .customLong("pev-pause-for"), help: "With --pev-pause-after: seconds paused before the vehicle asks to resume.")
    var pevPauseFor: Double = 1

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: "Station config (YAML; Config/station.example.yaml): EVSE ID, limits, protocols, authorisation, log format, report directory.")
    var config: String?

    @Option(name: .long, help: "Write each session's report (JSON and an SVG plot) into this directory (overrides report_dir).")
    var report: String?

    @Option(name: .long, help: "On the sim board: run this many sessions back to back in this process (the soak benchmark).")
    var sessions: Int = 1

    @Flag(name: .long, help: "Sim board: stay after the session instead of exiting; with --http, POST /api/bench/start plugs the car in again for the next one.")
    var bench = false

    @Flag(name: .customLong("test-stall-on-sigusr2"), help: "Test hook: SIGUSR2 stalls the loop for good, so the systemd watchdog must restart chargerd (Image/boot-check.sh).")
    var testStallOnSIGUSR2 = false

    @OptionGroup(title: "OCPP 1.6J") var ocpp: OCPPCommandOptions
    @OptionGroup(title: "HTTP API") var http: HTTPCommandOptions

    @OptionGroup(title: "Site power sharing (MQTT)") var site: SiteCommandOptions

    func validate() throws {
        if !serviceReset, board == nil { throw ValidationError("missing --board NAME (or --service-reset --state-dir DIR)") }
        guard tickMicroseconds >= 100, tickMicroseconds <= 1_000_000 else {
            throw ValidationError("--tick-us must be in 100…1000000")
        }
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be positive") }
        if let realtime, !(1...99).contains(realtime) { throw ValidationError("--realtime must be in 1…99") }
        if !(1...100_000).contains(sessions) { throw ValidationError("--sessions must be in 1…100000") }
        if bench, sessions > 1 { throw ValidationError("--bench runs one composition; --sessions recomposes it per session") }
        if sessions > 1, ocpp.url != nil || http.address != nil || site.broker != nil {
            throw ValidationError("--sessions recomposes the charger per session without a service plane: not with --ocpp, --http or --site-broker")
        }
    }

    func run() throws {
        let station = try StationSetup.load(config)
        let stateDirectory = stateDir ?? station.stateDirectory
        if serviceReset {
            guard let stateDirectory else {
                writeStandardError("chargerd: --service-reset needs --state-dir DIR (or state_dir: in --config)\n")
                throw ChargerdExit.configuration
            }
            try ServiceState.serviceReset(directory: stateDirectory)
            return
        }
        guard let board else { throw ChargerdExit.configuration }
        StationSetup.bootstrapLogging(station.logFormat)
        var log = Logger(label: "chargerd")
        log.logLevel = logLevel
        let definition: BoardDefinition
        switch BoardTool.load(board, locator: .forCurrentProcess()) {
        case .success(let b): definition = b
        case .failure(let f):
            log.critical("\(f.errors.trimmingSuffix())")
            throw ExitCode(f.exitCode)
        }
        var stationNotes: [String] = []
        var options = StationSetup.options(station, board: definition, notes: &stationNotes)
        options.v2g = !noV2G
        if let pevPauseAfter {
            guard definition.simulated, definition.vehicleLink == .advanticsPEV, pevPauseAfter >= 0, pevPauseFor >= 0 else {
                log.critical("--pev-pause-after needs a simulated advantics-pev board and seconds ≥ 0, not \(definition.name)")
                throw ExitCode(BoardTool.exitBadBoard)
            }
            options.pevPause = PEVPausePlan(after: .milliseconds(Int64(pevPauseAfter * 1000)),
                                            pausedFor: .milliseconds(Int64(pevPauseFor * 1000)))
        }
        if let scenario {
            guard definition.simulated, definition.vehicleLink == .ownStack else {
                log.critical("--scenario needs a simulated own-stack board (sim), not \(definition.name)")
                throw ExitCode(BoardTool.exitBadBoard)
            }
            do throws(ScenarioFileError) { options.scenario = try ScenarioLoader.load(path: scenario) } catch {
                log.critical("\(error)")
                throw ExitCode(BoardTool.exitBadBoard)
            }
        }
        let reportDirectory = report ?? station.reportDirectory
        if sessions > 1 {
            try runSessions(definition, options: options, station: station, reportDirectory: reportDirectory, log: log)
            return
        }
        // The loop's signal watcher blocks SIGINT/SIGTERM in this thread; threads started later inherit
        // that, but one started before it (the sim board's helper emulator) would take a SIGTERM and die
        // of it. So the loop comes first, then the devices.
        let period = Nanoseconds.microseconds(tickMicroseconds)
        let loop = try TickLoop.production(period: period)
        let charger: Charger
        let serviceAuthorizer = ocpp.url != nil ? ServiceAuthorizer() : nil
        do throws(ChargerAssemblyError) {
            // With OCPP the central system authorises (through the service plane), not the station config.
            var opened = options
            if let serviceAuthorizer { opened.authorizer = serviceAuthorizer }
            charger = try Charger.open(definition, options: opened)
        } catch {
            log.critical("\(error)")
            throw ExitCode(BoardTool.exitDevicesMissing)
        }
        if let realtime {
            if let e = TickLoop.makeRealtime(priority: realtime) {
                log.warning("cannot run SCHED_FIFO \(realtime) with locked memory: \(e); continuing at normal priority")
            } else {
                log.info("real-time: SCHED_FIFO \(realtime), memory locked")
            }
        }
        charger.register(on: loop)
        // The state directory: a latch an earlier run recorded puts the charger out of service before the
        // first tick; a latch in this run is recorded for the next (ServiceState.swift).
        var recordFile: OutOfServiceRecordFile?
        var startedOutOfService: PowerFault?
        if let stateDirectory, !charger.powerPaths.isEmpty {
            let file = OutOfServiceRecordFile(directory: stateDirectory)
            let fileLog = log
            file.report = { line in fileLog.notice("\(line)") }
            startedOutOfService = ServiceState.recordedFault(in: file, log: log)
            if let fault = startedOutOfService { charger.startOutOfService(fault) }
            loop.addController(OutOfServiceRecordKeeper(facts: charger.facts, store: file, recorded: startedOutOfService != nil))
            recordFile = file
        }
        defer { recordFile?.drain() }
        let trace = SessionTrace(facts: charger.facts)
        loop.addController(trace)
        // One service plane for every service beside the loop (issue 20): one bridge on the loop, the
        // services added, started once, stopped once in reverse order after the loop.
        var host: ServicePlaneHost?
        if ocpp.url != nil || http.address != nil || site.broker != nil {
            let h = ServicePlaneHost(facts: charger.facts, authorizer: serviceAuthorizer)
            host = h
            ocpp.add(to: h, log: log)
            try http.add(to: h, benchCar: charger.vehicle?.charging != nil, log: log)
            try site.add(to: h, defaultName: ocpp.id, log: log)
            loop.addController(h.bridge)
            do { try h.start() } catch {
                log.critical("\(error)")
                throw ExitCode(1)
            }
        }
        defer { host?.stop() }
        let start = loop.clock.now()
        let readyLog = log
        loop.addController(ReadyForPlugIn(charger: charger) { now in readyLog.notice("ready for plug-in (\(Self.elapsed(now - start)) after the loop started)") })
        let factsLog = log
        loop.addController(FactsWatcher(facts: charger.facts) { now, line in
            factsLog.info("[\(Self.elapsed(now - start))] \(line)")
        })
        let simulatedCar = charger.vehicle?.charging != nil || charger.whitebeet?.car != nil
        let progress = simulatedCar ? SessionProgress(charger: charger, loop: loop, start: start, stays: bench) : nil
        // Started out of service: the sim run shows its car the state F, then stops (exit 3) — unless a
        // service plane runs, which can take the reset; then the car charges once the charger is back.
        progress?.startedOutOfService = startedOutOfService != nil
        progress?.waitsForServiceReset = host != nil
        if let progress { loop.addController(progress) } else { loop.addController(SessionEndLog(recorder: charger.recorder, log: log)) }
        if let director = charger.scenarioDirector, let name = options.scenario?.name {
            log.info("scenario \(name): \(options.scenario?.description ?? "")")
            director.onFinished = { [unowned loop] in loop.requestStop(.requested("scenario \(name) played")) }
        }
        log.info("board \(definition.name) (\(definition.vehicleLink.rawValue)\(definition.simulated ? ", simulated" : "")): \(charger.devices.opened.count) devices open, tick \(period)")
        log.info("sources: \(charger.sources.map(\.name).joined(separator: ", "))")
        log.info("controllers, in tick order: \(charger.controllers.map(\.name).joined(separator: " → "))")
        for note in charger.notes + stationNotes { log.notice("\(note)") }
        if config != nil { log.info("station \(station.station): EVSE ID \(station.evseID), protocols \(station.protocols.joined(separator: " > ")), authorization \(station.authorization.rawValue)") }
        if testStallOnSIGUSR2 {
            loop.addController(StallOnSignal())
            log.notice("test hook: SIGUSR2 stalls the loop (--test-stall-on-sigusr2)")
        }
        // Under systemd (Type=notify): READY=1 on the first tick, WATCHDOG=1 while ticks are on time,
        // STOPPING=1 from the safe stop. Registered last, so it ticks after every controller.
        if let service = ServiceEnvironment.current() {
            do throws(Errno) {
                let socket = try NotifySocket(socketName: service.notifySocket)
                loop.addController(ServiceNotifier(
                    loop: loop, transport: socket, watchdogInterval: service.watchdogInterval,
                    status: "board \(definition.name): loop running, \(charger.devices.opened.count) devices open, tick \(period)"))
                log.info("systemd: notifying \(service.notifySocket)\(service.watchdogInterval.map { ", watchdog \($0)" } ?? "")")
            } catch {
                log.warning("systemd: cannot open NOTIFY_SOCKET \(service.notifySocket): \(error); not notifying")
            }
        }

        if let seconds {
            loop.run(ticks: Int(seconds * 1e6 / Double(tickMicroseconds)))
            loop.stop(loop.stopReason ?? .requested("--seconds elapsed"))
        } else {
            loop.run()
        }
        log.info("stopped (\(loop.stopReason ?? .requested("loop ended"))); safe stop:")
        for report in loop.safeStopReports where !report.actions.isEmpty {
            log.info("  safe stop \(report)")
        }
        log.info("loop: \(loop.statistics.report.description.replacingNewlines())")
        let confirmation = Self.confirmSafeStop(charger, loop: loop, period: period, log: log)
        if let reportDirectory, charger.recorder.last != nil {
            Self.writeReport(trace: trace, charger: charger, station: station, number: 1, period: period,
                             directory: reportDirectory, log: log)
        }
        let outOfService = charger.facts.power.value.latchedFault
        if let outOfService {
            log.critical("OUT OF SERVICE: \(outOfService) — the power path refuses every session until a service reset\(recordFile == nil ? " or restart" : " (recorded in \(recordFile!.path))") (exit 3)")
        }
        // Out of service (a welded contactor) cannot confirm open contactors: exit 3 below, after the summary.
        guard confirmation.confirmed || outOfService != nil else { throw ChargerdExit.failure }
        // SIGTERM/SIGINT is an orderly stop (exit 0, what systemd expects), whatever the session did,
        // unless the charger is out of service (exit 3).
        guard let progress, !stoppedBySignal(loop.stopReason) else {
            if outOfService != nil { throw ChargerdExit.outOfService }
            return
        }
        // One simulated session: its summary, and exit 0 only when it completed and the car left.
        if let summary = charger.recorder.last {
            print(SessionProgress.summary(summary))
            Self.logSummary(summary, log: log)
        } else {
            print("session: none completed (V2G \(charger.facts.v2g.value.phase), \(charger.facts.v2g.value.stopReason))")
        }
        if let expectation = options.scenario?.expect, let observed = charger.scenarioObservation() {
            // A scenario's verdict is its expected outcome, whatever the stop reason.
            let failures = expectation.failures(observed)
            print("scenario \(options.scenario!.name): \(observed.summary)")
            print(failures.isEmpty ? "scenario \(options.scenario!.name): outcome as expected"
                                   : "scenario \(options.scenario!.name): FAILED: " + failures.joined(separator: "; "))
            if !failures.isEmpty { throw ExitCode(1) }
            if outOfService != nil { throw ChargerdExit.outOfService }
            return
        }
        if outOfService != nil { throw ChargerdExit.outOfService }
        let completed = charger.recorder.last?.stopReason == .completed
        guard completed, progress.readyAgainAt != nil else {
            log.error(completed ? "the car did not unplug before the loop stopped" : "the session did not complete")
            throw ExitCode(1)
        }
    }

    func stoppedBySignal(_ reason: StopReason?) -> Bool {
        if case .signal? = reason { return true }
        return false
    }

    static func elapsed(_ d: Nanoseconds) -> String {
        let ms = d.count / 1_000_000
        return "\(ms / 1000).\(String(ms % 1000 + 1000).dropFirst()) s"
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension String {
    func trimmingSuffix() -> String {
        var s = self
        while s.last == "\n" { s.removeLast() }
        return s
    }

    func replacingNewlines() -> String { split(separator: "\n").joined(separator: "; ") }
}
