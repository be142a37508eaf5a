import HomePlugAV
import HAL
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
        #expect(NetworkKeys.membershipKey(password: "HomePlugAV").secretHex == "50D3E4933F855B7040784DF815AA8DB7")
        #expect(NetworkKeys.membershipKey(password: "HomePlugAV0123").secretHex == "B59319D7E8157BA001B018669CCEE30D")
    }

    /// A key prints only as its fingerprint (first 4 bytes of SHA-256, as `sha256sum` gives them),
    /// wherever it is interpolated: its own description, a message that carries it, `dump`.
    @Test func keysPrintOnlyAsFingerprints() {
        let evseKey = NetworkMembershipKey(high: 0xB593_19D7_E815_7BA0, low: 0x01B0_1866_9CCE_E30D)
        let pevKey = NetworkMembershipKey(high: 0x50D3_E493_3F85_5B70, low: 0x4078_4DF8_15AA_8DB7)
        #expect(evseKey.fingerprint == "nmk#059a228e")
        #expect(pevKey.fingerprint == "nmk#83d79594")
        #expect("\(evseKey)" == "nmk#059a228e")
        #expect(String(reflecting: evseKey) == "nmk#059a228e")
        let confirm = SlacMatchConfirm(pevMAC: MACAddress(2, 0, 0, 0, 0, 1), evseMAC: MACAddress(2, 0, 0, 0, 0, 2),
                                       runID: .zero, nid: NetworkKeys.networkID(for: evseKey), nmk: evseKey)
        var dumped = ""
        dump(confirm, to: &dumped)
        for text in ["\(confirm)", String(reflecting: confirm), "\(HomePlugMessage.slacMatchConfirm(confirm))", dumped] {
            #expect(!text.uppercased().contains(evseKey.secretHex), "\(text)")
            #expect(!text.uppercased().contains("B59319D7"), "\(text)")
            #expect(!text.contains(String(evseKey.high)) && !text.contains(String(evseKey.low)), "\(text)")
        }
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
