import CoreTypes

/// What `SiteShare` asks its client to do.
public enum SiteAction: Sendable, Equatable {
    /// Publish our claim, retained, QoS 1.
    case publishClaim(SiteClaim)
    /// Publish a heartbeat (not retained) that we expect to hear back.
    case publishHeartbeat(epoch: UInt64, count: UInt64)
    /// Hold the output current at or below this (through the loop's command queue).
    case applyLimit(milliamps: Int64)
    /// Close the connection without a DISCONNECT, so the broker publishes our will now.
    case dropConnection
}

/// One charger's part of site power sharing (issue 20 item 5, seed 002): a pure state machine, fed
/// the broker's messages, the loop's acknowledgements and the time; it answers with `SiteAction`s.
///
/// The hand-over that keeps the site's sum under the budget, joins and leaves included:
/// - Every charger's retained claim is at least what it may draw. It **lowers first, then tells**:
///   the lower limit goes to the loop, and the claim follows once the loop has applied it.
/// - It **tells first, then raises**: a raise is published as a claim and applied only when the claim
///   comes back from the broker and, at that point of the broker's order, fits: claim + the others'
///   claims + the fallback of every charger not seen ≤ budget. The broker hands every subscriber
///   the messages in the one order it took them (mosquitto does), so of two raises that race, the
///   later one sees the earlier one; a raise that does not fit is withdrawn and retried after a
///   random wait.
/// - So a charger whose share shrinks lowers before another raises into the room it leaves.
/// - A charger that cannot hear its own heartbeat for `lossTimeout` drops the connection (the broker
///   publishes its will, which withdraws its claim) and holds at most min(limit, fallback); only after
///   `willDelay` without the broker, when the others count it at its fallback, may it rise to the
///   fallback. A new process starts at 0 for the same reason (its previous run's claim may still
///   stand).
/// - After (re)subscribing it raises nothing for `settle`: peers that lost the old broker have fallen
///   back by then.
public struct SiteShare {
    public let me: String
    public let config: SiteShareConfig
    public let epoch: UInt64
    /// The most the loop may be drawing now (during a lowering: the old, higher value).
    public private(set) var limit: Int64 = 0
    /// A lower limit posted to the loop and not yet acknowledged.
    public private(set) var lowering: Int64?
    /// A raise published and waiting for its echo.
    private var pending: (seq: UInt64, milliamps: Int64, since: MonotonicInstant)?
    /// The others' claims (a withdrawn or never seen charger is absent).
    public private(set) var peers: [String: SiteClaim] = [:]
    public private(set) var online = false
    private var onlineSince = MonotonicInstant.zero
    private var offlineSince: MonotonicInstant
    private var lastEcho = MonotonicInstant.zero
    private var nextHeartbeat = MonotonicInstant.zero
    private var heartbeats: UInt64 = 0
    private var seq: UInt64 = 0
    private var retryAt = MonotonicInstant.zero
    private var random: UInt64
    public private(set) var demand: Int64 = 0
    public private(set) var joinedAt: UInt64 = 0
    private var published: (demand: Int64, joinedAt: UInt64)?
    /// Counters for logs and tests.
    public private(set) var raises = 0
    public private(set) var rejectedRaises = 0
    public private(set) var losses = 0

    public init(me: String, config: SiteShareConfig, epoch: UInt64, now: MonotonicInstant) {
        self.me = me
        self.config = config
        self.epoch = epoch
        random = epoch ^ 0x9E37_79B9_7F4A_7C15
        offlineSince = now
    }

    // MARK: inputs

    /// The charger wants `milliamps` (0: nothing); `wallMilliseconds` dates a new demand for first come
    /// first served.
    public mutating func setDemand(_ milliamps: Int64, wallMilliseconds: UInt64, now: MonotonicInstant) -> [SiteAction] {
        let m = max(milliamps, 0)
        if m > 0, demand == 0 { joinedAt = max(wallMilliseconds, 1) }
        if m == 0 { joinedAt = 0 }
        demand = m
        return evaluate(now)
    }

    /// The subscription to the site's topics is acknowledged on a (new) connection: what we knew of the
    /// others is replaced by what the broker now sends.
    public mutating func subscribed(now: MonotonicInstant) -> [SiteAction] {
        online = true
        onlineSince = now
        lastEcho = now
        nextHeartbeat = now
        peers = [:]
        pending = nil
        published = nil
        var out = [publish(limit)]
        out += evaluate(now)
        return out
    }

    /// The connection is gone (error, broker restart, or our own drop).
    public mutating func connectionLost(now: MonotonicInstant) -> [SiteAction] {
        guard online else { return [] }
        online = false
        offlineSince = now
        peers = [:]
        pending = nil
        losses += 1
        return evaluate(now)
    }

