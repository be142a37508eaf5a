import WhitebeetHCI
import AdvanticsCAN
import CPHelperProtocol
import HAL
import YAMLDocument

/// Reads a board file and checks it against the schema (Boards/README.md) into a `BoardDefinition`.
///
/// The YAML is composed into `YAMLNode`s, which keep the position of every key and value, and then
/// walked by hand: every problem becomes a `BoardIssue` naming file, line, column and key path, and
/// the walk goes on, so one run reports everything that is wrong. Unknown keys are errors (a typo in
/// an optional key would otherwise be ignored without a word).
public enum BoardLoader {
    /// Loads `path`. Issues name the file as `path` was written.
    public static func load(path: String) throws(BoardFileError) -> BoardDefinition {
        let text: String
        do {
            text = try TextFile.read(path: path)
        } catch {
            throw BoardFileError(file: path, issues: [BoardIssue(file: path, location: nil, keyPath: "", message: "cannot read the board file: \(error)")])
        }
        return try load(text: text, file: path)
    }

    /// Checks `text` as the content of `file` (whose name, without `.yaml`, must equal `board:`).
    public static func load(text: String, file: String) throws(BoardFileError) -> BoardDefinition {
        var checker = BoardChecker(file: file)
        let root: YAMLNode?
        do {
            root = try YAMLNode.compose(yaml: text)
        } catch {
            throw BoardFileError(file: file, issues: [checker.issue(forYAMLError: error)])
        }
        let board = checker.check(root)
        guard let board, checker.issues.isEmpty else {
            throw BoardFileError(file: file, issues: checker.sortedIssues)
        }
        return board
    }

    /// The board name a file stands for: its name without directory and `.yaml`/`.yml`.
    public static func boardName(forFile path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        for suffix in [".yaml", ".yml"] where name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
        }
        return name
    }
}

// MARK: - The checker

/// Keys of each kind, in the order the README lists them.
let commonDeviceKeys = ["kind", "role", "description", "optional", "claimed_by"]
let kindKeys: [DeviceKind: [String]] = [
    .spi: ["path", "mode", "bits", "speed_hz", "chip_select", "tap", "firmware"],
    .serial: ["path", "baud", "framing", "flow_control", "firmware"],
    .gpio: ["chip", "line", "direction", "edge", "bias", "active_low", "initial"],
    .can: ["interface", "bitrate", "restart_ms", "extended_ids", "transport", "pev_scaling", "pev_bidirectional", "pev_scheduled_control"],
    .ethernet: ["interface", "ethertype", "peer_mac", "promiscuous", "transport", "firmware"],
    .i2c: ["bus", "address"],
    .pwm: ["chip", "channel", "period_ns", "inverted"],
]
let topLevelKeys = ["board", "description", "vehicle_link", "simulated", "devices"]
/// Top-level keys a board may leave out.
let optionalTopLevelKeys = ["isolation_monitor", "simulated_power_plant"]

/// A device as far as it could be read; cross-checks use whatever is known.
struct PartialDevice {
    var name: String
    var nameLocation: FilePosition
    var role: DeviceRole?
    var roleLocation: FilePosition?
    var kind: DeviceKind?
    var description: String?
    var optional = false
    var claimedBy: String?
    var spec: DeviceSpec?
    /// Positions of values, for cross-check messages ("path", "line", "mode", "chip_select.gpio", …).
    var valueLocations: [String: FilePosition] = [:]
    var complete = true

    func location(of key: String) -> FilePosition { valueLocations[key] ?? nameLocation }
}

struct BoardChecker {
    let file: String
    private(set) var issues: [BoardIssue] = []

    init(file: String) {
        self.file = file
    }

