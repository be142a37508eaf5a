import CoreTypes

/// Who or what asks to charge: the identifier a way of reaching the car brings to the `Authorizer`.
/// Fixed size (at most `IdentificationToken.capacity` bytes), so asking never allocates.
@frozen
public struct IdentificationToken: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// 36 bytes hold an OCPP 1.6 idTag (20), an eMAID (ISO 15118-2 V2G2-xxx: up to 15 plus
    /// separators, 18) and an EVCCID (6 octets, 12 hex digits).
    public static let capacity = 36

    @frozen
    public enum Kind: UInt8, Sendable, BitwiseCopyable {
        /// External identification means (RFID card, app, free vending) — ISO 15118-2 "EIM".
        case externalIdentification
        /// A contract certificate's eMAID (Plug & Charge).
        case contract
        /// The EV's EVCCID / MAC ("Autocharge").
        case vehicleID
    }

    public var kind: Kind
    @usableFromInline var storage: InlineArray<36, UInt8>
    public private(set) var count: Int

    /// Truncates to `capacity` bytes (identifiers longer than every scheme above are not valid).
    public init(_ kind: Kind, bytes: some Collection<UInt8>) {
        self.kind = kind
        storage = InlineArray(repeating: 0)
        var n = 0
        for b in bytes where n < Self.capacity {
            storage[n] = b
            n += 1
        }
        count = n
    }

    public init(_ kind: Kind, _ text: String) { self.init(kind, bytes: Array(text.utf8)) }

    /// The EV's MAC as an Autocharge identifier (12 upper-case hex digits, as OCPP back ends expect).
    public init(vehicle mac: MACAddress) {
        let hex = Array("0123456789ABCDEF".utf8)
        var digits: [UInt8] = []
        for shift in stride(from: 44, through: 0, by: -4) { digits.append(hex[Int((mac.rawValue >> UInt64(shift)) & 0xF)]) }
        self.init(.vehicleID, bytes: digits)
    }

    public subscript(i: Int) -> UInt8 { storage[i] }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.kind == b.kind, a.count == b.count else { return false }
        var i = 0
        while i < a.count {
            if a.storage[i] != b.storage[i] { return false }
            i += 1
        }
        return true
    }

    public var description: String {
        var bytes: [UInt8] = []
        for i in 0..<count { bytes.append(storage[i]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Why an authorizer said no.
@frozen
public enum AuthorizationRejection: UInt8, Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// The identifier is not known or not allowed.
    case unknown
    /// Known, but blocked or expired.
    case blocked
    /// The external decision did not come in time.
    case timeout
    /// No back end to ask, and offline charging is not allowed.
    case offline

    public var description: String {
        switch self {
        case .unknown: "unknown identifier"
        case .blocked: "identifier blocked or expired"
        case .timeout: "no decision in time"
        case .offline: "offline and offline charging not allowed"
        }
    }
}

/// What an `Authorizer` answers.
@frozen
public enum AuthorizationDecision: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    case accepted
    case rejected(AuthorizationRejection)
    /// The decision is pending (an external system was asked): ask again next tick. ISO 15118-2
    /// answers the car's AuthorizationReq with EVSEProcessing=Ongoing meanwhile.
    case ongoing

    public var description: String {
        switch self {
        case .accepted: "accepted"
        case .rejected(let r): "rejected (\(r))"
        case .ongoing: "ongoing"
        }
    }
}

/// The session's authorisation as published on `ChargerFacts.authorization`.
@frozen
public enum AuthorizationState: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// No session asked yet.
    case idle
    /// Asked with this identifier; the answer so far.
    case asked(IdentificationToken, AuthorizationDecision)

    public var description: String {
        switch self {
        case .idle: "idle"
        case let .asked(token, decision): "\(token): \(decision)"
        }
    }
}

/// The one place every way of reaching a car asks "may this session charge?" — our SECC on
/// AuthorizationReq / ContractAuthenticationReq, the WHITE-beet driver on its authorization request,
/// the ADVANTICS driver before it grants power.
///
/// Contract: `authorize` is called from the loop's thread, at most once per tick while the answer is
/// `ongoing`; it returns at once (never blocks, never allocates) with `accepted`, `rejected` or
/// `ongoing`. Asking again with the same token continues the same request. `cancel` ends a pending
/// request (the car left, the session stopped); a later `authorize` starts a new one.
public protocol Authorizer: AnyObject {
    func authorize(_ token: IdentificationToken, now: MonotonicInstant) -> AuthorizationDecision
    func cancel(_ token: IdentificationToken)
}

/// Free vending: every identifier is accepted (the `sim` board and a charger without back end).
public final class FreeVendAuthorizer: Authorizer {
    public init() {}
    public func authorize(_ token: IdentificationToken, now: MonotonicInstant) -> AuthorizationDecision { .accepted }
    public func cancel(_ token: IdentificationToken) {}
}

/// A fixed allow list (a station's local list of cards or vehicles): accepted when listed, else
/// rejected as unknown. The list is built at start-up; lookups never allocate.
public final class LocalListAuthorizer: Authorizer {
    private let allowed: [IdentificationToken]

    public init(allowed: [IdentificationToken]) { self.allowed = allowed }

    public func authorize(_ token: IdentificationToken, now: MonotonicInstant) -> AuthorizationDecision {
        var i = 0
        while i < allowed.count {
            if allowed[i] == token { return .accepted }
            i += 1
        }
        return .rejected(.unknown)
    }

    public func cancel(_ token: IdentificationToken) {}
}

/// A decision made elsewhere (a central system, an operator): `authorize` answers `ongoing` until
/// `decide` is called for the pending token, and `rejected(.timeout)` once `timeout` has passed since
/// the request began. Loop thread only; the service plane (planned) will feed `decide` through a queue.
public final class DeferredAuthorizer: Authorizer {
    public let timeout: Nanoseconds
    public private(set) var pending: IdentificationToken?
    private var since: MonotonicInstant = .zero
    private var decision: AuthorizationDecision = .ongoing
    /// Tokens asked for (for the service plane to forward; oldest first), drained by `takeRequest`.
    private var unsent: IdentificationToken?

    public init(timeout: Nanoseconds = .seconds(60)) { self.timeout = timeout }

    public func authorize(_ token: IdentificationToken, now: MonotonicInstant) -> AuthorizationDecision {
        if pending != token {
            pending = token
            since = now
            decision = .ongoing
            unsent = token
        }
        if decision == .ongoing, now - since >= timeout { decision = .rejected(.timeout) }
        return decision
    }

    public func cancel(_ token: IdentificationToken) {
        guard pending == token else { return }
        pending = nil
        unsent = nil
        decision = .ongoing
    }

    /// The request the outside world has not been told of yet.
    public func takeRequest() -> IdentificationToken? {
        defer { unsent = nil }
        return unsent
    }

    /// The outside decision for `token`; ignored when it is not the pending one (a late answer).
    public func decide(_ token: IdentificationToken, _ decision: AuthorizationDecision) {
        guard pending == token, decision != .ongoing else { return }
        self.decision = decision
    }
}
