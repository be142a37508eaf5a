import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Buffers
import HAL
import MallocCounting
import Boards
import ControlLoop
import Runtime
import Testing

/// The far side of every simulated device, stepping once per tick before the charger's controllers:
/// a UART peer streaming status bytes, a power module sending one CAN frame per tick, an EV sending a
/// HomePlug frame every 10 ticks.
final class DevicePeers: TickController {
    let name = "peers"
    let uart: SimulatedSerialPort.Backend
    let can: SimulatedCANBus.Backend
    let ethernet: SimulatedEthernetLink.Backend
    let adc: SimulatedI2CDevice.Backend
    private let statusLine: [UInt8] = Array(#"{"type":"status","cp_mv":2255,"state":"B"}"#.utf8) + [0x0A]
    private let slacFrame: [UInt8]
    private var cursor = 0
    private var frame = CANFrame(id: 0x63000, extended: true, length: 8)

    init(uart: SimulatedSerialPort, can: SimulatedCANBus, ethernet: SimulatedEthernetLink, adc: SimulatedI2CDevice) {
        self.uart = uart.backend
        self.can = can.backend
        self.ethernet = ethernet.backend
        self.adc = adc.backend
        var f = [UInt8](repeating: 0, count: 60)
        f[0...5] = [0x02, 0, 0, 0, 0, 0x01]
        f[6...11] = [0x02, 0, 0, 0, 0, 0x02]
        f[12] = 0x88
        f[13] = 0xE1
        slacFrame = f
    }

    func tick(_ context: TickContext) {
        // 12 bytes of a status line per tick: a 115200-baud UART carries ~11.5 bytes per ms.
        var n = 0
        while n < 12 {
            uart.toHost.push(statusLine[cursor])
            cursor = cursor + 1 == statusLine.count ? 0 : cursor + 1
            n += 1
        }
        _ = uart.fromHost.discard(uart.fromHost.count)
        frame.data[0] = UInt8(truncatingIfNeeded: context.index)
        can.inject(frame)
        while can.transmitted.pop() != nil {}
        if context.index % 10 == 0 {
            let bytes = slacFrame
            ethernet.inject(bytes.span.bytes)
        }
        while !ethernet.transmitted.isEmpty { ethernet.transmitted.dropFront() }
        adc.words[0] = UInt16(truncatingIfNeeded: 0x4000 &+ context.index)
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}

/// A stand-in for the charger's controllers: consumes every queue the way framers and protocol
/// state machines do (scan for line ends, read frames, answer), drives a relay, samples an ADC, and
/// keeps protocol timers.
final class ChargerWork: TickController {
    let name = "charger"
    let serial: SerialPump
    let can: CANPump
    let plc: FramePump
    let relay: any GPIOLine
    let adc: any I2CDevice
    let frame = FrameBuffer(capacity: 1518)
    let timers = TimerSet(capacity: 8)
    var watchdog = Deadline()
    var lines = 0
    var canFrames = 0
    var plcFrames = 0
    var expired = 0
    var adcSum = 0

    init(serial: SerialPump, can: CANPump, plc: FramePump, relay: any GPIOLine, adc: any I2CDevice) {
        self.serial = serial
        self.can = can
        self.plc = plc
        self.relay = relay
        self.adc = adc
    }

    func tick(_ context: TickContext) {
        let rx = serial.received
        while let end = rx.firstIndex(of: 0x0A) {
            rx.discard(end + 1)
            lines += 1
        }
        if context.index % 10 == 0 { serial.transmit.push(0x0A) }
        while let f = can.received.pop() {
            canFrames += 1
            var reply = CANFrame(id: 0x6B003, extended: true, length: 7)
            reply.data[0] = f.data[0]
            can.transmit.push(reply)
        }
        let buffer = frame
        while plc.received.popFront(into: buffer) {
            plcFrames += 1
            plc.transmit.push(buffer.bytes)
        }
        try? relay.write(context.index % 2 == 0)
        if let v = try? adc.readBigEndianWord(register: 0) { adcSum &+= Int(v) }
        if !watchdog.isArmed { watchdog.arm(context.now, after: .milliseconds(7)) }
        if watchdog.fire(context.now) { expired += 1 }
        timers.arm(Int(context.index % 8), at: context.now + .milliseconds(3))
        while timers.nextExpired(context.now) != nil { expired += 1 }
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}

@Suite struct ZeroAllocation {
    /// The steady-state tick of the runtime with every kind of simulated device busy allocates
    /// nothing: 100 000 ticks, 0 mallocs (a count, not a timing, so it is a test).
    @Test func steadyStateTickAllocatesNothing() {
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))

        let uart = SimulatedSerialPort(path: "/dev/serial0")
        let bus = SimulatedCANBus(interface: "can0")
        let plcLink = SimulatedEthernetLink(interface: "eth1", macAddress: MACAddress(2, 0, 0, 0, 0, 2), etherType: 0x88E1)
        let relay = SimulatedGPIOLine(GPIOLineConfig(chip: "gpiochip0", line: .offset(17), direction: .output(initial: false)))
        let adc = SimulatedI2CDevice(bus: "/dev/i2c-1", address: 0x48)

        let serialPump = SerialPump(name: "cp-helper", port: uart)
        let canPump = CANPump(name: "power", bus: bus)
        let plcPump = FramePump(name: "plc", link: plcLink)
        let peers = DevicePeers(uart: uart, can: bus, ethernet: plcLink, adc: adc)
        let work = ChargerWork(serial: serialPump, can: canPump, plc: plcPump, relay: relay, adc: adc)

        loop.addController(peers)
        loop.addSource(serialPump)
        loop.addSource(canPump)
        loop.addSource(plcPump)
        loop.addController(work)

        loop.run(ticks: 1_000) // start-up: first use of every path
        loop.resetStatistics()
        let ticks = 100_000
        let mallocs = MallocCounter.count { loop.run(ticks: ticks) }

        print("zero-allocation: \(ticks) ticks, \(mallocs) mallocs (\(Double(mallocs) / Double(ticks)) per tick); "
              + "lines \(work.lines), CAN frames \(work.canFrames), PLC frames \(work.plcFrames)")
        #expect(mallocs == 0)
        // The devices really were busy during the measurement.
        #expect(loop.statistics.report.ticks == UInt64(ticks))
        // A peer frame injected in the last tick is received in the next one.
        #expect(work.canFrames == ticks + 1_000 - 1)
        #expect(work.plcFrames == (ticks + 1_000) / 10)
        #expect(work.lines > ticks / 5)
        #expect(relay.backend.writeCount == ticks + 1_000)
        #expect(serialPump.isHealthy && canPump.isHealthy && plcPump.isHealthy)
    }
}

extension ZeroAllocation {
    /// The paths that keep the loop from spinning allocate nothing either: wake-ups reported with
    /// their poll events, a serial and a CAN pump whose queues stay full (descriptors out of the poll
    /// set, the waiting input dropped and counted every tick), a frame pump whose socket hangs up now
    /// and then (polling suspended, retried by `pump`, resumed when frames come), and the loop's
    /// idle-wake-up bound on the signal descriptor and a source that does not drain its descriptor.
    ///
    /// Not covered: a device whose every read throws. Throwing a HAL error allocates once per throw
    /// today (measured on the twins), so a pump retrying a vanished device every tick allocates.
    @Test func backpressureAndFailurePathsAllocateNothing() throws {
        let clock = ManualClock()
        let waiter = LevelWaiter(clock: clock)
        let watcher = try SignalWatcher()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: waiter, signals: watcher)

