@preconcurrency import CGpiod
import Glibc
import HAL
import SystemPackage
import Testing

/// What the fake libgpiod below saw and will answer. The backend entries are C function pointers and
/// cannot capture, so they share this global; the ShimSeam suite runs one test at a time.
private struct FakeLibgpiod {
    struct Request: Equatable {
        var chip: String
        var offset: Int32
        var lineName: String
        var direction: Int32
        var edge: Int32
        var bias: Int32
        var activeLow: Int32
        var initialValue: Int32
        var consumer: String
    }

    var request: Request?
    var openResult: Int32 = 0
    var value: Int32 = 0
    var getResult: Int32 = 0
    var setResult: Int32 = 0
    var lastSet: Int32?
    var eventFD: Int32 = -1
    var pendingEvents: [ck_gpio_event] = []
    var readEventResult: Int32 = 0
    var closes = 0
    var chipInfoResult: Int32 = 0

    /// Stands in for a `struct ck_gpio_line *`; the fake never dereferences it.
    static var handle: OpaquePointer { OpaquePointer(bitPattern: 0x0C0F_FEE0)! }
}

nonisolated(unsafe) private var fake = FakeLibgpiod()

/// How a GPIO line fails and what `LinuxGPIOLine` makes of it. This host has no GPIO chip, so a missing
/// chip is real; everything else replaces entries of `ck_gpio_backend` (the shim's seam around
/// libgpiod) with a fake library, which also shows exactly what the Swift wrapper asks libgpiod for.
extension ShimSeam {
    @Suite("GPIO shim: libgpiod failures become typed GPIOErrors naming chip and line")
    struct GPIOShimErrorTests {
        static let relay = GPIOLineConfig(chip: "hil-gpio", line: .name("RELAY_K1"), direction: .output(initial: false))
        static let qcaInterrupt = GPIOLineConfig(chip: "hil-gpio", line: .name("QCA_INT"), direction: .events(.rising))

        /// Runs `body` with every backend entry replaced by the fake, starting from a clean fake.
        private func withFakeLibgpiod<R>(_ body: () throws -> R) rethrows -> R {
            fake = FakeLibgpiod()
            return try LibraryBackends.withGPIO({ b in
                b.open = { config, out in
                    guard let c = config?.pointee else { return -EINVAL }
                    fake.request = .init(chip: String(cString: c.chip), offset: c.offset,
                                         lineName: c.line_name.map { String(cString: $0) } ?? "",
                                         direction: c.direction, edge: c.edge, bias: c.bias, activeLow: c.active_low,
                                         initialValue: c.initial_value, consumer: String(cString: c.consumer))
                    if fake.openResult < 0 { return fake.openResult }
                    out?.pointee = FakeLibgpiod.handle
                    return 0
                }
                b.close = { _ in
                    fake.closes += 1
                    return 0
                }
                b.get = { _, value in
                    if fake.getResult < 0 { return fake.getResult }
                    value?.pointee = fake.value
                    return 0
                }
                b.set = { _, value in
                    if fake.setResult < 0 { return fake.setResult }
                    fake.lastSet = value
                    return 0
                }
                b.event_fd = { _ in fake.eventFD }
                b.read_event = { _, event in
                    if fake.readEventResult < 0 { return fake.readEventResult }
                    guard !fake.pendingEvents.isEmpty else { return 0 }
                    event?.pointee = fake.pendingEvents.removeFirst()
                    return 1
                }
                b.chip_info = { chip, info in
                    if fake.chipInfoResult < 0 { return fake.chipInfoResult }
                    guard let info else { return -EINVAL }
                    info.pointee = ck_gpio_chip_info()
                    withUnsafeMutableBytes(of: &info.pointee.name) { _ = strcpy($0.baseAddress!.assumingMemoryBound(to: CChar.self), "gpiochip0") }
                    withUnsafeMutableBytes(of: &info.pointee.label) { _ = strcpy($0.baseAddress!.assumingMemoryBound(to: CChar.self), "hil-gpio") }
                    info.pointee.lines = 8
                    return 0
                }
            }, body)
        }

        // MARK: real absent chips

