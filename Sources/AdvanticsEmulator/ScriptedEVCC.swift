import AdvanticsCAN
import AdvanticsCANLink
import ControlLoop
import CoreTypes
import HAL

/// A scripted ADVANTICS vehicle controller (EVCC/MEVC) on a CAN bus: plays the controller's side of
/// the generic PEV interface v2 (advantics-can.md §2.7) against a VCU/BMS, with the charger it talks
/// to over CCS simulated behind it — boot, plug-in, negotiation, the lock, the insulation test (or its
/// failure), precharge to the battery voltage the VCU reports, the contactor handshake, the charge
/// with the current ramp (`current_ramp`), a stop from either side, welding detection and the
/// safe-unlock rule, unplug; AC: the Ready_To_Deliver_Power ↔ Ready_To_Charge handshake. Faults: its
/// own silence, a charger emergency shutdown, the VCU's silence (`can_timeout_ms`), a precharge
/// timeout, missing contactor feedback. ISO 15118-20: a bidirectional session where the charger charges,
/// then discharges within the vehicle's limits (D5); Scheduled mode with current or voltage control,
/// the loop target it would send the charger (D6); pause on `Charge_Pause_Request` (current to 0, then
/// the contactors open, stage Charge_Pause) and resume on `Charge_Resume_Request` through precharge
/// and the contactor handshake again, without a new plug-in (D7; the vendor leaves the sequence
/// undocumented, this is the IEC 61851-23:2023 pause as the stages allow). Allocation-free per tick
/// once built.
///
/// The emulator reports the charger's present ramped limit in `EVSE_Information.Max_Current`, so a
/// bench (and the simulated inlet on the vehicle side) sees the ramp.
public final class ScriptedEVCC: TickController {
    public enum Stage: Sendable, Equatable {
        case initialising, waitingForEVSE, negotiating, connected, insulationTest, precharge, closingContactors,
             waitingForCharge, charging, ending, weldingDetection, closing, acReady, acCharging, acEnding, chargePause
    }

    /// How the last session ended.
    public enum End: Sendable, Equatable {
        case chargerStop, vehicleStop, maxSoC, vehicleEmergency, isolationFault, prechargeTimeout, contactorFault,
             vehicleSilent, chargerEmergency, acStopTooSlow
    }

    public let name = "advantics-evcc"
    public let bus: any CANBus
    public var script: EVCCScript
    public let codec: AdvanticsCANCodec

    public private(set) var stage: Stage = .initialising
    public private(set) var grantedAmps: Double = 0
    public private(set) var closeContactors = false
    public private(set) var readyToDeliverPower = false
    public private(set) var diagnostics = EVCCDiagnostics()
    /// What the VCU reported last.
    public private(set) var status1 = DCStatus1()
    public private(set) var status2 = DCStatus2()
    public private(set) var soc: Double = 0
    public private(set) var vehicleReadyToCharge = false
    public private(set) var holdOff = false
    public private(set) var sessionsCompleted = 0
    public private(set) var sessionsAborted = 0
    public private(set) var lastEnd: End?
    /// When the last stop edge from the VCU arrived and when `Close_Contactors` went to Open.
    public private(set) var stopEdgeAt: MonotonicInstant?
    public private(set) var contactorsOpenCommandedAt: MonotonicInstant?
    public private(set) var framesSent = 0
    public private(set) var framesRejected = 0
    /// The controller's application hangs: it sends nothing more.
    public var silenced = false
    /// ISO 15118-20 (0x614–0x616): what the VCU asked for last.
    public private(set) var energyRequest = EVEnergyRequest()
    public private(set) var v2xMinimumKWh: Double = 0
    public private(set) var v2xMaximumKWh: Double = 0
    public private(set) var departureSeconds: Double = 0
    /// D6: the Scheduled-mode control the VCU selected (reset to current control in Waiting_For_EVSE)
    /// and the target the controller would put in its loop message to the charger.
    public private(set) var scheduledVoltageControl = false
    public private(set) var loopTargetVolts: Double = 0
    public private(set) var loopTargetAmps: Double = 0
    /// D7: the VCU's pending requests, and the pauses and resumes done.
    public private(set) var pauseRequested = false
    public private(set) var resumeRequested = false
    public private(set) var pauses = 0
    public private(set) var resumes = 0
    /// D5: the most current the charger took back from the vehicle in this run, A (positive).
    public private(set) var peakDischargeAmps: Double = 0

