import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Glibc
import HAL
import Boards
import ControlLoop
import Runtime
import Testing

/// Records what the loop did to it; optionally burns simulated time or stops the loop.
final class Probe: TickController, IOSource {
    let name: String
    var log: Journal
    var ticks: [TickContext] = []
    var pumps = 0
    var services = 0
    var stops: [StopReason] = []
    var onTick: ((TickContext) -> Void)?
    var pollDescriptor: Int32?

    init(_ name: String, log: Journal) {
        self.name = name
        self.log = log
    }

    func tick(_ context: TickContext) {
        ticks.append(context)
        log.entries.append("\(name).tick")
        onTick?(context)
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport {
        stops.append(reason)
        log.entries.append("\(name).safeStop")
        return SafeStopReport(name, [])
    }

    func service(_ now: MonotonicInstant) {
        services += 1
        log.entries.append("\(name).service")
    }

    func pump(_ context: TickContext) {
        pumps += 1
        log.entries.append("\(name).pump")
    }
}

final class Journal { var entries: [String] = [] }

func simulatedLoop(period: Nanoseconds = .milliseconds(1)) -> (TickLoop, ManualClock, SimulatedWaiter) {
    let clock = ManualClock()
    let waiter = SimulatedWaiter(clock: clock)
    return (TickLoop(period: period, clock: clock, waiter: waiter), clock, waiter)
}

@Suite struct TickLoopOrdering {
    @Test func sourcesPumpBeforeControllersWhichTickInRegistrationOrder() {
        let (loop, _, _) = simulatedLoop()
        let journal = Journal()
        let cp = Probe("cp", log: journal), slac = Probe("slac", log: journal), plc = Probe("plc", log: journal)
        loop.addSource(plc)
        loop.addController(cp)
        loop.addController(slac)
        loop.run(ticks: 2)
        #expect(journal.entries == ["plc.pump", "cp.tick", "slac.tick", "plc.pump", "cp.tick", "slac.tick"])
        #expect(loop.controllerNames == ["cp", "slac"])
    }

    @Test func everyControllerSeesTheSameInstantAndConsecutiveIndices() {
        let (loop, _, _) = simulatedLoop()
        let j = Journal()
        let a = Probe("a", log: j), b = Probe("b", log: j)
        a.onTick = { _ in }
        loop.addController(a)
        loop.addController(b)
        loop.run(ticks: 5)
        #expect(a.ticks.map(\.now) == b.ticks.map(\.now))
        #expect(a.ticks.map(\.index) == [0, 1, 2, 3, 4])
        #expect(a.ticks.allSatisfy { $0.period == .milliseconds(1) })
    }
}

@Suite struct TickLoopDeadlines {
    @Test func ticksLandExactlyOnTheGridWithAFakeClock() {
        let (loop, clock, _) = simulatedLoop(period: .microseconds(500))
        let start = clock.now()
        let p = Probe("p", log: Journal())
        loop.addController(p)
        loop.run(ticks: 1000)
        #expect(p.ticks.count == 1000)
        for (k, t) in p.ticks.enumerated() {
            #expect(t.now == start + .microseconds(500) * Int64(k + 1))
        }
        let report = loop.statistics.report
        #expect(report.ticks == 1000 && report.overruns == 0)
        #expect(report.jitter.max == 0)
    }

    @Test func aTickLongerThanThePeriodIsCountedAndItsDeadlinesSkipped() {
        let (loop, clock, _) = simulatedLoop(period: .milliseconds(1))
        let start = clock.now()
        let p = Probe("slow", log: Journal())
        // Tick 3 takes 3.5 periods: it overruns, and the deadlines it swallowed are skipped, not bunched.
        p.onTick = { ctx in if ctx.index == 3 { clock.advance(by: .microseconds(3500)) } }
        loop.addController(p)
        loop.run(ticks: 6)
        let report = loop.statistics.report
        #expect(report.overruns == 1)
        #expect(report.missedDeadlines == 2)
        let times = p.ticks.map { ($0.now - start).count / 1_000_000 }
        // Deadlines 1,2,3,4 then the tick at 4 ran until 7.5: next grid point after that is 8.
        #expect(times == [1, 2, 3, 4, 8, 9])
    }

