#if canImport(FoundationEssentials)
import FoundationEssentials  // JSONEncoder only; the firmware loads no full Foundation (issue 18)
#else
import Foundation
#endif
import Drivers
import HAL

/// What `boardctl probe` found for one device.
public enum ProbeStatus: String, Sendable, Codable {
    /// Opened, and what could be read back agrees with the board file.
    case ok
    /// The device does not exist (node, chip, line or interface missing).
    case absent
    /// It exists but failed (permission, busy, wrong settings read back, no QCA7000 signature…).
    case error
    /// A kernel driver holds it (`claimed_by`); documented, not opened.
    case claimed
}

public struct DeviceProbe: Sendable, Equatable {
    public var name: String
    public var kind: DeviceKind
    public var role: DeviceRole
    public var address: String
    public var optional: Bool
    public var status: ProbeStatus
    /// One line for humans: the identity read back, or the HAL error's description.
    public var details: String
    /// The same facts for machines ("mode": "3", "signature": "0xAA55", "bitrate": "500000"…).
    public var identity: [String: String]
    public var errorKind: DeviceErrorKind?

    /// Counts against the board (a required device that is absent or failing).
    public var isMissing: Bool { !optional && (status == .absent || status == .error) }
}

/// The result of probing a whole board. Deterministic: board order, no timings, no host names.
public struct ProbeReport: Sendable, Equatable {
    public var board: String
    public var file: String
    public var description: String
    public var vehicleLink: VehicleLink
    public var simulated: Bool
    public var devices: [DeviceProbe]

    /// 0 when every required device is there, 1 otherwise (2, a bad board file, never gets this far).
    public var exitCode: Int32 { devices.contains(where: \.isMissing) ? 1 : 0 }

    public var verdict: String {
        let missing = devices.filter(\.isMissing)
        let openable = devices.filter { $0.status != .claimed }
        let present = openable.filter { $0.status == .ok }
        if missing.isEmpty {
            var notes: [String] = []
            let optionalAbsent = openable.filter { $0.optional && $0.status != .ok }.count
            if optionalAbsent > 0 { notes.append("\(optionalAbsent) optional absent") }
            let claimed = devices.count - openable.count
            if claimed > 0 { notes.append("\(claimed) held by kernel drivers") }
            return "board ready: \(present.count) of \(openable.count) devices present"
                + (notes.isEmpty ? "" : " (\(notes.joined(separator: ", ")))")
        }
        if present.isEmpty, !simulated {
            let none = openable.count == 1 ? "its only device is not present" : "none of its \(openable.count) devices is present"
            return "NOT ready: \(none); this machine is not wired as \(board) "
                + "(probe it on the board's Raspberry Pi, with Overlays/\(board).txt applied)"
        }
        return "NOT ready: \(missing.count) of \(openable.count) devices missing or failing: "
            + missing.map(\.name).joined(separator: ", ")
    }
}

/// A deeper check for devices of one role, added by a layer above Boards (the CP helper's ping and
/// firmware query lives with the control pilot): it runs after the device opened and its basic read
/// back succeeded, and may add details, identity or turn the status to `.error`.
public typealias RoleProbe = (OpenedDevice, DeviceDefinition, inout DeviceProbe) -> Void

/// Opens every device of a board and reads back what identifies it.
public enum BoardProbe {
    public static func run(_ board: BoardDefinition, factory: any DeviceFactory,
                           roleProbes: [DeviceRole: RoleProbe] = [:]) -> ProbeReport {
        let opened = BoardDevices.openAvailable(board, factory: factory)
        var results: [DeviceProbe] = []
        for d in board.devices {
            var probe = DeviceProbe(name: d.name, kind: d.kind, role: d.role, address: d.address, optional: d.optional,
                                    status: .ok, details: "", identity: [:], errorKind: nil)
            if let holder = d.claimedBy {
                probe.status = .claimed
                probe.details = "held by \(holder); not opened"
            } else if let device = opened[d.name] {
                inspect(device, d, factory: factory, into: &probe)
                if probe.status == .ok, let deeper = roleProbes[d.role] { deeper(device, d, &probe) }
            } else if let failure = opened.failures.first(where: { $0.device.name == d.name })?.error {
                fail(&probe, failure)
            }
            results.append(probe)
        }
        return ProbeReport(board: board.name, file: board.file, description: board.description,
                           vehicleLink: board.vehicleLink, simulated: board.simulated, devices: results)
    }

