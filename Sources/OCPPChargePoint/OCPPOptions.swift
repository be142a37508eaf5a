/// How the charge point reaches its central system (chargerd's `--ocpp` options, `OCPPCommandOptions`).
public struct OCPPOptions: Sendable {
    /// ws:// or wss:// URL of the central system; the charge point's identity is appended as the last
    /// path segment (OCPP-J 1.6 §3.1.1).
    public var url: String
    public var chargePointId: String
    /// Security profile 1 (Basic auth, OCPP 1.6 Security Whitepaper §2.2): the AuthorizationKey.
    public var password: String?
    /// Security profile 2 (TLS with Basic auth): the central system's root certificate (PEM file).
    public var caFile: String?
    /// The central system's name for TLS (SNI and the name its certificate must carry) when the URL names it
    /// by an IP address: TLS sends no address as a server name (RFC 6066 §3). Nil: the URL's host.
    public var tlsServerName: String?
    public var vendor = "ChargeKit"
    public var model = "ChargeKit-DC"
    public var firmwareVersion: String? = "0.1"
    /// Where the offline queue of transaction messages is kept (survives a restart).
    public var stateDirectory: String
    /// Reconnect backoff: first wait, doubled up to the maximum (seconds).
    public var reconnectInitial: Double = 1
    public var reconnectMaximum: Double = 30
    /// An answer not received within this many seconds ends the call (a transaction message is resent).
    public var callTimeout: Double = 30

    public init(url: String, chargePointId: String, stateDirectory: String) {
        self.url = url
        self.chargePointId = chargePointId
        self.stateDirectory = stateDirectory
    }

    /// The URL's host (without brackets or port), or nil when it has none.
    public static func host(of url: String) -> Substring? {
        let chars = Array(url.utf8)
        var i = 0
        while i + 2 < chars.count, !(chars[i] == UInt8(ascii: ":") && chars[i + 1] == UInt8(ascii: "/") && chars[i + 2] == UInt8(ascii: "/")) {
            i += 1
        }
        guard i + 2 < chars.count else { return nil }
        var rest = url.utf8.dropFirst(i + 3).split(separator: UInt8(ascii: "/"), maxSplits: 1, omittingEmptySubsequences: false)
            .first.map { Substring($0) } ?? ""
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.first == "[", let close = rest.firstIndex(of: "]") { return rest[rest.index(after: rest.startIndex)..<close] }
        if let colon = rest.lastIndex(of: ":") { rest = rest[..<colon] }
        return rest.isEmpty ? nil : rest
    }

    /// Whether a host is an IPv4 or IPv6 address rather than a name.
    public static func isIPAddress(_ host: Substring) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isASCII) && p.allSatisfy(\.isNumber) }
    }

    /// The URL with the identity appended.
    public var endpoint: String {
        (url.hasSuffix("/") ? url : url + "/") + chargePointId
    }
}
