import CoreTypes
import Glibc
import NIOCore
import NIOHTTP1
import OCPP16
import ServiceLink
import ServicePlane

/// An answer of the API: status, content type, body.
public struct APIResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: String
    public init(_ status: Int, _ contentType: String = "application/json", _ body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
    static func json(_ j: JSON, _ status: Int = 200) -> APIResponse { APIResponse(status, "application/json", j.text + "\n") }
    static func error(_ status: Int, _ message: String) -> APIResponse { .json(.object([("error", .string(message))]), status) }
}

/// The local HTTP API as a service of the service plane (issue 20 items 3 and 4): it keeps the
/// newest snapshot, turns snapshots into per-session records (kept for `GET /sessions` and appended
/// to the session log), answers requests, and posts bench controls to the loop as `ServiceCommand`s.
/// Everything here runs on the plane's event loop; the loop only ever sees the rings.
public final class HTTPAPI: PlaneService, @unchecked Sendable {
    public let configuration: HTTPAPIConfiguration
    let plane: ServicePlane
    public private(set) var latest = FactsSnapshot()
    public private(set) var records: [SessionRecord] = []
    public private(set) var recordsWritten = 0
    private var keeper = SessionRecordKeeper()
    /// Open server-sent event streams and when the last event went out.
    var subscribers: [ObjectIdentifier: any Channel] = [:]
    private var lastEventAt: Int64 = 0
    /// When (snapshot time, ns) the last bench replug was posted: for `replugAnswerWait` a second start
    /// is refused rather than posted for nothing (by then the replugged car's session runs: 409 anyway).
    private var replugPostedAt: Int64?
    /// Session log problems (a full disk): counted, never fatal.
    public private(set) var logFailures = 0

    public init(configuration: HTTPAPIConfiguration, plane: ServicePlane) {
        self.configuration = configuration
        self.plane = plane
    }

    public func snapshot(_ s: FactsSnapshot) {
        latest = s
        if let record = keeper.take(s) { keep(record) }
        let interval = Int64(configuration.eventIntervalMilliseconds) * 1_000_000
        if !subscribers.isEmpty, s.at.nanoseconds - lastEventAt >= interval {
            lastEventAt = s.at.nanoseconds
            publish("data: " + StatusViews.sample(s).text + "\n\n")
        }
    }

    public func event(_ event: ServiceEvent) {}

    private func keep(_ record: SessionRecord) {
        records.append(record)
        if records.count > configuration.sessionsKept { records.removeFirst(records.count - configuration.sessionsKept) }
        recordsWritten += 1
        if let path = configuration.sessionLogPath, !Self.append(record.json.text + "\n", to: path) { logFailures += 1 }
    }

    /// Appends `line` to `path` (created 0644), one write so a reader never sees half a record.
    static func append(_ line: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var bytes = Array(line.utf8)
        let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress!, $0.count) }
        return n == bytes.count
    }

    private func publish(_ text: String) {
        for (_, channel) in subscribers {
            var buffer = channel.allocator.buffer(capacity: text.utf8.count)
            buffer.writeString(text)
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        }
    }

    /// A 401 when this address needs a bearer token and the request does not carry it.
    public func unauthorized(_ authorization: String?) -> APIResponse? {
        guard let token = configuration.requiredToken, authorization != "Bearer " + token else { return nil }
        return .error(401, "a bearer token is required on this address")
    }

    /// Answers one request. `authorization` is the request's Authorization header, if any.
    public func respond(method: String, path: String, authorization: String?) -> APIResponse {
        if let refused = unauthorized(authorization) { return refused }
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        let dropped = plane.bridge.snapshots.refusedCount
        switch (method, route) {
        case ("GET", "/"), ("GET", "/live"): return APIResponse(200, "text/html; charset=utf-8", LivePage.html)
        case ("GET", "/api/live"): return .json(StatusViews.live(latest, snapshotsDropped: dropped))
        case ("GET", "/api/pilot"): return .json(StatusViews.pilot(latest))
        case ("GET", "/api/slac"): return .json(StatusViews.slac(latest))
        case ("GET", "/api/v2g"): return .json(StatusViews.v2g(latest))
        case ("GET", "/api/power"): return .json(StatusViews.power(latest))
        case ("GET", "/api/battery"): return .json(StatusViews.battery(latest))
        case ("GET", "/api/loop"): return .json(StatusViews.loop(latest, snapshotsDropped: dropped))
        case ("GET", "/sessions"):
            return APIResponse(200, "application/x-ndjson", records.map { $0.json.text + "\n" }.joined())
        case ("GET", "/metrics"):
            return APIResponse(200, PrometheusExposition.contentType,
                               PrometheusExposition.render(latest, snapshotsDropped: dropped, sessionsRecorded: recordsWritten))
        case ("POST", "/api/bench/stop"):
            // The operator's stop, as OCPP's RemoteStopTransaction: the SECC asks the car to stop.
            plane.post(.remoteStop)
            return .json(.object([("posted", .string("remoteStop"))]), 202)
        case ("POST", "/api/bench/resume"):
            plane.post(.clearStop)
            return .json(.object([("posted", .string("clearStop"))]), 202)
        case ("POST", "/api/service/reset"):
            // A technician's reset after the repair: the loop's power path clears its out-of-service
            // latch and re-checks the contactors; chargerd removes its record once they read open.
            plane.post(.serviceReset)
            return .json(.object([("posted", .string("serviceReset"))]), 202)
        case ("POST", "/api/bench/start"):
            return benchStart()
        case (_, "/"), (_, "/api/live"), (_, "/metrics"), (_, "/sessions"), (_, "/api/bench/stop"), (_, "/api/bench/resume"),
             (_, "/api/bench/start"), (_, "/api/service/reset"):
            return .error(405, "method \(method) not allowed on \(route)")
        default:
            return .error(404, "no such resource: \(route)")
        }
    }

    /// How long after a posted replug another start is refused (the car plugs in 1 s after the loop takes
    /// it, `SimulatedEVCharging.replugPause`, and its SLAC starts at once).
    static let replugAnswerWait = Nanoseconds.seconds(5)

    /// `POST /api/bench/start`: the next simulated session. The sim car is unplugged and plugged in
    /// again (`ServiceCommand.benchReplug`, drained by the loop's bridge), which only makes sense once
    /// its session is over: while a car is connected and its session has not ended (SLAC, V2G, energy
    /// flowing), 409; a board without a simulated car, 501. The loop checks again (the snapshot here is
    /// up to one poll old): a car whose session still runs ignores the request.
    func benchStart() -> APIResponse {
        guard configuration.benchCar else {
            return .error(501, "this board has no simulated car to plug in (POST /api/bench/start works on the sim board)")
        }
        let s = latest
        let sessionOpen = s.v2gPhase != .idle && s.v2gPhase != .ended
        if s.powerActive || sessionOpen || (s.vehicleConnected && s.v2gPhase == .idle) {
            let what = s.powerActive ? "power path \(s.powerPhase)" : (sessionOpen ? "V2G \(s.v2gPhase)" : "a car is connected (pilot \(s.pilot))")
            return .error(409, "a session is running (\(what)): stop it first (POST /api/bench/stop) and wait for its end")
        }
        if let at = replugPostedAt, s.at.nanoseconds - at < Self.replugAnswerWait.count {
            return .error(409, "the car is being plugged in again (POST /api/bench/start was accepted)")
        }
        replugPostedAt = s.at.nanoseconds
        plane.post(.benchReplug)
        return .json(.object([("posted", .string("benchReplug"))]), 202)
    }
}
