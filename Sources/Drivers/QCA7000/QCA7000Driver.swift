import Buffers
import ControlLoop
import HAL

/// A user-space driver for the QCA7000 powerline modem on spidev, for boards without the `qcaspi`
/// kernel driver (qca7000-spi.md §6, §10). It is an `EthernetLink`, so SLAC and V2G do not know
/// which path carries their frames, and an `IOSource` the tick loop drives: the interrupt line's edge
/// events (GPIO) wake it, a periodic poll covers a missed edge, and all SPI traffic happens in
/// `service`/`pump`, never in a controller.
///
/// Sync state machine after the Linux driver (§6.2): unknown → (signature good) soft reset →
/// waiting for CPU_ON → (signature and empty write buffer) ready. While not ready the carrier is
/// down and queued frames are dropped. A CPU_ON while ready is a chip reset; RDBUF_ERR/WRBUF_ERR, a
/// bad signature, implausible buffer registers or a failed transfer force a resync.
public final class QCA7000Driver: EthernetLink, IOSource {
    public let name: String
    public let interface: String
    public let macAddress: MACAddress
    public let spi: any SPIDevice
    public let interruptLine: (any GPIOLine)?
    public var configuration: Configuration

    public struct Configuration: Sendable {
        /// Poll INTR_CAUSE this often even without an edge (an edge-triggered, level-held line hides a
        /// missed edge until the causes are acknowledged, §6.3). Default: every tick without a line.
        public var pollInterval: Nanoseconds
        /// Pause between resync steps (Linux sleeps 1 s per loop iteration while not ready).
        public var resyncInterval = Nanoseconds.milliseconds(100)
        /// Resync steps without CPU_ON before the reset counts as timed out (Linux: 10).
        public var resetTimeoutSteps = 10
        /// Check the signature while ready this often (a vanished or garbled link).
        public var signatureCheckInterval = Nanoseconds.seconds(1)
        /// Frames queued for transmission (Linux: a 10-entry ring).
        public var transmitSlots = 10
        public var receiveSlots = 32
        public init(pollInterval: Nanoseconds = .milliseconds(1)) { self.pollInterval = pollInterval }
    }

    public enum SyncState: Sendable, Equatable {
        case unknown
        /// Soft reset issued; waiting for CPU_ON (steps taken).
        case reset(Int)
        case ready
    }

    /// The counters the Linux driver keeps in debugfs, and ours.
    public struct Statistics: Sendable, Equatable {
        public var triggeredResets = 0
        /// CPU_ON seen: the chip (re)booted.
        public var chipResets = 0
        public var resetTimeouts = 0
        public var badSignatures = 0
        public var readBufferErrors = 0
        public var writeBufferErrors = 0
        /// RDBUF_BYTE_AVA or WRBUF_SPC_AVA beyond what the chip can hold.
        public var implausibleBuffers = 0
        /// A frame waited for write-buffer space.
        public var writeBufferMisses = 0
        public var spiErrors = 0
        public var framesReceived = 0
        public var framesSent = 0
        /// Frames dropped because the link was not ready or the queue full.
        public var framesDropped = 0
        public var receiveFramingErrors = 0
        public var interruptEdges = 0
    }

    public private(set) var state = SyncState.unknown
    public private(set) var statistics = Statistics()
    public private(set) var lastSPIError: SPIError?
    public private(set) var lastGPIOError: GPIOError?
    /// The interrupt line's descriptor failed (POLLHUP/POLLERR/POLLNVAL or a failing event read on a
    /// wake-up without edges): it is out of the poll set and INTR_CAUSE is polled every tick until an
    /// edge is read again.
    public private(set) var interruptLineSuspended = false

