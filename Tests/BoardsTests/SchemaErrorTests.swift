import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import CPHelperProtocol
import Foundation
import Testing

/// Every class of schema error, with its exact message: file:line:column, key path, text.
@Suite("Board file schema errors")
struct SchemaErrorTests {
    /// A valid advantics board; devices appended to it start at line 12.
    static let header = """
        board: t
        description: test board
        vehicle_link: advantics
        simulated: false
        devices:
          advantics:
            kind: can
            role: advantics-can
            interface: can0
            bitrate: 500000
            extended_ids: true

        """

    func issues(_ yaml: String, file: String = "Boards/t.yaml") -> [String] {
        do {
            _ = try BoardLoader.load(text: yaml, file: file)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    func withDevices(_ devices: String) -> String { Self.header + devices }

    @Test func headerIsValid() {
        #expect(issues(Self.header) == [])
    }

    // MARK: Values

    @Test func integerGotText() {
        let yaml = withDevices("""
              cp_uart:
                kind: serial
                role: cp-helper
                path: /dev/serial0
                baud: fast
            """)
        #expect(issues(yaml) == [#"Boards/t.yaml:16:11: devices.cp_uart.baud: expected an integer 50…4000000, got "fast""#])
    }

    @Test func ethernetTransportIsAWord() {
        let yaml = withDevices("""
              wb_eth:
                kind: ethernet
                role: whitebeet-host
                interface: eth1
                ethertype: 0x6003
                transport: veth
            """)
        let found = issues(yaml)
        #expect(found.count == 1 && found[0].contains("devices.wb_eth.transport") && found[0].contains("kernel-packet"), "\(found)")
    }

    @Test func integerOutOfRangeAndQuoted() {
        let yaml = withDevices("""
              a:
                kind: serial
                role: cp-helper
                path: /dev/ttyAMA0
                baud: 5000000
              b:
                kind: serial
                role: auxiliary
                path: /dev/ttyUSB0
                baud: "115200"
            """)
        #expect(issues(yaml) == [
            "Boards/t.yaml:16:11: devices.a.baud: expected an integer 50…4000000, got 5000000",
            #"Boards/t.yaml:21:11: devices.b.baud: expected an integer 50…4000000, got "115200""#,
        ])
    }

