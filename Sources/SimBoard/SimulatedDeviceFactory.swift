import Boards
import ESP32CPEmulator
import HAL
import SystemPackage

/// Makes simulated twins. Every twin it makes stays reachable through `twins` (by device name), so a
/// test or an emulator can drive its backend. A QCA7000 (`plc-modem` on SPI) twin is driven by the
/// `SimulatedQCA7000` chip model (registers, buffers, framing), whose interrupt output is the
/// board's `plc-interrupt` line twin. Names in `absent` fail to open with the error the Linux
/// factory would give for a missing device, which lets tests show a board with hardware missing on
/// any host.
public final class SimulatedDeviceFactory: DeviceFactory {
    public var absent: Set<String>
    public private(set) var twins: [String: OpenedDevice] = [:]
    /// Chip labels reported by `gpioChipInfo` (default "simulated").
    public var chipLabel = "simulated"
    /// What the emulated ESP32 CP helper's vehicle does (nil: it stays unplugged, state A).
    public var helperScript: EmulatorScript?
    /// The chip model behind the `plc-modem` SPI twin, once opened.
    public private(set) var qca7000: SimulatedQCA7000?
    private var plcInterrupt: SimulatedGPIOLine?
    private var nextMAC: UInt64 = 1

    public init(absent: Set<String> = []) { self.absent = absent }

    public func openSPI(_ spec: SPIDeviceSpec, for device: DeviceDefinition) throws(SPIError) -> any SPIDevice {
        if absent.contains(device.name) { throw .open(spec.path, errno: .noSuchFileOrDirectory) }
        let twin = SimulatedSPIDevice(path: spec.path, config: spec.config)
        if device.role == .plcModem { qca7000 = SimulatedQCA7000(device: twin, interruptLine: plcInterrupt) }
        twins[device.name] = .spi(twin)
        return twin
    }

    public func openSerial(_ spec: SerialDeviceSpec, for device: DeviceDefinition) throws(SerialError) -> any SerialPort {
        if absent.contains(device.name) { throw .open(spec.path, errno: .noSuchFileOrDirectory) }
        if device.role == .cpHelper {
            // The CP helper is the ESP32 emulator on a pseudo-terminal (its own thread): the charger
            // side runs through the real tty shim, exactly as on the Pi's /dev/serial0.
            // The board file's `firmware:` picks the revision the emulator plays (R1 when unset).
            let revision = spec.helperFirmware.flatMap { ESP32CPEmulator.Revision(rawValue: $0.rawValue) } ?? .r1
            let port = try EmulatedHelperPort(path: spec.path, config: spec.config, script: helperScript, revision: revision)
            twins[device.name] = .serial(port)
            return port
        }
        let twin = SimulatedSerialPort(path: spec.path, config: spec.config)
        twins[device.name] = .serial(twin)
        return twin
    }

    public func openGPIO(_ spec: GPIODeviceSpec, for device: DeviceDefinition) throws(GPIOError) -> any GPIOLine {
        if absent.contains(device.name) { throw .open(spec.config.label, errno: .noSuchFileOrDirectory) }
        let twin = SimulatedGPIOLine(spec.config)
        twins[device.name] = .gpio(twin)
        if device.role == .plcInterrupt {
            plcInterrupt = twin
            qca7000?.attachInterrupt(twin)
        }
        return twin
    }

    public func openCAN(_ spec: CANDeviceSpec, for device: DeviceDefinition) throws(CANError) -> any CANBus {
        if absent.contains(device.name) { throw .open(spec.interface, errno: .operationNotSupportedByDevice) }
        // python-can's multicast bus is the way other processes reach a simulated board: real sockets.
        if spec.transport == .udpMulticast { return try UDPMulticastCANBus(interface: spec.interface) }
        let twin = SimulatedCANBus(interface: spec.interface, bitrate: spec.bitrate ?? 500_000)
        twins[device.name] = .can(twin)
        return twin
    }

    public func openEthernet(_ spec: EthernetDeviceSpec, for device: DeviceDefinition) throws(EthernetError) -> any EthernetLink {
        if absent.contains(device.name) { throw .open(spec.interface, errno: .operationNotSupportedByDevice) }
        // `transport: kernel-packet`: the far end is another process on a kernel link (a veth end), so the
        // frames take a real AF_PACKET socket, as on the hardware board.
        if spec.transport == .kernelPacket { return try LinuxDeviceFactory().openEthernet(spec, for: device) }
        // Locally administered, numbered in opening order: the same board gives the same MACs.
        let mac = MACAddress(rawValue: 0x02_00_00_00_00_00 | nextMAC)
        nextMAC += 1
        let twin = SimulatedEthernetLink(interface: spec.interface, macAddress: mac, etherType: spec.etherType)
        twins[device.name] = .ethernet(twin)
        return twin
    }

    public func openI2C(_ spec: I2CDeviceSpec, for device: DeviceDefinition) throws(I2CError) -> any I2CDevice {
        if absent.contains(device.name) { throw .open(spec.bus, errno: .noSuchFileOrDirectory) }
        let twin = SimulatedI2CDevice(bus: spec.bus, address: spec.address)
        twins[device.name] = .i2c(twin)
        return twin
    }

    public func openPWM(_ spec: PWMDeviceSpec, for device: DeviceDefinition) throws(PWMError) -> any PWMChannel {
        if absent.contains(device.name) {
            throw .export("/sys/class/pwm/pwmchip\(spec.chip)", channel: spec.channel, errno: .noSuchFileOrDirectory)
        }
        let twin = SimulatedPWMChannel(label: device.address)
        twins[device.name] = .pwm(twin)
        return twin
    }

    public func gpioChipInfo(_ chip: String) throws(GPIOError) -> GPIOChipSummary {
        GPIOChipSummary(name: normalizedChip(chip), label: chipLabel, lines: 64)
    }
}

extension SimulatedSPIDevice: SPIConfigurationReadBack {
    public func readBackConfiguration() throws(SPIError) -> SPIConfig {
        if backend.vanished { throw .configure(path, setting: "mode (read back)", errno: .operationNotSupportedByDevice) }
        return configuration
    }
}
