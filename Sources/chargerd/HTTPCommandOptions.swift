import ArgumentParser
import ChargerAssembly
import HTTPAPI
import Logging
import ServicePlane

/// chargerd's local HTTP API options (issue 20 items 3 and 4), in their own group. With `--http`
/// the service plane serves the JSON views, `/metrics`, `/sessions`, the live page and its event
/// stream; it is one service of the charger's `ServicePlaneHost`, beside OCPP and site sharing.
struct HTTPCommandOptions: ParsableArguments {
    @Option(name: .customLong("http"), help: "Serve the HTTP API, live page and metrics on ADDR:PORT (e.g. 127.0.0.1:8080). Not loopback: needs --http-token.")
    var address: String?

    @Option(name: .customLong("http-token"), help: "Bearer token the API asks for (required when --http is not 127.0.0.1, ::1 or localhost).")
    var token: String?

    @Option(name: .customLong("session-log"), help: "Append one JSON line per session to this file (also on GET /sessions with --http).")
    var sessionLog: String?

    func configuration() throws(HTTPAPIConfiguration.Problem) -> HTTPAPIConfiguration? {
        guard let address else { return nil }
        var c = try HTTPAPIConfiguration(address: address, token: token)
        c.sessionLogPath = sessionLog
        return c
    }

    func validate() throws {
        do throws(HTTPAPIConfiguration.Problem) { _ = try configuration() } catch { throw ValidationError("\(error)") }
        if sessionLog != nil, address == nil { throw ValidationError("--session-log needs --http (the service plane writes it)") }
    }

    /// Adds the API to the charger's one service plane: the server binds once the plane runs and
    /// closes before it stops. `benchCar`: the board has a simulated car that `POST /api/bench/start`
    /// can plug in again.
    func add(to host: ServicePlaneHost, benchCar: Bool, log: Logger) throws(HTTPAPIConfiguration.Problem) {
        guard var c = try configuration() else { return }
        c.benchCar = benchCar
        let config = c
        let api = HTTPAPI(configuration: config, plane: host.plane)
        let server = HTTPAPIServer(api: api)
        host.add("http", api, start: {
            let port: Int
            do { port = try server.start() } catch { throw HTTPStartFailure(address: "\(config.host):\(config.port)", underlying: error) }
            log.notice("http: API on http://\(config.host):\(port)/ (live page /, metrics /metrics, sessions /sessions)\(config.requiredToken != nil ? ", bearer token required" : "")\(config.sessionLogPath.map { "; session log \($0)" } ?? "")")
        }, stop: { server.stop() })
    }
}

/// The API's server could not listen (the port is taken, the address is not ours).
struct HTTPStartFailure: Error, CustomStringConvertible {
    let address: String
    let underlying: any Error
    var description: String { "http: cannot serve \(address): \(underlying)" }
}
