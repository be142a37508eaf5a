import WhitebeetHCI
import AdvanticsCAN
import CPHelperProtocol
import HAL

/// A position in a board file (1-based line and column, as editors show them).
public struct FilePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: FilePosition, b: FilePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// How the charger reaches the car.
public enum VehicleLink: String, Sendable, CaseIterable {
    /// QCA7000 PLC modem; SLAC and ISO 15118/DIN 70121 run in ChargeKit.
    case ownStack = "own-stack"
    /// A WHITE-beet module runs SLAC and V2G; ChargeKit drives it over its host control interface.
    case whitebeet
    /// An ADVANTICS charge controller runs everything and asks ChargeKit only for power, over CAN.
    case advantics
    /// The vehicle side: ChargeKit is the BMS/VCU behind an ADVANTICS vehicle controller (EVCC) on the
    /// generic PEV CAN interface v2, a bench that drives the EVCC (advantics-can.md §2).
    case advanticsPEV = "advantics-pev"
}

/// `isolation_monitor:` of a board: the insulation monitoring device the DC cable check uses
/// (IEC 61851-23 cable check, v2g-session.md §2). No IMD driver exists yet, so a board says what the
/// cable check does without one — never a silent pass.
public enum IsolationMonitorChoice: String, Sendable, CaseIterable {
    /// No IMD: the cable check's IMD self-test fails, the car is told the cable check failed and no
    /// energy flows.
    case none
    /// A bench without high voltage: the cable check runs its voltage steps but isolation is NOT
    /// measured; a fixed good reading is reported and every session logs that it was not measured.
    case benchUnmeasured = "bench-unmeasured"
}

/// The bus a device sits on. One HAL protocol per kind.
public enum DeviceKind: String, Sendable, CaseIterable {
    case spi, serial, gpio, can, ethernet, i2c
    /// A hardware PWM channel under /sys/class/pwm (the direct Pi CP generator).
    case pwm
}

/// A board: read-only wiring facts, loaded once from `Boards/<name>.yaml` and never mutated. Runtime
/// state (open descriptors, line levels) lives in `BoardDevices`, not here.
public struct BoardDefinition: Sendable, Equatable {
    /// `board:`; equals the file name without `.yaml`.
    public var name: String
    public var description: String
    public var vehicleLink: VehicleLink
    /// True for boards whose devices are simulated twins (no hardware at all).
    public var simulated: Bool
    /// In the order the file lists them, which is also the order they are opened in.
    public var devices: [DeviceDefinition]
    /// The file it came from, as given to the loader.
    public var file: String
    /// Where `vehicle_link:` stands (for messages about what the link needs).
    public var vehicleLinkLocation: FilePosition?
    /// `isolation_monitor:` — what the DC cable check measures isolation with (nil: not said, which
    /// composes as `none`: the cable check fails).
    public var isolationMonitor: IsolationMonitorChoice?
    public var isolationMonitorLocation: FilePosition?
    /// `simulated_power_plant: true`: real kernel devices, but the DC supply, isolation monitor, meter and
    /// the vehicle's battery are the simulated plant (a HIL bench, whose contactor coils are real
    /// outputs). Optional, default false: a real board's power drivers are used (planned).
    public var simulatedPowerPlant = false

    public init(name: String, description: String, vehicleLink: VehicleLink, simulated: Bool,
                devices: [DeviceDefinition], file: String) {
        self.name = name
        self.description = description
        self.vehicleLink = vehicleLink
        self.simulated = simulated
        self.devices = devices
        self.file = file
    }

    public func device(named name: String) -> DeviceDefinition? { devices.first { $0.name == name } }

    /// Devices with `role`, in file order.
    public func devices(role: DeviceRole) -> [DeviceDefinition] { devices.filter { $0.role == role } }

    /// The one device with `role` (roles drivers attach to are unique per board).
    public func device(role: DeviceRole) -> DeviceDefinition? { devices.first { $0.role == role } }
}

/// One named device of a board.
public struct DeviceDefinition: Sendable, Equatable {
    /// The key under `devices:` (lowercase, digits, underscores).
    public var name: String
    /// What drivers attach by.
    public var role: DeviceRole
    public var description: String?
    /// An optional device may be missing (an add-on sensor): probe reports it, the board still counts
    /// as ready.
    public var optional: Bool
    /// Set when a kernel driver owns the device (the QCA7000 interrupt line under `qcaspi`): the file
    /// documents the wiring, but nothing in user space opens it.
    public var claimedBy: String?
    public var spec: DeviceSpec
    /// Where the device's name stands in the file.
    public var location: FilePosition

    public init(name: String, role: DeviceRole, description: String? = nil, optional: Bool = false,
                claimedBy: String? = nil, spec: DeviceSpec, location: FilePosition) {
        self.name = name
        self.role = role
        self.description = description
        self.optional = optional
        self.claimedBy = claimedBy
        self.spec = spec
        self.location = location
    }

