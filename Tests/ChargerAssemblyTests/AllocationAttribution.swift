import ControlLoop
import CoreTypes
import MallocCounting

/// Attributes heap allocations on the loop thread to the source or controller that made them: each
/// wrapper counts its inner object's calls with `MallocCounter` (never nested: the loop calls one
/// source or controller at a time). Test-only, for the own-stack root bench.
final class AllocationLedger {
    private(set) var counts: [String: Int] = [:]
    var enabled = false

    func record(_ name: String, _ body: () -> Void) {
        guard enabled else { return body() }
        let n = MallocCounter.count(body)
        if n > 0 { counts[name, default: 0] += n }
    }

    func reset() { counts = [:] }

    var summary: String {
        counts.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}

final class CountedSource: IOSource {
    let inner: any IOSource
    let ledger: AllocationLedger
    init(_ inner: any IOSource, _ ledger: AllocationLedger) {
        self.inner = inner
        self.ledger = ledger
    }
    var name: String { inner.name }
    var pollDescriptor: Int32? { inner.pollDescriptor }
    var droppedForFullQueue: Int { inner.droppedForFullQueue }
    var wantsWritable: Bool { inner.wantsWritable }
    func service(_ now: MonotonicInstant) { ledger.record(inner.name) { inner.service(now) } }
    func service(_ now: MonotonicInstant, events: PollEvents) -> ServiceOutcome {
        var outcome = ServiceOutcome.idle
        ledger.record(inner.name) { outcome = inner.service(now, events: events) }
        return outcome
    }
    func pump(_ context: TickContext) { ledger.record(inner.name) { inner.pump(context) } }
}

final class CountedController: TickController {
    let inner: any TickController
    let ledger: AllocationLedger
    init(_ inner: any TickController, _ ledger: AllocationLedger) {
        self.inner = inner
        self.ledger = ledger
    }
    var name: String { inner.name }
    func tick(_ context: TickContext) { ledger.record(inner.name) { inner.tick(context) } }
    func safeStop(_ reason: StopReason) -> SafeStopReport { inner.safeStop(reason) }
}
