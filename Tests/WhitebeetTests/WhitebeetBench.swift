import CoreTypes
import Glibc
import HAL
import WhitebeetEmulator
import WhitebeetHCI
import WhitebeetHost

/// A host link and the module emulator joined by two simulated Ethernet twins, under a manual clock.
final class WhitebeetBench {
    static let labelMAC = MACAddress(0x00, 0x01, 0x01, 0x63, 0x77, 0x35)
    let clock = ManualClock()
    let hostEnd = SimulatedEthernetLink(interface: "eth1", macAddress: MACAddress(2, 0, 0, 0, 0, 1), etherType: HCIEthernet.etherType)
    let moduleEnd = SimulatedEthernetLink(interface: "wb0", macAddress: HCIEthernet.moduleMAC(fromLabel: labelMAC), etherType: HCIEthernet.etherType)
    let host: WhitebeetHostLink
    let module: WhitebeetModuleEmulator
    var notifications: [HCINotification] = []

    /// The SPI twins when the bench runs over SPI (rpi4-whitebeet-spi's wiring: NSS GPIO24, RX_READY
    /// GPIO22, TX_PENDING GPIO27).
    let spi: WhitebeetModuleEmulator.SPIPort?
    let spiTransport: WhitebeetSPITransport?

    /// Real time between steps when the links are real interfaces (frames cross the kernel).
    var stepPause: UInt32 = 0

    /// Over two given Ethernet links (e.g. both ends of a veth pair); the module answers at `moduleMAC`.
    init(hostLink: any EthernetLink, moduleLink: any EthernetLink, car: ScriptedCarSession = ScriptedCarSession()) {
        spi = nil
        spiTransport = nil
        host = WhitebeetHostLink(link: hostLink, moduleMAC: moduleLink.macAddress)
        module = WhitebeetModuleEmulator(link: moduleLink, moduleMAC: moduleLink.macAddress, car: car)
        stepPause = 200
    }

    init(configuration: WhitebeetHostLink.Configuration = .init(), car: ScriptedCarSession = ScriptedCarSession(), overSPI: Bool = false) {
        if overSPI {
            let port = WhitebeetModuleEmulator.SPIPort(
                device: SimulatedSPIDevice(path: "/dev/spidev0.0", config: SPIConfig(mode: .mode0, speedHz: 12_000_000)),
                chipSelect: SimulatedGPIOLine(GPIOLineConfig(chip: "gpiochip0", line: .offset(24), direction: .output(initial: true))),
                rxReady: SimulatedGPIOLine(GPIOLineConfig(chip: "gpiochip0", line: .offset(22), direction: .input)),
                txPending: SimulatedGPIOLine(GPIOLineConfig(chip: "gpiochip0", line: .offset(27), direction: .input)))
            let transport = WhitebeetSPITransport(spi: port.device, chipSelect: port.chipSelect, rxReady: port.rxReady, txPending: port.txPending)
            spi = port
            spiTransport = transport
            host = WhitebeetHostLink(transport: transport, configuration: configuration)
            module = WhitebeetModuleEmulator(spi: port, car: car)
        } else {
            spi = nil
            spiTransport = nil
            SimulatedEthernetLink.connect(hostEnd, moduleEnd)
            host = WhitebeetHostLink(link: hostEnd, labelMAC: Self.labelMAC, configuration: configuration)
            module = WhitebeetModuleEmulator(link: moduleEnd, moduleMAC: moduleEnd.macAddress, car: car)
        }
    }

    /// A module with generation-1 EVSE firmware over the Ethernet twins; the host link decodes Gen-1.
    init(gen1Car: ScriptedGen1CarSession) {
        spi = nil
        spiTransport = nil
        SimulatedEthernetLink.connect(hostEnd, moduleEnd)
        var configuration = WhitebeetHostLink.Configuration()
        configuration.evseGeneration = .gen1
        host = WhitebeetHostLink(link: hostEnd, labelMAC: Self.labelMAC, configuration: configuration)
        module = WhitebeetModuleEmulator(link: moduleEnd, moduleMAC: moduleEnd.macAddress, gen1Car: gen1Car)
    }

    var now: MonotonicInstant { clock.now() }

    /// One 10 ms step: the module, then the host.
    func step() {
        if stepPause > 0 { usleep(stepPause) }
        clock.advance(by: .milliseconds(10))
        module.tick(now)
        host.poll(now)
        while let n = host.takeNotification() { notifications.append(n) }
    }

    /// Sends `request` and steps until its outcome (at most `limit`).
    func exchange(_ request: HCIRequest, limit: Nanoseconds = .seconds(30)) -> WhitebeetHostLink.Outcome? {
        guard host.submit(request, now: now) else { return nil }
        let end = now + limit
        while now < end {
            step()
            if let o = host.takeOutcome() {
                if case .answered(let r) = o { lastRequestID = r.requestID }
                return o
            }
        }
        return nil
    }

    /// Steps until `condition` holds (at most `limit`); returns whether it did.
    func run(for limit: Nanoseconds, until condition: () -> Bool) -> Bool {
        let end = now + limit
        while now < end {
            step()
            if condition() { return true }
        }
        return false
    }

    /// The request ID of the last answered command.
    var lastRequestID: UInt8 = 0

    func ok(_ request: HCIRequest) -> Bool {
        if case .answered = exchange(request) { return true }
        return false
    }
}
