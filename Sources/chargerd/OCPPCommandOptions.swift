import ArgumentParser
import ChargerAssembly
import Contracts
import Logging
import OCPPChargePoint
import ServicePlane

/// chargerd's OCPP 1.6J options (issue 20), in their own group so other option sets stay apart.
/// With `--ocpp`, the charger is composed with a `ServiceAuthorizer` (a car waits until the central
/// system authorises it or starts the session remotely), and the charger's `ServicePlaneHost` runs the
/// charge point on the service plane's thread.
struct OCPPCommandOptions: ParsableArguments {
    @Option(name: .customLong("ocpp"), help: "Central system URL (ws:// or wss://); the charge point id is appended.")
    var url: String?

    @Option(name: .customLong("ocpp-id"), help: "Charge point identity (last URL path segment).")
    var id: String = "CK0001"

    @Option(name: .customLong("ocpp-password"), help: "AuthorizationKey for HTTP Basic auth (security profile 1; with wss://, profile 2).")
    var password: String?

    @Option(name: .customLong("ocpp-ca"), help: "PEM file of the central system's root certificate (security profile 2, wss://).")
    var caFile: String?

    @Option(name: .customLong("ocpp-state"), help: "Directory of the persisted offline queue of transaction messages.")
    var stateDirectory: String = "/var/lib/chargekit"

    @Option(name: .customLong("ocpp-reconnect-max"), help: "Longest wait between reconnection attempts, in seconds.")
    var reconnectMaximum: Double = 30

    func validate() throws {
        if let url, !(url.hasPrefix("ws://") || url.hasPrefix("wss://")) { throw ValidationError("--ocpp must be a ws:// or wss:// URL") }
        if caFile != nil, url?.hasPrefix("wss://") != true { throw ValidationError("--ocpp-ca needs a wss:// URL") }
        guard !id.isEmpty, id.count <= 48 else { throw ValidationError("--ocpp-id must have 1…48 characters") }
    }

    /// Adds the charge point and its connection to the charger's one service plane (the connection
    /// opens once the plane runs, and closes before it stops).
    func add(to host: ServicePlaneHost, log: Logger) {
        guard let url else { return }
        var options = OCPPOptions(url: url, chargePointId: id, stateDirectory: stateDirectory)
        options.password = password
        options.caFile = caFile
        options.reconnectMaximum = reconnectMaximum
        let cp = ChargePoint(options: options, plane: host.plane, log: log)
        let connection = OCPPConnection(chargePoint: cp, log: log)
        let line = "ocpp: charge point \(id) → \(options.endpoint)\(password != nil ? " (Basic auth)" : "")\(caFile != nil ? " (TLS root \(caFile!))" : "")"
        host.add("ocpp", cp, start: {
            connection.start()
            log.info("\(line)")
        }, stop: { connection.stop() })
    }
}
