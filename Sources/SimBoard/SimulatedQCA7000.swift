import Buffers
import Drivers
import ControlLoop
import HAL

/// A model of the QCA7000's SPI slave for tests and the `sim` board (qca7000-spi.md §2–6): register
/// file, read and write buffers with the chip's framing, the interrupt line, and fault injection
/// (spontaneous resets, a garbled signature, corrupt or oversized receive data, buffer errors).
///
/// It answers through a `SimulatedSPIDevice` (one `respond` call per segment; a 2-byte command
/// segment followed by a data segment is one burst) and drives a `SimulatedGPIOLine` as the
/// interrupt: high while any enabled cause (or CPU_ON) is pending. Frames the host writes appear in
/// `transmitted`; `deliver` puts a frame from the powerline into the read buffer. Allocation-free
/// after `init`.
public final class SimulatedQCA7000 {
    /// The SPI twin the chip answers through. The twin's backend owns the chip's state (`model`);
    /// the state never refers back to the twin, so a twin, its chip and whoever holds them form no
    /// cycle and all go when the last holder lets go (the soak benchmark's per-session leak, issue 18).
    public let device: SimulatedSPIDevice
    let model: SimulatedQCA7000Model

    /// A chip behind `path` with its interrupt on a rising-edge line, powered up (CPU_ON pending).
    public convenience init(path: String = "/dev/spidev0.0", clock: (any MonotonicClock)? = nil) {
        self.init(device: SimulatedSPIDevice(path: path, config: QCA7000Driver.spiConfiguration()),
                  interruptLine: SimulatedGPIOLine(GPIOLineConfig(chip: "gpiochip0", line: .offset(23), direction: .events(.rising),
                                                                  consumer: "qca7000-int"), clock: clock))
    }

    /// The chip behind an existing SPI twin (a board's `plc-modem`), powered up. The twin keeps the
    /// chip's state alive on its own (a board's factory, and with it this object, may be gone while
    /// a driver still uses the twin).
    public init(device: SimulatedSPIDevice, interruptLine: SimulatedGPIOLine?) {
        self.device = device
        let model = SimulatedQCA7000Model(interruptLine: interruptLine)
        self.model = model
        device.backend.respond = { tx, rx in model.respond(tx, rx) }
    }

    /// The interrupt output, when one is attached (a board twin may open it after the SPI device).
    public var interruptLine: SimulatedGPIOLine? { model.interruptLine }
    /// Frames the host sent (what goes out on the powerline).
    public var transmitted: FrameQueue { model.transmitted }

    // Register file.
    public var spiConfig: UInt16 { model.spiConfig }
    public var cause: UInt16 { model.cause }
    public var enable: UInt16 { model.enable }
    public var bufferSize: UInt16 { model.bufferSize }
    /// Soft resets the host requested, and every boot.
    public var resets: Int { model.resets }
    /// Host writes whose framing was wrong (WRBUF_ERR raised).
    public var badWrites: Int { model.badWrites }
    /// External reads longer than the data held (RDBUF_ERR raised).
    public var overreads: Int { model.overreads }

    // Fault injection.
    /// SIGNATURE reads return this instead of 0xAA55 while set (a garbled or absent link).
    public var brokenSignature: UInt16? {
        get { model.brokenSignature }
        set { model.brokenSignature = newValue }
    }
    /// WRBUF_SPC_AVA reads return this while set (implausible values, a full chip buffer).
    public var writeSpaceOverride: UInt16? {
        get { model.writeSpaceOverride }
        set { model.writeSpaceOverride = newValue }
    }
    /// RDBUF_BYTE_AVA reads return this while set.
    public var readAvailableOverride: UInt16? {
        get { model.readAvailableOverride }
        set { model.readAvailableOverride = newValue }
    }
    /// Takes the soft-reset bit but never reboots (no CPU_ON: the driver's reset timeout).
    public var ignoresSoftReset: Bool {
        get { model.ignoresSoftReset }
        set { model.ignoresSoftReset = newValue }
    }

    /// Connects the interrupt output to a line twin (the board's `plc-interrupt`).
    public func attachInterrupt(_ line: SimulatedGPIOLine) { model.attachInterrupt(line) }

    /// A spontaneous reset (brown-out, firmware crash): buffers lost, CPU_ON raised.
    public func reset() { model.reset() }

    /// A frame arriving from the powerline: `LEN | SOF | FL | RSVD | frame | EOF` into the read buffer.
    @discardableResult
    public func deliver(_ frame: borrowing RawSpan) -> Bool { model.deliver(frame) }

    /// Raw bytes into the read buffer (garbage, a frame with a broken tail or length…).
    public func deliverRaw(_ bytes: borrowing RawSpan) { model.deliverRaw(bytes) }

    /// Raises interrupt causes (RDBUF_ERR, WRBUF_ERR…).
    public func raise(_ interrupts: QCA7000SPI.Interrupts) { model.raise(interrupts) }

    /// Moves frames between this chip and a link standing for its powerline side (for example the
    /// host port of a `PLCModemStandIn`, which then plays the modem firmware).
    public func exchange(with link: any EthernetLink, scratch: FrameBuffer) { model.exchange(with: link, scratch: scratch) }
}

