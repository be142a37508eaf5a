import Foundation
import Glibc
import Testing
import TestSupport

/// Where the pieces of a HIL VM run are, or why there cannot be one on this machine.
struct HILLaunch {
    /// The package root (shared read-write with the VM, and its working directory).
    let root: String
    /// This test bundle, run again inside the VM.
    let bundle: String
    /// ../shared/tools/hil-vm/hil-run.sh next to the package.
    let script: String
    /// The built kernel, initramfs and modules (HIL_CACHE, default /var/tmp/hil-cache).
    let cache: String

    enum Unavailable: Error, CustomStringConvertible {
        case noScript(String)
        case notSetUp(String)
        case noBundle
        var description: String {
            switch self {
            case .noScript(let path): "no HIL runner at \(path)"
            case .notSetUp(let why): "the HIL VM is not set up (\(why)): run ../shared/tools/hil-vm/setup.sh with HIL_CACHE set"
            case .noBundle: "cannot find the test bundle to run in the VM"
            }
        }
    }

    /// Finds the bundle from /proc/self/exe (the xctest bundle is the running executable), the package
    /// root above it, the runner next to the package and a finished setup in the cache.
    static func locate() throws -> HILLaunch {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var bundle = exe.hasSuffix(".xctest") ? exe : ""
        var root = ""
        var dir = bundle.isEmpty ? URL(fileURLWithPath: #filePath).deletingLastPathComponent().path : (bundle as NSString).deletingLastPathComponent
        while dir != "/" && !dir.isEmpty {
            if FileManager.default.fileExists(atPath: dir + "/Package.swift") {
                root = dir
                break
            }
            dir = (dir as NSString).deletingLastPathComponent
        }
        if bundle.isEmpty, !root.isEmpty {
            let candidate = root + "/.build/debug/ChargeKitPackageTests.xctest"
            if FileManager.default.isExecutableFile(atPath: candidate) { bundle = candidate }
        }
        guard !bundle.isEmpty, !root.isEmpty else { throw Unavailable.noBundle }

        let script = ((root + "/../shared/tools/hil-vm/hil-run.sh") as NSString).standardizingPath
        guard FileManager.default.isExecutableFile(atPath: script) else { throw Unavailable.noScript(script) }

        let cache = ProcessInfo.processInfo.environment["HIL_CACHE"] ?? "/var/tmp/hil-cache"
        guard let abi = try? String(contentsOfFile: cache + "/current", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
              !abi.isEmpty else { throw Unavailable.notSetUp("no \(cache)/current") }
        for file in ["vmlinux", "initramfs.cpio"] where !FileManager.default.fileExists(atPath: "\(cache)/\(abi)/\(file)") {
            throw Unavailable.notSetUp("no \(cache)/\(abi)/\(file)")
        }
        guard ProcessInfo.processInfo.environment["PATH", default: "/usr/bin"].split(separator: ":")
            .contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/qemu-system-x86_64") }) else {
            throw Unavailable.notSetUp("qemu-system-x86_64 is not installed")
        }
        return HILLaunch(root: root, bundle: bundle, script: script, cache: cache)
    }
}

/// The one host-side test of this target: it boots the HIL VM once and runs every kernel-backed suite
/// of this same bundle inside it (`--filter HILKernel`, one at a time: suites of different targets share
/// the VM's gpio-sim lines and CAN links), streaming the VM's output, and fails unless the
/// run exits 0 and reports its tests passed. Inside the VM it is never selected by that filter (its
/// name avoids the word), and it is disabled there should it run anyway: no VM in a VM.
///
/// Where the VM cannot be used (no runner script, no prepared cache, no qemu) the test is skipped with
/// the reason printed, except under CI (`CI=true`): there it runs and fails, naming what is missing.
/// Each kernel-backed test that passes in the VM prints a `CK-REQUIRED-RAN hil-kernel` line, streamed
/// back here, which `.ci/run` counts.
@Suite("HIL VM launcher (host only)", .enabled(if: !HIL.inVM, "host only: inside the VM the kernel-backed suites run themselves"))
struct HILVMLauncherTests {
    static let commandTimeout = 600

