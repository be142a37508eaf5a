import Foundation
import Glibc

/// The HIL VM as the kernel-backed tests see it: the variables hil-run.sh exports and the far side of
/// its simulated hardware. Every HILKernel test starts with `guard HIL.inVM else { return }`, so on the
/// host (where the launcher test boots the VM instead) they pass without doing anything.
enum HIL {
    static let environment = ProcessInfo.processInfo.environment

    /// True inside the VM (hil-run.sh exports HIL_VM=1).
    static var inVM: Bool { environment["HIL_VM"] == "1" }

    /// The i2c-stub adapter node (/dev/i2c-N).
    static var i2cDevice: String { environment["HIL_I2C_DEV"] ?? "/dev/i2c-0" }
    /// The spidev node on spi-butterfly (--spi), e.g. /dev/spidev42.1; empty when the VM has none.
    static var spiDevice: String { environment["HIL_SPI_DEV"] ?? "" }
    /// The gpio-sim chip's label.
    static let gpioChip = "hil-gpio"

    struct CommandFailed: Error, CustomStringConvertible {
        var command: String
        var output: String
        var description: String { "\(command) failed: \(output)" }
    }

    /// Runs a tool of the VM (on PATH: the host's /usr plus /run/hil/bin) and returns its output.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw CommandFailed(command: arguments.joined(separator: " "), output: output) }
        return output
    }

    /// gpio-sim's far side: the outside world pulls an input up or down.
    static func pull(_ line: String, high: Bool) throws {
        try run(["hil-gpio", "pull", line, high ? "up" : "down"])
    }

    /// gpio-sim's far side: the level the program drives on an output.
    static func driven(_ line: String) throws -> Bool {
        try run(["hil-gpio", "value", line]).trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    /// `ip` (iproute2 from the host's /usr).
    static func ip(_ arguments: String...) throws {
        try run(["ip"] + arguments)
    }
}
