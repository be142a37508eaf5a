import Foundation
import Glibc

/// Processes for the interop tests: every one bounded in time, output to a file, killed when done.
enum Shell {
    /// Runs a command to completion (killed after `timeout` seconds); returns status and output.
    @discardableResult
    static func run(_ arguments: [String], timeout: Double = 30) -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ck-shell-\(UUID().uuidString).log")
        let p = Background(arguments, log: log.path)
        let status = p.wait(timeout: timeout)
        let out = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        return (status ?? -1, out)
    }

    static var isRoot: Bool { getuid() == 0 }

    static func exists(_ tool: String) -> Bool { run(["/bin/sh", "-c", "command -v \(tool)"], timeout: 5).status == 0 }
}

/// A process running in the background with stdout and stderr going to `log`.
final class Background {
    let process = Process()
    let log: String

    init(_ arguments: [String], log: String, environment: [String: String]? = nil, directory: String? = nil) {
        self.log = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // Test threads are dispatch workers with most signals blocked, and a spawned process inherits
        // that mask: a blocked SIGTERM would make the peers unstoppable. Spawn with nothing blocked.
        var none = sigset_t()
        var saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        do { try process.run() } catch { print("interop: cannot start \(arguments): \(error)") }
        pthread_sigmask(SIG_SETMASK, &saved, nil)
    }

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Waits up to `timeout` seconds for a line containing `text`.
    @discardableResult
    func waitFor(_ text: String, timeout: Double) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if output.contains(text) { return true }
            if !process.isRunning { return output.contains(text) }
            usleep(20_000)
        }
        return false
    }

    /// Waits up to `timeout` seconds for the exit; kills the process if it is still running.
    @discardableResult
    func wait(timeout: Double) -> Int32? {
        let end = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < end { usleep(10_000) }
        if process.isRunning {
            stop()
            return nil
        }
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL after a grace period.
    func stop(grace: Double = 2) {
        guard process.isRunning else { return }
        process.terminate()
        let end = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < end { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let last = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < last { usleep(10_000) }
    }
}