    /// A message on `<site>/claim/<charger>`; nil is an empty payload (a withdrawn claim).
    public mutating func received(claim: SiteClaim?, from charger: String, retained: Bool, now: MonotonicInstant) -> [SiteAction] {
        guard online else { return [] }
        if charger == me {
            guard !retained, let claim, claim.epoch == epoch, let p = pending, p.seq == claim.seq else { return [] }
            pending = nil
            if heard(now), p.milliamps <= headroom {
                limit = p.milliamps
                raises += 1
                return [.applyLimit(milliamps: limit)] + evaluate(now)
            }
            rejectedRaises += 1
            retryAt = now + backoff()
            return [publish(limit)] + evaluate(now)
        }
        if let claim { peers[charger] = claim } else { peers[charger] = nil }
        return evaluate(now)
    }

    /// Our heartbeat came back: the broker hears us and we hear it.
    public mutating func heartbeatEcho(epoch e: UInt64, now: MonotonicInstant) -> [SiteAction] {
        if online, e == epoch { lastEcho = now }
        return []
    }

    /// The loop applied a site limit.
    public mutating func limitApplied(_ milliamps: Int64, now: MonotonicInstant) -> [SiteAction] {
        guard let l = lowering else { return [] }
        if milliamps < limit { limit = milliamps }
        guard milliamps == l else { return [] }
        lowering = nil
        var out: [SiteAction] = []
        if online { out.append(publish(limit)) }
        return out + evaluate(now)
    }

    public mutating func tick(now: MonotonicInstant) -> [SiteAction] {
        var out: [SiteAction] = []
        if online, now >= nextHeartbeat {
            heartbeats += 1
            nextHeartbeat = now + config.heartbeat
            out.append(.publishHeartbeat(epoch: epoch, count: heartbeats))
        }
        if online, !heard(now) {
            // Silence: make the broker publish our will, then we are offline.
            out.append(.dropConnection)
            out += connectionLost(now: now)
            return out
        }
        if let p = pending, now - p.since > config.claimTimeout {
            pending = nil
            retryAt = now + backoff()
            out.append(publish(limit))
        }
        return out + evaluate(now)
    }

    // MARK: the decision

    /// The others' claims plus the fallback of every charger we cannot see.
    public var othersMilliamps: Int64 {
        peers.values.reduce(0) { $0 + $1.claimMilliamps }
            + Int64(max(0, config.chargers - 1 - peers.count)) * config.fallbackMilliamps
    }

    private var headroom: Int64 { config.budgetMilliamps - othersMilliamps }

    /// Our share under the policy, of the budget left after the chargers we cannot see.
    public var share: Int64 {
        let unseen = Int64(max(0, config.chargers - 1 - peers.count)) * config.fallbackMilliamps
        var demands = [SharingPolicy.Demand(charger: me, milliamps: demand, joinedAt: joinedAt)]
        for (name, c) in peers.sorted(by: { $0.key < $1.key }) {
            demands.append(.init(charger: name, milliamps: c.demandMilliamps, joinedAt: c.joinedAt))
        }
        return config.policy.divide(config.budgetMilliamps - unseen, among: demands)[0]
    }

    private func heard(_ now: MonotonicInstant) -> Bool { online && now - lastEcho <= config.lossTimeout }

    private mutating func evaluate(_ now: MonotonicInstant) -> [SiteAction] {
        guard lowering == nil else { return [] }  // one change at a time
        let ceiling: Int64
        if heard(now) {
            ceiling = share
        } else if !online, now - offlineSince >= config.willDelay {
            ceiling = config.fallbackMilliamps  // the others count us at the fallback by now
        } else {
            ceiling = min(limit, config.fallbackMilliamps)
        }
        if ceiling < limit {
            pending = nil  // a raise in flight is given up; its claim is corrected after the lowering
            lowering = ceiling
            return [.applyLimit(milliamps: ceiling)]
        }
        if !online {
            // Nobody to tell: rising to the fallback is safe once the will has been published.
            if ceiling > limit {
                limit = ceiling
                return [.applyLimit(milliamps: ceiling)]
            }
            return []
        }
        guard pending == nil else { return [] }
        var out: [SiteAction] = []
        if published.map({ $0.demand != demand || $0.joinedAt != joinedAt }) ?? true { out.append(publish(limit)) }
        guard heard(now), now - onlineSince >= config.settle, now >= retryAt, ceiling > limit else { return out }
        let want = min(ceiling, headroom)
        guard want > limit else { return out }
        let claim = publish(want)
        pending = (seq, want, now)
        out.append(claim)
        return out
    }

    private mutating func publish(_ milliamps: Int64) -> SiteAction {
        seq += 1
        published = (demand, joinedAt)
        return .publishClaim(SiteClaim(epoch: epoch, seq: seq, demandMilliamps: demand, claimMilliamps: milliamps,
                                       joinedAt: joinedAt))
    }

    private mutating func backoff() -> Nanoseconds {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let span = UInt64(max(config.retryMaximum.count - config.retryMinimum.count, 1))
        return Nanoseconds(config.retryMinimum.count + Int64(z % span))
    }
}
