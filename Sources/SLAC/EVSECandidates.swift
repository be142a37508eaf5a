import Contracts
import CoreTypes
import HomePlugAV

/// The EV's view of the EVSEs that answered its sounds during TT_EV_atten_results (slac.md §5.3 step 4,
/// §6.2): one entry per EVSE MAC, and the choice among them.
///
/// The ISO selection rule was not available (slac.md §6.2 [not in sources]); this takes the EVSE
/// with the lowest mean attenuation ("the loudest reported signals", pyPLC/ccs32clara TODOs), ties to
/// the first that answered, and rejects EVSEs above a threshold (open-plc-utils `pev`, 40 dB).
struct EVSECandidates {
    struct Candidate {
        var evse = MACAddress.zero
        var attenuation = 0
        var sounds: UInt8 = 0
    }

    static let capacity = 4
    private(set) var entries = InlineArray<4, Candidate>(repeating: Candidate())
    private(set) var count = 0

    mutating func removeAll() { count = 0 }

    /// Records (or updates) an EVSE's CM_ATTEN_CHAR.IND; false when the table is full.
    @discardableResult
    @_noAllocation @_noLocks
    mutating func record(_ evse: MACAddress, _ ind: AttenCharIndication) -> Bool {
        let mean = ind.groups.mean
        var i = 0
        while i < count {
            if entries[i].evse.rawValue == evse.rawValue {
                entries[i].attenuation = mean
                entries[i].sounds = ind.numberOfSounds
                return true
            }
            i += 1
        }
        guard count < Self.capacity else { return false }
        entries[count] = Candidate(evse: evse, attenuation: mean, sounds: ind.numberOfSounds)
        count += 1
        return true
    }

    /// The loudest candidate at or below `threshold` dB.
    @_noAllocation @_noLocks
    func choose(threshold: Int) -> Candidate? {
        var best: Candidate?
        var i = 0
        while i < count {
            let c = entries[i]
            if c.attenuation <= threshold, best == nil || c.attenuation < best!.attenuation { best = c }
            i += 1
        }
        return best
    }
}