    public var kind: DeviceKind { spec.kind }

    /// The EVSE API of the WHITE-beet behind a whitebeet-host device: its `firmware:` setting,
    /// generation 2 when the board names none.
    public var whitebeetFirmware: EVSEFirmwareGeneration {
        switch spec {
        case .ethernet(let e): e.whitebeetFirmware ?? .gen2
        case .spi(let s): s.whitebeetFirmware ?? .gen2
        default: .gen2
        }
    }

    /// Path, interface or line, as tables and messages show it: "/dev/spidev0.0", "gpiochip0:23",
    /// "can0", "eth1", "/dev/i2c-1@0x48".
    public var address: String { spec.address }
}

/// Kind-specific settings.
public enum DeviceSpec: Sendable, Equatable {
    case spi(SPIDeviceSpec)
    case serial(SerialDeviceSpec)
    case gpio(GPIODeviceSpec)
    case can(CANDeviceSpec)
    case ethernet(EthernetDeviceSpec)
    case i2c(I2CDeviceSpec)
    case pwm(PWMDeviceSpec)

    public var kind: DeviceKind {
        switch self {
        case .spi: .spi
        case .serial: .serial
        case .gpio: .gpio
        case .can: .can
        case .ethernet: .ethernet
        case .i2c: .i2c
        case .pwm: .pwm
        }
    }

    public var address: String {
        switch self {
        case .spi(let s): s.path
        case .serial(let s): s.path
        case .gpio(let g): g.config.label
        case .can(let c): c.interface
        case .ethernet(let e): e.interface
        case .i2c(let i): "\(i.bus)@\(hex(i.address, digits: 2))"
        case .pwm(let p): "pwmchip\(p.chip)/pwm\(p.channel)"
        }
    }
}

/// Who drives chip select of an SPI device.
public enum SPIChipSelect: Sendable, Equatable {
    /// The controller's CE line (spidevB.C: C is the CE number).
    case hardware
    /// A GPIO output the driver toggles around each transfer; names another device of the board.
    case gpio(device: String)
}

public struct SPIDeviceSpec: Sendable, Equatable {
    public var path: String
    /// Mode, bits and clock; `hardwareChipSelect` is false when `chipSelect` is a GPIO.
    public var config: SPIConfig
    public var chipSelect: SPIChipSelect
    /// `tap:` of a user-space QCA7000: the TAP interface its non-HomePlug frames are bridged to, which
    /// carries SDP and V2G (issue 14 item 2); nil: SLAC only.
    public var tap: String?
    /// A whitebeet-host's EVSE firmware generation (`firmware: gen1|gen2`, whitebeet-hci.md §0.1).
    public var whitebeetFirmware: EVSEFirmwareGeneration?

    public init(path: String, config: SPIConfig, chipSelect: SPIChipSelect = .hardware, tap: String? = nil,
                whitebeetFirmware: EVSEFirmwareGeneration? = nil) {
        self.path = path
        self.config = config
        self.chipSelect = chipSelect
        self.tap = tap
        self.whitebeetFirmware = whitebeetFirmware
    }
}

public struct SerialDeviceSpec: Sendable, Equatable {
    public var path: String
    public var config: SerialConfig
    /// `firmware:` of a cp-helper: which ESP32 helper firmware revision it runs (esp32-cp-uart.md §11);
    /// nil when the board file does not say (then only the CP calls of every revision are used).
    public var helperFirmware: HelperFirmwareRevision?

    public init(path: String, config: SerialConfig, helperFirmware: HelperFirmwareRevision? = nil) {
        self.path = path
        self.config = config
        self.helperFirmware = helperFirmware
    }
}

public struct GPIODeviceSpec: Sendable, Equatable {
    /// Chip, line, direction (with the initial level of an output and the edge of an event line),
    /// bias and polarity, ready for `LinuxGPIOLine`.
    public var config: GPIOLineConfig

    public init(config: GPIOLineConfig) { self.config = config }
}

public struct CANDeviceSpec: Sendable, Equatable {
    public var interface: String
    /// The bitrate the link must run at (nil: not checked, e.g. vcan).
    public var bitrate: UInt32?
    /// Automatic restart delay after bus-off the link should be configured with.
    public var restartMilliseconds: UInt32?
    /// The protocol on this bus uses 29-bit identifiers.
    public var extendedIDs: Bool
    /// What carries the frames (`transport:`; SocketCAN unless the board says otherwise).
    public var transport: CANTransport
    /// `pev_scaling:` (role advantics-pev-can only): the installed EVCC firmware's resolutions
    /// (advantics-can.md §2.8); nil → the documented default, DB v2.5.
    public var pevScaling: PEVScaling?
    /// `pev_bidirectional:` (role advantics-pev-can only): the vehicle behind the PEV role can discharge
    /// (advantics-can.md §2.7-D5, `is_bidirectional` in ISO 15118-20 Dynamic mode): the role offers its
    /// discharge limits and the simulated boards give it a pack that counts energy both ways.
    public var pevBidirectional: Bool
    /// `pev_scheduled_control:` (role advantics-pev-can only): in ISO 15118-20 Scheduled mode, whether
    /// the vehicle asks the controller for current or voltage control (advantics-can.md §2.7-D6,
    /// `EV_Status.ISO15118_Part20_Scheduled_Mode_Control`); nil → current control, the controller's default.
    public var pevScheduledControl: PEVScheduledControl?

