import Contracts
import ControlLoop
import CoreTypes

/// The `IsolationMonitor` of a board without an IMD (`isolation_monitor: none`): its self-test fails
/// and it never has a valid reading, so the DC cable check fails at its IMD self-test
/// (IEC 61851-23:2023 makes the self-test part of every cable check, v2g-session.md §2) and the car
/// is told the cable check failed before any contactor carries energy. Never a silent pass.
public final class AbsentIsolationMonitor: IsolationMonitor, IOSource {
    public let name = "imd-absent"
    public var pollDescriptor: Int32? { nil }
    public private(set) var reading = IsolationReading()
    private var selfTestRequested = false

    public init() {}

    public func startMonitoring() { reading.monitoring = true }
    public func stopMonitoring() { reading.monitoring = false }
    public func startSelfTest() {
        selfTestRequested = true
        reading.selfTest = .running
    }

    /// The self-test "runs" for one tick, then fails: there is nothing to test.
    public func pump(_ context: TickContext) {
        if selfTestRequested {
            selfTestRequested = false
        } else if case .running = reading.selfTest {
            reading.selfTest = .failed
        }
        reading.valid = false
    }
}