    @Test func aTickThatFinishesWithinItsPeriodIsNoOverrun() {
        let (loop, clock, _) = simulatedLoop(period: .milliseconds(1))
        let p = Probe("busy", log: Journal())
        p.onTick = { _ in clock.advance(by: .microseconds(900)) }
        loop.addController(p)
        loop.run(ticks: 10)
        #expect(loop.statistics.report.overruns == 0)
        #expect(loop.statistics.report.duration.median >= 890_000)
    }

    @Test func resetStatisticsForgetsStartUp() {
        let (loop, _, _) = simulatedLoop()
        loop.addController(Probe("p", log: Journal()))
        loop.run(ticks: 3)
        loop.resetStatistics()
        #expect(loop.statistics.report.ticks == 0)
        loop.run(ticks: 2)
        #expect(loop.statistics.report.ticks == 2)
    }
}

@Suite struct TickLoopIO {
    @Test func aReadableDescriptorIsServicedBeforeTheDeadline() {
        let (loop, _, waiter) = simulatedLoop()
        let j = Journal()
        let src = Probe("uart", log: j)
        src.pollDescriptor = 42
        var ready = true
        waiter.readiness = { fd in
            defer { ready = false }
            return fd == 42 && ready
        }
        loop.addSource(src)
        loop.addController(Probe("ctl", log: j))
        loop.run(ticks: 1)
        #expect(j.entries == ["uart.service", "uart.pump", "ctl.tick"])
        #expect(loop.statistics.report.ioWakeups == 1)
    }

    @Test func ppollWakesOnARealPipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let clock = SystemMonotonicClock()
        let loop = TickLoop(period: .milliseconds(5), clock: clock, waiter: PollWaiter(clock: clock))
        final class PipeSource: IOSource {
            let name = "pipe"
            let fd: Int32
            var drained: [UInt8] = []
            init(fd: Int32) { self.fd = fd }
            var pollDescriptor: Int32? { fd }
            func service(_ now: MonotonicInstant) {
                var b: UInt8 = 0
                while read(fd, &b, 1) == 1 { drained.append(b) }
            }
            func pump(_ context: TickContext) {}
        }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        let source = PipeSource(fd: fds[0])
        loop.addSource(source)
        let writer = Probe("writer", log: Journal())
        writer.onTick = { ctx in
            if ctx.index == 0 {
                var byte: UInt8 = 0x5A
                _ = write(fds[1], &byte, 1)
            }
        }
        loop.addController(writer)
        loop.run(ticks: 3)
        #expect(source.drained == [0x5A])
        #expect(loop.statistics.report.ioWakeups >= 1)
    }
}

@Suite struct TickLoopShutdown {
    @Test func requestStopFinishesTheCycleThenSafeStopsEveryControllerOnce() {
        let (loop, _, _) = simulatedLoop()
        let j = Journal()
        let cp = Probe("cp", log: j), power = Probe("power", log: j)
        cp.onTick = { ctx in if ctx.index == 2 { loop.requestStop(.fault("CP lost")) } }
        loop.addController(cp)
        loop.addController(power)
        let reason = loop.run()
        #expect(reason == .fault("CP lost"))
        #expect(cp.ticks.count == 3 && power.ticks.count == 3)
        #expect(cp.stops == [.fault("CP lost")] && power.stops == [.fault("CP lost")])
        #expect(Array(j.entries.suffix(2)) == ["cp.safeStop", "power.safeStop"])
        #expect(!loop.runCycle())
        loop.stop(.requested("again"))
        #expect(cp.stops.count == 1)
    }

    @Test func sigtermStopsTheLoopCleanly() throws {
        let clock = SystemMonotonicClock()
        let watcher = try SignalWatcher()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: PollWaiter(clock: clock), signals: watcher)
        let p = Probe("charger", log: Journal())
        // The signal goes to this thread, where the watcher blocked it: it waits in the signalfd.
        p.onTick = { ctx in if ctx.index == 5 { pthread_kill(pthread_self(), SIGTERM) } }
        loop.addController(p)
        var cycles = 0
        while loop.runCycle() {
            cycles += 1
            if cycles > 10_000 { break }
        }
        #expect(loop.stopReason == .signal(SIGTERM))
        #expect(p.stops == [.signal(SIGTERM)])
        #expect(p.ticks.count == 6)
    }
}