    public init(interface: String, bitrate: UInt32? = nil, restartMilliseconds: UInt32? = nil, extendedIDs: Bool = false,
                transport: CANTransport = .socketCAN, pevScaling: PEVScaling? = nil, pevBidirectional: Bool = false,
                pevScheduledControl: PEVScheduledControl? = nil) {
        self.interface = interface
        self.bitrate = bitrate
        self.restartMilliseconds = restartMilliseconds
        self.extendedIDs = extendedIDs
        self.transport = transport
        self.pevScaling = pevScaling
        self.pevBidirectional = pevBidirectional
        self.pevScheduledControl = pevScheduledControl
    }
}

/// A CAN device's `pev_scheduled_control:` (ISO 15118-20 Scheduled mode, advantics-can.md §2.7-D6).
public enum PEVScheduledControl: String, Sendable, Equatable, CaseIterable {
    case current
    case voltage
}

/// A CAN device's `transport:`.
public enum CANTransport: String, Sendable, Equatable, CaseIterable {
    /// A kernel CAN interface (`interface:` is can0, vcan0…); twins on a simulated board.
    case socketCAN = "socketcan"
    /// python-can's `udp_multicast` bus (`UDPMulticastCANBus`): `interface:` is the IP interface the
    /// multicast group is joined on. Real sockets even on a simulated board, so other processes on the
    /// host (python-can, cantools) can join the bus.
    case udpMulticast = "udp-multicast"
}

public struct EthernetDeviceSpec: Sendable, Equatable {
    public var interface: String
    public var etherType: UInt16
    /// The MAC of the far end where it is fixed (a WHITE-beet's host-interface MAC).
    public var peerMAC: MACAddress?
    /// Receive frames for every destination.
    public var promiscuous: Bool
    /// What carries the frames (`transport:`; a twin on a simulated board unless the board says otherwise).
    public var transport: EthernetTransport
    /// A whitebeet-host's EVSE firmware generation (`firmware: gen1|gen2`, whitebeet-hci.md §0.1).
    public var whitebeetFirmware: EVSEFirmwareGeneration?

    public init(interface: String, etherType: UInt16, peerMAC: MACAddress? = nil, promiscuous: Bool = false,
                transport: EthernetTransport = .packet, whitebeetFirmware: EVSEFirmwareGeneration? = nil) {
        self.interface = interface
        self.etherType = etherType
        self.peerMAC = peerMAC
        self.promiscuous = promiscuous
        self.transport = transport
        self.whitebeetFirmware = whitebeetFirmware
    }
}

/// An Ethernet device's `transport:`.
public enum EthernetTransport: String, Sendable, Equatable, CaseIterable {
    /// An AF_PACKET socket on the kernel interface; a twin on a simulated board.
    case packet
    /// An AF_PACKET socket on the kernel interface even on a simulated board: the far end is another
    /// process on that link (`boardctl whitebeet emulate` on the other end of a veth pair), while the
    /// rest of the board stays simulated.
    case kernelPacket = "kernel-packet"
}

public struct I2CDeviceSpec: Sendable, Equatable {
    public var bus: String
    public var address: UInt8

    public init(bus: String, address: UInt8) {
        self.bus = bus
        self.address = address
    }
}

/// A sysfs PWM channel: /sys/class/pwm/pwmchip<chip>/pwm<channel>.
public struct PWMDeviceSpec: Sendable, Equatable {
    public var chip: Int
    public var channel: UInt32
    /// The period the driver runs the channel at (the control pilot: 1 ms, 1 kHz).
    public var periodNanoseconds: Int64
    /// The stage after the pin inverts (a high pin gives the low level on the line).
    public var inverted: Bool

    public init(chip: Int, channel: UInt32, periodNanoseconds: Int64 = 1_000_000, inverted: Bool = false) {
        self.chip = chip
        self.channel = channel
        self.periodNanoseconds = periodNanoseconds
        self.inverted = inverted
    }
}

/// "0x48", "0x88E1".
func hex<T: BinaryInteger>(_ value: T, digits: Int) -> String {
    let s = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
}