/// The state and logic of a `SimulatedQCA7000`: owned by the SPI twin's backend (its `respond`) and
/// by the `SimulatedQCA7000` in front of it; it holds neither.
final class SimulatedQCA7000Model {
    private(set) var interruptLine: SimulatedGPIOLine?
    let transmitted = FrameQueue(slots: 64, maxFrameLength: QCA7000SPI.maximumFrameLength)
    private(set) var spiConfig: UInt16 = 0
    private(set) var cause: UInt16 = 0
    private(set) var enable: UInt16 = 0
    private(set) var bufferSize: UInt16 = 0
    private(set) var resets = 0
    private(set) var badWrites = 0
    private(set) var overreads = 0
    var brokenSignature: UInt16?
    var writeSpaceOverride: UInt16?
    var readAvailableOverride: UInt16?
    var ignoresSoftReset = false
    private let readBuffer = ByteQueue(capacity: 8192)
    private let staging = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
    private var stagingCount = 0
    private enum Pending { case none, registerRead(UInt16), registerWrite(UInt16), externalRead(Int), externalWrite(Int) }
    private var pending = Pending.none

    init(interruptLine: SimulatedGPIOLine?) {
        self.interruptLine = interruptLine
        boot()
    }

    /// Connects the interrupt output to a line twin (the board's `plc-interrupt`).
    func attachInterrupt(_ line: SimulatedGPIOLine) {
        interruptLine = line
        updateLine()
    }

    deinit { staging.deallocate() }

    // MARK: - Fault injection and the powerline side

    /// A spontaneous reset (brown-out, firmware crash): buffers lost, CPU_ON raised.
    func reset() { boot() }

    /// A frame arriving from the powerline: `LEN | SOF | FL | RSVD | frame | EOF` into the read buffer.
    @discardableResult
    func deliver(_ frame: borrowing RawSpan) -> Bool {
        let fl = max(frame.byteCount, QCA7000SPI.minimumFrameLength)
        guard readBuffer.freeCount >= fl + QCA7000SPI.receiveFramingOverhead else { return false }
        let framed = fl + QCA7000SPI.transmitFramingOverhead
        push32(UInt32(framed))
        for _ in 0..<4 { readBuffer.push(QCA7000SPI.startOfFrame) }
        readBuffer.push(UInt8(truncatingIfNeeded: fl))
        readBuffer.push(UInt8(truncatingIfNeeded: fl >> 8))
        readBuffer.push(0)
        readBuffer.push(0)
        var i = 0
        while i < fl {
            readBuffer.push(i < frame.byteCount ? frame.unsafeLoad(fromByteOffset: i, as: UInt8.self) : 0)
            i += 1
        }
        readBuffer.push(QCA7000SPI.endOfFrame)
        readBuffer.push(QCA7000SPI.endOfFrame)
        raise(.packetAvailable)
        return true
    }

    /// Raw bytes into the read buffer (garbage, a frame with a broken tail or length…).
    func deliverRaw(_ bytes: borrowing RawSpan) {
        readBuffer.push(bytes)
        raise(.packetAvailable)
    }

    /// Raises interrupt causes (RDBUF_ERR, WRBUF_ERR…).
    func raise(_ interrupts: QCA7000SPI.Interrupts) {
        cause |= interrupts.rawValue
        updateLine()
    }

    /// Moves frames between this chip and a link standing for its powerline side (for example the
    /// host port of a `PLCModemStandIn`, which then plays the modem firmware).
    func exchange(with link: any EthernetLink, scratch: FrameBuffer) {
        let out = transmitted
        while !out.isEmpty {
            guard (try? link.send(out.front)) == true else { break }
            out.dropFront()
        }
        while (try? link.receive(into: scratch)) == true {
            if !deliver(scratch.bytes) { break }
        }
    }

    // MARK: - The SPI slave

    private func boot() {
        resets += 1
        readBuffer.removeAll()
        stagingCount = 0
        pending = .none
        enable = 0
        cause = QCA7000SPI.Interrupts.cpuOn.rawValue
        spiConfig &= ~QCA7000SPI.slaveReset
        updateLine()
    }

    private func updateLine() {
        let level = cause & (enable | QCA7000SPI.Interrupts.cpuOn.rawValue) != 0
        interruptLine?.backend.drive(level)
    }

