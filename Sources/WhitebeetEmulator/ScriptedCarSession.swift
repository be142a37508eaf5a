import CoreTypes
import V2GSession
import WhitebeetHCI

/// The car a WHITE-beet-EI talks to, as the module reports it to the host (whitebeet-hci.md §15.2):
/// session start, payment, authorisation, charge parameters, schedules, cable check, precharge,
/// start charging, the charge loop, stop, welding detection, session stopped. Each step that needs
/// a host answer waits for it within the timeout the notification announced; a missed timeout ends
/// the session with a session error (23 when the charge parameters went stale, §3.6).
///
/// With a `battery` (an `EVBatteryModel`, e.g. evsim's `BenchBatteryModel`) the car is that battery:
/// its precharge target is the pack's voltage, its limits, SoC, capacity and energy request are the
/// pack's, every charge-loop request (0x85) carries what `demand()` asks for, the current the host
/// reports in its live values (0x63, the EVSE's present values) is delivered into the pack while the
/// car's contactors are closed, and the car asks to stop when the pack says ChargingComplete — as an
/// EVCC does with CurrentDemandReq (ISO 15118-2 §8.4.5.4). Without one it plays the fixed `Profile`.
public final class ScriptedCarSession {
    /// What the car asks for.
    public struct Profile: Sendable {
        /// The battery's voltage: the precharge target.
        public var batteryVoltage: Double = 380
        public var chargeCurrent: Double = 100
        /// The target voltage during the charge loop (above the battery's: current-limited charging).
        public var chargeVoltage: Double = 440
        public var maximumVoltage: Double = 450
        public var maximumCurrent: Double = 200
        public var maximumPower: Double = 90_000
        public var startSOC: UInt8 = 30
        /// Charge-loop cycles (0x85 every `loopPeriod`) before the car asks to stop (without a battery).
        public var chargeLoops = 20
        /// The energy transfer mode the car selects (0 = DC core).
        public var mode: UInt8 = EnergyTransferMode.dcCore
        /// How close the host's present voltage must come to the target before "start charging".
        public var prechargeTolerance: Double = 20
        /// From "precharge started" to the car's first precharge request (a car takes its time after
        /// CableCheckRes; zero: at once).
        public var firstPrechargeRequestAfter = Nanoseconds.zero
        public init() {}

        /// A pack's voltage, limits and SoC (both generations' cars ask with these).
        mutating func take(from battery: any EVBatteryModel) {
            batteryVoltage = battery.terminalVolts
            maximumVoltage = battery.maxVolts
            maximumCurrent = battery.maxAmps
            maximumPower = battery.maxWatts
            startSOC = ScriptedCarSession.percent(battery.soc)
        }
    }

    public enum Phase: Equatable, Sendable {
        case idle
        case starting
        case awaitingAuthorization
        case awaitingSchedules
        case awaitingParameters
        case awaitingCableCheck
        case precharging
        case awaitingStartCharging
        case charging
        case awaitingStopCharging
        case weldingDetection
        /// Ended normally (session stopped sent).
        case finished
        /// Ended by a session error (code sent in 0x8E).
        case failed(code: UInt8)
    }

    public var profile: Profile
    /// The pack behind the car (nil: the fixed profile).
    public let battery: (any EVBatteryModel)?
    public private(set) var phase: Phase = .idle
    public private(set) var chargeLoopsDone = 0
    public private(set) var soc: UInt8
    /// The last live values the host pushed (0x63) and when.
    public private(set) var presentValues: EVSEDCPresentValues?
    public private(set) var presentValuesAt: MonotonicInstant?
    /// The session parameter timeout (0x76; default 500 ms, §3.6).
    public var parameterTimeout = Nanoseconds.milliseconds(500)
    let answerTimeout: UInt32 = 5000
    let cableCheckTimeout: UInt32 = 38_000
    /// From "welding detection started" to "session stopped": the car's welding detection requests.
    public var weldingDetectionTime = Nanoseconds.milliseconds(1500)
    let loopPeriod = Nanoseconds.milliseconds(100)
    private var deadline = MonotonicInstant.zero
    private var nextStep = MonotonicInstant.zero
    private var loopStarted = MonotonicInstant.zero
    private var lastDelivery: MonotonicInstant?

    public init(profile: Profile = Profile()) {
        self.profile = profile
        battery = nil
        soc = profile.startSOC
    }

    /// A car whose requests come from `battery`; `profile` keeps the timing and tolerance settings,
    /// its voltages, currents, limits and SoC are taken from the pack.
    public init(battery: any EVBatteryModel, profile: Profile = Profile()) {
        self.battery = battery
        self.profile = profile
        soc = profile.startSOC
        takeLimits(from: battery)
    }

