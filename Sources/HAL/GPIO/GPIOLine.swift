import SystemPackage

/// Which line on a chip: by offset (BCM number on a Pi's gpiochip0) or by name (gpio-sim, or a
/// board whose device tree names its lines).
public enum GPIOLineID: Sendable, Equatable, CustomStringConvertible {
    case offset(UInt32)
    case name(String)

    public var description: String {
        switch self {
        case .offset(let o): return "\(o)"
        case .name(let n): return n
        }
    }
}

public enum GPIOEdge: String, Sendable { case rising, falling, both }

public enum GPIOBias: String, Sendable { case asIs = "as-is", disabled, pullUp = "pull-up", pullDown = "pull-down" }

/// How a line is requested.
public enum GPIODirection: Sendable, Equatable {
    case input
    /// An output driven to `initial` at request time (relays start open).
    case output(initial: Bool)
    /// An input that reports edges through `pollDescriptor`/`readEvent()`.
    case events(GPIOEdge)
}

/// Everything needed to request one line.
public struct GPIOLineConfig: Sendable, Equatable {
    /// "gpiochip0", "/dev/gpiochip0", a label ("pinctrl-bcm2711", "hil-gpio") or a number.
    public var chip: String
    public var line: GPIOLineID
    public var direction: GPIODirection
    public var bias: GPIOBias
    /// Logical 1 = electrical low.
    public var activeLow: Bool
    public var consumer: String

    public init(chip: String, line: GPIOLineID, direction: GPIODirection, bias: GPIOBias = .asIs,
                activeLow: Bool = false, consumer: String = "chargekit") {
        self.chip = chip
        self.line = line
        self.direction = direction
        self.bias = bias
        self.activeLow = activeLow
        self.consumer = consumer
    }

    /// "gpiochip0:23", "hil-gpio:RELAY_K1": how errors and tools name the line.
    public var label: String { "\(chip):\(line)" }
}

/// One edge seen on an event line.
public struct GPIOEdgeEvent: Sendable, Equatable, BitwiseCopyable {
    public var rising: Bool
    /// Kernel timestamp on the monotonic clock.
    public var timestamp: MonotonicInstant
    public init(rising: Bool, timestamp: MonotonicInstant) {
        self.rising = rising
        self.timestamp = timestamp
    }
}

/// One digital line: a relay or contactor coil (output), a handshake or feedback contact (input), an
/// interrupt (events).
///
/// Contract: values are logical (active-low already applied); `read`, `write` and `readEvent` never
/// block or allocate; writing an input is `GPIOError.notOutput`.
public protocol GPIOLine: AnyObject {
    var label: String { get }
    /// Readable when an edge is waiting (event lines); nil otherwise or for twins.
    var pollDescriptor: Int32? { get }
    func read() throws(GPIOError) -> Bool
    func write(_ value: Bool) throws(GPIOError)
    /// Takes one waiting edge, or nil.
    func readEvent() throws(GPIOError) -> GPIOEdgeEvent?
}

/// Why a GPIO call failed, naming the line ("gpiochip0:23").
public enum GPIOError: DeviceError, Equatable {
    case open(String, errno: Errno)
    case read(String, errno: Errno)
    case write(String, errno: Errno)
    case event(String, errno: Errno)
    case notOutput(String)
    case closed(String)

    public var kind: DeviceErrorKind {
        switch self {
        case .open(_, let e): return DeviceErrorKind(errno: e)
        case .read(_, let e), .write(_, let e), .event(_, let e):
            // A requested line whose chip went away (gpio-sim removed, USB GPIO unplugged): ENODEV.
            return e == .operationNotSupportedByDevice ? .disconnected : DeviceErrorKind(errno: e)
        case .notOutput: return .invalidArgument
        case .closed: return .disconnected
        }
    }

    public var description: String {
        switch self {
        case let .open(l, e):
            let hint: String? = switch e {
            case .noSuchFileOrDirectory: "no such GPIO chip or line name (gpiodetect and gpioinfo list them)"
            case .resourceBusy: "another consumer holds the line (gpioinfo shows which)"
            case .permissionDenied: "add the user to the gpio group"
            case .invalidArgument: "line offset beyond the chip, or a setting the chip cannot do"
            default: nil
            }
            return FailureText.render("request GPIO line", l, e, hint: hint)
        case let .read(l, e): return FailureText.render("read GPIO line", l, e, hint: nil)
        case let .write(l, e): return FailureText.render("drive GPIO line", l, e, hint: nil)
        case let .event(l, e): return FailureText.render("read edge events of", l, e, hint: nil)
        case let .notOutput(l): return "cannot drive GPIO line \(l): it is requested as an input"
        case let .closed(l): return "GPIO line \(l) is released"
        }
    }
}

/// Identity of a GPIO chip, for `boardctl probe`.
public struct GPIOChipInfo: Sendable, Equatable {
    public var name: String
    public var label: String
    public var lines: Int
}
