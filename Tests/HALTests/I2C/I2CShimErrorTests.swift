@preconcurrency import CI2C
import CShimFakes
import Glibc
import HAL
import SystemPackage
import Testing

/// What the fake libi2c answers next, and what it was asked (the backend entries cannot capture).
private struct FakeLibi2c {
    var result: Int32 = 0
    var calls = 0
    var lastRegister: UInt8 = 0
    var lastLength: UInt8 = 0
}

nonisolated(unsafe) private var fake = FakeLibi2c()

/// How an I2C peripheral fails and what `LinuxI2CDevice` makes of it. A missing adapter is real; the
/// adapter itself is the fakes' loopback device (it answers I2C_SLAVE and I2C_FUNCS like the kernel's
/// SMBus-only i2c-stub), and the SMBus transfers, which libi2c issues itself, go through a fake library
/// behind `ck_i2c_backend`.
extension ShimSeam {
    @Suite("I2C shim: adapter and SMBus failures become typed I2CErrors naming bus and address")
    struct I2CShimErrorTests {
        static let bus = "/dev/i2c-fake1"

        private func withFakeAdapter<R>(_ body: (SeamFakes) throws -> R) rethrows -> R {
            fake = FakeLibi2c()
            return try withSeamFakes { fakes in
                fakes.loopbackDevice(Self.bus)
                return try LibraryBackends.withI2C({ b in
                    b.quick = { _ in fake.calls += 1; return fake.result }
                    b.read_byte = { _ in fake.calls += 1; return fake.result }
                    b.read_byte_data = { _, reg in fake.calls += 1; fake.lastRegister = reg; return fake.result }
                    b.read_word_data = { _, reg in fake.calls += 1; fake.lastRegister = reg; return fake.result }
                    b.write_byte_data = { _, reg, _ in fake.calls += 1; fake.lastRegister = reg; return fake.result }
                    b.write_word_data = { _, reg, _ in fake.calls += 1; fake.lastRegister = reg; return fake.result }
                    b.read_block = { _, reg, len, buf in
                        fake.calls += 1
                        fake.lastRegister = reg
                        fake.lastLength = len
                        if fake.result < 0 { return fake.result }
                        for i in 0..<Int(len) { buf?[i] = UInt8(i) }
                        return Int32(len)
                    }
                    b.write_block = { _, reg, len, _ in fake.calls += 1; fake.lastRegister = reg; fake.lastLength = len; return fake.result }
                }) { try body(fakes) }
            }
        }

        @Test("an adapter node that does not exist: .open(ENOENT), kind .absent, with the config.txt hint")
        func absentAdapter() {
            let error = #expect(throws: I2CError.self) { try LinuxI2CDevice(bus: "/dev/i2c-99", address: 0x48) }
            #expect(error == .open("/dev/i2c-99", errno: .noSuchFileOrDirectory))
            #expect(error?.kind == .absent)
            #expect(error?.description == "cannot open /dev/i2c-99: No such file or directory — is dtparam=i2c_arm=on set?")
        }

        @Test("a node that is not an i2c adapter: selecting the address fails with ENOTTY, kind .unsupported")
        func notAnAdapter() {
            let error = #expect(throws: I2CError.self) { try LinuxI2CDevice(bus: "/dev/null", address: 0x48) }
            #expect(error == .address("/dev/null", address: 0x48, errno: .inappropriateIOCTLForDevice))
            #expect(error?.kind == .unsupported)
        }

        @Test("address selection: a kernel driver owns it (EBUSY, kind .busy, hint); 8-bit addresses are refused")
        func addressSelection() throws {
            try withFakeAdapter { fakes in
                fakes.fail(CK_OP_IOCTL, with: .resourceBusy)
                let busy = #expect(throws: I2CError.self) { try LinuxI2CDevice(bus: Self.bus, address: 0x48) }
                #expect(busy == .address(Self.bus, address: 0x48, errno: .resourceBusy))
                #expect(busy?.kind == .busy)
                #expect(busy?.description == "cannot select address 0x48 on \(Self.bus): Device or resource busy — a kernel driver owns that address")
                #expect(fakes.calls(CK_OP_CLOSE) == 1, "the adapter node is closed again, once")

                let wide = #expect(throws: I2CError.self) { try LinuxI2CDevice(bus: Self.bus, address: 0x90) }
                #expect(wide == .address(Self.bus, address: 0x90, errno: .invalidArgument))

                let forced = try LinuxI2CDevice(bus: Self.bus, address: 0x48, force: true)
                #expect(fakes.lastIoctl == Ioctl.i2cSlaveForce)
                forced.close()
                _ = try LinuxI2CDevice(bus: Self.bus, address: 0x49)
                #expect(fakes.lastIoctl == Ioctl.i2cSlave)
            }
        }

