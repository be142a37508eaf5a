import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Buffers
import HAL
import Boards
import ControlLoop
import Runtime
import SystemPackage
import Testing
import MallocCounting

private let tick0 = TickContext(now: MonotonicInstant(nanoseconds: 0), index: 0, period: .milliseconds(1))

@Suite struct SerialPumpTests {
    @Test func bytesFlowBothWaysAndErrorsAreKeptNotThrown() {
        let port = SimulatedSerialPort(path: "/dev/ttyUSB0")
        let pump = SerialPump(name: "uart", port: port)
        port.backend.send("hello\n")
        pump.pump(tick0)
        #expect(pump.received.count == 6)
        pump.transmit.push(Array("ok\n".utf8).span.bytes)
        pump.pump(tick0)
        #expect(port.backend.receiveAll() == Array("ok\n".utf8))

        port.backend.hangUp()
        pump.pump(tick0)
        #expect(pump.lastError == .hangUp("/dev/ttyUSB0"))
        #expect(pump.lastError?.kind == .disconnected)
        #expect(!pump.isHealthy && pump.errorCount >= 1)

        port.backend.reconnect()
        port.backend.send("x")
        pump.pump(tick0)
        #expect(pump.isHealthy)
    }

    @Test func shortReadsStillDeliverEverything() {
        let port = SimulatedSerialPort(path: "/dev/serial0")
        port.backend.maxBytesPerRead = 1
        let pump = SerialPump(name: "uart", port: port)
        port.backend.send("0123456789")
        pump.pump(tick0)
        #expect(pump.received.count == 10)
    }

    @Test func aStalledDeviceKeepsOutputQueued() {
        let port = SimulatedSerialPort(path: "/dev/serial0")
        port.backend.stallWrites = true
        let pump = SerialPump(name: "uart", port: port)
        pump.transmit.push(Array("abc".utf8).span.bytes)
        pump.pump(tick0)
        #expect(pump.transmit.count == 3)
        port.backend.stallWrites = false
        pump.pump(tick0)
        #expect(pump.transmit.isEmpty && port.backend.receiveAll() == Array("abc".utf8))
    }

    /// A device that stays unplugged: closed at once, reopened at the next tick, then after 1, 2 and
    /// 4 s (the maximum here), with nothing read or written in between and no allocation in a tick
    /// without an attempt; it comes back at the first attempt after it is plugged in again.
    @Test func anUnpluggedDeviceIsReopenedWithABoundedBackoff() {
        let port = SimulatedSerialPort(path: "/dev/ttyUSB0")
        let pump = SerialPump(name: "uart", port: port, reopenInterval: .seconds(1), maximumReopenInterval: .seconds(4))
        func tick(_ ms: Int64) -> TickContext { TickContext(now: MonotonicInstant(nanoseconds: ms * 1_000_000), index: UInt64(ms), period: .milliseconds(1)) }
        port.backend.hangUp()
        pump.transmit.push(Array("lost".utf8).span.bytes)
        pump.pump(tick(0))
        #expect(pump.isDown && pump.lastError == .hangUp("/dev/ttyUSB0") && pump.transmit.isEmpty)
        var attempts: [Int64] = []
        var steadyMallocs = 0
        for ms in Int64(1)...12_000 {
            let before = pump.reopenAttempts
            _ = pump.transmit.push(0x21)
            let mallocs = MallocCounter.count { pump.pump(tick(ms)) }
            if pump.reopenAttempts > before { attempts.append(ms) } else { steadyMallocs += mallocs }
        }
        #expect(attempts == [1, 1_001, 3_001, 7_001, 11_001])
        #expect(steadyMallocs == 0)
        #expect(pump.isDown && pump.reopens == 0 && pump.lastReopenError == .open("/dev/ttyUSB0", errno: .noSuchFileOrDirectory))
        #expect(pump.lastError == .hangUp("/dev/ttyUSB0")) // what took it down
        #expect(port.backend.receiveAll().isEmpty) // nothing was written to the dead device

        port.backend.reconnect()
        port.backend.send("back\n")
        pump.transmit.removeAll()
        pump.pump(tick(14_999))
        #expect(pump.isDown)
        pump.pump(tick(15_001))
        #expect(!pump.isDown && pump.isHealthy && pump.reopens == 1 && port.backend.reopens == 1)
        #expect(pump.received.count == 5)
        pump.transmit.push(Array("hi".utf8).span.bytes)
        pump.pump(tick(15_002))
        #expect(port.backend.receiveAll() == Array("hi".utf8))
    }
}