    private var stageSince: MonotonicInstant = .zero
    private var nextCycleAt: MonotonicInstant = .zero
    private var nextInputsAt: MonotonicInstant = .zero
    private var status1At: MonotonicInstant?
    private var status2At: MonotonicInstant?
    private var lastTickAt: MonotonicInstant?
    private var chargerFaultPending = false
    private var started = false
    private var values = SignalValues()

    public init(bus: any CANBus, script: EVCCScript = EVCCScript(), codec: AdvanticsCANCodec = AdvanticsCANCodec()) {
        self.bus = bus
        self.script = script
        self.codec = codec
    }

    /// The charger behind the EVCC shuts down in an emergency (EVSE_EmergencyShutdown over CCS).
    public func triggerChargerEmergency() { chargerFaultPending = true }

    public var communicationStage: CommunicationStage {
        switch stage {
        case .initialising: .initialising
        case .waitingForEVSE: .waitingForEVSE
        case .negotiating: .negotiatingConnection
        case .connected, .acReady: .connectedWithFullInfo
        case .insulationTest: .insulationTest
        case .precharge, .closingContactors: .precharge
        case .waitingForCharge: .waitingForCharge
        case .charging, .acCharging: .charging
        case .ending, .acEnding: .endingCharge
        case .weldingDetection: .weldingDetection
        case .closing: .closingCommunication
        case .chargePause: .chargePause
        }
    }

    public func tick(_ context: TickContext) {
        let now = context.now
        let dt = lastTickAt.map { Double((now - $0).count) / 1e9 } ?? 0
        lastTickAt = now
        if !started {
            started = true
            enter(.initialising, now)
        }
        receive(now)
        advance(now, dt)
        if silenced { return }
        if now >= nextCycleAt {
            let info = EVSEInformation(stage: communicationStage,
                                       communicationProtocol: stage == .initialising || stage == .waitingForEVSE ? 0 : script.communicationProtocol,
                                       pins: stage == .initialising || stage == .waitingForEVSE ? .none : script.pins,
                                       maxAmps: script.pins.isAC ? (stage == .acCharging || stage == .acReady ? script.acMaxAmps : 0) : grantedAmps)
            send(PEVMessageIndex.evseInformation, info.values)
            var ac = SignalValues(count: 1)
            ac[0] = readyToDeliverPower ? 1 : 0
            send(PEVMessageIndex.acControl, ac)
            var dc = SignalValues(count: 1)
            dc[0] = closeContactors ? 1 : 0
            send(PEVMessageIndex.dcControl, dc)
            send(PEVMessageIndex.diagnosticStatus, diagnostics.values)
            nextCycleAt = now + .milliseconds(100)
        }
        if now >= nextInputsAt {
            var inputs = SignalValues(count: 10)
            inputs[0] = status2.contactorsClosed ? 1 : 0
            inputs[1] = status2.contactorsClosed ? 1 : 0
            var i = 5
            while i < 10 {
                inputs[i] = 25
                i += 1
            }
            send(PEVMessageIndex.evccInputs, inputs)
            nextInputsAt = now + .seconds(1)
        }
    }

    private func receive(_ now: MonotonicInstant) {
        while let frame = try? bus.receive() {
            guard let f = AdvanticsFrame(received: frame) else { continue }
            let ref: AdvanticsMessageRef?
            do throws(AdvanticsCANError) { ref = try codec.decode(f, into: &values) } catch {
                framesRejected += 1
                continue
            }
            guard let ref, ref.interface == .pev, !codec.pev[ref.index].fromController else { continue }
            switch PEVMessage(index: ref.index, values) {
            case .dcStatus1(let s):
                status1 = s
                status1At = now
            case .dcStatus2(let s):
                // The stop requests are edges (§2.5): act on 0→1.
                if s.normalEndOfCharge, !status2.normalEndOfCharge { vehicleStop(.vehicleStop, now) }
                if s.emergencyStop, !status2.emergencyStop { vehicleStop(.vehicleEmergency, now) }
                status2 = s
                status2At = now
            case .evInformation(let s, _):
                soc = s
            case .acStatus(let ready):
                vehicleReadyToCharge = ready
            case .evStatus(let flags):
                holdOff = flags.hvPreparingHoldOff
                pauseRequested = flags.chargePauseRequest
                resumeRequested = flags.chargeResumeRequest
                scheduledVoltageControl = flags.voltageControl
            case .energyRequest(let e):
                energyRequest = e
            case .v2xEnergyRequest(let lo, let hi):
                v2xMinimumKWh = lo
                v2xMaximumKWh = hi
            case .departure(let seconds):
                departureSeconds = seconds
            default:
                break
            }
        }
    }

