import ArgumentParser
import ChargerAssembly
import HTTPAPI
import Logging
import Runtime
import ServiceLink
import ServicePlane

/// chargerd's local HTTP API options (issue 20 items 3 and 4), in their own group. With `--http`
/// the service plane serves the JSON views, `/metrics`, `/sessions`, the live page and its event
/// stream; it shares the plane (and the loop's `ServiceBridge`) with OCPP when both run.
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

    /// Starts the API on `running`'s plane (OCPP's), or on a plane of its own registered on `loop`.
    func start(charger: Charger, loop: TickLoop, sharing running: RunningServices?, log: Logger) throws -> RunningHTTP? {
        guard let configuration = try configuration() else { return nil }
        let plane: ServicePlane
        var own = false
        if let running {
            plane = running.plane
        } else {
            let bridge = ServiceBridge(facts: charger.facts, authorizer: nil)
            loop.addController(bridge)
            plane = ServicePlane(bridge: bridge)
            own = true
        }
        let api = HTTPAPI(configuration: configuration, plane: plane)
        if own {
            plane.add(api)
            plane.start()
        } else {
            plane.execute { plane.add(api) }
        }
        let server = HTTPAPIServer(api: api)
        let port = try server.start()
        log.notice("http: API on http://\(configuration.host):\(port)/ (live page /, metrics /metrics, sessions /sessions)\(configuration.requiredToken != nil ? ", bearer token required" : "")\(configuration.sessionLogPath.map { "; session log \($0)" } ?? "")")
        return RunningHTTP(server: server, plane: own ? plane : nil)
    }
}

/// What chargerd stops after the loop: the server, and the plane if it was the API's own.
struct RunningHTTP {
    let server: HTTPAPIServer
    let plane: ServicePlane?

    func stop() {
        server.stop()
        plane?.shutdown()
    }
}