    @Test func hexadecimalRanges() {
        let yaml = withDevices("""
              adc:
                kind: i2c
                role: cp-adc
                bus: /dev/i2c-1
                address: 0x80
              link:
                kind: ethernet
                role: auxiliary
                interface: eth1
                ethertype: 0x0042
            """)
        #expect(issues(yaml) == [
            "Boards/t.yaml:16:14: devices.adc.address: expected an integer 0x03…0x77, got 0x80",
            "Boards/t.yaml:21:16: devices.link.ethertype: expected an integer 0x0600…0xFFFF, got 0x0042",
        ])
    }

    @Test func booleansAreTrueOrFalseOnly() {
        let yaml = withDevices("""
              spare:
                kind: gpio
                role: auxiliary
                optional: yes
                chip: gpiochip0
                line: 4
                direction: input
                active_low: 1
            """)
        #expect(issues(yaml) == [
            #"Boards/t.yaml:15:15: devices.spare.optional: expected true or false, got "yes""#,
            "Boards/t.yaml:19:17: devices.spare.active_low: expected true or false, got 1",
        ])
    }

    @Test func wordsWithSuggestions() {
        let yaml = withDevices("""
              spare:
                kind: gpio
                role: auxillary
                chip: gpiochip0
                line: 4
                direction: inptu
            """)
        #expect(issues(yaml) == [
            #"Boards/t.yaml:14:11: devices.spare.role: expected plc-modem, plc-interrupt, plc-reset, cp-helper, cp-pwm, cp-adc, contactor-dc-plus, contactor-dc-minus, contactor-dc-plus-feedback, contactor-dc-minus-feedback, precharge-relay, power-module-can, emergency-stop, isolation-monitor, temperature-sensor, status-led, whitebeet-host, whitebeet-chip-select, whitebeet-rx-ready, whitebeet-tx-pending, advantics-can, advantics-pev-can or auxiliary, got "auxillary" (did you mean auxiliary?)"#,
            #"Boards/t.yaml:17:16: devices.spare.direction: expected input, output or events, got "inptu" (did you mean input?)"#,
        ])
    }

    @Test func stringsAndPaths() {
        let yaml = withDevices("""
              port:
                kind: serial
                role: cp-helper
                path: serial0
                baud: 115200
                framing: 9N1
              can_b:
                kind: can
                role: power-module-can
                interface: a-very-long-interface-name
            """)
        #expect(issues(yaml) == [
            #"Boards/t.yaml:15:11: devices.port.path: expected an absolute device path like /dev/…, got "serial0""#,
            #"Boards/t.yaml:17:14: devices.port.framing: expected data bits 5…8, parity N/E/O and stop bits 1 or 2, like "8N1", got "9N1""#,
            #"Boards/t.yaml:21:16: devices.can_b.interface: expected a network interface name (at most 15 letters, digits, '-', '_', '.'), got "a-very-long-interface-name""#,
        ])
    }

    // MARK: Keys

    @Test func unknownKeysAreTypos() {
        let yaml = withDevices("""
              cp_uart:
                kind: serial
                role: cp-helper
                path: /dev/serial0
                baudrate: 115200
                colour: blue
            """)
        #expect(issues(yaml) == [
            "Boards/t.yaml:12:3: devices.cp_uart.baud: missing required key (an integer 50…4000000)",
            #"Boards/t.yaml:16:5: devices.cp_uart.baudrate: unknown key (did you mean "baud"?)"#,
            "Boards/t.yaml:17:5: devices.cp_uart.colour: unknown key (allowed: kind, role, description, optional, claimed_by, path, baud, framing, flow_control, firmware)",
        ])
    }

    @Test func keyOfAnotherKind() {
        let yaml = withDevices("""
              cp_uart:
                kind: serial
                role: cp-helper
                path: /dev/serial0
                baud: 115200
                speed_hz: 1000000
            """)
        #expect(issues(yaml) == ["Boards/t.yaml:17:5: devices.cp_uart.speed_hz: does not apply to kind serial (it is a key of kind spi)"])
    }

    @Test func missingRequiredKeys() {
        let yaml = withDevices("""
              adc:
                kind: i2c
                role: cp-adc
              thing:
                bus: /dev/i2c-1
            """)
        #expect(issues(yaml) == [
            "Boards/t.yaml:12:3: devices.adc.bus: missing required key (an absolute device path like /dev/i2c-1)",
            "Boards/t.yaml:12:3: devices.adc.address: missing required key (a 7-bit address 0x03…0x77)",
            "Boards/t.yaml:15:3: devices.thing.kind: missing required key (one of spi, serial, gpio, can, ethernet, i2c, pwm)",
            "Boards/t.yaml:15:3: devices.thing.role: missing required key (what drivers attach by, e.g. plc-modem, cp-helper, contactor-dc-plus)",
        ])
    }

    @Test func topLevelKeys() {
        let yaml = """
            board: t
            description: test board
            vehicle_lnk: advantics
            simulated: yes
            devices: {}
            """
        #expect(issues(yaml) == [
            "Boards/t.yaml:1:1: vehicle_link: missing required key (one of own-stack, whitebeet, advantics, advantics-pev)",
            #"Boards/t.yaml:3:1: vehicle_lnk: unknown key (did you mean "vehicle_link"?)"#,
            #"Boards/t.yaml:4:12: simulated: expected true or false, got "yes""#,
            "Boards/t.yaml:5:10: devices: a board needs at least one device",
        ])
    }

    @Test func boardNameMatchesFileName() {
        let yaml = Self.header.replacingOccurrences(of: "board: t\n", with: "board: other\n")
        #expect(issues(yaml) == [#"Boards/t.yaml:1:8: board: "other" does not match the file name; a board named "other" lives in other.yaml"#])
    }

    @Test func deviceNames() {
        let yaml = withDevices("""
              Spare-Line:
                kind: gpio
                role: auxiliary
                chip: gpiochip0
                line: 4
                direction: input
            """)
        #expect(issues(yaml) == ["Boards/t.yaml:12:3: devices.Spare-Line: a device name is lowercase letters, digits and '_', starting with a letter"])
    }

    // MARK: GPIO specifics

    @Test func edgesAndInitialLevels() {
        let yaml = withDevices("""
              irq:
                kind: gpio
                role: auxiliary
                chip: gpiochip0
                line: 23
                direction: events
              button:
                kind: gpio
                role: auxiliary
                chip: gpiochip0
                line: 17
                direction: input
                edge: falling
                initial: 1
              named:
                kind: gpio
                role: auxiliary
                chip: gpiochip0
                line: "12"
                direction: input
            """)
        #expect(issues(yaml) == [
            "Boards/t.yaml:12:3: devices.irq.edge: missing required key (rising, falling or both: direction events watches edges)",
            "Boards/t.yaml:24:11: devices.button.edge: only applies to direction events, this line is direction input",
            "Boards/t.yaml:25:14: devices.button.initial: only applies to direction output, this line is direction input",
            #"Boards/t.yaml:30:11: devices.named.line: "12" is quoted: write 12 without quotes for a line offset; line names are not all digits"#,
        ])
    }

    // MARK: Cross-checks

    @Test func duplicateDevicePaths() {
        let yaml = withDevices("""
              a:
                kind: serial
                role: cp-helper
                path: /dev/serial0
                baud: 115200
              b:
                kind: serial
                role: auxiliary
                path: /dev/serial0
                baud: 9600
            """)
        #expect(issues(yaml) == ["Boards/t.yaml:20:11: devices.b.path: /dev/serial0 is already used by devices.a (line 12)"])
    }

    @Test func duplicateLinesAddressesAndInterfaces() {
        let yaml = withDevices("""
              k1:
                kind: gpio
                role: contactor-dc-plus
                chip: gpiochip0
                line: 5
                direction: output
              k2:
                kind: gpio
                role: auxiliary
                chip: /dev/gpiochip0
                line: 5
                direction: input
              adc:
                kind: i2c
                role: cp-adc
                bus: /dev/i2c-1
                address: 0x48
              temp:
                kind: i2c
                role: temperature-sensor
                bus: /dev/i2c-1
                address: 72
              can_again:
                kind: can
                role: power-module-can
                interface: can0
            """)
        #expect(issues(yaml) == [
            "Boards/t.yaml:22:11: devices.k2.line: /dev/gpiochip0 line 5 is already used by devices.k1 (line 12)",
            "Boards/t.yaml:33:14: devices.temp.address: address 0x48 on /dev/i2c-1 is already used by devices.adc (line 24)",
            "Boards/t.yaml:37:16: devices.can_again.interface: can0 is already used by devices.advantics (line 6)",
        ])
    }

    @Test func rolesFitKindsDirectionsAndAreUnique() {
        let yaml = withDevices("""
              helper:
                kind: gpio
                role: cp-helper
                chip: gpiochip0
                line: 4
                direction: input
              k1:
                kind: gpio
                role: contactor-dc-plus
                chip: gpiochip0
                line: 5
                direction: input
              k1_again:
                kind: gpio
                role: contactor-dc-plus
                chip: gpiochip0
                line: 6
                direction: output
            """)
        #expect(issues(yaml) == [
            "Boards/t.yaml:14:11: devices.helper.role: role cp-helper needs kind serial, this device is kind gpio",
            "Boards/t.yaml:23:16: devices.k1.direction: role contactor-dc-plus needs direction output, got input",
            "Boards/t.yaml:26:11: devices.k1_again.role: role contactor-dc-plus is already taken by devices.k1 (line 18); a board has one contactor-dc-plus",
        ])
    }

    @Test func partFactsFromTheSpecs() {
        let yaml = """
            board: t
            description: QCA7000 clocked too fast in the wrong mode
            vehicle_link: own-stack
            simulated: false
            devices:
              plc:
                kind: spi
                role: plc-modem
                path: /dev/spidev0.0
                mode: 0
                speed_hz: 16000000
              cp:
                kind: serial
                role: cp-helper
                path: /dev/serial0
                baud: 115200
              wb:
                kind: spi
                role: whitebeet-host
                path: /dev/spidev0.1
                mode: 3
                speed_hz: 12000000
              adv:
                kind: can
                role: advantics-can
                interface: can0
            """
        #expect(issues(yaml) == [
            "Boards/t.yaml:10:11: devices.plc.mode: a QCA7000 needs SPI mode 3 (CPOL 1, CPHA 1), got 0",
            "Boards/t.yaml:11:15: devices.plc.speed_hz: a QCA7000 is clocked at most 12000000 Hz (SCK period at least 83.3 ns), got 16000000",
            "Boards/t.yaml:21:11: devices.wb.mode: the WHITE-beet host interface uses SPI mode 0, got 3",
            "Boards/t.yaml:23:3: devices.adv.extended_ids: the ADVANTICS generic EVSE interface v3 uses 29-bit identifiers only; set extended_ids: true",
        ])
    }

    @Test func vehicleLinkNeedsItsDevices() {
        let ownStack = Self.header.replacingOccurrences(of: "vehicle_link: advantics", with: "vehicle_link: own-stack")
        #expect(issues(ownStack) == [
            "Boards/t.yaml:3:15: vehicle_link: own-stack needs a device with role plc-modem (the QCA7000)",
            "Boards/t.yaml:3:15: vehicle_link: own-stack needs a control-pilot source (role cp-helper or cp-pwm)",
        ])
        let whitebeet = """
            board: t
            description: WHITE-beet on SPI without its handshake lines
            vehicle_link: whitebeet
            simulated: false
            devices:
              wb:
                kind: spi
                role: whitebeet-host
                path: /dev/spidev0.0
                mode: 0
                speed_hz: 12000000
            """
        #expect(issues(whitebeet) == [
            "Boards/t.yaml:3:15: vehicle_link: whitebeet needs a whitebeet-rx-ready line (the SPI host interface needs it)",
            "Boards/t.yaml:3:15: vehicle_link: whitebeet needs a whitebeet-tx-pending line (the SPI host interface needs it)",
        ])
    }

    @Test func chipSelectReferences() {
        let yaml = withDevices("""
              s1:
                kind: spi
                role: auxiliary
                path: /dev/spidev0.0
                mode: 0
                speed_hz: 1000000
                chip_select:
                  gpio: nope
              s2:
                kind: spi
                role: auxiliary
                path: /dev/spidev0.1
                mode: 0
                speed_hz: 1000000
                chip_select:
                  gpio: button
              s3:
                kind: spi
                role: auxiliary
                path: /dev/spidev1.0
                mode: 0
                speed_hz: 1000000
                chip_select: software
              button:
                kind: gpio
                role: auxiliary
                chip: gpiochip0
                line: 17
                direction: input
            """)
        #expect(issues(yaml) == [
            #"Boards/t.yaml:19:13: devices.s1.chip_select.gpio: no device named "nope" on this board"#,
            "Boards/t.yaml:27:13: devices.s2.chip_select.gpio: devices.button is not an output; chip select needs direction output",
            #"Boards/t.yaml:34:18: devices.s3.chip_select: expected hardware or a mapping {gpio: <device name>}, got "software""#,
        ])
    }

    // MARK: Whole file

    @Test func duplicateYAMLKeys() {
        let yaml = Self.header.replacingOccurrences(of: "    role: advantics-can\n", with: "    role: advantics-can\n    kind: can\n")
        #expect(issues(yaml) == ["Boards/t.yaml:9:5: devices.advantics.kind: duplicate key (first at line 7)"])
    }

    @Test func malformedYAML() {
        let yaml = """
            board: t
            description: [unclosed
            vehicle_link: advantics
            """
        #expect(issues(yaml) == [
            "Boards/t.yaml:3:13: malformed YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 14)",
        ])
        let tabs = "board: t\n\tdescription: tab\n"
        #expect(issues(tabs) == [
            "Boards/t.yaml:2:1: malformed YAML: found a tab character that violates indentation (while scanning a plain scalar at line 1, column 8)",
        ])
    }

    @Test func emptyAndNonMappingFiles() {
        #expect(issues("") == ["Boards/t.yaml:1:1: the file is empty; a board file is a mapping with the keys board, description, vehicle_link, simulated, devices"])
        #expect(issues("- a\n- b\n") == ["Boards/t.yaml:1:1: expected a mapping with the keys board, description, vehicle_link, simulated, devices, got a list"])
        #expect(issues("board: t\n---\nboard: u\n") == [
            "Boards/t.yaml:2:1: malformed YAML: expected a single document in the stream, but found another document; a board file is one YAML document",
        ])
    }

    @Test func unreadableFile() {
        #expect(throws: BoardFileError.self) { try BoardLoader.load(path: "/nonexistent/Boards/x.yaml") }
        do {
            _ = try BoardLoader.load(path: "/nonexistent/Boards/x.yaml")
        } catch {
            #expect(error.description == "/nonexistent/Boards/x.yaml: cannot read the board file: no such file")
        }
    }

    @Test("all problems are reported, in file order")
    func collectsEverything() {
        let yaml = """
            board: t
            description: many problems
            vehicle_link: advantics
            simulated: false
            devices:
              advantics:
                kind: can
                role: advantics-can
                interface: can0
                bitrate: fast
                extended_ids: true
              relay:
                kind: gpio
                role: contactor-dc-plus
                chip: gpiochip0
                line: 5
                direction: outptu
              uart:
                kind: serial
                role: cp-helper
                path: /dev/serial0
                baud: 115200
                parity: none
            """
        let found = issues(yaml)
        #expect(found == [
            "Boards/t.yaml:10:14: devices.advantics.bitrate: expected an integer 10000…1000000, got \"fast\"",
            "Boards/t.yaml:17:16: devices.relay.direction: expected input, output or events, got \"outptu\" (did you mean output?)",
            "Boards/t.yaml:23:5: devices.uart.parity: unknown key (allowed: kind, role, description, optional, claimed_by, path, baud, framing, flow_control, firmware)",
        ])
    }

    @Test func errorsRenderOneLineEach() throws {
        let yaml = withDevices("""
              cp_uart:
                kind: serial
                role: cp-helper
                path: /dev/serial0
                baud: fast
            """)
        let error = #expect(throws: BoardFileError.self) { try BoardLoader.load(text: yaml, file: "Boards/t.yaml") }
        let issue = try #require(error?.issues.first)
        #expect(issue.file == "Boards/t.yaml")
        #expect(issue.location == FilePosition(line: 16, column: 11))
        #expect(issue.keyPath == "devices.cp_uart.baud")
        #expect(issue.message == #"expected an integer 50…4000000, got "fast""#)
    }
}

