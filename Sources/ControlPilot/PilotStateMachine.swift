import Contracts
import Buffers

/// The control pilot's decisions, free of I/O: debounce observations into a confirmed state, turn
/// state changes into session events, and raise the emergency stop in the same step that confirms a
/// fault while energy flows. Concrete and allocation-free (checked by `@_noAllocation`).
public struct PilotStateMachine: Sendable {
    public var ventilation: VentilationPolicy
    public var confirmation: PilotConfirmation

    /// The confirmed state (`invalid` until the first state is confirmed, and while the front end is
    /// lost).
    public private(set) var state: PilotState = .invalid
    /// The active fault, if any.
    public private(set) var fault: PilotFault?
    /// True once a state has been confirmed (false again after the front end was lost).
    public private(set) var isConfirmed = false
    /// The session says energy is flowing (contactors closed): faults become emergency stops.
    public private(set) var energyTransfer = false
    /// An emergency stop was raised and the session has not yet ended the energy transfer.
    public private(set) var emergencyStopLatched = false
    public private(set) var vehiclePresent = false
    public private(set) var powerRequested = false
    private var readyForSLACSent = false
    private var candidate: PilotState = .invalid
    private var candidateFault: PilotFault?
    private var candidateCount = 0
    private var frontEndFault: PilotFault?
    /// The fault carried by the confirmed observation (E, F, invalid, diode); `fault` may also hold a
    /// policy fault (D refused) on top of a fault-free observation.
    private var observedFault: PilotFault?

    public init(ventilation: VentilationPolicy, confirmation: PilotConfirmation) {
        self.ventilation = ventilation
        self.confirmation = confirmation
    }

    /// True while the output must be forced to the safe level (a fault, or D refused).
    public var outputMustBeSafe: Bool { !same(fault, nil) || frontEndIsFailed }

    /// Feeds one observation.
    @_noAllocation
    public mutating func observe(_ o: PilotObservation, events: RingBuffer<PilotEvent>) {
        guard !frontEndIsFailed else { return }
        if isConfirmed, index(o.state) == index(state), same(o.fault, observedFault) {
            candidateCount = 0
            return
        }
        if candidateCount > 0, index(o.state) == index(candidate), same(o.fault, candidateFault) {
            candidateCount += 1
        } else {
            candidate = o.state
            candidateFault = o.fault
            candidateCount = 1
        }
        let needed = !same(o.fault, nil) ? confirmation.fault : confirmation.normal
        guard candidateCount >= needed else { return }
        candidateCount = 0
        enter(o.state, fault: o.fault, events: events)
    }

    /// The front end cannot deliver observations (helper silent, tty gone, ADC failing).
    @_noAllocation
    public mutating func frontEndFailed(_ f: PilotFault, events: RingBuffer<PilotEvent>) {
        guard !same(frontEndFault, f) else { return }
        frontEndFault = f
        state = .invalid
        observedFault = nil
        isConfirmed = false
        candidateCount = 0
        readyForSLACSent = false
        raise(f, events: events)
    }

    /// The front end delivers again; the next confirmed state decides what happens.
    @_noAllocation
    public mutating func frontEndRecovered() {
        // Keep the reason as the active fault until a state is confirmed again: the output stays safe
        // and the first healthy state clears it with `faultCleared`.
        fault = frontEndFault
        frontEndFault = nil
    }

    public var frontEndIsFailed: Bool { if case .some = frontEndFault { true } else { false } }

    /// Set by the session (through the controller) when the contactors close or open.
    @_noAllocation
    public mutating func setEnergyTransfer(_ active: Bool, events: RingBuffer<PilotEvent>) {
        energyTransfer = active
        if !active {
            emergencyStopLatched = false
            return
        }
        // Starting a transfer on a faulty pilot stops it at once.
        if let f = frontEndFault ?? fault {
            emergencyStop(f, events: events)
        } else if isConfirmed, index(state) == 0 {
            emergencyStop(.pilotLost, events: events)
        }
    }

