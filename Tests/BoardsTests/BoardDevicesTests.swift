import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Foundation
import HAL
import Testing

@Suite("Opening a board's devices")
struct BoardDevicesTests {
    @Test func simOpensEveryRole() throws {
        let board = try BoardLoader.load(path: Repo.boards + "/sim.yaml")
        let factory = SimulatedDeviceFactory()
        let devices = try BoardDevices.open(board, factory: factory)
        #expect(devices.failures.isEmpty)
        #expect(devices.opened.count == board.devices.count)
        #expect(factory.twins.count == board.devices.count)

        let plc = try #require(devices.spi(.plcModem))
        #expect(plc.configuration.mode == .mode3)
        #expect(try QCA7000Driver.readSignature(plc) == QCA7000SPI.signature)

        let cp = try #require(devices.serial(.cpHelper))
        #expect(cp.path == "/dev/serial0")
        #expect(try cp.configuration() == SerialConfig(baud: 115_200))

        let k1 = try #require(devices.gpio(.contactorDCPlus))
        #expect(try k1.read() == false)
        try k1.write(true)
        guard case .gpio(let twin)? = factory.twins["contactor_plus"] else {
            Issue.record("no twin for contactor_plus")
            return
        }
        #expect((twin as! SimulatedGPIOLine).backend.level == true)

        #expect(devices.can(.powerModuleCAN)?.interface == "can0")
        #expect(devices.i2c(.temperatureSensor)?.address == 0x48)
        #expect(devices.ethernet(.auxiliary)?.interface == "sim-ev0")
        #expect(devices.gpio(.plcInterrupt) != nil)
        #expect(devices.spi(.whitebeetHost) == nil)
    }

