import Contracts
import ControlLoop
import CoreTypes

/// The DC power path on the loop: reads the step asked for (`facts.powerRequest`) and the pilot,
/// reads the supply, contactors, IMD and output meter through their contracts, lets
/// `PowerPathMachine` decide, applies what changed and publishes `facts.power` — every tick, after the
/// requester. Registered after the way of reaching the car (ARCHITECTURE.md "One tick").
///
/// Safety order when applying: supply off before anything else, then contactors, so a fault's safe
/// stop reaches the hardware in the tick it is detected.
public final class PowerPathController: TickController {
    public let name = "power-path"
    public let facts: ChargerFacts
    public let supply: any DCSupply
    public let contactors: any DCContactors
    public let isolationMonitor: any IsolationMonitor
    public let meter: any OutputMeter
    public private(set) var machine: PowerPathMachine
    private let capabilities: DCSupplyCapabilities
    private var applied = PowerCommand()
    private var lastNow: MonotonicInstant = .zero
    /// The operator's service resets seen on `facts.station` (`StationLimits.serviceResets`).
    private var serviceResetsSeen: UInt32 = 0

    public init(facts: ChargerFacts, supply: any DCSupply, contactors: any DCContactors,
                isolationMonitor: any IsolationMonitor, meter: any OutputMeter,
                configuration: PowerPathConfiguration = PowerPathConfiguration()) {
        self.facts = facts
        self.supply = supply
        self.contactors = contactors
        self.isolationMonitor = isolationMonitor
        self.meter = meter
        self.capabilities = supply.capabilities
        machine = PowerPathMachine(configuration: configuration)
    }

    public func tick(_ context: TickContext) {
        lastNow = context.now
        // The operator's current limit (OCPP charging profile), when a service plane publishes one.
        var capabilities = self.capabilities
        let station = facts.station.value
        if facts.station.hasBeenPublished, station.maxAmps < capabilities.maxAmps {
            capabilities.maxAmps = station.maxAmps > 0 ? station.maxAmps : 0
        }
        // The operator's service reset (HTTP API, through the service plane): once per request.
        if facts.station.hasBeenPublished, station.serviceResets != serviceResetsSeen {
            serviceResetsSeen = station.serviceResets
            serviceReset()
        }
        let input = PowerPathInputs(
            now: context.now, tick: context.index, period: context.period,
            request: facts.powerRequest.value, requestCurrent: facts.powerRequest.isCurrent(in: context),
            pilot: facts.pilot.value, pilotCurrent: facts.pilot.isCurrent(in: context),
            supply: supply.readback, capabilities: capabilities, contactors: contactors.status,
            isolation: isolationMonitor.reading, meter: meter.measurement)
        let command = machine.step(input)
        apply(command, context.now)
        facts.power.publish(machine.status, context)
    }

    /// Applies what changed since the last tick: supply off first, contactors, then the rest.
    private func apply(_ c: PowerCommand, _ now: MonotonicInstant) {
        let modeChanged = !(c.supplyMode == applied.supplyMode)
        if modeChanged, c.supplyMode == .off { supply.setMode(.off) }
        if c.contactorsClosed != applied.contactorsClosed {
            if c.contactorsClosed { contactors.close(now) } else { contactors.open(now) }
        }
        if c.setpoint != applied.setpoint { supply.setExport(c.setpoint) }
        if modeChanged, !(c.supplyMode == .off) { supply.setMode(c.supplyMode) }
        if c.imdMonitoring != applied.imdMonitoring {
            if c.imdMonitoring { isolationMonitor.startMonitoring() } else { isolationMonitor.stopMonitoring() }
        }
        if c.imdSelfTest { isolationMonitor.startSelfTest() }
        applied = c
    }

    /// The technician's reset after repairing what put the power path out of service (a welded
    /// contactor): see `PowerPathMachine.serviceReset`.
    /// The open command is repeated: a new command clears the driver's verdict (`ContactorSupervision`),
    /// so a repaired contactor is judged afresh and one still welded is found again at its opening timeout.
    public func serviceReset() {
        machine.serviceReset(lastNow)
        contactors.open(lastNow)
    }

    /// Out of service before the loop runs: a latch an earlier run recorded (see
    /// `PowerPathMachine.startOutOfService`). Supply off and contactors open are commanded now, and
    /// every step is refused until `serviceReset()`.
    public func startOutOfService(_ fault: PowerFault) {
        machine.startOutOfService(fault, lastNow)
        supply.setMode(.off)
        contactors.open(lastNow)
        applied = machine.command
        facts.power.publish(machine.status, tick: 0, at: lastNow)
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        machine.forceSafeStop(.loopStopped, lastNow)
        supply.setMode(.off)
        contactors.open(lastNow)
        applied = machine.command
        var actions: [String] = []
        let r = supply.readback
        actions.append(r.isOff ? "supply off (\(oneDecimal(r.amps)) A)"
                       : "supply switching off (\(oneDecimal(r.amps)) A, off requested)")
        let s = contactors.status
        if s.isOpen {
            actions.append("contactors open (feedback confirms)")
        } else if case .welded? = s.fault {
            actions.append("contactors commanded open, feedback says closed: WELDED")
        } else {
            actions.append("contactors commanded open (feedback: \(s.position))")
        }
        if case .failed(let f) = machine.status.outcome { actions.append("power path: \(f)") }
        if let f = machine.status.latchedFault { actions.append("OUT OF SERVICE until a service reset: \(f)") }
        return SafeStopReport(name, actions)
    }
}
