import AdvanticsCAN
import AdvanticsCANLink
import Buffers
import Contracts
import ControlLoop
import CoreTypes
import HAL
import V2GSession

/// ChargeKit as the vehicle's BMS/VCU behind an ADVANTICS vehicle controller (EVCC/MEVC) on the generic
/// PEV CAN interface v2 (advantics-can.md §2): the controller talks to the charger over CCS and asks us,
/// over CAN, to close and open the vehicle's DC contactors; we tell it what the battery wants (an
/// `EVBatteryModel`), what flows, and when to stop.
///
/// Reads and writes only the CAN pump's rings, the vehicle's `DCContactors` and the inlet's
/// `OutputMeter` (contracts; never a descriptor). Per tick:
/// - takes `EVSE_Information`, `AC_Control`, `DC_Control` and the diagnostics;
/// - DC (D1–D8): obeys `Close_Contactors` (closing only with the inlet within 20 V of the battery,
///   opening at once), asks `Max_Charge_Current` = the battery's demand (0 once complete, stopping or
///   faulted), sends a `Normal_End_of_Charge` edge when the battery is complete; the current measured
///   while the contactors are closed charges the battery model;
/// - AC (A1–A5): `Ready_To_Charge` only while the EVCC is `Ready_To_Deliver_Power` and the battery wants
///   current; the on-board charger stops drawing before `Ready_To_Charge` returns to 0;
/// - sends `EV_Information`, `DC_Status1`, `DC_Status2` and `AC_Status` every 100 ms from the start
///   (the VCU obligations of §2.7), `EV_Status` on change only (DB v2.5);
/// - no `DC_Control` for 1 s (§2.3) → fault: contactors open at once, an `Emergency_Stop` edge;
/// - D5 bidirectional (ISO 15118-20 Dynamic mode, `configuration.bidirectional` with an
///   `EVBidirectionalBattery`): `Max_Charge_Current` and `Max_Discharge_Current` as the battery's limits
///   (the charger picks direction and setpoint), energy requests down to the battery's floor, the V2X
///   window and the departure time; a negative current discharges the battery model; a discharge beyond
///   our limit is a fault;
/// - D6 ISO 15118-20 Scheduled mode: current or voltage control in `EV_Status` (on change; sent again
///   after Waiting_For_EVSE, where the controller resets it to current control);
/// - D7 pause/resume: `Charge_Pause_Request` / `Charge_Resume_Request` held until the controller's stage
///   acknowledges them (Charge_Pause, then out of it); no current asked or allowed while paused.
public final class AdvanticsPEV: TickController {
    public let name = "advantics-pev"
    public let received: RingBuffer<CANFrame>
    public let transmit: RingBuffer<CANFrame>
    public let codec: AdvanticsCANCodec
    public let configuration: AdvanticsPEVConfiguration
    public let battery: any EVBatteryModel
    public let contactors: any DCContactors
    public let inlet: any OutputMeter