    static func fail(_ probe: inout DeviceProbe, _ error: DeviceOpenError) {
        probe.status = error.kind == .absent ? .absent : .error
        probe.errorKind = error.kind
        probe.details = error.description
    }

    static func mismatch(_ probe: inout DeviceProbe, _ text: String) {
        probe.status = .error
        probe.errorKind = .invalidArgument
        probe.details += "; " + text
    }

    static func inspect(_ device: OpenedDevice, _ d: DeviceDefinition, factory: any DeviceFactory, into probe: inout DeviceProbe) {
        switch (device, d.spec) {
        case (.spi(let spi), .spi(let spec)):
            inspectSPI(spi, spec, role: d.role, into: &probe)
        case (.serial(let port), .serial(let spec)):
            do throws(SerialError) {
                let c = try port.configuration()
                probe.identity = ["baud": "\(c.baud)", "framing": c.framing, "flow_control": c.hardwareFlowControl ? "rtscts" : "none"]
                probe.details = "tty \(c)"
                if c != spec.config { mismatch(&probe, "board says \(spec.config)") }
            } catch { fail(&probe, .serial(error)) }
        case (.gpio(let line), .gpio(let spec)):
            inspectGPIO(line, spec, factory: factory, into: &probe)
        case (.can(let bus), .can(let spec)):
            inspectCAN(bus, spec, into: &probe)
        case (.ethernet(let link), .ethernet(let spec)):
            inspectEthernet(link, spec, into: &probe)
        case (.i2c(let dev), .i2c(let spec)):
            do throws(I2CError) {
                try dev.probe()
                probe.identity = ["acknowledged": "true", "address": hex(spec.address, digits: 2)]
                probe.details = "acknowledges at \(hex(spec.address, digits: 2))"
            } catch { fail(&probe, .i2c(error)) }
        case (.pwm(let pwm), .pwm(let spec)):
            // Opening exported the channel (or found it exported); nothing is driven by a probe.
            probe.identity = ["channel": pwm.label, "period_ns": "\(spec.periodNanoseconds)", "inverted": "\(spec.inverted)"]
            probe.details = "\(pwm.label) exported (board period \(spec.periodNanoseconds) ns\(spec.inverted ? ", inverting driver" : ""))"
        default:
            probe.status = .error
            probe.details = "internal error: opened device does not match its kind"
        }
    }

    static func inspectSPI(_ spi: any SPIDevice, _ spec: SPIDeviceSpec, role: DeviceRole, into probe: inout DeviceProbe) {
        do throws(SPIError) {
            let c = try (spi as? any SPIConfigurationReadBack)?.readBackConfiguration() ?? spi.configuration
            probe.identity = ["mode": "\(c.mode.rawValue)", "bits": "\(c.bitsPerWord)", "speed_hz": "\(c.speedHz)",
                              "chip_select": c.hardwareChipSelect ? "hardware" : "gpio"]
            probe.details = c.description
            if c != spec.config { mismatch(&probe, "board says \(spec.config)") }
            if role == .plcModem {
                let signature = try QCA7000Driver.readSignature(spi)
                let text = hex(signature, digits: 4)
                probe.identity["signature"] = text
                if signature == QCA7000SPI.signature {
                    probe.details += "; signature \(text): QCA7000 answers"
                } else {
                    probe.status = .error
                    probe.errorKind = .io
                    probe.details += "; signature \(text), expected \(hex(QCA7000SPI.signature, digits: 4)): no QCA7000 answers "
                        + "(check power, wiring and SPI mode 3; the qca7000 overlay must not hold the chip)"
                }
            }
        } catch { fail(&probe, .spi(error)) }
    }

