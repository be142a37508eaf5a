import HAL

/// The open HAL objects of one board: runtime state, kept apart from the read-only `BoardDefinition`.
/// Drivers ask for their hardware by role (`devices.spi(.plcModem)`); tools may ask by name.
///
/// Devices open in the order the board file lists them and close when this object goes away.
/// Devices a kernel driver holds (`claimed_by`) are never opened.
public final class BoardDevices {
    public let board: BoardDefinition
    /// Open devices by name.
    public private(set) var opened: [String: OpenedDevice] = [:]
    /// Devices that did not open, in board order.
    public private(set) var failures: [(device: DeviceDefinition, error: DeviceOpenError)] = []

    private init(board: BoardDefinition) { self.board = board }

    /// Opens every device it can; what fails is listed in `failures`.
    public static func openAvailable(_ board: BoardDefinition, factory: any DeviceFactory) -> BoardDevices {
        let devices = BoardDevices(board: board)
        for d in board.devices where d.claimedBy == nil {
            switch factory.open(d) {
            case .success(let device): devices.opened[d.name] = device
            case .failure(let error): devices.failures.append((d, error))
            }
        }
        return devices
    }

    /// Opens the board for a program that needs it whole: fails when a device that is not optional
    /// did not open (every such device is named in the error).
    public static func open(_ board: BoardDefinition, factory: any DeviceFactory) throws(BoardOpenError) -> BoardDevices {
        let devices = openAvailable(board, factory: factory)
        let fatal = devices.failures.filter { !$0.device.optional }
        guard fatal.isEmpty else {
            throw BoardOpenError(board: board.name, failures: fatal.map { ($0.device.name, $0.error) })
        }
        return devices
    }

    public subscript(name: String) -> OpenedDevice? { opened[name] }

    /// The open device with `role` (the first in board order when the role may repeat).
    public func device(_ role: DeviceRole) -> OpenedDevice? {
        board.devices(role: role).lazy.compactMap { self.opened[$0.name] }.first
    }

    public func spi(_ role: DeviceRole) -> (any SPIDevice)? {
        if case .spi(let d)? = device(role) { d } else { nil }
    }

    public func serial(_ role: DeviceRole) -> (any SerialPort)? {
        if case .serial(let d)? = device(role) { d } else { nil }
    }

    public func gpio(_ role: DeviceRole) -> (any GPIOLine)? {
        if case .gpio(let d)? = device(role) { d } else { nil }
    }

    public func can(_ role: DeviceRole) -> (any CANBus)? {
        if case .can(let d)? = device(role) { d } else { nil }
    }

    public func ethernet(_ role: DeviceRole) -> (any EthernetLink)? {
        if case .ethernet(let d)? = device(role) { d } else { nil }
    }

    public func i2c(_ role: DeviceRole) -> (any I2CDevice)? {
        if case .i2c(let d)? = device(role) { d } else { nil }
    }

    public func pwm(_ role: DeviceRole) -> (any PWMChannel)? {
        if case .pwm(let d)? = device(role) { d } else { nil }
    }

    /// The GPIO output that drives chip select of SPI device `name`, when the board says so.
    public func chipSelectLine(forSPI name: String) -> (any GPIOLine)? {
        guard case .spi(let spec)? = board.device(named: name)?.spec, case .gpio(let line) = spec.chipSelect,
              case .gpio(let g)? = opened[line] else { return nil }
        return g
    }
}

/// Devices a board needs that did not open.
public struct BoardOpenError: Error, CustomStringConvertible {
    public var board: String
    public var failures: [(device: String, error: DeviceOpenError)]

    public var description: String {
        (["board \(board): \(failures.count) device\(failures.count == 1 ? "" : "s") did not open"]
            + failures.map { "  \($0.device): \($0.error)" }).joined(separator: "\n")
    }
}
