import Buffers
import SystemPackage

/// Framing and speed of a UART. The ESP32 control-pilot helper uses 115200 8N1 without flow control.
public struct SerialConfig: Sendable, Equatable, CustomStringConvertible {
    public enum Parity: String, Sendable { case none = "N", even = "E", odd = "O" }

    public var baud: UInt32
    public var dataBits: UInt8
    public var parity: Parity
    public var stopBits: UInt8
    public var hardwareFlowControl: Bool

    public init(baud: UInt32 = 115_200, dataBits: UInt8 = 8, parity: Parity = .none, stopBits: UInt8 = 1,
                hardwareFlowControl: Bool = false) {
        self.baud = baud
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
        self.hardwareFlowControl = hardwareFlowControl
    }

    /// Parses "8N1", "7E2" and the like.
    public init?(baud: UInt32, framing: String) {
        let c = Array(framing.uppercased())
        guard c.count == 3, let bits = UInt8(String(c[0])), let parity = Parity(rawValue: String(c[1])),
              let stop = UInt8(String(c[2])), (5...8).contains(bits), stop == 1 || stop == 2 else { return nil }
        self.init(baud: baud, dataBits: bits, parity: parity, stopBits: stop)
    }

    /// "8N1".
    public var framing: String { "\(dataBits)\(parity.rawValue)\(stopBits)" }

    public var description: String { "\(baud) \(framing)\(hardwareFlowControl ? " rtscts" : "")" }

    /// Highest rate the shim accepts (4 Mbaud).
    public static let maximumBaud: UInt32 = 4_000_000
}

/// Which pending data `flush` throws away.
public enum SerialFlush: Sendable { case input, output, both }

/// A byte stream to a UART peripheral.
///
/// Contract (every implementation, Linux and simulated, passes the same conformance tests):
/// - `read` and `write` never block: they move what is possible now and return the count (0 = nothing
///   waiting / output queue full);
/// - the peer hanging up or the device vanishing is `SerialError.hangUp`/`.read` with kind
///   `.disconnected`, never a silent 0 forever;
/// - neither call allocates;
/// - after `close()` every call throws `.closed` until `reopen()` succeeds.
public protocol SerialPort: AnyObject {
    /// The device path, used in every error.
    var path: String { get }
    /// A descriptor that is readable when bytes are waiting (for the runtime's poll); nil when the
    /// device has none and must be pumped every tick.
    var pollDescriptor: Int32? { get }
    /// Moves waiting bytes into `buffer`; returns the count, 0 when none.
    func read(into buffer: inout MutableRawSpan) throws(SerialError) -> Int
    /// Writes as many of `bytes` as the device takes now; returns the count.
    func write(_ bytes: RawSpan) throws(SerialError) -> Int
    /// Discards pending input and/or output.
    func flush(_ which: SerialFlush) throws(SerialError)
    /// The framing and speed in effect.
    func configuration() throws(SerialError) -> SerialConfig
    /// Releases the device (its descriptor leaves the poll set). Calling it again does nothing.
    func close()
    /// Closes the device and opens `path` again with the settings it had: a USB adapter unplugged
    /// and plugged back in is a new tty at the same path. Throws `.open` (kind `.absent` while the
    /// node is missing) and leaves the port closed when that fails. Allocates; not for every tick.
    func reopen() throws(SerialError)
}

extension SerialPort {
    /// Reads whatever is waiting straight into `queue` (no intermediate copy) until the device has
    /// nothing more or the queue is full; a short read (a tty hands over what its driver has) does not
    /// end the drain. Returns the count.
    @discardableResult
    public func read(into queue: ByteQueue) throws(SerialError) -> Int {
        var total = 0
        while true {
            let region = queue.unsafeWritableRegion()
            if region.count == 0 { return total }
            var span = MutableRawSpan(_unsafeBytes: region)
            let n = try read(into: &span)
            if n == 0 { return total }
            queue.commitPush(n)
            total += n
        }
    }

    /// Writes from the front of `queue` and removes what was written. Returns the count.
    @discardableResult
    public func write(from queue: ByteQueue) throws(SerialError) -> Int {
        var total = 0
        while !queue.isEmpty {
            let region = queue.unsafeReadableRegion()
            let n = try write(RawSpan(_unsafeBytes: region))
            queue.discard(n)
            total += n
            if n < region.count { break }
        }
        return total
    }
}

/// Why a serial call failed, naming the device.
public enum SerialError: DeviceError, Equatable {
    case open(String, errno: Errno)
    case configure(String, errno: Errno)
    case read(String, errno: Errno)
    case write(String, errno: Errno)
    case flush(String, errno: Errno)
    /// The other end closed (pty far side exited, USB adapter unplugged).
    case hangUp(String)
    /// A configuration the shim refuses (baud outside 50…4 Mbaud, framing other than 5–8/N,E,O/1,2),
    /// or a framing the driver does not keep (a pty forces 8N; the Pi's mini UART has no parity).
    case unsupportedConfiguration(String, SerialConfig)
    case closed(String)

    public var kind: DeviceErrorKind {
        switch self {
        case .open(_, let e), .configure(_, let e), .flush(_, let e): return DeviceErrorKind(errno: e)
        case .read(_, let e), .write(_, let e):
            return e == .ioError || e == .operationNotSupportedByDevice ? .disconnected : DeviceErrorKind(errno: e)
        case .hangUp, .closed: return .disconnected
        case .unsupportedConfiguration: return .invalidArgument
        }
    }

    public var description: String {
        switch self {
        case let .open(p, e):
            let hint: String? = switch e {
            case .noSuchFileOrDirectory: "is enable_uart=1 set (on-board UART) or the USB adapter plugged in?"
            case .permissionDenied: "add the user to the dialout group"
            case .resourceBusy: "another program holds the port"
            default: nil
            }
            return FailureText.render("open", p, e, hint: hint)
        case let .configure(p, e): return FailureText.render("configure", p, e, hint: nil)
        case let .read(p, e): return FailureText.render("read from", p, e, hint: e == .ioError ? "did the device go away?" : nil)
        case let .write(p, e): return FailureText.render("write to", p, e, hint: nil)
        case let .flush(p, e): return FailureText.render("flush", p, e, hint: nil)
        case let .hangUp(p): return "\(p): the other end hung up"
        case let .unsupportedConfiguration(p, c):
            return "cannot configure \(p) for \(c): supported are 50…4000000 baud, 5–8 data bits, parity N/E/O, 1 or 2 stop bits, "
                + "where the driver keeps that framing (a pty forces 8 data bits without parity)"
        case let .closed(p): return "\(p) is closed"
        }
    }
}