        @Test("a chip that does not exist: .open(ENOENT), kind .absent, with the gpiodetect hint")
        func absentChip() {
            let config = GPIOLineConfig(chip: "nope", line: .name("RELAY_K1"), direction: .output(initial: false))
            let error = #expect(throws: GPIOError.self) { try LinuxGPIOLine(config) }
            #expect(error == .open("nope:RELAY_K1", errno: .noSuchFileOrDirectory))
            #expect(error?.kind == .absent)
            #expect(error?.description == "cannot request GPIO line nope:RELAY_K1: No such file or directory — no such GPIO chip or line name (gpiodetect and gpioinfo list them)")
            #expect(throws: GPIOError.open("nope", errno: .noSuchFileOrDirectory)) { try LinuxGPIOLine.chipInfo("nope") }
        }

        @Test("gpiochip0 by name or path, absent on this host, reads the same way", arguments: ["gpiochip0", "/dev/gpiochip0", "0"])
        func absentStandardChip(_ chip: String) {
            let config = GPIOLineConfig(chip: chip, line: .offset(17), direction: .input)
            let error = #expect(throws: GPIOError.self) { try LinuxGPIOLine(config) }
            #expect(error?.kind == .absent)
        }

        @Test("an empty line name is refused by the shim before libgpiod is asked: EINVAL, kind .invalidArgument")
        func emptyLineName() {
            let config = GPIOLineConfig(chip: "nope", line: .name(""), direction: .input)
            let error = #expect(throws: GPIOError.self) { try LinuxGPIOLine(config) }
            #expect(error == .open("nope:", errno: .invalidArgument))
            #expect(error?.description.hasSuffix("— line offset beyond the chip, or a setting the chip cannot do") == true)
        }

        @Test("the shim checks direction, bias and edge itself")
        func shimArgumentChecks() {
            var c = ck_gpio_config()
            var line: OpaquePointer?
            "nope".withCString { chip in
                c.chip = chip
                c.offset = 0
                c.direction = 7
                #expect(ck_gpio_open(&c, &line) == -EINVAL)
                c.direction = Int32(CK_GPIO_INPUT)
                c.bias = 9
                #expect(ck_gpio_open(&c, &line) == -EINVAL)
                c.bias = 0
                c.offset = -1
                c.line_name = nil
                #expect(ck_gpio_open(&c, &line) == -EINVAL)
            }
            #expect(ck_gpio_open(nil, &line) == -EINVAL)
            #expect(ck_gpio_close(nil) == 0, "closing nothing is fine")
            #expect(ck_gpio_chip_info(nil, nil) == -EINVAL)
        }

        // MARK: what the wrapper asks for

        @Test("the request handed to libgpiod matches the line config",
              arguments: [
                (GPIOLineConfig(chip: "hil-gpio", line: .name("RELAY_K1"), direction: .output(initial: true), consumer: "contactor"),
                 FakeLibgpiodRequestExpectation(offset: -1, name: "RELAY_K1", direction: CK_GPIO_OUTPUT, edge: 0, bias: CK_GPIO_BIAS_AS_IS, activeLow: 0, initial: 1, consumer: "contactor")),
                (GPIOLineConfig(chip: "gpiochip0", line: .offset(23), direction: .input, bias: .pullUp, activeLow: true),
                 FakeLibgpiodRequestExpectation(offset: 23, name: "", direction: CK_GPIO_INPUT, edge: 0, bias: CK_GPIO_BIAS_PULL_UP, activeLow: 1, initial: 0, consumer: "chargekit")),
                (GPIOLineConfig(chip: "hil-gpio", line: .name("QCA_INT"), direction: .events(.falling), bias: .pullDown),
                 FakeLibgpiodRequestExpectation(offset: -1, name: "QCA_INT", direction: CK_GPIO_EVENTS, edge: CK_GPIO_EDGE_FALLING, bias: CK_GPIO_BIAS_PULL_DOWN, activeLow: 0, initial: 0, consumer: "chargekit")),
                (GPIOLineConfig(chip: "hil-gpio", line: .offset(5), direction: .events(.both), bias: .disabled),
                 FakeLibgpiodRequestExpectation(offset: 5, name: "", direction: CK_GPIO_EVENTS, edge: CK_GPIO_EDGE_BOTH, bias: CK_GPIO_BIAS_DISABLED, activeLow: 0, initial: 0, consumer: "chargekit")),
              ])
        func requestMarshalling(_ config: GPIOLineConfig, _ expected: FakeLibgpiodRequestExpectation) throws {
            try withFakeLibgpiod { () throws in
                var pipe: [Int32] = [-1, -1]
                #expect(Glibc.pipe(&pipe) == 0)
                defer { close(pipe[0]); close(pipe[1]) }
                fake.eventFD = pipe[0]
                let line = try LinuxGPIOLine(config)
                let r = try #require(fake.request)
                #expect(r.chip == config.chip)
                #expect(r.offset == expected.offset)
                #expect(r.lineName == expected.name)
                #expect(r.direction == expected.direction)
                #expect(r.edge == expected.edge)
                #expect(r.bias == expected.bias)
                #expect(r.activeLow == expected.activeLow)
                #expect(r.initialValue == expected.initial)
                #expect(r.consumer == expected.consumer)
                #expect(line.pollDescriptor == (expected.direction == CK_GPIO_EVENTS ? pipe[0] : nil))
                line.release()
            }
        }

