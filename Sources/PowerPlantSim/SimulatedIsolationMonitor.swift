import Contracts
import CoreTypes

/// The plant's IMD behind the `IsolationMonitor` contract: while monitoring it produces a reading every
/// interval; the self-test runs for its time and passes (or fails when injected), with no valid
/// reading meanwhile.
public final class SimulatedIsolationMonitor: IsolationMonitor {
    public internal(set) var reading = IsolationReading()
    var selfTestRequested = false
    var selfTestEnds: MonotonicInstant = .zero
    var nextReading: MonotonicInstant = .zero

    init() {}

    public func startMonitoring() {
        reading.monitoring = true
        reading.valid = false
    }

    public func stopMonitoring() {
        reading.monitoring = false
        reading.valid = false
    }

    public func startSelfTest() {
        selfTestRequested = true
        reading.selfTest = .running
        reading.valid = false
    }

    func step(_ now: MonotonicInstant, ohms: Double, interval: Nanoseconds, selfTestTime: Nanoseconds, selfTestFails: Bool) {
        if selfTestRequested {
            selfTestRequested = false
            selfTestEnds = now + selfTestTime
        }
        if case .running = reading.selfTest {
            if now >= selfTestEnds {
                reading.selfTest = selfTestFails ? .failed : .passed
                nextReading = now
            } else {
                return
            }
        }
        guard reading.monitoring, now >= nextReading else { return }
        reading.ohms = ohms
        reading.valid = true
        reading.at = now
        nextReading = now + interval
    }
}