    @Test func missingDevicesStopAProgramThatNeedsThem() throws {
        let board = try BoardLoader.load(path: Repo.boards + "/rpi4-qca7000-esp32.yaml")
        let factory = SimulatedDeviceFactory(absent: ["cp_uart", "gun_temp"])
        let error = #expect(throws: BoardOpenError.self) { try BoardDevices.open(board, factory: factory) }
        #expect(error?.description == """
            board rpi4-qca7000-esp32: 1 device did not open
              cp_uart: cannot open /dev/serial0: No such file or directory — is enable_uart=1 set (on-board UART) or the USB adapter plugged in?
            """)
    }

    @Test func optionalAndClaimedDevicesDoNotStopIt() throws {
        let board = try BoardLoader.load(path: Repo.boards + "/rpi4-qca7000-esp32.yaml")
        let devices = try BoardDevices.open(board, factory: SimulatedDeviceFactory(absent: ["gun_temp"]))
        #expect(devices.failures.map(\.device.name) == ["gun_temp"])
        #expect(devices["plc_int"] == nil, "the kernel holds the QCA7000 interrupt; nothing opens it")
        #expect(devices.ethernet(.plcModem)?.interface == "eth1")
    }

    @Test func whitebeetChipSelectIsTheGPIODevice() throws {
        let board = try BoardLoader.load(path: Repo.boards + "/rpi4-whitebeet-spi.yaml")
        let factory = SimulatedDeviceFactory()
        let devices = try BoardDevices.open(board, factory: factory)
        let spi = try #require(devices.spi(.whitebeetHost))
        #expect(spi.configuration.hardwareChipSelect == false)
        let cs = try #require(devices.chipSelectLine(forSPI: "wb_spi"))
        #expect(cs.label == "gpiochip0:24")
        #expect(try cs.read() == false, "deselected at start")
        #expect(devices.chipSelectLine(forSPI: "contactor_plus") == nil)
    }

    @Test func qca7000ModelAnswersTwoSegmentMessages() throws {
        let board = try BoardLoader.load(path: Repo.boards + "/sim.yaml")
        let devices = try BoardDevices.open(board, factory: SimulatedDeviceFactory())
        let plc = try #require(devices.spi(.plcModem))
        // WRBUF_SPC_AVA (0xC200): command in one segment, value in the next, as the driver sends it.
        let command: [UInt8] = [0xC2, 0x00]
        var value: [UInt8] = [0, 0]
        try command.withUnsafeBytes { c in
            try value.withUnsafeMutableBytes { v in
                let segments = [SPISegment(tx: c, rx: nil, length: 2), SPISegment(tx: nil, rx: v, length: 2)]
                _ = try segments.withUnsafeBufferPointer { try plc.transfer(segments: $0) }
            }
        }
        #expect(value == [0x0C, 0x5B])
    }
}

@Suite("Finding boards")
struct BoardLocatorTests {
    func locator(cwd: String, exe: String? = nil, env: [String: String] = [:], system: String = "/nonexistent/etc") -> BoardLocator {
        BoardLocator(environment: env, currentDirectory: cwd, executablePath: exe, systemDirectory: system)
    }

    static let simText = """
        board: sim
        description: a second sim
        vehicle_link: advantics
        simulated: true
        devices:
          can:
            kind: can
            role: advantics-can
            interface: can0
            extended_ids: true
        """

    @Test func walksUpFromTheCurrentDirectory() throws {
        let l = locator(cwd: Repo.root + "/Tests/BoardsTests/Fixtures")
        #expect(l.searchDirectories() == [Repo.boards])
        #expect(try l.resolve("sim") == Repo.boards + "/sim.yaml")
    }

    @Test func walksUpFromTheExecutable() throws {
        let tmp = try TemporaryDirectory()
        let l = locator(cwd: tmp.path, exe: Repo.root + "/.build/debug/boardctl")
        #expect(l.searchDirectories() == [Repo.boards])
    }

    @Test func environmentComesFirstThenSystemDirectory() throws {
        let env = try TemporaryDirectory()
        let system = try TemporaryDirectory()
        try env.write("sim.yaml", Self.simText)
        try system.write("only-here.yaml", Self.simText.replacingOccurrences(of: "board: sim", with: "board: only-here"))
        let l = locator(cwd: Repo.root, env: ["CHARGEKIT_BOARDS": "/nonexistent/a:" + env.path], system: system.path)
        #expect(l.searchDirectories() == [env.path, Repo.boards, system.path])
        #expect(try l.resolve("sim") == env.path + "/sim.yaml")
        #expect(try l.resolve("only-here") == system.path + "/only-here.yaml")
        let known = l.knownBoards()
        #expect(known.first { $0.name == "sim" }?.path == env.path + "/sim.yaml")
        #expect(known.map(\.name).filter { $0 == "sim" }.count == 1)
    }

    @Test func pathsAreTakenAsFiles() throws {
        let tmp = try TemporaryDirectory()
        let file = try tmp.write("x.yaml", Self.simText)
        let l = locator(cwd: tmp.path)
        #expect(try l.resolve(file) == file)
        #expect(BoardLocator.isPath("x.yaml") && BoardLocator.isPath("./x") && !BoardLocator.isPath("sim"))
        #expect(throws: BoardLookupError.noSuchFile("/nonexistent/x.yaml")) { try l.resolve("/nonexistent/x.yaml") }
    }

    @Test func unknownNamesListWhereTheyWereSought() throws {
        let tmp = try TemporaryDirectory()
        let l = locator(cwd: tmp.path)
        #expect(throws: BoardLookupError.noSuchBoard("sim", searched: [])) { try l.resolve("sim") }
        #expect(BoardLookupError.noSuchBoard("x", searched: ["/a", "/b"]).description
            == "no board named \"x\" (looked in /a, /b); `boardctl boards` lists the known boards, $CHARGEKIT_BOARDS adds directories")
    }

    @Test func boardsCommandListsThem() {
        let result = BoardTool.listBoards(locator: Repo.locator)
        #expect(result.exitCode == 0)
        #expect(Repo.normalize(result.output) == """
            NAME                   VEHICLE LINK   SIMULATED  DEVICES  FILE
            rpi4-advantics-can     advantics      no         1        <repo>/Boards/rpi4-advantics-can.yaml
            rpi4-qca7000-directcp  own-stack      no         9        <repo>/Boards/rpi4-qca7000-directcp.yaml
            rpi4-qca7000-esp32     own-stack      no         8        <repo>/Boards/rpi4-qca7000-esp32.yaml
            rpi4-qca7000-spidev    own-stack      no         7        <repo>/Boards/rpi4-qca7000-spidev.yaml
            rpi4-whitebeet-eth     whitebeet      no         5        <repo>/Boards/rpi4-whitebeet-eth.yaml
            rpi4-whitebeet-spi     whitebeet      no         8        <repo>/Boards/rpi4-whitebeet-spi.yaml
            sim-advantics-pev-udp  advantics-pev  yes        1        <repo>/Boards/sim-advantics-pev-udp.yaml
            sim-advantics-pev      advantics-pev  yes        1        <repo>/Boards/sim-advantics-pev.yaml
            sim-advantics-udp      advantics      yes        1        <repo>/Boards/sim-advantics-udp.yaml
            sim-advantics          advantics      yes        1        <repo>/Boards/sim-advantics.yaml
            sim-whitebeet-gen1     whitebeet      yes        1        <repo>/Boards/sim-whitebeet-gen1.yaml
            sim-whitebeet-spi      whitebeet      yes        4        <repo>/Boards/sim-whitebeet-spi.yaml
            sim-whitebeet-veth     whitebeet      yes        1        <repo>/Boards/sim-whitebeet-veth.yaml
            sim-whitebeet          whitebeet      yes        1        <repo>/Boards/sim-whitebeet.yaml
            sim                    own-stack      yes        11       <repo>/Boards/sim.yaml

            searched: <repo>/Boards

            """)
    }
}