/// `firmware:` of the CP helper (esp32-cp-uart.md §11), with line-precise errors like every other key.
extension SchemaErrorTests {
    @Test func helperFirmwareRevisionsAreRead() throws {
        for revision in HelperFirmwareRevision.allCases {
            let yaml = withDevices("""
                  cp_uart:
                    kind: serial
                    role: cp-helper
                    path: /dev/serial0
                    baud: 115200
                    firmware: \(revision.rawValue)
                """)
            #expect(issues(yaml) == [])
        }
    }

    @Test func helperFirmwareUnknownRevisionAndWrongRole() {
        let bad = withDevices("""
              cp_uart:
                kind: serial
                role: cp-helper
                path: /dev/serial0
                baud: 115200
                firmware: r5
            """)
        #expect(issues(bad) == [#"Boards/t.yaml:17:15: devices.cp_uart.firmware: expected r1, r2, r3 or r4, got "r5" (did you mean r1?)"#])
        let role = withDevices("""
              imd:
                kind: serial
                role: isolation-monitor
                path: /dev/ttyUSB1
                baud: 19200
                firmware: r4
            """)
        #expect(issues(role) == ["Boards/t.yaml:17:15: devices.imd.firmware: applies only to role cp-helper (the ESP32 helper's firmware revision), not isolation-monitor"])
    }
}

