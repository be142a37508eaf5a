import CoreTypes
import V2GSession
import WhitebeetHCI

/// The car a WHITE-beet-EI with generation-1 firmware (V01_01_0x) talks to, as the module asks the
/// host about it (whitebeet-hci.md §15.1 steps 13–25): session started, request EVSE ID,
/// authorization, schedules, discovery, cable check status and parameters, pre-charge (repeated
/// until the host's present voltage matches the target), start charging, the charge loop (repeated),
/// stop charging, post charge, session stopped. Every request carries its time-out (§12.2); a host
/// that does not answer in time ends the session as the module does — "session stopped" (0x81) with
/// no further request [inferred: Gen-1 has no session-error notification]. `timedOutWaitingFor` keeps
/// the sub of the request that went unanswered.
///
/// With a `battery` the car is that pack (targets, limits, SoC, the stop at ChargingComplete), as the
/// generation-2 `ScriptedCarSession`; without one it plays the fixed `ScriptedCarSession.Profile`.
public final class ScriptedGen1CarSession {
    public enum Phase: Equatable, Sendable {
        case idle
        case starting
        /// Waiting for the host's answer to the request of this sub (0x82…0x8C).
        case awaiting(UInt8)
        /// Between two repeated requests (pre-charge, charge loop): the next goes out at `nextStep`.
        case precharging
        case charging
        /// After the post-charge answer: "session stopped" follows.
        case closing
        case finished
        /// Ended by the module: the host missed the time-out of the request of this sub, or refused.
        case failed(sub: UInt8)
    }

    public var profile: ScriptedCarSession.Profile
    public let battery: (any EVBatteryModel)?
    public private(set) var phase: Phase = .idle
    public private(set) var chargeLoopsDone = 0
    /// Pre-charge requests of this session (repeated until the present voltage matched).
    public private(set) var prechargeRequests = 0
    public private(set) var soc: UInt8
    /// The present voltage and current the host last answered (0x6E, 0x70, 0x72).
    public private(set) var presentVolts: Double?
    public private(set) var presentAmps: Double = 0
    /// The sub of the request whose time-out the host missed (nil: none).
    public private(set) var timedOutWaitingFor: UInt8?
    /// Time-out announced with one-off requests (ms); FreeV2G's logs show 1.5…55 s.
    public var answerTimeout: UInt32 = 5000
    /// Time-out announced with the cable check status request: ISO 15118-2 allows 38 s of cable check.
    public var cableCheckTimeout: UInt32 = 38_000
    /// Time-out announced with each repeated pre-charge and charge-loop request.
    public var loopTimeout: UInt32 = 500
    let loopPeriod = Nanoseconds.milliseconds(100)
    /// The module ends a pre-charge that does not reach the target (DIN/ISO pre-charge limit).
    let prechargeLimit = Nanoseconds.seconds(7)
    private var deadline = MonotonicInstant.zero
    private var nextStep = MonotonicInstant.zero
    private var prechargeEnd = MonotonicInstant.zero
    private var lastDelivery: MonotonicInstant?

    public init(profile: ScriptedCarSession.Profile = .init()) {
        self.profile = profile
        battery = nil
        soc = profile.startSOC
    }

    public init(battery: any EVBatteryModel, profile: ScriptedCarSession.Profile = .init()) {
        self.battery = battery
        self.profile = profile
        soc = profile.startSOC
        takeLimits(from: battery)
    }

    private func takeLimits(from battery: any EVBatteryModel) {
        profile.take(from: battery)
        soc = profile.startSOC
    }

    /// The car's contactors are closed (the CP shows state C): from "start charging" to post charge.
    public var drawsPower: Bool {
        switch phase {
        case .precharging, .charging: true
        case .awaiting(let sub): sub >= 0x88 && sub <= 0x8B
        default: false
        }
    }

    var isActive: Bool {
        switch phase {
        case .idle, .finished, .failed: false
        default: true
        }
    }

