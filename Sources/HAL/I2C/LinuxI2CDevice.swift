import CI2C
import SystemPackage

/// An I2C peripheral through /dev/i2c-N and libi2c's SMBus calls (CI2C shim).
public final class LinuxI2CDevice: I2CDevice {
    public let bus: String
    public let address: UInt8
    private var fd: Int32

    public init(bus: String, address: UInt8, force: Bool = false) throws(I2CError) {
        self.bus = bus
        self.address = address
        let r = ck_i2c_open(bus)
        guard r >= 0 else { throw .open(bus, errno: Errno(rawValue: -r)) }
        fd = r
        let a = ck_i2c_set_address(fd, UInt16(address), force ? 1 : 0)
        if a < 0 {
            ck_i2c_close(fd)
            fd = -1
            throw .address(bus, address: address, errno: Errno(rawValue: -a))
        }
    }

    deinit { if fd >= 0 { ck_i2c_close(fd) } }

    private func check(_ r: Int32, _ operation: @autoclosure () -> String) throws(I2CError) -> Int32 {
        guard r >= 0 else { throw .transfer(bus, address: address, operation: operation(), errno: Errno(rawValue: -r)) }
        return r
    }

    public func probe() throws(I2CError) {
        guard fd >= 0 else { throw .closed(bus) }
        // A read-byte probe where quick writes are unsafe for some chips is the usual alternative;
        // the SMBus quick write is what i2cdetect uses by default for this address range.
        _ = try check(ck_i2c_quick(fd), "probe")
    }

    public func readByte(register: UInt8) throws(I2CError) -> UInt8 {
        guard fd >= 0 else { throw .closed(bus) }
        return UInt8(truncatingIfNeeded: try check(ck_i2c_read_byte_data(fd, register), "read register 0x\(String(register, radix: 16))"))
    }

    public func writeByte(register: UInt8, _ value: UInt8) throws(I2CError) {
        guard fd >= 0 else { throw .closed(bus) }
        _ = try check(ck_i2c_write_byte_data(fd, register, value), "write register 0x\(String(register, radix: 16))")
    }

    public func readWord(register: UInt8) throws(I2CError) -> UInt16 {
        guard fd >= 0 else { throw .closed(bus) }
        return UInt16(truncatingIfNeeded: try check(ck_i2c_read_word_data(fd, register), "read word 0x\(String(register, radix: 16))"))
    }

    public func writeWord(register: UInt8, _ value: UInt16) throws(I2CError) {
        guard fd >= 0 else { throw .closed(bus) }
        _ = try check(ck_i2c_write_word_data(fd, register, value), "write word 0x\(String(register, radix: 16))")
    }

    /// The adapter's capability bits (CK_I2C_FUNC_*).
    public func functionality() throws(I2CError) -> UInt32 {
        guard fd >= 0 else { throw .closed(bus) }
        var f: UInt32 = 0
        _ = try check(ck_i2c_functionality(fd, &f), "read the functionality")
        return f
    }

    public func close() {
        if fd >= 0 { ck_i2c_close(fd) }
        fd = -1
    }
}
