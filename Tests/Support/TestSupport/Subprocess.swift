import Foundation
import Glibc

/// Other programs for the tests: the package's own executables, system tools (`ip`, `tshark`,
/// `hil-gpio`) and the interop peers. Every run is bounded in time; output goes to a file, not a pipe,
/// so a chatty process can never block on a full pipe while the test waits for it.
public enum Subprocess {
    /// What a finished process left behind.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// It was still running at its time limit and was stopped.
        public var timedOut: Bool
    }

    /// A process that exited non-zero (or could not start), with everything it printed.
    public struct CommandFailed: Error, CustomStringConvertible {
        public var command: [String]
        public var status: Int32
        public var output: String
        public var description: String { "\(command.joined(separator: " ")) exited \(status): \(output)" }
    }

    /// The absolute path of `tool` on PATH (plus the sbin directories), or nil. A path with a `/`
    /// is returned as it is when it is executable.
    public static func which(_ tool: String) -> String? {
        if tool.contains("/") { return access(tool, X_OK) == 0 ? tool : nil }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    public static var isRoot: Bool { geteuid() == 0 }

    /// Runs `command` (its first element a tool name or path) to completion and returns its status and
    /// output. Stopped after `timeout` seconds; `whileRunning` gets the process first (to signal it).
    /// `mergeOutput` sends stderr to `stdout` in the order written (`stderr` is then empty).
    public static func run(_ command: [String], directory: String? = nil, environment: [String: String?] = [:],
                           mergeOutput: Bool = false, timeout: Double = 60,
                           whileRunning: ((Process) -> Void)? = nil) throws -> Output {
        let process = try BackgroundProcess(command, directory: directory, environment: environment, mergeOutput: mergeOutput)
        defer { process.removeLogs() }
        whileRunning?(process.process)
        let status = process.wait(timeout: timeout)
        return Output(status: status ?? process.process.terminationStatus, stdout: process.output,
                      stderr: process.errorOutput, timedOut: status == nil)
    }

    /// Runs `command` and returns its combined output; throws `CommandFailed` unless it exits 0.
    @discardableResult
    public static func check(_ command: [String], timeout: Double = 60) throws -> String {
        let r = try run(command, mergeOutput: true, timeout: timeout)
        guard r.status == 0, !r.timedOut else { throw CommandFailed(command: command, status: r.status, output: r.stdout) }
        return r.stdout
    }
}

/// A process running in the background, stdout (and stderr, unless kept apart) going to a log file.
public final class BackgroundProcess {
    public let process = Process()
    /// Where stdout goes (and stderr, when merged).
    public let log: String
    private let errorLog: String?

    /// Starts `command` (tool name or path, then arguments). `log` nil: a temporary file.
    /// `environment` adds (or, with nil, removes) variables of this process's environment.
    public init(_ command: [String], log: String? = nil, directory: String? = nil,
                environment: [String: String?] = [:], mergeOutput: Bool = true) throws {
        guard let tool = command.first, let executable = Subprocess.which(tool) else {
            throw Subprocess.CommandFailed(command: command, status: 127, output: "not found")
        }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("ck-process-\(UUID().uuidString)").path
        self.log = log ?? temporary + ".log"
        errorLog = mergeOutput ? nil : temporary + ".err"
        _ = FileManager.default.createFile(atPath: self.log, contents: nil)
        let out = FileHandle(forWritingAtPath: self.log)
        var err = out
        if let errorLog {
            _ = FileManager.default.createFile(atPath: errorLog, contents: nil)
            err = FileHandle(forWritingAtPath: errorLog)
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        if !environment.isEmpty {
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // Test threads are dispatch workers with most signals blocked, and a spawned process inherits
        // that mask: a blocked SIGTERM would make it unstoppable. Spawn with nothing blocked.
        var none = sigset_t()
        var saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
        try? out?.close()
        if errorLog != nil { try? err?.close() }
    }

    /// Everything written to stdout so far (with stderr, when merged).
    public var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
    /// Everything written to stderr so far, when kept apart.
    public var errorOutput: String { errorLog.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "" }

    /// Waits up to `timeout` seconds for output containing `text`.
    @discardableResult
    public func waitFor(_ text: String, timeout: Double) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if output.contains(text) { return true }
            if !process.isRunning { return output.contains(text) }
            usleep(20_000)
        }
        return false
    }

    /// Waits up to `timeout` seconds for the exit status; stops the process and returns nil if it is
    /// still running then.
    @discardableResult
    public func wait(timeout: Double) -> Int32? {
        let end = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < end { usleep(10_000) }
        if process.isRunning {
            stop()
            return nil
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL after a grace period.
    public func stop(grace: Double = 2) {
        guard process.isRunning else { return }
        process.terminate()
        let end = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < end { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let last = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < last { usleep(10_000) }
    }

    /// Deletes the log files (for runs whose output was already read).
    func removeLogs() {
        try? FileManager.default.removeItem(atPath: log)
        if let errorLog { try? FileManager.default.removeItem(atPath: errorLog) }
    }
}

/// Where the package and its built products are, seen from a running test bundle (on the host and in
/// the HIL VM alike).
public enum PackageLayout {
    /// The directory of the running test bundle, where SwiftPM also puts the executables.
    public static var productsDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }

    /// The executable `name` built next to the test bundle, or nil when it is not there.
    public static func product(_ name: String) -> String? {
        let candidate = productsDirectory + "/" + name
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// The package root (the directory with Package.swift above `file`, normally `#filePath`).
    public static func root(of file: String = #filePath) -> String {
        var dir = (file as NSString).deletingLastPathComponent
        while dir != "/", !dir.isEmpty {
            if FileManager.default.fileExists(atPath: dir + "/Package.swift") { return dir }
            dir = (dir as NSString).deletingLastPathComponent
        }
        return FileManager.default.currentDirectoryPath
    }
}
