import Contracts
import ControlLoop
import CoreTypes
import PowerPath
import PowerPlantSim
import Testing

/// A fault the charger cannot clear by itself (a welded contactor) puts the power path out of
/// service: it holds the safe stop through every acknowledgement, answers each new step with the
/// fault, and never closes a contactor or exports again until a service reset. Manual clock, the
/// simulated plant, a hand-written requester (the protocol layer's part).
@Suite struct OutOfServiceTests {
    /// The plant and the power path, one 1 ms tick per `step`, with the pilot published as C.
    final class Rig {
        let clock = ManualClock()
        let facts = ChargerFacts()
        let plant = SimulatedPowerPlant()
        let controller: PowerPathController
        var request = PowerRequest(ev: EVLimits(maxVolts: 450, maxAmps: 150))
        private var index: UInt64 = 0
        /// The contactors' coil was commanded closed / the supply asked to export in some tick since `watchFrom`.
        private(set) var coilClosedSeen = false
        private(set) var exportSeen = false

        init() {
            controller = PowerPathController(facts: facts, supply: plant.supply, contactors: plant.contactors,
                                             isolationMonitor: plant.isolationMonitor, meter: plant.meter)
        }

        func ask(_ step: PowerStep) {
            request.sequence &+= 1
            request.step = step
        }

        func step(_ n: Int = 1) {
            for _ in 0..<n {
                clock.advance(by: .milliseconds(1))
                index += 1
                let context = TickContext(now: clock.now(), index: index, period: .milliseconds(1))
                plant.pump(context)
                facts.pilot.publish(PilotFacts(state: .c, stateSince: .zero, commandedPWM: .digitalCommunication,
                                               appliedPWM: .digitalCommunication, digitalCommunication: true, fault: nil,
                                               emergencyStop: false), context)
                facts.powerRequest.publish(request, context)
                controller.tick(context)
                if plant.contactors.coilClosed { coilClosedSeen = true }
                if plant.supply.commandedMode == .export { exportSeen = true }
            }
        }

        func run(_ limit: Int, until done: () -> Bool) -> Bool {
            for _ in 0..<limit {
                step()
                if done() { return true }
            }
            return false
        }

        func watchFromNow() {
            coilClosedSeen = false
            exportSeen = false
        }

        var status: PowerPathStatus { facts.power.value }
    }

    @Test func whichFaultsLatchUntilService() {
        let latching: [PowerFault] = [.contactorWelded, .voltageDidNotDecay, .supplyDidNotSwitchOff, .contactorIOFailed,
                                      .emergencyOverVoltage, .unreadableServiceRecord]
        let all: [PowerFault] = [.pilotFault, .pilotSilent, .requestSilent, .outOfSequence, .isolationFault,
                                 .isolationMonitorSilent, .imdSelfTestFailed, .imdSelfTestTimeout, .cableCheckVoltageNotReached,
                                 .cableCheckDischargeTimeout, .cableCheckTimeout, .prechargeTimeout, .supplyTrip,
                                 .supplyDidNotSwitchOff, .overVoltage, .emergencyOverVoltage, .overCurrent, .contactorDidNotClose,
                                 .contactorWelded, .contactorDroppedOut, .contactorIOFailed, .measurementStale,
                                 .voltageDidNotDecay, .loopStopped, .voltageOnInlet, .unreadableServiceRecord]
        #expect(Set(all.map(\.ordinal)) == Set(0...25), "every PowerFault case is in the table")
        for fault in all {
            #expect(fault.latchesUntilService == latching.contains(fault), "\(fault)")
        }
    }

