import ArgumentParser
import Boards
import Drivers
import ChargerAssembly
import Contracts
import SimBoard
import ControlLoop
import HAL
import Runtime

/// `boardctl loop`: runs the real-time loop on a board's devices for a while and reports the loop's
/// timing — the numbers to check on a new Pi image before trusting it with a car.
struct LoopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop",
        abstract: "Run the fixed-tick loop over a board's devices and report jitter, tick duration and overruns.",
        discussion: """
            Opens every device it can (like probe), pumps each serial, CAN and Ethernet device every tick \
            on CLOCK_MONOTONIC with ppoll, and prints min/median/p99/max of how late each tick started and \
            how long it ran. Ctrl-C stops early and still prints the report.
            """
    )

    @Option(name: .long, help: "Board name (Boards/NAME.yaml) or path to a board file.")
    var board: String

    @Option(name: .long, help: "How long to run, in seconds.")
    var seconds: Double = 5

    @Option(name: .customLong("tick-us"), help: "Tick period in microseconds.")
    var tickMicroseconds: Int64 = 1000

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Flag(name: .long, help: "Empty every pump's receive queue each tick, as protocol drivers would (default: nothing reads them).")
    var consume = false

    func validate() throws {
        guard seconds > 0, seconds <= 86_400 else { throw ValidationError("--seconds must be in (0, 86400]") }
        guard tickMicroseconds >= 100, tickMicroseconds <= 1_000_000 else {
            throw ValidationError("--tick-us must be in 100…1000000")
        }
    }

    func run() throws {
        let definition = try loadBoard(board)
        // Signals first: a thread a device starts (the sim helper emulator) inherits the blocked mask.
        let period = Nanoseconds.microseconds(tickMicroseconds)
        let loop = try TickLoop.production(period: period)
        let factory = Charger.deviceFactory(for: definition)
        let devices = BoardDevices.openAvailable(definition, factory: factory)
        for failure in devices.failures {
            printToStandardError("boardctl: \(failure.device.name) not opened: \(failure.error)\n")
        }
        let pumps = devices.makePumps()
        for pump in pumps { loop.addSource(pump) }
        if consume { loop.addController(QueueConsumer(pumps: pumps)) }
        let ticks = Int(seconds * 1e6 / Double(tickMicroseconds))
        loop.run(ticks: min(100, ticks))
        loop.resetStatistics() // measure the steady state, not start-up
        loop.run(ticks: ticks - min(100, ticks))
        let report = loop.statistics.report
        loop.stop(loop.stopReason ?? .requested("duration elapsed"))
        if json {
            print(report.json)
        } else {
            print("board \(definition.name): \(pumps.count) device pump\(pumps.count == 1 ? "" : "s"), tick \(period)")
            print(report)
            for source in loop.sourceStatistics { print("  \(source)") }
            print("stopped: \(loop.stopReason ?? .requested("duration elapsed"))")
        }
    }
}

/// `boardctl loop --consume`: takes whatever the pumps received, every tick, and drops it.
private final class QueueConsumer: TickController {
    let name = "queue-consumer"
    private let serial: [SerialPump]
    private let can: [CANPump]
    private let frames: [FramePump]

    init(pumps: [any IOSource]) {
        serial = pumps.compactMap { $0 as? SerialPump }
        can = pumps.compactMap { $0 as? CANPump }
        frames = pumps.compactMap { $0 as? FramePump }
    }

    func tick(_ context: TickContext) {
        for p in serial { p.received.removeAll() }
        for p in can { p.received.removeAll() }
        for p in frames { p.received.removeAll() }
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}