        @Test("nothing acknowledges (ENXIO, or EREMOTEIO from some adapters): kind .io and the i2cdetect hint",
              arguments: [Errno.noSuchAddressOrDevice, Errno(rawValue: 121)])
        func noAcknowledge(_ errno: Errno) throws {
            try withFakeAdapter { _ in
                let adc = try LinuxI2CDevice(bus: Self.bus, address: 0x50)
                fake.result = -errno.rawValue
                let error = #expect(throws: I2CError.self) { _ = try adc.readWord(register: 0) }
                #expect(error == .transfer(Self.bus, address: 0x50, operation: "read word 0x00", errno: errno))
                #expect(error?.kind == .io)
                #expect(error?.description == "cannot read word 0x00 of device 0x50 on \(Self.bus): \(errno.description) — nothing acknowledged at that address (i2cdetect lists what answers)")
                #expect(throws: I2CError.self) { try adc.probe() }
            }
        }

        @Test("each SMBus call reports its own operation and register",
              arguments: [("probe", Errno.ioError), ("receive byte", .ioError), ("read register 0x01", .ioError), ("write register 0x01", .timedOut),
                          ("read word 0x01", .ioError), ("write word 0x01", .ioError)])
        func operationsAreNamed(_ operation: String, _ errno: Errno) throws {
            try withFakeAdapter { _ in
                let adc = try LinuxI2CDevice(bus: Self.bus, address: 0x48)
                fake.result = -errno.rawValue
                let error = #expect(throws: I2CError.self) {
                    switch operation {
                    case "probe": try adc.probe()
                    case "receive byte": _ = try adc.receiveByte()
                    case "read register 0x01": _ = try adc.readByte(register: 1)
                    case "write register 0x01": try adc.writeByte(register: 1, 0x5A)
                    case "read word 0x01": _ = try adc.readWord(register: 1)
                    default: try adc.writeWord(register: 1, 0x8385)
                    }
                }
                #expect(error == .transfer(Self.bus, address: 0x48, operation: operation, errno: errno))
                #expect(error?.kind == DeviceErrorKind(errno: errno))
            }
        }

        @Test("SMBus words are low byte first; the big-endian helpers swap for ADS1115-style registers")
        func wordByteOrder() throws {
            try withFakeAdapter { _ in
                let adc = try LinuxI2CDevice(bus: Self.bus, address: 0x48)
                fake.result = 0x8583          // libi2c's value: low byte 0x83 came first on the wire
                #expect(try adc.readWord(register: 0) == 0x8583)
                #expect(try adc.readBigEndianWord(register: 0) == 0x8385)
                #expect(fake.lastRegister == 0)
            }
        }

