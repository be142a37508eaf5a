import Buffers
import Contracts
import ControlLoop
import Drivers
import Glibc
import HAL
import PowerPath
import ChargerAssembly
import PowerPlantSim
import SimBoard
import Runtime
import V2GLink
import V2GSession
import V2GTP

/// `boardctl v2g`'s composition on one TickLoop (1 ms ticks, ppoll on the sockets):
///
///   SECC: SDP server on [ff02::1]:15118 → TCP listener → StreamPump → session controller →
///         PowerPathController on the simulated plant (a car that closes its contactors for the
///         charge loop and shows pilot C with 5 %)
///   EVCC: SDP client → TCP connect → StreamPump → session controller with its battery model
///
/// The watcher prints every answered message with its round trip and the power values and stops the
/// loop when the session is over. Setup allocates; the ticks do not (the watcher prints only when a
/// message completes).
final class V2GRunner {
    enum Role: String, CaseIterable { case secc, evcc }

    let role: Role
    let interfaceName: String
    let protocols: [V2GProtocol]
    let port: UInt16
    let timeLimit: Nanoseconds
    let linger: Nanoseconds
    var startSoC: Double = 80
    var targetSoC: Double = 81
    /// Bench deviations of the EV side (a peer whose simulated supply does not follow the target).
    var quirks = EVCCQuirks()
    /// The EV's CurrentDemandRes timeout when not the standard's 250 ms (a slow bench peer).
    var currentDemandTimeout: Nanoseconds?

    init(role: Role, interface: String, protocols: [V2GProtocol], port: UInt16, timeLimit: Nanoseconds, linger: Nanoseconds) {
        self.linger = linger
        self.role = role
        interfaceName = interface
        self.protocols = protocols
        self.port = port
        self.timeLimit = timeLimit
    }

    /// The simulated plant of the SECC runs: the default plant with a faster supply (5 kV/s slew, 50 µF
    /// output capacitance), so precharge to the EV's target takes ~0.1 s: Josev's simulated EV sends
    /// PowerDelivery(start) after five PreCharge exchanges whatever the voltage, and the SECC refuses it
    /// (FAILED_PowerDeliveryNotApplied) until the power path's precharge has passed.
    static var plantParameters: PlantParameters {
        var p = PlantParameters()
        p.outputCapacitance = 0.00005
        p.voltageSlew = 5000
        return p
    }

    /// Runs one session; returns the session's facts at the end (nil: it never started).
    func run() throws -> V2GSessionFacts? {
        let interface = try LinuxIPInterface(name: interfaceName)
        let address = try waitForAddress(interface)
        let loop = try TickLoop.production()
        let watcher: SessionWatcher
        var plantOfSECC: SimulatedPowerPlant?
        switch role {
        case .secc:
            let facts = ChargerFacts()
            let plant = SimulatedPowerPlant(parameters: V2GRunner.plantParameters)
            plantOfSECC = plant
            var configuration = SECCConfiguration()
            configuration.protocols = protocols
            let secc = try assembleSECC(interface, facts: facts, plant: plant, configuration: configuration)
            secc.connection.lingerAfterSessionStop = linger
            let car = SimulatedCarSide(facts: facts, plant: plant)
            watcher = SessionWatcher(role: role, loop: loop, tcp: secc.tcp, session: secc.session, facts: facts, timeLimit: timeLimit)
            for source in secc.sources { loop.addSource(source) }
            loop.addSource(plant)
            loop.addController(car)
            loop.addController(watcher.arrivals)
            for controller in secc.controllers { loop.addController(controller) }
            loop.addController(watcher)
            print("SECC (\(secc.session.name)) on \(interfaceName): SDP server on [ff02::1]:\(IPEndpoint.sdpPort), "
                  + "V2G TCP server listening on [\(address)]:\(secc.server.listener.localEndpoint.port), protocols "
                  + protocols.map(\.josevName).joined(separator: ", ") + "; simulated power plant")
        case .evcc:
            // The sim board's EV side (SimulatedEVCharging) on this interface: no SLAC, no plant.
            let charging = try SimulatedEVCharging(ip: interface, plant: nil, helper: nil,
                                                   battery: V2GSessionFactory.battery(startSoC: startSoC, targetSoC: targetSoC),
                                                   configuration: V2GSessionFactory.evccConfiguration(
                                                       protocols: protocols, quirks: quirks, currentDemandTimeout: currentDemandTimeout))
            charging.lingerAfterSessionStop = linger
            watcher = SessionWatcher(role: role, loop: loop, tcp: charging.tcp, session: charging.evcc, facts: nil, timeLimit: timeLimit)
            charging.evcc.report = { [unowned watcher] exchange in watcher.evccRoundTrip = exchange.roundTrip }
            watcher.ev = charging
            for source in charging.sources { loop.addSource(source) }
            loop.addController(watcher.arrivals)
            loop.addController(EVSide(charging))
            loop.addController(watcher)
            print("EVCC (\(charging.evcc.name)) on \(interfaceName) [\(address)]: SDP to [ff02::1]:\(IPEndpoint.sdpPort), protocols "
                  + protocols.map(\.josevName).joined(separator: ", "))
        }
        watcher.linger = linger
        fflush(nil)
        let reason = loop.run()
        print("loop stopped: \(reason)")
        for report in loop.safeStopReports { print("  safe stop: \(report)") }
        if let plant = plantOfSECC {
            // What the negative interop (.ci/extra/josev-negative.sh) checks: the power path is off.
            let off = plant.supply.commandedMode == .off && !plant.contactors.coilClosed
            print("POWER PATH: \(off ? "off" : "ON"): supply \(plant.supply.commandedMode), output contactors "
                  + (plant.contactors.coilClosed ? "closed" : "open"))
        }
        return watcher.started ? watcher.last : nil
    }

