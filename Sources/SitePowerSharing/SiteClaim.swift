/// What one charger tells the site (retained on `<site>/claim/<charger>`): the current it wants, the
/// current it may be drawing at most (its claim), and when it started wanting it (first come first
/// served orders by that). An empty retained payload withdraws the claim (a clean leave, or the
/// broker's last will for a charger that vanished).
///
/// Text, one line: `v1 e=<epoch> s=<seq> d=<demand mA> c=<claim mA> j=<joined, ms since 1970>`. Currents
/// are whole milliamps, so every charger adds up exactly the same numbers.
/// `epoch` tells one run of a charger from the next (its own stale retained claim is not an echo);
/// `seq` numbers its claims so it recognises the echo of the one it waits for.
public struct SiteClaim: Sendable, Equatable {
    public var epoch: UInt64
    public var seq: UInt64
    public var demandMilliamps: Int64
    public var claimMilliamps: Int64
    /// 0 while the charger wants nothing.
    public var joinedAt: UInt64

    public init(epoch: UInt64, seq: UInt64, demandMilliamps: Int64, claimMilliamps: Int64, joinedAt: UInt64) {
        self.epoch = epoch
        self.seq = seq
        self.demandMilliamps = demandMilliamps
        self.claimMilliamps = claimMilliamps
        self.joinedAt = joinedAt
    }

    public var encoded: String {
        "v1 e=\(epoch) s=\(seq) d=\(demandMilliamps) c=\(claimMilliamps) j=\(joinedAt)"
    }

    /// Parses a payload; a claim that does not parse is an error, never a guess.
    public static func decode(_ text: Substring) throws(SiteClaimError) -> SiteClaim {
        let fields = text.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "v1" else { throw .malformed(String(text.prefix(80))) }
        func value(_ i: Int, _ key: String) throws(SiteClaimError) -> Substring {
            let f = fields[i]
            guard f.hasPrefix(key + "=") else { throw .missingField(key) }
            return f.dropFirst(key.count + 1)
        }
        func int(_ i: Int, _ key: String) throws(SiteClaimError) -> UInt64 {
            guard let v = UInt64(try value(i, key)) else { throw .badValue(key) }
            return v
        }
        func current(_ i: Int, _ key: String) throws(SiteClaimError) -> Int64 {
            guard let v = Int64(try value(i, key)), v >= 0, v <= 10_000_000 else { throw .badValue(key) }
            return v
        }
        return SiteClaim(epoch: try int(1, "e"), seq: try int(2, "s"), demandMilliamps: try current(3, "d"),
                         claimMilliamps: try current(4, "c"), joinedAt: try int(5, "j"))
    }
}

public enum SiteClaimError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case missingField(String)
    case badValue(String)

    public var description: String {
        switch self {
        case .malformed(let t): "site claim: not a v1 claim line: \"\(t)\""
        case .missingField(let k): "site claim: field \(k)= missing or out of place"
        case .badValue(let k): "site claim: field \(k)= is not a valid number (currents: 0…10000000 mA)"
        }
    }
}