    func begin(_ now: MonotonicInstant) {
        phase = .starting
        chargeLoopsDone = 0
        prechargeRequests = 0
        timedOutWaitingFor = nil
        if let battery { takeLimits(from: battery) }
        soc = profile.startSOC
        presentVolts = nil
        presentAmps = 0
        lastDelivery = nil
        nextStep = now + .milliseconds(50)
    }

    func abandon() { phase = .idle }

    /// V2G stop (0x43): a running session is dropped (the module closes the TCP connection, §10).
    func stopV2G(_ send: (HCINotification) -> Void) {
        if isActive {
            send(.evseGen1(.sessionStopped(closure: 0)))
            phase = .failed(sub: 0x43)
        }
    }

    /// A Gen-1 host answer reached the module. False when it answers no outstanding request (the
    /// module's "wrong phase", 0x11 — also Set EVSE ID outside its window, §3.5 [obs]).
    func receive(_ command: EVSEGen1Request, _ now: MonotonicInstant, _ send: (HCINotification) -> Void) -> Bool {
        guard case .awaiting(let sub) = phase, command.sub == EVSEGen1Notification.answerSub(toRequest: sub) else { return false }
        switch command {
        case .setEVSEID:
            ask(.requestAuthorization(timeoutMilliseconds: answerTimeout), now, send)
        case .setAuthorization(let authorized):
            guard authorized else { return end(sub, send) }
            ask(.requestSchedules(timeoutMilliseconds: answerTimeout, maximumEntries: 24), now, send)
        case .setSchedules(.accepted):
            ask(.requestDiscoveryChargeParameters(timeoutMilliseconds: answerTimeout, .dc(Gen1EVDCDiscovery(
                maximumCurrent: physical(profile.maximumCurrent), maximumPower: physical(profile.maximumPower),
                maximumVoltage: physical(profile.maximumVoltage), fullSOC: fullSOC, bulkSOC: bulkSOC, soc: soc))), now, send)
        case .setDiscoveryChargeParameters(.accepted(.dc)):
            ask(.requestCableCheckStatus(timeoutMilliseconds: cableCheckTimeout), now, send)
        case .setCableCheckStatus(let ok):
            guard ok else { return end(sub, send) }
            ask(.requestCableCheckParameters(timeoutMilliseconds: answerTimeout, soc: soc), now, send)
        case .setCableCheckParameters(.accepted):
            phase = .precharging
            prechargeEnd = now + prechargeLimit
            nextStep = now
        case .setPreChargeParameters(.accepted(let p)):
            presentVolts = p.presentVoltage.value
            if abs(p.presentVoltage.value - profile.batteryVoltage) <= profile.prechargeTolerance {
                ask(.requestStartCharging(timeoutMilliseconds: answerTimeout, Gen1StartChargingRequest(
                    scheduleTupleID: 1, profile: FixedList([ProfileEntry(start: 0, power: physical(profile.maximumPower))]),
                    dc: Gen1EVStatusFlags(soc: soc, chargingComplete: false))), now, send)
            } else {
                phase = .precharging
                nextStep = now + loopPeriod
            }
        case .setStartChargingStatus(.accepted(.dc)):
            phase = .charging
            nextStep = now + loopPeriod
        case .setChargeLoopParameters(.accepted(.dc(let p))):
            presentVolts = p.presentVoltage.value
            presentAmps = p.presentCurrent.value
            phase = .charging
            nextStep = now + loopPeriod
        case .setChargeLoopParameters(.declined(let code)) where code == .stopCharging:
            // The EVSE stops (EVSENotification StopCharging): the car goes to PowerDelivery stop.
            askStop(now, send)
        case .setStopChargingStatus(.accepted):
            presentAmps = 0
            ask(.requestPostChargeParameters(timeoutMilliseconds: answerTimeout, soc: soc), now, send)
        case .setPostChargeParameters(.accepted(let p)):
            presentVolts = p.presentVoltage.value
            phase = .closing
            nextStep = now + loopPeriod
        default:
            // Declined answers and AC answers to a DC car end the session.
            return end(sub, send)
        }
        return true
    }

