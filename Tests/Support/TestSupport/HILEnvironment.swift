import Foundation
import Testing

/// The HIL VM as the kernel-backed tests see it: the variables hil-run.sh exports and the far side of
/// its simulated hardware. Every HILKernel suite carries `HIL.onlyInVM`, so on the host, where the
/// launcher test boots the VM and runs them there instead, they report "skipped" with the reason.
public enum HIL {
    /// The condition of every HILKernel suite: enabled inside the VM only.
    public static var onlyInVM: ConditionTrait {
        .enabled(if: HIL.inVM, "kernel-backed: runs inside the HIL VM (HIL_VM=1); on the host the HIL VM launcher test runs it there")
    }

    static let environment = ProcessInfo.processInfo.environment

    /// True inside the VM (hil-run.sh exports HIL_VM=1).
    public static var inVM: Bool { environment["HIL_VM"] == "1" }

    /// The i2c-stub adapter node (/dev/i2c-N).
    public static var i2cDevice: String { environment["HIL_I2C_DEV"] ?? "/dev/i2c-0" }
    /// The spidev node on spi-butterfly (--spi), e.g. /dev/spidev42.1; empty when the VM has none.
    public static var spiDevice: String { environment["HIL_SPI_DEV"] ?? "" }
    /// The gpio-sim chip's label.
    public static let gpioChip = "hil-gpio"

    /// Runs a tool of the VM (on PATH: the host's /usr plus /run/hil/bin) and returns its output;
    /// throws unless it exits 0.
    @discardableResult
    public static func run(_ command: [String]) throws -> String {
        try Subprocess.check(command)
    }

    /// gpio-sim's far side: the outside world pulls an input up or down.
    public static func pull(_ line: String, high: Bool) throws {
        try run(["hil-gpio", "pull", line, high ? "up" : "down"])
    }

    /// gpio-sim's far side: the level the program drives on an output.
    public static func driven(_ line: String) throws -> Bool {
        try run(["hil-gpio", "value", line]).trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    /// `ip` (iproute2 from the host's /usr).
    public static func ip(_ arguments: String...) throws {
        try run(["ip"] + arguments)
    }
}
