import AdvanticsCAN
import AdvanticsCANLink
import Buffers
import Contracts
import ControlLoop
import CoreTypes
import HAL

/// ChargeKit as the "customer" controller of an ADVANTICS charge-station controller over the generic
/// EVSE CAN interface v3 (advantics-can.md §1): the ADVANTICS controller talks to the vehicle and asks
/// us, over CAN, for power functions and setpoints; we turn them into `facts.powerRequest` steps for the
/// `PowerPathController` (which does the physical steps on the supply, contactors and IMD) and report
/// its measurements back in time.
///
/// Reads and writes only the CAN pump's rings (never a descriptor). Registered before the power path.
/// It is also the writer of `facts.pilot` on this board: the ADVANTICS controller owns the CP line, so
/// the pilot we publish says "vehicle connected" during a session and carries an emergency stop when the
/// controller falls silent for the status timeout (§1.3), signals `Emergency_Stop`, or asks for a
/// discharge the plant cannot serve — the power path then goes to its safe stop in the same tick.
///
/// Mapping of `DC_Power_Control` (§1.4, §1.7):
/// - Insulation_Test → `cableCheck` (the power path ramps, self-tests the IMD, measures, lowers; the
///   Standby + Lowering frames of E7 keep that step);
/// - Precharge → `precharge(Target_Voltage)` (Standby afterwards, E8/E9, holds it: the output carries
///   the battery voltage);
/// - Power_Transfer → `charge(Target_Voltage, I)`, I = Current_Range_Max in Target_Mode, in Range_Mode
///   `OCPP_Control.Dynamic_Target_Current` (or Current_Range_Max) clamped to the range and to ≥ 0;
///   a negative setpoint (discharge) is refused with `System_Enable = Not_Allowed` (§1.3, §1.8);
/// - Standby after Power_Transfer (E11) → `stop`; state Welding_Detection (E12) → `weldingCheck`;
///   Closing_Communication, Charge_Session_Finished or Waiting_For_PEV (E13) → `idle`.
public final class AdvanticsEVSE: TickController {
    public let name = "advantics-evse"
    public let facts: ChargerFacts
    public let received: RingBuffer<CANFrame>
    public let transmit: RingBuffer<CANFrame>
    public let codec: AdvanticsCANCodec
    public let configuration: AdvanticsEVSEConfiguration

    public private(set) var controllerState: ControllerState = .initialising
    public private(set) var lastControl = DCPowerControl(function: .off)
    public private(set) var ev = EVInformation()
    public private(set) var fault: AdvanticsEVSEFault?
    public private(set) var sessionActive = false
    public private(set) var request = PowerRequest()
    public private(set) var flags = SequenceControl()
    /// Frames counted by kind: of neither interface, rejected by the codec (typed error), for another
    /// pistol or the PEV interface, and our frames the full transmit ring refused.
    public private(set) var unknownFrames = 0
    public private(set) var rejectedFrames = 0
    public private(set) var ignoredFrames = 0
    public private(set) var transmitDropped = 0
    public private(set) var statusFramesSent = 0
    public private(set) var lastControllerStatusAt: MonotonicInstant?

    private var ocppTargetAmps: Double?
    private var sentFlags: SequenceControl?
    private var nextStatusAt: MonotonicInstant = .zero
    private var nextParametersAt: MonotonicInstant = .zero
    private var userStopPending = false
    private var values = SignalValues()

    public init(facts: ChargerFacts, received: RingBuffer<CANFrame>, transmit: RingBuffer<CANFrame>,
                configuration: AdvanticsEVSEConfiguration = AdvanticsEVSEConfiguration(),
                codec: AdvanticsCANCodec = AdvanticsCANCodec()) {
        self.facts = facts
        self.received = received
        self.transmit = transmit
        self.configuration = configuration
        self.codec = codec
        flags.startChargeAuthorised = configuration.startChargeAuthorised
    }

    /// A charger-side normal stop (a stop button): a 0→1 edge of `User_Stop_Button` (E10).
    public func requestUserStop() { userStopPending = true }

    public func tick(_ context: TickContext) {
        let now = context.now
        while let frame = received.pop() { take(frame, now) }
        watchLiveness(now)
        decide(now)
        publish(context)
        send(now)
    }

    // MARK: - Receiving

