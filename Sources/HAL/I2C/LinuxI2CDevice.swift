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
        return UInt8(truncatingIfNeeded: try check(ck_i2c_read_byte_data(fd, register), "read register \(I2CRegisterText.hex(register))"))
    }

    public func writeByte(register: UInt8, _ value: UInt8) throws(I2CError) {
        guard fd >= 0 else { throw .closed(bus) }
        _ = try check(ck_i2c_write_byte_data(fd, register, value), "write register \(I2CRegisterText.hex(register))")
    }

    /// SMBus receive byte: one byte without a register address (chips with a single register).
    public func receiveByte() throws(I2CError) -> UInt8 {
        guard fd >= 0 else { throw .closed(bus) }
        return UInt8(truncatingIfNeeded: try check(ck_i2c_read_byte(fd), "receive byte"))
    }

    public func readWord(register: UInt8) throws(I2CError) -> UInt16 {
        guard fd >= 0 else { throw .closed(bus) }
        return UInt16(truncatingIfNeeded: try check(ck_i2c_read_word_data(fd, register), "read word \(I2CRegisterText.hex(register))"))
    }

    public func writeWord(register: UInt8, _ value: UInt16) throws(I2CError) {
        guard fd >= 0 else { throw .closed(bus) }
        _ = try check(ck_i2c_write_word_data(fd, register, value), "write word \(I2CRegisterText.hex(register))")
    }

    /// SMBus I2C-block read of `buffer.count` bytes (1…32) from `register`. Returns the count read.
    public func readBlock(register: UInt8, into buffer: UnsafeMutableRawBufferPointer) throws(I2CError) -> Int {
        guard fd >= 0 else { throw .closed(bus) }
        let op = "read block \(I2CRegisterText.hex(register))"
        guard (1...Int(CK_I2C_BLOCK_MAX)).contains(buffer.count) else {
            throw .transfer(bus, address: address, operation: op, errno: .invalidArgument)
        }
        let r = ck_i2c_read_block(fd, register, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt8(buffer.count))
        return Int(try check(r, op))
    }

    /// SMBus I2C-block write of 1…32 bytes starting at `register`.
    public func writeBlock(register: UInt8, _ bytes: UnsafeRawBufferPointer) throws(I2CError) {
        guard fd >= 0 else { throw .closed(bus) }
        let op = "write block \(I2CRegisterText.hex(register))"
        guard (1...Int(CK_I2C_BLOCK_MAX)).contains(bytes.count) else {
            throw .transfer(bus, address: address, operation: op, errno: .invalidArgument)
        }
        _ = try check(ck_i2c_write_block(fd, register, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt8(bytes.count)), op)
    }

    /// A plain-I2C write then read with a repeated start (I2C_RDWR): what chips without SMBus
    /// registers need. SMBus-only adapters (the HIL VM's i2c-stub) answer EOPNOTSUPP, kind `.unsupported`.
    public func writeThenRead(_ tx: UnsafeMutableRawBufferPointer, into rx: UnsafeMutableRawBufferPointer) throws(I2CError) {
        guard fd >= 0 else { throw .closed(bus) }
        guard (1...Int(UInt16.max)).contains(tx.count), (1...Int(UInt16.max)).contains(rx.count) else {
            throw .transfer(bus, address: address, operation: "write-then-read", errno: .invalidArgument)
        }
        var messages = (
            ck_i2c_message(address: UInt16(address), read: 0, buf: tx.baseAddress!.assumingMemoryBound(to: UInt8.self), len: UInt16(tx.count)),
            ck_i2c_message(address: UInt16(address), read: 1, buf: rx.baseAddress!.assumingMemoryBound(to: UInt8.self), len: UInt16(rx.count)))
        let r = withUnsafeMutableBytes(of: &messages) { ck_i2c_transfer(fd, $0.baseAddress!.assumingMemoryBound(to: ck_i2c_message.self), 2) }
        _ = try check(r, "write-then-read")
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
