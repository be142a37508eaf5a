import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Buffers
import ControlLoop
import HAL
import HomePlugAV
import MallocCounting
import PLCModemStandIn
import Runtime
@testable import SLAC
import Testing

/// The QCA7000 driver against the simulated chip, ticked on a manual clock.
final class QCA7000Bench {
    let clock = ManualClock()
    let chip: SimulatedQCA7000
    let driver: QCA7000Driver
    var index: UInt64 = 0

    init(interrupt: Bool = true) {
        chip = SimulatedQCA7000(clock: clock)
        driver = QCA7000Driver(spi: chip.device, interruptLine: interrupt ? chip.interruptLine : nil,
                               macAddress: MACAddress(0x02, 0, 0, 0, 0x5E, 0x01))
    }

    func tick(_ n: Int = 1) {
        for _ in 0..<n {
            clock.advance(by: .milliseconds(1))
            driver.pump(TickContext(now: clock.now(), index: index, period: .milliseconds(1)))
            index += 1
        }
    }

    func frame(_ fill: UInt8, length: Int = 60) -> [UInt8] {
        var f = [UInt8](repeating: fill, count: length)
        f[12] = 0x88
        f[13] = 0xE1
        return f
    }

    func send(_ f: [UInt8]) throws -> Bool { try f.withUnsafeBytes { try driver.send(RawSpan(_unsafeBytes: $0)) } }

    func received() -> [[UInt8]] {
        let b = FrameBuffer(capacity: 1518)
        var out: [[UInt8]] = []
        while (try? driver.receive(into: b)) == true { out.append(Array(b.unsafeBytes)) }
        return out
    }

    func transmitted() -> [[UInt8]] {
        var out: [[UInt8]] = []
        let q = chip.transmitted
        while !q.isEmpty {
            out.append(q.front.withUnsafeBytes { Array($0) })
            q.dropFront()
        }
        return out
    }
}

@Suite struct QCA7000Driving {
    /// qca7000-spi.md §5.1 worked example: a 60-byte CM_SLAC_PARM.REQ is framed as 70 bytes.
    @Test func transmitFramingMatchesTheSpec() {
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { out.deallocate() }
        let frame = [UInt8](repeating: 0x11, count: 42) // padded to 60
        let n = frame.withUnsafeBytes { QCA7000Framing.encode(RawSpan(_unsafeBytes: $0), into: out) }
        #expect(n == 70)
        #expect(Array(out[0..<8]) == [0xAA, 0xAA, 0xAA, 0xAA, 0x3C, 0x00, 0x00, 0x00])
        #expect(out[8 + 41] == 0x11 && out[8 + 42] == 0 && out[8 + 59] == 0)
        #expect(Array(out[68..<70]) == [0x55, 0x55])
        let long = [UInt8](repeating: 0, count: 1519)
        #expect(long.withUnsafeBytes { QCA7000Framing.encode(RawSpan(_unsafeBytes: $0), into: out) } == nil)
    }

    /// The receive decoder resynchronises on garbage, drops bad lengths and tails, and joins frames
    /// split across reads (§5.2).
    @Test func receiveDecoderSurvivesGarbage() {
        func framed(_ body: [UInt8], tail: [UInt8] = [0x55, 0x55], fl: Int? = nil) -> [UInt8] {
            let l = fl ?? body.count
            return [0, 0, UInt8((l + 10) >> 8), UInt8((l + 10) & 0xFF), 0xAA, 0xAA, 0xAA, 0xAA, UInt8(l & 0xFF), UInt8(l >> 8), 0, 0] + body + tail
        }
        let a = [UInt8](repeating: 1, count: 60), b = [UInt8](repeating: 2, count: 100), c = [UInt8](repeating: 3, count: 64)
        let stream = [0x13, 0x37, 0xAA] + framed(a) + framed(b, tail: [0x55, 0x00]) + framed([UInt8](repeating: 9, count: 20)) + framed(b) + framed(c)
        var decoder = QCA7000Framing.Decoder()
        let q = FrameQueue(slots: 8, maxFrameLength: 1518)
        stream.withUnsafeBytes { raw in
            decoder.feed(UnsafeRawBufferPointer(rebasing: raw[0..<77]), into: q)
            decoder.feed(UnsafeRawBufferPointer(rebasing: raw[77...]), into: q)
        }
        var lengths: [Int] = []
        while let n = q.frontLength() {
            lengths.append(n)
            q.dropFront()
        }
        #expect(lengths == [60, 100, 64])
        #expect(decoder.noTail == 1 && decoder.invalidLength == 1 && decoder.noHeader > 0)
    }

