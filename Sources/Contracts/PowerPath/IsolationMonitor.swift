import CoreTypes

/// The state of the IMD's self-test (IEC 61851-23:2023 makes it mandatory in every cable check,
/// v2g-session.md §2 line 36).
@frozen
public enum IMDSelfTest: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    case notRun
    case running
    case passed
    case failed

    @inlinable public var ordinal: Int {
        switch self {
        case .notRun: 0
        case .running: 1
        case .passed: 2
        case .failed: 3
        }
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool { a.ordinal == b.ordinal }

    public var description: String {
        switch self {
        case .notRun: "not run"
        case .running: "running"
        case .passed: "passed"
        case .failed: "failed"
        }
    }
}

/// The IMD's latest isolation measurement (DC+ and DC− to PE, the lower of the two).
@frozen
public struct IsolationReading: Sendable, Equatable, BitwiseCopyable {
    /// Ohms; meaningful only when `valid`.
    public var ohms: Double
    /// False while the IMD has no trustworthy reading (starting, self-testing, not monitoring).
    public var valid: Bool
    /// When the IMD last produced a reading (a reading that stops updating is a fault).
    public var at: MonotonicInstant
    public var monitoring: Bool
    public var selfTest: IMDSelfTest

    public init(ohms: Double = 0, valid: Bool = false, at: MonotonicInstant = .zero, monitoring: Bool = false,
                selfTest: IMDSelfTest = .notRun) {
        self.ohms = ohms
        self.valid = valid
        self.at = at
        self.monitoring = monitoring
        self.selfTest = selfTest
    }
}

/// An insulation monitoring device (in the spirit of EVerest's `isolation_monitor`: start, stop,
/// self-test, measurements). The fault threshold is the power path's (100 kΩ for CCS, line 35), not
/// the IMD's, so one IMD serves CCS and MCS.
///
/// Contract: calls return at once and never allocate; `reading` is refreshed by the implementation's
/// pump, once per tick before the controllers.
public protocol IsolationMonitor: AnyObject {
    func startMonitoring()
    func stopMonitoring()
    func startSelfTest()
    var reading: IsolationReading { get }
}
