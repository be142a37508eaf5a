import HomePlugAV

/// NMK and NID handling (slac.md §7): a fresh random NMK per session, the NID derived from it as the
/// Qualcomm code (and so every implementation) does, and HomePlug's password-derived NMK for test
/// vectors and fixed-key setups.
public enum NetworkKeys {
    /// Security level encoded in the NID: 0 = simple connect, what SLAC uses (slac.md §7.2 step 4).
    public static let simpleConnect: UInt8 = 0

    /// NID from NMK (slac.md §7.2): d = SHA-256(NMK), then four more rounds d = SHA-256(d);
    /// NID = d[0…5] and (d[6] >> 4) | securityLevel << 4, so the two top bits stay 0.
    public static func networkID(for nmk: NetworkMembershipKey, securityLevel: UInt8 = simpleConnect) -> NetworkID {
        var h = SHA256()
        var i = 0
        while i < 16 {
            h.update(nmk[i])
            i += 1
        }
        var d = h.finish()
        var round = 0
        while round < 4 {
            var again = SHA256()
            again.update(d)
            d = again.finish()
            round += 1
        }
        var nid: UInt64 = 0
        i = 0
        while i < 6 {
            nid = nid << 8 | UInt64(d[i])
            i += 1
        }
        nid = nid << 8 | UInt64((d[6] >> 4) | (securityLevel & 0x03) << 4)
        return NetworkID(rawValue: nid)
    }

    /// HomePlug AV password-derived NMK (slac.md §7.1): SHA-256(password ‖ salt 08 85 6D AF 7C F5 81
    /// 86), re-hashed 999 times; NMK = the first 16 bytes.
    public static func membershipKey(password: String) -> NetworkMembershipKey {
        var h = SHA256()
        for b in password.utf8 { h.update(b) }
        let salt: InlineArray<8, UInt8> = [0x08, 0x85, 0x6D, 0xAF, 0x7C, 0xF5, 0x81, 0x86]
        var i = 0
        while i < 8 {
            h.update(salt[i])
            i += 1
        }
        var d = h.finish()
        var round = 1
        while round < 1000 {
            var again = SHA256()
            again.update(d)
            d = again.finish()
            round += 1
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        i = 0
        while i < 8 {
            high = high << 8 | UInt64(d[i])
            low = low << 8 | UInt64(d[8 + i])
            i += 1
        }
        return NetworkMembershipKey(high: high, low: low)
    }
}

/// Where keys and RunIDs come from: the kernel's random source in production, a fixed seed in tests
/// so runs are reproducible. Never allocates.
public struct SlacRandom: Sendable {
    private var seed: UInt64?

    /// getrandom(2) through the standard library's system generator.
    public static var system: SlacRandom { SlacRandom(seed: nil) }

    /// A reproducible sequence (SplitMix64) for tests and the simulated board.
    public static func seeded(_ seed: UInt64) -> SlacRandom { SlacRandom(seed: seed) }

    private init(seed: UInt64?) { self.seed = seed }

    public mutating func next() -> UInt64 {
        guard var s = seed else {
            var g = SystemRandomNumberGenerator()
            return g.next()
        }
        s &+= 0x9E37_79B9_7F4A_7C15
        seed = s
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A fresh 16-byte NMK (slac.md §7.1: full byte range).
    public mutating func membershipKey() -> NetworkMembershipKey { NetworkMembershipKey(high: next(), low: next()) }
}
