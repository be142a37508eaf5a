import CEventLoop
import ControlLoop
import HAL
import SystemPackage

/// The fixed-tick cooperative main loop.
///
/// Each cycle: wait (ppoll) on every registered descriptor until the next deadline, servicing sources
/// as their descriptors become readable (or writable, for a source whose `wantsWritable` says output
/// waits: a TCP send that found the kernel's buffer full goes on as soon as the peer's window opens); at the deadline pump every source, then tick every controller
/// in registration order; record how late the tick started and how long it ran; schedule the next
/// deadline one period later (skipping, not bunching, deadlines a long tick missed).
///
/// Nothing in a cycle allocates: the poll set is preallocated for `maximumDescriptors`, statistics are
/// fixed histograms, and sources and controllers are held to the same rule (the malloc-count test).
/// On SIGINT/SIGTERM (with a `SignalWatcher`), `requestStop`, or a fault, the loop finishes the current
/// cycle, calls every controller's `safeStop` once, and returns.
///
/// The loop cannot spin: a source whose wake-up moved nothing (or did not say, `ServiceOutcome
/// .unreported`) leaves the poll set until the next tick has pumped it, and so does the signal
/// descriptor when it reports no signal; sources themselves leave it while they cannot make progress
/// (a full receive queue, a failed descriptor). Idle wake-ups and what sources dropped for a full
/// queue are counted in `statistics`, per source in `sourceStatistics`.
public final class TickLoop {
    public let period: Nanoseconds
    public let clock: any MonotonicClock
    private let waiter: any TickWaiter
    private let signals: SignalWatcher?

    private var controllers: [any TickController] = []
    private var sources: [any IOSource] = []
    /// Per source (same index): its wake-up counters and whether it sits out the poll set until the tick.
    private var sourceSlots: [SourceSlot] = []
    /// The signal descriptor woke the loop without a signal (error, hang-up, invalid): out until the tick.
    private var signalsMuted = false
    private let pollSet: UnsafeMutableBufferPointer<pollfd>
    /// For each poll entry, the index of its source (-1 = the signal descriptor).
    private let pollOwner: UnsafeMutablePointer<Int>
    public let maximumDescriptors: Int

    public private(set) var statistics = TickStatistics()
    public private(set) var tickIndex: UInt64 = 0
    public private(set) var stopReason: StopReason?
    /// What each controller reported from its `safeStop`, in registration order (empty until stopped).
    public private(set) var safeStopReports: [SafeStopReport] = []
    private var nextDeadline = MonotonicInstant.zero
    private var started = false
    private var stopped = false

    /// - Parameters:
    ///   - period: the tick (default 1 ms).
    ///   - clock: `SystemMonotonicClock` in production, `ManualClock` in tests and simulations.
    ///   - waiter: `PollWaiter` in production, `SimulatedWaiter` with a `ManualClock`.
    ///   - signals: a watcher to stop on SIGINT/SIGTERM (nil: only `requestStop`).
    public init(period: Nanoseconds = .milliseconds(1), clock: any MonotonicClock, waiter: any TickWaiter,
                signals: SignalWatcher? = nil, maximumDescriptors: Int = 64) {
        guard period.count > 0 else { fatalError("TickLoop period must be positive") }
        self.period = period
        self.clock = clock
        self.waiter = waiter
        self.signals = signals
        self.maximumDescriptors = maximumDescriptors
        pollSet = .allocate(capacity: maximumDescriptors + 1)
        pollSet.initialize(repeating: pollfd(fd: -1, events: 0, revents: 0))
        pollOwner = .allocate(capacity: maximumDescriptors + 1)
        pollOwner.initialize(repeating: -1, count: maximumDescriptors + 1)
        controllers.reserveCapacity(32)
        sources.reserveCapacity(32)
        sourceSlots.reserveCapacity(32)
    }

    /// The production loop: CLOCK_MONOTONIC, ppoll, SIGINT/SIGTERM, and 1 ns timer slack on the
    /// calling thread (the default 50 µs slack would make every tick up to 50 µs late).
    public static func production(period: Nanoseconds = .milliseconds(1)) throws(SignalWatcherError) -> TickLoop {
        let clock = SystemMonotonicClock()
        _ = ck_loop_set_timer_slack(1)
        return TickLoop(period: period, clock: clock, waiter: PollWaiter(clock: clock), signals: try SignalWatcher())
    }

    /// Runs the calling thread SCHED_FIFO at `priority` with all memory locked. For the Pi image
    /// (chargerd runs with CAP_SYS_NICE and CAP_IPC_LOCK); on a development machine it usually fails
    /// with EPERM, which the caller reports and carries on.
    public static func makeRealtime(priority: Int32) -> Errno? {
        let r = ck_loop_make_realtime(priority)
        return r < 0 ? Errno(rawValue: -r) : nil
    }

    deinit {
        pollSet.deallocate()
        pollOwner.deallocate()
    }

    /// Registers a controller; controllers tick in the order they were registered, after every
    /// source's `pump`. Setup time only.
    public func addController(_ controller: any TickController) {
        guard !started else { fatalError("TickLoop.add after start") }
        controllers.append(controller)
    }

    /// Registers an I/O source; sources are pumped in the order they were registered, before the
    /// controllers. Setup time only. (Two names, not one overloaded `add`: an object that is both a
    /// source and a controller is registered as what the caller says, never by a cast.)
    public func addSource(_ source: any IOSource) {
        guard !started else { fatalError("TickLoop.add after start") }
        sources.append(source)
        sourceSlots.append(SourceSlot())
    }

    public var controllerNames: [String] { controllers.map(\.name) }

