import Glibc
import HAL
import SystemPackage
import Testing
import TestSupport

/// `LinuxGPIOLine` on gpio-sim as a `GPIOLineHarness`: the far side is `hil-gpio`.
final class LinuxGPIOHarness: GPIOLineHarness {
    let chip = HIL.gpioChip
    func request(_ config: GPIOLineConfig) throws -> any GPIOLine { try LinuxGPIOLine(config) }
    func pull(_ line: String, high: Bool) throws { try HIL.pull(line, high: high) }
    func observed(_ line: String) throws -> Bool { try HIL.driven(line) }
    // gpio-sim raises its interrupt from irq_work: the edge is queued shortly after the pull returns.
    func waitForEdge(on line: any GPIOLine) -> Bool { Readiness.readable(line.pollDescriptor!) }
    func noEdge(on line: any GPIOLine) -> Bool { Readiness.staysQuiet(line.pollDescriptor!, for: .milliseconds(300)) }
}

/// libgpiod v1.6 (CGpiod) and `LinuxGPIOLine` on the VM's gpio-sim chip "hil-gpio" (8 named lines).
/// Serialized: the tests share the chip's lines.
@Suite("HILKernel GPIO: libgpiod on gpio-sim", .serialized, HIL.onlyInVM, .required("hil-kernel"))
struct HILKernelGPIOTests {
    @Test("contract: outputs, inputs, rising and both edges, refused writes, released lines")
    func contract() throws {
        let h = LinuxGPIOHarness()
        try GPIOLineContract.outputDrivesTheWorld(h)
        try GPIOLineContract.inputFollowsTheWorld(h)
        try GPIOLineContract.risingEdgeIsReportedOnce(h)
        try GPIOLineContract.bothEdgesInOrder(h)
        try GPIOLineContract.writingAnInputIsRefused(h)
        try GPIOLineContract.releasedLineIsClosed(h)
    }

    @Test("edge: the event descriptor becomes readable after a pull-up and readEvent() returns a rising edge stamped on CLOCK_MONOTONIC")
    func risingEdgeTimestamp() throws {
        try HIL.pull("QCA_INT", high: false)
        let line = try LinuxGPIOLine(GPIOLineConfig(chip: HIL.gpioChip, line: .name("QCA_INT"), direction: .events(.rising)))
        defer { line.release() }
        let clock = SystemMonotonicClock()
        let before = clock.now()
        try HIL.pull("QCA_INT", high: true)
        #expect(Readiness.readable(line.pollDescriptor!))
        let edge = try #require(try line.readEvent())
        #expect(edge.rising)
        #expect(edge.timestamp >= before && edge.timestamp <= clock.now(), "same clock as SystemMonotonicClock")
        try HIL.pull("QCA_INT", high: false)
    }

    @Test("a line already held: .open(EBUSY), kind .busy, with the gpioinfo hint")
    func busy() throws {
        let config = GPIOLineConfig(chip: HIL.gpioChip, line: .name("RELAY_K2"), direction: .output(initial: false))
        let first = try LinuxGPIOLine(config)
        defer { first.release() }
        let error = #expect(throws: GPIOError.self) { try LinuxGPIOLine(config) }
        #expect(error == .open("hil-gpio:RELAY_K2", errno: .resourceBusy))
        #expect(error?.kind == .busy)
        #expect(error?.description == "cannot request GPIO line hil-gpio:RELAY_K2: Device or resource busy — another consumer holds the line (gpioinfo shows which)")
    }

    @Test("active-low: logical 1 drives the pin low")
    func activeLow() throws {
        let line = try LinuxGPIOLine(GPIOLineConfig(chip: HIL.gpioChip, line: .name("QCA_RST"), direction: .output(initial: false), activeLow: true))
        defer { line.release() }
        #expect(try HIL.driven("QCA_RST"), "logical 0 is electrical high")
        try line.write(true)
        #expect(try HIL.driven("QCA_RST") == false)
        #expect(try line.read())
    }

    @Test("lines by name and by offset are the same line; the chip reports its label and 8 lines")
    func namesAndOffsets() throws {
        let byName = try LinuxGPIOLine(GPIOLineConfig(chip: HIL.gpioChip, line: .name("WB_DATA"), direction: .input))
        #expect(byName.offset == 5)
        byName.release()
        let byOffset = try LinuxGPIOLine(GPIOLineConfig(chip: HIL.gpioChip, line: .offset(5), direction: .input))
        byOffset.release()
        let info = try LinuxGPIOLine.chipInfo(HIL.gpioChip)
        #expect(info.label == "hil-gpio")
        #expect(info.lines == 8)
        #expect(info.name.hasPrefix("gpiochip"))
    }

    @Test("a line name the chip does not have is .absent; an offset beyond it .invalidArgument")
    func wrongLines() throws {
        let name = #expect(throws: GPIOError.self) { try LinuxGPIOLine(GPIOLineConfig(chip: HIL.gpioChip, line: .name("NOPE"), direction: .input)) }
        #expect(name == .open("hil-gpio:NOPE", errno: .noSuchFileOrDirectory))
        #expect(name?.kind == .absent)
        let offset = #expect(throws: GPIOError.self) { try LinuxGPIOLine(GPIOLineConfig(chip: HIL.gpioChip, line: .offset(99), direction: .input)) }
        #expect(offset == .open("hil-gpio:99", errno: .invalidArgument))
        #expect(offset?.kind == .invalidArgument)
        #expect(#expect(throws: GPIOError.self) { try LinuxGPIOLine(GPIOLineConfig(chip: "nope", line: .offset(0), direction: .input)) }?.kind == .absent)
    }
}
