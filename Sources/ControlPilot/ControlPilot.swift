import Buffers
import Contracts
import ControlLoop
import HAL

/// The IEC 61851-1 control-pilot controller: first in the tick order, it reads the front end's
/// samples, confirms states (`PilotStateMachine`), decides the CP output and tells the session what
/// happened through `events` — including `emergencyStop` in the same tick a fault is confirmed while
/// energy flows.
///
/// Output policy: while the charger is not `available` the line is held at steady −12 V (state F);
/// otherwise the session's `requestedPWM` is put on the wire only while a vehicle is connected and no
/// fault is active, and the line is held at steady +12 V the rest of the time.
public final class ControlPilot: TickController {
    public let name: String
    public let frontEnd: any PilotFrontEnd
    public let configuration: ControlPilotConfiguration
    public let classifier: PilotClassifier
    /// Events for the session, oldest first. When the session does not drain them the oldest are
    /// dropped (`events.droppedCount`); `emergencyStopLatched` never is.
    public let events: RingBuffer<PilotEvent>
    public private(set) var machine: PilotStateMachine
    /// What the session wants on the wire while a vehicle is connected.
    public var requestedPWM: PilotPWM
    /// False while the charger cannot serve a car (out of service): the output is state F, a constant
    /// −12 V, which tells a car "EVSE not available" (IEC 61851-1 Table A.3), so a car plugged in meanwhile
    /// never sees the 5 % PWM and never starts SLAC. `facts.pilot` then says F (`PilotFault.unavailable`),
    /// whatever the car does. Set by the composition from the facts (`OutOfServicePilot`), not here.
    public var available = true
    /// The last sample and what it meant (for monitors).
    public private(set) var lastSample: PilotSample?
    public private(set) var lastObservation: PilotObservation?
    /// Helper samples whose mV disagreed with the firmware's letter (diagnosis only).
    public private(set) var pinBandDisagreements = 0
    public private(set) var samplesSeen = 0
    /// The output asked of the front end in the last tick.
    public private(set) var commandedPWM: PilotPWM = .steadyHigh
    private var stopped = false

    /// Where the pilot is published every tick (`ChargerFacts.pilot`; nil: a monitor with no readers).
    public let facts: ChargerFacts?
    private var stateSince = MonotonicInstant.zero
    private var publishedState = PilotState.a

    public init(name: String = "control-pilot", frontEnd: any PilotFrontEnd, facts: ChargerFacts? = nil,
                configuration: ControlPilotConfiguration = ControlPilotConfiguration()) {
        self.name = name
        self.facts = facts
        self.frontEnd = frontEnd
        self.configuration = configuration
        classifier = PilotClassifier(lineBands: configuration.bands)
        events = RingBuffer(capacity: configuration.eventCapacity, filler: .plugged)
        machine = PilotStateMachine(ventilation: configuration.ventilation,
                                    confirmation: configuration.confirmation ?? frontEnd.recommendedConfirmation)
        requestedPWM = configuration.initialPWM
    }

    public var state: PilotState { machine.state }
    public var fault: PilotFault? { machine.fault }
    public var emergencyStopLatched: Bool { machine.emergencyStopLatched }

    /// The session reports whether energy is flowing (contactors closed). While it is, every pilot
    /// fault raises `emergencyStop` at once.
    public func setEnergyTransfer(_ active: Bool) { machine.setEnergyTransfer(active, events: events) }

    /// Asks the front end for the SLAC restart hint (steady +12 V for `duration`).
    public func restartSLACHint(_ duration: Nanoseconds, now: MonotonicInstant) {
        frontEnd.restartSLACHint(duration, now: now)
    }

    public func tick(_ context: TickContext) {
        guard !stopped else { return }
        let now = context.now
        let fe = frontEnd
        fe.update(now)
        if let f = fe.fault {
            machine.frontEndFailed(f, events: events)
        } else if machine.frontEndIsFailed {
            machine.frontEndRecovered()
        }
        while let sample = fe.nextSample() {
            let o = classifier.classify(sample)
            lastSample = sample
            lastObservation = o
            samplesSeen &+= 1
            if o.pinBandAgrees == false { pinBandDisagreements &+= 1 }
            machine.observe(o, events: events)
        }
        let output: PilotPWM = !available ? .steadyLow
            : machine.state.vehicleConnected && !machine.outputMustBeSafe ? requestedPWM : .steadyHigh
        commandedPWM = output
        fe.request(output, now: now)
        machine.updateDigitalCommunication(onWire: fe.signallingDigitalCommunication, events: events)
        if let facts { publish(into: facts, context) }
    }

    /// The `ChargerFacts.pilot` contract: every tick, after the state machine has seen this tick's
    /// samples.
    /// While not `available` the fact says F with `PilotFault.unavailable`, whatever the front end
    /// classifies: the EVSE itself holds the line at −12 V, so no reading can show a car, and a helper
    /// whose firmware ignores low bursts from a connected state as glitches (esp32-cp-uart.md §7.6)
    /// would keep reporting the car's last state.
    private func publish(into facts: ChargerFacts, _ context: TickContext) {
        let s = available ? machine.state : .f
        if s != publishedState {
            publishedState = s
            stateSince = context.now
        }
        facts.pilot.publish(PilotFacts(state: s, stateSince: stateSince, commandedPWM: commandedPWM,
                                       appliedPWM: frontEnd.appliedPWM,
                                       digitalCommunication: available && frontEnd.signallingDigitalCommunication && s.vehicleConnected,
                                       fault: available ? machine.fault : .unavailable,
                                       emergencyStop: machine.emergencyStopLatched), context)
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        stopped = true
        commandedPWM = .steadyHigh
        let output = frontEnd.enterSafeState()
        if let facts {
            var f = facts.pilot.value
            f.commandedPWM = .steadyHigh
            f.appliedPWM = nil
            f.digitalCommunication = false
            facts.pilot.publish(f, tick: facts.pilot.tick, at: facts.pilot.at)
        }
        return SafeStopReport(name, [output, "last state \(machine.state)"])
    }
}