    /// True when the VM can be booted here, or when CI requires it (the test then fails with the reason).
    static func runnableOrRequired() -> Bool {
        do {
            _ = try HILLaunch.locate()
            return true
        } catch {
            if CIEnvironment.isCI { return true }
            print("HIL VM launcher skipped: \(error) (under CI=true this fails)")
            return false
        }
    }

    @Test("boots the HIL VM once and runs the kernel-backed suites there; all must pass",
          .enabled("needs ../shared/tools/hil-vm, a prepared HIL_CACHE and qemu-system-x86_64 (required under CI=true)") {
              HILVMLauncherTests.runnableOrRequired()
          })
    func bootsTheVMAndRunsTheKernelSuites() async throws {
        let launch: HILLaunch
        do {
            launch = try HILLaunch.locate()
        } catch {
            Issue.record("CI requires the HIL VM, but it cannot be used here: \(error)")
            return
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [launch.script, "--mount", launch.root, "--spi", "--timeout", "\(Self.commandTimeout)", "--",
                             launch.bundle, "--testing-library", "swift-testing", "--no-parallel", "--filter", "HILKernel"]
        var environment = ProcessInfo.processInfo.environment
        environment["HIL_CACHE"] = launch.cache
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: launch.root)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice

        print("HIL VM: \(launch.script) --mount \(launch.root) --spi --timeout \(Self.commandTimeout) -- \(launch.bundle) --testing-library swift-testing --no-parallel --filter HILKernel")
        let clock = ContinuousClock()
        let started = clock.now
        try process.run()
        // hil-run.sh kills the VM 90 s after the command's own timeout; this is the last resort.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Self.commandTimeout + 180), execute: watchdog)
        defer { watchdog.cancel() }

        // Stream the VM's output as it comes, line by line, and keep it for the verdict. The blocking
        // reads run on a thread of their own, not on one of the few threads Swift Testing runs tests on.
        let transcript = await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
            let reader = pipe.fileHandleForReading
            Thread.detachNewThread {
                var transcript = ""
                var pending = Data()
                func emit(_ bytes: Data) {
                    let line = String(decoding: bytes, as: UTF8.self)
                    print("│ vm │ \(line)")
                    transcript += line + "\n"
                }
                while true {
                    let chunk = reader.availableData
                    if chunk.isEmpty { break }
                    pending.append(chunk)
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        emit(pending[pending.startIndex..<newline])
                        pending.removeSubrange(pending.startIndex...newline)
                    }
                }
                if !pending.isEmpty { emit(pending) }
                process.waitUntilExit()
                done.resume(returning: transcript)
            }
        }
        let elapsed = clock.now - started
        print("HIL VM run: exit \(process.terminationStatus) after \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))")

        #expect(process.terminationStatus == 0, "hil-run.sh exit status (124: timed out, 125: the VM failed)")
        let summary = transcript.split(separator: "\n").last { $0.contains("Test run with") }.map(String.init)
        try #require(summary != nil, "the VM run printed no Swift Testing summary")
        let count = summary!.split(separator: " ").drop { $0 != "with" }.dropFirst().first.flatMap { Int($0) } ?? 0
        #expect(count > 0, "the HILKernel filter selected no test: \(summary!)")
        #expect(summary!.contains("passed") && !summary!.contains("failed"), "\(summary!)")
        let ran = transcript.split(separator: "\n").filter { $0.contains("\(RequiredSuite.marker) hil-kernel ") }.count
        print("HIL VM: \(ran) kernel-backed tests ran and passed in the VM (\(summary!))")
        #expect(ran > 0, "no kernel-backed test reported that it ran in the VM")
    }
}
