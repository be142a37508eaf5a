import Contracts
import ControlLoop
import CoreTypes

/// The `IsolationMonitor` of a bench board that says `isolation_monitor: bench-unmeasured`: no IMD,
/// no high voltage on the bench, so isolation is NOT measured. The self-test passes after one tick
/// and, while monitoring, a fixed good reading is refreshed every tick — the cable check runs its
/// voltage steps and passes. A board-file choice the composition logs on every start; never use it
/// where a car's battery is connected (IEC 61851-23 cable check, v2g-session.md §2).
public final class UnmeasuredBenchIsolationMonitor: IsolationMonitor, IOSource {
    public let name = "imd-bench-unmeasured"
    public var pollDescriptor: Int32? { nil }
    public private(set) var reading = IsolationReading()
    /// What is reported while monitoring (well above the 100 kΩ CCS fault threshold).
    public let reportedOhms: Double
    private var selfTestRequested = false

    public init(reportedOhms: Double = 10_000_000) { self.reportedOhms = reportedOhms }

    public func startMonitoring() { reading.monitoring = true }
    public func stopMonitoring() {
        reading.monitoring = false
        reading.valid = false
    }
    public func startSelfTest() {
        selfTestRequested = true
        reading.selfTest = .running
        reading.valid = false
    }

    public func pump(_ context: TickContext) {
        if selfTestRequested {
            selfTestRequested = false
            return
        }
        if case .running = reading.selfTest { reading.selfTest = .passed }
        if reading.monitoring {
            reading.ohms = reportedOhms
            reading.valid = true
            reading.at = context.now
        }
    }
}