    /// Emits `readyForSLAC` once per stretch of 5 % on the wire with a vehicle connected.
    @_noAllocation
    public mutating func updateDigitalCommunication(onWire: Bool, events: RingBuffer<PilotEvent>) {
        guard onWire, isConfirmed, same(fault, nil), !frontEndIsFailed, vehicleConnected(state) else {
            if !onWire { readyForSLACSent = false }
            return
        }
        guard !readyForSLACSent else { return }
        readyForSLACSent = true
        events.pushOverwriting(.readyForSLAC)
    }

    // MARK: - Transitions

    private mutating func enter(_ new: PilotState, fault newFault: PilotFault?, events: RingBuffer<PilotEvent>) {
        // A missing diode is a property of the vehicle: it stays until the vehicle leaves. (While the
        // output is forced steady there is no negative half-wave, so the line would look healthy.)
        if same(fault, .diodeMissing), same(newFault, nil), vehicleConnected(new) { return }
        state = new
        isConfirmed = true
        observedFault = newFault
        if let newFault {
            powerRequested = false
            readyForSLACSent = false
            if !same(fault, newFault) {
                fault = newFault
                raise(newFault, events: events)
            }
            return
        }
        let hadFault = !same(fault, nil)
        fault = nil
        if hadFault { events.pushOverwriting(.faultCleared) }
        switch new {
        case .a:
            powerRequested = false
            readyForSLACSent = false
            if vehiclePresent {
                vehiclePresent = false
                events.pushOverwriting(.unplugged)
            }
            if energyTransfer { emergencyStop(.pilotLost, events: events) }
        case .b:
            arrive(events)
            if powerRequested {
                powerRequested = false
                events.pushOverwriting(.evStoppedRequestingPower)
            }
        case .c:
            arrive(events)
            powerRequested = true
            events.pushOverwriting(.evRequestsPower(ventilation: false))
        case .d:
            arrive(events)
            if case .allow = ventilation {
                powerRequested = true
                events.pushOverwriting(.evRequestsPower(ventilation: true))
            } else {
                powerRequested = false
                fault = .ventilationRefused
                raise(.ventilationRefused, events: events)
            }
        case .e, .f, .invalid:
            break
        }
    }

    private mutating func arrive(_ events: RingBuffer<PilotEvent>) {
        guard !vehiclePresent else { return }
        vehiclePresent = true
        events.pushOverwriting(.plugged)
    }

    private mutating func raise(_ f: PilotFault, events: RingBuffer<PilotEvent>) {
        events.pushOverwriting(.error(f))
        if energyTransfer { emergencyStop(f, events: events) }
    }

    private mutating func emergencyStop(_ f: PilotFault, events: RingBuffer<PilotEvent>) {
        guard !emergencyStopLatched else { return }
        emergencyStopLatched = true
        events.pushOverwriting(.emergencyStop(f))
    }
}

// File-local helpers: `@_noAllocation` code may only call bodies it can see, and a debug build compiles
// each file on its own, so the helpers the checked functions use live here.

@inline(__always)
private func index(_ s: PilotState) -> Int {
    switch s {
    case .a: 0
    case .b: 1
    case .c: 2
    case .d: 3
    case .e: 4
    case .f: 5
    case .invalid: 6
    }
}

@inline(__always) private func vehicleConnected(_ s: PilotState) -> Bool { index(s) >= 1 && index(s) <= 3 }

@inline(__always)
private func faultIndex(_ f: PilotFault) -> Int {
    switch f {
    case .shortToEarth: 0
    case .unavailable: 1
    case .diodeMissing: 2
    case .invalidVoltage: 3
    case .pilotLost: 4
    case .ventilationRefused: 5
    case .helperLost: 6
    case .linkDown: 7
    case .measurementFailed: 8
    case .outputFailed: 9
    }
}

@inline(__always)
private func same(_ a: PilotFault?, _ b: PilotFault?) -> Bool {
    switch a {
    case .none:
        switch b {
        case .none: return true
        case .some: return false
        }
    case .some(let x):
        switch b {
        case .none: return false
        case .some(let y): return faultIndex(x) == faultIndex(y)
        }
    }
}
