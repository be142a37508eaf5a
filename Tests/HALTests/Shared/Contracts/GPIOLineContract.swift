import HAL
import Testing

/// GPIO lines under test plus the outside world: something that pulls inputs (gpio-sim's far side, or
/// the twin's backend) and reads what an output drives.
protocol GPIOLineHarness {
    /// Requests a line. Line names: RELAY_K1 (output), WB_READY (input), QCA_INT and SPARE (events).
    func request(_ config: GPIOLineConfig) throws -> any GPIOLine
    /// The outside world pulls `line` high or low.
    func pull(_ line: String, high: Bool) throws
    /// The level the outside world sees on `line` (what our output drives).
    func observed(_ line: String) throws -> Bool
    /// Waits (bounded) until `line` has an edge waiting.
    func waitForEdge(on line: any GPIOLine) -> Bool
    /// Proves (bounded, briefly) that no edge is waiting on `line`.
    func noEdge(on line: any GPIOLine) -> Bool
    /// The chip name every config uses.
    var chip: String { get }
}

/// What every `GPIOLine` does, Linux or simulated.
enum GPIOLineContract {
    /// An output drives what it is told, from the value it was requested with.
    static func outputDrivesTheWorld(_ h: some GPIOLineHarness) throws {
        let relay = try h.request(GPIOLineConfig(chip: h.chip, line: .name("RELAY_K1"), direction: .output(initial: true)))
        defer { release(relay) }
        #expect(try h.observed("RELAY_K1"), "requested with initial: true")
        try relay.write(false)
        #expect(try h.observed("RELAY_K1") == false)
        #expect(try relay.read() == false)
        try relay.write(true)
        #expect(try h.observed("RELAY_K1"))
        #expect(try relay.read())
    }

    /// An input reads what the outside world pulls it to.
    static func inputFollowsTheWorld(_ h: some GPIOLineHarness) throws {
        let ready = try h.request(GPIOLineConfig(chip: h.chip, line: .name("WB_READY"), direction: .input))
        defer { release(ready) }
        try h.pull("WB_READY", high: true)
        #expect(try ready.read())
        try h.pull("WB_READY", high: false)
        #expect(try ready.read() == false)
    }

    /// A rising-edge line reports a rising edge, once, and not the falling one.
    static func risingEdgeIsReportedOnce(_ h: some GPIOLineHarness) throws {
        try h.pull("QCA_INT", high: false)
        let interrupt = try h.request(GPIOLineConfig(chip: h.chip, line: .name("QCA_INT"), direction: .events(.rising)))
        defer { release(interrupt) }
        #expect(try interrupt.readEvent() == nil, "no edge yet")
        try h.pull("QCA_INT", high: true)
        try #require(h.waitForEdge(on: interrupt), "the rising edge never arrived")
        let edge = try #require(try interrupt.readEvent())
        #expect(edge.rising)
        #expect(try interrupt.readEvent() == nil, "one edge, one event")
        try h.pull("QCA_INT", high: false)
        #expect(h.noEdge(on: interrupt), "a falling edge is not watched")
        #expect(try interrupt.readEvent() == nil)
    }

    /// A both-edges line reports rising then falling, in order, with non-decreasing timestamps.
    static func bothEdgesInOrder(_ h: some GPIOLineHarness) throws {
        try h.pull("SPARE", high: false)
        let line = try h.request(GPIOLineConfig(chip: h.chip, line: .name("SPARE"), direction: .events(.both)))
        defer { release(line) }
        try h.pull("SPARE", high: true)
        try #require(h.waitForEdge(on: line))
        let up = try #require(try line.readEvent())
        try h.pull("SPARE", high: false)
        try #require(h.waitForEdge(on: line))
        let down = try #require(try line.readEvent())
        #expect(up.rising && !down.rising)
        #expect(up.timestamp <= down.timestamp)
    }

    /// Driving an input is refused: `.notOutput`, kind `.invalidArgument`.
    static func writingAnInputIsRefused(_ h: some GPIOLineHarness) throws {
        let ready = try h.request(GPIOLineConfig(chip: h.chip, line: .name("WB_READY"), direction: .input))
        defer { release(ready) }
        let error = #expect(throws: GPIOError.self) { try ready.write(true) }
        #expect(error == .notOutput("\(h.chip):WB_READY"))
        #expect(error?.kind == .invalidArgument)
    }

    /// A released line answers `.closed`, kind `.disconnected`.
    static func releasedLineIsClosed(_ h: some GPIOLineHarness) throws {
        let relay = try h.request(GPIOLineConfig(chip: h.chip, line: .name("RELAY_K2"), direction: .output(initial: false)))
        release(relay)
        let error = #expect(throws: GPIOError.self) { _ = try relay.read() }
        #expect(error == .closed("\(h.chip):RELAY_K2"))
        #expect(error?.kind == .disconnected)
    }

    /// Releases through whichever type the harness returned (release is not part of the protocol).
    static func release(_ line: any GPIOLine) {
        if let l = line as? LinuxGPIOLine { l.release() }
        if let l = line as? SimulatedGPIOLine { l.release() }
    }
}
