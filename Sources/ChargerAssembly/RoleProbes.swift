import Boards
import CPHelperProtocol
import ControlPilot
import HAL

/// The device checks `boardctl probe` adds by role, beyond opening the device: they need a driver
/// (the CP helper's link), so they are composed here rather than in `Boards`.
public enum RoleProbes {
    /// Every role probe the firmware knows.
    public static var all: [DeviceRole: RoleProbe] { [.cpHelper: cpHelper] }

    /// Every role probe, with those that need the board's other devices (the WHITE-beet host
    /// interface: its firmware version over Ethernet or SPI) reading them from `devices`.
    public static func all(devices: ProbedDevices) -> [DeviceRole: RoleProbe] {
        [.cpHelper: cpHelper, .whitebeetHost: WhitebeetProbe.roleProbe(devices)]
    }

    /// The role probe `boardctl probe` registers for `cp-helper`.
    public static func cpHelper(_ device: OpenedDevice, _ definition: DeviceDefinition, _ probe: inout DeviceProbe) {
        guard case .serial(let port) = device else { return }
        var revision: HelperFirmwareRevision?
        if case .serial(let spec) = definition.spec { revision = spec.helperFirmware }
        let result = ESP32HelperProbe.run(port: port, revision: revision)
        if result.answered {
            probe.details += "; helper: " + result.summary
            probe.identity["helper_ping"] = result.answeredPing ? "pong" : "none"
            if let f = result.firmware { probe.identity["helper_firmware"] = f.firmware.description }
            if let m = result.modules { probe.identity["helper_dc_modules"] = "\(m.count)" }
            if let s = result.status {
                probe.identity["helper_mode"] = s.mode.map { "\($0)" } ?? "unknown"
                probe.identity["helper_state"] = "\(s.state)"
            }
        } else {
            probe.status = .error
            probe.errorKind = .timeout
            probe.details += result.badLines > 0
                ? "; the CP helper answers with \(result.badLines) unreadable line(s): wrong baud rate, or something else on this port?"
                : "; no answer from the CP helper within 1 s (ping, get_status, sys.info): powered, flashed, TX/RX crossed?"
        }
    }
}