    private let transmitQueue: FrameQueue
    private let receiveQueue: FrameQueue
    private var decoder = QCA7000Framing.Decoder()
    /// Holds a whole external read (RDBUF_BYTE_AVA ≤ 3167) or one framed frame to write.
    private let bulk = UnsafeMutableRawBufferPointer.allocate(byteCount: QCA7000SPI.maximumReadBufferBytes + 16, alignment: 16)
    private let word = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 16)
    private let answer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 16)
    private let segments = UnsafeMutableBufferPointer<SPISegment>.allocate(capacity: 2)
    private var interruptPending = true // like Linux on open: read INTR_CAUSE once without an edge
    private var nextPoll = MonotonicInstant.zero
    private var nextStep = MonotonicInstant.zero
    private var nextSignatureCheck = MonotonicInstant.zero

    /// - Parameters:
    ///   - spi: the spidev node, configured for mode 3 (`QCA7000Driver.spiConfiguration`).
    ///   - interruptLine: the chip's interrupt GPIO requested for rising edges (nil: poll only).
    ///   - macAddress: the host's MAC on the powerline (the chip has none for its host).
    public init(name: String = "qca7000", spi: any SPIDevice, interruptLine: (any GPIOLine)?, macAddress: MACAddress,
                configuration: Configuration? = nil) {
        self.name = name
        self.spi = spi
        self.interruptLine = interruptLine
        self.macAddress = macAddress
        interface = "qca7000@\(spi.path)"
        self.configuration = configuration ?? Configuration(pollInterval: interruptLine == nil ? .milliseconds(1) : .milliseconds(20))
        transmitQueue = FrameQueue(slots: self.configuration.transmitSlots, maxFrameLength: QCA7000SPI.maximumFrameLength)
        receiveQueue = FrameQueue(slots: self.configuration.receiveSlots, maxFrameLength: QCA7000SPI.maximumFrameLength)
        segments.initialize(repeating: SPISegment(tx: nil, rx: nil, length: 0))
    }

    deinit {
        bulk.deallocate()
        word.deallocate()
        answer.deallocate()
        segments.deallocate()
    }

    /// Mode 3, 8 bits, MSB first, at most 12 MHz (qca7000-spi.md §1, §10).
    public static func spiConfiguration(speedHz: UInt32 = QCA7000SPI.maximumClockHz) -> SPIConfig {
        SPIConfig(mode: .mode3, bitsPerWord: 8, speedHz: min(speedHz, QCA7000SPI.maximumClockHz))
    }

    // MARK: - EthernetLink

    public var pollDescriptor: Int32? { interruptLineSuspended ? nil : interruptLine?.pollDescriptor }

    /// Queues a frame; false while the chip is not ready or the queue is full (try again later).
    public func send(_ frame: RawSpan) throws(EthernetError) -> Bool {
        guard frame.byteCount >= EthernetFrameLayout.headerLength else { throw .frameTooShort(interface, length: frame.byteCount) }
        guard frame.byteCount <= EthernetFrameLayout.maximumLength else { throw .frameTooLong(interface, length: frame.byteCount) }
        guard state == .ready, !transmitQueue.isFull else { return false }
        return transmitQueue.push(frame)
    }

    public func receive(into buffer: FrameBuffer) throws(EthernetError) -> Bool {
        guard let n = receiveQueue.frontLength() else { return false }
        guard n <= buffer.capacity else {
            receiveQueue.dropFront()
            throw .frameTooLong(interface, length: n)
        }
        return receiveQueue.popFront(into: buffer)
    }

    public func linkState() throws(EthernetError) -> EthernetLinkState {
        EthernetLinkState(up: true, carrier: state == .ready, mtu: 1500)
    }

    // MARK: - IOSource

    /// The interrupt line is readable: take its edges and service the chip at once.
    public func service(_ now: MonotonicInstant) { _ = service(now, events: .readable) }

    public func service(_ now: MonotonicInstant, events: PollEvents) -> ServiceOutcome {
        let (taken, failed) = takeEdges()
        if taken == 0, failed || events.isFailure { interruptLineSuspended = true }
        if interruptPending { run(now) }
        return .moved(taken)
    }

    public func pump(_ context: TickContext) {
        let (taken, failed) = takeEdges()
        if interruptLineSuspended {
            if taken > 0, !failed { interruptLineSuspended = false } else { interruptPending = true }
        }
        run(context.now)
    }

    /// Frames the chip delivered that the receive queue had no slot for.
    public var droppedForFullQueue: Int { receiveQueue.droppedFrames }

    /// Reads every waiting edge event; returns how many and whether reading failed.
    private func takeEdges() -> (taken: Int, failed: Bool) {
        guard let line = interruptLine else { return (0, false) }
        var taken = 0
        do throws(GPIOError) {
            while let e = try line.readEvent() {
                taken += 1
                if e.rising {
                    interruptPending = true
                    statistics.interruptEdges &+= 1
                }
            }
        } catch {
            lastGPIOError = error
            return (taken, true)
        }
        return (taken, false)
    }

    /// One pass of the driver: sync state machine, interrupt causes, transmit.
    private func run(_ now: MonotonicInstant) {
        do throws(SPIError) {
            if now >= nextPoll {
                interruptPending = true
                nextPoll = now + configuration.pollInterval
            }
            switch state {
            case .unknown:
                guard now >= nextStep else { return }
                nextStep = now + configuration.resyncInterval
                try resynchronise()
            case .reset(let steps):
                if interruptPending { try awaitBoot() }
                if case .reset = state, now >= nextStep {
                    nextStep = now + configuration.resyncInterval
                    if steps + 1 >= configuration.resetTimeoutSteps {
                        statistics.resetTimeouts &+= 1
                        state = .unknown
                    } else {
                        state = .reset(steps + 1)
                    }
                }
            case .ready:
                if now >= nextSignatureCheck {
                    nextSignatureCheck = now + configuration.signatureCheckInterval
                    try checkSignature()
                }
                if state == .ready, interruptPending { try handleInterrupt() }
                if state == .ready { try transmit() }
            }
        } catch {
            statistics.spiErrors &+= 1
            lastSPIError = error
            goUnknown(now)
        }
    }

    private func goUnknown(_ now: MonotonicInstant) {
        if state == .ready { flushTransmit() }
        state = .unknown
        nextStep = now + configuration.resyncInterval
        decoder.reset()
    }

    private func flushTransmit() {
        statistics.framesDropped &+= transmitQueue.count
        transmitQueue.removeAll()
    }

    // MARK: - Procedures (qca7000-spi.md §6)

    /// UNKNOWN: a good signature → soft reset (SPI_CONFIG bit 6, read-modify-write) → RESET.
    private func resynchronise() throws(SPIError) {
        guard try readRegister(.signature) == QCA7000SPI.signature else {
            statistics.badSignatures &+= 1
            return
        }
        try softReset()
    }

    private func softReset() throws(SPIError) {
        let config = try readRegister(.spiConfig)
        try writeRegister(.spiConfig, config | QCA7000SPI.slaveReset)
        statistics.triggeredResets &+= 1
        if state == .ready { flushTransmit() }
        state = .reset(0)
        decoder.reset()
    }

    /// READY: signature read (twice if the first is bad); still bad → UNKNOWN.
    private func checkSignature() throws(SPIError) {
        if try readRegister(.signature) == QCA7000SPI.signature { return }
        if try readRegister(.signature) == QCA7000SPI.signature { return }
        statistics.badSignatures &+= 1
        flushTransmit()
        state = .unknown
    }

    /// §6.3: mask, read the causes, react, acknowledge exactly those causes, unmask.
    private func handleInterrupt() throws(SPIError) {
        interruptPending = false
        try writeRegister(.interruptEnable, 0)
        let cause = QCA7000SPI.Interrupts(rawValue: try readRegister(.interruptCause))
        if cause.contains(.cpuOn) {
            statistics.chipResets &+= 1
            try chipStarted()
            if state != .ready {
                // Not synchronised: leave the enable mask off; the resync resets the chip anyway.
                try writeRegister(.interruptCause, cause.rawValue)
                return
            }
        }
        if cause.contains(.readBufferError) || cause.contains(.writeBufferError) {
            if cause.contains(.readBufferError) { statistics.readBufferErrors &+= 1 }
            if cause.contains(.writeBufferError) { statistics.writeBufferErrors &+= 1 }
            try softReset() // the reset makes the chip start over; no acknowledge (Linux)
            return
        }
        if cause.contains(.packetAvailable), state == .ready { try receive() }
        try writeRegister(.interruptCause, cause.rawValue)
        try writeRegister(.interruptEnable, QCA7000SPI.Interrupts.enabledSet.rawValue)
    }

    /// RESET: only CPU_ON matters (other causes belong to the chip that is restarting).
    private func awaitBoot() throws(SPIError) {
        interruptPending = false
        let cause = QCA7000SPI.Interrupts(rawValue: try readRegister(.interruptCause))
        guard cause.contains(.cpuOn) else { return }
        statistics.chipResets &+= 1
        try chipStarted()
        try writeRegister(.interruptCause, cause.rawValue)
        if state == .ready { try writeRegister(.interruptEnable, QCA7000SPI.Interrupts.enabledSet.rawValue) }
    }

    /// CPU_ON: signature twice, then an empty write buffer → READY (§6.1, §6.2).
    private func chipStarted() throws(SPIError) {
        _ = try readRegister(.signature) // the first read after a reset may be garbage
        guard try readRegister(.signature) == QCA7000SPI.signature else {
            statistics.badSignatures &+= 1
            if state == .ready { flushTransmit() }
            state = .unknown
            return
        }
        guard try readRegister(.writeBufferSpaceAvailable) == UInt16(QCA7000SPI.writeBufferSize) else {
            if state == .ready { flushTransmit() }
            state = .unknown
            return
        }
        if state == .ready { flushTransmit() } // a spontaneous reset lost whatever the chip held
        state = .ready
        decoder.reset()
    }

    /// §6.4: RDBUF_BYTE_AVA → BFR_SIZE → one CS cycle `80 00` + the bytes → decoder.
    private func receive() throws(SPIError) {
        let available = Int(try readRegister(.readBufferBytesAvailable))
        guard available > 0 else { return }
        guard available <= QCA7000SPI.maximumReadBufferBytes else {
            statistics.implausibleBuffers &+= 1
            return
        }
        try writeRegister(.bufferSize, UInt16(available))
        let data = UnsafeMutableRawBufferPointer(rebasing: bulk[0..<available])
        try externalTransfer(command: QCA7000SPI.externalRead, data: data, receiving: true)
        let before = receiveQueue.droppedFrames
        let errors = decoder.framingErrors
        let queued = receiveQueue.count
        decoder.feed(UnsafeRawBufferPointer(data), into: receiveQueue)
        statistics.framesReceived &+= receiveQueue.count - queued + receiveQueue.droppedFrames - before
        statistics.framesDropped &+= receiveQueue.droppedFrames - before
        statistics.receiveFramingErrors &+= decoder.framingErrors - errors
    }

    /// §6.5: WRBUF_SPC_AVA once, then frame after frame while L + 4 fits.
    private func transmit() throws(SPIError) {
        guard !transmitQueue.isEmpty else { return }
        var space = Int(try readRegister(.writeBufferSpaceAvailable))
        guard space <= QCA7000SPI.writeBufferSize else {
            statistics.implausibleBuffers &+= 1
            return
        }
        let queue = transmitQueue
        while !queue.isEmpty {
            guard let length = QCA7000Framing.encode(queue.front, into: bulk) else {
                queue.dropFront()
                statistics.framesDropped &+= 1
                continue
            }
            guard length + QCA7000SPI.hardwarePacketOverhead <= space else {
                statistics.writeBufferMisses &+= 1
                return
            }
            try writeRegister(.bufferSize, UInt16(length))
            try externalTransfer(command: QCA7000SPI.externalWrite, data: UnsafeMutableRawBufferPointer(rebasing: bulk[0..<length]),
                                 receiving: false)
            space -= length + QCA7000SPI.hardwarePacketOverhead
            queue.dropFront()
            statistics.framesSent &+= 1
        }
    }

    // MARK: - SPI access (qca7000-spi.md §2.1, burst mode)

    /// Reads a register: one 4-byte chip-select cycle, value high byte first in bytes 2–3.
    public func readRegister(_ register: QCA7000SPI.Register) throws(SPIError) -> UInt16 {
        let c = QCA7000SPI.command(read: true, register: register)
        word[0] = UInt8(truncatingIfNeeded: c >> 8)
        word[1] = UInt8(truncatingIfNeeded: c)
        word[2] = 0
        word[3] = 0
        segments[0] = SPISegment(tx: UnsafeRawBufferPointer(rebasing: word[0..<4]), rx: UnsafeMutableRawBufferPointer(rebasing: answer[0..<4]), length: 4)
        _ = try spi.transfer(segments: UnsafeBufferPointer(rebasing: segments[0..<1]))
        return UInt16(answer[2]) << 8 | UInt16(answer[3])
    }

    public func writeRegister(_ register: QCA7000SPI.Register, _ value: UInt16) throws(SPIError) {
        let c = QCA7000SPI.command(read: false, register: register)
        word[0] = UInt8(truncatingIfNeeded: c >> 8)
        word[1] = UInt8(truncatingIfNeeded: c)
        word[2] = UInt8(truncatingIfNeeded: value >> 8)
        word[3] = UInt8(truncatingIfNeeded: value)
        segments[0] = SPISegment(tx: UnsafeRawBufferPointer(rebasing: word[0..<4]), rx: UnsafeMutableRawBufferPointer(rebasing: answer[0..<4]), length: 4)
        _ = try spi.transfer(segments: UnsafeBufferPointer(rebasing: segments[0..<1]))
    }

    /// Command word and data in one message, chip select held low between them (§10).
    private func externalTransfer(command: UInt16, data: UnsafeMutableRawBufferPointer, receiving: Bool) throws(SPIError) {
        word[0] = UInt8(truncatingIfNeeded: command >> 8)
        word[1] = UInt8(truncatingIfNeeded: command)
        segments[0] = SPISegment(tx: UnsafeRawBufferPointer(rebasing: word[0..<2]), rx: nil, length: 2)
        segments[1] = receiving
            ? SPISegment(tx: nil, rx: data, length: data.count)
            : SPISegment(tx: UnsafeRawBufferPointer(data), rx: nil, length: data.count)
        _ = try spi.transfer(segments: UnsafeBufferPointer(segments))
    }

    /// `boardctl probe`'s check (§6.1): one read to discard, then SIGNATURE must be 0xAA55.
    public static func readSignature(_ spi: any SPIDevice) throws(SPIError) -> UInt16 {
        let probe = QCA7000Driver(name: "qca7000-probe", spi: spi, interruptLine: nil, macAddress: .zero)
        _ = try probe.readRegister(.signature)
        return try probe.readRegister(.signature)
    }
}