@Suite struct CANPumpTests {
    @Test func framesAndBusOffReachTheController() {
        let bus = SimulatedCANBus(interface: "can0")
        let pump = CANPump(name: "can", bus: bus)
        bus.backend.inject(CANFrame(id: 0x6B000, extended: true, bytes: [1]))
        pump.pump(tick0)
        #expect(pump.received.pop()?.id == 0x6B000)

        pump.transmit.push(CANFrame(id: 0x63000, extended: true, bytes: [1, 2, 3]))
        pump.pump(tick0)
        #expect(bus.backend.transmitted.pop()?.payload == [1, 2, 3])

        bus.backend.goBusOff()
        pump.transmit.push(CANFrame(id: 0x63000, extended: true, bytes: [4]))
        pump.pump(tick0)
        let err = pump.received.pop()
        #expect(err?.isError == true && CANErrorClass(rawValue: err!.id).contains(.busOff))
        #expect(pump.lastError == .busOff("can0"))
        #expect(pump.transmit.count == 1) // kept for after the restart

        try? bus.restart()
        pump.pump(tick0)
        #expect(pump.transmit.isEmpty && bus.backend.transmitted.pop()?.payload == [4])
    }

    @Test func anUnsendableFrameDoesNotBlockTheQueue() {
        let bus = SimulatedCANBus(interface: "can0")
        let pump = CANPump(name: "can", bus: bus)
        pump.transmit.push(CANFrame(id: 0x800, extended: false, bytes: [1])) // 12-bit ID on an 11-bit frame
        pump.transmit.push(CANFrame(id: 0x100, extended: false, bytes: [2]))
        pump.pump(tick0)
        if case .invalidFrame = pump.lastError {} else { Issue.record("expected invalidFrame, got \(String(describing: pump.lastError))") }
        pump.pump(tick0)
        #expect(bus.backend.transmitted.pop()?.id == 0x100)
        #expect(pump.transmit.isEmpty)
    }
}

@Suite struct FramePumpTests {
    @Test func framesCrossALinkedPairAndOversizeIsReported() {
        let evse = SimulatedEthernetLink(interface: "eth1", macAddress: MACAddress(2, 0, 0, 0, 0, 1), etherType: 0x88E1)
        let ev = SimulatedEthernetLink(interface: "veth-ev", macAddress: MACAddress(2, 0, 0, 0, 0, 2), etherType: 0x88E1)
        SimulatedEthernetLink.connect(evse, ev)
        let pump = FramePump(name: "plc", link: evse)
        var frame = [UInt8](repeating: 0, count: 20)
        frame[12] = 0x88
        frame[13] = 0xE1
        #expect((try? ev.send(frame.span.bytes)) == true)
        pump.pump(tick0)
        #expect(pump.received.frontLength() == 60) // padded to the Ethernet minimum
        var other = frame
        other[13] = 0xE2 // another EtherType: filtered like the AF_PACKET socket does
        _ = try? ev.send(other.span.bytes)
        pump.pump(tick0)
        #expect(pump.received.count == 1)

        pump.transmit.push(Array<UInt8>(repeating: 1, count: 8).span.bytes) // shorter than a header
        pump.pump(tick0)
        #expect(pump.lastError == .frameTooShort("eth1", length: 8))
        #expect(pump.transmit.isEmpty)

        evse.backend.vanished = true
        pump.pump(tick0)
        #expect(pump.lastError?.kind == .disconnected)
    }
}