    static func inspectGPIO(_ line: any GPIOLine, _ spec: GPIODeviceSpec, factory: any DeviceFactory, into probe: inout DeviceProbe) {
        var parts: [String] = []
        do throws(GPIOError) {
            let chip = try factory.gpioChipInfo(spec.config.chip)
            probe.identity["chip"] = chip.name
            probe.identity["chip_label"] = chip.label
            parts.append("\(chip.name) [\(chip.label), \(chip.lines) lines]")
        } catch { fail(&probe, .gpio(error)) ; return }
        var lineText = "line \(spec.config.line)"
        if case .name = spec.config.line, let linux = line as? LinuxGPIOLine, let offset = linux.offset {
            lineText += " (offset \(offset))"
            probe.identity["offset"] = "\(offset)"
        }
        parts.append(lineText)
        parts.append(spec.config.direction.word + (spec.config.activeLow ? " active-low" : ""))
        do throws(GPIOError) {
            let value = try line.read()
            probe.identity["value"] = value ? "1" : "0"
            parts.append("value \(value ? 1 : 0)")
            probe.details = parts.joined(separator: ", ")
        } catch { fail(&probe, .gpio(error)) }
    }

    static func inspectCAN(_ bus: any CANBus, _ spec: CANDeviceSpec, into probe: inout DeviceProbe) {
        if spec.transport == .udpMulticast {
            // A multicast group has no controller to read; opening it joined the group.
            probe.identity = ["transport": "udp-multicast", "port": "\(UDPMulticastCANBus.defaultPort)"]
            probe.details = "python-can udp_multicast bus joined on \(spec.interface) ([\(UDPMulticastCANBus.defaultGroup)]:\(UDPMulticastCANBus.defaultPort))"
            return
        }
        func virtualCAN(_ probe: inout DeviceProbe) {
            // vcan is not a CAN controller: there is no bitrate or state to read.
            probe.identity = ["virtual": "true"]
            probe.details = "vcan: no bitrate/state"
            if let want = spec.bitrate { probe.details += " (board expects \(want) bit/s; not checkable here)" }
        }
        let status: CANLinkStatus
        do throws(CANError) {
            status = try bus.linkStatus()
        } catch {
            // Older HALs threw for links without CAN data instead of returning an empty status.
            if case .link(_, _, let e) = error, [.ioError, .operationNotSupportedByDevice, .invalidArgument, .notSupported].contains(e) {
                virtualCAN(&probe)
            } else {
                fail(&probe, .can(error))
            }
            return
        }
        if status.state == nil, status.bitrate == nil {
            virtualCAN(&probe)
            return
        }
        var parts: [String] = []
        if let state = status.state {
            parts.append(state.rawValue)
            probe.identity["state"] = state.rawValue
        }
        if let bitrate = status.bitrate {
            var text = "\(bitrate) bit/s"
            if let sp = status.samplePoint { text += ", sample point \(sp / 10).\(sp % 10) %" }
            parts.append(text)
            probe.identity["bitrate"] = "\(bitrate)"
        }
        if let tx = status.transmitErrors, let rx = status.receiveErrors {
            parts.append("error counters tx \(tx) rx \(rx)")
        }
        probe.details = parts.isEmpty ? "no link data" : parts.joined(separator: ", ")
        switch status.state {
        case .busOff?: mismatch(&probe, "bus-off: the controller stopped after too many errors (check termination and bitrate)")
        case .stopped?:
            mismatch(&probe, "the link is down (ip link set \(spec.interface) up type can bitrate \(spec.bitrate ?? 500_000)\(spec.restartMilliseconds.map { " restart-ms \($0)" } ?? ""))")
        default: break
        }
        if let want = spec.bitrate, let have = status.bitrate, want != have {
            mismatch(&probe, "board says \(want) bit/s")
        }
    }

