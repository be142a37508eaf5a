import ControlLoop
import CoreTypes
import V2GSession
import WhitebeetHCI
import WhitebeetHost

/// The vehicle side on a WHITE-beet-PI (EV API, whitebeet-hci.md §13, the flow of §16): configures
/// the module (CP in EV mode, state B, SLAC as EV), waits for the charger's 5 % duty cycle, matches,
/// configures V2G from the battery and starts the session; then answers the module's notifications —
/// the schedule with a charging profile, cable check in state C, precharge, start charging once the
/// charger's present voltage is at the battery's target, the charge loop (0xA3 every 100 ms from
/// `EVBatteryModel.demand()`, the charger's present current delivered into the battery), stop when
/// the battery says complete, and stop session. Talks to the module only through the host link's
/// queue side; the composition (or the test) pumps the link's `poll` before this tick.
public final class WhitebeetEVController: TickController {
    public struct Configuration: Sendable {
        /// The EVCC ID the module sends (usually the car's MAC).
        public var evID = MACAddress(0x02, 0x00, 0x00, 0x00, 0x00, 0x02)
        /// DIN 70121 and ISO 15118-2 offered (0 and 1, §13.1 0xA0).
        public var protocols: CodeList = [0, 1]
        /// Charge-loop values (0xA3) this often (FreeV2G's battery-simulation tick).
        public var updatePeriod = Nanoseconds.milliseconds(100)
        /// Duty-cycle polls (§16 step 6) this often while waiting for the charger.
        public var dutyPollPeriod = Nanoseconds.milliseconds(100)
        /// Start charging only with the charger's present voltage this close to the target (FreeV2G's
        /// `target_voltage_delta`).
        public var startVoltageTolerance: Double = 10
        public init() {}
    }

    public enum Stage: Equatable, Sendable {
        case configuring
        case waitingForCharger
        case matching
        case startingSession
        case session
        case charging
        case stopping
        /// Session stopped normally.
        case finished
        /// A command failed, the module reported a session error, or it restarted.
        case failed
    }

    public let name = "whitebeet-ev"
    public let host: WhitebeetHostLink
    public let battery: any EVBatteryModel
    public let configuration: Configuration
    public private(set) var stage: Stage = .configuring
    public private(set) var firmwareVersion: HCIText?
    public private(set) var lastFailure: WhitebeetHostLink.Outcome?
    public private(set) var sessionError: UInt8?
    public private(set) var failureReason: String?
    /// What the charger reports (0xC1).
    public private(set) var presentVolts = 0.0
    public private(set) var presentAmps = 0.0
    public private(set) var chargerMaxVolts = 0.0
    /// The EVSE's session (0xC0).
    public private(set) var evseID: HCIText?
    /// Charge-loop values sent.
    public private(set) var chargeLoopUpdates = 0
    /// The car's contactors (closed from "charging started" to "charging stopped").
    public private(set) var contactorsClosed = false

    private var queue: [HCIRequest?]
    private var tolerant: [Bool]
    private var queueHead = 0
    private var queueCount = 0
    private var inFlight: HCIRequest?
    private var inFlightTolerant = false
    private var nextDutyPoll = MonotonicInstant.zero
    private var nextUpdate = MonotonicInstant.zero
    private var chargingReady = false
    private var stopSent = false
    private var lastTick: MonotonicInstant?
    /// The command in flight when the module restarted: its outcome (a timeout) is not this session's.
    private var discardNextOutcome = false

    public init(host: WhitebeetHostLink, battery: any EVBatteryModel, configuration: Configuration = Configuration()) {
        self.host = host
        self.battery = battery
        self.configuration = configuration
        queue = [HCIRequest?](repeating: nil, count: 16)
        tolerant = [Bool](repeating: false, count: 16)
        configure()
    }

    /// §16 steps 1–5: version, stop what runs, CP as EV in state B, SLAC as EV without validation.
    private func configure() {
        stage = .configuring
        chargingReady = false
        stopSent = false
        contactorsClosed = false
        enqueue(.getFirmwareVersion)
        enqueue(.stopSlac, tolerant: true)
        enqueue(.stopPilot, tolerant: true)
        enqueue(.setPilotMode(.ev))
        enqueue(.startPilot)
        enqueue(.setResistor(.stateB))
        enqueue(.setValidation(enabled: false))
        enqueue(.startSlac(.ev))
    }

    public func tick(_ context: TickContext) {
        let now = context.now
        if let last = lastTick, contactorsClosed, presentAmps > 0 {
            battery.deliver(amps: presentAmps, volts: presentVolts, for: now - last)
        }
        lastTick = now
        while let n = host.takeNotification() { handle(n, now) }
        if let outcome = host.takeOutcome() { handle(outcome) }
        switch stage {
        case .waitingForCharger where queueCount == 0 && !host.isBusy && now >= nextDutyPoll:
            nextDutyPoll = now + configuration.dutyPollPeriod
            enqueue(.getDutyCycle)
        case .session where chargingReady && abs(presentVolts - battery.terminalVolts) <= configuration.startVoltageTolerance:
            chargingReady = false
            enqueue(.startEVCharging)
        case .charging where now >= nextUpdate && queueCount == 0:
            nextUpdate = now + configuration.updatePeriod
            let d = demand()
            if d.complete, !stopSent {
                stopSent = true
                stage = .stopping
                enqueue(.stopEVCharging(renegotiation: false))
            } else {
                enqueue(.updateEVDCChargingParameters(update(d)))
                chargeLoopUpdates += 1
            }
        default:
            break
        }
        if !host.isBusy, queueCount > 0, let next = queue[queueHead] {
            inFlight = next
            inFlightTolerant = tolerant[queueHead]
            queue[queueHead] = nil
            queueHead = (queueHead + 1) % queue.count
            queueCount -= 1
            host.submit(next, now: now)
        }
    }