    /// The controller's last `EVSE_Information` (stage, pins, the current we may draw).
    public private(set) var evse = EVSEInformation()
    public private(set) var closeCommanded = false
    public private(set) var readyToDeliverPower = false
    public private(set) var diagnostics = EVCCDiagnostics()
    public private(set) var fault: AdvanticsPEVFault?
    /// What we ask for now (`DC_Status1.Max_Charge_Current`) and, AC, what the on-board charger draws.
    public private(set) var requestAmps: Double = 0
    public private(set) var acDrawAmps: Double = 0
    public private(set) var readyToCharge = false
    /// A stop asked by the vehicle (battery complete, `requestStop`), until the controller is back
    /// in Waiting_For_EVSE.
    public private(set) var stopRequested = false
    public private(set) var lastDCControlAt: MonotonicInstant?
    /// Counters: frames of neither interface, rejected by the codec, of the EVSE interface or sent by
    /// a VCU; our frames the full ring refused; our status rounds; sessions seen to their end.
    public private(set) var unknownFrames = 0
    public private(set) var rejectedFrames = 0
    public private(set) var ignoredFrames = 0
    public private(set) var transmitDropped = 0
    public private(set) var statusRounds = 0
    public private(set) var sessionsEnded = 0
    /// The battery's discharge side when the role is bidirectional (D5), else nil.
    public let bidirectionalBattery: (any EVBidirectionalBattery)?
    /// What we let the charger take back now (`DC_Status1.Max_Discharge_Current`; 0 unless D5).
    public private(set) var dischargeLimitAmps: Double = 0
    /// Pauses and resumes the controller acknowledged (D7).
    public private(set) var pauses = 0
    public private(set) var resumes = 0
    /// D7/D6: our pending `EV_Status` requests and the Scheduled-mode control we ask for.
    public var pauseRequested: Bool { status.chargePauseRequest }
    public var resumeRequested: Bool { status.chargeResumeRequest }
    public var scheduledVoltageControl: Bool { status.voltageControl }

    private var status = EVStatusFlags()
    private var sentStatus: EVStatusFlags?
    private var nextStatusAt: MonotonicInstant = .zero
    private var lastTickAt: MonotonicInstant?
    private var normalEndFrames = 0
    private var emergencyFrames = 0
    private var stopPending = false
    private var emergencyPending = false
    private var values = SignalValues()
    private var dischargeExcessSince: MonotonicInstant?
    private let maxKilowattHours: Double

    public init(received: RingBuffer<CANFrame>, transmit: RingBuffer<CANFrame>, battery: any EVBatteryModel,
                contactors: any DCContactors, inlet: any OutputMeter,
                configuration: AdvanticsPEVConfiguration = AdvanticsPEVConfiguration(),
                codec: AdvanticsCANCodec = AdvanticsCANCodec()) {
        self.received = received
        self.transmit = transmit
        self.battery = battery
        self.contactors = contactors
        self.inlet = inlet
        self.configuration = configuration
        self.codec = codec
        bidirectionalBattery = configuration.bidirectional ? battery as? any EVBidirectionalBattery : nil
        // The largest energy the 16-bit fields carry at this firmware's resolution (6553 kWh at
        // 0.1 kWh/bit, the database's limit; 655.35 kWh at 0.01).
        maxKilowattHours = min(6553, 65535 * codec.pevScaling.kilowattHoursPerBit)
        status.voltageControl = configuration.scheduledVoltageControl
    }

    /// A user stop (the car's stop button): a `Normal_End_of_Charge` edge (§2.7 D4, A4).
    public func requestStop() { stopPending = true }
    /// A vehicle emergency: contactors open at once, an `Emergency_Stop` edge (§2.5).
    public func requestEmergencyStop() { emergencyPending = true }
    /// `EV_Status.HV_Preparing_Hold_Off` (§2.5 0x618): hold the session before the powered states.
    public func holdOff(_ on: Bool) { status.hvPreparingHoldOff = on }

    /// D6: ISO 15118-20 Scheduled mode, voltage control (true: the controller sends the charger our
    /// `Target_Voltage` and 0 A) or current control (our `Max_Charge_Current` and 0 V). May change at any
    /// time (§2.5 0x618).
    public func scheduledControl(voltage: Bool) { status.voltageControl = voltage }

    /// D7: asks the controller to pause the charge (`Charge_Pause_Request`; IEC 61851-23:2023 CC.3.3).
    /// Valid only in the charging phase of a CCS DC session with ISO 15118 (not MCS, not before
    /// charging, §2.5 0x618); returns false and asks nothing otherwise.
    @discardableResult
    public func requestPause() -> Bool {
        guard evse.stage == .charging, evse.pins == .ccsDCCore || evse.pins == .ccsDCExtended,
              evse.communicationProtocol >= 3, !stopRequested, fault == nil else { return false }
        status.chargePauseRequest = true
        return true
    }

