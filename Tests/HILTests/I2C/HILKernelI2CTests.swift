@preconcurrency import CI2C
import HAL
import SystemPackage
import Testing
import TestSupport

/// `LinuxI2CDevice` on the VM's i2c-stub bus (chips at 0x48 and 0x49; nothing at 0x50).
struct LinuxI2CStubHarness: I2CDeviceHarness {
    let presentAddress: UInt8 = 0x48
    let absentAddress: UInt8 = 0x50
    func device(at address: UInt8) throws -> any I2CDevice { try LinuxI2CDevice(bus: HIL.i2cDevice, address: address) }
}

/// i2c-dev and libi2c (CI2C) through `LinuxI2CDevice` on i2c-stub: SMBus only, register memory.
@Suite("HILKernel I2C: i2c-dev and libi2c on i2c-stub", .serialized, HIL.onlyInVM, .required("hil-kernel"))
struct HILKernelI2CTests {
    @Test("contract: registers read back, SMBus word order and big-endian helpers, a missing address is a NAK")
    func contract() throws {
        try I2CDeviceContract.registersReadBack(LinuxI2CStubHarness())
        try I2CDeviceContract.bigEndianHelpers(LinuxI2CStubHarness())
        try I2CDeviceContract.absentAddressIsANak(LinuxI2CStubHarness())
    }

    @Test("word 0x8385 at 0x48 register 1 and byte 0x5a at 0x49: what i2cget reads is what we wrote")
    func crossCheckWithI2CTools() throws {
        let adc = try LinuxI2CDevice(bus: HIL.i2cDevice, address: 0x48)
        let monitor = try LinuxI2CDevice(bus: HIL.i2cDevice, address: 0x49)
        try adc.writeWord(register: 1, 0x8385)
        try monitor.writeByte(register: 0, 0x5A)
        let bus = String(HIL.i2cDevice.split(separator: "-").last ?? "0")
        #expect(try HIL.run(["i2cget", "-y", bus, "0x48", "1", "w"]).contains("0x8385"))
        #expect(try HIL.run(["i2cget", "-y", bus, "0x49", "0", "b"]).contains("0x5a"))
        #expect(try adc.readBigEndianWord(register: 1) == 0x8583)
        // i2c-stub's receive byte returns the register after the last one accessed (its pointer).
        try monitor.writeByte(register: 1, 0xA7)
        #expect(try monitor.readByte(register: 0) == 0x5A)
        #expect(try monitor.receiveByte() == 0xA7)
    }

    @Test("a missing address (0x50): the typed NAK error, word for word")
    func missingAddress() throws {
        let nobody = try LinuxI2CDevice(bus: HIL.i2cDevice, address: 0x50)
        let error = #expect(throws: I2CError.self) { _ = try nobody.readWord(register: 0) }
        #expect(error?.kind == .io)
        #expect(error?.description.hasPrefix("cannot read word 0x00 of device 0x50 on \(HIL.i2cDevice): ") == true)
        #expect(error?.description.hasSuffix("— nothing acknowledged at that address (i2cdetect lists what answers)") == true)
    }

    @Test("an SMBus-only adapter: no I2C_FUNC_I2C, and a plain write-then-read is EOPNOTSUPP, kind .unsupported")
    func smbusOnly() throws {
        let adc = try LinuxI2CDevice(bus: HIL.i2cDevice, address: 0x48)
        let funcs = try adc.functionality()
        #expect(funcs & CK_I2C_FUNC_I2C == 0)
        #expect(funcs & CK_I2C_FUNC_SMBUS_READ_WORD_DATA != 0)
        var tx: [UInt8] = [0x01]
        var rx = [UInt8](repeating: 0, count: 2)
        let error = #expect(throws: I2CError.self) {
            try tx.withUnsafeMutableBytes { t in try rx.withUnsafeMutableBytes { r in try adc.writeThenRead(t, into: r) } }
        }
        #expect(error == .transfer(HIL.i2cDevice, address: 0x48, operation: "write-then-read", errno: .notSupported))
        #expect(error?.kind == .unsupported)
    }

    @Test("I2C-block writes and reads round-trip on i2c-stub")
    func blocks() throws {
        let chip = try LinuxI2CDevice(bus: HIL.i2cDevice, address: 0x49)
        let data: [UInt8] = [0x10, 0x20, 0x30, 0x40, 0x50]
        try data.withUnsafeBytes { try chip.writeBlock(register: 0x20, $0) }
        var back = [UInt8](repeating: 0, count: 5)
        let n = try back.withUnsafeMutableBytes { try chip.readBlock(register: 0x20, into: $0) }
        #expect(n == 5)
        #expect(back == data)
    }

    @Test("a missing adapter node: .open(ENOENT), kind .absent")
    func missingAdapter() {
        #expect(#expect(throws: I2CError.self) { try LinuxI2CDevice(bus: "/dev/i2c-99", address: 0x48) }?.kind == .absent)
    }
}
