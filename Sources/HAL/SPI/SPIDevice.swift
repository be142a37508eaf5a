import SystemPackage

/// Clock polarity and phase. QCA7000: mode 3 (qca7000-spi.md §1). WHITE-beet: mode 0.
public enum SPIMode: UInt8, Sendable, CaseIterable {
    case mode0 = 0, mode1 = 1, mode2 = 2, mode3 = 3
}

/// How one SPI peripheral is clocked.
public struct SPIConfig: Sendable, Equatable, CustomStringConvertible {
    public var mode: SPIMode
    public var bitsPerWord: UInt8
    public var speedHz: UInt32
    /// The kernel asserts chip select (false: the caller drives a GPIO, as the WHITE-beet needs).
    public var hardwareChipSelect: Bool
    public var lsbFirst: Bool

    public init(mode: SPIMode = .mode0, bitsPerWord: UInt8 = 8, speedHz: UInt32 = 1_000_000,
                hardwareChipSelect: Bool = true, lsbFirst: Bool = false) {
        self.mode = mode
        self.bitsPerWord = bitsPerWord
        self.speedHz = speedHz
        self.hardwareChipSelect = hardwareChipSelect
        self.lsbFirst = lsbFirst
    }

    public var description: String {
        "mode \(mode.rawValue), \(bitsPerWord) bit, \(speedHz) Hz\(hardwareChipSelect ? "" : ", no CS")\(lsbFirst ? ", LSB first" : "")"
    }
}

/// One segment of a multi-segment message (one `SPI_IOC_MESSAGE`). The pointers must stay valid for
/// the call; `tx` nil clocks out zeros, `rx` nil drops what comes in.
public struct SPISegment {
    public var tx: UnsafeRawBufferPointer?
    public var rx: UnsafeMutableRawBufferPointer?
    public var length: Int
    /// Release chip select after this segment.
    public var releaseChipSelect: Bool
    public var delayMicroseconds: UInt16

    public init(tx: UnsafeRawBufferPointer?, rx: UnsafeMutableRawBufferPointer?, length: Int,
                releaseChipSelect: Bool = false, delayMicroseconds: UInt16 = 0) {
        self.tx = tx
        self.rx = rx
        self.length = length
        self.releaseChipSelect = releaseChipSelect
        self.delayMicroseconds = delayMicroseconds
    }
}

/// A peripheral on an SPI bus with its chip select (spidev: one node per CS).
///
/// Contract: transfers are full duplex and synchronous (an SPI transfer of a few kB at 12 MHz takes a
/// few ms; drivers size them to fit the tick); `transfer` never allocates; a device whose node vanished
/// is kind `.disconnected`.
public protocol SPIDevice: AnyObject {
    var path: String { get }
    var configuration: SPIConfig { get }
    /// One full-duplex transfer in one chip-select cycle: clocks out `tx`, fills `rx` (same length).
    func transfer(_ tx: RawSpan, into rx: inout MutableRawSpan) throws(SPIError)
    /// Several segments in one message; chip select stays asserted between them unless a segment
    /// releases it. Returns the bytes transferred.
    func transfer(segments: UnsafeBufferPointer<SPISegment>) throws(SPIError) -> Int
}

/// Why an SPI call failed, naming the device node.
public enum SPIError: DeviceError, Equatable {
    case open(String, errno: Errno)
    /// Setting `setting` ("mode 3", "8 bits per word", "12000000 Hz") failed.
    case configure(String, setting: String, errno: Errno)
    case transfer(String, errno: Errno)
    /// A transfer the HAL refuses before asking the kernel (empty, mismatched lengths, too many
    /// segments).
    case invalidTransfer(String, reason: String)
    case closed(String)

    public var kind: DeviceErrorKind {
        switch self {
        case .open(_, let e): return DeviceErrorKind(errno: e)
        // configure and transfer act on an open node: ENODEV there means it vanished (the controller
        // driver was unbound, an overlay removed).
        case .configure(_, _, let e), .transfer(_, let e):
            return e == .operationNotSupportedByDevice ? .disconnected : DeviceErrorKind(errno: e)
        case .invalidTransfer: return .invalidArgument
        case .closed: return .disconnected
        }
    }

    public var description: String {
        switch self {
        case let .open(p, e):
            let hint: String? = switch e {
            case .noSuchFileOrDirectory: "is dtparam=spi=on set?"
            case .permissionDenied: "add the user to the spi group"
            case .resourceBusy: "another program holds the device"
            default: nil
            }
            return FailureText.render("open", p, e, hint: hint)
        case let .configure(p, setting, e):
            return FailureText.render("set \(setting) on", p, e, hint: e == .invalidArgument ? "the SPI controller cannot do that" : nil)
        case let .transfer(p, e):
            return FailureText.render("transfer on", p, e, hint: e == .messageTooLong ? "message above spidev's bufsiz (4096 by default)" : nil)
        case let .invalidTransfer(p, reason): return "invalid SPI transfer on \(p): \(reason)"
        case let .closed(p): return "\(p) is closed"
        }
    }
}
