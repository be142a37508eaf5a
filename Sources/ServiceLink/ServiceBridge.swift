import Contracts
import ControlLoop
import CoreTypes

/// The loop's end of the service plane (issue 20 item 1): every tick it drains the commands the
/// service plane posted (at most `drainPerTick`), applies them to the facts it writes
/// (`ChargerFacts.station`) and to the `ServiceAuthorizer`, forwards authorisation requests as events,
/// integrates the meter register, and every `snapshotEvery` ticks copies a `FactsSnapshot` into the
/// outbound ring. Fixed-size values through preallocated rings: no allocation, no lock, no wait; a
/// full ring drops the snapshot (counted) rather than block the loop.
///
/// Registered after the charger's controllers, so the power path and the SECC read `station` one
/// tick old (the `Published` contract for a writer later in the order).
public final class ServiceBridge: TickController {
    public let name = "service-bridge"
    public let facts: ChargerFacts
    public let authorizer: ServiceAuthorizer?
    /// Loop → service plane.
    public let snapshots: SPSCRing<FactsSnapshot>
    public let events: SPSCRing<ServiceEvent>
    /// Service plane → loop.
    public let commands: SPSCRing<ServiceCommand>
    public let snapshotEvery: UInt64
    public let drainPerTick: Int
    private var station = StationLimits()
    /// The operator's limit (OCPP) and the site's share (MQTT): `station.maxAmps` is the lower one.
    private var operatorAmps: Double = .infinity
    private var siteAmps: Double = .infinity
    private var energyWattHours: Double = 0
    private var lastAt: MonotonicInstant = .zero
    private var sessionWasOpen = false
    private var counters = LoopCounters()
    private var sessionStartEnergy: Double = 0

    public init(facts: ChargerFacts, authorizer: ServiceAuthorizer?, snapshotEvery: UInt64 = 50, capacity: Int = 64,
                drainPerTick: Int = 4) {
        self.facts = facts
        self.authorizer = authorizer
        self.snapshotEvery = max(snapshotEvery, 1)
        self.drainPerTick = drainPerTick
        snapshots = SPSCRing(capacity: capacity, filler: FactsSnapshot())
        events = SPSCRing(capacity: capacity, filler: .applied(.remoteStop))
        commands = SPSCRing(capacity: capacity, filler: .remoteStop)
    }

    public func tick(_ context: TickContext) {
        var n = 0
        while n < drainPerTick, let command = commands.pop() {
            apply(command)
            _ = events.push(.applied(command))
            n += 1
        }
        if let authorizer, let token = authorizer.takeRequest() { _ = events.push(.authorizationRequested(token)) }

        let power = facts.power.value
        if lastAt != .zero, power.amps > 0, power.volts > 0 {
            let seconds = Double((context.now - lastAt).count) / 1e9
            energyWattHours += power.volts * power.amps * seconds / 3600
        }
        lastAt = context.now
        counters.observe(facts, context)

        // A session that ended releases its authorisation and any remote stop.
        let v2g = facts.v2g.value
        let open = !(v2g.phase == .idle) && !v2g.isFinished
        if sessionWasOpen, !open {
            authorizer?.sessionEnded()
            station.stopRequested = false
        }
        if open, !sessionWasOpen { sessionStartEnergy = energyWattHours }
        sessionWasOpen = open
        facts.station.publish(station, context)

        if context.index % snapshotEvery == 0 { _ = snapshots.push(snapshot(context)) }
    }

    private func apply(_ command: ServiceCommand) {
        switch command {
        case .currentLimit(let amps):
            operatorAmps = amps
            station.maxAmps = min(operatorAmps, siteAmps)
        case .siteLimit(let amps):
            siteAmps = amps
            station.maxAmps = min(operatorAmps, siteAmps)
        case .remoteStart(let token): authorizer?.startRemotely(token)
        case .remoteStop: station.stopRequested = true
        case .authorization(let token, let decision): authorizer?.decide(token, decision)
        case .clearStop: station.stopRequested = false
        case .serviceReset: station.serviceResets &+= 1
        case .benchReplug: station.benchReplugs &+= 1
        }
    }

    private func snapshot(_ context: TickContext) -> FactsSnapshot {
        var s = FactsSnapshot()
        s.tick = context.index
        s.at = context.now
        let pilot = facts.pilot.value
        s.pilot = pilot.state
        s.pilotFault = pilot.fault != nil || pilot.emergencyStop
        s.vehicleConnected = pilot.vehicleConnected
        if case .matched = facts.plcLink.value { s.plcMatched = true }
        let v2g = facts.v2g.value
        s.v2gPhase = v2g.phase
        s.v2gStop = v2g.stopReason
        s.soc = v2g.soc
        s.authorization = facts.authorization.value
        let power = facts.power.value
        s.powerPhase = power.phase
        s.powerFault = power.outcome.fault
        s.outOfService = power.latchedFault
        s.volts = power.volts
        s.amps = power.amps
        s.setpointAmps = power.setpoint.amps
        s.energyWattHours = energyWattHours
        s.limitAmps = station.maxAmps
        s.powerActive = !(power.phase == .idle) && !(power.phase == .safeStop)
        s.counters = counters
        s.sessionDecodeErrors = v2g.decodeErrors
        s.sessionEnergyWattHours = energyWattHours - sessionStartEnergy
        return s
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}
