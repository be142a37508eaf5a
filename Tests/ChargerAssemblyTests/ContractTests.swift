import Contracts
import ControlLoop
import CoreTypes
import Testing

/// The timing promise of `Published` and the three authorizers, on a manual timeline.
@Suite struct ContractTests {
    static func tick(_ i: UInt64) -> TickContext {
        TickContext(now: MonotonicInstant(nanoseconds: Int64(i) * 1_000_000), index: i, period: .milliseconds(1))
    }

    /// A reader sees the writer's value of this tick or the last; older means the writer stopped.
    @Test func publishedAgeTellsCurrentFromStale() {
        var fact = Published(PLCLinkState.unmatched)
        #expect(!fact.hasBeenPublished)
        #expect(!fact.isCurrent(in: Self.tick(0)))
        fact.publish(.matching(ev: MACAddress(2, 0, 0, 0, 0, 1)), Self.tick(10))
        #expect(fact.age(in: Self.tick(10)) == 0)
        #expect(fact.isCurrent(in: Self.tick(11)))
        #expect(!fact.isCurrent(in: Self.tick(12)), "a writer that skipped a tick is not current")
        #expect(fact.at == MonotonicInstant(nanoseconds: 10_000_000))
    }

    /// Writer before reader: same tick. Reader before writer: one tick old. Never older.
    @Test func registrationOrderBoundsTheAge() {
        let facts = ChargerFacts()
        var seenSameTick: [UInt64] = []
        var seenPreviousTick: [UInt64] = []
        for i: UInt64 in 0..<5 {
            let t = Self.tick(i)
            // A reader registered before the writer.
            if facts.pilot.hasBeenPublished { seenPreviousTick.append(facts.pilot.age(in: t)!) }
            facts.pilot.publish(PilotFacts(state: .b), t)
            // A reader registered after it.
            seenSameTick.append(facts.pilot.age(in: t)!)
        }
        #expect(seenSameTick == [0, 0, 0, 0, 0])
        #expect(seenPreviousTick == [1, 1, 1, 1])
    }

    @Test func pilotFactsMeanAVehicleOnlyWithoutAFault() {
        #expect(PilotFacts(state: .c).vehicleConnected)
        #expect(!PilotFacts(state: .c, fault: .helperLost).vehicleConnected)
        #expect(!PilotFacts(state: .invalid).vehicleConnected)
        #expect(!PilotFacts(state: .e).vehicleConnected)
    }

    @Test func tokensCompareByKindAndBytes() {
        let card = IdentificationToken(.externalIdentification, "04A2B3C4D5")
        #expect(card == IdentificationToken(.externalIdentification, "04A2B3C4D5"))
        #expect(card != IdentificationToken(.contract, "04A2B3C4D5"))
        #expect(IdentificationToken(vehicle: MACAddress(0x02, 0x00, 0x00, 0x00, 0x5E, 0x0A)).description == "020000005E0A")
        let long = IdentificationToken(.contract, String(repeating: "X", count: 50))
        #expect(long.count == IdentificationToken.capacity)
    }

    @Test func freeVendAndLocalList() {
        let now = MonotonicInstant.zero
        let listed = IdentificationToken(.externalIdentification, "CARD-1")
        #expect(FreeVendAuthorizer().authorize(listed, now: now) == .accepted)
        let list = LocalListAuthorizer(allowed: [listed])
        #expect(list.authorize(listed, now: now) == .accepted)
        #expect(list.authorize(IdentificationToken(.externalIdentification, "CARD-2"), now: now) == .rejected(.unknown))
    }

    /// An outside decision: ongoing until it comes, then that; a timeout rejects; a late answer for
    /// another token is ignored; cancel forgets.
    @Test func deferredDecisionOngoingThenDecidedOrTimedOut() {
        let auth = DeferredAuthorizer(timeout: .seconds(2))
        let a = IdentificationToken(.contract, "DE-ABC-C12345678-9")
        let b = IdentificationToken(.contract, "DE-XYZ-C00000001-2")
        var t = MonotonicInstant(nanoseconds: 5_000_000_000)
        #expect(auth.authorize(a, now: t) == .ongoing)
        #expect(auth.takeRequest() == a)
        #expect(auth.takeRequest() == nil, "the request is handed out once")
        auth.decide(b, .accepted)
        t = t + .milliseconds(500)
        #expect(auth.authorize(a, now: t) == .ongoing, "a decision for another token does not count")
        auth.decide(a, .accepted)
        #expect(auth.authorize(a, now: t) == .accepted)

        auth.cancel(a)
        #expect(auth.authorize(b, now: t) == .ongoing)
        t = t + .seconds(2)
        #expect(auth.authorize(b, now: t) == .rejected(.timeout))
    }
}