    func tick(_ now: MonotonicInstant, _ send: (HCINotification) -> Void) {
        if let battery { deliver(into: battery, now) }
        switch phase {
        case .idle, .finished, .failed:
            return
        case .starting:
            guard now >= nextStep else { return }
            send(.evseGen1(.sessionStarted(SessionStarted(protocolCode: 2, sessionID: 0x0102_0304_0506_0708,
                                                          evccID: HCIText("\u{2}\u{0}\u{0}\u{0}\u{0}\u{2}")))))
            ask(.requestEVSEID(timeoutMilliseconds: answerTimeout, format: 1), now, send)
        case .awaiting(let sub):
            if now >= deadline {
                timedOutWaitingFor = sub
                _ = end(sub, send)
            }
        case .precharging:
            guard now >= nextStep else { return }
            if now >= prechargeEnd {
                _ = end(0x88, send)
                return
            }
            prechargeRequests += 1
            ask(.requestPreChargeParameters(timeoutMilliseconds: loopTimeout, Gen1EVPreCharge(
                targetVoltage: physical(profile.batteryVoltage), targetCurrent: physical(2), soc: soc)), now, send)
        case .charging:
            guard now >= nextStep else { return }
            let target: (volts: Double, amps: Double, complete: Bool)
            if let battery {
                let d = battery.demand()
                target = (d.targetVolts, d.targetAmps, d.complete)
            } else {
                target = (profile.chargeVoltage, profile.chargeCurrent, chargeLoopsDone >= profile.chargeLoops)
                if chargeLoopsDone % 4 == 3, soc < 100 { soc += 1 }
            }
            if target.complete { return askStop(now, send) }
            chargeLoopsDone += 1
            ask(.requestChargeLoopParameters(timeoutMilliseconds: loopTimeout, Gen1EVChargeLoop(
                maximumCurrent: physical(profile.maximumCurrent), maximumVoltage: physical(profile.maximumVoltage),
                maximumPower: physical(profile.maximumPower), targetVoltage: physical(target.volts), targetCurrent: physical(target.amps),
                soc: soc, chargingComplete: false)), now, send)
        case .closing:
            guard now >= nextStep else { return }
            send(.evseGen1(.sessionStopped(closure: 0)))
            phase = .finished
        }
    }

    private func askStop(_ now: MonotonicInstant, _ send: (HCINotification) -> Void) {
        ask(.requestStopCharging(timeoutMilliseconds: answerTimeout, Gen1EVStatusFlags(soc: soc, chargingComplete: true)), now, send)
    }

    private func ask(_ request: EVSEGen1Notification, _ now: MonotonicInstant, _ send: (HCINotification) -> Void) {
        send(.evseGen1(request))
        phase = .awaiting(request.sub)
        deadline = now + .milliseconds(Int64(request.timeoutMilliseconds ?? answerTimeout))
    }

    /// The module ends the session: "session stopped" with closure 0 (terminate).
    private func end(_ sub: UInt8, _ send: (HCINotification) -> Void) -> Bool {
        send(.evseGen1(.sessionStopped(closure: 0)))
        phase = .failed(sub: sub)
        return true
    }

    /// The current the host last reported flows into the pack while the car's contactors are closed.
    private func deliver(into battery: any EVBatteryModel, _ now: MonotonicInstant) {
        defer { lastDelivery = now }
        guard drawsPower, let last = lastDelivery, let volts = presentVolts else { return }
        battery.deliver(amps: max(0, presentAmps), volts: volts, for: now - last)
        soc = ScriptedCarSession.percent(battery.soc)
    }

    private var fullSOC: UInt8 { battery.map { ScriptedCarSession.percent($0.targetSoC) } ?? 100 }
    private var bulkSOC: UInt8 { battery.map { ScriptedCarSession.percent($0.bulkSoC) } ?? 80 }

    private func physical(_ v: Double) -> PhysicalValue { PhysicalValue((v * 10).rounded() / 10) ?? .zero }
}