    private var powered: Bool {
        switch stage {
        case .precharge, .closingContactors, .waitingForCharge, .charging, .ending, .weldingDetection, .acCharging, .chargePause: true
        default: false
        }
    }

    private func vehicleStop(_ why: End, _ now: MonotonicInstant) {
        stopEdgeAt = now
        switch stage {
        case .charging, .waitingForCharge, .chargePause:
            if why == .vehicleEmergency {
                abort(why, now)
            } else {
                lastEnd = why
                enter(stage == .chargePause ? .weldingDetection : .ending, now)
            }
        case .connected, .insulationTest, .precharge, .closingContactors:
            abort(why, now)
        default:
            break
        }
    }

    private func elapsed(_ now: MonotonicInstant, _ d: Nanoseconds) -> Bool { now.nanoseconds &- stageSince.nanoseconds >= d.count }

    private func advance(_ now: MonotonicInstant, _ dt: Double) {
        if chargerFaultPending {
            chargerFaultPending = false
            diagnostics.evseStatusCode = 6  // EVSE_EmergencyShutdown
            if stage != .initialising, stage != .waitingForEVSE, stage != .closing { abort(.chargerEmergency, now) }
        }
        // The VCU's critical frames (DC_Status1/2) in powered phases (§2.3, can_timeout_ms).
        if powered, !script.pins.isAC {
            let oldest = min(status1At?.nanoseconds ?? 0, status2At?.nanoseconds ?? 0)
            if now.nanoseconds &- oldest > script.canTimeout.count {
                abort(.vehicleSilent, now)
                return
            }
        }
        switch stage {
        case .initialising:
            if elapsed(now, script.bootFor) { enter(.waitingForEVSE, now) }
        case .waitingForEVSE:
            if (script.plugsInAgain || sessionsCompleted + sessionsAborted == 0), elapsed(now, script.plugInAfter) { enter(.negotiating, now) }
        case .negotiating:
            if elapsed(now, script.negotiation) { enter(.connected, now) }
        case .connected:
            if !holdOff, elapsed(now, script.lockTime) {
                if script.pins.isAC {
                    readyToDeliverPower = true
                    enter(.acReady, now)
                } else {
                    enter(.insulationTest, now)
                }
            }
        case .insulationTest:
            if elapsed(now, script.insulationTest) {
                if script.insulationFault {
                    diagnostics.isolationLevel = EVCCDiagnostics.isolationFault
                    abort(.isolationFault, now)
                } else {
                    diagnostics.isolationLevel = 2  // Valid
                    enter(.precharge, now)
                }
            }
        case .precharge:
            if status2.batteryVolts > 20, abs(status2.inletVolts - status2.batteryVolts) <= 20 {
                closeContactors = true
                enter(.closingContactors, now)
            } else if elapsed(now, script.prechargeTimeout) {
                diagnostics.faultFlags |= EVCCDiagnostics.prechargeTimeoutBit
                abort(.prechargeTimeout, now)
            }
        case .closingContactors:
            if status2.contactorsClosed {
                enter(.waitingForCharge, now)
            } else if elapsed(now, .seconds(1)) {
                diagnostics.faultFlags |= EVCCDiagnostics.contactorFaultBit
                abort(.contactorFault, now)
            }
        case .waitingForCharge:
            if elapsed(now, .milliseconds(100)) { enter(.charging, now) }
        case .charging:
            // D4: the request capped by max_current and the charger, ramped; never above the BMS request.
            let cap = max(0, min(status1.maxChargeAmps, script.maxCurrent, script.chargerMaxAmps))
            var target = cap
            if script.communicationProtocol == 4, !script.bidirectional {
                if scheduledVoltageControl {
                    // D6 voltage control: the target voltage and 0 A to the charger, which regulates the
                    // voltage; the pack takes what the difference drives (still within the caps).
                    loopTargetVolts = status1.targetVolts > 0 ? status1.targetVolts : script.targetVoltage
                    loopTargetAmps = 0
                    target = min(cap, max(0, (loopTargetVolts - status2.batteryVolts) / script.packResistance))
                } else {
                    loopTargetVolts = 0
                    loopTargetAmps = cap
                }
            }
            if script.bidirectional, elapsed(now, script.dischargeAfter) {
                // D5: the charger turns to discharging, within the vehicle's and its own limits.
                target = -max(0, min(status1.maxDischargeAmps, script.maxDischargeCurrent, script.chargerMaxDischargeAmps))
            }
            grantedAmps = ramp(grantedAmps, target, script.currentRampAmpsPerSecond * dt)
            peakDischargeAmps = max(peakDischargeAmps, -grantedAmps)
            if pauseRequested {
                pauses += 1
                grantedAmps = 0
                enter(.chargePause, now)
            } else if !status2.contactorsClosed {
                diagnostics.faultFlags |= EVCCDiagnostics.contactorFaultBit
                abort(.contactorFault, now)
            } else if script.maxSoC > 0, soc >= script.maxSoC {
                lastEnd = .maxSoC
                enter(.ending, now)
            } else if script.stop == .charger, elapsed(now, script.chargeFor) {
                lastEnd = .chargerStop
                enter(.ending, now)
            }
        case .ending:
            grantedAmps = 0
            if elapsed(now, .milliseconds(100)) { enter(.weldingDetection, now) }
        case .weldingDetection:
            grantedAmps = 0
            if closeContactors, abs(status1.presentAmps) < script.weldingCurrentAmps || elapsed(now, script.weldingTimeout) {
                openContactors(now)
            }
            if !closeContactors, !status2.contactorsClosed, status2.inletVolts <= script.unlockVolts { enter(.closing, now) }
        case .closing:
            if elapsed(now, script.closing) {
                if lastEnd == .chargerStop || lastEnd == .vehicleStop || lastEnd == .maxSoC { sessionsCompleted += 1 } else { sessionsAborted += 1 }
                diagnostics = EVCCDiagnostics()
                enter(.waitingForEVSE, now)
            }
        case .chargePause:
            // D7: no current, then the contactors open as in welding detection; a resume goes back
            // through precharge and the contactor handshake.
            grantedAmps = 0
            if closeContactors, abs(status1.presentAmps) < script.weldingCurrentAmps || elapsed(now, script.weldingTimeout) {
                openContactors(now)
            }
            if resumeRequested, !closeContactors, !status2.contactorsClosed {
                resumes += 1
                enter(.precharge, now)
            }
        case .acReady:
            if vehicleReadyToCharge { enter(.acCharging, now) }
        case .acCharging:
            if !vehicleReadyToCharge {
                stopEdgeAt = now
                lastEnd = .vehicleStop
                readyToDeliverPower = false
                enter(.acEnding, now)
            } else if script.stop == .charger, elapsed(now, script.chargeFor) {
                lastEnd = .chargerStop
                readyToDeliverPower = false
                enter(.acEnding, now)
            }
        case .acEnding:
            if !vehicleReadyToCharge {
                enter(.closing, now)
            } else if elapsed(now, script.acStopTimeout) {
                abort(.acStopTooSlow, now)
            }
        }
    }

