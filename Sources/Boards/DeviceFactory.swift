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
        switch spec.transport {
        case .socketCAN: return try LinuxCANBus(interface: spec.interface)
        case .udpMulticast: return try UDPMulticastCANBus(interface: spec.interface)
        }
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

// MARK: - SPI read-back

/// SPI devices that can tell what the controller is set to (`boardctl probe`).
public protocol SPIConfigurationReadBack {
    func readBackConfiguration() throws(SPIError) -> SPIConfig
}

extension LinuxSPIDevice: SPIConfigurationReadBack {}
