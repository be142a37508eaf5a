import AdvanticsCAN
import AdvanticsCANLink
import ControlLoop
import CoreTypes
import HAL

/// A scripted ADVANTICS charge-station controller (SECC) on a CAN bus: plays the EVSE v3 sequence
/// E0–E13 (advantics-can.md §1.7) against a customer controller, as the vehicle behind it would pace
/// it — a normal session, a stop from either side, an insulation failure, an emergency stop, its own
/// silence and the modules' silence. The vehicle's contactors are a hook the composition wires to a
/// plant. Allocation-free per tick once built (its frames are fixed-size values).
public final class ScriptedSECC: TickController {
    public enum Stage: Sendable, Equatable {
        case notAvailable, waitingForPEV, negotiating, authorising, connected, wakingModules, insulationTest,
             lowering, precharge, waitingForCharge, charging, ending, weldingDetection, closing, emergency
    }

    public let name = "advantics-secc"
    public let bus: any CANBus
    public var script: SECCScript
    public let codec: AdvanticsCANCodec
    /// The vehicle closes (true) or opens (false) its contactors.
    public var vehicleContactors: ((Bool) -> Void)?
    /// The vehicle's battery voltage (precharge target).
    public var batteryVolts: () -> Double = { 380 }

    public private(set) var stage: Stage = .notAvailable
    public private(set) var state: ControllerState = .initialising
    public private(set) var modules = PowerModulesStatus()
    public private(set) var modulesSeenAt: MonotonicInstant?
    public private(set) var flags = SequenceControl()
    public private(set) var sessionsCompleted = 0
    public private(set) var rushedStops = 0
    public private(set) var insulationFailures = 0
    public private(set) var emergencyOrigin: EmergencyOrigin?
    public private(set) var vehicleContactorsClosed = false
    /// The controller stops sending anything (its application hangs).
    public var silenced = false
    public private(set) var framesSent = 0

    private var stageSince: MonotonicInstant = .zero
    private var nextStatusAt: MonotonicInstant = .zero
    private var nextRequestAt: MonotonicInstant = .zero
    private var goodIterations = 0
    private var matchingSince: MonotonicInstant?
    private var rushed = false
    private var userStopSeen = false
    private var values = SignalValues()
    private var started = false
    private var emergencyPending = false

    public init(bus: any CANBus, script: SECCScript = SECCScript(), codec: AdvanticsCANCodec = AdvanticsCANCodec()) {
        self.bus = bus
        self.script = script
        self.codec = codec
    }

    /// An emergency stop (hardware interlock, E-stop loop, or the vehicle's), signalled from now on.
    public func triggerEmergencyStop(origin: EmergencyOrigin) {
        emergencyOrigin = origin
        emergencyPending = true
    }

    public func tick(_ context: TickContext) {
        let now = context.now
        if !started {
            started = true
            enter(script.useSequenceFlags ? .notAvailable : .waitingForPEV, now)
        }
        receive(now)
        if emergencyPending {
            emergencyPending = false
            enter(.emergency, now)
        }
        advance(now)
        if silenced { return }
        if now >= nextStatusAt {
            send(EVSEMessageIndex.controllerStatus, EVSEMessage.single(Double(state.rawValue)))
            if stage == .connected || stage == .wakingModules {
                var v = SignalValues(count: 2)
                v[0] = Double(script.communicationProtocol)
                v[1] = Double(script.plugAndPins)
                send(EVSEMessageIndex.newChargeSession, v)
            }
            if stage == .emergency, let o = emergencyOrigin {
                send(EVSEMessageIndex.emergencyStop, EVSEMessage.single(Double(o.rawValue)))
            }
            nextStatusAt = now + .milliseconds(100)
        }
        if now >= nextRequestAt {
            if let c = powerControl(now) { send(EVSEMessageIndex.dcPowerControl, c.values) }
            nextRequestAt = now + script.requestPeriod
        }
    }

    private func receive(_ now: MonotonicInstant) {
        while let frame = try? bus.receive() {
            guard let f = AdvanticsFrame(received: frame) else { continue }
            guard let ref = try? codec.decode(f, into: &values), ref.interface == .evse, ref.pistol == script.pistol else { continue }
            switch EVSEMessage(index: ref.index, values) {
            case .powerModulesStatus(let s):
                modules = s
                modulesSeenAt = now
            case .sequenceControl(let s):
                if s.userStopPressed, !flags.userStopPressed { userStopSeen = true }
                flags = s
            default:
                break
            }
        }
    }

