import SitePowerSharing
import Testing
import TestSupport

@Suite("SiteClaim: the retained claim line")
struct SiteClaimTests {
    @Test("a claim reads back exactly as it was written")
    func roundTrip() throws {
        let c = SiteClaim(epoch: 0xFFFF_FFFF_FFFF_FFFF, seq: 7, demandMilliamps: 125_000, claimMilliamps: 31_250, joinedAt: 1_765_000_000_123)
        #expect(c.encoded == "v1 e=18446744073709551615 s=7 d=125000 c=31250 j=1765000000123")
        #expect(try SiteClaim.decode(Substring(c.encoded)) == c)
    }

    @Test("bad lines are typed errors", arguments: [
        ("", SiteClaimError.malformed("")),
        ("v2 e=1 s=1 d=1 c=1 j=1", .malformed("v2 e=1 s=1 d=1 c=1 j=1")),
        ("v1 e=1 s=1 d=1 x=1 j=1", .missingField("c")),
        ("v1 e=1 s=1 d=-5 c=1 j=1", .badValue("d")),
        ("v1 e=1 s=1 d=1 c=99999999999 j=1", .badValue("c")),
        ("v1 e=x s=1 d=1 c=1 j=1", .badValue("e")),
    ])
    func badLines(_ text: String, _ expected: SiteClaimError) {
        #expect(throws: expected) { try SiteClaim.decode(Substring(text)) }
    }

    @Test("random lines never trap (seeded; replay with CK_SITE_CLAIM_SEED)")
    func fuzz() {
        let seed = FuzzSeed.value("CK_SITE_CLAIM_SEED", default: FuzzSeed.stable("site-claim"))
        print("site claim fuzz seed \(seed) (replay: CK_SITE_CLAIM_SEED=\(seed))")
        var rng = FuzzRandom(seed: seed)
        let alphabet = Array("v1 es=dcj0123456789-x".utf8)
        var parsed = 0
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 48)
            var bytes = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            if rng.next() % 3 == 0 { bytes = Array("v1 e=\(rng.next() % 9) s=\(rng.next() % 9) d=\(rng.next() % 99) c=\(rng.next() % 99_999) j=1".utf8) }
            if (try? SiteClaim.decode(Substring(String(decoding: bytes, as: UTF8.self)))) != nil { parsed += 1 }
        }
        #expect(parsed > 0)
    }
}

@Suite("SharingPolicy: first come first served and fair share")
struct SharingPolicyTests {
    typealias D = SharingPolicy.Demand

    @Test("first come first served: in joining order, each takes what it wants of what is left")
    func fcfs() {
        let d = [D(charger: "b", milliamps: 80_000, joinedAt: 20), D(charger: "a", milliamps: 60_000, joinedAt: 10),
                 D(charger: "c", milliamps: 50_000, joinedAt: 30)]
        #expect(SharingPolicy.firstComeFirstServed.divide(100_000, among: d) == [40_000, 60_000, 0])
    }

    @Test("fair share: equal shares, what one does not want goes to the others")
    func fair() {
        let d = [D(charger: "a", milliamps: 10_000, joinedAt: 1), D(charger: "b", milliamps: 80_000, joinedAt: 2),
                 D(charger: "c", milliamps: 80_000, joinedAt: 3), D(charger: "d", milliamps: 0, joinedAt: 0)]
        #expect(SharingPolicy.fairShare.divide(100_000, among: d) == [10_000, 45_000, 45_000, 0])
    }

    @Test("random demands: never more than the budget or than wanted (seeded; CK_SITE_POLICY_SEED)", arguments: SharingPolicy.allCases)
    func random(_ policy: SharingPolicy) {
        let seed = FuzzSeed.value("CK_SITE_POLICY_SEED", default: FuzzSeed.stable("site-policy-\(policy.rawValue)"))
        print("site policy \(policy.rawValue) seed \(seed) (replay: CK_SITE_POLICY_SEED=\(seed))")
        var rng = FuzzRandom(seed: seed)
        for _ in 0..<5_000 {
            let budget = Int64(rng.next() % 400_000)
            let demands = (0..<Int(rng.next() % 6)).map { i in
                D(charger: "c\(i)", milliamps: Int64(rng.next() % 200_000), joinedAt: rng.next() % 5)
            }
            let shares = policy.divide(budget, among: demands)
            #expect(shares.reduce(0, +) <= budget)
            for (s, d) in zip(shares, demands) { #expect(s >= 0 && s <= d.milliamps) }
            let wanted = demands.reduce(0) { $0 + $1.milliamps }
            // Nothing is left unused while someone still wants more (fair share may leave < 1 mA per charger).
            #expect(shares.reduce(0, +) >= min(wanted, budget) - Int64(demands.count))
        }
    }
}
