import CSerial
import Glibc
import SystemPackage

/// A tty on Linux (/dev/serial0, /dev/ttyAMA0, /dev/ttyUSB0, a pty) through the CSerial shim.
public final class LinuxSerialPort: SerialPort {
    public let path: String
    private var fd: Int32
    /// What `configure` last applied, for `reopen`.
    private var config: SerialConfig

    /// Opens and configures the tty (raw, non-blocking).
    public init(path: String, config: SerialConfig) throws(SerialError) {
        self.path = path
        self.config = config
        let r = ck_serial_open(path)
        guard r >= 0 else { throw .open(path, errno: Errno(rawValue: -r)) }
        fd = r
        do throws(SerialError) { try configure(config) } catch {
            // The object is fully initialised here, so deinit runs after the throw: mark the
            // descriptor released or deinit would close it a second time (by then possibly another
            // thread's new descriptor with the same number).
            ck_serial_close(fd)
            fd = -1
            throw error
        }
    }

    /// Adopts an already open tty descriptor (the device end of a pty), configuring it.
    public init(adopting descriptor: Int32, path: String, config: SerialConfig) throws(SerialError) {
        self.path = path
        self.config = config
        fd = descriptor
        try configure(config)
    }

    deinit { if fd >= 0 { ck_serial_close(fd) } }

    public var pollDescriptor: Int32? { fd >= 0 ? fd : nil }

    /// Applies a new framing or speed.
    public func configure(_ config: SerialConfig) throws(SerialError) {
        guard fd >= 0 else { throw .closed(path) }
        var c = ck_serial_config(baud: config.baud, data_bits: config.dataBits,
                                 parity: CChar(UInt8(ascii: config.parity.rawValue.unicodeScalars.first!)),
                                 stop_bits: config.stopBits, rtscts: config.hardwareFlowControl ? 1 : 0)
        let r = ck_serial_configure(fd, &c)
        if r == -EINVAL { throw .unsupportedConfiguration(path, config) }
        guard r >= 0 else { throw .configure(path, errno: Errno(rawValue: -r)) }
        self.config = config
    }

    public func read(into buffer: inout MutableRawSpan) throws(SerialError) -> Int {
        guard fd >= 0 else { throw .closed(path) }
        let n = buffer.withUnsafeMutableBytes { ck_serial_read(fd, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count) }
        if n == -Int(EPIPE) { throw .hangUp(path) }
        guard n >= 0 else { throw .read(path, errno: Errno(rawValue: Int32(-n))) }
        return n
    }

    public func write(_ bytes: RawSpan) throws(SerialError) -> Int {
        guard fd >= 0 else { throw .closed(path) }
        let n = bytes.withUnsafeBytes { ck_serial_write(fd, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count) }
        if n == -Int(EPIPE) || n == -Int(EIO) { throw .hangUp(path) }
        guard n >= 0 else { throw .write(path, errno: Errno(rawValue: Int32(-n))) }
        return n
    }

    public func flush(_ which: SerialFlush) throws(SerialError) {
        guard fd >= 0 else { throw .closed(path) }
        let q: Int32 = switch which {
        case .input: CK_SERIAL_FLUSH_INPUT
        case .output: CK_SERIAL_FLUSH_OUTPUT
        case .both: CK_SERIAL_FLUSH_BOTH
        }
        let r = ck_serial_flush(fd, q)
        guard r >= 0 else { throw .flush(path, errno: Errno(rawValue: -r)) }
    }

    public func configuration() throws(SerialError) -> SerialConfig {
        guard fd >= 0 else { throw .closed(path) }
        var c = ck_serial_config()
        let r = ck_serial_get_config(fd, &c)
        guard r >= 0 else { throw .configure(path, errno: Errno(rawValue: -r)) }
        let parity: SerialConfig.Parity = switch UInt8(bitPattern: c.parity) {
        case UInt8(ascii: "E"): .even
        case UInt8(ascii: "O"): .odd
        default: .none
        }
        return SerialConfig(baud: c.baud, dataBits: c.data_bits, parity: parity, stopBits: c.stop_bits,
                            hardwareFlowControl: c.rtscts != 0)
    }

    /// Bytes waiting to be read (FIONREAD), without taking them.
    public func bytesAvailable() throws(SerialError) -> Int {
        guard fd >= 0 else { throw .closed(path) }
        var count: Int32 = 0
        let r = ck_serial_bytes_available(fd, &count)
        guard r >= 0 else { throw .read(path, errno: Errno(rawValue: -r)) }
        return Int(count)
    }

    /// Releases the descriptor; later calls throw `.closed`.
    public func close() {
        if fd >= 0 { ck_serial_close(fd) }
        fd = -1
    }

    public func reopen() throws(SerialError) {
        close()
        let r = ck_serial_open(path)
        guard r >= 0 else { throw .open(path, errno: Errno(rawValue: -r)) }
        fd = r
        do throws(SerialError) { try configure(config) } catch {
            close()
            throw error
        }
    }
}

/// A pseudo-terminal pair: `devicePath` is what a ChargeKit program opens as its UART; the far end
/// (`farEnd`) is where an emulator (the ESP32 CP helper emulator, a test) reads and writes.
public final class PseudoTerminal {
    public let devicePath: String
    /// The emulator's end, as a serial port.
    public let farEnd: LinuxSerialPort
    private var deviceDescriptor: Int32

    /// Opens a raw, non-blocking pty pair. The device end stays open (so the far end never sees a
    /// hang-up while the program reopens it) until this object goes away.
    public init() throws(SerialError) {
        var controller: Int32 = -1
        var device: Int32 = -1
        var name = [CChar](repeating: 0, count: 128)
        let r = ck_serial_openpty(&controller, &device, &name, name.count)
        guard r >= 0 else { throw .open("/dev/ptmx", errno: Errno(rawValue: -r)) }
        devicePath = String(decoding: name.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        deviceDescriptor = device
        do throws(SerialError) {
            farEnd = try LinuxSerialPort(adopting: controller, path: "pty-far-end(\(devicePath))", config: SerialConfig())
        } catch {
            // `farEnd`'s own deinit closed the controller; this object never finished initialising.
            ck_serial_close(device)
            throw error
        }
    }

    deinit { releaseDeviceEnd() }

    /// Closes the device end held by this object, so a reader at the far end sees a hang-up once the
    /// program closes its own descriptor too. Calling it again does nothing.
    public func releaseDeviceEnd() {
        if deviceDescriptor >= 0 { ck_serial_close(deviceDescriptor) }
        deviceDescriptor = -1
    }
}

