import Contracts

/// What chargerd keeps in its state directory while the power path is out of service (issue 14): the
/// latched fault, when it latched (wall clock, for the technician) and the V2G session it ended. A
/// restart reads it back and starts out of service, so a welded contactor is not hidden by a reboot,
/// a watchdog restart or a power cut (`PowerFault.latchesUntilService`).
///
/// The file is a few lines of text, readable with `cat` on the charger:
///
///     chargekit out-of-service 1
///     fault: contactor-welded
///     since: 1796623812
///     session: 00000000DEADBEEF
///
/// `since` is seconds since 1970 (UTC); `session` the V2G session ID in hex, or `-` when none. The
/// codec is pure (text in, record or `OutOfServiceRecordError` out): anything else — truncated,
/// garbage, an unknown fault name — is an error, and the caller then stays out of service anyway.
public struct OutOfServiceRecord: Sendable, Equatable {
    public var fault: PowerFault
    /// When the fault latched, seconds since 1970-01-01 UTC.
    public var since: Int64
    /// The V2G session that was running or had just ended (0: none).
    public var sessionID: UInt64

    public init(fault: PowerFault, since: Int64, sessionID: UInt64 = 0) {
        self.fault = fault
        self.since = since
        self.sessionID = sessionID
    }

    /// The first line: names the file and its format version.
    public static let header = "chargekit out-of-service 1"

    /// The record as the file's text (ends with a newline: a file without it was cut short).
    public var text: String {
        let session = sessionID == 0 ? "-" : hex16(sessionID)
        return "\(Self.header)\nfault: \(Self.name(of: fault))\nsince: \(since)\nsession: \(session)\n"
    }

    /// Reads the file's text.
    public static func decode(_ text: String) throws(OutOfServiceRecordError) -> OutOfServiceRecord {
        guard !text.isEmpty else { throw .empty }
        guard text.hasSuffix("\n") else { throw .truncated }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map(String.init) == header else { throw .notARecord(String(lines.first ?? "").prefix(60).description) }
        var fault: PowerFault?
        var since: Int64?
        var session: UInt64?
        for (index, line) in lines.enumerated().dropFirst() {
            let number = index + 1
            guard let colon = line.firstIndex(of: ":") else { throw .badLine(number, String(line.prefix(60))) }
            let key = String(line[..<colon])
            let value = line[line.index(after: colon)...].drop(while: { $0 == " " })
            switch key {
            case "fault":
                guard fault == nil else { throw .duplicate(key) }
                guard let f = Self.fault(named: String(value)) else { throw .unknownFault(String(value.prefix(60))) }
                fault = f
            case "since":
                guard since == nil else { throw .duplicate(key) }
                guard let s = Int64(value), s >= 0 else { throw .badValue(key, String(value.prefix(60))) }
                since = s
            case "session":
                guard session == nil else { throw .duplicate(key) }
                if value == "-" {
                    session = 0
                } else {
                    guard value.count <= 16, let s = UInt64(value, radix: 16) else { throw .badValue(key, String(value.prefix(60))) }
                    session = s
                }
            default:
                throw .badLine(number, String(line.prefix(60)))
            }
        }
        guard let fault else { throw .missing("fault") }
        guard let since else { throw .missing("since") }
        guard let session else { throw .missing("session") }
        return OutOfServiceRecord(fault: fault, since: since, sessionID: session)
    }

    /// Every fault with its name in the file. The names are the file format: never rename one.
    public static func name(of fault: PowerFault) -> String {
        switch fault {
        case .pilotFault: "pilot-fault"
        case .pilotSilent: "pilot-silent"
        case .requestSilent: "request-silent"
        case .outOfSequence: "out-of-sequence"
        case .isolationFault: "isolation-fault"
        case .isolationMonitorSilent: "isolation-monitor-silent"
        case .imdSelfTestFailed: "imd-self-test-failed"
        case .imdSelfTestTimeout: "imd-self-test-timeout"
        case .cableCheckVoltageNotReached: "cable-check-voltage-not-reached"
        case .cableCheckDischargeTimeout: "cable-check-discharge-timeout"
        case .cableCheckTimeout: "cable-check-timeout"
        case .prechargeTimeout: "precharge-timeout"
        case .supplyTrip: "supply-trip"
        case .supplyDidNotSwitchOff: "supply-did-not-switch-off"
        case .overVoltage: "over-voltage"
        case .emergencyOverVoltage: "emergency-over-voltage"
        case .overCurrent: "over-current"
        case .contactorDidNotClose: "contactor-did-not-close"
        case .contactorWelded: "contactor-welded"
        case .contactorDroppedOut: "contactor-dropped-out"
        case .contactorIOFailed: "contactor-io-failed"
        case .measurementStale: "measurement-stale"
        case .voltageDidNotDecay: "voltage-did-not-decay"
        case .loopStopped: "loop-stopped"
        case .voltageOnInlet: "voltage-on-inlet"
        case .unreadableServiceRecord: "unreadable-service-record"
        }
    }

    /// Every `PowerFault`, in ordinal order (the test checks none is missing).
    public static let allFaults: [PowerFault] = [
        .pilotFault, .pilotSilent, .requestSilent, .outOfSequence, .isolationFault, .isolationMonitorSilent,
        .imdSelfTestFailed, .imdSelfTestTimeout, .cableCheckVoltageNotReached, .cableCheckDischargeTimeout,
        .cableCheckTimeout, .prechargeTimeout, .supplyTrip, .supplyDidNotSwitchOff, .overVoltage, .emergencyOverVoltage,
        .overCurrent, .contactorDidNotClose, .contactorWelded, .contactorDroppedOut, .contactorIOFailed,
        .measurementStale, .voltageDidNotDecay, .loopStopped, .voltageOnInlet, .unreadableServiceRecord,
    ]

    static func fault(named name: String) -> PowerFault? { allFaults.first { Self.name(of: $0) == name } }
}

/// Why an out-of-service record could not be read. The charger stays out of service whichever it is
/// (`PowerFault.unreadableServiceRecord`); the text tells the technician what was found.
public enum OutOfServiceRecordError: Error, Equatable, CustomStringConvertible {
    case empty
    /// No final newline: the write was cut short.
    case truncated
    /// The first line is not `chargekit out-of-service 1`.
    case notARecord(String)
    case badLine(Int, String)
    case duplicate(String)
    case missing(String)
    case badValue(String, String)
    case unknownFault(String)

    public var description: String {
        switch self {
        case .empty: "the file is empty"
        case .truncated: "the file is cut short (no final newline)"
        case .notARecord(let first): "not an out-of-service record (first line \"\(first)\")"
        case .badLine(let n, let line): "line \(n): expected KEY: VALUE with key fault, since or session, got \"\(line)\""
        case .duplicate(let key): "\(key) is given twice"
        case .missing(let key): "\(key) is missing"
        case .badValue(let key, let value): "\(key): cannot read \"\(value)\""
        case .unknownFault(let name): "fault: unknown fault \"\(name)\""
        }
    }
}

/// 16 upper-case hex digits.
func hex16(_ v: UInt64) -> String {
    let digits = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
