import CoreTypes
import WhitebeetHCI

/// The charger a WHITE-beet-PI talks to, as the module reports it to the EV host (whitebeet-hci.md
/// §13.2, the flow of §16): session started, the schedule, the EVSE's present values every 100 ms,
/// cable check, precharge (the output voltage ramps to the EV's target), charging (the current
/// follows the EV's target within the charger's limits), charging stopped, post charging, session
/// stopped. Each step waits for the EV host's command; a host that stops sending its charge-loop
/// values (0xA3) for `parameterTimeout` gets session error 8 (unspecified, §13.2 0xCD).
public final class ScriptedChargerSession {
    /// What the charger can do.
    public struct Profile: Sendable {
        public var maximumVoltage: Double = 500
        public var maximumCurrent: Double = 200
        public var maximumPower: Double = 100_000
        public var minimumVoltage: Double = 150
        /// Precharge slew of the output (V/s).
        public var voltageSlew: Double = 2_000
        /// Cable check (isolation test) duration.
        public var cableCheckTime = Nanoseconds.milliseconds(500)
        public var evseID: HCIText = "DE*CKT*E0001"
        public init() {}
    }

    public enum Phase: Equatable, Sendable {
        case idle
        case starting
        case awaitingProfile
        case awaitingCableCheck
        case cableChecking
        case awaitingPrecharge
        case precharging
        case awaitingStartCharging
        case charging
        case awaitingStopSession
        /// Ended normally (session stopped sent).
        case finished
        /// Ended by a session error (code sent in 0xCD).
        case failed(code: UInt8)
    }

    public var profile: Profile
    public private(set) var phase: Phase = .idle
    /// The output as the charger measures it (what 0xC1 reports).
    public private(set) var presentVolts = 0.0
    public private(set) var presentAmps = 0.0
    /// The EV's last targets (0xA2/0xA3) and its charging profile (0xA8).
    public private(set) var evTargetVolts = 0.0
    public private(set) var evTargetAmps = 0.0
    public private(set) var evSOC: UInt8 = 0
    public private(set) var chargingProfile: ChargingProfile?
    /// Charge-loop values (0xA3) received while charging.
    public private(set) var chargeLoopUpdates = 0
    public var parameterTimeout = Nanoseconds.milliseconds(1_000)
    let statusPeriod = Nanoseconds.milliseconds(100)
    private var nextStatus = MonotonicInstant.zero
    private var stepAt = MonotonicInstant.zero
    private var lastUpdate = MonotonicInstant.zero
    private var lastTick: MonotonicInstant?

    public init(profile: Profile = Profile()) {
        self.profile = profile
    }

    var isActive: Bool {
        switch phase {
        case .idle, .finished, .failed: false
        default: true
        }
    }

    /// Drops the session without notifications (reset, unplug).
    func abandon() {
        phase = .idle
        presentVolts = 0
        presentAmps = 0
    }

    /// An EV host command reached the module: the session's part of it. False when it does not fit
    /// the current phase (the module answers 0x11, wrong phase).
    func receive(_ request: HCIRequest, matched: Bool, _ now: MonotonicInstant, _ send: (HCINotification) -> Void) -> Bool {
        switch (request, phase) {
        case (.setEVDCChargingParameters(let p), _):
            take(p.update, now)
            return true
        case (.updateEVDCChargingParameters(let u), _):
            take(u, now)
            if phase == .charging { chargeLoopUpdates += 1 }
            return true
        case (.setEVConfiguration, _), (.setEVACChargingParameters, _), (.updateEVACChargingParameters, _):
            return true
        case (.startSession, .idle), (.startSession, .finished), (.startSession, .failed):
            guard matched else { return false }
            phase = .starting
            stepAt = now + .milliseconds(50)
            chargeLoopUpdates = 0
            chargingProfile = nil
            return true
        case (.setChargingProfile(let p), .awaitingProfile):
            chargingProfile = p
            send(.cableCheckReady)
            phase = .awaitingCableCheck
            return true
        case (.startCableCheck, .awaitingCableCheck):
            phase = .cableChecking
            stepAt = now + profile.cableCheckTime
            return true
        case (.startPreCharging, .awaitingPrecharge):
            phase = .precharging
            return true
        case (.startEVCharging, .awaitingStartCharging):
            send(.chargingStarted)
            phase = .charging
            lastUpdate = now
            return true
        case (.stopEVCharging, .charging), (.stopEVCharging, .awaitingStartCharging):
            presentAmps = 0
            send(.chargingStopped)
            phase = .awaitingStopSession
            return true
        case (.stopSession, .awaitingStopSession):
            send(.postChargingReady)
            send(.evSessionStopped)
            presentVolts = 0
            phase = .finished
            return true
        case (.stopSession, _) where isActive:
            presentVolts = 0
            presentAmps = 0
            send(.evSessionStopped)
            phase = .finished
            return true
        case (.startSession, _), (.setChargingProfile, _), (.startCableCheck, _), (.startPreCharging, _), (.startEVCharging, _),
             (.stopEVCharging, _), (.stopSession, _):
            return false
        default:
            return true
        }
    }

