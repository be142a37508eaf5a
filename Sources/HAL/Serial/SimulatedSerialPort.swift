import Buffers
import SystemPackage

/// The simulated twin of a UART: two fixed byte queues and a backend handle that plays the device
/// (an emulator writes what the device would send and reads what the host sent) and injects faults.
///
/// It honours the `SerialPort` contract exactly like `LinuxSerialPort`, so a driver tested against the
/// twin behaves the same on a real tty.
public final class SimulatedSerialPort: SerialPort {
    public let path: String
    public let backend: Backend
    private var config: SerialConfig
    private var closed = false

    /// The device side: what an emulator or a test script uses.
    public final class Backend {
        /// Bytes the device sent, waiting for the host's `read`.
        public let toHost: ByteQueue
        /// Bytes the host wrote, waiting for the device.
        public let fromHost: ByteQueue
        /// Largest count one host `read` returns (0 = no limit): exercises framers with short reads.
        public var maxBytesPerRead = 0
        /// When true the device takes nothing: host `write` returns 0 (output queue full).
        public var stallWrites = false
        /// The next host read fails with this errno (then clears).
        public var failNextRead: Errno?
        /// The next host write fails with this errno (then clears).
        public var failNextWrite: Errno?
        /// The device is gone: every host call fails with a hang-up until `reconnect()`.
        public private(set) var hungUp = false

        init(capacity: Int) {
            toHost = ByteQueue(capacity: capacity)
            fromHost = ByteQueue(capacity: capacity)
        }

        /// Queues bytes as if the device sent them. Returns how many fit.
        @discardableResult
        public func send(_ bytes: RawSpan) -> Int { toHost.push(bytes) }

        /// Queues a string's UTF-8 bytes (test convenience; allocates).
        @discardableResult
        public func send(_ text: String) -> Int {
            let bytes = Array(text.utf8)
            return toHost.push(bytes.span.bytes)
        }

        /// Takes everything the host wrote (test convenience; allocates).
        public func receiveAll() -> [UInt8] {
            var out: [UInt8] = []
            while let b = fromHost.pop() { out.append(b) }
            return out
        }

        /// Simulates unplugging: pending bytes are lost and calls fail with a hang-up.
        public func hangUp() {
            hungUp = true
            toHost.removeAll()
            fromHost.removeAll()
        }

        /// Plugs the device back in.
        public func reconnect() { hungUp = false }

        /// Successful `reopen` calls of the host.
        public fileprivate(set) var reopens = 0
    }

    /// Creates a twin with `capacity` bytes of buffering in each direction.
    public init(path: String, config: SerialConfig = SerialConfig(), capacity: Int = 4096) {
        self.path = path
        self.config = config
        backend = Backend(capacity: capacity)
    }

    public var pollDescriptor: Int32? { nil }

    public func read(into buffer: inout MutableRawSpan) throws(SerialError) -> Int {
        if closed { throw .closed(path) }
        if backend.hungUp { throw .hangUp(path) }
        if let e = backend.failNextRead {
            backend.failNextRead = nil
            throw .read(path, errno: e)
        }
        if backend.maxBytesPerRead > 0, buffer.byteCount > backend.maxBytesPerRead {
            var limited = buffer.extracting(0..<backend.maxBytesPerRead)
            return backend.toHost.pop(into: &limited)
        }
        return backend.toHost.pop(into: &buffer)
    }

    public func write(_ bytes: RawSpan) throws(SerialError) -> Int {
        if closed { throw .closed(path) }
        if backend.hungUp { throw .hangUp(path) }
        if let e = backend.failNextWrite {
            backend.failNextWrite = nil
            throw .write(path, errno: e)
        }
        if backend.stallWrites { return 0 }
        let n = min(bytes.byteCount, backend.fromHost.freeCount)
        return backend.fromHost.push(bytes.extracting(0..<n))
    }

    public func flush(_ which: SerialFlush) throws(SerialError) {
        if closed { throw .closed(path) }
        if backend.hungUp { throw .hangUp(path) }
        if which != .output { backend.toHost.removeAll() }
        if which != .input { backend.fromHost.removeAll() }
    }

    public func configuration() throws(SerialError) -> SerialConfig {
        if closed { throw .closed(path) }
        if backend.hungUp { throw .hangUp(path) }
        return config
    }

    public func close() { closed = true }

    /// Fails like a missing node while the device is unplugged (`hangUp` until `reconnect`).
    public func reopen() throws(SerialError) {
        closed = true
        if backend.hungUp { throw .open(path, errno: .noSuchFileOrDirectory) }
        closed = false
        backend.reopens += 1
    }

    /// Changes framing/speed with the same validation as the Linux shim.
    public func configure(_ config: SerialConfig) throws(SerialError) {
        guard (50...SerialConfig.maximumBaud).contains(config.baud), (5...8).contains(config.dataBits),
              config.stopBits == 1 || config.stopBits == 2 else { throw .unsupportedConfiguration(path, config) }
        self.config = config
    }
}