    /// The pack's limits and SoC into the profile (at construction and at each session start).
    private func takeLimits(from battery: any EVBatteryModel) {
        profile.take(from: battery)
        soc = profile.startSOC
    }

    static func percent(_ soc: Double) -> UInt8 { UInt8(min(max(soc.rounded(.down), 0), 100)) }

    /// Starts a session (the module is listening and SLAC matched).
    func begin(_ now: MonotonicInstant) {
        phase = .starting
        chargeLoopsDone = 0
        soc = profile.startSOC
        if let battery { takeLimits(from: battery) }
        lastDelivery = nil
        presentValues = nil
        presentValuesAt = nil
        nextStep = now + .milliseconds(50)
    }

    /// Drops the session without notifications (reset, unplug): ready for the next car.
    func abandon() { phase = .idle }

    /// Stop listen: a running session is dropped; a finished one keeps its outcome.
    func stopListening() { if isActive { phase = .idle } }

    var isActive: Bool {
        switch phase {
        case .idle, .finished, .failed: false
        default: true
        }
    }

    /// A host command reached the module: the session's part of it. Returns false when the command
    /// does not fit the current phase (the module answers 0x11, wrong phase).
    func receive(_ request: HCIRequest, _ now: MonotonicInstant, _ send: (HCINotification) -> Void) -> Bool {
        switch (request, phase) {
        case (.updateDCChargingParameters(let values), _):
            presentValues = values
            presentValuesAt = now
            if phase == .awaitingParameters {
                // The car repeats CableCheckReq ("Ongoing") for up to 38 s (ISO 15118-2 V2G2-918).
                send(.cableCheckRequested(timeoutMilliseconds: cableCheckTimeout))
                wait(.awaitingCableCheck, now, timeout: cableCheckTimeout)
            }
            return true
        case (.setAuthorization(let authorized), .awaitingAuthorization):
            guard authorized else { return fail(0, send) }
            send(.energyTransferModeSelected(modeSelected()))
            send(.schedulesRequested(timeoutMilliseconds: answerTimeout, maximumEntries: 24))
            wait(.awaitingSchedules, now)
            return true
        case (.setSchedules, .awaitingSchedules):
            send(.dcChargeParametersChanged(status(targetVoltage: 0, targetCurrent: 0)))
            wait(.awaitingParameters, now)
            return true
        case (.setCableCheckFinished(let ok), .awaitingCableCheck):
            guard ok else { return fail(0, send) }
            send(.preChargeStarted)
            phase = .precharging
            deadline = now + .seconds(7) // DIN/ISO precharge limit
            nextStep = now + profile.firstPrechargeRequestAfter
            return true
        case (.startCharging, .awaitingStartCharging):
            phase = .charging
            nextStep = now + loopPeriod
            loopStarted = now
            return true
        case (.stopCharging, .awaitingStopCharging):
            send(.weldingDetectionStarted)
            phase = .weldingDetection
            nextStep = now + weldingDetectionTime
            return true
        case (.stopCharging, _) where isActive:
            // The host ends the session itself (after an error, or its own stop).
            send(.sessionStopped(closure: 0))
            phase = .finished
            return true
        case (.sendNotification(let renegotiation, _), .charging) where !renegotiation:
            send(.stopChargingRequested(timeoutMilliseconds: answerTimeout, renegotiation: false))
            wait(.awaitingStopCharging, now)
            return true
        case (.setAuthorization, _), (.setSchedules, _), (.setCableCheckFinished, _), (.startCharging, _), (.stopCharging, _),
             (.sendNotification, _):
            return false
        default:
            return true
        }
    }