    /// Time passes: the charger's own steps, its output and its present values every 100 ms.
    func tick(_ now: MonotonicInstant, _ send: (HCINotification) -> Void) {
        let dt = lastTick.map { Double((now - $0).count) / 1e9 } ?? 0
        lastTick = now
        switch phase {
        case .idle, .finished, .failed:
            return
        case .starting:
            guard now >= stepAt else { return }
            send(.evSessionStarted(EVSessionStarted(protocolCode: 1, sessionID: 0x1122_3344_5566_7788, evseID: profile.evseID,
                                                    paymentMethod: 0, energyTransferMode: EnergyTransferMode.dcCore)))
            let entry = ScheduleEntry(start: 0, interval: 86_400, maximumPower: PhysicalValue(profile.maximumPower) ?? .zero)
            send(.scheduleReceived(EVScheduleReceived(tuple: ScheduleTuple(id: 1, entries: ScheduleEntries([entry])))))
            phase = .awaitingProfile
            nextStatus = now
        case .cableChecking:
            if now >= stepAt {
                send(.cableCheckFinished)
                send(.preChargingReady)
                phase = .awaitingPrecharge
            }
        case .precharging:
            let target = min(evTargetVolts, profile.maximumVoltage)
            let step = profile.voltageSlew * dt
            presentVolts = presentVolts < target ? min(target, presentVolts + step) : max(target, presentVolts - step)
            if abs(presentVolts - target) < 1, target > 0 {
                send(.chargingReady)
                phase = .awaitingStartCharging
            }
        case .charging:
            if now - lastUpdate > parameterTimeout {
                presentAmps = 0
                send(.evSessionError(code: 8))
                send(.evSessionStopped)
                phase = .failed(code: 8)
                return
            }
            presentAmps = max(0, min(evTargetAmps, profile.maximumCurrent, profile.maximumPower / max(presentVolts, 1)))
        default:
            break
        }
        if isActive, phase != .starting, now >= nextStatus {
            nextStatus = now + statusPeriod
            send(.evseDCChargeParametersChanged(status()))
        }
    }

    private func take(_ u: EVDCUpdate, _ now: MonotonicInstant) {
        evTargetVolts = u.targetVoltage.value
        evTargetAmps = u.targetCurrent.value
        evSOC = u.soc
        lastUpdate = now
    }

    private func status() -> EVSEDCStatus {
        EVSEDCStatus(limits: EVLimits(minimumVoltage: physical(profile.minimumVoltage), maximumVoltage: physical(profile.maximumVoltage),
                                      maximumCurrent: physical(profile.maximumCurrent), maximumPower: physical(profile.maximumPower)),
                     presentVoltage: physical(presentVolts), presentCurrent: physical(presentAmps), isolationStatus: 1,
                     currentLimitAchieved: presentAmps >= profile.maximumCurrent)
    }

    private func physical(_ v: Double) -> PhysicalValue { PhysicalValue((v * 10).rounded() / 10) ?? .zero }
}
