import CoreTypes
import SitePowerSharing
import TestSupport

/// A site in one process, on the manual clock, 1 ms steps: a broker that takes messages in one order
/// and hands them to every subscriber in that order (as mosquitto does), with retained claims, last
/// wills after 1.5 × keep-alive and on a dropped connection, session take-over, and restarts that lose
/// everything; TCP-like links (in order, delayed while partitioned, never reordered); each charger's
/// loop applying a limit 1–2 ms after it is posted and acknowledging it up to 15 ms later.
/// `actual` is what each loop holds: the invariant is Σ actual ≤ budget at every step.
final class SiteSimulation {
    enum Down { case subscribed, claim(String, SiteClaim?, retained: Bool), echo(UInt64), lost }
    enum Up { case claim(SiteClaim?), heartbeat(UInt64), close(will: Bool) }

    final class Charger {
        let name: String
        var share: SiteShare?
        var actual: Int64 = 0
        var gen = 0                 // the broker session it talks to (0: none)
        var reconnectAt = MonotonicInstant.zero
        var healAt = MonotonicInstant.zero
        var down: [(at: MonotonicInstant, gen: Int, item: Down)] = []
        var up: [(at: MonotonicInstant, gen: Int, item: Up)] = []
        var loop: [(at: MonotonicInstant, mA: Int64)] = []
        var acks: [(at: MonotonicInstant, mA: Int64)] = []
        var epochs: UInt64 = 0
        init(name: String) { self.name = name }
    }

    struct Session { var gen: Int; var lastHeard: MonotonicInstant }

    let config: SiteShareConfig
    let clock = ManualClock()
    var rng: FuzzRandom
    var chargers: [Charger]
    var brokerUp = true
    var brokerBackAt = MonotonicInstant.zero
    var retained: [String: SiteClaim] = [:]
    var sessions: [String: Session] = [:]
    var nextGen = 1
    var worst: Int64 = 0
    var events: [String] = []

    init(config: SiteShareConfig, names: [String], seed: UInt64) {
        self.config = config
        rng = FuzzRandom(seed: seed)
        chargers = names.map(Charger.init)
    }

    var now: MonotonicInstant { clock.now() }
    func ms(_ lo: Int64, _ hi: Int64) -> Nanoseconds { .milliseconds(lo + Int64(rng.next() % UInt64(hi - lo + 1))) }
    func chance(_ perMillion: UInt64) -> Bool { rng.next() % 1_000_000 < perMillion }

    // MARK: what happens to a charger

    func start(_ c: Charger, demand: Int64) {
        c.epochs += 1
        var s = SiteShare(me: c.name, config: config, epoch: c.epochs << 8 | UInt64(chargers.firstIndex { $0 === c }!), now: now)
        c.actual = 0
        c.gen = 0
        c.down = []
        c.up = []
        c.loop = []
        c.acks = []
        c.reconnectAt = now
        perform(c, s.setDemand(demand, wallMilliseconds: UInt64(now.nanoseconds / 1_000_000), now: now))
        c.share = s
        events.append("\(now) start \(c.name) demand \(demand)")
    }

    /// The process dies: the loop's power path is off at once; the broker notices by keep-alive.
    func crash(_ c: Charger) {
        c.share = nil
        c.actual = 0
        c.up = []
        c.down = []
        c.loop = []
        c.acks = []
        events.append("\(now) crash \(c.name)")
    }

    /// chargerd stops: the loop has stopped (power off), then the claim is withdrawn and it disconnects.
    func leave(_ c: Charger) {
        c.actual = 0
        if c.gen != 0 {
            c.up.append((linkTime(c), c.gen, .claim(nil)))
            c.up.append((linkTime(c), c.gen, .close(will: false)))
        }
        c.share = nil
        c.loop = []
        c.acks = []
        events.append("\(now) leave \(c.name)")
    }

    func linkTime(_ c: Charger) -> MonotonicInstant {
        var t = max(now + ms(0, 3), c.healAt)
        if let last = c.up.last?.at { t = max(t, last) }
        return t
    }

    func downTime(_ c: Charger) -> MonotonicInstant {
        var t = max(now + ms(0, 3), c.healAt)
        if let last = c.down.last?.at { t = max(t, last) }
        return t
    }

    func perform(_ c: Charger, _ actions: [SiteAction]) {
        for a in actions {
            switch a {
            case .publishClaim(let claim): if c.gen != 0 { c.up.append((linkTime(c), c.gen, .claim(claim))) }
            case .publishHeartbeat(let e, _): if c.gen != 0 { c.up.append((linkTime(c), c.gen, .heartbeat(e))) }
            case .applyLimit(let mA): c.loop.append((now + ms(1, 2), mA))
            case .dropConnection:
                if c.gen != 0 { c.up.append((linkTime(c), c.gen, .close(will: true))) }
                c.gen = 0
                c.reconnectAt = now + .seconds(1)
            }
        }
    }

