import Contracts
import CoreTypes
import V2G

/// One request/response round as the EVCC saw it, for `boardctl v2g` and logs: handed to
/// `EVCCSession.report` after every response (fixed size: building it allocates nothing).
@frozen
public struct EVCCExchange: Sendable, Equatable, BitwiseCopyable {
    /// nil for supportedAppProtocol.
    public var kind: V2GRequestKind?
    public var sentAt: MonotonicInstant
    public var answeredAt: MonotonicInstant
    public var answer: EVSEAnswer
    /// What the car asked for in that request (0 where the request carries no target).
    public var targetVolts: Double
    public var targetAmps: Double
    public var soc: Double

    public init(kind: V2GRequestKind?, sentAt: MonotonicInstant, answeredAt: MonotonicInstant, answer: EVSEAnswer,
                targetVolts: Double, targetAmps: Double, soc: Double) {
        self.kind = kind
        self.sentAt = sentAt
        self.answeredAt = answeredAt
        self.answer = answer
        self.targetVolts = targetVolts
        self.targetAmps = targetAmps
        self.soc = soc
    }

    /// Request sent → response decoded.
    public var roundTrip: Nanoseconds { answeredAt - sentAt }

    /// One line for `boardctl v2g` and logs: the step, the response code by its name in `protocol`,
    /// the round trip, what the car asked for and what the EVSE reported. Allocates: not for the tick.
    public func summary(protocol: V2GProtocol?) -> String {
        let step = kind.map { "\($0)" } ?? "supportedAppProtocol"
        let code: String
        switch (kind, `protocol`) {
        case (nil, _): code = answer.responseCode <= 1 ? "OK" : "Failed (\(answer.responseCode))"
        case (_, .din70121?): code = EVCCDINMessages.responseCodeName(answer.responseCode)
        default: code = EVCCISO2Messages.responseCodeName(answer.responseCode)
        }
        var line = "\(step) \(code) \(roundTrip)"
        if answer.ongoing { line += " Ongoing" }
        if targetVolts > 0 || targetAmps > 0 { line += " | EV \(Self.one(targetVolts)) V \(Self.one(targetAmps)) A SoC \(Self.one(soc)) %" }
        if !answer.presentVolts.isNaN { line += " | EVSE \(Self.one(answer.presentVolts)) V" }
        if !answer.presentAmps.isNaN { line += " \(Self.one(answer.presentAmps)) A" }
        return line
    }

    private static func one(_ x: Double) -> String {
        let tenths = (x * 10).rounded()
        return "\(Int(tenths) / 10).\(abs(Int(tenths)) % 10)"
    }
}
