import Boards
import ChargerAssembly
import ControlLoop
import CoreTypes
import Glibc
import Logging
import Runtime

/// What `chargerd` does with a session once it is over (issue 18 items 1 and 4): the summary as a
/// log line with its fields as metadata, the session report files, and after the loop's safe stop the
/// wait for the power path to confirm it.
extension Chargerd {
    /// How long the power path gets to confirm supply off and contactors open after the safe stop
    /// (IEC 61851-23 allows the supply 1 s to bring the current down; the contactors' opening
    /// timeout comes on top). Within systemd's default TimeoutStopSec of 90 s.
    static let safeStopConfirmationBound = Nanoseconds.seconds(3)

    /// Waits, bounded, for the power path's feedback after the safe stop and logs the outcome.
    static func confirmSafeStop(_ charger: Charger, loop: TickLoop, period: Nanoseconds, log: Logger) -> SafeStopConfirmation {
        let confirmation = charger.confirmSafeStop(clock: loop.clock, period: period, bound: safeStopConfirmationBound) { d in
            var ts = timespec(tv_sec: Int(d.count / 1_000_000_000), tv_nsec: Int(d.count % 1_000_000_000))
            var rest = timespec()
            while nanosleep(&ts, &rest) != 0, errno == EINTR { ts = rest }
        }
        if charger.powerPaths.isEmpty {
            log.info("safe stop: no DC power path on this board")
        } else if confirmation.confirmed {
            log.notice("safe stop confirmed: \(confirmation)")
        } else {
            log.critical("safe stop NOT confirmed: \(confirmation)")
        }
        return confirmation
    }

    /// The one summary line of a session as a log record, its values as metadata (JSON logs keep
    /// them as fields).
    static func logSummary(_ s: ChargingSessionSummary, number: Int = 1, log: Logger) {
        log.notice("session summary", metadata: [
            "session": "\(number)",
            "protocol": "\(s.negotiated?.josevName ?? "none")",
            "duration_s": "\(fixed(Double(s.duration.count) / 1e9, 3))",
            "energy_wh": "\(fixed(s.energyWattHours, 2))",
            "peak_kw": "\(fixed(s.peakWatts / 1000, 2))",
            "stop_reason": "\(s.stopReason)",
            "requests": "\(s.requests)",
            "current_demands": "\(s.currentDemands)",
            "final_soc": "\(s.finalSoC.map { "\($0)" } ?? "-")",
            "power_fault": "\(s.powerFault.map { "\($0)" } ?? "-")",
            "out_of_service": "\(s.outOfService.map { "\($0)" } ?? "-")",
        ])
    }

    /// Writes `session-NNNN.json` and `session-NNNN.svg` into `directory` (made if missing), after
    /// the loop has stopped: never on the tick.
    static func writeReport(trace: SessionTrace, charger: Charger, station: StationConfig, number: Int, period: Nanoseconds,
                            directory: String, log: Logger) {
        guard let summary = charger.recorder.last else { return }
        let snapshot = trace.snapshot()
        let report = SessionReport(station: station.station, evseID: station.evseID, number: number, summary: summary,
                                   samples: snapshot.samples, phases: snapshot.phases,
                                   sampleInterval: .nanoseconds(period.count * Int64(trace.stride)))
        if let e = makeDirectories(directory) {
            log.error("session report: cannot create \(directory): \(e)")
            return
        }
        for (ext, text) in [("json", report.json()), ("svg", report.svg())] {
            let path = "\(directory)/\(report.fileStem).\(ext)"
            if let e = writeFile(path, text) {
                log.error("session report: cannot write \(path): \(e)")
            } else {
                log.info("session report: \(path)")
            }
        }
    }
}

/// `mkdir -p`; nil on success, else the errno text.
func makeDirectories(_ path: String) -> String? {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/") {
        prefix += part
        if mkdir(prefix, 0o755) != 0, errno != EEXIST { return String(cString: strerror(errno)) }
        prefix += "/"
    }
    return nil
}

/// Writes `text` to `path` (replacing it); nil on success, else the errno text.
func writeFile(_ path: String, _ text: String) -> String? {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return String(cString: strerror(errno)) }
    defer { close(fd) }
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBytes { b -> String? in
        var offset = 0
        while offset < b.count {
            let n = write(fd, b.baseAddress! + offset, b.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            offset += n
        }
        return nil
    }
}
