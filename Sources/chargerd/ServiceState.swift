import ChargerAssembly
import Contracts
import Glibc
import Logging
import CoreTypes

/// chargerd's state directory (`--state-dir`, `state_dir:`; the unit passes /var/lib/chargekit): the
/// out-of-service record that keeps a welded contactor out of service across restarts (issue 14), and
/// the technician's `--service-reset` that clears it after the repair.
///
/// What chargerd does when it starts out of service: it composes the charger as usual, puts the power
/// path out of service before the first tick (every step refused, our pilot at state F, so a car
/// plugged in never sees PWM), logs OUT OF SERVICE with the fault and when it latched, and keeps
/// running — on a charger the service plane (`--http`, OCPP) stays up to report it and to take
/// `POST /api/service/reset`; SIGTERM then exits 3. The one-session `--board sim` run ends after
/// `simulatedOutOfServiceWindow` with exit 3, unless a service plane runs, where it waits for the reset
/// and then charges its car.
enum ServiceState {
    /// How long the one-session sim run started out of service shows its car plugged in to state F
    /// before it stops (the car plugs in after 0.5 s).
    static let simulatedOutOfServiceWindow = Nanoseconds.seconds(3)

    /// Reads the record in `directory`: nil when there is none; the record's fault, or
    /// `unreadableServiceRecord` for a file that cannot be read (logged with the reason: when in doubt,
    /// out of service).
    static func recordedFault(in file: OutOfServiceRecordFile, log: Logger) -> PowerFault? {
        do throws(OutOfServiceRecordFileError) {
            guard let record = try file.read() else {
                log.info("state: \(file.directory): no out-of-service record")
                return nil
            }
            let session = record.sessionID == 0 ? "no V2G session" : "V2G session \(hexID(record.sessionID))"
            log.critical("OUT OF SERVICE since \(utcText(record.since)): \(record.fault) (\(session); recorded in \(file.path)) — no session until a service reset: POST /api/service/reset, or chargerd --service-reset --state-dir \(file.directory) after the repair")
            return record.fault
        } catch {
            log.critical("OUT OF SERVICE: the out-of-service record cannot be read: \(error) — staying out of service until a technician checks and resets (chargerd --service-reset --state-dir \(file.directory))")
            return .unreadableServiceRecord
        }
    }

    /// `chargerd --service-reset --state-dir DIR`: the technician's reset after the repair. Removes the
    /// record (also one that cannot be read) and says what it held; exit 0. The power path checks the
    /// contactors again at the next start: a pole still welded latches again at its opening timeout.
    static func serviceReset(directory: String) throws {
        let file = OutOfServiceRecordFile(directory: directory)
        var held = "no out-of-service record"
        do throws(OutOfServiceRecordFileError) {
            if let record = try file.read() {
                held = "out-of-service record \(record.fault) since \(utcText(record.since))"
            }
        } catch {
            held = "an unreadable out-of-service record (\(error))"
        }
        do throws(OutOfServiceRecordFileError) {
            try file.remove()
        } catch {
            writeStandardError("chargerd: service reset: \(error)\n")
            throw ChargerdExit.failure
        }
        print("service reset: \(file.path): \(held) cleared; the charger checks its contactors again when it starts")
    }

    static func hexID(_ v: UInt64) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    /// `2026-12-07 05:40:08 UTC`.
    static func utcText(_ seconds: Int64) -> String {
        var t = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return "\(seconds) s after 1970" }
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) UTC"
    }
}
