import Contracts
import ControlLoop
import ControlPilot
import CoreTypes

/// The composition's rule that joins the power path's latch to the control pilot: while the power path
/// is out of service (`PowerPathStatus.latchedFault`: a welded contactor, a supply that will not switch
/// off) our pilot signals state F, a constant −12 V — "EVSE not available" (IEC 61851-1 Table A.3) — so
/// a car plugged in meanwhile never sees the 5 % PWM, never starts SLAC and never reaches the SECC.
/// Once a service reset has put the power path back in service the pilot returns to state A (+12 V,
/// ready). Only for boards whose pilot is ours (`own-stack`: sim, ESP32 helper, direct Pi CP); a
/// WHITE-beet module or an ADVANTICS controller drives its own pilot.
///
/// Registered after the power path, so it reads `facts.power` of the same tick; the pilot, first in the
/// tick order, puts F on the wire in the next tick (`ControlPilot.available`). No allocation.
public final class OutOfServicePilot: TickController {
    public let name = "out-of-service-pilot"
    let facts: ChargerFacts
    public let pilot: ControlPilot
    /// When the pilot was last told the charger is unavailable (nil: available).
    public private(set) var unavailableSince: MonotonicInstant?

    public init(facts: ChargerFacts, pilot: ControlPilot) {
        self.facts = facts
        self.pilot = pilot
    }

    /// Out of service before the first tick (a latch recorded by an earlier run): F from the first tick on.
    public func holdUnavailable() {
        pilot.available = false
    }

    public func tick(_ context: TickContext) {
        guard facts.power.hasBeenPublished else { return }
        let outOfService = facts.power.value.isOutOfService
        if !outOfService {
            unavailableSince = nil
        } else if unavailableSince == nil {
            unavailableSince = context.now
        }
        pilot.available = !outOfService
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        SafeStopReport(name, pilot.available ? [] : ["out of service: the pilot signalled state F (-12 V) until the stop"])
    }
}
