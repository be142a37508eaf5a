import CoreTypes
import Logging
import NIOCore
import ServiceLink
import ServicePlane
import SitePowerSharing
#if canImport(Glibc)
import Glibc
#endif

/// Where a site's chargers meet: `<prefix>/claim/<charger>` (retained claims, the will withdraws one)
/// and `<prefix>/alive/<charger>` (heartbeats each charger hears back).
public struct SiteTopics: Sendable {
    public let prefix: String
    public init(site: String) { prefix = "chargekit/site/\(site)" }
    public func claim(_ charger: String) -> String { "\(prefix)/claim/\(charger)" }
    public func alive(_ charger: String) -> String { "\(prefix)/alive/\(charger)" }
    public var all: String { "\(prefix)/+/+" }

    /// ("claim" | "alive", charger) of a topic under this site, else nil.
    public func parse(_ topic: String) -> (kind: Substring, charger: String)? {
        guard topic.hasPrefix(prefix + "/") else { return nil }
        let rest = topic.dropFirst(prefix.count + 1).split(separator: "/", omittingEmptySubsequences: false)
        guard rest.count == 2, !rest[1].isEmpty else { return nil }
        return (rest[0], String(rest[1]))
    }
}

/// What this charger wants from the site.
public enum SiteDemand: Sendable, Equatable {
    /// This many A whenever a car is connected (the charger's rating), nothing otherwise.
    case whileCarConnected(amps: Double)
    /// This many A all the time (bench, and the multi-process proof).
    case always(amps: Double)
}

/// Site power sharing on the service plane (issue 20 item 5): a `SiteShare` fed by a libmosquitto
/// client, polled every `pollInterval` on the plane's event loop. Its share reaches the power path as
/// `ServiceCommand.siteLimit` through the bridge's command ring, as OCPP's charging profile does; the
/// bridge's acknowledgement (`ServiceEvent.applied`) is what lets a lowering be announced.
///
/// `onLimit` sees every change of the limit, with the CLOCK_MONOTONIC time: a raise before it is
/// posted, a lowering once the loop has applied it. Both times err on the safe side, so a log of them
/// overstates what the charger drew (the multi-process proof adds these logs up).
public final class SiteSharingService: PlaneService, @unchecked Sendable {
    public let topics: SiteTopics
    public let charger: String
    public let demand: SiteDemand
    private var share: SiteShare
    private let client: MQTTClient
    private let plane: ServicePlane
    private let log: Logger
    private let clock = SystemMonotonicClock()
    private var task: RepeatedTask?
    private var carConnected = false
    public var onLimit: ((MonotonicInstant, Int64, Bool) -> Void)?

    public init(charger: String, site: String, config: SiteShareConfig, demand: SiteDemand, host: String, port: Int,
                plane: ServicePlane, log: Logger) throws(MQTTError) {
        self.charger = charger
        topics = SiteTopics(site: site)
        self.demand = demand
        self.plane = plane
        self.log = log
        let epoch = UInt64.random(in: 1...UInt64.max)  // tells this run's claims from a previous run's
        share = SiteShare(me: charger, config: config, epoch: epoch, now: SystemMonotonicClock().now())
        client = try MQTTClient(clientID: "chargekit-\(charger)", host: host, port: port)
        try client.setWill(topic: topics.claim(charger), payload: [], retain: true)
        try client.setSubscription(topics.all)
    }

    /// The limit until the broker has been heard: nothing (see `SiteShare`). Push it before the loop runs.
    public var initialLimitAmps: Double { Double(share.limit) / 1000 }

    public var limitMilliamps: Int64 { share.limit }

