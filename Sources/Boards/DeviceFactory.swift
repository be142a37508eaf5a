import ESP32CPEmulator
import HAL
import SystemPackage

/// Turns device definitions into open HAL objects. The Linux factory opens the kernel devices; the
/// simulated factory makes twins whose backends tests and emulators drive. Everything above the
/// factory (BoardDevices, probe, drivers) is the same for both.
public protocol DeviceFactory: AnyObject {
    func openSPI(_ spec: SPIDeviceSpec, for device: DeviceDefinition) throws(SPIError) -> any SPIDevice
    func openSerial(_ spec: SerialDeviceSpec, for device: DeviceDefinition) throws(SerialError) -> any SerialPort
    func openGPIO(_ spec: GPIODeviceSpec, for device: DeviceDefinition) throws(GPIOError) -> any GPIOLine
    func openCAN(_ spec: CANDeviceSpec, for device: DeviceDefinition) throws(CANError) -> any CANBus
    func openEthernet(_ spec: EthernetDeviceSpec, for device: DeviceDefinition) throws(EthernetError) -> any EthernetLink
    func openI2C(_ spec: I2CDeviceSpec, for device: DeviceDefinition) throws(I2CError) -> any I2CDevice
    func openPWM(_ spec: PWMDeviceSpec, for device: DeviceDefinition) throws(PWMError) -> any PWMChannel
    /// Name, label and line count of a GPIO chip.
    func gpioChipInfo(_ chip: String) throws(GPIOError) -> GPIOChipSummary
}

/// What `gpiodetect` says about a chip.
public struct GPIOChipSummary: Sendable, Equatable {
    public var name: String
    public var label: String
    public var lines: Int

    public init(name: String, label: String, lines: Int) {
        self.name = name
        self.label = label
        self.lines = lines
    }
}

/// An open HAL object of any kind.
public enum OpenedDevice {
    case spi(any SPIDevice)
    case serial(any SerialPort)
    case gpio(any GPIOLine)
    case can(any CANBus)
    case ethernet(any EthernetLink)
    case i2c(any I2CDevice)
    case pwm(any PWMChannel)
}

/// Why a device did not open: the typed HAL error, whatever its kind.
public enum DeviceOpenError: DeviceError, Equatable {
    case spi(SPIError)
    case serial(SerialError)
    case gpio(GPIOError)
    case can(CANError)
    case ethernet(EthernetError)
    case i2c(I2CError)
    case pwm(PWMError)

    public var underlying: any DeviceError {
        switch self {
        case .spi(let e): e
        case .serial(let e): e
        case .gpio(let e): e
        case .can(let e): e
        case .ethernet(let e): e
        case .i2c(let e): e
        case .pwm(let e): e
        }
    }

    public var kind: DeviceErrorKind { underlying.kind }
    public var description: String { underlying.description }
}

extension DeviceFactory {
    /// Opens one device of any kind.
    public func open(_ device: DeviceDefinition) -> Result<OpenedDevice, DeviceOpenError> {
        switch device.spec {
        case .spi(let s):
            do throws(SPIError) { return .success(.spi(try openSPI(s, for: device))) } catch { return .failure(.spi(error)) }
        case .serial(let s):
            do throws(SerialError) { return .success(.serial(try openSerial(s, for: device))) } catch { return .failure(.serial(error)) }
        case .gpio(let s):
            do throws(GPIOError) { return .success(.gpio(try openGPIO(s, for: device))) } catch { return .failure(.gpio(error)) }
        case .can(let s):
            do throws(CANError) { return .success(.can(try openCAN(s, for: device))) } catch { return .failure(.can(error)) }
        case .ethernet(let s):
            do throws(EthernetError) { return .success(.ethernet(try openEthernet(s, for: device))) } catch { return .failure(.ethernet(error)) }
        case .i2c(let s):
            do throws(I2CError) { return .success(.i2c(try openI2C(s, for: device))) } catch { return .failure(.i2c(error)) }
        case .pwm(let s):
            do throws(PWMError) { return .success(.pwm(try openPWM(s, for: device))) } catch { return .failure(.pwm(error)) }
        }
    }
}

// MARK: - Linux

/// Opens the kernel devices through the HAL's Linux classes.
public final class LinuxDeviceFactory: DeviceFactory {
    /// Shown by `gpioinfo` as the holder of requested lines.
    public let consumer: String

    public init(consumer: String = "chargekit") { self.consumer = consumer }

    public func openSPI(_ spec: SPIDeviceSpec, for device: DeviceDefinition) throws(SPIError) -> any SPIDevice {
        try LinuxSPIDevice(path: spec.path, config: spec.config)
    }

    public func openSerial(_ spec: SerialDeviceSpec, for device: DeviceDefinition) throws(SerialError) -> any SerialPort {
        try LinuxSerialPort(path: spec.path, config: spec.config)
    }

    public func openGPIO(_ spec: GPIODeviceSpec, for device: DeviceDefinition) throws(GPIOError) -> any GPIOLine {
        var config = spec.config
        config.consumer = consumer
        return try LinuxGPIOLine(config)
    }

    public func openCAN(_ spec: CANDeviceSpec, for device: DeviceDefinition) throws(CANError) -> any CANBus {
        try LinuxCANBus(interface: spec.interface)
    }

    public func openEthernet(_ spec: EthernetDeviceSpec, for device: DeviceDefinition) throws(EthernetError) -> any EthernetLink {
        let link = try LinuxEthernetLink(interface: spec.interface, etherType: spec.etherType)
        if spec.promiscuous { try link.setPromiscuous(true) }
        return link
    }

    public func openI2C(_ spec: I2CDeviceSpec, for device: DeviceDefinition) throws(I2CError) -> any I2CDevice {
        try LinuxI2CDevice(bus: spec.bus, address: spec.address)
    }

    /// Exports the channel when needed; the driver sets period and duty when it starts.
    public func openPWM(_ spec: PWMDeviceSpec, for device: DeviceDefinition) throws(PWMError) -> any PWMChannel {
        try SysfsPWMChannel(chip: spec.chip, channel: spec.channel)
    }

    public func gpioChipInfo(_ chip: String) throws(GPIOError) -> GPIOChipSummary {
        let info = try LinuxGPIOLine.chipInfo(chip)
        return GPIOChipSummary(name: info.name, label: info.label, lines: info.lines)
    }
}

// MARK: - Simulated

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
            let port = try EmulatedHelperPort(path: spec.path, config: spec.config, script: helperScript)
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
        let twin = SimulatedCANBus(interface: spec.interface, bitrate: spec.bitrate ?? 500_000)
        twins[device.name] = .can(twin)
        return twin
    }

    public func openEthernet(_ spec: EthernetDeviceSpec, for device: DeviceDefinition) throws(EthernetError) -> any EthernetLink {
        if absent.contains(device.name) { throw .open(spec.interface, errno: .operationNotSupportedByDevice) }
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

// MARK: - SPI read-back

/// SPI devices that can tell what the controller is set to (`boardctl probe`).
public protocol SPIConfigurationReadBack {
    func readBackConfiguration() throws(SPIError) -> SPIConfig
}

extension LinuxSPIDevice: SPIConfigurationReadBack {}

extension SimulatedSPIDevice: SPIConfigurationReadBack {
    public func readBackConfiguration() throws(SPIError) -> SPIConfig {
        if backend.vanished { throw .configure(path, setting: "mode (read back)", errno: .operationNotSupportedByDevice) }
        return configuration
    }
}