        let uart = PolledSerialTwin(SimulatedSerialPort(path: "/dev/serial0"), descriptor: 1001)
        let bus = PolledCANTwin(SimulatedCANBus(interface: "can0"), descriptor: 1002)
        let link = PolledEthernetTwin(SimulatedEthernetLink(interface: "eth1", macAddress: MACAddress(2, 0, 0, 0, 0, 2),
                                                            etherType: 0x88E1), descriptor: 1003)
        let serialPump = SerialPump(name: "cp-helper", port: uart, receiveCapacity: 256)
        let canPump = CANPump(name: "power", bus: bus, capacity: 16)
        let plcPump = FramePump(name: "plc", link: link, slots: 8)
        let stuck = UndrainedSource()
        let frame = homePlugFrame(1)
        let plcScratch = FrameBuffer(capacity: 1518)
        let status: [UInt8] = Array(#"{"type":"status","cp_mv":2255,"state":"B"}"#.utf8) + [0x0A]
        var cursor = 0
        var plcHungUp = false
        var suspendedTicks = 0
        var plcFrames = 0
        let peers = Peer { context in
            var n = 0
            while n < 12 {
                uart.backend.toHost.push(status[cursor])
                cursor = cursor + 1 == status.count ? 0 : cursor + 1
                n += 1
            }
            bus.backend.inject(CANFrame(id: 0x6B000, extended: true, length: 8))
            // The PLC socket reports a hang-up for 5 ticks out of every 20; a frame comes every other tick.
            plcHungUp = context.index % 20 >= 15
            if context.index % 2 == 0 { _ = link.backend.inject(frame.span.bytes) }
            // The PLC consumer keeps up; the UART and CAN consumers have stalled.
            while plcPump.received.popFront(into: plcScratch) { plcFrames += 1 }
            if plcPump.isPollingSuspended { suspendedTicks += 1 }
        }
        waiter.events = { fd in
            switch fd {
            case 1001: uart.revents
            case 1002: bus.revents
            case 1003: plcHungUp ? pollHangUp : link.revents
            case 1004: pollReadable
            case watcher.descriptor: pollError
            default: 0
            }
        }
        loop.addSource(serialPump)
        loop.addSource(canPump)
        loop.addSource(plcPump)
        loop.addSource(stuck)
        loop.addController(peers)

        loop.run(ticks: 1_000)
        loop.resetStatistics()
        let ticks = 20_000
        let mallocs = MallocCounter.count { loop.run(ticks: ticks) }
        let report = loop.statistics.report
        print("zero-allocation (backpressure): \(ticks) ticks, \(mallocs) mallocs; wake-ups \(report.ioWakeups) "
              + "(idle \(report.idleWakeups)), dropped \(report.droppedForFullQueue)")
        #expect(mallocs == 0)
        #expect(serialPump.received.isFull && canPump.received.isFull)
        #expect(serialPump.droppedForFullQueue > 0 && canPump.droppedForFullQueue > 0)
        #expect(suspendedTicks > ticks / 10 && plcFrames > ticks / 3)
        #expect(report.droppedForFullQueue > UInt64(ticks))
        // At most one wake-up per tick for every source and the signal descriptor: no spin.
        #expect(report.ioWakeups <= UInt64(ticks * 3))
    }
}

/// Keeps its descriptor readable and takes nothing (reports nothing either).
private final class UndrainedSource: IOSource {
    let name = "undrained"
    var pollDescriptor: Int32? { 1004 }
    func pump(_ context: TickContext) {}
}

@Suite struct MallocCounterControl {
    final class Leaky: TickController {
        let name = "leaky"
        var history: [String] = []
        // Too long for a small (inline) string: every tick needs a heap buffer.
        func tick(_ context: TickContext) { history.append("tick \(context.index) of a controller that keeps a log in memory") }
        func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
    }

    /// The counter is not blind: a controller that formats a log line each tick is caught.
    @Test func anAllocatingControllerIsCounted() {
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        loop.addController(Leaky())
        loop.run(ticks: 10)
        let mallocs = MallocCounter.count { loop.run(ticks: 100) }
        #expect(mallocs >= 100)
    }
}