    func respond(_ tx: UnsafeRawBufferPointer, _ rx: UnsafeMutableRawBufferPointer) {
        rx.initializeMemory(as: UInt8.self, repeating: 0)
        switch pending {
        case .registerRead(let register):
            pending = .none
            store(read(register), rx, at: 0)
            return
        case .registerWrite(let register):
            pending = .none
            if tx.count >= 2 { write(register, UInt16(tx[0]) << 8 | UInt16(tx[1])) }
            return
        case .externalRead(let n):
            pending = .none
            externalRead(rx, requested: n)
            return
        case .externalWrite(let n):
            pending = .none
            externalWrite(UnsafeRawBufferPointer(rebasing: tx[0..<min(tx.count, n)]))
            return
        case .none:
            break
        }
        guard tx.count >= 2 else { return }
        let command = UInt16(tx[0]) << 8 | UInt16(tx[1])
        let isRead = command & QCA7000SPI.readBit != 0
        if command & QCA7000SPI.internalBit != 0 {
            let register = command & 0x3FFF
            if tx.count >= 4 {
                if isRead { store(read(register), rx, at: 2) } else { write(register, UInt16(tx[2]) << 8 | UInt16(tx[3])) }
            } else {
                pending = isRead ? .registerRead(register) : .registerWrite(register)
            }
            return
        }
        let n = Int(bufferSize)
        if tx.count == 2 {
            pending = isRead ? .externalRead(n) : .externalWrite(n)
        } else if isRead {
            externalRead(UnsafeMutableRawBufferPointer(rebasing: rx[2...]), requested: n)
        } else {
            externalWrite(UnsafeRawBufferPointer(rebasing: tx[2..<min(tx.count, 2 + n)]))
        }
    }

    private func read(_ register: UInt16) -> UInt16 {
        switch QCA7000SPI.Register(rawValue: register) {
        case .signature: brokenSignature ?? QCA7000SPI.signature
        case .writeBufferSpaceAvailable: writeSpaceOverride ?? UInt16(QCA7000SPI.writeBufferSize)
        case .readBufferBytesAvailable: readAvailableOverride ?? UInt16(min(readBuffer.count, 0xFFFF))
        case .spiConfig: spiConfig
        case .interruptCause: cause
        case .interruptEnable: enable
        case .bufferSize: bufferSize
        default: 0
        }
    }

    private func write(_ register: UInt16, _ value: UInt16) {
        switch QCA7000SPI.Register(rawValue: register) {
        case .spiConfig:
            spiConfig = value & ~QCA7000SPI.slaveReset
            if value & QCA7000SPI.slaveReset != 0, !ignoresSoftReset { boot() }
        case .interruptCause:
            cause &= ~value
            if !readBuffer.isEmpty { cause |= QCA7000SPI.Interrupts.packetAvailable.rawValue }
            updateLine()
        case .interruptEnable:
            enable = value
            updateLine()
        case .bufferSize:
            bufferSize = value
        default:
            break
        }
    }

    private func externalRead(_ rx: UnsafeMutableRawBufferPointer, requested: Int) {
        let n = min(rx.count, requested)
        if n > readBuffer.count {
            overreads += 1
            raise(.readBufferError)
        }
        var i = 0
        while i < n, let b = readBuffer.pop() {
            rx[i] = b
            i += 1
        }
    }

    /// Takes one framed frame (`SOF | FL | RSVD | frame | EOF`, §5.1) from the host.
    private func externalWrite(_ data: UnsafeRawBufferPointer) {
        let n = data.count
        guard n == Int(bufferSize), n >= QCA7000SPI.transmitFramingOverhead + QCA7000SPI.minimumFrameLength,
              data[0] == 0xAA, data[1] == 0xAA, data[2] == 0xAA, data[3] == 0xAA
        else { return badWrite() }
        let fl = Int(data[4]) | Int(data[5]) << 8
        guard fl + QCA7000SPI.transmitFramingOverhead == n, fl <= QCA7000SPI.maximumFrameLength,
              data[8 + fl] == QCA7000SPI.endOfFrame, data[9 + fl] == QCA7000SPI.endOfFrame
        else { return badWrite() }
        let body = UnsafeRawBufferPointer(rebasing: data[8..<(8 + fl)])
        transmitted.push(RawSpan(_unsafeBytes: body))
    }

    private func badWrite() {
        badWrites += 1
        raise(.writeBufferError)
    }

    private func store(_ v: UInt16, _ rx: UnsafeMutableRawBufferPointer, at offset: Int) {
        guard rx.count >= offset + 2 else { return }
        rx[offset] = UInt8(truncatingIfNeeded: v >> 8)
        rx[offset + 1] = UInt8(truncatingIfNeeded: v)
    }

    private func push32(_ v: UInt32) {
        readBuffer.push(UInt8(truncatingIfNeeded: v >> 24))
        readBuffer.push(UInt8(truncatingIfNeeded: v >> 16))
        readBuffer.push(UInt8(truncatingIfNeeded: v >> 8))
        readBuffer.push(UInt8(truncatingIfNeeded: v))
    }
}

/// Moves frames between a simulated chip and the link standing for its powerline side (the host
/// port of a `PLCModemStandIn` playing the firmware), once per tick.
public final class SimulatedQCA7000Bridge: IOSource {
    public let name = "qca7000-chip-model"
    public let chip: SimulatedQCA7000
    public let link: any EthernetLink
    private let scratch = FrameBuffer(capacity: 2048)

    public init(chip: SimulatedQCA7000, link: any EthernetLink) {
        self.chip = chip
        self.link = link
    }

    public var pollDescriptor: Int32? { nil }
    public func pump(_ context: TickContext) { chip.exchange(with: link, scratch: scratch) }
}