/// `firmware:` of a whitebeet-host (whitebeet-hci.md §0.1: the module's EVSE API generation), with
/// line-precise errors like every other key.
extension SchemaErrorTests {
    static func whitebeetBoard(_ extra: String, role: String = "whitebeet-host") -> String {
        """
        board: t
        description: test board
        vehicle_link: whitebeet
        simulated: true
        devices:
          wb_eth:
            kind: ethernet
            role: \(role)
            interface: eth1
            ethertype: 0x6003
        \(extra)
        """
    }

    @Test func whitebeetFirmwareGenerationsAreRead() throws {
        for generation in ["gen1", "gen2"] {
            let board = try BoardLoader.load(text: Self.whitebeetBoard("    firmware: \(generation)"), file: "Boards/t.yaml")
            #expect(board.device(role: .whitebeetHost)?.whitebeetFirmware.rawValue == generation)
        }
        // Without the key: generation 2, the API every earlier board meant.
        let plain = try BoardLoader.load(text: Self.whitebeetBoard(""), file: "Boards/t.yaml")
        #expect(plain.device(role: .whitebeetHost)?.whitebeetFirmware == .gen2)
        let shipped = try BoardLoader.load(path: Repo.boards + "/sim-whitebeet-gen1.yaml")
        #expect(shipped.device(role: .whitebeetHost)?.whitebeetFirmware == .gen1)
    }

    @Test func whitebeetFirmwareUnknownValueAndWrongRole() {
        #expect(issues(Self.whitebeetBoard("    firmware: gen3")) == [#"Boards/t.yaml:11:15: devices.wb_eth.firmware: expected gen1 or gen2, got "gen3" (did you mean gen1?)"#])
        #expect(issues(Self.whitebeetBoard("    firmware: V01_01_07")) == [#"Boards/t.yaml:11:15: devices.wb_eth.firmware: expected gen1 or gen2, got "V01_01_07""#])
        let spi = withDevices("""
              plc:
                kind: spi
                role: plc-modem
                path: /dev/spidev0.0
                mode: 3
                speed_hz: 12000000
                firmware: gen1
            """)
        #expect(issues(spi) == ["Boards/t.yaml:18:15: devices.plc.firmware: applies only to role whitebeet-host (the WHITE-beet's EVSE firmware generation), not plc-modem"])
    }
}