    /// D7: asks the controller to resume a paused charge (`Charge_Resume_Request`; the controller wakes
    /// the charger by a B-C-B toggle on CP, CC.5.2.4) — without a new plug-in. Valid in Charge_Pause only.
    @discardableResult
    public func requestResume() -> Bool {
        guard evse.stage == .chargePause, !stopRequested, fault == nil else { return false }
        status.chargeResumeRequest = true
        return true
    }

    public var stage: CommunicationStage { evse.stage }

    public func tick(_ context: TickContext) {
        let now = context.now
        let since = lastTickAt.map { now - $0 } ?? .zero
        lastTickAt = now
        while let frame = received.pop() { take(frame, now) }
        watchLiveness(now)
        charge(since)
        decide(now)
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
        guard ref.interface == .pev, codec.pev[ref.index].fromController else {
            ignoredFrames &+= 1
            return
        }
        switch PEVMessage(index: ref.index, values) {
        case .evseInformation(let info):
            let previous = evse.stage
            evse = info
            // D7: a request is held until the stage answers it (the sequence is undocumented, §2.7).
            if status.chargePauseRequest, info.stage != .charging {
                status.chargePauseRequest = false
                if info.stage == .chargePause { pauses &+= 1 }
            }
            if status.chargeResumeRequest, info.stage != .chargePause {
                status.chargeResumeRequest = false
                if previous == .chargePause, info.stage != .waitingForEVSE { resumes &+= 1 }
            }
            if info.stage == .waitingForEVSE || info.stage == .initialising {
                if previous != .waitingForEVSE, previous != .initialising { sessionsEnded &+= 1 }
                // All signals re-initialise at unplug (§2.7 A5, D8); a fault other than silence is cleared.
                stopRequested = false
                readyToDeliverPower = false
                diagnostics = EVCCDiagnostics()
                if let f = fault, f != .controllerSilent { fault = nil }
                // The controller resets the Scheduled-mode control to Current_Control here (§2.5 0x618):
                // voltage control is asked again for the next session.
                if previous != .waitingForEVSE, previous != .initialising, status.voltageControl { sentStatus = nil }
            }
        case .acControl(let ready):
            readyToDeliverPower = ready
        case .dcControl(let close):
            lastDCControlAt = now
            closeCommanded = close
            if fault == .controllerSilent, !close { fault = nil }
        case .diagnostics(let d):
            diagnostics = d
        default:
            break
        }
    }

    // MARK: - Deciding

    private func watchLiveness(_ now: MonotonicInstant) {
        guard let last = lastDCControlAt, fault != .controllerSilent else { return }
        if now.nanoseconds &- last.nanoseconds > configuration.dcControlTimeout.count {
            fault = .controllerSilent
            emergencyFrames = configuration.edgeFrames
            closeCommanded = false
        }
    }

    /// The current measured while the contactors are closed charges the battery (DC); the on-board
    /// charger's draw does (AC).
    private func charge(_ duration: Nanoseconds) {
        guard duration.count > 0 else { return }
        let m = inlet.measurement
        if let b = bidirectionalBattery {
            // Both ways, every tick (a negative current discharges; the departure time counts down).
            b.deliver(amps: contactors.status.isClosed ? m.amps : acDrawAmps, volts: m.volts, for: duration)
            return
        }
        if contactors.status.isClosed, m.amps > 0 {
            battery.deliver(amps: m.amps, volts: m.volts, for: duration)
        } else if acDrawAmps > 0 {
            battery.deliver(amps: acDrawAmps, volts: battery.terminalVolts, for: duration)
        }
    }