    // MARK: the broker

    func closeSession(_ name: String, will: Bool) {
        guard let s = sessions.removeValue(forKey: name) else { return }
        if let c = chargers.first(where: { $0.name == name }) { c.down.append((downTime(c), s.gen, .lost)) }
        if will { publish(from: name, claim: nil) }
    }

    func publish(from name: String, claim: SiteClaim?) {
        if let claim { retained[name] = claim } else { retained[name] = nil }
        for c in chargers { if let s = sessions[c.name] { c.down.append((downTime(c), s.gen, .claim(name, claim, retained: false))) } }
    }

    func brokerStep() {
        // Messages in the order they reach the broker (one at a time across all links).
        while true {
            var best: (Charger, Int)?
            for c in chargers { if let first = c.up.first, first.at <= now, best == nil || first.at < best!.0.up[0].at { best = (c, 0) } }
            guard let (c, _) = best else { break }
            let (_, gen, item) = c.up.removeFirst()
            guard brokerUp, var s = sessions[c.name], s.gen == gen else { continue }
            s.lastHeard = now
            sessions[c.name] = s
            switch item {
            case .claim(let claim): publish(from: c.name, claim: claim)
            case .heartbeat(let e): c.down.append((downTime(c), gen, .echo(e)))
            case .close(let will): closeSession(c.name, will: will)
            }
        }
        for (name, s) in sessions where now - s.lastHeard >= Nanoseconds.milliseconds(config.keepAliveSeconds * 1500) {
            events.append("\(now) keep-alive will of \(name)")
            closeSession(name, will: true)
        }
    }

    func connect(_ c: Charger) {
        if sessions[c.name] != nil { closeSession(c.name, will: true) }  // take-over: the old session's will
        let gen = nextGen
        nextGen += 1
        sessions[c.name] = Session(gen: gen, lastHeard: now)
        c.gen = gen
        c.down.append((downTime(c), gen, .subscribed))
        for (name, claim) in retained.sorted(by: { $0.key < $1.key }) { c.down.append((downTime(c), gen, .claim(name, claim, retained: true))) }
    }

    /// The charger's link stops moving for `d` (TCP: held, then delivered in order).
    func partition(_ c: Charger, for d: Nanoseconds) {
        c.healAt = now + d
        c.up = c.up.map { (max($0.at, c.healAt), $0.gen, $0.item) }
        c.down = c.down.map { (max($0.at, c.healAt), $0.gen, $0.item) }
        events.append("\(now) partition \(c.name) for \(d)")
    }

    func restartBroker(downFor: Nanoseconds) {
        events.append("\(now) broker restart (\(downFor) down)")
        for name in Array(sessions.keys) { closeSession(name, will: false) }
        retained = [:]
        brokerUp = false
        brokerBackAt = now + downFor
    }

    // MARK: one step

    func step() {
        clock.advance(by: .milliseconds(1))
        if !brokerUp, now >= brokerBackAt { brokerUp = true }
        brokerStep()
        for c in chargers {
            while let l = c.loop.first, l.at <= now {
                c.loop.removeFirst()
                c.actual = l.mA
                c.acks.append((now + ms(0, 15), l.mA))
            }
            guard var s = c.share else { continue }
            while let a = c.acks.first, a.at <= now {
                c.acks.removeFirst()
                perform(c, s.limitApplied(a.mA, now: now))
            }
            while let d = c.down.first, d.at <= now {
                c.down.removeFirst()
                guard d.gen == c.gen, c.gen != 0 else { continue }
                switch d.item {
                case .subscribed: perform(c, s.subscribed(now: now))
                case .claim(let who, let claim, let r): perform(c, s.received(claim: claim, from: who, retained: r, now: now))
                case .echo(let e): perform(c, s.heartbeatEcho(epoch: e, now: now))
                case .lost:
                    c.gen = 0
                    c.reconnectAt = now + .seconds(1)
                    perform(c, s.connectionLost(now: now))
                }
            }
            if c.gen == 0, brokerUp, now >= c.reconnectAt, now >= c.healAt {
                connect(c)
            } else if c.gen == 0, now >= c.reconnectAt {
                c.reconnectAt = now + .seconds(1)
            }
            perform(c, s.tick(now: now))
            c.share = s
        }
        let sum = chargers.reduce(0) { $0 + $1.actual }
        worst = max(worst, sum)
    }
}
