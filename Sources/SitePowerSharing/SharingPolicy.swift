/// How a site's budget is divided among the chargers that want current (seed 002: first come first
/// served, or fairness). Pure and deterministic: every charger computes the same division from the
/// same claims, so none needs a coordinator.
public enum SharingPolicy: String, Sendable, CaseIterable {
    /// In the order the chargers started wanting current (ties by name), each takes what it wants
    /// from what is left.
    case firstComeFirstServed = "fcfs"
    /// Equal shares; a charger that wants less than its share leaves the rest to the others
    /// (water-filling, max-min fairness).
    case fairShare = "fair"

    public struct Demand: Sendable, Equatable {
        public var charger: String
        public var milliamps: Int64
        public var joinedAt: UInt64
        public init(charger: String, milliamps: Int64, joinedAt: UInt64) {
            self.charger = charger
            self.milliamps = milliamps
            self.joinedAt = joinedAt
        }
    }

    /// Each charger's share of `budget` (mA), in the order of `demands`. The shares never add up to
    /// more than the budget, and no charger gets more than it wants. Integer milliamps: every charger
    /// computes exactly the same shares.
    public func divide(_ budget: Int64, among demands: [Demand]) -> [Int64] {
        var shares = [Int64](repeating: 0, count: demands.count)
        var left = max(budget, 0)
        switch self {
        case .firstComeFirstServed:
            let order = demands.indices.sorted {
                (demands[$0].joinedAt, demands[$0].charger) < (demands[$1].joinedAt, demands[$1].charger)
            }
            for i in order {
                let take = min(max(demands[i].milliamps, 0), left)
                shares[i] = take
                left -= take
            }
        case .fairShare:
            // Water-filling: equal shares of what is left, in rounds; whoever wants less keeps only that.
            // The last few mA that do not divide evenly stay unallocated.
            var open = demands.indices.filter { demands[$0].milliamps > 0 }
            while !open.isEmpty {
                let each = left / Int64(open.count)
                guard each > 0 else { break }
                var still: [Int] = []
                for i in open {
                    let want = demands[i].milliamps - shares[i]
                    let take = min(want, each)
                    shares[i] += take
                    left -= take
                    if want > each { still.append(i) }
                }
                if still.count == open.count { break }
                open = still
            }
        }
        return shares
    }
}
