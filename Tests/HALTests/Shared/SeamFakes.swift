import CShimFakes
import Synchronization
import SystemPackage
import Testing

/// Guards against two fake-using tests at once (a test declared outside the serialized suite that owns
/// the fakes: `ShimSeam` in HALTests, `HILKernelShimFaultTests` in HILTests).
private let fakesInUse = Atomic<Bool>(false)

/// The fault plan of `ck_fakes.h`, for the calling thread only.
///
/// Deliberately synchronous: the fakes follow the *thread* that installed them, and an `await` inside
/// could resume on another one, whose calls would then bypass the plan.
struct SeamFakes {
    /// The nth call of `op` from now (1 = the next one) fails with `errno`.
    func fail(_ op: ck_fake_op, nth: UInt32 = 1, with errno: Errno) { ck_fake_fail_nth(op, nth, errno.rawValue) }
    /// Every call of `op` from now fails with `errno`.
    func failAlways(_ op: ck_fake_op, with errno: Errno) { ck_fake_fail_always(op, errno.rawValue) }
    /// Lets calls of `op` through again.
    func stopFailing(_ op: ck_fake_op) { ck_fake_fail_always(op, 0) }
    /// The next `times` calls of `op` fail with EINTR before the real call runs.
    func interrupt(_ op: ck_fake_op, times: UInt32) { ck_fake_interrupt(op, times) }
    /// read/recvfrom return at most `max` bytes (0 lifts the limit).
    func shortReads(max: Int) { ck_fake_short_reads(max) }
    /// Calls of `op` on this thread since install, EINTR retries included.
    func calls(_ op: ck_fake_op) -> Int { Int(ck_fake_calls(op)) }
    /// The request number of the last ioctl on this thread.
    var lastIoctl: UInt { ck_fake_last_ioctl() }
    /// Opening `path` yields a spidev/i2c-dev stand-in that answers ioctls without a kernel driver.
    func loopbackDevice(_ path: String) { ck_fake_loopback_device(path) }
}

/// Installs the fakes for the calling thread around `body`, and always removes them.
func withSeamFakes<R>(_ body: (SeamFakes) throws -> R) rethrows -> R {
    let (exchanged, _) = fakesInUse.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
    if !exchanged { Issue.record("seam fakes installed twice at once: declare the test inside the ShimSeam suite") }
    ck_fake_install()
    defer {
        ck_fake_uninstall()
        if exchanged { fakesInUse.store(false, ordering: .releasing) }
    }
    return try body(SeamFakes())
}
