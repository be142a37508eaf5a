import ControlLoop
import Buffers
import CoreTypes
import EXITool
import Foundation
import V2GSession

/// The EVCC and a `ScriptedSECC` on one manual clock: each tick the EVCC runs, then the SECC
/// answers what it sent (so a request sent in tick n is answered in tick n + 1).
final class EVCCHarness {
    let clock = ManualClock()
    let period: Nanoseconds
    let secc: ScriptedSECC
    let battery: LinearBatteryModel
    let evcc: EVCCSession
    private(set) var index: UInt64 = 0
    var exchanges: [EVCCExchange] = []
    /// When set, the SECC's bytes reach the EVCC at most this many per tick (TCP segments split
    /// anywhere, messages straddling ticks).
    let drip: Int?
    private let evccReceived: ByteQueue

    /// A short session for the failure cases: the charge loop ends after 5 rounds.
    static func shortLoop(_ schema: EXISchema) -> EVCCConfiguration {
        var c = EVCCConfiguration(protocols: schema == .din ? [.din70121] : [.iso15118_2])
        c.quirks.chargeLoopRounds = 5
        return c
    }

    init(_ schema: EXISchema, configuration: EVCCConfiguration? = nil, battery parameters: LinearBatteryModel.Parameters? = nil,
         period: Nanoseconds = .milliseconds(10), drip: Int? = nil) {
        self.period = period
        self.drip = drip
        secc = ScriptedSECC(schema: schema)
        evccReceived = drip == nil ? secc.toEVCC : ByteQueue(capacity: 65_536)
        battery = LinearBatteryModel(parameters ?? Self.smallPack)
        evcc = EVCCSession(received: evccReceived, transmit: secc.fromEVCC, battery: battery,
                           configuration: configuration ?? EVCCConfiguration(protocols: schema == .din ? [.din70121] : [.iso15118_2]))
        evcc.report = { [unowned self] in self.exchanges.append($0) }
        evcc.connectionOpened(at: clock.now())
    }

    /// A 200 Wh pack from 70 % to 82 %: a whole session (taper included) in about 200 ticks.
    static var smallPack: LinearBatteryModel.Parameters {
        var p = LinearBatteryModel.Parameters()
        p.capacityWattHours = 200
        p.initialSoC = 70
        p.bulkSoC = 78
        p.targetSoC = 82
        return p
    }

    func tick() throws {
        clock.advance(by: period)
        if let drip {
            var moved = 0
            while moved < drip, let byte = secc.toEVCC.pop() {
                evccReceived.push(byte)
                moved += 1
            }
        }
        evcc.tick(TickContext(now: clock.now(), index: index, period: period))
        index += 1
        try secc.serve()
    }

    /// Ticks until the session is over (or `limit` of manual time passed).
    @discardableResult
    func run(for limit: Nanoseconds = .seconds(120)) throws -> Self {
        let end = clock.now() + limit
        while !evcc.session.isFinished, clock.now() < end { try tick() }
        return self
    }

    /// Ticks until `condition` holds (or `limit`).
    func run(until condition: () -> Bool, limit: Nanoseconds = .seconds(120)) throws {
        let end = clock.now() + limit
        while !condition(), !evcc.session.isFinished, clock.now() < end { try tick() }
    }
}
