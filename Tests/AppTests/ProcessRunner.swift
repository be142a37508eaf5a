import Foundation

/// Runs the package's own executables (built next to the test bundle) as a user would.
enum ProcessRunner {
    /// The directory holding the test bundle, and so the built executables.
    static var buildDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The package root: tests run with it as the working directory, and Boards/ lives there.
    static var packageRoot: URL {
        var dir = buildDirectory
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts `tool` with `arguments`; `whileRunning` gets the process (e.g. to signal it); waits at most
    /// `timeout` seconds, then kills it.
    static func run(_ tool: String, _ arguments: [String], timeout: TimeInterval = 60,
                    whileRunning: ((Process) -> Void)? = nil) throws -> Result {
        let p = Process()
        p.executableURL = buildDirectory.appendingPathComponent(tool)
        p.arguments = arguments
        p.currentDirectoryURL = packageRoot
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        // Start it as a shell or systemd would, with no signal blocked: test threads block most
        // signals, and a child inherits the mask of the thread that spawns it.
        var none = sigset_t()
        var saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try p.run()
        whileRunning?(p)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning, Date() < deadline { usleep(20_000) }
        if p.isRunning { p.interrupt(); usleep(200_000); if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        p.waitUntilExit()
        return Result(status: p.terminationStatus,
                      stdout: String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                      stderr: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}
