import ArgumentParser
import ESP32CPEmulator
import Foundation
import HAL

/// Bench tool: an emulated ESP32 CP helper (esp32-cp-uart.md) on a new pseudo-terminal. Point
/// `boardctl cp --helper-port` (or a board file's cp-helper path) at the printed device.
struct CPHelperEmulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp-helper-emulator",
        abstract: "Emulate the ESP32 CP helper firmware on a pseudo-terminal.",
        discussion: """
        Prints the pty's device path, then plays the firmware (reference revision 0.2.0) for the host at \
        the other end until the script ends (plus --linger) or SIGINT. Script lines: "<ms> A|B|C|D|E|F", \
        "<ms> noise <mV>", "<ms> garbage <n>", "<ms> line <text>", "<ms> silent on|off", "<ms> reboot"; \
        with --revision r3/r4 also "<ms> module-fault", "<ms> contactor ok|welded|stuck-open", "<ms> estop", \
        "<ms> battery on|off".
        """)

    @Option(help: "A script file; without one the vehicle plugs in, charges and unplugs over 10 s.")
    var script: String?

    @Option(help: "Seconds to keep running after the script's last step.")
    var linger: Double = 2

    @Flag(help: "Do not answer ping (like firmware revision R4).")
    var noPing = false

    @Option(help: "Firmware revision to play: r1 (reference 0.2.0), r2, r3 or r4 (r3/r4 drive DC modules and the contactor, esp32-cp-uart.md §11).")
    var revision: String = "r1"

    func run() throws {
        let steps: EmulatorScript
        if let script {
            let text = try String(contentsOfFile: script, encoding: .utf8)
            do { steps = try EmulatorScript(parsing: text) } catch { throw ValidationError(error.description) }
        } else {
            steps = .plugChargeUnplug
        }
        let pty = try PseudoTerminal()
        FileHandle.standardOutput.write(Data((pty.devicePath + "\n").utf8))
        guard let played = ESP32CPEmulator.Revision(rawValue: revision.lowercased()) else {
            throw ValidationError("--revision: expected r1, r2, r3 or r4, got \(revision)")
        }
        let emulator = ESP32CPEmulator(port: pty.farEnd, revision: played)
        if noPing { emulator.answersPing = false }
        let clock = SystemMonotonicClock()
        let end = clock.now() + (steps.actions.last?.at ?? .zero) + .milliseconds(Int64(linger * 1000))
        emulator.run(clock: clock, script: steps) { clock.now() >= end }
        FileHandle.standardError.write(Data("cp-helper-emulator: \(emulator.statusFramesSent) status frames, \(emulator.commandsReceived.count) commands\n".utf8))
    }
}

CPHelperEmulatorCommand.main()
