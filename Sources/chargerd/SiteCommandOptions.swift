import Glibc
import ArgumentParser
import ChargerAssembly
import CoreTypes
import Logging
import ServicePlane
import SiteMQTT
import SitePowerSharing

/// chargerd's site power sharing options (issue 20 item 5): with `--site-broker`, the charger shares
/// the site's budget with the others over MQTT, as one service of the charger's `ServicePlaneHost`.
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

    /// Adds site sharing to the charger's one service plane. Nothing is drawn until the site has been
    /// heard: the initial limit goes into the command ring now, while this thread is still its producer
    /// (the host has not started); the broker connection opens once the plane runs, and the claim is
    /// withdrawn before it stops.
    func add(to host: ServicePlaneHost, defaultName: String, log: Logger) throws {
        guard let endpoint = hostPort else { return }
        let (brokerHost, port) = endpoint
        let name = self.charger ?? defaultName
        let wanted: SiteDemand = demandAlways ? .always(amps: demand) : .whileCarConnected(amps: demand)
        do throws(MQTTError) {
            let service = try SiteSharingService(charger: name, site: site, config: config, demand: wanted, host: brokerHost,
                                                 port: port, plane: host.plane, log: log)
            if printLimits {
                service.onLimit = { at, mA, raise in
                    print("site-limit \(at.nanoseconds) \(mA) \(raise ? "raise" : "lower")")
                    fflush(nil)
                }
            }
            _ = host.bridge.commands.push(.siteLimit(service.initialLimitAmps))
            host.add("site", service, start: {
                service.onLimit?(SystemMonotonicClock().now(), service.limitMilliamps, true)
                service.start()
            }, stop: { service.stop() })
        } catch {
            log.critical("\(error)")
            throw ExitCode(1)
        }
    }
}