    private func take(_ frame: CANFrame, _ now: MonotonicInstant) {
        guard let f = AdvanticsFrame(received: frame) else { return }
        let ref: AdvanticsMessageRef
        do throws(AdvanticsCANError) {
            guard let r = try codec.decode(f, into: &values) else {
                unknownFrames &+= 1
                return
            }
            ref = r
        } catch {
            rejectedFrames &+= 1
            return
        }
        guard ref.interface == .evse, ref.pistol == configuration.pistol, codec.evse[ref.index].fromController else {
            ignoredFrames &+= 1
            return
        }
        switch EVSEMessage(index: ref.index, values) {
        case .controllerStatus(let state):
            lastControllerStatusAt = now
            enter(state)
        case .newChargeSession:
            sessionActive = true
        case .dcPowerControl(let control):
            lastControl = control
        case .chargeSessionFinished:
            sessionActive = false
            lastControl = DCPowerControl(function: .off)
        case .emergencyStop(let origin):
            fault = .emergencyStop(origin: origin.rawValue)
        case .evVoltages(_, let maxVolts, let presentVolts):
            ev.maxVolts = maxVolts
            ev.presentVolts = presentVolts
        case .evChargeLimits(_, let maxAmps):
            ev.maxChargeAmps = maxAmps
        case .evDischargeLimits(_, let maxAmps):
            ev.maxDischargeAmps = maxAmps
        case .evBattery(_, let soc):
            ev.presentSoC = soc
        case .ocppControl(let amps):
            ocppTargetAmps = amps
        default:
            break
        }
    }

    private func enter(_ state: ControllerState) {
        let previous = controllerState
        controllerState = state
        switch state {
        case .notAvailable where previous != .notAvailable:
            sentFlags = nil  // re-send the flags whenever Not_Available is reported (§1.5)
        case .waitingForPEV, .notAvailable:
            // The controller re-evaluated its emergency conditions: a new session may start (E13 → E1).
            sessionActive = false
            lastControl = DCPowerControl(function: .off)
            ocppTargetAmps = nil
            flags.ccsAuthorisationDone = false
            flags.ccsAuthorisationValid = false
            flags.chargeParametersDone = false
            if let f = fault, f != .controllerSilent { fault = nil }
        case .ccsAuthorisationProcess:
            flags.ccsAuthorisationDone = true
            flags.ccsAuthorisationValid = configuration.ccsAuthorisationValid
        case .connectedWithFullInfo:
            sessionActive = true
            flags.chargeParametersDone = true
        case .negotiatingConnection:
            sessionActive = true
        default:
            break
        }
    }

    // MARK: - Deciding

    private func watchLiveness(_ now: MonotonicInstant) {
        guard let last = lastControllerStatusAt else { return }
        let silent = now.nanoseconds &- last.nanoseconds > configuration.controllerStatusTimeout.count
        if silent {
            if fault == nil { fault = .controllerSilent }
        } else if fault == .controllerSilent, !sessionActive {
            fault = nil
        }
    }

    private func decide(_ now: MonotonicInstant) {
        let status = facts.power.value
        let mine = status.sequence == request.sequence
        if fault == nil, mine, status.outcome.fault != nil, sessionActive { fault = .powerPathFailed }
        if fault != nil {
            // The pilot we publish carries the emergency stop; once the power path is in its safe
            // stop and the session is over, acknowledge with idle (the power path leaves the safe stop).
            if status.phase == .safeStop, !sessionActive, fault != .controllerSilent || lastControllerStatusAt == nil {
                ask(.idle)
            }
            return
        }
        if status.phase == .safeStop, mine, !sessionActive { ask(.idle) }
        if !sessionActive {
            ask(.idle)
            return
        }
        switch controllerState {
        case .closingCommunication, .waitingForPEV, .notAvailable, .initialising:
            ask(.idle)
            return
        case .weldingDetection:
            if case .stop = request.step, mine, status.phase == .stopping, status.outcome == .passed { ask(.weldingCheck) }
            return
        default:
            break
        }
        let c = lastControl
        switch c.function {
        case .insulationTest:
            switch request.step {
            case .cableCheck: break
            default: ask(.cableCheck)
            }
        case .precharge:
            if case .precharge = request.step, mine {
                request.step = .precharge(targetVolts: c.targetVolts)
            } else {
                ask(.precharge(targetVolts: c.targetVolts))
            }
        case .powerTransfer:
            var amps = c.rangeMaxAmps
            if c.mode == .range {
                if let dynamic = ocppTargetAmps { amps = dynamic }
                if amps > c.rangeMaxAmps { amps = c.rangeMaxAmps }
                if amps < c.rangeMinAmps { amps = c.rangeMinAmps }
                // The range allows charging: pick a charge point rather than a discharge we cannot do.
                if amps < 0, c.rangeMaxAmps >= 0, configuration.maxDischargeAmps <= 0 { amps = 0 }
            }
            if amps < 0, configuration.maxDischargeAmps <= 0 {
                fault = .dischargeRefused
                return
            }
            if case .charge = request.step, mine {
                request.step = .charge(targetVolts: c.targetVolts, targetAmps: amps)
            } else {
                ask(.charge(targetVolts: c.targetVolts, targetAmps: amps))
            }
        case .standby, .off:
            switch request.step {
            case .charge: ask(.stop)
            case .idle, .cableCheck, .precharge, .stop, .weldingCheck: break
            }
        }
    }