    private func elapsed(_ now: MonotonicInstant, _ d: Nanoseconds) -> Bool { now.nanoseconds &- stageSince.nanoseconds >= d.count }

    private func advance(_ now: MonotonicInstant) {
        // Interlock: the modules must report while a session is powered (§1.3).
        let powered: Bool = switch stage {
        case .wakingModules, .insulationTest, .lowering, .precharge, .waitingForCharge, .charging, .ending, .weldingDetection: true
        default: false
        }
        if powered, let seen = modulesSeenAt, now.nanoseconds &- seen.nanoseconds > script.modulesTimeout.count {
            emergencyOrigin = .evse
            enter(.emergency, now)
        }
        switch stage {
        case .notAvailable:
            if flags.startChargeAuthorised { enter(.waitingForPEV, now) }
        case .waitingForPEV:
            if script.useSequenceFlags, !flags.startChargeAuthorised { enter(.notAvailable, now) }
            else if elapsed(now, script.plugInAfter) { enter(.negotiating, now) }
        case .negotiating:
            if elapsed(now, script.negotiation) {
                enter(script.externalAuthorisation && script.useSequenceFlags ? .authorising : .connected, now)
                if stage == .connected { sendEVInformation() }
            }
        case .authorising:
            if flags.ccsAuthorisationDone {
                if flags.ccsAuthorisationValid {
                    enter(.connected, now)
                    sendEVInformation()
                } else {
                    finish(rushed: true, now)
                }
            }
        case .connected:
            if !script.useSequenceFlags || flags.chargeParametersDone { enter(.wakingModules, now) }
        case .wakingModules:
            if modules.systemEnable, modulesSeenAt != nil {
                send(EVSEMessageIndex.dcPowerControl, DCPowerControl(function: .standby).values)
                goodIterations = 0
                enter(.insulationTest, now)
            }
        case .insulationTest:
            if elapsed(now, script.insulationTimeLimit) || !modules.systemEnable {
                insulationFailures += 1
                finish(rushed: true, now)
            }
        case .lowering:
            if modules.presentVolts <= 20 { enter(.precharge, now) }
        case .precharge:
            if abs(modules.presentVolts - batteryVolts()) <= script.vehicleMatchTolerance {
                let since = matchingSince ?? now
                matchingSince = since
                if now.nanoseconds &- since.nanoseconds >= script.vehicleCloseDelay.count {
                    setVehicleContactors(true)
                    send(EVSEMessageIndex.dcPowerControl, DCPowerControl(function: .standby, contactorsClosed: true).values)
                    send(EVSEMessageIndex.chargeStatusChange, EVSEMessage.single(1))
                    enter(.waitingForCharge, now)
                }
            } else {
                matchingSince = nil
            }
        case .waitingForCharge:
            enter(.charging, now)
        case .charging:
            if !modules.systemEnable {
                // The modules ask for an emergency shutdown during the loop (§1.3).
                emergencyOrigin = .evse
                enter(.emergency, now)
            } else if userStopSeen || (script.stop == .vehicle && elapsed(now, script.chargeFor)) {
                userStopSeen = false
                send(EVSEMessageIndex.chargeStatusChange, EVSEMessage.single(0))
                enter(.ending, now)
            }
        case .ending:
            if vehicleContactorsClosed, abs(modules.presentAmps) <= 1 { setVehicleContactors(false) }
            if !vehicleContactorsClosed, elapsed(now, .milliseconds(300)) { enter(.weldingDetection, now) }
        case .weldingDetection:
            if elapsed(now, script.weldingDetection) { finish(rushed: false, now) }
        case .closing:
            if elapsed(now, script.closing) {
                if rushed { rushedStops += 1 } else { sessionsCompleted += 1 }
                enter(script.useSequenceFlags && !flags.startChargeAuthorised ? .notAvailable : .waitingForPEV, now)
            }
        case .emergency:
            // The vehicle opens its contactors once the current is down (or after 200 ms regardless).
            if vehicleContactorsClosed, abs(modules.presentAmps) <= 1 || elapsed(now, .milliseconds(200)) {
                setVehicleContactors(false)
            }
            if elapsed(now, script.emergencyHold) {
                emergencyOrigin = nil
                finish(rushed: true, now)
            }
        }
    }

