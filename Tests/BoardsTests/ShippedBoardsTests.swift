import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Foundation
import HAL
import Testing

@Suite("Shipped board files")
struct ShippedBoardsTests {
    static let shipped = ["rpi4-advantics-can", "rpi4-qca7000-directcp", "rpi4-qca7000-esp32", "rpi4-qca7000-spidev", "rpi4-whitebeet-eth",
                          "rpi4-whitebeet-spi", "sim-advantics-pev-udp", "sim-advantics-pev", "sim-advantics-udp", "sim-advantics", "sim-whitebeet-gen1", "sim-whitebeet-spi", "sim-whitebeet-veth", "sim-whitebeet", "sim"]

    @Test("Boards/ holds exactly the boards this suite knows")
    func inventory() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repo.boards).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files == Self.shipped.map { $0 + ".yaml" })
    }

    @Test("every shipped board validates", arguments: shipped)
    func validates(_ name: String) throws {
        let board = try BoardLoader.load(path: "\(Repo.boards)/\(name).yaml")
        #expect(board.name == name)
        #expect(!board.devices.isEmpty)
    }

    @Test("each board has an Overlays file", arguments: shipped.filter { !$0.hasPrefix("sim") })
    func overlayFileExists(_ name: String) {
        #expect(FileManager.default.fileExists(atPath: "\(Repo.root)/Overlays/\(name).txt"))
    }

    @Test func simMirrorsTheOwnStackHardware() throws {
        let sim = try BoardLoader.load(path: Repo.boards + "/sim.yaml")
        #expect(sim.simulated)
        #expect(sim.vehicleLink == .ownStack)
        #expect(Set(sim.devices.map(\.kind)) == Set(DeviceKind.allCases))
        guard case .spi(let plc)? = sim.device(role: .plcModem)?.spec else {
            Issue.record("sim has no SPI plc-modem")
            return
        }
        #expect(plc.config == SPIConfig(mode: .mode3, bitsPerWord: 8, speedHz: 12_000_000))
        guard case .serial(let cp)? = sim.device(role: .cpHelper)?.spec else {
            Issue.record("sim has no cp-helper")
            return
        }
        #expect(cp.path == "/dev/serial0")
        #expect(cp.config == SerialConfig(baud: 115_200, dataBits: 8, parity: .none, stopBits: 1))
    }

    /// The WHITE-beet host link on a kernel interface while the rest stays simulated; the plain
    /// simulated board keeps its twin (`transport:` defaults to `packet`).
    @Test func whitebeetVethBoardUsesTheKernelInterface() throws {
        let b = try BoardLoader.load(path: Repo.boards + "/sim-whitebeet-veth.yaml")
        #expect(b.simulated && b.vehicleLink == .whitebeet)
        guard case .ethernet(let link)? = b.device(role: .whitebeetHost)?.spec else {
            Issue.record("no ethernet whitebeet-host")
            return
        }
        #expect(link.transport == .kernelPacket && link.etherType == 0x6003 && link.peerMAC != nil)
        guard case .ethernet(let twin)? = try BoardLoader.load(path: Repo.boards + "/sim-whitebeet.yaml").device(role: .whitebeetHost)?.spec else {
            Issue.record("sim-whitebeet has no ethernet whitebeet-host")
            return
        }
        #expect(twin.transport == .packet)
    }

    @Test func qca7000KernelBoard() throws {
        let b = try BoardLoader.load(path: Repo.boards + "/rpi4-qca7000-esp32.yaml")
        #expect(b.vehicleLink == .ownStack && !b.simulated)
        guard case .ethernet(let plc)? = b.device(role: .plcModem)?.spec else {
            Issue.record("no ethernet plc-modem")
            return
        }
        #expect(plc.interface == "eth1" && plc.etherType == 0x88E1)
        let irq = try #require(b.device(role: .plcInterrupt))
        #expect(irq.claimedBy != nil)
        #expect(irq.address == "gpiochip0:23")
        #expect(b.device(role: .temperatureSensor)?.optional == true)
        #expect(b.device(role: .contactorDCPlus) != nil && b.device(role: .contactorDCMinus) != nil)
    }

    @Test func whitebeetSPIBoard() throws {
        let b = try BoardLoader.load(path: Repo.boards + "/rpi4-whitebeet-spi.yaml")
        guard case .spi(let host)? = b.device(role: .whitebeetHost)?.spec else {
            Issue.record("no SPI whitebeet-host")
            return
        }
        #expect(host.path == "/dev/spidev0.0")
        #expect(host.config == SPIConfig(mode: .mode0, bitsPerWord: 8, speedHz: 12_000_000, hardwareChipSelect: false))
        #expect(host.chipSelect == .gpio(device: "wb_cs"))
        #expect(b.device(named: "wb_cs")?.address == "gpiochip0:24")
        #expect(b.device(role: .whitebeetRxReady)?.address == "gpiochip0:22")
        #expect(b.device(role: .whitebeetTxPending)?.address == "gpiochip0:27")
        guard case .gpio(let cs)? = b.device(named: "wb_cs")?.spec else { return }
        #expect(cs.config.direction == .output(initial: false) && cs.config.activeLow)
    }

    @Test func whitebeetEthernetBoard() throws {
        let b = try BoardLoader.load(path: Repo.boards + "/rpi4-whitebeet-eth.yaml")
        guard case .ethernet(let host)? = b.device(role: .whitebeetHost)?.spec else {
            Issue.record("no ethernet whitebeet-host")
            return
        }
        #expect(host.etherType == 0x6003)
        #expect(host.peerMAC == MACAddress("00:01:01:63:77:33"))
    }

    @Test func advanticsBoard() throws {
        let b = try BoardLoader.load(path: Repo.boards + "/rpi4-advantics-can.yaml")
        guard case .can(let can)? = b.device(role: .advanticsCAN)?.spec else {
            Issue.record("no advantics-can")
            return
        }
        #expect(can == CANDeviceSpec(interface: "can0", bitrate: 500_000, restartMilliseconds: 100, extendedIDs: true))
    }
}