    var sortedIssues: [BoardIssue] {
        // Stable: issues at the same position keep the order they were found in.
        issues.enumerated().sorted { a, b in
            let la = a.element.location ?? FilePosition(line: 0, column: 0)
            let lb = b.element.location ?? FilePosition(line: 0, column: 0)
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }

    mutating func report(_ location: FilePosition?, _ keyPath: String, _ message: String) {
        issues.append(BoardIssue(file: file, location: location, keyPath: keyPath, message: message))
    }

    // MARK: Top level

    mutating func check(_ root: YAMLNode?) -> BoardDefinition? {
        let start = FilePosition(line: 1, column: 1)
        guard let root else {
            report(start, "", "the file is empty; a board file is a mapping with the keys \(list(topLevelKeys))")
            return nil
        }
        guard case .mapping(let mapping) = root else {
            report(location(root), "", "expected a mapping with the keys \(list(topLevelKeys)), got \(got(root))")
            return nil
        }
        let entries = keyed(mapping, path: "")

        var name: String?
        var description: String?
        var link: VehicleLink?
        var linkLocation = start
        var simulated: Bool?
        var simulatedPowerPlant = false
        var devices: [PartialDevice] = []
        var isolation: IsolationMonitorChoice?
        var isolationLocation: FilePosition?
        var isolationOK = true

        for (key, entry) in entries {
            switch key {
            case "board":
                if let s = string(entry.value, "board") {
                    if !isName(s, first: isLowerOrDigit, rest: { isLowerOrDigit($0) || ".-_".contains($0) }) {
                        report(location(entry.value), "board", "expected a name of lowercase letters, digits, '-', '_' and '.', got \"\(s)\"")
                    } else if s != BoardLoader.boardName(forFile: file) {
                        report(location(entry.value), "board", "\"\(s)\" does not match the file name; a board named \"\(s)\" lives in \(s).yaml")
                    } else {
                        name = s
                    }
                }
            case "description": description = string(entry.value, "description")
            case "vehicle_link":
                linkLocation = location(entry.value)
                link = choice(entry.value, "vehicle_link", VehicleLink.self)
            case "simulated": simulated = bool(entry.value, "simulated")
            case "devices": devices = checkDevices(entry.value)
            case "isolation_monitor":
                isolationLocation = location(entry.value)
                isolation = choice(entry.value, "isolation_monitor", IsolationMonitorChoice.self)
                isolationOK = isolation != nil
            case "simulated_power_plant": simulatedPowerPlant = bool(entry.value, "simulated_power_plant") ?? false
            default: unknownKey(key, entry.key, path: "", allowed: topLevelKeys + optionalTopLevelKeys)
            }
        }
        for key in topLevelKeys where entries[key] == nil {
            let expectation = switch key {
            case "vehicle_link": " (one of \(list(VehicleLink.allCases.map(\.rawValue))))"
            case "simulated": " (true or false)"
            case "devices": " (a mapping of device names to devices)"
            default: " (a string)"
            }
            report(start, key, "missing required key" + expectation)
        }

        crossCheck(devices, link: link, linkLocation: linkLocation)

        guard let name, let description, let link, let simulated, !devices.isEmpty, isolationOK else { return nil }
        var definitions: [DeviceDefinition] = []
        for d in devices {
            guard d.complete, let role = d.role, let spec = d.spec else { return nil }
            definitions.append(DeviceDefinition(name: d.name, role: role, description: d.description, optional: d.optional,
                                                claimedBy: d.claimedBy, spec: spec, location: d.nameLocation))
        }
        var board = BoardDefinition(name: name, description: description, vehicleLink: link, simulated: simulated,
                                    devices: definitions, file: file)
        board.vehicleLinkLocation = linkLocation
        board.isolationMonitor = isolation
        board.isolationMonitorLocation = isolationLocation
        board.simulatedPowerPlant = simulatedPowerPlant
        return board
    }

    // MARK: Devices

    mutating func checkDevices(_ node: YAMLNode) -> [PartialDevice] {
        guard case .mapping(let mapping) = node else {
            report(location(node), "devices", "expected a mapping of device names to devices, got \(got(node))")
            return []
        }
        if mapping.count == 0 {
            report(location(node), "devices", "a board needs at least one device")
        }
        var result: [PartialDevice] = []
        for (keyNode, value) in mapping {
            guard let name = plainKey(keyNode, path: "devices") else { continue }
            let path = "devices.\(name)"
            var device = PartialDevice(name: name, nameLocation: location(keyNode))
            if !isName(name, first: { ("a"..."z").contains($0) }, rest: { isLowerOrDigit($0) || $0 == "_" }) {
                report(location(keyNode), path, "a device name is lowercase letters, digits and '_', starting with a letter")
                device.complete = false
            }
            checkDevice(value, into: &device)
            result.append(device)
        }
        return result
    }

    mutating func checkDevice(_ node: YAMLNode, into device: inout PartialDevice) {
        let path = "devices.\(device.name)"
        guard case .mapping(let mapping) = node else {
            report(location(node), path, "expected a mapping with kind, role and the keys of that kind, got \(got(node))")
            device.complete = false
            return
        }
        let entries = keyed(mapping, path: path)
        let before = issues.count

        if let kindEntry = entries["kind"] {
            device.kind = choice(kindEntry.value, path + ".kind", DeviceKind.self)
        } else {
            report(device.nameLocation, path + ".kind", "missing required key (one of \(list(DeviceKind.allCases.map(\.rawValue))))")
        }
        if let roleEntry = entries["role"] {
            device.roleLocation = location(roleEntry.value)
            device.role = choice(roleEntry.value, path + ".role", DeviceRole.self)
        } else {
            report(device.nameLocation, path + ".role", "missing required key (what drivers attach by, e.g. plc-modem, cp-helper, contactor-dc-plus)")
        }
        if let e = entries["description"] { device.description = string(e.value, path + ".description") }
        if let e = entries["optional"] { device.optional = bool(e.value, path + ".optional") ?? false }
        if let e = entries["claimed_by"] { device.claimedBy = string(e.value, path + ".claimed_by") }

        if let kind = device.kind {
            let allowed = commonDeviceKeys + kindKeys[kind]!
            for (key, entry) in entries where !allowed.contains(key) {
                if let owner = DeviceKind.allCases.first(where: { kindKeys[$0]!.contains(key) }) {
                    report(location(entry.key), "\(path).\(key)", "does not apply to kind \(kind.rawValue) (it is a key of kind \(owner.rawValue))")
                } else {
                    unknownKey(key, entry.key, path: path, allowed: allowed)
                }
            }
            var reader = KeyReader(entries: entries, path: path, deviceLocation: device.nameLocation)
            device.spec = readSpec(kind, &reader, &device)
        } else {
            let allKeys = commonDeviceKeys + DeviceKind.allCases.flatMap { kindKeys[$0]! }
            for (key, entry) in entries where !allKeys.contains(key) {
                unknownKey(key, entry.key, path: path, allowed: allKeys)
            }
        }
        if issues.count != before || device.spec == nil { device.complete = false }
    }

    struct KeyReader {
        let entries: [String: (key: YAMLNode, value: YAMLNode)]
        let path: String
        let deviceLocation: FilePosition
        func value(_ key: String) -> YAMLNode? { entries[key]?.value }
    }

    mutating func readSpec(_ kind: DeviceKind, _ r: inout KeyReader, _ device: inout PartialDevice) -> DeviceSpec? {
        let p = r.path
        func note(_ key: String, _ node: YAMLNode?, _ device: inout PartialDevice) {
            if let node { device.valueLocations[key] = location(node) }
        }
        for key in kindKeys[kind]! { note(key, r.value(key), &device) }

        switch kind {
        case .spi:
            let path = required(r, "path", "an absolute device path like /dev/spidev0.0") { (c: inout BoardChecker, n) in c.devicePath(n, p + ".path") }
            let mode = required(r, "mode", "an integer 0…3") { (c: inout BoardChecker, n) in c.integer(n, p + ".mode", 0...3) }
            let bits = optionalValue(r, "bits") { (c: inout BoardChecker, n) in c.integer(n, p + ".bits", 1...32) } ?? 8
            let speed = required(r, "speed_hz", "an integer 1000…125000000") { (c: inout BoardChecker, n) in c.integer(n, p + ".speed_hz", 1000...125_000_000) }
            var chipSelect = SPIChipSelect.hardware
            var chipSelectOK = true
            if let n = r.value("chip_select") {
                if let cs = spiChipSelect(n, p + ".chip_select", &device) { chipSelect = cs } else { chipSelectOK = false }
            }
            // The TAP the user-space QCA7000's IP frames are bridged to (issue 14 item 2): only a plc-modem has one.
            var tap: String?
            var tapOK = true
            if let n = r.value("tap") {
                if let role = device.role, role != .plcModem {
                    report(location(n), p + ".tap", "applies only to role plc-modem (the TAP the QCA7000's IP frames go to), not \(role.rawValue)")
                    tapOK = false
                } else {
                    tap = interfaceName(n, p + ".tap")
                    tapOK = tap != nil
                }
            }
            let (whitebeetFirmware, firmwareOK) = whitebeetFirmware(r, p, device)
            guard let path, let mode, let speed, chipSelectOK, tapOK, firmwareOK else { return nil }
            let config = SPIConfig(mode: SPIMode(rawValue: UInt8(mode))!, bitsPerWord: UInt8(bits), speedHz: UInt32(speed),
                                   hardwareChipSelect: chipSelect == .hardware)
            return .spi(SPIDeviceSpec(path: path, config: config, chipSelect: chipSelect, tap: tap, whitebeetFirmware: whitebeetFirmware))

        case .serial:
            let path = required(r, "path", "an absolute device path like /dev/serial0") { (c: inout BoardChecker, n) in c.devicePath(n, p + ".path") }
            let baud = required(r, "baud", "an integer 50…\(SerialConfig.maximumBaud)") { (c: inout BoardChecker, n) in
                c.integer(n, p + ".baud", 50...Int64(SerialConfig.maximumBaud))
            }
            var framing: String? = "8N1"
            if let n = r.value("framing") {
                framing = nil
                if let s = string(n, p + ".framing") {
                    if SerialConfig(baud: 115_200, framing: s) != nil { framing = s.uppercased() } else {
                        report(location(n), p + ".framing", "expected data bits 5…8, parity N/E/O and stop bits 1 or 2, like \"8N1\", got \"\(s)\"")
                    }
                }
            }
            let flow = optionalValue(r, "flow_control") { (c: inout BoardChecker, n) in c.word(n, p + ".flow_control", ["none", "rtscts"]) } ?? "none"
            // The CP helper's firmware revision (esp32-cp-uart.md §11): only a cp-helper has one.
            var firmware: HelperFirmwareRevision?
            var firmwareOK = true
            if let n = r.value("firmware") {
                if let role = device.role, role != .cpHelper {
                    report(location(n), p + ".firmware", "applies only to role cp-helper (the ESP32 helper's firmware revision), not \(role.rawValue)")
                    firmwareOK = false
                } else {
                    firmware = choice(n, p + ".firmware", HelperFirmwareRevision.self)
                    firmwareOK = firmware != nil
                }
            }
            guard let path, let baud, let framing, firmwareOK else { return nil }
            var config = SerialConfig(baud: UInt32(baud), framing: framing)!
            config.hardwareFlowControl = flow == "rtscts"
            return .serial(SerialDeviceSpec(path: path, config: config, helperFirmware: firmware))

        case .gpio:
            let chip = required(r, "chip", "a chip name, path or label like gpiochip0") { (c: inout BoardChecker, n) in c.string(n, p + ".chip") }
            let line = required(r, "line", "a line offset 0…1023 or a line name") { (c: inout BoardChecker, n) in c.gpioLine(n, p + ".line") }
            let direction = required(r, "direction", "input, output or events") { (c: inout BoardChecker, n) in
                c.word(n, p + ".direction", ["input", "output", "events"])
            }
            let edge = optionalValue(r, "edge") { (c: inout BoardChecker, n) in c.word(n, p + ".edge", ["rising", "falling", "both"]) }
            let bias = optionalValue(r, "bias") { (c: inout BoardChecker, n) in c.word(n, p + ".bias", ["as-is", "disabled", "pull-up", "pull-down"]) } ?? "as-is"
            let activeLow = optionalValue(r, "active_low") { (c: inout BoardChecker, n) in c.bool(n, p + ".active_low") } ?? false
            let initial = optionalValue(r, "initial") { (c: inout BoardChecker, n) in c.level(n, p + ".initial") }
            if let direction {
                if direction == "events", r.value("edge") == nil {
                    report(r.deviceLocation, p + ".edge", "missing required key (rising, falling or both: direction events watches edges)")
                }
                if direction != "events", let n = r.value("edge") {
                    report(location(n), p + ".edge", "only applies to direction events, this line is direction \(direction)")
                }
                if direction != "output", let n = r.value("initial") {
                    report(location(n), p + ".initial", "only applies to direction output, this line is direction \(direction)")
                }
            }
            guard let chip, let line, let direction else { return nil }
            let dir: GPIODirection
            switch direction {
            case "output": dir = .output(initial: initial ?? false)
            case "events":
                guard let edge else { return nil }
                dir = .events(GPIOEdge(rawValue: edge)!)
            default: dir = .input
            }
            return .gpio(GPIODeviceSpec(config: GPIOLineConfig(chip: chip, line: line, direction: dir,
                                                               bias: GPIOBias(rawValue: bias)!, activeLow: activeLow)))

        case .can:
            let interface = required(r, "interface", "a network interface name like can0") { (c: inout BoardChecker, n) in c.interfaceName(n, p + ".interface") }
            let bitrate = optionalValue(r, "bitrate") { (c: inout BoardChecker, n) in c.integer(n, p + ".bitrate", 10_000...1_000_000) }
            let restart = optionalValue(r, "restart_ms") { (c: inout BoardChecker, n) in c.integer(n, p + ".restart_ms", 0...60_000) }
            let extended = optionalValue(r, "extended_ids") { (c: inout BoardChecker, n) in c.bool(n, p + ".extended_ids") } ?? false
            let transport = optionalValue(r, "transport") { (c: inout BoardChecker, n) in
                c.choice(n, p + ".transport", CANTransport.self)
            } ?? .socketCAN
            var scaling: PEVScaling?
            if let n = r.value("pev_scaling"), let s = string(n, p + ".pev_scaling") {
                scaling = PEVScaling(boardValue: s)
                if scaling == nil {
                    report(location(n), p + ".pev_scaling", "expected v2.5 (default), v2-early, or "
                           + "amps=1|0.1,kwh=0.1|0.01,energy-order=database|simulator, got \"\(s)\"")
                }
            }
            let bidirectional = optionalValue(r, "pev_bidirectional") { (c: inout BoardChecker, n) in
                c.bool(n, p + ".pev_bidirectional")
            } ?? false
            let scheduled = optionalValue(r, "pev_scheduled_control") { (c: inout BoardChecker, n) in
                c.choice(n, p + ".pev_scheduled_control", PEVScheduledControl.self)
            }
            guard let interface else { return nil }
            return .can(CANDeviceSpec(interface: interface, bitrate: bitrate.map { UInt32($0) },
                                      restartMilliseconds: restart.map { UInt32($0) }, extendedIDs: extended, transport: transport,
                                      pevScaling: scaling, pevBidirectional: bidirectional, pevScheduledControl: scheduled))

        case .ethernet:
            let interface = required(r, "interface", "a network interface name like eth1") { (c: inout BoardChecker, n) in c.interfaceName(n, p + ".interface") }
            let etherType = required(r, "ethertype", "an EtherType 0x0600…0xFFFF") { (c: inout BoardChecker, n) in
                c.integer(n, p + ".ethertype", 0x0600...0xFFFF, hexadecimal: true)
            }
            var peerOK = true
            var peer: MACAddress?
            if let n = r.value("peer_mac"), let s = string(n, p + ".peer_mac") {
                peer = MACAddress(s)
                if peer == nil {
                    report(location(n), p + ".peer_mac", "expected a MAC address like c4:93:00:22:22:22, got \"\(s)\"")
                    peerOK = false
                }
            }
            let promiscuous = optionalValue(r, "promiscuous") { (c: inout BoardChecker, n) in c.bool(n, p + ".promiscuous") } ?? false
            let transport = optionalValue(r, "transport") { (c: inout BoardChecker, n) in
                c.choice(n, p + ".transport", EthernetTransport.self)
            } ?? .packet
            let (whitebeetFirmware, firmwareOK) = whitebeetFirmware(r, p, device)
            guard let interface, let etherType, peerOK, firmwareOK else { return nil }
            return .ethernet(EthernetDeviceSpec(interface: interface, etherType: UInt16(etherType), peerMAC: peer, promiscuous: promiscuous,
                                                transport: transport, whitebeetFirmware: whitebeetFirmware))

        case .i2c:
            let bus = required(r, "bus", "an absolute device path like /dev/i2c-1") { (c: inout BoardChecker, n) in c.devicePath(n, p + ".bus") }
            let address = required(r, "address", "a 7-bit address 0x03…0x77") { (c: inout BoardChecker, n) in
                c.integer(n, p + ".address", 0x03...0x77, hexadecimal: true)
            }
            guard let bus, let address else { return nil }
            return .i2c(I2CDeviceSpec(bus: bus, address: UInt8(address)))

        case .pwm:
            let chip = required(r, "chip", "the N of /sys/class/pwm/pwmchipN, 0…63") { (c: inout BoardChecker, n) in c.integer(n, p + ".chip", 0...63) }
            let channel = required(r, "channel", "a channel 0…63") { (c: inout BoardChecker, n) in c.integer(n, p + ".channel", 0...63) }
            let period = optionalValue(r, "period_ns") { (c: inout BoardChecker, n) in c.integer(n, p + ".period_ns", 1_000...1_000_000_000) } ?? 1_000_000
            let inverted = optionalValue(r, "inverted") { (c: inout BoardChecker, n) in c.bool(n, p + ".inverted") } ?? false
            guard let chip, let channel else { return nil }
            return .pwm(PWMDeviceSpec(chip: Int(chip), channel: UInt32(channel), periodNanoseconds: period, inverted: inverted))
        }
    }

    mutating func required<T>(_ r: KeyReader, _ key: String, _ expectation: String,
                              _ read: (inout BoardChecker, YAMLNode) -> T?) -> T? {
        guard let node = r.value(key) else {
            report(r.deviceLocation, "\(r.path).\(key)", "missing required key (\(expectation))")
            return nil
        }
        return read(&self, node)
    }

    mutating func optionalValue<T>(_ r: KeyReader, _ key: String, _ read: (inout BoardChecker, YAMLNode) -> T?) -> T? {
        guard let node = r.value(key) else { return nil }
        return read(&self, node)
    }

    /// `firmware: gen1|gen2` of a whitebeet-host (whitebeet-hci.md §0.1: the module's EVSE API);
    /// any other role has no such setting. Returns the value (nil when absent) and whether it is valid.
    mutating func whitebeetFirmware(_ r: KeyReader, _ p: String, _ device: PartialDevice) -> (EVSEFirmwareGeneration?, Bool) {
        guard let n = r.value("firmware") else { return (nil, true) }
        if let role = device.role, role != .whitebeetHost {
            report(location(n), p + ".firmware", "applies only to role whitebeet-host (the WHITE-beet's EVSE firmware generation), not \(role.rawValue)")
            return (nil, false)
        }
        let generation = choice(n, p + ".firmware", EVSEFirmwareGeneration.self)
        return (generation, generation != nil)
    }

    mutating func spiChipSelect(_ node: YAMLNode, _ path: String, _ device: inout PartialDevice) -> SPIChipSelect? {
        if case .scalar(let s) = node, s.string == "hardware" { return .hardware }
        guard case .mapping(let mapping) = node else {
            report(location(node), path, "expected hardware or a mapping {gpio: <device name>}, got \(got(node))")
            return nil
        }
        let entries = keyed(mapping, path: path)
        for (key, entry) in entries where key != "gpio" { unknownKey(key, entry.key, path: path, allowed: ["gpio"]) }
        guard let target = entries["gpio"] else {
            report(location(node), path + ".gpio", "missing required key (the name of the gpio output device that drives chip select)")
            return nil
        }
        guard let name = string(target.value, path + ".gpio") else { return nil }
        device.valueLocations["chip_select.gpio"] = location(target.value)
        return .gpio(device: name)
    }

    // MARK: Cross-checks

    mutating func crossCheck(_ devices: [PartialDevice], link: VehicleLink?, linkLocation: FilePosition) {
        var roleOwner: [DeviceRole: PartialDevice] = [:]
        var used: [String: PartialDevice] = [:]

        func claim(_ key: String, _ what: String, _ device: PartialDevice, at valueKey: String, _ checker: inout BoardChecker) {
            if let first = used[key] {
                checker.report(device.location(of: valueKey), "devices.\(device.name).\(valueKey)",
                               "\(what) is already used by devices.\(first.name) (line \(first.nameLocation.line))")
            } else {
                used[key] = device
            }
        }

        for d in devices {
            let path = "devices.\(d.name)"
            if let role = d.role {
                if let kind = d.kind, !role.kinds.contains(kind) {
                    report(d.roleLocation, path + ".role", "role \(role.rawValue) needs kind \(orList(role.kinds.map(\.rawValue))), this device is kind \(kind.rawValue)")
                }
                if role.isUnique {
                    if let first = roleOwner[role] {
                        report(d.roleLocation, path + ".role", "role \(role.rawValue) is already taken by devices.\(first.name) (line \(first.nameLocation.line)); a board has one \(role.rawValue)")
                    } else {
                        roleOwner[role] = d
                    }
                }
            }
            guard let spec = d.spec else { continue }
            switch spec {
            case .spi(let s):
                claim("path:" + s.path, s.path, d, at: "path", &self)
                if d.role == .plcModem {
                    if s.config.mode != .mode3 {
                        report(d.location(of: "mode"), path + ".mode", "a QCA7000 needs SPI mode 3 (CPOL 1, CPHA 1), got \(s.config.mode.rawValue)")
                    }
                    if s.config.speedHz > 12_000_000 {
                        report(d.location(of: "speed_hz"), path + ".speed_hz", "a QCA7000 is clocked at most 12000000 Hz (SCK period at least 83.3 ns), got \(s.config.speedHz)")
                    }
                }
                if d.role == .whitebeetHost, s.config.mode != .mode0 {
                    report(d.location(of: "mode"), path + ".mode", "the WHITE-beet host interface uses SPI mode 0, got \(s.config.mode.rawValue)")
                }
                if case .gpio(let target) = s.chipSelect {
                    let at = d.location(of: "chip_select.gpio")
                    if let t = devices.first(where: { $0.name == target }) {
                        if let kind = t.kind, kind != .gpio {
                            report(at, path + ".chip_select.gpio", "devices.\(target) is kind \(kind.rawValue); chip select needs a gpio output")
                        } else if case .gpio(let g)? = t.spec, !g.config.direction.isOutput {
                            report(at, path + ".chip_select.gpio", "devices.\(target) is not an output; chip select needs direction output")
                        }
                    } else {
                        report(at, path + ".chip_select.gpio", "no device named \"\(target)\" on this board")
                    }
                }
            case .serial(let s):
                claim("path:" + s.path, s.path, d, at: "path", &self)
            case .gpio(let g):
                claim("gpio:\(normalizedChip(g.config.chip)):\(g.config.line)", "\(g.config.chip) line \(g.config.line)", d, at: "line", &self)
                if let role = d.role, let allowed = role.gpioDirections, !allowed.contains(g.config.direction.word) {
                    report(d.location(of: "direction"), path + ".direction",
                           "role \(role.rawValue) needs direction \(orList(allowed)), got \(g.config.direction.word)")
                }
            case .can(let c):
                if c.transport == .udpMulticast {
                    claim("udp-multicast:" + c.interface, "the udp_multicast CAN bus on \(c.interface)", d, at: "interface", &self)
                } else {
                    claim("net:" + c.interface, c.interface, d, at: "interface", &self)
                }
                if d.role == .advanticsCAN, !c.extendedIDs {
                    report(d.location(of: "extended_ids"), path + ".extended_ids",
                           "the ADVANTICS generic EVSE interface v3 uses 29-bit identifiers only; set extended_ids: true")
                }
                if d.role == .advanticsPEVCAN, c.extendedIDs {
                    report(d.location(of: "extended_ids"), path + ".extended_ids",
                           "the ADVANTICS generic PEV interface v2 uses 11-bit identifiers (force_extended_ids is not supported); remove extended_ids")
                }
                if c.pevScaling != nil, d.role != .advanticsPEVCAN {
                    report(d.location(of: "pev_scaling"), path + ".pev_scaling", "only applies to role advantics-pev-can")
                }
                if c.pevBidirectional, d.role != .advanticsPEVCAN {
                    report(d.location(of: "pev_bidirectional"), path + ".pev_bidirectional", "only applies to role advantics-pev-can")
                }
                if c.pevScheduledControl != nil, d.role != .advanticsPEVCAN {
                    report(d.location(of: "pev_scheduled_control"), path + ".pev_scheduled_control", "only applies to role advantics-pev-can")
                }
            case .ethernet(let e):
                claim("eth:\(e.interface):\(e.etherType)", "\(e.interface) with EtherType \(hex(e.etherType, digits: 4))", d, at: "interface", &self)
            case .i2c(let i):
                claim("i2c:\(i.bus):\(i.address)", "address \(hex(i.address, digits: 2)) on \(i.bus)", d, at: "address", &self)
            case .pwm(let w):
                claim("pwm:\(w.chip):\(w.channel)", "pwmchip\(w.chip)/pwm\(w.channel)", d, at: "channel", &self)
            }
        }

        guard let link else { return }
        func has(_ role: DeviceRole) -> Bool { devices.contains { $0.role == role } }
        var missing: [String] = []
        switch link {
        case .ownStack:
            if !has(.plcModem) { missing.append("a device with role plc-modem (the QCA7000)") }
            if !has(.cpHelper), !has(.cpPWM) { missing.append("a control-pilot source (role cp-helper or cp-pwm)") }
        case .whitebeet:
            if let host = devices.first(where: { $0.role == .whitebeetHost }) {
                if host.kind == .spi {
                    if !has(.whitebeetRxReady) { missing.append("a whitebeet-rx-ready line (the SPI host interface needs it)") }
                    if !has(.whitebeetTxPending) { missing.append("a whitebeet-tx-pending line (the SPI host interface needs it)") }
                }
            } else {
                missing.append("a device with role whitebeet-host")
            }
        case .advantics:
            if !has(.advanticsCAN) { missing.append("a device with role advantics-can") }
        case .advanticsPEV:
            if !has(.advanticsPEVCAN) { missing.append("a device with role advantics-pev-can") }
        }
        for m in missing { report(linkLocation, "vehicle_link", "\(link.rawValue) needs \(m)") }
    }

    // MARK: Scalars

    /// A mapping's entries by key, reporting keys that are not plain strings.
    mutating func keyed(_ mapping: YAMLNode.Mapping, path: String) -> [String: (key: YAMLNode, value: YAMLNode)] {
        var out: [String: (key: YAMLNode, value: YAMLNode)] = [:]
        for (k, v) in mapping {
            if let key = plainKey(k, path: path) { out[key] = (k, v) }
        }
        return out
    }

    mutating func plainKey(_ node: YAMLNode, path: String) -> String? {
        guard case .scalar(let s) = node, !s.string.isEmpty else {
            report(location(node), path, "expected a key name, got \(got(node))")
            return nil
        }
        return s.string
    }

    mutating func unknownKey(_ key: String, _ node: YAMLNode, path: String, allowed: [String]) {
        let full = path.isEmpty ? key : "\(path).\(key)"
        var message = "unknown key"
        if let guess = closest(key, among: allowed) { message += " (did you mean \"\(guess)\"?)" } else {
            message += " (allowed: \(allowed.joined(separator: ", ")))"
        }
        report(location(node), full, message)
    }

    mutating func string(_ node: YAMLNode, _ path: String) -> String? {
        guard case .scalar(let s) = node, !isNull(s), !s.string.isEmpty else {
            report(location(node), path, "expected a string, got \(got(node))")
            return nil
        }
        return s.string
    }

    mutating func devicePath(_ node: YAMLNode, _ path: String) -> String? {
        guard let s = string(node, path) else { return nil }
        guard s.hasPrefix("/"), !s.contains(" ") else {
            report(location(node), path, "expected an absolute device path like /dev/…, got \"\(s)\"")
            return nil
        }
        return s
    }

    mutating func interfaceName(_ node: YAMLNode, _ path: String) -> String? {
        guard let s = string(node, path) else { return nil }
        guard s.utf8.count <= 15, isName(s, first: isInterfaceCharacter, rest: isInterfaceCharacter) else {
            report(location(node), path, "expected a network interface name (at most 15 letters, digits, '-', '_', '.'), got \"\(s)\"")
            return nil
        }
        return s
    }

    mutating func integer(_ node: YAMLNode, _ path: String, _ range: ClosedRange<Int64>, hexadecimal: Bool = false) -> Int64? {
        let value: Int64? = if case .scalar(let s) = node, s.style == .plain { parseInteger(s.string) } else { nil }
        guard let value, range.contains(value) else {
            let bounds = hexadecimal
                ? "\(hex(range.lowerBound, digits: range.upperBound > 0xFF ? 4 : 2))…\(hex(range.upperBound, digits: range.upperBound > 0xFF ? 4 : 2))"
                : "\(range.lowerBound)…\(range.upperBound)"
            report(location(node), path, "expected an integer \(bounds), got \(got(node))")
            return nil
        }
        return value
    }

    mutating func bool(_ node: YAMLNode, _ path: String) -> Bool? {
        if case .scalar(let s) = node, s.style == .plain {
            switch s.string {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        report(location(node), path, "expected true or false, got \(got(node))")
        return nil
    }

    /// An output level: true/false or 1/0 (logical, after active_low).
    mutating func level(_ node: YAMLNode, _ path: String) -> Bool? {
        if case .scalar(let s) = node, s.style == .plain {
            switch s.string {
            case "true", "True", "TRUE", "1": return true
            case "false", "False", "FALSE", "0": return false
            default: break
            }
        }
        report(location(node), path, "expected 0, 1, true or false, got \(got(node))")
        return nil
    }

    mutating func word(_ node: YAMLNode, _ path: String, _ allowed: [String]) -> String? {
        if case .scalar(let s) = node, allowed.contains(s.string) { return s.string }
        var message = "expected \(orList(allowed)), got \(got(node))"
        if case .scalar(let s) = node, let guess = closest(s.string, among: allowed) { message += " (did you mean \(guess)?)" }
        report(location(node), path, message)
        return nil
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ path: String, _ type: E.Type) -> E? where E.RawValue == String {
        guard let w = word(node, path, E.allCases.map(\.rawValue)) else { return nil }
        return E(rawValue: w)
    }

    /// A line offset (a plain integer) or a line name.
    mutating func gpioLine(_ node: YAMLNode, _ path: String) -> GPIOLineID? {
        if case .scalar(let s) = node, s.style == .plain, let n = parseInteger(s.string) {
            guard (0...1023).contains(n) else {
                report(location(node), path, "expected a line offset 0…1023 or a line name, got \(n)")
                return nil
            }
            return .offset(UInt32(n))
        }
        guard let name = string(node, path) else { return nil }
        if name.allSatisfy(\.isNumber) {
            report(location(node), path, "\"\(name)\" is quoted: write \(name) without quotes for a line offset; line names are not all digits")
            return nil
        }
        return .name(name)
    }

    // MARK: Helpers

    func location(_ node: YAMLNode) -> FilePosition {
        FilePosition(line: node.mark.line, column: node.mark.column)
    }

    func isNull(_ s: YAMLNode.Scalar) -> Bool {
        s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// How a value is quoted back in a message: numbers and booleans as written, text in quotes.
    func got(_ node: YAMLNode) -> String {
        switch node {
        case .scalar(let s):
            if isNull(s) { return "nothing" }
            if s.style == .plain, parseInteger(s.string) != nil || ["true", "false"].contains(s.string.lowercased()) {
                return s.string
            }
            return "\"\(s.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    func list(_ words: [String]) -> String { words.joined(separator: ", ") }

    /// Maps a YAML error to an issue with the position libyaml (or the composer) reported.
    mutating func issue(forYAMLError y: YAMLError) -> BoardIssue {
        let location = y.mark.map { FilePosition(line: $0.line, column: $0.column) }
        if y.duplicateKey != nil, let first = y.contextMark, let again = y.mark {
            return BoardIssue(file: file, location: FilePosition(line: again.line, column: again.column),
                              keyPath: y.keyPath.joined(separator: "."),
                              message: "duplicate key (first at line \(first.line))")
        }
        var problem = y.problem
        if let context = y.context, let at = y.contextMark {
            problem = y.kind == .composer ? "\(context), \(problem)" : "\(problem) (\(context) at line \(at.line), column \(at.column))"
        }
        if y.kind == .composer { problem += "; a board file is one YAML document" }
        return BoardIssue(file: file, location: location, keyPath: "", message: "malformed YAML: \(problem)")
    }
}

extension GPIODirection {
    var isOutput: Bool { if case .output = self { true } else { false } }
    /// The board-file word for it.
    var word: String {
        switch self {
        case .input: "input"
        case .output: "output"
        case .events: "events"
        }
    }
}

/// "gpiochip0", "/dev/gpiochip0" and "0" name the same chip.
public func normalizedChip(_ chip: String) -> String {
    var c = chip
    if c.hasPrefix("/dev/") { c.removeFirst(5) }
    if !c.isEmpty, c.allSatisfy(\.isNumber) { c = "gpiochip" + c }
    return c
}

/// Whether `s` is non-empty, starts with a character `first` accepts and goes on with ones `rest` accepts.
func isName(_ s: String, first: (Character) -> Bool, rest: (Character) -> Bool) -> Bool {
    guard let head = s.first, first(head) else { return false }
    return s.dropFirst().allSatisfy(rest)
}

func isLowerOrDigit(_ c: Character) -> Bool { ("a"..."z").contains(c) || ("0"..."9").contains(c) }

/// Letters, digits, '-', '_' and '.': what `ip link` accepts in an interface name without quoting.
func isInterfaceCharacter(_ c: Character) -> Bool {
    ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || "_.-".contains(c)
}

/// Decimal with optional '_' separators, or 0x hexadecimal.
func parseInteger(_ text: String) -> Int64? {
    var t = Substring(text)
    var negative = false
    if t.hasPrefix("-") {
        negative = true
        t = t.dropFirst()
    } else if t.hasPrefix("+") {
        t = t.dropFirst()
    }
    var radix = 10
    if t.hasPrefix("0x") || t.hasPrefix("0X") {
        radix = 16
        t = t.dropFirst(2)
    }
    guard let first = t.first, first != "_", t.last != "_", !t.contains("__") else { return nil }
    guard let v = Int64(String(t.filter { $0 != "_" }), radix: radix) else { return nil }
    return negative ? -v : v
}

/// "a, b or c".
func orList(_ words: [String]) -> String {
    guard words.count > 1 else { return words.first ?? "" }
    return words.dropLast().joined(separator: ", ") + " or " + words.last!
}

/// The allowed word closest to a typo, when it is close enough to be a likely intent: a few edits
/// away (a swap of two neighbours counts as one), or one word a prefix of the other ("baudrate").
func closest(_ word: String, among candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
    let w = word.lowercased()
    let scored = candidates.map { ($0, distance(Array(w), Array($0))) }.sorted { $0.1 < $1.1 }
    if let best = scored.first, best.1 <= max(1, min(3, best.0.count / 3)) { return best.0 }
    return candidates.filter { $0.count >= 3 && w.count >= 3 && (w.hasPrefix($0) || $0.hasPrefix(w)) }
        .max { $0.count < $1.count }
}
