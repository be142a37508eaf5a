import SystemPackage

/// One peripheral at a 7-bit address on an I2C bus: a CP ADC (ADS1115 at 0x48), an isolation
/// monitor. Uses SMBus transfers, which every adapter (and the HIL VM's i2c-stub) supports.
///
/// Contract: words are SMBus order (low byte first on the wire); use `readBigEndianWord` for chips
/// like the ADS1115 that send the high byte first. A device that does not acknowledge is kind `.io`
/// with errno ENXIO/EREMOTEIO (ENODEV from i2c-stub). Calls never allocate.
public protocol I2CDevice: AnyObject {
    /// "/dev/i2c-1".
    var bus: String { get }
    var address: UInt8 { get }
    /// An SMBus quick write: succeeds when the address acknowledges.
    func probe() throws(I2CError)
    func readByte(register: UInt8) throws(I2CError) -> UInt8
    func writeByte(register: UInt8, _ value: UInt8) throws(I2CError)
    func readWord(register: UInt8) throws(I2CError) -> UInt16
    func writeWord(register: UInt8, _ value: UInt16) throws(I2CError)
}

extension I2CDevice {
    /// A 16-bit register sent high byte first (ADS1115 conversion/config registers).
    @inlinable
    public func readBigEndianWord(register: UInt8) throws(I2CError) -> UInt16 {
        try readWord(register: register).byteSwapped
    }

    @inlinable
    public func writeBigEndianWord(register: UInt8, _ value: UInt16) throws(I2CError) {
        try writeWord(register: register, value.byteSwapped)
    }

    /// "/dev/i2c-1@0x48".
    public var label: String { "\(bus)@\(I2CRegisterText.hex(address))" }
}

/// Why an I2C call failed, naming bus and address.
public enum I2CError: DeviceError, Equatable {
    case open(String, errno: Errno)
    case address(String, address: UInt8, errno: Errno)
    /// `operation`: "read register 0x01" and the like.
    case transfer(String, address: UInt8, operation: String, errno: Errno)
    case closed(String)

    public var kind: DeviceErrorKind {
        switch self {
        case .open(_, let e), .address(_, _, let e): return DeviceErrorKind(errno: e)
        case .transfer(_, _, _, let e): return Self.isNoAcknowledge(e) ? .io : DeviceErrorKind(errno: e)
        case .closed: return .disconnected
        }
    }

    public var description: String {
        switch self {
        case let .open(b, e):
            return FailureText.render("open", b, e, hint: e == .noSuchFileOrDirectory ? "is dtparam=i2c_arm=on set?" : nil)
        case let .address(b, a, e):
            return FailureText.render("select address 0x\(String(a, radix: 16)) on", b, e,
                                      hint: e == .resourceBusy ? "a kernel driver owns that address" : nil)
        case let .transfer(b, a, op, e):
            let nak = Self.isNoAcknowledge(e)
            let hint: String? = nak ? "nothing acknowledged at that address (i2cdetect lists what answers)"
                : e == .notSupported ? "the adapter cannot do that transfer (SMBus-only adapters refuse plain I2C messages)" : nil
            let action = op == "probe" ? op : op + " of"
            return FailureText.render(action, "device \(I2CRegisterText.hex(a)) on \(b)", e, hint: hint)
        case let .closed(b): return "\(b) is closed"
        }
    }

    /// How adapters report an address that nobody acknowledged: ENXIO (the kernel's documented code,
    /// i2c-bcm2835), EREMOTEIO (121, some controllers) or ENODEV (i2c-stub, and the HIL VM).
    static func isNoAcknowledge(_ e: Errno) -> Bool {
        e == .noSuchAddressOrDevice || e.rawValue == 121 || e == .operationNotSupportedByDevice
    }
}

/// Two-digit hex for addresses and registers in messages ("0x48", "0x01").
enum I2CRegisterText {
    static func hex(_ v: UInt8) -> String {
        let digits = String(v, radix: 16)
        return "0x" + (digits.count == 1 ? "0" + digits : digits)
    }
}
