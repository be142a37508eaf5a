import SystemPackage

/// The few things a controller can act on when a device call fails (embedded-hal's `ErrorKind`
/// idea): a missing device is a configuration fault, a vanished one a hardware fault, a full queue a
/// reason to retry. Every HAL error maps to exactly one kind.
public enum DeviceErrorKind: String, Sendable, Equatable, CaseIterable {
    /// The device node or interface does not exist (not wired, overlay not loaded, unplugged).
    case absent
    /// The process lacks the permission (group `dialout`/`gpio`/`spi`, or root for raw sockets).
    case permissionDenied
    /// Someone else holds the device or line.
    case busy
    /// The device went away while open (USB unplugged, link deleted, hang-up).
    case disconnected
    /// A transfer failed on the wire (EIO, no acknowledge).
    case io
    /// The device did not answer in time.
    case timeout
    /// The request itself was wrong (length, mode, address out of range).
    case invalidArgument
    /// The kernel or the device cannot do this at all.
    case unsupported
    /// The network link is down (no carrier, CAN interface down).
    case linkDown
    /// The CAN controller is bus-off.
    case busOff
    /// Anything else.
    case other

    /// Classifies an errno from an open or a transfer.
    public init(errno: Errno) {
        switch errno {
        case .noSuchFileOrDirectory, .operationNotSupportedByDevice, .noSuchAddressOrDevice: self = .absent
        case .permissionDenied, .notPermitted: self = .permissionDenied
        case .resourceBusy: self = .busy
        case .ioError: self = .io
        case .timedOut: self = .timeout
        case .invalidArgument, .outOfRange, .messageTooLong, .fileNameTooLong: self = .invalidArgument
        case .notSupported, .noFunction, .addressFamilyNotSupported, .protocolNotSupported,
             .inappropriateIOCTLForDevice, .protocolNotAvailable:
            self = .unsupported
        case .networkDown: self = .linkDown
        case .brokenPipe, .networkUnreachable, .socketShutdown: self = .disconnected
        default:
            // EREMOTEIO (121): an I2C device that did not acknowledge.
            self = errno.rawValue == 121 ? .io : .other
        }
    }
}

/// Common surface of every HAL error: the kind to act on and a sentence for a human.
public protocol DeviceError: Error, CustomStringConvertible {
    var kind: DeviceErrorKind { get }
}

/// Builds the one-line messages of all HAL errors: "cannot open /dev/spidev0.0: No such file or
/// directory — is dtparam=spi=on set?".
@usableFromInline
enum FailureText {
    static func render(_ action: String, _ target: String, _ errno: Errno, hint: String?) -> String {
        var text = "cannot \(action) \(target): \(errno.description)"
        if let hint { text += " — \(hint)" }
        return text
    }
}
