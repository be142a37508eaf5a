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

    /// The URL with the identity appended.
    public var endpoint: String {
        (url.hasSuffix("/") ? url : url + "/") + chargePointId
    }
}
