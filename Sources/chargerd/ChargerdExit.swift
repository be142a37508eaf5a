import ArgumentParser
import Glibc

/// The exit statuses of `chargerd`, for systemd (`Restart=on-failure`, `RestartPreventExitStatus=2`):
/// - 0: an orderly stop — SIGINT/SIGTERM with the power path confirmed safe, or on the sim board
///   the sessions completed and the car left;
/// - 1: a failure — a session failed, the board's hardware is missing, or after a stop the power path
///   did not confirm supply off and contactors open in time;
/// - 2: a usage or configuration error (bad option, board file or station config): restarting
///   cannot help;
/// - 3: out of service — the power path latched a fault a restart must not paper over (a welded
///   contactor: `PowerFault.latchesUntilService`), whatever else the run did, SIGTERM included.
///   A service technician repairs and restarts it.
enum ChargerdExit {
    static let failure = ExitCode(1)
    static let configuration = ExitCode(2)
    static let outOfService = ExitCode(3)
}

extension Chargerd {
    /// ArgumentParser's `main()`, except that a usage error exits 2 (what the unit file and the
    /// README promise) instead of sysexits' EX_USAGE (64).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error).rawValue == 64 {
                writeStandardError("chargerd: " + fullMessage(for: error) + "\n(chargerd --help lists the options)\n")
                Glibc.exit(ChargerdExit.configuration.rawValue)
            }
            exit(withError: error)
        }
    }
}
