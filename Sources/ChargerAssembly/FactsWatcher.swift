import Contracts
import ControlLoop
import CoreTypes

/// Reports every change of the published facts (pilot state and PWM, PLC link, authorisation, power path phase) as one
/// line, for the firmware's log and the tests that read it. Registered last, so it sees each fact as
/// published in the same tick. Quiet while nothing changes (no allocation then); a line is built only
/// on a change.
public final class FactsWatcher: TickController {
    public let name = "facts-log"
    private let facts: ChargerFacts
    private let report: (MonotonicInstant, String) -> Void
    private var lastPilotState: PilotState?
    private var lastPWM: PilotPWM?
    private var lastDigital = false
    private var lastFault: PilotFault?
    private var lastLink: PLCLinkState?
    private var lastAuthorization: AuthorizationState?
    private var lastPowerPhase: PowerPhase?
    private var lastLatched: PowerFault?

    public init(facts: ChargerFacts, report: @escaping (MonotonicInstant, String) -> Void) {
        self.facts = facts
        self.report = report
    }

    public func tick(_ context: TickContext) {
        let p = facts.pilot.value
        if facts.pilot.hasBeenPublished {
            if p.state != lastPilotState {
                lastPilotState = p.state
                report(context.now, "pilot: state \(p.state)")
            }
            if p.appliedPWM != lastPWM || p.digitalCommunication != lastDigital {
                lastPWM = p.appliedPWM
                lastDigital = p.digitalCommunication
                report(context.now, "pilot: output \(p.appliedPWM.map { "\($0)" } ?? "changing to \(p.commandedPWM)")"
                       + (p.digitalCommunication ? ", digital communication signalled" : ""))
            }
            if p.fault != lastFault {
                lastFault = p.fault
                report(context.now, p.fault.map { "pilot: FAULT \($0)" } ?? "pilot: fault cleared")
            }
        }
        if facts.plcLink.hasBeenPublished, facts.plcLink.value != lastLink {
            lastLink = facts.plcLink.value
            report(context.now, "plc link: \(facts.plcLink.value)")
        }
        if facts.authorization.hasBeenPublished, facts.authorization.value != lastAuthorization {
            lastAuthorization = facts.authorization.value
            report(context.now, "authorization: \(facts.authorization.value)")
        }
        if facts.power.hasBeenPublished, facts.power.value.phase != lastPowerPhase {
            lastPowerPhase = facts.power.value.phase
            let status = facts.power.value
            report(context.now, "power: phase \(status.phase)" + (status.phase == .safeStop ? " (\(status.outcome))" : ""))
        }
        if facts.power.hasBeenPublished, facts.power.value.latchedFault != lastLatched {
            lastLatched = facts.power.value.latchedFault
            report(context.now, lastLatched.map { "power: OUT OF SERVICE (\($0)) until a service reset or restart" }
                   ?? "power: back in service (service reset)")
        }
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}
