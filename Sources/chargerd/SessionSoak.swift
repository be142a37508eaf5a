import ArgumentParser
import Boards
import ChargerAssembly
import ControlLoop
import CoreTypes
import Glibc
import Logging
import Runtime

/// `chargerd --board sim --sessions N`: N whole sim sessions back to back in this one process — the
/// soak benchmark of issue 18. Each session composes the charger afresh (devices, emulator, simulated
/// car, loop), runs it until the car has left and the charger is ready again, confirms the safe stop
/// and lets it all go, so a descriptor, thread or buffer that a composition fails to release adds up
/// over the run. After each session, with its composition released, it takes a `SoakSample`; at the
/// end it prints the `SoakTrend` (first after the warm-up, middle, last) and one `soak:` line, and
/// exits 1 when a session failed, a safe stop was unconfirmed, a composition was still alive after its
/// session, or memory, descriptors or threads grew (`SoakTrend.failures`).
extension Chargerd {
    func runSessions(_ definition: BoardDefinition, options: Charger.Options, station: StationConfig,
                     reportDirectory: String?, log: Logger) throws {
        let period = Nanoseconds.microseconds(tickMicroseconds)
        let cap = Int((seconds ?? 120) * 1e6 / Double(tickMicroseconds))
        var failed = 0
        var unconfirmed = 0
        var retained = 0
        var samples: [SoakSample] = []
        samples.reserveCapacity(sessions)
        let began = SystemMonotonicClock().now()
        for number in 1...sessions {
            var stop: StopReason?
            var confirmed = true
            var completed = false
            // The session's composition lives in this closure; weak references tell whether it was
            // released once the closure returned.
            weak var lastCharger: Charger?
            weak var lastLoop: TickLoop?
            // The PLC modem's twin: its chip model once held it in a cycle the charger's release did
            // not break (the per-session growth of issue 18).
            weak var lastModem: AnyObject?
            try {
                let loop = try TickLoop.production(period: period)
                let charger: Charger
                do throws(ChargerAssemblyError) {
                    charger = try Charger.open(definition, options: options)
                } catch {
                    log.critical("session \(number): \(error)")
                    throw ChargerdExit.failure
                }
                guard charger.vehicle?.charging != nil else {
                    log.critical("--sessions needs a board with a simulated car that charges (the sim board)")
                    throw ChargerdExit.configuration
                }
                lastCharger = charger
                lastLoop = loop
                lastModem = charger.plcDriver?.spi
                charger.register(on: loop)
                let trace = SessionTrace(facts: charger.facts)
                loop.addController(trace)
                let progress = SessionProgress(charger: charger, loop: loop, start: loop.clock.now())
                loop.addController(progress)
                loop.run(ticks: cap)
                if !loop.isStopped { loop.stop(.requested("--seconds per session elapsed")) }
                confirmed = Self.confirmSafeStop(charger, loop: loop, period: period, log: log).confirmed
                stop = loop.stopReason
                completed = charger.recorder.last?.stopReason == .completed && progress.readyAgainAt != nil
                if let summary = charger.recorder.last {
                    Self.logSummary(summary, number: number, log: log)
                    if let reportDirectory {
                        Self.writeReport(trace: trace, charger: charger, station: station, number: number, period: period,
                                         directory: reportDirectory, log: log)
                    }
                }
                if !completed {
                    log.error("session \(number) failed: V2G \(charger.facts.v2g.value.phase), \(charger.facts.v2g.value.stopReason)")
                }
            }()
            if !confirmed { unconfirmed += 1 }
            if stoppedBySignal(stop) {
                log.notice("soak: stopped by \(stop!) in session \(number)")
                if !confirmed { throw ChargerdExit.failure }
                return
            }
            if !completed { failed += 1 }
            if lastCharger != nil || lastLoop != nil || lastModem != nil {
                retained += 1
                log.error("session \(number): its composition is still alive after the session (charger \(lastCharger != nil), loop \(lastLoop != nil), PLC modem twin \(lastModem != nil))")
            }
            let sample = SoakSample.now(session: number)
            samples.append(sample)
            log.info("soak \(sample.line)")
            if number % 10 == 0 { log.notice("soak progress: session \(number) of \(sessions), \(failed) failed, \(sample.line)") }
        }
        let trend = SoakTrend(samples: samples)
        let wall = Double((SystemMonotonicClock().now() - began).count) / 1e9
        for line in trend.report { print(line) }
        let memory = trend.failures
        let b = trend.baseline!, l = trend.last!
        print("soak: \(sessions) sessions in \(fixed(wall, 1)) s, \(failed) failed, \(unconfirmed) safe stops unconfirmed, "
              + "\(retained) compositions retained; RSS \(b.rss / 1024) → \(l.rss / 1024) KiB, "
              + "descriptors \(b.fds) → \(l.fds), threads \(b.threads) → \(l.threads) (sessions \(b.session) → \(l.session))")
        if failed > 0 || unconfirmed > 0 || retained > 0 || !memory.isEmpty {
            let why = memory.isEmpty ? "" : "; " + memory.joined(separator: "; ")
            log.error("soak failed: \(failed) failed sessions, \(unconfirmed) unconfirmed safe stops, \(retained) compositions retained\(why)")
            throw ChargerdExit.failure
        }
    }
}
