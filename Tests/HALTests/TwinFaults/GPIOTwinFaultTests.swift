import HAL
import SystemPackage
import Testing

/// The faults a `SimulatedGPIOLine` can play and what each yields.
@Suite("GPIO twin faults: read/write errors, a vanished chip, a released line")
struct GPIOTwinFaultTests {
    let relay = SimulatedGPIOLine(GPIOLineConfig(chip: "pinctrl-bcm2711", line: .offset(17), direction: .output(initial: false)))
    let interrupt = SimulatedGPIOLine(GPIOLineConfig(chip: "pinctrl-bcm2711", line: .offset(25), direction: .events(.rising)))

    @Test("a read error once: .read with the errno, kind from it; then reads work")
    func readError() throws {
        relay.backend.failNextRead = .ioError
        let error = #expect(throws: GPIOError.self) { _ = try relay.read() }
        #expect(error == .read("pinctrl-bcm2711:17", errno: .ioError))
        #expect(error?.kind == .io)
        #expect(try relay.read() == false)
    }

    @Test("a write error once: .write, and the level is not changed; the write count shows what was commanded")
    func writeError() throws {
        relay.backend.failNextWrite = .ioError
        #expect(throws: GPIOError.write("pinctrl-bcm2711:17", errno: .ioError)) { try relay.write(true) }
        #expect(relay.backend.level == false)
        try relay.write(true)
        try relay.write(true)
        #expect(relay.backend.level)
        #expect(relay.backend.writeCount == 2)
    }

    @Test("a vanished chip: each call fails as itself with ENODEV, kind .disconnected")
    func vanished() {
        relay.backend.vanished = true
        interrupt.backend.vanished = true
        let read = #expect(throws: GPIOError.self) { _ = try relay.read() }
        #expect(read == .read("pinctrl-bcm2711:17", errno: .operationNotSupportedByDevice))
        #expect(read?.kind == .disconnected)
        #expect(throws: GPIOError.write("pinctrl-bcm2711:17", errno: .operationNotSupportedByDevice)) { try relay.write(true) }
        let event = #expect(throws: GPIOError.self) { _ = try interrupt.readEvent() }
        #expect(event == .event("pinctrl-bcm2711:25", errno: .operationNotSupportedByDevice))
        #expect(event?.kind == .disconnected)
    }

    @Test("edges beyond the 64-event queue overwrite the oldest, as a slow reader of the kernel's queue would lose them")
    func eventOverflow() throws {
        for _ in 0..<70 {
            interrupt.backend.drive(true)
            interrupt.backend.drive(false)
        }
        var count = 0
        while try interrupt.readEvent() != nil { count += 1 }
        #expect(count == 64)
    }
}