    /// Connects and starts polling (on the plane's event loop).
    public func start(pollInterval: TimeAmount = .milliseconds(10)) {
        connectIfNeeded()
        log.info("site \(topics.prefix): \(charger) → broker \(client.broker), budget \(share.config.budgetMilliamps) mA, \(share.config.chargers) chargers, \(share.config.policy.rawValue), fallback \(share.config.fallbackMilliamps) mA")
        if case .always(let a) = demand { updateDemand(a) }
        plane.eventLoop.execute {
            self.task = self.plane.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: pollInterval) { _ in self.poll() }
        }
    }

    /// Withdraws the claim (the loop has stopped, so this charger draws nothing) and disconnects.
    public func stop() {
        let done = plane.eventLoop.submit {
            self.task?.cancel()
            try? self.client.publish(self.topics.claim(self.charger), [], retain: true)
        }
        _ = try? done.wait()
        onLimit?(clock.now(), 0, false)
    }

    private var connecting = true
    private var connectRetryAt = MonotonicInstant.zero

    /// The first connection is ours to retry (libmosquitto's thread retries only after one succeeded).
    private func connectIfNeeded() {
        guard connecting, clock.now() >= connectRetryAt else { return }
        do throws(MQTTError) {
            try client.connect(keepAliveSeconds: Int(share.config.keepAliveSeconds))
            connecting = false
        } catch {
            if connectRetryAt == .zero { log.warning("site: \(error); retrying every second") }
            connectRetryAt = clock.now() + .seconds(1)
        }
    }

    // MARK: plane service

    public func snapshot(_ snapshot: FactsSnapshot) {
        guard case .whileCarConnected(let a) = demand, snapshot.vehicleConnected != carConnected else { return }
        carConnected = snapshot.vehicleConnected
        updateDemand(carConnected ? a : 0)
    }

    public func event(_ event: ServiceEvent) {
        guard case .applied(.siteLimit(let amps)) = event else { return }
        let mA = Int64((amps * 1000).rounded())
        let wasLowering = share.lowering == mA
        let actions = share.limitApplied(mA, now: clock.now())
        if wasLowering { onLimit?(clock.now(), mA, false) }
        perform(actions)
    }

    // MARK: the poll

    func poll() {
        connectIfNeeded()
        while let e = client.next() {
            let now = clock.now()
            switch e {
            case .connected:
                log.info("site: connected to \(client.broker)")
            case .refused(let why):
                log.warning("site: broker \(client.broker) refused: \(why)")
            case .disconnected(let errno):
                log.warning("site: lost broker \(client.broker)\(errno != 0 ? ": " + String(cString: strerror(errno)) : ""); holding at most the fallback")
                perform(share.connectionLost(now: now))
            case .overflow:
                log.warning("site: events lost; reconnecting")
                client.drop()
                perform(share.connectionLost(now: now))
            case .subscribed:
                perform(share.subscribed(now: now))
            case .message(let topic, let payload, let retained):
                guard let parsed = topics.parse(topic) else { continue }
                let (kind, who) = parsed
                if kind == "alive" {
                    if who == charger, let e = UInt64(String(decoding: payload.prefix { $0 != 0x20 }, as: UTF8.self)) {
                        perform(share.heartbeatEcho(epoch: e, now: now))
                    }
                } else if kind == "claim" {
                    if payload.isEmpty {
                        perform(share.received(claim: nil, from: who, retained: retained, now: now))
                    } else {
                        do throws(SiteClaimError) {
                            let claim = try SiteClaim.decode(Substring(String(decoding: payload, as: UTF8.self)))
                            perform(share.received(claim: claim, from: who, retained: retained, now: now))
                        } catch {
                            log.warning("site: \(who): \(error); ignored")
                        }
                    }
                }
            }
        }
        perform(share.tick(now: clock.now()))
    }

    private func updateDemand(_ amps: Double) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let wall = UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec / 1_000_000)
        let mA = Int64((amps * 1000).rounded())
        plane.eventLoop.execute { self.perform(self.share.setDemand(mA, wallMilliseconds: wall, now: self.clock.now())) }
    }

    private func perform(_ actions: [SiteAction]) {
        for a in actions {
            switch a {
            case .publishClaim(let c):
                do throws(MQTTError) { try client.publish(topics.claim(charger), Array(c.encoded.utf8), retain: true) } catch {
                    log.debug("site: \(error)")
                }
            case .publishHeartbeat(let epoch, let count):
                try? client.publish(topics.alive(charger), Array("\(epoch) \(count)".utf8), retain: false)
            case .applyLimit(let mA):
                let raise = share.lowering != mA
                if raise { onLimit?(clock.now(), mA, true) }
                log.info("site: limit \(Double(mA) / 1000) A (share \(Double(share.share) / 1000) A, others claim \(Double(share.othersMilliamps) / 1000) A)")
                plane.post(.siteLimit(Double(mA) / 1000))
            case .dropConnection:
                log.warning("site: no echo from \(client.broker) for \(share.config.lossTimeout); dropping the connection so the broker publishes the will")
                client.drop()
            }
        }
    }
}