        @Test("I2C-block reads and writes: 1…32 bytes, refused outside that before the library is asked")
        func blocks() throws {
            try withFakeAdapter { _ in
                let monitor = try LinuxI2CDevice(bus: Self.bus, address: 0x49)
                var buffer = [UInt8](repeating: 0xEE, count: 6)
                let n = try buffer.withUnsafeMutableBytes { try monitor.readBlock(register: 0x10, into: $0) }
                #expect(n == 6)
                #expect(buffer == [0, 1, 2, 3, 4, 5])
                #expect(fake.lastRegister == 0x10 && fake.lastLength == 6)
                try [UInt8]([1, 2, 3]).withUnsafeBytes { try monitor.writeBlock(register: 0x20, $0) }
                #expect(fake.lastRegister == 0x20 && fake.lastLength == 3)

                let calls = fake.calls
                var big = [UInt8](repeating: 0, count: 33)
                let error = #expect(throws: I2CError.self) { _ = try big.withUnsafeMutableBytes { try monitor.readBlock(register: 0, into: $0) } }
                #expect(error == .transfer(Self.bus, address: 0x49, operation: "read block 0x00", errno: .invalidArgument))
                #expect(throws: I2CError.self) { try [UInt8]().withUnsafeBytes { try monitor.writeBlock(register: 0, $0) } }
                #expect(fake.calls == calls)

                fake.result = -EIO
                #expect(throws: I2CError.transfer(Self.bus, address: 0x49, operation: "read block 0x10", errno: .ioError)) {
                    _ = try buffer.withUnsafeMutableBytes { try monitor.readBlock(register: 0x10, into: $0) }
                }
            }
        }

        @Test("plain I2C messages on an SMBus-only adapter: EOPNOTSUPP, kind .unsupported, explained")
        func plainI2COnSMBusAdapter() throws {
            try withFakeAdapter { fakes in
                let chip = try LinuxI2CDevice(bus: Self.bus, address: 0x48)
                let funcs = try chip.functionality()
                #expect(funcs & CK_I2C_FUNC_I2C == 0, "the adapter says it cannot")
                #expect(funcs & CK_I2C_FUNC_SMBUS_READ_WORD_DATA != 0)
                var tx: [UInt8] = [0x00]
                var rx = [UInt8](repeating: 0, count: 2)
                let error = #expect(throws: I2CError.self) {
                    try tx.withUnsafeMutableBytes { t in try rx.withUnsafeMutableBytes { r in try chip.writeThenRead(t, into: r) } }
                }
                #expect(error == .transfer(Self.bus, address: 0x48, operation: "write-then-read", errno: .notSupported))
                #expect(error?.kind == .unsupported)
                #expect(error?.description.hasSuffix("— the adapter cannot do that transfer (SMBus-only adapters refuse plain I2C messages)") == true)
                #expect(fakes.lastIoctl == Ioctl.i2cRdwr)

                fakes.fail(CK_OP_IOCTL, with: .ioError)
                #expect(throws: I2CError.transfer(Self.bus, address: 0x48, operation: "read the functionality", errno: .ioError)) {
                    _ = try chip.functionality()
                }
            }
        }

        @Test("a closed device reports .closed, kind .disconnected; closing twice closes once")
        func closed() throws {
            try withFakeAdapter { fakes in
                let adc = try LinuxI2CDevice(bus: Self.bus, address: 0x48)
                adc.close()
                adc.close()
                #expect(fakes.calls(CK_OP_CLOSE) == 1)
                let error = #expect(throws: I2CError.self) { _ = try adc.readWord(register: 0) }
                #expect(error == .closed(Self.bus))
                #expect(error?.kind == .disconnected)
                #expect(throws: I2CError.closed(Self.bus)) { try adc.probe() }
                #expect(throws: I2CError.closed(Self.bus)) { _ = try adc.functionality() }
            }
        }

        @Test("the C entry points check their arguments without touching the adapter")
        func shimArgumentChecks() throws {
            try withFakeAdapter { fakes in
                var f: UInt32 = 0
                var byte: UInt8 = 0
                #expect(ck_i2c_set_address(3, 0x80, 0) == -EINVAL)
                #expect(ck_i2c_functionality(3, nil) == -EINVAL)
                #expect(ck_i2c_read_block(3, 0, nil, 1) == -EINVAL)
                #expect(ck_i2c_read_block(3, 0, &byte, 0) == -EINVAL)
                #expect(ck_i2c_write_block(3, 0, &byte, 33) == -EINVAL)
                #expect(ck_i2c_transfer(3, nil, 1) == -EINVAL)
                var message = ck_i2c_message(address: 0x48, read: 1, buf: &byte, len: 0)
                #expect(ck_i2c_transfer(3, &message, 1) == -EINVAL, "an empty message")
                message.len = 1
                #expect(ck_i2c_transfer(3, &message, 9) == -EINVAL, "more than 8 messages")
                _ = f
                #expect(fakes.calls(CK_OP_IOCTL) == 0)
                #expect(fake.calls == 0)
            }
        }
    }
}