    /// Asks the loop to stop after the current cycle (safe from a controller's tick).
    public func requestStop(_ reason: StopReason) {
        if stopReason == nil { stopReason = reason }
    }

    public var isStopped: Bool { stopped }

    /// Runs until stopped; returns why. Controllers have had `safeStop` when this returns.
    @discardableResult
    public func run() -> StopReason {
        while runCycle() {}
        return stopReason ?? .requested("loop ended")
    }

    /// Runs `count` ticks (or fewer if stopped). Does not call `safeStop` unless the loop stopped.
    public func run(ticks count: Int) {
        var n = 0
        while n < count, runCycle() { n += 1 }
    }

    /// Waits for the next deadline and runs one tick. Returns false once the loop has stopped.
    @discardableResult
    public func runCycle() -> Bool {
        if stopped { return false }
        if !started {
            started = true
            nextDeadline = clock.now() + period
        }
        waitForDeadline()
        if stopReason != nil {
            finish()
            return false
        }
        tick()
        if stopReason != nil {
            finish()
            return false
        }
        return true
    }

    /// Stops now: every controller gets `safeStop(reason)` (once).
    public func stop(_ reason: StopReason) {
        requestStop(reason)
        finish()
    }

    /// Clears the statistics (call after start-up to measure the steady state).
    public func resetStatistics() {
        statistics.reset()
        var i = 0
        while i < sources.count {
            sourceSlots[i].wakeups = 0
            sourceSlots[i].idleWakeups = 0
            sourceSlots[i].droppedBaseline = sources[i].droppedForFullQueue
            i += 1
        }
    }

    /// Wake-ups and drops per source, in registration order (for reports; allocates).
    public var sourceStatistics: [IOSourceStatistics] {
        sources.indices.map { i in
            IOSourceStatistics(name: sources[i].name, wakeups: sourceSlots[i].wakeups, idleWakeups: sourceSlots[i].idleWakeups,
                               droppedForFullQueue: UInt64(clamping: sources[i].droppedForFullQueue - sourceSlots[i].droppedBaseline))
        }
    }

    // MARK: - Cycle

    private func waitForDeadline() {
        while stopReason == nil {
            let count = buildPollSet()
            if clock.now() >= nextDeadline { return }
            let ready = waiter.wait(UnsafeMutableBufferPointer(rebasing: pollSet[0..<count]), until: nextDeadline)
            guard ready > 0 else { continue }
            statistics.recordWakeup()
            let now = clock.now()
            var moved = false
            var i = 0
            while i < count {
                if pollSet[i].revents != 0 {
                    let owner = pollOwner[i]
                    if owner < 0 {
                        if let s = signals?.take() {
                            requestStop(.signal(s))
                            moved = true
                        } else {
                            signalsMuted = true
                        }
                    } else {
                        let outcome = sources[owner].service(now, events: PollEvents(rawValue: pollSet[i].revents))
                        sourceSlots[owner].wakeups &+= 1
                        switch outcome {
                        case .moved(let n) where n > 0:
                            moved = true
                        case .moved:
                            sourceSlots[owner].idleWakeups &+= 1
                            sourceSlots[owner].muted = true
                        case .unreported:
                            moved = true // unknown: not counted idle, but it waits for the tick
                            sourceSlots[owner].muted = true
                        }
                    }
                }
                i += 1
            }
            if !moved { statistics.recordIdleWakeup() }
        }
    }

    private func buildPollSet() -> Int {
        var n = 0
        if let signals, !signalsMuted {
            pollSet[0] = pollfd(fd: signals.descriptor, events: Int16(POLLIN), revents: 0)
            pollOwner[0] = -1
            n = 1
        }
        var i = 0
        while i < sources.count, n <= maximumDescriptors {
            if !sourceSlots[i].muted, let fd = sources[i].pollDescriptor {
                let events = sources[i].wantsWritable ? Int16(POLLIN) | Int16(POLLOUT) : Int16(POLLIN)
                pollSet[n] = pollfd(fd: fd, events: events, revents: 0)
                pollOwner[n] = i
                n += 1
            }
            i += 1
        }
        return n
    }

    private func tick() {
        let start = clock.now()
        let context = TickContext(now: start, index: tickIndex, period: period)
        var i = 0
        while i < sources.count {
            sources[i].pump(context)
            i += 1
        }
        i = 0
        var dropped = 0
        while i < sources.count {
            dropped &+= sources[i].droppedForFullQueue &- sourceSlots[i].droppedBaseline
            sourceSlots[i].muted = false
            i += 1
        }
        statistics.recordDropped(total: UInt64(clamping: dropped))
        signalsMuted = false
        i = 0
        while i < controllers.count {
            controllers[i].tick(context)
            i += 1
        }
        let end = clock.now()
        statistics.record(lateness: start - nextDeadline, duration: end - start)
        tickIndex &+= 1
        let following = nextDeadline + period
        if end > following {
            // The tick ran past the next deadline: count it, skip the deadlines it swallowed.
            let behind = (end - following).count / period.count
            statistics.recordOverrun(missed: UInt64(behind))
            nextDeadline = following + period * (behind + 1)
        } else {
            nextDeadline = following
        }
    }

    private func finish() {
        guard !stopped else { return }
        stopped = true
        let reason = stopReason ?? .requested("loop ended")
        safeStopReports = controllers.map { $0.safeStop(reason) }
    }
}

/// What the loop keeps per source.
struct SourceSlot {
    var wakeups: UInt64 = 0
    var idleWakeups: UInt64 = 0
    /// The source's `droppedForFullQueue` when the statistics were last reset.
    var droppedBaseline = 0
    /// Its last wake-up moved nothing: out of the poll set until the next tick.
    var muted = false
}