    static func inspectEthernet(_ link: any EthernetLink, _ spec: EthernetDeviceSpec, into probe: inout DeviceProbe) {
        do throws(EthernetError) {
            let state = try link.linkState()
            probe.identity = ["mac": link.macAddress.description, "up": "\(state.up)", "carrier": "\(state.carrier)",
                              "mtu": "\(state.mtu)", "ethertype": hex(spec.etherType, digits: 4)]
            var parts = ["MAC \(link.macAddress)", state.up ? "up" : "down", state.carrier ? "carrier" : "no carrier",
                         "MTU \(state.mtu)", "EtherType \(hex(spec.etherType, digits: 4))"]
            if let peer = spec.peerMAC {
                parts.append("peer \(peer)")
                probe.identity["peer_mac"] = peer.description
            }
            probe.details = parts.joined(separator: ", ")
            if !state.up { mismatch(&probe, "the interface is down (ip link set \(spec.interface) up)") }
        } catch { fail(&probe, .ethernet(error)) }
    }
}

// MARK: - Rendering

extension ProbeReport {
    /// The human table.
    public func table() -> String {
        var out = ""
        out += "board:        \(board) (\(file))\n"
        out += "description:  \(oneLine(description))\n"
        out += "vehicle link: \(vehicleLink.rawValue)\n"
        out += "simulated:    \(simulated ? "yes (twins, no hardware)" : "no")\n\n"
        let header = ["DEVICE", "KIND", "ROLE", "PATH/INTERFACE", "STATUS", "DETAILS"]
        let rows = devices.map { d in
            [d.name, d.kind.rawValue, d.role.rawValue, d.address, d.status.rawValue + (d.optional ? " (optional)" : ""), d.details]
        }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < 5 { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (i, cell) in cells.enumerated() {
                text += i < 5 ? cell + String(repeating: " ", count: max(0, widths[i] + 2 - cell.count)) : cell
            }
            return trimmed(text) + "\n"
        }
        out += line(header)
        for row in rows { out += line(row) }
        out += "\nverdict: \(verdict)\n"
        return out
    }

    /// The same report as JSON (sorted keys, so the text is stable).
    public func json() -> String {
        struct Device: Encodable {
            var name, kind, role, address, status, details: String
            var optional: Bool
            var identity: [String: String]
            var error_kind: String?
        }
        struct Report: Encodable {
            var board, file, description, vehicle_link, verdict: String
            var simulated: Bool
            var devices: [Device]
            var exit_code: Int32
            var summary: [String: Int]
        }
        var summary: [String: Int] = [:]
        for s in [ProbeStatus.ok, .absent, .error, .claimed] { summary[s.rawValue] = devices.filter { $0.status == s }.count }
        let report = Report(board: board, file: file, description: oneLine(description), vehicle_link: vehicleLink.rawValue,
                            verdict: verdict, simulated: simulated,
                            devices: devices.map {
                                Device(name: $0.name, kind: $0.kind.rawValue, role: $0.role.rawValue, address: $0.address,
                                       status: $0.status.rawValue, details: $0.details, optional: $0.optional,
                                       identity: $0.identity, error_kind: $0.errorKind?.rawValue)
                            },
                            exit_code: exitCode, summary: summary)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(report)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Folded descriptions on one line.
func oneLine(_ text: String) -> String {
    trimmed(text.split(whereSeparator: \.isNewline).map { trimmed($0) }.joined(separator: " "))
}

/// Without the spaces and tabs at either end.
func trimmed(_ text: some StringProtocol) -> String {
    let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = text.firstIndex(where: { !blank($0) }), let last = text.lastIndex(where: { !blank($0) }) else { return "" }
    return String(text[first...last])
}