    /// Power-up: signature, CPU_ON, empty write buffer → ready with INTR_ENABLE 0x0047; frames both ways.
    @Test func synchronisesAndCarriesFrames() throws {
        let b = QCA7000Bench()
        #expect(try b.driver.linkState().carrier == false)
        b.tick(3)
        #expect(b.driver.state == .ready)
        #expect(try b.driver.linkState().carrier)
        #expect(b.chip.enable == QCA7000SPI.Interrupts.enabledSet.rawValue)
        #expect(b.chip.cause == 0)
        #expect(try b.send(b.frame(0x42, length: 42)))
        #expect(try b.send(b.frame(0x43, length: 300)))
        b.tick()
        let out = b.transmitted()
        #expect(out.count == 2 && out[0].count == 60 && out[1].count == 300 && out[1][20] == 0x43)
        let incoming = b.frame(0x77, length: 129)
        _ = incoming.withUnsafeBytes { b.chip.deliver(RawSpan(_unsafeBytes: $0)) }
        b.driver.service(b.clock.now()) // the interrupt line's descriptor became readable
        let got = b.received()
        #expect(got == [incoming])
        #expect(b.driver.statistics.interruptEdges >= 1)
        #expect(b.driver.statistics.framesReceived == 1 && b.driver.statistics.framesSent == 2)
    }

    /// Without an interrupt line the driver polls every tick and still gets frames.
    @Test func pollsWithoutInterruptLine() throws {
        let b = QCA7000Bench(interrupt: false)
        b.tick(3)
        #expect(b.driver.state == .ready)
        let incoming = b.frame(0x21, length: 85)
        _ = incoming.withUnsafeBytes { b.chip.deliver(RawSpan(_unsafeBytes: $0)) }
        b.tick()
        #expect(b.received() == [incoming])
    }

    /// A spontaneous chip reset is detected by CPU_ON: queued frames are dropped, the driver is ready
    /// again, and traffic resumes.
    @Test func detectsChipReset() throws {
        let b = QCA7000Bench()
        b.tick(3)
        #expect(try b.send(b.frame(1)))
        b.chip.reset()
        b.tick(2)
        #expect(b.driver.statistics.chipResets == 2) // power-up and the injected reset
        #expect(b.driver.state == .ready)
        #expect(b.chip.enable == QCA7000SPI.Interrupts.enabledSet.rawValue)
        #expect(b.transmitted().isEmpty)
        #expect(b.driver.statistics.framesDropped == 1)
        #expect(try b.send(b.frame(2)))
        b.tick()
        #expect(b.transmitted().count == 1)
    }

    /// A garbled signature drops the carrier; when the chip answers again the driver soft-resets it
    /// (SPI_CONFIG bit 6) and waits for CPU_ON.
    @Test func resynchronisesAfterBadSignature() throws {
        let b = QCA7000Bench()
        b.tick(3)
        let resets = b.chip.resets
        let triggered = b.driver.statistics.triggeredResets
        b.chip.brokenSignature = 0xFFFF
        b.tick(1_100)
        #expect(b.driver.state == .unknown)
        #expect(try b.driver.linkState().carrier == false)
        #expect(try b.send(b.frame(3)) == false)
        b.chip.brokenSignature = nil
        b.tick(250)
        #expect(b.driver.state == .ready)
        #expect(b.chip.resets == resets + 1)
        #expect(b.driver.statistics.triggeredResets == triggered + 1 && b.driver.statistics.badSignatures >= 2)
    }

    /// Bad input from the chip never traps: garbage, bad tails, implausible RDBUF_BYTE_AVA, buffer
    /// errors and failing transfers are counted and recovered from.
    @Test func survivesBadFramesAndErrors() throws {
        let b = QCA7000Bench()
        b.tick(3)
        let garbage: [UInt8] = [0xDE, 0xAD, 0, 0, 0, 80, 0xAA, 0xAA, 0xAA, 0xAA, 0x10, 0x00] // junk, then FL 16: invalid
        garbage.withUnsafeBytes { b.chip.deliverRaw(RawSpan(_unsafeBytes: $0)) }
        let good = b.frame(0x55, length: 70)
        _ = good.withUnsafeBytes { b.chip.deliver(RawSpan(_unsafeBytes: $0)) }
        b.tick()
        #expect(b.received() == [good])
        #expect(b.driver.statistics.receiveFramingErrors >= 2)

        b.chip.readAvailableOverride = 5_000
        b.chip.raise(.packetAvailable)
        b.tick()
        #expect(b.driver.statistics.implausibleBuffers >= 1)
        b.chip.readAvailableOverride = nil

        b.chip.raise(.readBufferError)
        b.tick()
        #expect(b.driver.statistics.readBufferErrors == 1)
        b.tick(3)
        #expect(b.driver.state == .ready)

        b.chip.device.backend.failTransferAfter = 1
        b.tick(30) // the next poll's transfer fails
        #expect(b.driver.statistics.spiErrors == 1 && b.driver.lastSPIError != nil)
        #expect(b.driver.state != .ready)
        b.tick(300)
        #expect(b.driver.state == .ready)
    }