    private func demand() -> EVChargeDemand { battery.demand() }

    private func handle(_ outcome: WhitebeetHostLink.Outcome) {
        let request = inFlight
        inFlight = nil
        if discardNextOutcome {
            discardNextOutcome = false
            return
        }
        switch outcome {
        case .answered(let r):
            switch r.body {
            case .firmwareVersion(let v): firmwareVersion = v
            case .dutyCycle(let d):
                // §16 step 6: 0.1 % < duty < 10 % is a charger asking for digital communication.
                if stage == .waitingForCharger, d > 1, d < 100 {
                    stage = .matching
                    enqueue(.startMatching)
                }
            default: break
            }
            if stage == .configuring, queueCount == 0 { stage = .waitingForCharger }
        case .failed, .timedOut:
            if inFlightTolerant { return }
            lastFailure = outcome
            failureReason = request.map { "\($0): \(outcome)" } ?? "\(outcome)"
            fail()
        }
    }

    private func handle(_ n: HCINotification, _ now: MonotonicInstant) {
        switch n {
        case .networkStatus(sub: 0x81, _):
            // The module (re)started: a session in progress is gone; configure it again.
            guard stage != .configuring else { return }
            if stage != .waitingForCharger, stage != .finished { failureReason = "the module restarted" }
            contactorsClosed = false
            queueCount = 0
            discardNextOutcome = host.isBusy
            configure()
        case .slacMatched:
            guard stage == .matching else { return }
            stage = .startingSession
            let d = demand()
            enqueue(.setV2GMode(.ev))
            enqueue(.setEVConfiguration(EVConfiguration(evID: configuration.evID, protocols: configuration.protocols,
                                                        paymentMethods: [0], energyTransferModes: [EnergyTransferMode.dcCore],
                                                        batteryCapacity: physical(battery.capacityWattHours))))
            enqueue(.setEVDCChargingParameters(EVDCParameters(update: update(d), fullSOC: UInt8(battery.targetSoC.rounded()),
                                                              bulkSOC: UInt8(battery.bulkSoC.rounded()),
                                                              energyRequest: physical(battery.energyRequestWattHours), departureTime: 0)))
            enqueue(.startSession)
        case .slacMatchFailed:
            if stage == .matching { enqueue(.startMatching) }
        case .evSessionStarted(let s):
            evseID = s.evseID
            stage = .session
        case .scheduleReceived(let s):
            enqueue(.setChargingProfile(ChargingProfile(scheduleTupleID: s.tuple.id, entries: s.tuple.entries)))
        case .evseDCChargeParametersChanged(let st):
            presentVolts = st.presentVoltage.value
            presentAmps = st.presentCurrent.value
            chargerMaxVolts = st.limits.maximumVoltage.value
        case .cableCheckReady:
            enqueue(.setResistor(.stateC))
            enqueue(.startCableCheck)
        case .preChargingReady:
            // PreChargeReq asks for the battery's own voltage at a small current (DIN 70121 §9.4.2.4).
            var d = demand()
            d.targetVolts = battery.terminalVolts
            d.targetAmps = 2
            enqueue(.updateEVDCChargingParameters(update(d)))
            enqueue(.startPreCharging)
        case .chargingReady:
            chargingReady = true
        case .chargingStarted:
            contactorsClosed = true
            stage = .charging
            nextUpdate = now
        case .chargingStopped:
            contactorsClosed = false
            enqueue(.setResistor(.stateB))
            enqueue(.stopSession)
        case .evSessionStopped:
            contactorsClosed = false
            if stage != .failed { stage = sessionError == nil ? .finished : .failed }
            enqueue(.setResistor(.stateB), tolerant: true)
        case .evseNotification(let kind, _):
            // 0 = the EVSE asks to stop (§16, 0xCC).
            if kind == 0, stage == .charging, !stopSent {
                stopSent = true
                stage = .stopping
                enqueue(.stopEVCharging(renegotiation: false))
            }
        case .evSessionError(let code):
            sessionError = code
            failureReason = "session error \(code)"
            contactorsClosed = false
            stage = .failed
        default:
            break
        }
    }

    private func fail() {
        contactorsClosed = false
        if stage != .finished { stage = .failed }
    }

    private func update(_ d: EVChargeDemand) -> EVDCUpdate {
        EVDCUpdate(limits: EVLimits(maximumVoltage: physical(d.maxVolts), maximumCurrent: physical(d.maxAmps), maximumPower: physical(d.maxWatts)),
                   soc: UInt8(max(0, min(100, d.soc.rounded()))), targetVoltage: physical(d.targetVolts), targetCurrent: physical(d.targetAmps))
    }

    private func enqueue(_ r: HCIRequest, tolerant: Bool = false) {
        guard queueCount < queue.count else { return }
        let slot = (queueHead + queueCount) % queue.count
        queue[slot] = r
        self.tolerant[slot] = tolerant
        queueCount += 1
    }

    private func physical(_ v: Double) -> PhysicalValue { PhysicalValue((v * 10).rounded() / 10) ?? .zero }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        contactorsClosed = false
        return SafeStopReport(name, ["car contactors open", "stage \(stage)"])
    }
}
