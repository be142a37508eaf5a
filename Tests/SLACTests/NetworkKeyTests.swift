import HomePlugAV
@testable import SLAC
import Testing

@Suite struct NetworkKeyDerivation {
    @Test func sha256KnownAnswer() {
        var h = SHA256()
        for b in "abc".utf8 { h.update(b) }
        let d = h.finish()
        #expect(hex((0..<32).map { d[$0] }) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var long = SHA256()
        for b in "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8 { long.update(b) }
        let d2 = long.finish()
        #expect(hex((0..<32).map { d2[$0] }) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// slac.md §7.2 test vectors (open-plc-utils' EVSE and PEV defaults) and the security-level variant.
    @Test func nidFromNMK() {
        let evseKey = NetworkMembershipKey(high: 0xB593_19D7_E815_7BA0, low: 0x01B0_1866_9CCE_E30D)
        let pevKey = NetworkMembershipKey(high: 0x50D3_E493_3F85_5B70, low: 0x4078_4DF8_15AA_8DB7)
        #expect(NetworkKeys.networkID(for: evseKey).description == "026BCBA5354E08")
        #expect(NetworkKeys.networkID(for: pevKey).description == "B0F2E695666B03")
        #expect(NetworkKeys.networkID(for: evseKey, securityLevel: 1).description == "026BCBA5354E18")
        #expect(NetworkKeys.networkID(for: pevKey, securityLevel: 1).description == "B0F2E695666B13")
    }

    /// slac.md §7.1: HomePlug password-derived NMKs.
    @Test func nmkFromPassword() {
        #expect(NetworkKeys.membershipKey(password: "HomePlugAV").description == "50D3E4933F855B7040784DF815AA8DB7")
        #expect(NetworkKeys.membershipKey(password: "HomePlugAV0123").description == "B59319D7E8157BA001B018669CCEE30D")
    }

    @Test func randomKeysDifferAndTopNIDBitsAreZero() {
        var r = SlacRandom.seeded(7)
        let a = r.membershipKey(), b = r.membershipKey()
        #expect(a != b)
        var system = SlacRandom.system
        for _ in 0..<20 {
            let nid = NetworkKeys.networkID(for: system.membershipKey())
            #expect(nid[6] & 0xC0 == 0)
        }
    }
}

@Suite struct AttenuationAveraging {
    @Test func truncatesOrRoundsOverProfilesReceived() {
        var a = AttenuationAverager()
        a.add(AttenuationGroups(count: 58, repeating: 10))
        a.add(AttenuationGroups(count: 58, repeating: 11))
        #expect(a.average(rounding: .truncate)[0] == 10)
        #expect(a.average(rounding: .halfUp)[0] == 11)
        #expect(a.average(rounding: .truncate, adjustment: 3)[57] == 13)
        #expect(a.profiles == 2)
    }

    /// pyslac's example EV sends 3-group profiles (slac.md §11.4): the missing groups are the mean of
    /// the measured ones, never 0.
    @Test func shortProfilesFillTheRest() {
        var a = AttenuationAverager()
        var g = AttenuationGroups(count: 3, repeating: 0)
        g[0] = 40; g[1] = 36; g[2] = 40
        a.add(g)
        a.add(g)
        let avg = a.average()
        #expect(avg.count == 58)
        #expect(avg[0] == 40 && avg[1] == 36 && avg[2] == 40)
        #expect(avg[3] == 38 && avg[57] == 38)
        #expect(a.nonStandardProfiles == 2)
    }

    @Test func noProfilesGiveOnes() {
        let avg = AttenuationAverager().average()
        #expect(avg.count == 58 && avg[0] == 1 && avg.mean == 1)
    }
}
