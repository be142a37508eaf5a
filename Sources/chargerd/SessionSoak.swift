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
/// over the run. Prints one `soak:` line: failed sessions, resident memory and open descriptors at
/// session 10 and at the end; exit 1 when any session failed, the memory grew by more than 1 MiB after
/// session 10, or descriptors leaked.
extension Chargerd {
    /// Resident memory growth allowed between session 10 and the end (issue 18: within 1 MiB).
    static let soakMemoryAllowance = 1 << 20

    func runSessions(_ definition: BoardDefinition, options: Charger.Options, station: StationConfig,
                     reportDirectory: String?, log: Logger) throws {
        let period = Nanoseconds.microseconds(tickMicroseconds)
        let cap = Int((seconds ?? 120) * 1e6 / Double(tickMicroseconds))
        let reference = min(10, sessions)
        var failed = 0
        var unconfirmed = 0
        var atReference: (rss: Int, fds: Int)?
        var atEnd: (rss: Int, fds: Int)?
        let began = SystemMonotonicClock().now()
        for number in 1...sessions {
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
            charger.register(on: loop)
            let trace = SessionTrace(facts: charger.facts)
            loop.addController(trace)
            let progress = SessionProgress(charger: charger, loop: loop, start: loop.clock.now())
            loop.addController(progress)
            loop.run(ticks: cap)
            if !loop.isStopped { loop.stop(.requested("--seconds per session elapsed")) }
            let confirmation = Self.confirmSafeStop(charger, loop: loop, period: period, log: log)
            if !confirmation.confirmed { unconfirmed += 1 }
            if stoppedBySignal(loop.stopReason) {
                log.notice("soak: stopped by \(loop.stopReason!) in session \(number)")
                if !confirmation.confirmed { throw ChargerdExit.failure }
                return
            }
            let completed = charger.recorder.last?.stopReason == .completed && progress.readyAgainAt != nil
            if let summary = charger.recorder.last {
                Self.logSummary(summary, number: number, log: log)
                if let reportDirectory {
                    Self.writeReport(trace: trace, charger: charger, station: station, number: number, period: period,
                                     directory: reportDirectory, log: log)
                }
            }
            if !completed {
                failed += 1
                log.error("session \(number) failed: V2G \(charger.facts.v2g.value.phase), \(charger.facts.v2g.value.stopReason)")
            }
            // Measured at the same point of every session (its composition still alive), so session
            // 10 and the last compare like with like.
            let now = (rss: residentBytes(), fds: openDescriptors())
            if number == reference { atReference = now }
            if number == sessions { atEnd = now }
            if number % 10 == 0 { log.notice("soak progress: session \(number) of \(sessions), \(failed) failed, RSS \(now.rss / 1024) KiB, \(now.fds) descriptors") }
        }
        let (rss, fds) = atEnd ?? (residentBytes(), openDescriptors())
        let ref = atReference ?? (rss, fds)
        let wall = Double((SystemMonotonicClock().now() - began).count) / 1e9
        let grew = rss - ref.rss
        print("soak: \(sessions) sessions in \(fixed(wall, 1)) s, \(failed) failed, \(unconfirmed) safe stops unconfirmed; "
              + "RSS session \(reference) \(ref.rss / 1024) KiB, end \(rss / 1024) KiB (\(grew >= 0 ? "+" : "")\(grew / 1024) KiB); "
              + "descriptors session \(reference) \(ref.fds), end \(fds)")
        if failed > 0 || unconfirmed > 0 || grew > Self.soakMemoryAllowance || fds > ref.fds {
            log.error("soak failed: \(failed) failed sessions, \(unconfirmed) unconfirmed safe stops, RSS +\(grew / 1024) KiB, descriptors \(ref.fds) → \(fds)")
            throw ChargerdExit.failure
        }
    }
}

/// Resident memory now (VmRSS of /proc/self/status), in bytes.
func residentBytes() -> Int {
    guard let text = readSmallFile("/proc/self/status") else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let digits = line.dropFirst(6).filter(\.isNumber)
        return (Int(String(digits)) ?? 0) * 1024
    }
    return 0
}

/// Descriptors open now (entries of /proc/self/fd, less the one the listing itself uses).
func openDescriptors() -> Int {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var n = 0
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != ".", name != ".." { n += 1 }
    }
    return n - 1
}

func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 16_384)
    var total = 0
    while total < bytes.count {
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
        if n <= 0 { break }
        total += n
    }
    return String(decoding: bytes[..<total], as: UTF8.self)
}
