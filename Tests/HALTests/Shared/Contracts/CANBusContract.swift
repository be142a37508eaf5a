import HAL
import Testing

/// Two CAN buses on one wire (two twins joined by `SimulatedCANBus.connect`, two sockets on vcan0, or
/// can0 ⇄ can1) and a way to wait for a frame.
protocol CANBusHarness {
    var sender: any CANBus { get }
    var receiver: any CANBus { get }
    /// Waits (bounded) until `bus` has a frame waiting; false when none came.
    func waitForFrame(on bus: any CANBus) -> Bool
    /// Proves (bounded) that nothing arrives on `bus`.
    func staysQuiet(_ bus: any CANBus) -> Bool
}

/// What every `CANBus` does, Linux or simulated.
enum CANBusContract {
    /// Receiving with nothing on the bus is nil, not an error and not a wait.
    static func idleBusReceivesNothing(_ h: some CANBusHarness) throws {
        #expect(try h.receiver.receive() == nil)
    }

    /// Standard, extended and remote frames arrive unchanged and in order.
    static func framesArriveInOrder(_ h: some CANBusHarness) throws {
        var remote = CANFrame(id: 0x7DF, length: 0)
        remote.isRemote = true
        let frames = [CANFrame(id: 0x123, bytes: [0xDE, 0xAD, 0xBE, 0xEF]),
                      CANFrame(id: 0x18FF_50E5, extended: true, bytes: [1, 2, 3, 4, 5, 6, 7, 8]),
                      CANFrame(id: 0x000, bytes: []),
                      CANFrame(id: 0x7FF, bytes: [0xFF]),
                      CANFrame(id: 0x1FFF_FFFF, extended: true, bytes: [0]),
                      remote]
        for f in frames { #expect(try h.sender.send(f)) }
        for f in frames {
            try #require(h.waitForFrame(on: h.receiver), "\(f) did not arrive")
            #expect(try h.receiver.receive() == f)
        }
    }

    /// An exact filter passes one identifier of one format; everything else is dropped.
    static func exactFilterPassesOnlyItsFrame(_ h: some CANBusHarness) throws {
        try h.receiver.setFilters([.exact(0x123, extended: false)])
        for f in [CANFrame(id: 0x124, bytes: [1]), CANFrame(id: 0x123, extended: true, bytes: [2]),
                  CANFrame(id: 0x123, bytes: [3])] {
            #expect(try h.sender.send(f))
        }
        try #require(h.waitForFrame(on: h.receiver))
        #expect(try h.receiver.receive() == CANFrame(id: 0x123, bytes: [3]))
        #expect(h.staysQuiet(h.receiver))
        #expect(try h.receiver.receive() == nil)
    }

    /// A mask filter passes a range; an empty filter list passes everything again.
    static func maskFilterAndReset(_ h: some CANBusHarness) throws {
        try h.receiver.setFilters([CANFilter(id: 0x100, mask: 0x700, extended: false),
                                   CANFilter(id: 0x18DA_F100, mask: 0x1FFF_FF00, extended: true)])
        let sent = [CANFrame(id: 0x1AB, bytes: [1]), CANFrame(id: 0x2AB, bytes: [2]),
                    CANFrame(id: 0x18DA_F1F1, extended: true, bytes: [3]), CANFrame(id: 0x18DB_33F1, extended: true, bytes: [4])]
        for f in sent { #expect(try h.sender.send(f)) }
        for expected in [sent[0], sent[2]] {
            try #require(h.waitForFrame(on: h.receiver))
            #expect(try h.receiver.receive() == expected)
        }
        #expect(h.staysQuiet(h.receiver))
        try h.receiver.setFilters([])
        #expect(try h.sender.send(sent[1]))
        try #require(h.waitForFrame(on: h.receiver))
        #expect(try h.receiver.receive() == sent[1])
    }

    /// Frames no bus can carry are refused by the HAL before anything is sent.
    static func impossibleFramesAreRefused(_ h: some CANBusHarness) throws {
        for f in [CANFrame(id: 0x800, length: 1), CANFrame(id: 0x2000_0000, extended: true, length: 1), CANFrame(id: 1, length: 9)] {
            let error = #expect(throws: CANError.self) { _ = try h.sender.send(f) }
            #expect(error == .invalidFrame(h.sender.interface, f))
            #expect(error?.kind == .invalidArgument)
        }
        #expect(h.staysQuiet(h.receiver))
    }

    /// A sender does not receive its own frames (receive-own-messages is off by default). It may well
    /// receive others: frames other sockets on its interface sent (SocketCAN loops them back locally;
    /// a controller with IFF_ECHO, like the SJA1000, does so only at transmit completion, so even a
    /// socket opened just after another's send can get that frame), and controller error frames.
    static func senderDoesNotHearItself(_ h: some CANBusHarness) throws {
        let mine = CANFrame(id: 0x321, bytes: [0x5E, 0x1F])
        #expect(try h.sender.send(mine))
        try #require(h.waitForFrame(on: h.receiver))
        #expect(try h.receiver.receive() == mine)
        var rounds = 0
        while !h.staysQuiet(h.sender), rounds < 16 {
            rounds += 1
            if let f = try h.sender.receive() { #expect(f != mine, "the sender heard its own frame") }
        }
    }
}