    /// The charger's V2G side as chargerd composes it (`SECCAssembly`: SDP, the TCP server, the SECC,
    /// the power path) on an interface without SLAC, so SDP answers from the start. Right after the
    /// link comes up its address exists but is tentative (duplicate address detection, ~1-2 s) and
    /// binding it fails with EADDRNOTAVAIL: wait for it, up to 5 s.
    private func assembleSECC(_ interface: LinuxIPInterface, facts: ChargerFacts, plant: SimulatedPowerPlant,
                              configuration: SECCConfiguration) throws -> SECCAssembly {
        var tries = 0
        while true {
            do throws(SocketError) {
                return try SECCAssembly(interface: interface, facts: facts, authorizer: FreeVendAuthorizer(),
                                        configuration: configuration, supply: plant.supply, contactors: plant.contactors,
                                        isolationMonitor: plant.isolationMonitor, meter: plant.meter, port: port,
                                        linkGate: .always)
            } catch {
                tries += 1
                if error.kind != .linkDown || tries >= 50 { throw error }
                usleep(100_000)
            }
        }
    }

    /// The interface's link-local address; waits up to 5 s while duplicate address detection runs.
    private func waitForAddress(_ interface: LinuxIPInterface) throws -> IPv6Address {
        var tries = 0
        while true {
            do throws(SocketError) {
                return try interface.linkLocalAddress()
            } catch {
                tries += 1
                if tries >= 50 { throw error }
                usleep(100_000)
            }
        }
    }
}

/// The EV's battery and configuration of issue 14 for `EVCCSession` with a `LinearBatteryModel` — a small pack (2 kWh) from `startSoC` to `targetSoC`, so a
/// session reaches its end within seconds.
enum V2GSessionFactory {
    static func battery(startSoC: Double, targetSoC: Double) -> LinearBatteryModel {
        var pack = LinearBatteryModel.Parameters()
        pack.capacityWattHours = 2_000
        pack.initialSoC = startSoC
        pack.bulkSoC = startSoC + (targetSoC - startSoC) * 0.8
        pack.targetSoC = targetSoC
        pack.maxAmps = 100
        return LinearBatteryModel(pack)
    }

    static func evccConfiguration(protocols: [V2GProtocol], quirks: EVCCQuirks, currentDemandTimeout: Nanoseconds?) -> EVCCConfiguration {
        var configuration = EVCCConfiguration(protocols: protocols)
        configuration.quirks = quirks
        if let currentDemandTimeout { configuration.timers.currentDemand = currentDemandTimeout }
        return configuration
    }
}

/// The EV side on the loop: a bare interface has no SLAC, so the car counts as matched from the start.
final class EVSide: TickController {
    let name = "ev"
    let charging: SimulatedEVCharging

    init(_ charging: SimulatedEVCharging) { self.charging = charging }

    func tick(_ context: TickContext) { charging.tick(context, matched: true) }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, [charging.safeStop()]) }
}

extension SECCSession: V2GSessionControlling {}
extension EVCCSession: V2GSessionControlling {}