    private func decide(_ now: MonotonicInstant) {
        if emergencyPending {
            emergencyPending = false
            fault = .emergencyStop
            emergencyFrames = configuration.edgeFrames
        }
        let demand = battery.demand()
        let inSession = evse.stage != .waitingForEVSE && evse.stage != .initialising
        // Bidirectional (D5): a full battery only stops asking for charge; the charger may still discharge.
        if inSession, !stopRequested, stopPending || (demand.complete && bidirectionalBattery == nil) {
            stopRequested = true
            normalEndFrames = configuration.edgeFrames
        }
        stopPending = false
        let status = contactors.status
        if status.fault != nil, fault == nil {
            fault = .contactors
            emergencyFrames = configuration.edgeFrames
        }

        // The DC contactors: closed only while commanded, matched and not faulted; opened at once.
        if fault != nil || !closeCommanded {
            if status.commandedClosed { contactors.open(now) }
        } else if !status.commandedClosed {
            let battery = self.battery.terminalVolts
            let inletVolts = inlet.measurement.volts
            if abs(inletVolts - battery) <= configuration.closeToleranceVolts {
                contactors.close(now)
            } else {
                fault = .closeRefused(inletVolts: inletVolts, batteryVolts: battery)
                normalEndFrames = configuration.edgeFrames
                stopRequested = true
            }
        }

        // What we ask for and allow: nothing while stopping or paused (D7).
        let stopping = stopRequested || fault != nil
        let paused = evse.stage == .chargePause || self.status.chargePauseRequest
        requestAmps = stopping || !inSession || paused ? 0 : min(demand.targetAmps, battery.maxAmps)
        if let b = bidirectionalBattery, inSession, !stopping, !paused {
            dischargeLimitAmps = b.dischargeAmpsLimit
        } else {
            dischargeLimitAmps = 0
        }
        watchDischarge(now)

        // AC: draw only while both sides are ready; stop drawing first, then clear Ready_To_Charge.
        if evse.pins.isAC, inSession, readyToDeliverPower, !stopping, demand.targetAmps > 0 {
            if readyToCharge {
                let limit = configuration.acMaxAmps > 0 ? configuration.acMaxAmps : battery.maxAmps
                acDrawAmps = max(0, min(evse.maxAmps, limit, demand.targetAmps))
            } else {
                readyToCharge = true
            }
        } else if acDrawAmps > 0 {
            acDrawAmps = 0
            if fault != nil { readyToCharge = false }  // an emergency clears it at once (§2.5 0x611)
        } else {
            readyToCharge = false
        }
    }

    /// A charger draining the pack past `Max_Discharge_Current` (by more than the tolerance, for longer
    /// than the configured time) → fault: the contactors open on the next decision, an emergency edge.
    private func watchDischarge(_ now: MonotonicInstant) {
        let out = -inlet.measurement.amps
        guard contactors.status.isClosed, out > dischargeLimitAmps + configuration.dischargeExcessAmps else {
            dischargeExcessSince = nil
            return
        }
        guard let since = dischargeExcessSince else {
            dischargeExcessSince = now
            return
        }
        if fault == nil, now.nanoseconds &- since.nanoseconds >= configuration.dischargeExcessFor.count {
            fault = .dischargeBeyondLimit(amps: out, limitAmps: dischargeLimitAmps)
            emergencyFrames = configuration.edgeFrames
            contactors.open(now)
        }
    }

    // MARK: - Sending

