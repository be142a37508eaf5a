import OCPP16

/// The charging profiles in force and the current limit they give (OCPP 1.6 §3.13): per purpose the
/// profile with the highest stack level applies; a TxProfile of the running transaction overrides the
/// TxDefaultProfile; ChargePointMaxProfile caps both. Limits in W are turned into A at the present
/// output voltage (a DC charger's "limit" is its output current; numberPhases does not apply).
///
/// Schedules start when the profile arrives (Relative and Absolute without a future startSchedule);
/// Recurring schedules are taken as Absolute (planned: their daily/weekly repetition).
public struct SmartCharging {
    struct Installed {
        var profile: ChargingProfile
        var since: Double
    }

    var installed: [Installed] = []

    public init() {}

    public var count: Int { installed.count }

    /// Installs `profile` at time `now` (s), replacing one of the same id, or of the same purpose and
    /// stack level (§3.13.2).
    public mutating func set(_ profile: ChargingProfile, now: Double) {
        installed.removeAll { $0.profile.id == profile.id
            || ($0.profile.purpose == profile.purpose && $0.profile.stackLevel == profile.stackLevel) }
        installed.append(Installed(profile: profile, since: now))
    }

    /// Removes the profiles matching every criterion given (none: all). True when any was removed.
    public mutating func clear(id: Int?, purpose: ChargingProfilePurpose?, stackLevel: Int?) -> Bool {
        let before = installed.count
        installed.removeAll { i in
            (id == nil || i.profile.id == id) && (purpose == nil || i.profile.purpose == purpose)
                && (stackLevel == nil || i.profile.stackLevel == stackLevel)
        }
        return installed.count != before
    }

    /// The transaction ended: its TxProfiles go (§3.13.3).
    public mutating func transactionEnded() {
        installed.removeAll { $0.profile.purpose == .txProfile }
    }

    /// The limit in A at `now` (s) for `transactionOpen`, or nil when no profile limits.
    public func limitAmps(now: Double, transactionOpen: Bool, volts: Double) -> Double? {
        func best(_ purpose: ChargingProfilePurpose) -> Double? {
            var top: (level: Int, amps: Double)?
            for i in installed where i.profile.purpose == purpose {
                guard let raw = i.profile.limit(afterSeconds: now - i.since) else { continue }
                let amps = i.profile.unit == .amps ? raw : (volts > 1 ? raw / volts : raw / 400)
                if top == nil || i.profile.stackLevel > top!.level { top = (i.profile.stackLevel, amps) }
            }
            return top?.amps
        }
        var limit: Double?
        if transactionOpen { limit = best(.txProfile) ?? best(.txDefaultProfile) }
        if let cap = best(.chargePointMaxProfile) { limit = min(limit ?? cap, cap) }
        return limit
    }
}