    /// The requester asks for idle right after the stop opened the contactors, before their feedback
    /// confirms it (a car that ends with SessionStop without WeldingDetection): the power path still
    /// waits for the feedback, finds the weld, and latches it. Every later step — the acknowledging
    /// idle, the next car's cable check — is answered with the fault, with no contactor close and no
    /// export; a service reset after the repair puts it back in service.
    @Test func aWeldFoundAfterAnEarlyIdleLatchesUntilServiceReset() {
        let rig = Rig()
        rig.ask(.cableCheck)
        #expect(rig.run(5_000) { rig.plant.contactors.status.isClosed }, "the cable check closes the contactors")
        rig.plant.inject(.contactorWelds)
        rig.ask(.stop)
        #expect(rig.run(5_000) { !rig.plant.contactors.coilClosed }, "the stop opens the contactors")
        rig.ask(.idle)
        rig.step()
        #expect(rig.status.phase == .stopping, "idle waits for the feedback: \(rig.status.phase)")
        #expect(rig.run(2_000) { rig.status.phase == .safeStop })
        #expect(rig.status.outcome == .failed(.contactorWelded))
        #expect(rig.status.latchedFault == .contactorWelded)
        #expect(rig.status.isOutOfService)

        // The acknowledgement that ends an ordinary fault's safe stop does not end this one.
        rig.watchFromNow()
        rig.ask(.idle)
        rig.step(100)
        #expect(rig.status.phase == .safeStop)
        #expect(rig.status.sequence == rig.request.sequence)
        #expect(rig.status.outcome == .failed(.contactorWelded))
        // The next car: its cable check is refused with the fault in the tick it is asked, and nothing
        // closes or exports.
        rig.ask(.cableCheck)
        rig.step()
        #expect(rig.status.sequence == rig.request.sequence)
        #expect(rig.status.outcome == .failed(.contactorWelded))
        rig.step(3_000)
        #expect(!rig.coilClosedSeen)
        #expect(!rig.exportSeen)
        #expect(rig.plant.supply.readback.isOff)

        // Repaired, then the technician's reset: idle, in service, and the next cable check closes.
        rig.plant.clear(.contactorWelds)
        rig.step(50)
        rig.controller.serviceReset()
        rig.step()
        #expect(rig.status.phase == .idle)
        #expect(rig.status.latchedFault == nil)
        rig.ask(.cableCheck)
        #expect(rig.run(5_000) { rig.plant.contactors.status.isClosed })
        #expect(rig.status.outcome != .failed(.contactorWelded))
    }

    /// A welded pole still closed when the technician resets (not repaired) is found again within the
    /// contactors' opening timeout.
    @Test func aResetWithThePoleStillWeldedLatchesAgain() {
        let rig = Rig()
        rig.ask(.cableCheck)
        #expect(rig.run(5_000) { rig.plant.contactors.status.isClosed })
        rig.plant.inject(.contactorWelds)
        rig.ask(.stop)
        #expect(rig.run(5_000) { rig.status.latchedFault != nil })
        rig.controller.serviceReset()
        rig.step()
        #expect(rig.status.latchedFault == nil)
        #expect(rig.run(1_000) { rig.status.latchedFault == .contactorWelded }, "\(rig.status.phase) \(rig.status.outcome)")
        #expect(!rig.plant.contactors.coilClosed)
    }

    /// Out of service from the start (a latch an earlier run recorded): before the first tick the power
    /// path holds the safe stop with the fault latched; the acknowledging idle and the next cable check
    /// are refused, nothing closes or exports; the operator's reset through `facts.station`
    /// (`serviceResets`, once per increase) puts it back in service with the contactors reading open.
    @Test func startedOutOfServiceHoldsUntilTheStationsServiceReset() {
        let rig = Rig()
        rig.controller.startOutOfService(.contactorWelded)
        #expect(rig.status.phase == .safeStop)
        #expect(rig.status.latchedFault == .contactorWelded)
        rig.watchFromNow()
        rig.ask(.idle)
        rig.step(100)
        rig.ask(.cableCheck)
        rig.step(2_000)
        #expect(rig.status.sequence == rig.request.sequence)
        #expect(rig.status.outcome == .failed(.contactorWelded))
        #expect(rig.status.latchedFault == .contactorWelded)
        #expect(!rig.coilClosedSeen)
        #expect(!rig.exportSeen)
        #expect(rig.status.contactorsOpen, "the healthy plant's contactors read open")

        rig.facts.station.publish(StationLimits(serviceResets: 1), tick: 0, at: rig.clock.now())
        rig.step()
        #expect(rig.status.phase == .idle)
        #expect(rig.status.latchedFault == nil)
        rig.step(500)
        #expect(rig.status.latchedFault == nil, "a repaired contactor is not found welded again")
        #expect(rig.status.contactorsOpen)
        rig.ask(.cableCheck)
        #expect(rig.run(5_000) { rig.plant.contactors.status.isClosed }, "the next car's cable check closes the contactors")
    }

    /// An ordinary fault (isolation) is not latched: the requester's idle acknowledges it.
    @Test func anOrdinaryFaultIsAcknowledgedByIdle() {
        let rig = Rig()
        rig.plant.inject(.isolationDrops)
        rig.ask(.cableCheck)
        #expect(rig.run(30_000) { rig.status.phase == .safeStop })
        #expect(rig.status.outcome == .failed(.isolationFault))
        #expect(rig.status.latchedFault == nil)
        rig.ask(.idle)
        #expect(rig.run(1_000) { rig.status.phase == .idle })
    }
}