        // MARK: library failures

        @Test("request refused by libgpiod: the errno picks the kind and the hint",
              arguments: [(Errno.resourceBusy, DeviceErrorKind.busy, "another consumer holds the line (gpioinfo shows which)"),
                          (.permissionDenied, .permissionDenied, "add the user to the gpio group"),
                          (.invalidArgument, .invalidArgument, "line offset beyond the chip, or a setting the chip cannot do"),
                          (.noSuchFileOrDirectory, .absent, "no such GPIO chip or line name (gpiodetect and gpioinfo list them)")])
        func requestRefused(_ errno: Errno, _ kind: DeviceErrorKind, _ hint: String) {
            withFakeLibgpiod {
                fake.openResult = -errno.rawValue
                let error = #expect(throws: GPIOError.self) { try LinuxGPIOLine(Self.relay) }
                #expect(error == .open("hil-gpio:RELAY_K1", errno: errno))
                #expect(error?.kind == kind)
                #expect(error?.description == "cannot request GPIO line hil-gpio:RELAY_K1: \(errno.description) — \(hint)")
                #expect(fake.closes == 0, "nothing was requested, nothing is released")
            }
        }

        @Test("an event line whose descriptor cannot be had is refused and released, not left deaf")
        func eventDescriptorMissing() {
            withFakeLibgpiod {
                fake.eventFD = -EINVAL
                #expect(throws: GPIOError.open("hil-gpio:QCA_INT", errno: .invalidArgument)) { try LinuxGPIOLine(Self.qcaInterrupt) }
                #expect(fake.closes == 1)
            }
        }

        @Test("reading a line fails: EIO is .io; ENODEV (chip removed under the request) .disconnected",
              arguments: [(Errno.ioError, DeviceErrorKind.io), (.operationNotSupportedByDevice, .disconnected)])
        func readFails(_ errno: Errno, _ kind: DeviceErrorKind) throws {
            try withFakeLibgpiod { () throws in
                let line = try LinuxGPIOLine(Self.relay)
                fake.getResult = -errno.rawValue
                let error = #expect(throws: GPIOError.self) { _ = try line.read() }
                #expect(error == .read("hil-gpio:RELAY_K1", errno: errno))
                #expect(error?.kind == kind)
                line.release()
            }
        }

        @Test("driving an input is .notOutput (libgpiod EPERM); other drive failures are .write")
        func writeFails() throws {
            try withFakeLibgpiod { () throws in
                let input = try LinuxGPIOLine(GPIOLineConfig(chip: "hil-gpio", line: .name("WB_READY"), direction: .input))
                fake.setResult = -EPERM
                let error = #expect(throws: GPIOError.self) { try input.write(true) }
                #expect(error == .notOutput("hil-gpio:WB_READY"))
                #expect(error?.kind == .invalidArgument)
                #expect(error?.description == "cannot drive GPIO line hil-gpio:WB_READY: it is requested as an input")
                input.release()

                let relay = try LinuxGPIOLine(Self.relay)
                fake.setResult = -EIO
                #expect(throws: GPIOError.write("hil-gpio:RELAY_K1", errno: .ioError)) { try relay.write(true) }
                fake.setResult = 0
                try relay.write(true)
                #expect(fake.lastSet == 1)
                try relay.write(false)
                #expect(fake.lastSet == 0)
                relay.release()
            }
        }

