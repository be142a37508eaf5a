import ArgumentParser
import ChargerAssembly
import CoreTypes
import Foundation
import Logging
import Runtime
import ServiceLink
import ServicePlane
import SiteMQTT
import SitePowerSharing

/// chargerd's site power sharing options (issue 20 item 5): with `--site-broker`, the charger shares
/// the site's budget with the others over MQTT, on the service plane (sharing one with OCPP, if on).
struct SiteCommandOptions: ParsableArguments {
    @Option(name: .customLong("site-broker"), help: "MQTT broker of the site (host:port) for power sharing.")
    var broker: String?

    @Option(name: .customLong("site"), help: "Site name (the topics' prefix chargekit/site/<name>).")
    var site: String = "site"

    @Option(name: .customLong("site-charger"), help: "This charger's name on the site (default: the OCPP id).")
    var charger: String?

    @Option(name: .customLong("site-budget"), help: "What all chargers of the site may draw together, in A.")
    var budget: Double = 100

    @Option(name: .customLong("site-chargers"), help: "The most chargers that ever share the budget.")
    var chargers: Int = 2

    @Option(name: .customLong("site-fallback"), help: "The limit, in A, without the broker (× --site-chargers ≤ the budget).")
    var fallback: Double = 0

    @Option(name: .customLong("site-policy"), help: "fcfs (first come first served) or fair (fair share).")
    var policy: String = "fair"

    @Option(name: .customLong("site-demand"), help: "What this charger asks for, in A (its rating).")
    var demand: Double = 100

    @Flag(name: .customLong("site-demand-always"), help: "Ask for --site-demand all the time, not only while a car is connected (bench).")
    var demandAlways = false

    @Flag(name: .customLong("site-print-limits"), help: "Print each change of the site limit on standard output (tests).")
    var printLimits = false

    var hostPort: (String, Int)? {
        guard let broker, let colon = broker.lastIndex(of: ":"), let port = Int(broker[broker.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        return (String(broker[..<colon]), port)
    }

    var config: SiteShareConfig {
        SiteShareConfig(budgetMilliamps: Int64((budget * 1000).rounded(.down)), fallbackMilliamps: Int64((fallback * 1000).rounded(.down)),
                        chargers: chargers, policy: SharingPolicy(rawValue: policy) ?? .fairShare)
    }

    func validate() throws {
        guard broker != nil else { return }
        if hostPort == nil { throw ValidationError("--site-broker must be host:port") }
        if SharingPolicy(rawValue: policy) == nil { throw ValidationError("--site-policy must be fcfs or fair") }
        if !(demand >= 0) { throw ValidationError("--site-demand must not be negative") }
        if let p = config.problems.first { throw ValidationError("site sharing: \(p)") }
    }

    /// Starts site sharing on `shared` (the running plane of OCPP or the HTTP API: one bridge, one writer of
    /// `facts.station`), or on a plane of its own (registering a bridge).
    func start(charger: Charger, loop: TickLoop, plane shared: ServicePlane?, defaultName: String, log: Logger) throws -> RunningSiteSharing? {
        guard let endpoint = hostPort else { return nil }
        let (host, port) = endpoint
        let plane: ServicePlane
        if let shared {
            plane = shared
        } else {
            let bridge = ServiceBridge(facts: charger.facts, authorizer: nil)
            loop.addController(bridge)
            plane = ServicePlane(bridge: bridge)
        }
        let name = self.charger ?? defaultName
        let wanted: SiteDemand = demandAlways ? .always(amps: demand) : .whileCarConnected(amps: demand)
        do throws(MQTTError) {
            let service = try SiteSharingService(charger: name, site: site, config: config, demand: wanted, host: host,
                                                 port: port, plane: plane, log: log)
            if printLimits {
                service.onLimit = { at, mA, raise in
                    print("site-limit \(at.nanoseconds) \(mA) \(raise ? "raise" : "lower")")
                    fflush(nil)
                }
            }
            // Nothing until the site has been heard. The command ring has one producer: on a plane of our
            // own, this thread until the plane starts; on a running plane, the plane's thread.
            let initial = service.initialLimitAmps
            if shared == nil {
                _ = plane.bridge.commands.push(.siteLimit(initial))
                plane.add(service)
                plane.start()
            } else {
                plane.execute {
                    _ = plane.bridge.commands.push(.siteLimit(initial))
                    plane.add(service)
                }
            }
            service.onLimit?(SystemMonotonicClock().now(), service.limitMilliamps, true)
            service.start()
            return RunningSiteSharing(service: service, ownPlane: shared == nil ? plane : nil)
        } catch {
            log.critical("\(error)")
            throw ExitCode(1)
        }
    }
}

/// What chargerd stops after the loop: the claim is withdrawn, then the plane (if sharing has its own).
struct RunningSiteSharing {
    let service: SiteSharingService
    let ownPlane: ServicePlane?

    func stop() {
        service.stop()
        ownPlane?.shutdown()
    }
}
