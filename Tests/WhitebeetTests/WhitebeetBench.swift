import CoreTypes
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

    init(configuration: WhitebeetHostLink.Configuration = .init(), car: ScriptedCarSession = ScriptedCarSession()) {
        SimulatedEthernetLink.connect(hostEnd, moduleEnd)
        host = WhitebeetHostLink(link: hostEnd, labelMAC: Self.labelMAC, configuration: configuration)
        module = WhitebeetModuleEmulator(link: moduleEnd, moduleMAC: moduleEnd.macAddress, car: car)
    }

    var now: MonotonicInstant { clock.now() }

    /// One 10 ms step: the module, then the host.
    func step() {
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
            if let o = host.takeOutcome() { return o }
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

    func ok(_ request: HCIRequest) -> Bool {
        if case .answered = exchange(request) { return true }
        return false
    }
}
