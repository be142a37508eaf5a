import Foundation
import Testing
import TestSupport

private let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// The service definition and the image recipe in Image/ (the full image build needs the network and
/// minutes: it is a documented manual step, see Image/README.md).
@Suite struct ImageRecipe {
    /// `systemd-analyze verify` accepts the unit (ExecStart pointed at the built chargerd, since
    /// /usr/bin/chargerd exists only in the image).
    @Test(.enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed"), .required("systemd-unit"))
    func unitVerifies() throws {
        let tool = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        let unit = try String(contentsOfFile: PackageLayout.root() + "/Image/systemd/chargerd.service", encoding: .utf8)
        #expect(unit.contains("Type=notify"))
        #expect(unit.contains("WatchdogSec="))
        #expect(unit.contains("DevicePolicy=closed"))
        let dir = NSTemporaryDirectory() + "ck-unit-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/chargerd.service"
        try unit.replacingOccurrences(of: "ExecStart=/usr/bin/chargerd", with: "ExecStart=\(tool)")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try Subprocess.run([systemdAnalyze!, "verify", path], mergeOutput: true, timeout: 60)
        print("systemd-analyze verify: status \(r.status), output: \(r.stdout)")
        #expect(r.status == 0, "\(r.stdout)")
        #expect(!r.stdout.contains("chargerd.service:"), "warnings about the unit: \(r.stdout)")
    }

    /// The recipe refuses bad arguments before it touches the network.
    @Test func recipeRejectsAnUnknownBoardAndArch() throws {
        let script = PackageLayout.root() + "/Image/build-image.sh"
        let unknown = try Subprocess.run(["/bin/bash", script, "no-such-board", "--arch", "amd64"], mergeOutput: true)
        #expect(unknown.status == 2)
        #expect(unknown.stdout.contains("no board file Boards/no-such-board.yaml"))
        let arch = try Subprocess.run(["/bin/bash", script, "sim", "--arch", "riscv64"], mergeOutput: true)
        #expect(arch.status == 2)
        #expect(arch.stdout.contains("--arch must be arm64 or amd64"))
        let format = try Subprocess.run(["/bin/bash", script, "sim", "--arch", "amd64", "--format", "qcow2"], mergeOutput: true)
        #expect(format.status == 2)
        #expect(format.stdout.contains("--format must be tar or dir"))
    }

    /// The boot check refuses an unknown option before it builds or boots anything.
    @Test func bootCheckRejectsAnUnknownOption() throws {
        let script = PackageLayout.root() + "/Image/boot-check.sh"
        let r = try Subprocess.run(["/bin/bash", script, "--no-such-option"], mergeOutput: true)
        #expect(r.status == 2)
        #expect(r.stdout.contains("unknown option --no-such-option"))
    }
}
