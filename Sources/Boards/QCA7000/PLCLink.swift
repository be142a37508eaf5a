import Drivers
import HAL

/// The link that carries HomePlug frames on a board (its `plc-modem`): the `qcaspi` netdev (an
/// `ethernet` device, e.g. eth1), or the QCA7000 on spidev driven by `QCA7000Driver` (an `spi`
/// device plus the `plc-interrupt` line). SLAC and V2G get an `EthernetLink` either way.
public struct PLCLink {
    public let link: any EthernetLink
    /// The user-space driver, to add to the tick loop before the frame pump (nil for the netdev).
    public let driver: QCA7000Driver?
    /// What was opened (kept open as long as this value lives).
    public let devices: [OpenedDevice]

    /// Opens only the PLC devices of `board` (nothing else on the board is touched).
    /// - Parameter hostMAC: the host's MAC behind the user-space driver (the chip has none for its
    ///   host; qcaspi without a device-tree MAC also picks a random one).
    public static func open(_ board: BoardDefinition, factory: any DeviceFactory, hostMAC: MACAddress) throws(PLCLinkError) -> PLCLink {
        guard let modem = board.devices(role: .plcModem).first else { throw .noModem(board.name) }
        if let owner = modem.claimedBy { throw .claimed(modem.name, by: owner) }
        let opened: OpenedDevice
        switch factory.open(modem) {
        case .success(let d): opened = d
        case .failure(let e): throw .open(modem.name, e)
        }
        switch opened {
        case .ethernet(let link):
            return PLCLink(link: link, driver: nil, devices: [opened])
        case .spi(let spi):
            var devices = [opened]
            var line: (any GPIOLine)?
            if let int = board.devices(role: .plcInterrupt).first, int.claimedBy == nil {
                switch factory.open(int) {
                case .success(let d):
                    devices.append(d)
                    if case .gpio(let g) = d { line = g }
                case .failure(let e): throw .open(int.name, e)
                }
            }
            let driver = QCA7000Driver(spi: spi, interruptLine: line, macAddress: hostMAC)
            return PLCLink(link: driver, driver: driver, devices: devices)
        default:
            throw .unsupported(modem.name)
        }
    }
}

extension PLCLink {
    /// The PLC link of a board whose devices are already open (`chargerd`): the `plc-modem` netdev, or
    /// the QCA7000 driver over the open SPI device and `plc-interrupt` line.
    public static func make(_ devices: BoardDevices, hostMAC: MACAddress) throws(PLCLinkError) -> PLCLink {
        let board = devices.board
        guard let modem = board.devices(role: .plcModem).first else { throw .noModem(board.name) }
        if let owner = modem.claimedBy { throw .claimed(modem.name, by: owner) }
        switch devices[modem.name] {
        case .ethernet(let link)?:
            return PLCLink(link: link, driver: nil, devices: [.ethernet(link)])
        case .spi(let spi)?:
            let line = devices.gpio(.plcInterrupt)
            let driver = QCA7000Driver(spi: spi, interruptLine: line, macAddress: hostMAC)
            return PLCLink(link: driver, driver: driver, devices: [.spi(spi)])
        case nil:
            throw .notOpen(modem.name)
        default:
            throw .unsupported(modem.name)
        }
    }
}

public enum PLCLinkError: Error, CustomStringConvertible {
    case noModem(String)
    case claimed(String, by: String)
    case open(String, DeviceOpenError)
    case unsupported(String)
    case notOpen(String)

    public var description: String {
        switch self {
        case .noModem(let b): "board \(b) has no plc-modem device"
        case let .claimed(d, owner): "\(d) is held by \(owner); use the board's netdev instead"
        case let .open(d, e): "\(d): \(e)"
        case .unsupported(let d): "\(d): a plc-modem is an ethernet (qcaspi) or spi (user-space) device"
        case .notOpen(let d): "\(d) did not open"
        }
    }
}
