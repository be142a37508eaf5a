import Buffers
import Contracts
import ControlLoop
import CoreTypes
import PowerPath
import PowerPlantSim
import MallocCounting
import Testing
import V2G
import V2GSession

/// Our EVCC against our SECC in one process, with the DC power path on the simulated plant under
/// the manual clock: plant → EVCC (the car) → SECC → PowerPathController each tick, the
/// connection's bytes carried between their queues, the car's contactors following the EVCC and
/// the pilot B (C while the car takes energy). A whole DIN and ISO 15118-2 session: cable check,
/// precharge to the battery's voltage, the current the battery asks for, stop, welding detection,
/// SessionStop, and the power path safe at the end.
final class InProcessCharger {
    let clock = ManualClock()
    let period = Nanoseconds.milliseconds(10)
    let facts = ChargerFacts()
    let plant: SimulatedPowerPlant
    let powerPath: PowerPathController
    let secc: SECCSession
    let evcc: EVCCSession
    let battery: LinearBatteryModel
    private var index: UInt64 = 0

    init(_ protocols: [V2GProtocol], capacityWattHours: Double = 6_000) {
        var parameters = PlantParameters()
        parameters.battery.initialSoC = 0.7
        plant = SimulatedPowerPlant(parameters: parameters)
        powerPath = PowerPathController(facts: facts, supply: plant.supply, contactors: plant.contactors,
                                        isolationMonitor: plant.isolationMonitor, meter: plant.meter)
        var s = SECCConfiguration()
        s.protocols = protocols
        secc = SECCSession(received: ByteQueue(capacity: 16_384), transmit: ByteQueue(capacity: 16_384), facts: facts,
                           authorizer: FreeVendAuthorizer(), configuration: s)
        // The EVCC's battery is the plant's: same curve, same SoC, same resistance.
        var pack = LinearBatteryModel.Parameters()
        pack.emptyVolts = parameters.battery.emptyVolts
        pack.fullVolts = parameters.battery.fullVolts
        pack.internalResistance = parameters.battery.internalResistance
        pack.capacityWattHours = capacityWattHours
        pack.initialSoC = 70
        pack.bulkSoC = 74
        pack.targetSoC = 75
        pack.maxVolts = parameters.battery.maxVolts
        pack.maxAmps = 100
        battery = LinearBatteryModel(pack)
        evcc = EVCCSession(received: ByteQueue(capacity: 16_384), transmit: ByteQueue(capacity: 16_384), battery: battery,
                           configuration: EVCCConfiguration(protocols: protocols))
        secc.connectionOpened(at: clock.now())
        evcc.connectionOpened(at: clock.now())
    }

    func tick() {
        clock.advance(by: period)
        index += 1
        let context = TickContext(now: clock.now(), index: index, period: period)
        plant.pump(context)
        evcc.tick(context)
        if evcc.contactorsClosed, !plant.vehicleContactorsClosed { plant.closeVehicleContactors() }
        if !evcc.contactorsClosed, plant.vehicleContactorsClosed { plant.openVehicleContactors() }
        let state: PilotState = evcc.contactorsClosed ? .c : .b
        facts.pilot.publish(PilotFacts(state: state, stateSince: .zero, commandedPWM: .digitalCommunication,
                                       appliedPWM: .digitalCommunication, digitalCommunication: true, fault: nil,
                                       emergencyStop: false), context)
        carry(evcc.transmit, to: secc.received)
        secc.tick(context)
        powerPath.tick(context)
        carry(secc.transmit, to: evcc.received)
    }

    func run(for limit: Nanoseconds = .seconds(300)) {
        let end = clock.now() + limit
        while !(evcc.session.isFinished && secc.session.isFinished), clock.now() < end { tick() }
    }

    private func carry(_ from: ByteQueue, to: ByteQueue) {
        while from.count > 0 {
            let region = from.unsafeReadableRegion()
            let n = to.push(RawSpan(_unsafeBytes: region))
            from.discard(n)
            if n < region.count { break }
        }
    }
}