        @Test("edges come through with direction and kernel timestamp; none waiting is nil; a failure is .event")
        func events() throws {
            try withFakeLibgpiod { () throws in
                var pipe: [Int32] = [-1, -1]
                #expect(Glibc.pipe(&pipe) == 0)
                defer { close(pipe[0]); close(pipe[1]) }
                fake.eventFD = pipe[0]
                let line = try LinuxGPIOLine(Self.qcaInterrupt)
                #expect(try line.readEvent() == nil)
                fake.pendingEvents = [ck_gpio_event(rising: 1, timestamp_ns: 5_000_000_123), ck_gpio_event(rising: 0, timestamp_ns: 6_000_000_000)]
                #expect(try line.readEvent() == GPIOEdgeEvent(rising: true, timestamp: MonotonicInstant(nanoseconds: 5_000_000_123)))
                #expect(try line.readEvent() == GPIOEdgeEvent(rising: false, timestamp: MonotonicInstant(nanoseconds: 6_000_000_000)))
                #expect(try line.readEvent() == nil)
                fake.readEventResult = -EIO
                let error = #expect(throws: GPIOError.self) { _ = try line.readEvent() }
                #expect(error == .event("hil-gpio:QCA_INT", errno: .ioError))
                #expect(error?.description == "cannot read edge events of hil-gpio:QCA_INT: Input/output error")
                line.release()
            }
        }

        @Test("a released line: every call is .closed, kind .disconnected; releasing twice releases once")
        func released() throws {
            try withFakeLibgpiod { () throws in
                let line = try LinuxGPIOLine(Self.relay)
                line.release()
                line.release()
                #expect(fake.closes == 1)
                let error = #expect(throws: GPIOError.self) { _ = try line.read() }
                #expect(error == .closed("hil-gpio:RELAY_K1"))
                #expect(error?.kind == .disconnected)
                #expect(throws: GPIOError.closed("hil-gpio:RELAY_K1")) { try line.write(true) }
                #expect(throws: GPIOError.closed("hil-gpio:RELAY_K1")) { _ = try line.readEvent() }
                #expect(line.pollDescriptor == nil)
                #expect(line.offset == nil)
            }
        }

        @Test("chip info comes from the library; a failure is .open naming the chip")
        func chipInfo() throws {
            try withFakeLibgpiod { () throws in
                let info = try LinuxGPIOLine.chipInfo("hil-gpio")
                #expect(info.name == "gpiochip0")
                #expect(info.label == "hil-gpio")
                #expect(info.lines == 8)
                fake.chipInfoResult = -EACCES
                let error = #expect(throws: GPIOError.self) { _ = try LinuxGPIOLine.chipInfo("hil-gpio") }
                #expect(error == .open("hil-gpio", errno: .permissionDenied))
                #expect(error?.kind == .permissionDenied)
            }
        }

        @Test("this build uses the libgpiod v1 code path (Debian 12 ships 1.6)")
        func libgpiodVersion() {
            #expect(ck_gpio_libgpiod_v2() == 0)
        }
    }
}

/// The expected C request for one line config (see `requestMarshalling`).
struct FakeLibgpiodRequestExpectation: Sendable {
    var offset: Int32
    var name: String
    var direction: Int32
    var edge: Int32
    var bias: Int32
    var activeLow: Int32
    var initial: Int32
    var consumer: String

    init(offset: Int32, name: String, direction: Int32, edge: Int32, bias: Int32, activeLow: Int32, initial: Int32, consumer: String) {
        self.offset = offset
        self.name = name
        self.direction = direction
        self.edge = edge
        self.bias = bias
        self.activeLow = activeLow
        self.initial = initial
        self.consumer = consumer
    }
}
