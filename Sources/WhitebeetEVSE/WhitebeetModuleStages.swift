import Contracts
import ControlLoop
import CoreTypes
import WhitebeetHCI
import WhitebeetHost

/// Where an EVSE-role controller has the WHITE-beet module: configuring it, waiting for a car, matching,
/// starting V2G, listening, in a session, after it, or refused.
public enum WhitebeetEVSEStage: Equatable, Sendable {
    case configuring
    case waitingForCar
    case matching
    case startingV2G
    case listening
    case session
    /// The session ended (normally or not); a new car needs an unplug first.
    case ended
    /// The module refused a configuration command (the outcome is in `lastFailure`), or its firmware is of the
    /// other generation.
    case failed
}

/// What both EVSE generations do alike before and around V2G (whitebeet-hci.md §15.1 steps 1–9, §15.2 steps
/// 1–10): the clean start (CP in EVSE mode at 100 %, SLAC), 5 % and matching when a car connects, +12 V again
/// when it leaves, a new configuration after the module restarted (§6), the firmware generation check (§0.1),
/// the command queue and its outcomes, and the authorisation asked of the `Authorizer` with the car's EVCC ID.
/// Owned by `WhitebeetEVSEController` (generation 2) and `WhitebeetGen1EVSEController`; each adds its own V2G
/// commands and answers. Allocation-free after `init`.
struct WhitebeetModuleStages {
    /// The generation of the controller that owns this: firmware of the other one is refused.
    let generation: EVSEFirmwareGeneration
    private(set) var stage = WhitebeetEVSEStage.configuring
    private(set) var pilot = PilotState.a
    /// The oscillator as last commanded (0x29/0x44): 100 % until a car is seen, then 5 %.
    private(set) var commandedPWM = PilotPWM.steadyHigh
    private(set) var firmwareVersion: HCIText?
    private(set) var lastFailure: WhitebeetHostLink.Outcome?
    var queue = WhitebeetCommandQueue()

    private(set) var token: IdentificationToken?
    private(set) var authorizationPending = false
    private(set) var authorization = AuthorizationState.idle

    init(generation: EVSEFirmwareGeneration) {
        self.generation = generation
        configure()
    }

    /// The clean start: the version, stop what runs (generation 1 also V2G, §15.1 step 1), CP in EVSE mode at
    /// 100 %, CP and SLAC started.
    mutating func configure() {
        stage = .configuring
        queue.enqueue(.getFirmwareVersion)
        if generation == .gen1 { queue.enqueue(.stopV2G, tolerant: true) }
        queue.enqueue(.stopSlac, tolerant: true)
        queue.enqueue(.stopPilot, tolerant: true)
        queue.enqueue(.setPilotMode(.evse))
        queue.enqueue(.setDutyCycle(permille: 1000))
        commandedPWM = .steadyHigh
        queue.enqueue(.startPilot)
        queue.enqueue(.startSlac(.evse))
    }

    /// The pilot as the module measures it and as we command it (this controller writes `facts.pilot`).
    var pilotFacts: PilotFacts {
        PilotFacts(state: pilot, commandedPWM: commandedPWM, appliedPWM: commandedPWM,
                   digitalCommunication: commandedPWM == .digitalCommunication && pilot.vehicleConnected)
    }

    enum PilotChange { case none, carArrived, carLeft(from: WhitebeetEVSEStage) }

    /// A CP notification: a car that connects while we wait gets 5 % and matching; a car that leaves gets the
    /// steady +12 V of state A (IEC 61851-1 A.2) and we wait for the next. The owner ends its session on `carLeft`.
    mutating func pilotChanged(_ state: PilotStateCode) -> PilotChange {
        pilot = PilotState(state)
        if stage == .waitingForCar, pilot.vehicleConnected {
            stage = .matching
            queue.enqueue(.startMatching)
            queue.enqueue(.setDutyCycle(permille: 50)) // 5 %: digital communication
            commandedPWM = .digitalCommunication
            return .carArrived
        }
        guard !pilot.vehicleConnected, stage != .configuring, stage != .failed else { return .none }
        let from = stage
        if commandedPWM != .steadyHigh {
            queue.enqueue(.setDutyCycle(permille: 1000))
            commandedPWM = .steadyHigh
        }
        stage = .waitingForCar
        return .carLeft(from: from)
    }

    /// "Interface up" (§6): the module (re)started and lost its configuration; it is configured again. False
    /// while configuring (the first start).
    mutating func moduleRestarted() -> Bool {
        guard stage != .configuring else { return false }
        pilot = .a
        configure()
        return true
    }

    /// SLAC matched: true when we were matching (the owner starts V2G its way).
    mutating func slacMatched() -> Bool {
        guard stage == .matching else { return false }
        stage = .startingV2G
        return true
    }

    mutating func slacMatchFailed() {
        if stage == .matching { queue.enqueue(.startMatching) }
    }

    mutating func sessionStarted(evccID: HCIText) {
        token = IdentificationToken(evccID: evccID)
        authorization = .idle
        stage = .session
    }

    mutating func sessionEnded() { stage = .ended }

    enum OutcomeEffect { case none, otherGeneration(HCIText), sessionLinkLost }

    /// A command's outcome: the firmware version checked against our generation, the stages advanced when
    /// their commands are through, a failure recorded (tolerated for the clean-start stops).
    mutating func outcome(_ outcome: WhitebeetHostLink.Outcome) -> OutcomeEffect {
        switch outcome {
        case .answered(let r):
            if case .firmwareVersion(let v) = r.body {
                firmwareVersion = v
                // The two generations share sub IDs with other meanings (§0.1): never driven with the other's
                // commands. Generation 1 is driven only when the version says so; generation 2 refuses a V01.
                let found = EVSEFirmwareGeneration(firmwareVersion: v)
                if generation == .gen1 ? found != .gen1 : found == .gen1 {
                    queue.removeAll()
                    stage = .failed
                    return .otherGeneration(v)
                }
            }
            if stage == .configuring, queue.isEmpty { stage = .waitingForCar }
            if stage == .startingV2G, queue.isEmpty { stage = .listening }
            return .none
        case .failed, .timedOut:
            if queue.inFlightTolerant { return .none }
            lastFailure = outcome
            if stage == .session { return .sessionLinkLost }
            if stage != .ended { stage = .failed }
            return .none
        }
    }

    /// The module asks for authorisation: asked of the authorizer from the next tick on until it decides.
    mutating func authorizationRequested() { authorizationPending = true }

    /// The authorizer's decision once it has one (nil while ongoing or not asked); the owner tells the module.
    mutating func decide(_ authorizer: any Authorizer, _ now: MonotonicInstant) -> Bool? {
        guard authorizationPending, let token else { return nil }
        let decision = authorizer.authorize(token, now: now)
        authorization = .asked(token, decision)
        switch decision {
        case .ongoing: return nil
        case .accepted:
            authorizationPending = false
            return true
        case .rejected:
            authorizationPending = false
            return false
        }
    }

    /// Stops asking (the session ended or was given up).
    mutating func cancelAuthorization(_ authorizer: any Authorizer) {
        if authorizationPending, let token { authorizer.cancel(token) }
        authorizationPending = false
    }
}