    /// Time passes: the car's own steps and the host's deadlines.
    func tick(_ now: MonotonicInstant, _ send: (HCINotification) -> Void) {
        if let battery { deliver(into: battery, now) }
        switch phase {
        case .idle, .finished, .failed:
            return
        case .starting:
            guard now >= nextStep else { return }
            send(.sessionStarted(SessionStarted(protocolCode: 1, sessionID: 0x0102_0304_0506_0708, evccID: HCIText("\u{2}\u{0}\u{0}\u{0}\u{0}\u{2}"))))
            send(.paymentSelected(method: PaymentMethodCode.externalPayment))
            send(.authorizationRequested(timeoutMilliseconds: answerTimeout))
            wait(.awaitingAuthorization, now)
        case .precharging:
            if let v = presentValues?.presentVoltage.value, abs(v - profile.batteryVoltage) <= profile.prechargeTolerance {
                send(.startChargingRequested(StartChargingRequested(timeoutMilliseconds: answerTimeout, scheduleTupleID: 1,
                                                                    profile: FixedList([ProfileEntry(start: 0, power: PhysicalValue(profile.maximumPower) ?? .zero)]))))
                wait(.awaitingStartCharging, now)
            } else if now >= deadline {
                _ = fail(16, send) // present voltage too low
            } else if now >= nextStep {
                send(.dcChargeParametersChanged(status(targetVoltage: profile.batteryVoltage, targetCurrent: 2)))
                nextStep = now + loopPeriod
            }
        case .charging:
            guard now >= nextStep else { return }
            // The host must keep the live values fresh (session error 23, §3.6).
            let last = presentValuesAt ?? loopStarted
            if now - max(last, loopStarted) > parameterTimeout {
                _ = fail(23, send)
                return
            }
            if let battery {
                // The pack decides: what it asks for now, or the stop once it is full (ChargingComplete).
                let demand = battery.demand()
                if demand.complete {
                    send(.stopChargingRequested(timeoutMilliseconds: answerTimeout, renegotiation: false))
                    wait(.awaitingStopCharging, now)
                    return
                }
                chargeLoopsDone += 1
                send(.dcChargeParametersChanged(status(targetVoltage: demand.targetVolts, targetCurrent: demand.targetAmps)))
                nextStep = now + loopPeriod
                return
            }
            if chargeLoopsDone >= profile.chargeLoops {
                send(.stopChargingRequested(timeoutMilliseconds: answerTimeout, renegotiation: false))
                wait(.awaitingStopCharging, now)
                return
            }
            chargeLoopsDone += 1
            if chargeLoopsDone % 4 == 0, soc < 100 { soc += 1 }
            send(.dcChargeParametersChanged(status(targetVoltage: profile.chargeVoltage, targetCurrent: profile.chargeCurrent)))
            nextStep = now + loopPeriod
        case .weldingDetection:
            guard now >= nextStep else { return }
            send(.sessionStopped(closure: 0))
            phase = .finished
        default:
            if now >= deadline { _ = fail(phase == .awaitingParameters ? 23 : 0, send) }
        }
    }

    /// The car's contactors are closed from "start charging" requested to the end of welding
    /// detection: the present current the host last reported flows into the pack for the time
    /// since the previous tick (held between the host's 0x63 updates, as an EVCC holds the
    /// EVSEPresentCurrent of its last CurrentDemandRes).
    private func deliver(into battery: any EVBatteryModel, _ now: MonotonicInstant) {
        defer { lastDelivery = now }
        switch phase {
        case .awaitingStartCharging, .charging, .awaitingStopCharging, .weldingDetection:
            guard let last = lastDelivery, let values = presentValues else { return }
            battery.deliver(amps: max(0, values.presentCurrent.value), volts: values.presentVoltage.value, for: now - last)
            soc = Self.percent(battery.soc)
        default:
            return
        }
    }

    private func wait(_ next: Phase, _ now: MonotonicInstant, timeout: UInt32? = nil) {
        phase = next
        deadline = now + .milliseconds(Int64(timeout ?? answerTimeout))
    }

    private func fail(_ code: UInt8, _ send: (HCINotification) -> Void) -> Bool {
        send(.sessionError(code: code))
        send(.sessionStopped(closure: 0))
        phase = .failed(code: code)
        return true
    }

    private func modeSelected() -> EnergyTransferModeSelected {
        let capacity = battery?.capacityWattHours ?? 50_000
        let request = battery?.energyRequestWattHours ?? 30_000
        let dc = EnergyTransferMode.isDC(profile.mode)
            ? EVDCChargeParameters(energyCapacity: physical(capacity), fullSOC: fullSOC, bulkSOC: bulkSOC, ready: true, soc: soc) : nil
        return EnergyTransferModeSelected(departureTime: nil, energyRequest: PhysicalValue(request), maximumVoltage: physical(profile.maximumVoltage),
                                          maximumCurrent: physical(profile.maximumCurrent), maximumPower: PhysicalValue(profile.maximumPower),
                                          mode: profile.mode, dc: dc)
    }

    private func status(targetVoltage: Double, targetCurrent: Double) -> EVDCStatus {
        EVDCStatus(maximumVoltage: physical(profile.maximumVoltage), maximumCurrent: physical(profile.maximumCurrent),
                   maximumPower: PhysicalValue(profile.maximumPower), ready: true, soc: soc,
                   targetVoltage: physical(targetVoltage), targetCurrent: physical(targetCurrent), fullSOC: fullSOC, bulkSOC: bulkSOC,
                   chargingComplete: battery.map { $0.demand().complete } ?? (chargeLoopsDone >= profile.chargeLoops))
    }

    private var fullSOC: UInt8 { battery.map { Self.percent($0.targetSoC) } ?? 100 }
    private var bulkSOC: UInt8 { battery.map { Self.percent($0.bulkSoC) } ?? 80 }

    private func physical(_ v: Double) -> PhysicalValue { PhysicalValue(v) ?? .zero }
}
