import Boards
import HAL
import WhitebeetEmulator
import WhitebeetHCI
import WhitebeetHost

/// How the host reaches a WHITE-beet on a board: its `whitebeet-host` device as the board file wires
/// it — raw Ethernet (whitebeet-hci.md §1, the module at `peer_mac`) or SPI with the chip-select,
/// RX_READY and TX_PENDING lines (§2). On a simulated board the module emulator is put on the far
/// end of the twins here (the composition's choice; no driver or controller imports it).
public struct WhitebeetWiring {
    /// FreeV2G's default EVSE module host-interface MAC, when the board names no `peer_mac`.
    public static let defaultModuleMAC = MACAddress(0x00, 0x01, 0x01, 0x63, 0x77, 0x33)

    public let transport: any WhitebeetTransport
    /// "Ethernet eth1 → 00:01:01:63:77:33" or "SPI /dev/spidev0.0": for logs and tools.
    public let summary: String
    /// The emulated module behind a simulated board's twins (nil on real hardware).
    public let emulator: WhitebeetModuleEmulator?

    /// Why a board's WHITE-beet link cannot be built.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The transport over `board`'s opened devices (`device(role)`: the opened device and its
    /// definition); with `emulate` on a simulated board, the emulator on the other end.
    public static func make(board: BoardDefinition, device: (DeviceRole) -> (DeviceDefinition, OpenedDevice)?,
                            car: ScriptedCarSession = ScriptedCarSession(),
                            gen1Car: ScriptedGen1CarSession? = nil) throws(Failure) -> WhitebeetWiring {
        guard let host = device(.whitebeetHost) else {
            throw Failure(description: "\(board.file): no open whitebeet-host device")
        }
        let (definition, opened) = host
        switch opened {
        case .ethernet(let link):
            var moduleMAC = defaultModuleMAC
            if case .ethernet(let spec) = definition.spec, let peer = spec.peerMAC { moduleMAC = peer }
            let transport = WhitebeetEthernetTransport(link: link, moduleMAC: moduleMAC)
            var emulator: WhitebeetModuleEmulator?
            if board.simulated, let twin = link as? SimulatedEthernetLink {
                let moduleEnd = SimulatedEthernetLink(interface: "whitebeet-module", macAddress: moduleMAC, etherType: HCIEthernet.etherType)
                SimulatedEthernetLink.connect(twin, moduleEnd)
                emulator = gen1Car.map { WhitebeetModuleEmulator(link: moduleEnd, moduleMAC: moduleMAC, gen1Car: $0) }
                    ?? WhitebeetModuleEmulator(link: moduleEnd, moduleMAC: moduleMAC, car: car)
            }
            return WhitebeetWiring(transport: transport, summary: "Ethernet \(link.interface) → module \(moduleMAC)", emulator: emulator)
        case .spi(let spi):
            func line(_ role: DeviceRole) throws(Failure) -> (DeviceDefinition, any GPIOLine) {
                guard let found = device(role), case .gpio(let l) = found.1 else {
                    throw Failure(description: "\(board.file): the SPI whitebeet-host \(definition.name) needs an open \(role.rawValue) line")
                }
                return (found.0, l)
            }
            let (csDefinition, cs) = try line(.whitebeetChipSelect)
            let (_, rxReady) = try line(.whitebeetRxReady)
            let (_, txPending) = try line(.whitebeetTxPending)
            // NSS is selected electrically low (§2.1): logical 1 on an `active_low` line.
            var selectLevel = false
            if case .gpio(let spec) = csDefinition.spec { selectLevel = spec.config.activeLow }
            let transport = WhitebeetSPITransport(spi: spi, chipSelect: cs, rxReady: rxReady, txPending: txPending, selectLevel: selectLevel)
            var emulator: WhitebeetModuleEmulator?
            if board.simulated, let twin = spi as? SimulatedSPIDevice, let c = cs as? SimulatedGPIOLine,
               let r = rxReady as? SimulatedGPIOLine, let t = txPending as? SimulatedGPIOLine {
                let port = WhitebeetModuleEmulator.SPIPort(device: twin, chipSelect: c, rxReady: r, txPending: t, selectLevel: selectLevel)
                emulator = gen1Car.map { WhitebeetModuleEmulator(spi: port, gen1Car: $0) } ?? WhitebeetModuleEmulator(spi: port, car: car)
            }
            return WhitebeetWiring(transport: transport, summary: "SPI \(spi.path)", emulator: emulator)
        default:
            throw Failure(description: "\(board.file): whitebeet-host \(definition.name) must be an ethernet or spi device")
        }
    }

    /// The lookup over a composition's opened devices.
    public static func lookup(_ devices: BoardDevices) -> (DeviceRole) -> (DeviceDefinition, OpenedDevice)? {
        { role in
            guard let d = devices.board.device(role: role), let o = devices[d.name] else { return nil }
            return (d, o)
        }
    }
}
