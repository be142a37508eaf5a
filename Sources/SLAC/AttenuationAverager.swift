import HomePlugAV

/// EVSE side of the attenuation characterisation (slac.md §6.1): sums the AAG values of every
/// CM_ATTEN_PROFILE.IND for one EV and averages them over the profiles actually received.
///
/// Profiles with fewer than 58 groups (pyslac's example EV sends 3, slac.md §11.4) are accepted:
/// each group is averaged over the profiles that carried it, and groups no profile carried are
/// reported as the mean of those that were, so the CM_ATTEN_CHAR.IND always carries 58 non-zero
/// groups (an Ioniq treats 0 as a defect, slac.md §2.9) **[inferred]**.
public struct AttenuationAverager: Sendable {
    /// open-plc-utils and EVerest truncate; pyslac rounds half away from zero (slac.md §6.1, §9).
    public enum Rounding: Sendable { case truncate, halfUp }

    private var sums = InlineArray<58, UInt32>(repeating: 0)
    private var counts = InlineArray<58, UInt16>(repeating: 0)
    public private(set) var profiles = 0
    /// Profiles whose NumGroups was not 58.
    public private(set) var nonStandardProfiles = 0

    public init() {}

    public mutating func reset() { self = AttenuationAverager() }

    @_noAllocation @_noLocks
    public mutating func add(_ groups: AttenuationGroups) {
        var i = 0
        while i < groups.count {
            sums[i] &+= UInt32(groups[i])
            counts[i] &+= 1
            i += 1
        }
        profiles += 1
        if groups.count != AttenuationGroups.standardCount { nonStandardProfiles += 1 }
    }

    /// The averaged 58 groups, each offset by `adjustment` dB (EVerest's
    /// `sounding_attenuation_adjustment`) and clamped to 1…255. With no profiles at all every group is
    /// 0x01 (EVerest's choice; nothing was measured).
    @_noAllocation @_noLocks
    public func average(rounding: Rounding = .truncate, adjustment: Int = 0) -> AttenuationGroups {
        var out = AttenuationGroups(count: AttenuationGroups.standardCount, repeating: 1)
        guard profiles > 0 else { return out }
        var coveredSum = 0
        var covered = 0
        var i = 0
        while i < 58 {
            if counts[i] > 0 {
                let n = UInt32(counts[i])
                let v = rounding == .truncate ? sums[i] / n : (2 * sums[i] + n) / (2 * n)
                out[i] = Self.clamp(Int(v) + adjustment)
                coveredSum += Int(out[i])
                covered += 1
            }
            i += 1
        }
        if covered < 58 {
            let fill = Self.clamp(covered > 0 ? coveredSum / covered : 1)
            i = 0
            while i < 58 {
                if counts[i] == 0 { out[i] = fill }
                i += 1
            }
        }
        return out
    }

    private static func clamp(_ v: Int) -> UInt8 { UInt8(min(max(v, 1), 255)) }
}
