import CoreTypes

/// A site's sharing rules, the same on every charger of the site.
public struct SiteShareConfig: Sendable {
    /// What the grid connection allows all chargers together, in mA.
    public var budgetMilliamps: Int64
    /// What a charger may draw while it cannot prove it hears the site (no broker), in mA. Every
    /// charger may be on it at once, so `fallbackMilliamps × chargers ≤ budgetMilliamps`.
    public var fallbackMilliamps: Int64
    /// The most chargers that ever share this budget: one the others cannot see (not started yet,
    /// cut off, or the broker restarted) is counted at its fallback.
    public var chargers: Int
    public var policy: SharingPolicy
    /// No echo of our own heartbeat for this long: the broker is lost (drop to the fallback).
    public var lossTimeout = Nanoseconds.milliseconds(1000)
    public var heartbeat = Nanoseconds.milliseconds(250)
    /// MQTT keep-alive (libmosquitto's minimum is 5 s); the broker publishes our last will 1.5 × this after
    /// it last heard from us.
    public var keepAliveSeconds: Int64 = 5
    /// After (re)subscribing, no raise for this long: a charger that lost the old broker has dropped to
    /// its fallback by then.
    public var settle = Nanoseconds.milliseconds(1500)
    /// A raise whose claim has not come back for this long is given up.
    public var claimTimeout = Nanoseconds.seconds(2)
    /// A rejected raise waits a random time in this range before trying again (two chargers that claimed
    /// the same headroom at once do not collide forever).
    public var retryMinimum = Nanoseconds.milliseconds(50)
    public var retryMaximum = Nanoseconds.milliseconds(400)

    public init(budgetMilliamps: Int64, fallbackMilliamps: Int64, chargers: Int, policy: SharingPolicy) {
        self.budgetMilliamps = budgetMilliamps
        self.fallbackMilliamps = fallbackMilliamps
        self.chargers = chargers
        self.policy = policy
    }

    /// How long after going quiet a charger's claim may still be seen by the others: until the broker
    /// publishes its will (1.5 × keep-alive), plus a margin for the will to reach them.
    public var willDelay: Nanoseconds { Nanoseconds.milliseconds(keepAliveSeconds * 1500) + .milliseconds(500) }

    /// Why this configuration cannot keep the sum under the budget (empty: it can).
    public var problems: [String] {
        var p: [String] = []
        if budgetMilliamps <= 0 { p.append("site budget must be positive") }
        if chargers < 1 { p.append("site must have at least one charger") }
        if fallbackMilliamps < 0 { p.append("fallback must not be negative") }
        if fallbackMilliamps.multipliedReportingOverflow(by: Int64(max(chargers, 0))).partialValue > budgetMilliamps {
            p.append("fallback \(fallbackMilliamps) mA × \(chargers) chargers exceeds the budget \(budgetMilliamps) mA")
        }
        if lossTimeout.count * 2 > willDelay.count - Nanoseconds.milliseconds(500).count {
            p.append("loss timeout must be at most half the will delay (1.5 × keep-alive)")
        }
        if settle < lossTimeout { p.append("settle must be at least the loss timeout") }
        return p
    }
}