    /// The insulation-test rule, judged on every DC_Power_Control iteration (E6).
    private func judgeInsulation(_ now: MonotonicInstant) {
        if modules.presentVolts >= 0.9 * script.testVolts {
            if modules.insulationKiloohms >= script.insulationThresholdKiloohms {
                goodIterations += 1
                if goodIterations >= script.insulationIterations { enter(.lowering, now) }
            } else if modules.insulationKiloohms > 0 || goodIterations > 0 {
                insulationFailures += 1
                finish(rushed: true, now)
            }
        }
    }

    private func finish(rushed: Bool, _ now: MonotonicInstant) {
        self.rushed = rushed
        if vehicleContactorsClosed { setVehicleContactors(false) }
        send(EVSEMessageIndex.chargeSessionFinished, EVSEMessage.single(rushed ? 1 : 0))
        enter(.closing, now)
    }

    private func setVehicleContactors(_ closed: Bool) {
        vehicleContactorsClosed = closed
        vehicleContactors?(closed)
    }

    /// The DC_Power_Control of the current step, once per vehicle request.
    private func powerControl(_ now: MonotonicInstant) -> DCPowerControl? {
        switch stage {
        case .insulationTest:
            judgeInsulation(now)
            if stage != .insulationTest { return powerControl(now) }
            return DCPowerControl(targetVolts: script.testVolts, function: .insulationTest, contactorsClosed: true)
        case .lowering:
            return DCPowerControl(function: .standby, contactorsClosed: true, lowering: true)
        case .precharge:
            return DCPowerControl(targetVolts: batteryVolts(), rangeMaxAmps: script.prechargeAmps, function: .precharge,
                                  mode: .range, contactorsClosed: true)
        case .waitingForCharge:
            return DCPowerControl(function: .standby, contactorsClosed: true)
        case .charging:
            if let r = script.rangeMode {
                return DCPowerControl(targetVolts: script.chargeVolts, rangeMaxAmps: r.max, rangeMinAmps: r.min,
                                      function: .powerTransfer, mode: .range, contactorsClosed: true)
            }
            return DCPowerControl(targetVolts: script.chargeVolts, rangeMaxAmps: script.chargeAmps, rangeMinAmps: script.chargeAmps,
                                  function: .powerTransfer, contactorsClosed: true)
        case .ending:
            // E11: current down with the contactors closed, then open, then lowering.
            if vehicleContactorsClosed || abs(modules.presentAmps) >= 1 {
                return DCPowerControl(function: .standby, contactorsClosed: true)
            }
            return DCPowerControl(function: .standby, contactorsClosed: false, lowering: true)
        case .closing:
            return modules.presentVolts > 20 ? DCPowerControl(function: .standby, lowering: true) : nil
        default:
            return nil
        }
    }

    private func sendEVInformation() {
        var b = SignalValues(count: 5)
        b[0] = 60
        b[1] = 50
        send(EVSEMessageIndex.evBattery, b)
        var v = SignalValues(count: 3)
        v[1] = script.evMaxVolts
        v[2] = batteryVolts()
        send(EVSEMessageIndex.evVoltages, v)
        var c = SignalValues(count: 4)
        c[1] = script.evMaxAmps
        send(EVSEMessageIndex.evChargeLimits, c)
    }

    private func enter(_ s: Stage, _ now: MonotonicInstant) {
        stage = s
        stageSince = now
        matchingSince = nil
        state = switch s {
        case .notAvailable: .notAvailable
        case .waitingForPEV: .waitingForPEV
        case .negotiating: .negotiatingConnection
        case .authorising: .ccsAuthorisationProcess
        case .connected, .wakingModules: .connectedWithFullInfo
        case .insulationTest, .lowering: .insulationTest
        case .precharge: .precharge
        case .waitingForCharge: .waitingForCharge
        case .charging: .charging
        case .ending: .endingCharge
        case .weldingDetection: .weldingDetection
        case .closing: .closingCommunication
        case .emergency: state
        }
        // A state change is reported at once (the status is periodic and also goes out on change).
        nextStatusAt = now
    }

    private func send(_ index: Int, _ v: SignalValues) {
        if silenced { return }
        guard let f = try? codec.encodeEVSE(index, v, pistol: script.pistol) else { return }
        if (try? bus.send(CANFrame(f))) == true { framesSent += 1 }
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        SafeStopReport(name, ["SECC emulator: state \(state), vehicle contactors \(vehicleContactorsClosed ? "closed" : "open")"])
    }
}
