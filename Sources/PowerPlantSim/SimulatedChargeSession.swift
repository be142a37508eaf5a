import Contracts
import ControlLoop
import CoreTypes

/// Plays the protocol layer and the car against the simulated plant: asks the power path for cable
/// check → precharge to the battery voltage → charge (current ramp) → stop → welding check → idle,
/// one new `PowerRequest` per step, and, as the car, closes its contactors once the inlet is within
/// ±20 V of the battery (advantics-can.md E8) and opens them when the current is ≤ 1 A (E11). It also
/// stands in for the CP controller (`facts.pilot`: B, C while charging) unless told not to.
/// Registered before the power path, so its request is read in the same tick.
public final class SimulatedChargeSession: TickController {
    public struct Script: Sendable {
        public var startAfter: Nanoseconds = .milliseconds(10)
        /// The car's target during charging (constant-current charging: above the battery).
        public var chargeVolts: Double = 440
        public var chargeAmps: Double = 100
        public var chargeFor: Nanoseconds = .seconds(6)
        /// How long the car takes to close its contactors once the inlet matches (and must keep matching).
        public var vehicleCloseDelay: Nanoseconds = .milliseconds(50)
        /// The car's tolerance before closing its contactors (advantics-can.md line 609).
        public var vehicleMatchTolerance: Double = 20
        public init() {}
    }

    public enum Stage: Sendable, Equatable {
        case waiting, cableCheck, precharge, vehicleClosing, charging, stopping, weldingCheck, finished, failed
    }

    public let name = "charge-session"
    public let facts: ChargerFacts
    public let plant: SimulatedPowerPlant
    public var script: Script
    public private(set) var stage: Stage = .waiting
    public private(set) var request = PowerRequest()
    /// Publish the pilot as the CP controller would (off when a real CP controller writes it).
    public var publishesPilot = true
    /// The plug is pulled / CP lost: the pilot reads A with an emergency stop.
    public var pilotLost = false
    private var stageSince: MonotonicInstant = .zero
    private var matchingSince: MonotonicInstant?
    public var report: ((MonotonicInstant, String) -> Void)?

    public init(facts: ChargerFacts, plant: SimulatedPowerPlant, script: Script = Script(),
                report: ((MonotonicInstant, String) -> Void)? = nil) {
        self.facts = facts
        self.plant = plant
        self.script = script
        self.report = report
        let b = plant.parameters.battery
        request.ev = EVLimits(maxVolts: b.maxVolts, maxAmps: b.maxAmps)
    }

    public func tick(_ context: TickContext) {
        let now = context.now
        let status = facts.power.value
        let mine = status.sequence == request.sequence
        if mine, status.outcome.fault != nil, stage != .failed, stage != .waiting {
            stage = .failed
        }
        switch stage {
        case .waiting:
            if now - stageSince >= script.startAfter, stageSince != .zero {
                ask(.cableCheck, now)
                stage = .cableCheck
            } else if stageSince == .zero {
                stageSince = now
            }
        case .cableCheck:
            if mine, status.phase == .cableCheck, status.outcome == .passed {
                ask(.precharge(targetVolts: plant.batteryVolts), now)
                stage = .precharge
            }
        case .precharge:
            if mine, status.phase == .precharge, status.outcome == .passed {
                stage = .vehicleClosing
                matchingSince = nil
            }
        case .vehicleClosing:
            let difference = abs(plant.meter.measurement.volts - plant.batteryVolts)
            if difference <= script.vehicleMatchTolerance {
                let since = matchingSince ?? now
                matchingSince = since
                if now - since >= script.vehicleCloseDelay {
                    plant.closeVehicleContactors()
                    report?(now, "car: contactors closed (inlet \(oneDecimal(plant.meter.measurement.volts)) V, battery \(oneDecimal(plant.batteryVolts)) V)")
                    ask(.charge(targetVolts: script.chargeVolts, targetAmps: script.chargeAmps), now)
                    stage = .charging
                }
            } else {
                matchingSince = nil
            }
        case .charging:
            if now - stageSince >= script.chargeFor {
                ask(.stop, now)
                stage = .stopping
            }
        case .stopping:
            if plant.vehicleContactorsClosed, abs(plant.meter.measurement.amps) <= 1 {
                plant.openVehicleContactors()
                report?(now, "car: contactors opened at \(oneDecimal(plant.meter.measurement.amps)) A")
            }
            if mine, status.phase == .stopping, status.outcome == .passed {
                ask(.weldingCheck, now)
                stage = .weldingCheck
            }
        case .weldingCheck:
            if mine, status.phase == .weldingCheck, status.outcome == .passed {
                ask(.idle, now)
                stage = .finished
            }
        case .finished, .failed:
            break
        }
        if publishesPilot {
            let state: PilotState = pilotLost ? .a : stage == .charging ? .c : .b
            let pilot = PilotFacts(state: state, stateSince: .zero, commandedPWM: .digitalCommunication,
                                   appliedPWM: .digitalCommunication, digitalCommunication: !pilotLost,
                                   fault: pilotLost ? .pilotLost : nil, emergencyStop: pilotLost)
            facts.pilot.publish(pilot, context)
        }
        facts.powerRequest.publish(request, context)
    }

    private func ask(_ step: PowerStep, _ now: MonotonicInstant) {
        request.sequence &+= 1
        request.step = step
        stageSince = now
        report?(now, "request #\(request.sequence): \(step)")
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        SafeStopReport(name, ["car: contactors \(plant.vehicleContactorsClosed ? "closed" : "open")"])
    }
}