    /// No CPU_ON after the soft reset: the reset times out after 10 resync steps and the driver
    /// starts over; once the chip reboots again it is ready.
    @Test func resetTimesOut() {
        let b = QCA7000Bench()
        b.tick(3)
        b.chip.ignoresSoftReset = true
        b.chip.raise(.writeBufferError) // → soft reset, which the chip now ignores
        b.tick(1_100)
        #expect(b.driver.statistics.writeBufferErrors == 1)
        #expect(b.driver.statistics.resetTimeouts >= 1)
        #expect(b.driver.state != .ready)
        b.chip.ignoresSoftReset = false
        b.tick(1_200)
        #expect(b.driver.state == .ready)
    }

    /// SLAC over the user-space driver: the EVSE's link is the QCA7000 driver on the simulated chip,
    /// whose firmware part is the modem stand-in; SlacMatcher does not know, and the steady state
    /// allocates nothing.
    @Test func slacMatchesOverTheSPIDriver() {
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        // EV side: host ↔ modem stand-in ↔ wire.
        let t = HomePlugFrame.etherType
        let evHost = SimulatedEthernetLink(interface: "ev", macAddress: evHostMAC, etherType: t)
        let evModemHost = SimulatedEthernetLink(interface: "ev-modem", macAddress: evModemMAC, etherType: t)
        let evWire = SimulatedEthernetLink(interface: "ev-plc", macAddress: evModemMAC, etherType: t)
        SimulatedEthernetLink.connect(evHost, evModemHost)
        // EVSE side: SlacMatcher → FramePump → QCA7000Driver → SPI → chip model → stand-in firmware → wire.
        let chip = SimulatedQCA7000(clock: clock)
        let driver = QCA7000Driver(spi: chip.device, interruptLine: chip.interruptLine, macAddress: evseHostMAC)
        let chipSide = SimulatedEthernetLink(interface: "qca-firmware", macAddress: evseModemMAC, etherType: t)
        let firmwareHost = SimulatedEthernetLink(interface: "qca-firmware-host", macAddress: evseModemMAC, etherType: t)
        let evseWire = SimulatedEthernetLink(interface: "evse-plc", macAddress: evseModemMAC, etherType: t)
        SimulatedEthernetLink.connect(chipSide, firmwareHost)
        SimulatedEthernetLink.connect(evWire, evseWire)
        let evModem = PLCModemStandIn(host: evModemHost, wire: evWire, configuration: .init(role: .ev, modemMAC: evModemMAC))
        let firmware = PLCModemStandIn(host: firmwareHost, wire: evseWire, configuration: .init(role: .evse, modemMAC: evseModemMAC))
        let bridge = SimulatedQCA7000Bridge(chip: chip, link: chipSide)
        let evPump = FramePump(name: "ev", link: evHost)
        let evsePump = FramePump(name: "evse", link: driver)
        let ev = SlacRequester(port: SlacPort(hostMAC: evHostMAC, received: evPump.received, transmit: evPump.transmit), random: .seeded(8))
        let evse = SlacMatcher(port: SlacPort(hostMAC: evseHostMAC, received: evsePump.received, transmit: evsePump.transmit), random: .seeded(9))
        for s: any IOSource in [evPump, evModem, firmware, bridge, driver, evsePump] { loop.addSource(s) }
        loop.addController(evse)
        loop.addController(ev)
        func matched() -> Bool {
            if case .matched = ev.phase, case .matched = evse.phase { return true }
            return false
        }
        evse.facts.pilot.present(.b)
        loop.run(ticks: 20)
        #expect(driver.state == .ready)
        ev.pilot = .b
        var n = 0
        while n < 5_000, !matched() { loop.runCycle(); n += 1 }
        #expect(matched())
        #expect(firmware.nmk == evse.nmk)
        // Second plug-in, measured.
        ev.pilot = .a
        evse.facts.pilot.present(.a)
        loop.run(ticks: 50)
        evse.facts.pilot.present(.b)
        ev.pilot = .b
        var ticks = 0
        let mallocs = MallocCounter.count {
            while ticks < 5_000, !matched() { loop.runCycle(); ticks += 1 }
        }
        #expect(matched())
        print("zero-allocation (SLAC over QCA7000 SPI driver): \(ticks) ticks, \(mallocs) mallocs; driver \(driver.statistics)")
        #expect(mallocs == 0)
    }
}

