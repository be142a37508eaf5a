import SystemPackage

/// The simulated twin of an SPI peripheral. The backend holds a model of the chip (`respond`: given
/// the bytes clocked out, fill the bytes clocked in) and injects faults (EIO mid-transfer, a node that
/// vanished, a controller limited to some modes, as the HIL VM's spi-butterfly is to mode 0).
public final class SimulatedSPIDevice: SPIDevice {
    public let path: String
    public private(set) var configuration: SPIConfig
    public let backend: Backend

    public final class Backend {
        /// The chip model: called once per chip-select cycle with what the host sent and where the
        /// answer goes. Default: a wire with nothing on it (MISO reads 0x00).
        public var respond: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Void = { _, rx in
            rx.initializeMemory(as: UInt8.self, repeating: 0)
        }
        /// Modes the controller accepts; configure fails with EINVAL for others.
        public var supportedModes: Set<SPIMode> = Set(SPIMode.allCases)
        /// The Nth transfer from now (1 = next) fails with `failErrno`.
        public var failTransferAfter: Int?
        public var failErrno: Errno = .ioError
        /// The node disappeared.
        public var vanished = false
        public private(set) var transferCount = 0
        /// Stands in for a missing tx or rx buffer (spidev's bufsiz), allocated once.
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)

        deinit { scratch.deallocate() }

        func nextTransferFails() -> Bool {
            transferCount += 1
            guard let n = failTransferAfter else { return false }
            if n <= 1 {
                failTransferAfter = nil
                return true
            }
            failTransferAfter = n - 1
            return false
        }
    }

    public init(path: String, config: SPIConfig) {
        self.path = path
        configuration = config
        backend = Backend()
    }

    public func configure(_ config: SPIConfig) throws(SPIError) {
        if backend.vanished { throw .configure(path, setting: "mode \(config.mode.rawValue)", errno: .operationNotSupportedByDevice) }
        guard backend.supportedModes.contains(config.mode) else {
            throw .configure(path, setting: "mode \(config.mode.rawValue)", errno: .invalidArgument)
        }
        configuration = config
    }

    public func transfer(_ tx: RawSpan, into rx: inout MutableRawSpan) throws(SPIError) {
        if backend.vanished { throw .transfer(path, errno: .operationNotSupportedByDevice) }
        guard tx.byteCount > 0, tx.byteCount == rx.byteCount else {
            throw .invalidTransfer(path, reason: "tx and rx must have the same, non-zero length")
        }
        if backend.nextTransferFails() { throw .transfer(path, errno: backend.failErrno) }
        let respond = backend.respond
        tx.withUnsafeBytes { t in rx.withUnsafeMutableBytes { r in respond(t, r) } }
    }

    public func transfer(segments: UnsafeBufferPointer<SPISegment>) throws(SPIError) -> Int {
        if backend.vanished { throw .transfer(path, errno: .operationNotSupportedByDevice) }
        guard segments.count > 0, segments.count <= 16 else {
            throw .invalidTransfer(path, reason: "1…16 segments per message")
        }
        let scratch = backend.scratch
        // Validate the whole message first, as spidev does before clocking anything.
        for (i, s) in segments.enumerated() {
            guard s.length > 0, (s.tx?.count ?? s.length) >= s.length, (s.rx?.count ?? s.length) >= s.length else {
                throw .invalidTransfer(path, reason: "segment \(i) is empty or shorter than its buffers")
            }
            guard s.length <= scratch.count else {
                throw .invalidTransfer(path, reason: "segment length outside 1…\(scratch.count)")
            }
        }
        if backend.nextTransferFails() { throw .transfer(path, errno: backend.failErrno) }
        var total = 0
        for s in segments {
            if s.tx == nil { scratch.initializeMemory(as: UInt8.self, repeating: 0) }
            let tx = s.tx ?? UnsafeRawBufferPointer(scratch)
            let rx = s.rx ?? scratch
            backend.respond(UnsafeRawBufferPointer(rebasing: tx[0..<s.length]), UnsafeMutableRawBufferPointer(rebasing: rx[0..<s.length]))
            total += s.length
        }
        return total
    }
}
