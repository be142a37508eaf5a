import ArgumentParser
import ChargerAssembly
import Contracts
import Logging
import OCPPChargePoint
import ServicePlane
import SystemPackage

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

    @Option(name: .customLong("ocpp-password-file"),
            help: "File whose first line is the AuthorizationKey (kept out of the process list; e.g. a systemd credential).")
    var passwordFile: String?

    @Option(name: .customLong("ocpp-ca"), help: "PEM file of the central system's root certificate (security profile 2, wss://).")
    var caFile: String?

    @Option(name: .customLong("ocpp-tls-name"),
            help: "With wss:// to an IP address: the central system's name in its certificate (sent as TLS SNI).")
    var tlsServerName: String?

    @Option(name: .customLong("ocpp-state"), help: "Directory of the persisted offline queue of transaction messages.")
    var stateDirectory: String = "/var/lib/chargekit"

    @Option(name: .customLong("ocpp-reconnect-max"), help: "Longest wait between reconnection attempts, in seconds.")
    var reconnectMaximum: Double = 30

    func validate() throws {
        if let url, !(url.hasPrefix("ws://") || url.hasPrefix("wss://")) { throw ValidationError("--ocpp must be a ws:// or wss:// URL") }
        if caFile != nil, url?.hasPrefix("wss://") != true { throw ValidationError("--ocpp-ca needs a wss:// URL") }
        if let url, url.hasPrefix("wss://"), tlsServerName == nil, let host = OCPPOptions.host(of: url), OCPPOptions.isIPAddress(host) {
            throw ValidationError("--ocpp \(url): TLS cannot name the central system by the address \(host) (RFC 6066 §3); "
                                  + "give the name its certificate carries with --ocpp-tls-name")
        }
        guard !id.isEmpty, id.count <= 48 else { throw ValidationError("--ocpp-id must have 1…48 characters") }
        if password != nil, passwordFile != nil { throw ValidationError("give --ocpp-password or --ocpp-password-file, not both") }
        if let passwordFile { _ = try Self.firstLine(of: passwordFile) }
        if let caFile {
            do { try FileDescriptor.open(FilePath(caFile), .readOnly).close() } catch {
                throw ValidationError("--ocpp-ca \(caFile): \(error)")
            }
        }
    }

    /// The AuthorizationKey's first line, without its line end; an unreadable or empty file is an error that names it.
    static func firstLine(of path: String) throws -> String {
        let text: String
        do {
            let fd = try FileDescriptor.open(FilePath(path), .readOnly)
            defer { try? fd.close() }
            var bytes = [UInt8](repeating: 0, count: 4096)
            let n = try bytes.withUnsafeMutableBytes { try fd.read(into: $0) }
            text = String(decoding: bytes[..<n], as: UTF8.self)
        } catch {
            throw ValidationError("--ocpp-password-file \(path): \(error)")
        }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map { $0.hasSuffix("\r") ? $0.dropLast() : $0 } ?? ""
        guard !line.isEmpty else { throw ValidationError("--ocpp-password-file \(path): the first line is empty") }
        return String(line)
    }

    /// Adds the charge point and its connection to the charger's one service plane (the connection
    /// opens once the plane runs, and closes before it stops).
    func add(to host: ServicePlaneHost, log: Logger) {
        guard let url else { return }
        var options = OCPPOptions(url: url, chargePointId: id, stateDirectory: stateDirectory)
        options.password = password ?? passwordFile.flatMap { try? Self.firstLine(of: $0) }
        options.caFile = caFile
        options.tlsServerName = tlsServerName
        options.reconnectMaximum = reconnectMaximum
        let cp = ChargePoint(options: options, plane: host.plane, log: log)
        let connection = OCPPConnection(chargePoint: cp, log: log)
        let line = "ocpp: charge point \(id) → \(options.endpoint)\(options.password != nil ? " (Basic auth)" : "")\(caFile != nil ? " (TLS root \(caFile!))" : "")"
        host.add("ocpp", cp, start: {
            connection.start()
            log.info("\(line)")
        }, stop: { connection.stop() })
    }
}