    private func openContactors(_ now: MonotonicInstant) {
        if closeContactors { contactorsOpenCommandedAt = now }
        closeContactors = false
    }

    /// A fault or emergency: no current, contactors open now, straight to Closing_Communication.
    private func abort(_ why: End, _ now: MonotonicInstant) {
        lastEnd = why
        grantedAmps = 0
        readyToDeliverPower = false
        openContactors(now)
        enter(.closing, now)
    }

    private func enter(_ s: Stage, _ now: MonotonicInstant) {
        if s == .waitingForEVSE {
            grantedAmps = 0
            readyToDeliverPower = false
            closeContactors = false
            if stage != .initialising {
                // §2.5 0x618: back in Waiting_For_EVSE the control returns to Current_Control.
                scheduledVoltageControl = false
                loopTargetVolts = 0
                loopTargetAmps = 0
            }
        }
        stage = s
        stageSince = now
        nextCycleAt = now  // a stage change is reported at once
    }

    private func send(_ index: Int, _ v: SignalValues) {
        if silenced { return }
        let f: AdvanticsFrame
        do throws(AdvanticsCANError) { f = try codec.encodePEV(index, v) } catch {
            framesRejected += 1
            return
        }
        if (try? bus.send(CANFrame(f))) == true { framesSent += 1 }
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        SafeStopReport(name, ["EVCC emulator: stage \(stage), Close_Contactors \(closeContactors ? "Close" : "Open")"])
    }
}

/// Toward `target` at `step` per tick; a smaller magnitude, or the other direction's zero crossing,
/// is taken at once (a lowered limit is obeyed, a raised one ramped).
@inline(__always)
private func ramp(_ value: Double, _ target: Double, _ step: Double) -> Double {
    if target >= 0 { return value < target ? min(target, max(value, 0) + step) : target }
    return value > target ? max(target, min(value, 0) - step) : target
}
