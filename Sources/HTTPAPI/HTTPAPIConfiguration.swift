/// Where the local HTTP API listens and who may use it (issue 20 item 3): 127.0.0.1 by default; bound
/// to any other address it answers only requests that carry `Authorization: Bearer <token>`, so a
/// charger on a site network is not operated by whoever reaches its port.
public struct HTTPAPIConfiguration: Sendable, Equatable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// The bearer token; required (non-nil) when `host` is not a loopback name.
    public var token: String?
    /// Appends each session's JSON record (one line) to this file.
    public var sessionLogPath: String?
    /// Sessions kept for `GET /sessions`.
    public var sessionsKept = 100
    /// Server-sent events are sent at most this often (ms) whatever the snapshot rate.
    public var eventIntervalMilliseconds = 200
    /// The board has a simulated car (the `sim` board) that `POST /api/bench/start` may plug in again;
    /// false: the control answers 501.
    public var benchCar = false

    public init() {}

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case badAddress(String)
        case tokenRequired(String)
        public var description: String {
            switch self {
            case .badAddress(let a): "--http \(a): expected ADDR:PORT (port 0…65535; [v6]:PORT for IPv6)"
            case .tokenRequired(let h): "--http on \(h) (not loopback) needs --http-token: the API controls the charger"
            }
        }
    }

    /// `ADDR:PORT`, `[ADDR]:PORT` or `:PORT` (loopback).
    public init(address: String, token: String?) throws(Problem) {
        guard let colon = address.lastIndex(of: ":"), let p = Int(address[address.index(after: colon)...]),
              (0...65535).contains(p) else { throw .badAddress(address) }
        var h = String(address[..<colon])
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h.isEmpty { h = "127.0.0.1" }
        host = h
        port = p
        self.token = token
        if token == nil, !isLoopback { throw .tokenRequired(h) }
    }

    /// Only these names count as local: any other address (even 127.0.0.2) asks for the token.
    public var isLoopback: Bool { host == "127.0.0.1" || host == "::1" || host == "localhost" }

    /// The token a request must carry, nil when none is needed.
    public var requiredToken: String? { isLoopback ? nil : token }
}