@Suite(.serialized) struct EVCCWithSECCTests {
    /// The whole charger and car in the charge loop: plant, EVCC, SECC and power path together make
    /// 0 mallocs per tick (each tick one CurrentDemand round trip).
    @Test(arguments: [V2GProtocol.din70121, .iso15118_2])
    func zeroMallocsInTheLoopEndToEnd(_ p: V2GProtocol) {
        let c = InProcessCharger([p], capacityWattHours: 10_000_000)
        while c.evcc.session.currentDemands < 50, !c.evcc.session.isFinished { c.tick() }
        let before = c.evcc.session.currentDemands
        var total = 0
        for _ in 0..<200 { total += MallocCounter.count { c.tick() } }
        let rounds = c.evcc.session.currentDemands - before
        print("EVCC+SECC+power path (\(p)): \(total) mallocs over 200 ticks, \(rounds) CurrentDemand rounds")
        #expect(rounds >= 100)
        #expect(total == 0)
    }

    @Test(arguments: [V2GProtocol.din70121, .iso15118_2])
    func wholeSessionWithThePowerPath(_ p: V2GProtocol) {
        let c = InProcessCharger([p])
        c.run()
        #expect(c.evcc.session.stopReason == .completed, "EVCC \(c.evcc.session.phase) \(c.evcc.session.stopReason)")
        #expect(c.secc.session.stopReason == .completed, "SECC \(c.secc.session.phase) \(c.secc.session.stopReason)")
        #expect(c.evcc.session.isCompleteSession)
        #expect(c.evcc.session.negotiated == p)
        #expect(c.battery.soc >= 75)
        #expect(c.battery.deliveredWattHours > 250)
        #expect(!c.plant.vehicleContactorsClosed)
        #expect(c.plant.contactors.status.isOpen)
        #expect(c.plant.supply.readback.isOff)
        print("EVCC↔SECC \(p): \(c.evcc.session.requests) requests, \(c.evcc.session.currentDemands) CurrentDemand, "
              + "SoC 70 → \(c.battery.soc) %, \(Int(c.battery.deliveredWattHours)) Wh")
    }
}

/// Power faults seen from the car (issue 14 "Power faults seen from the car"): the plant fails at a
/// chosen moment of an in-process session; the SECC answers with its protocol's code or status, the
/// EVCC ends the session with a reason (never `completed`), opens its contactors, and the power path
/// ends safe: supply off (a runaway supply isolated, no current), output contactors open.
@Suite struct EVCCPowerFaultTests {
    static let cases: [(PlantFault, Int)] = [
        (.isolationDrops, -1), (.imdSelfTestFails, -1), (.supplyTrips, 20), (.overshoot, 20), (.contactorDoesNotClose, 20),
    ]

    @Test(arguments: [V2GProtocol.din70121, .iso15118_2], cases.map { "\($0.0):\($0.1)" })
    func faultEndsTheSessionSafely(_ p: V2GProtocol, _ scenario: String) {
        let parts = scenario.split(separator: ":")
        let fault = PlantFault(rawValue: String(parts[0]))!
        let afterRounds = Int(parts[1])!
        let c = InProcessCharger([p])
        if afterRounds < 0 { c.plant.inject(fault) }
        var injected = afterRounds < 0
        let end = c.clock.now() + .seconds(300)
        while !c.evcc.session.isFinished, c.clock.now() < end {
            c.tick()
            if !injected, Int(c.evcc.session.currentDemands) >= afterRounds {
                c.plant.inject(fault)
                injected = true
            }
        }
        // Let the power path finish its safe stop.
        for _ in 0..<300 { c.tick() }
        let s = c.evcc.session
        #expect(s.isFinished, "\(p) \(fault): EVCC still \(s.phase)")
        #expect(s.stopReason != .completed && s.stopReason != .none, "\(p) \(fault): EVCC ended \(s.stopReason)")
        #expect(!c.evcc.contactorsClosed)
        if fault == .overshoot {
            // A runaway regulator ignores the switch-off (the fault's definition): the open contactors
            // are what isolates it, and no current flows.
            #expect(abs(c.plant.supply.readback.amps) < 0.5, "\(p) \(fault): \(c.plant.supply.readback.amps) A")
        } else {
            #expect(c.plant.supply.readback.isOff, "\(p) \(fault): supply still on")
        }
        #expect(c.plant.contactors.status.isOpen, "\(p) \(fault): output contactors \(c.plant.contactors.status.position)")
        print("EVCC sees \(fault) (\(p)): EVCC \(s.stopReason) after \(s.currentDemands) CurrentDemand; SECC \(c.secc.session.stopReason)")
    }
}
