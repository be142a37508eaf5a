import CoreTypes
import Foundation
import SitePowerSharing
import Testing
import TestSupport

@Suite("SiteShare: the hand-over that keeps a site under its budget")
struct SiteShareTests {
    static let config: SiteShareConfig = {
        var c = SiteShareConfig(budgetMilliamps: 100_000, fallbackMilliamps: 10_000, chargers: 3, policy: .fairShare)
        c.settle = .milliseconds(1500)
        return c
    }()

    @Test("the shipped timings are consistent, and a fallback that does not fit is refused")
    func configuration() {
        #expect(Self.config.problems.isEmpty)
        let tooMuch = SiteShareConfig(budgetMilliamps: 100_000, fallbackMilliamps: 40_000, chargers: 3, policy: .fairShare)
        #expect(tooMuch.problems == ["fallback 40000 mA × 3 chargers exceeds the budget 100000 mA"])
    }

    @Test("a charger that shares lowers first, and the other raises only into the room left")
    func lowerBeforeRaise() {
        let site = SiteSimulation(config: Self.config, names: ["a", "b", "c"], seed: 1)
        site.start(site.chargers[0], demand: 100_000)
        for _ in 0..<4_000 { site.step() }
        // Alone, a has what the two chargers it cannot see leave: 100 − 2 × 10 A.
        #expect(site.chargers[0].actual == 80_000)
        site.start(site.chargers[1], demand: 100_000)
        var aLoweredAt: MonotonicInstant?
        var bRaisedAt: MonotonicInstant?
        for _ in 0..<6_000 {
            site.step()
            if aLoweredAt == nil, site.chargers[0].actual < 80_000 { aLoweredAt = site.now }
            if bRaisedAt == nil, site.chargers[1].actual > 0 { bRaisedAt = site.now }
        }
        // Fair share of 100 − 10 A (c unseen) between a and b.
        #expect(site.chargers[0].actual == 45_000)
        #expect(site.chargers[1].actual == 45_000)
        #expect(aLoweredAt != nil && bRaisedAt != nil && aLoweredAt! < bRaisedAt!)
        #expect(site.worst <= Self.config.budgetMilliamps)
    }

    @Test("a charger that loses the broker is at its fallback within the loss timeout")
    func fallback() {
        let clock = ManualClock()
        var s = SiteShare(me: "a", config: Self.config, epoch: 1, now: clock.now())
        _ = s.setDemand(100_000, wallMilliseconds: 1, now: clock.now())
        _ = s.subscribed(now: clock.now())
        _ = s.received(claim: SiteClaim(epoch: 9, seq: 1, demandMilliamps: 0, claimMilliamps: 0, joinedAt: 0), from: "b", retained: true, now: clock.now())
        _ = s.received(claim: SiteClaim(epoch: 8, seq: 1, demandMilliamps: 0, claimMilliamps: 0, joinedAt: 0), from: "c", retained: true, now: clock.now())
        var t = clock.now()
        var limit: Int64 = 0
        func run(_ ms: Int, echo: Bool) {
            for _ in 0..<ms {
                clock.advance(by: .milliseconds(1))
                t = clock.now()
                for a in s.tick(now: t) {
                    switch a {
                    case .publishClaim(let c) where c.claimMilliamps > s.limit:
                        for b in s.received(claim: c, from: "a", retained: false, now: t) { if case .applyLimit(let m) = b { limit = m } }
                    case .publishHeartbeat(let e, _): if echo { _ = s.heartbeatEcho(epoch: e, now: t) }
                    case .applyLimit(let m):
                        limit = m
                        _ = s.limitApplied(m, now: t)
                    default: break
                    }
                }
            }
        }
        run(2_000, echo: true)
        #expect(limit == 100_000)
        // The broker goes quiet (no echo): the limit is at the fallback within lossTimeout + one heartbeat.
        let quietFrom = clock.now()
        var droppedAt: MonotonicInstant?
        for _ in 0..<2_000 {
            run(1, echo: false)
            if droppedAt == nil, limit <= Self.config.fallbackMilliamps { droppedAt = clock.now() }
        }
        #expect(droppedAt != nil)
        #expect(droppedAt! - quietFrom <= Self.config.lossTimeout + Self.config.heartbeat + .milliseconds(1))
        #expect(!s.online)
    }

    @Test("seeded joins, leaves, crashes, partitions and broker restarts: the sum never exceeds the budget (CK_SITE_SEED replays)",
          arguments: SharingPolicy.allCases)
    func randomSite(_ policy: SharingPolicy) {
        let seed = FuzzSeed.value("CK_SITE_SEED", default: FuzzSeed.stable("site-share-\(policy.rawValue)"))
        print("site share \(policy.rawValue) seed \(seed) (replay: CK_SITE_SEED=\(seed))")
        var config = Self.config
        config.policy = policy
        let runs = ProcessInfo.processInfo.environment["CK_SITE_SEED"] == nil ? 2 : 1
        var rng = FuzzRandom(seed: seed)
        for run in 0..<runs {
            let runSeed = run == 0 ? seed : rng.next()
            let site = SiteSimulation(config: config, names: ["a", "b", "c"], seed: runSeed)
            var violation: String?
            for step in 0..<70_000 {
                let calm = step > 45_000
                if !calm, site.chance(600) {
                    let c = site.chargers[Int(site.rng.next() % 3)]
                    let demand = Int64(site.rng.next() % 5) * 20_000
                    if c.share == nil {
                        site.start(c, demand: demand)
                    } else {
                        switch site.rng.next() % 10 {
                        case 0, 1: site.leave(c)
                        case 2: site.crash(c)
                        case 3, 4: site.partition(c, for: site.ms(300, 10_000))
                        default:
                            var s = c.share!
                            site.perform(c, s.setDemand(demand, wallMilliseconds: UInt64(step), now: site.now))
                            c.share = s
                        }
                    }
                }
                if !calm, site.chance(40) { site.restartBroker(downFor: site.ms(100, 4_000)) }
                site.step()
                if violation == nil, site.chargers.reduce(0, { $0 + $1.actual }) > config.budgetMilliamps {
                    violation = "run seed \(runSeed) at \(site.now): " + site.chargers.map { "\($0.name)=\($0.actual)" }.joined(separator: " ")
                        + "\n" + site.events.suffix(12).joined(separator: "\n")
                }
            }
            #expect(violation == nil, "\(violation ?? "")")
            #expect(site.worst <= config.budgetMilliamps)
            // After a calm 25 s every running charger holds its share, and the shares are used.
            for c in site.chargers { if let s = c.share { #expect(c.actual == s.share, "run seed \(runSeed): \(c.name) holds \(c.actual), share \(s.share)") } }
            print("site share \(policy.rawValue) run \(run) (seed \(runSeed)): \(site.events.count) events, worst sum \(site.worst) mA of \(config.budgetMilliamps)")
        }
    }
}
