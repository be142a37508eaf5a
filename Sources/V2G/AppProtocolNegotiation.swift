import Contracts
import AppHandshake
import EXI

/// The SECC's answer to supportedAppProtocolReq (sdp-v2gtp.md §7.5): the EV lists what it speaks
/// with its priorities; the charger picks one it implements with the same major version.
public struct AppProtocolNegotiation: Sendable, Equatable {
    /// Whose priority decides when several entries match.
    public enum Preference: Sendable, Equatable {
        /// The EV's Priority field, 1 highest (what EVerest and Josev do).
        case vehicle
        /// The order of `offered` (a station that prefers, say, ISO 15118-2 over DIN).
        case charger
    }

    /// What the charger offers, in its own order of preference.
    public var offered: [V2GProtocol]
    public var preference: Preference

    public init(offered: [V2GProtocol] = [.iso15118_2, .din70121], preference: Preference = .vehicle) {
        self.offered = offered
        self.preference = preference
    }

    /// The outcome: the response to send and, on success, the protocol that follows.
    public struct Outcome: Sendable, Equatable {
        public var response: SupportedAppProtocolRes
        public var selected: V2GProtocol?
        /// The EV entry that was chosen.
        public var schemaID: UInt8?
    }

    /// Picks per §7.5: entries whose namespace we offer and whose major version matches; among them
    /// the best by `preference`; OK_SuccessfulNegotiation when the minor version matches too,
    /// ..WithMinorDeviation otherwise; Failed_NoNegotiation (no SchemaID) when nothing matches —
    /// the SECC sends it and then closes the connection.
    public func negotiate(_ request: SupportedAppProtocolReq) -> Outcome {
        var best: (entry: AppProtocol, protocol: V2GProtocol, rank: Int)?
        for i in 0..<request.AppProtocol.count {
            let entry = request.AppProtocol[i]
            guard let p = offered.first(where: { EXIString<100>($0.namespace) == entry.ProtocolNamespace }),
                  p.version.major == entry.VersionNumberMajor else { continue }
            let rank = preference == .vehicle ? Int(entry.Priority) : offered.firstIndex(of: p)!
            if best == nil || rank < best!.rank { best = (entry, p, rank) }
        }
        var response = SupportedAppProtocolRes()
        guard let best else {
            response.ResponseCode = .Failed_NoNegotiation
            response.SchemaID = nil
            return Outcome(response: response, selected: nil, schemaID: nil)
        }
        response.ResponseCode = best.entry.VersionNumberMinor == best.protocol.version.minor
            ? .OK_SuccessfulNegotiation : .OK_SuccessfulNegotiationWithMinorDeviation
        response.SchemaID = best.entry.SchemaID
        return Outcome(response: response, selected: best.protocol, schemaID: best.entry.SchemaID)
    }

    /// The EVCC's request: `protocols` in the vehicle's order of preference, SchemaID and Priority
    /// numbered 1, 2, … as Josev's EVCC does (§7.2).
    public static func request(offering protocols: [V2GProtocol]) -> SupportedAppProtocolReq {
        var request = SupportedAppProtocolReq()
        for (i, p) in protocols.prefix(20).enumerated() {
            let entry = AppProtocol(ProtocolNamespace: EXIString<100>(p.namespace)!, VersionNumberMajor: p.version.major,
                                    VersionNumberMinor: p.version.minor, SchemaID: UInt8(i + 1), Priority: UInt8(i + 1))
            _ = request.AppProtocol.append(entry)
        }
        return request
    }

    /// What an EVCC makes of the SECC's answer: the protocol of the entry whose SchemaID came back.
    public static func selected(by response: SupportedAppProtocolRes, offering protocols: [V2GProtocol]) -> V2GProtocol? {
        guard response.ResponseCode != .Failed_NoNegotiation, let id = response.SchemaID,
              id >= 1, Int(id) <= protocols.count else { return nil }
        return protocols[Int(id) - 1]
    }
}