    /// A new step gets a new sequence; asking for the step in force changes nothing.
    private func ask(_ step: PowerStep) {
        if request.step.ordinal == step.ordinal { return }
        request.sequence &+= 1
        request.step = step
    }

    private func publish(_ context: TickContext) {
        request.ev = EVLimits(maxVolts: ev.maxVolts > 0 ? ev.maxVolts : lastControl.targetVolts,
                              maxAmps: ev.maxChargeAmps)
        let connected = sessionActive || facts.power.value.phase != .idle || fault != nil
        let pilot = PilotFacts(state: connected ? .c : .a, stateSince: .zero, commandedPWM: .digitalCommunication,
                               appliedPWM: .digitalCommunication, digitalCommunication: connected, fault: nil,
                               emergencyStop: fault != nil)
        facts.pilot.publish(pilot, context)
        facts.powerRequest.publish(request, context)
    }

    // MARK: - Sending

    private func send(_ now: MonotonicInstant) {
        let power = facts.power.value
        if now >= nextStatusAt {
            var s = PowerModulesStatus()
            s.presentVolts = clamp(power.volts, 0, 6553.5)
            s.presentAmps = clamp(power.amps, -3276.8, 3276.7)
            s.systemEnable = fault == nil && power.phase != .safeStop
            s.insulationKiloohms = clamp(power.isolationOhms / 1000, 0, 510)
            if queue(EVSEMessageIndex.powerModulesStatus, s.values) { statusFramesSent &+= 1 }
            nextStatusAt = advance(nextStatusAt, now, configuration.statusPeriod)
        }
        if now >= nextParametersAt {
            let p = DCPowerParameters(maxVolts: configuration.maxVolts, maxChargeAmps: configuration.maxChargeAmps,
                                      maxDischargeAmps: configuration.maxDischargeAmps)
            _ = queue(EVSEMessageIndex.dcPowerParameters, p.values)
            nextParametersAt = advance(nextParametersAt, now, configuration.parametersPeriod)
        }
        var wanted = flags
        if userStopPending {
            wanted.userStopPressed = true
        }
        if controllerState != .initialising || lastControllerStatusAt != nil, sentFlags != wanted {
            if queue(EVSEMessageIndex.sequenceControl, wanted.values) {
                sentFlags = wanted
                if userStopPending {
                    // An edge: the next frame returns the button to 0.
                    userStopPending = false
                }
            }
        }
    }

    private func advance(_ next: MonotonicInstant, _ now: MonotonicInstant, _ period: Nanoseconds) -> MonotonicInstant {
        let candidate = MonotonicInstant(nanoseconds: next.nanoseconds &+ period.count)
        return candidate > now ? candidate : MonotonicInstant(nanoseconds: now.nanoseconds &+ period.count)
    }

    private func queue(_ index: Int, _ v: SignalValues) -> Bool {
        let f: AdvanticsFrame
        do throws(AdvanticsCANError) {
            f = try codec.encodeEVSE(index, v, pistol: configuration.pistol)
        } catch {
            rejectedFrames &+= 1
            return false
        }
        if transmit.push(CANFrame(f)) { return true }
        transmitDropped &+= 1
        return false
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        // The power path (registered after us) switches the supply off and opens the contactors; we
        // tell the controller the modules no longer allow service.
        var s = PowerModulesStatus()
        s.systemEnable = false
        _ = queue(EVSEMessageIndex.powerModulesStatus, s.values)
        return SafeStopReport(name, ["System_Enable = Not_Allowed queued (state \(controllerState), fault: \(fault.map { "\($0)" } ?? "none"))"])
    }
}

@inline(__always)
private func clamp(_ v: Double, _ lo: Double, _ hi: Double) -> Double { v < lo ? lo : v > hi ? hi : v }
