import Glibc
import MallocInterposerSwift

/// Counts heap allocations made by the calling thread while `body` runs.
///
/// Swift Testing runs suites in parallel, so the interposer's process-wide counters would include
/// other tests' allocations. This installs an allocation hook that counts only calls made on the
/// measuring thread, and serialises measurements across the whole test process with a lock (there is
/// one hook slot). A count is not a timing: tests may assert it.
///
/// Keep measured windows short, or measure in a process of your own (`sim-allocation-probe`): while
/// the hook is in, a thread of another test that ends runs TLS destructors that allocate after the
/// interposer's per-thread counter block was freed, which corrupts the heap.
public enum MallocCounter {
    /// Runs `body` once and returns the number of malloc-family calls it made on this thread.
    public static func count(_ body: () throws -> Void) rethrows -> Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        MallocInterposerSwift.initialize()
        measuredThread = pthread_self()
        mallocs = 0
        MallocInterposerSwift.setAllocationHook(hook)
        MallocInterposerSwift.hook()
        defer {
            MallocInterposerSwift.unhook()
            MallocInterposerSwift.setAllocationHook(nil)
        }
        try body()
        return mallocs
    }
}

nonisolated(unsafe) private var lock = pthread_mutex_t()
nonisolated(unsafe) private var measuredThread = pthread_t()
nonisolated(unsafe) private var mallocs = 0

private let hook: MallocInterposerSwift.AllocationHook = { _ in
    if pthread_equal(pthread_self(), measuredThread) != 0 { mallocs += 1 }
}