    private func send(_ now: MonotonicInstant) {
        if sentStatus != status {
            if queue(PEVMessageIndex.evStatus, status.values) { sentStatus = status }
        }
        guard now >= nextStatusAt else { return }
        let m = inlet.measurement
        let closed = contactors.status.isClosed
        var info = SignalValues(count: 2)
        info[0] = clamp(battery.soc.rounded(), 0, 100)
        let capacity = configuration.capacityKWh > 0 ? configuration.capacityKWh : battery.capacityWattHours / 1000
        info[1] = clamp(capacity, 0, maxKilowattHours)
        _ = queue(PEVMessageIndex.evInformation, info)

        let demand = battery.demand()
        let s1 = DCStatus1(maxChargeAmps: clamp(requestAmps, 0, 3276), presentAmps: clamp(closed ? m.amps : acDrawAmps, -3276, 3276),
                           maxDischargeAmps: clamp(dischargeLimitAmps, 0, 65535), targetVolts: clamp(demand.targetVolts.rounded(), 0, 65535))
        _ = queue(PEVMessageIndex.dcStatus1, s1.values)
        let s2 = DCStatus2(contactorsClosed: closed, normalEndOfCharge: normalEndFrames > 0, emergencyStop: emergencyFrames > 0,
                           batteryVolts: clamp(battery.terminalVolts, 0, 6553), inletVolts: clamp(m.volts, 0, 6553))
        _ = queue(PEVMessageIndex.dcStatus2, s2.values)
        if normalEndFrames > 0 { normalEndFrames -= 1 }
        if emergencyFrames > 0 { emergencyFrames -= 1 }
        var ac = SignalValues(count: 1)
        ac[0] = readyToCharge ? 1 : 0
        _ = queue(PEVMessageIndex.acStatus, ac)
        if configuration.sendsEnergyRequest || bidirectionalBattery != nil {
            let kwh = battery.capacityWattHours / 1000
            // The minimum is the present energy (no discharge) unless bidirectional: the battery's floor.
            let floor = bidirectionalBattery?.minimumSoC ?? battery.soc
            let e = EVEnergyRequest(targetKWh: clamp(kwh * battery.targetSoC / 100, 0, maxKilowattHours),
                                    maximumKWh: clamp(kwh, 0, maxKilowattHours),
                                    minimumKWh: clamp(kwh * floor / 100, 0, maxKilowattHours))
            _ = queue(PEVMessageIndex.evEnergyRequest, e.values)
            if let b = bidirectionalBattery {
                var w = SignalValues(count: 2)
                w[0] = clamp(kwh * b.v2xMinimumSoC / 100, 0, maxKilowattHours)
                w[1] = clamp(kwh * b.v2xMaximumSoC / 100, 0, maxKilowattHours)
                _ = queue(PEVMessageIndex.evV2XEnergyRequest, w)
                var d = SignalValues(count: 1)
                d[0] = clamp(b.secondsToDeparture.rounded(), 0, 4_294_967_295)
                _ = queue(PEVMessageIndex.evExtraBPTInformation, d)
            }
        }
        statusRounds &+= 1
        let next = MonotonicInstant(nanoseconds: nextStatusAt.nanoseconds &+ configuration.statusPeriod.count)
        nextStatusAt = next > now ? next : MonotonicInstant(nanoseconds: now.nanoseconds &+ configuration.statusPeriod.count)
    }

    private func queue(_ index: Int, _ v: SignalValues) -> Bool {
        let f: AdvanticsFrame
        do throws(AdvanticsCANError) {
            f = try codec.encodePEV(index, v)
        } catch {
            rejectedFrames &+= 1
            return false
        }
        if transmit.push(CANFrame(f)) { return true }
        transmitDropped &+= 1
        return false
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        // The vehicle's contactors open at once (an emergency may open under load); the controller
        // hears the emergency edge and the open contactors.
        let wasClosed = contactors.status.commandedClosed
        contactors.open(lastTickAt ?? .zero)
        requestAmps = 0
        acDrawAmps = 0
        readyToCharge = false
        var s2 = DCStatus2(emergencyStop: true, batteryVolts: clamp(battery.terminalVolts, 0, 6553),
                           inletVolts: clamp(inlet.measurement.volts, 0, 6553))
        s2.contactorsClosed = false
        _ = queue(PEVMessageIndex.dcStatus2, s2.values)
        return SafeStopReport(name, ["vehicle contactors \(wasClosed ? "opened" : "open"), Emergency_Stop queued "
                                     + "(stage \(evse.stage), fault: \(fault.map { "\($0)" } ?? "none"))"])
    }
}

@inline(__always)
private func clamp(_ v: Double, _ lo: Double, _ hi: Double) -> Double { v < lo ? lo : v > hi ? hi : v }
