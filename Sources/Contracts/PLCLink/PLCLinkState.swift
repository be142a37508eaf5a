import CoreTypes

/// The power-line link as SLAC publishes it (`ChargerFacts.plcLink`; slac.md §5.1 Unmatched →
/// Matching → Matched, and D-LINK_READY of §8).
@frozen
public enum PLCLinkState: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// No logical network with an EV (no vehicle, or the modem is being keyed).
    case unmatched
    /// A matching run with this EV is in progress.
    case matching(ev: MACAddress)
    /// D-LINK_READY(link established): the EV's host MAC; V2G (SDP) may start.
    case matched(PLCLinkMatch)
    /// Matching gave up, and why. Stays until the pilot leaves B/C/D (the CP controller may then run
    /// the E/F retry of ISO 15118-3).
    case failed(SlacFailure)

    /// The EV's MAC while matched.
    @inlinable public var matchedEV: MACAddress? {
        if case .matched(let m) = self { return m.ev }
        return nil
    }

    public var description: String {
        switch self {
        case .unmatched: "unmatched"
        case .matching(let ev): "matching with \(ev)"
        case .matched(let m): "matched with \(m.ev) (attenuation \(m.attenuation) dB)"
        case .failed(let f): "failed: \(f)"
        }
    }
}

/// What a completed match tells the rest of the charger. The network key is not part of it: the NMK
/// stays inside SLAC and the modem (it is a secret).
@frozen
public struct PLCLinkMatch: Sendable, Equatable, BitwiseCopyable {
    /// The EV's host MAC (the PEV MAC of CM_SLAC_MATCH).
    public var ev: MACAddress
    /// Mean attenuation the EVSE measured, dB.
    public var attenuation: UInt8
    /// When the match completed.
    public var since: MonotonicInstant

    public init(ev: MACAddress, attenuation: UInt8, since: MonotonicInstant) {
        self.ev = ev
        self.attenuation = attenuation
        self.since = since
    }
}
