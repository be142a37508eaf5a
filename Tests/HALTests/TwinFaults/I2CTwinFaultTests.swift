import HAL
import SystemPackage
import Testing

/// The faults a `SimulatedI2CDevice` can play and what each yields.
@Suite("I2C twin faults: no acknowledge, a failing transfer, a chip that changes its own registers")
struct I2CTwinFaultTests {
    let adc = SimulatedI2CDevice(bus: "/dev/i2c-1", address: 0x48)

    @Test("nothing at the address: ENXIO on every call, kind .io, the i2cdetect hint")
    func absent() {
        adc.backend.absent = true
        let error = #expect(throws: I2CError.self) { _ = try adc.readWord(register: 0) }
        #expect(error == .transfer("/dev/i2c-1", address: 0x48, operation: "read word", errno: .noSuchAddressOrDevice))
        #expect(error?.kind == .io)
        #expect(error?.description == "cannot read word of device 0x48 on /dev/i2c-1: No such device or address — nothing acknowledged at that address (i2cdetect lists what answers)")
        #expect(throws: I2CError.self) { try adc.probe() }
    }

    @Test("one failing transfer (EIO, arbitration lost…): that call only; the counter shows every attempt")
    func failOnce() throws {
        adc.backend.failNext = .ioError
        #expect(#expect(throws: I2CError.self) { try adc.writeWord(register: 1, 0x8385) }?.kind == .io)
        try adc.writeWord(register: 1, 0x8385)
        #expect(try adc.readWord(register: 1) == 0x8385)
        #expect(adc.backend.transferCount == 3)
    }

    @Test("an ADC whose conversion register changes on its own (onRead), and a command register (onWrite)")
    func chipModel() throws {
        var conversions: [UInt16] = [0x1000, 0x2000]
        adc.backend.onRead = { reg in reg == 0 && !conversions.isEmpty ? conversions.removeFirst().byteSwapped : nil }
        var commanded: [UInt16] = []
        adc.backend.onWrite = { reg, value in if reg == 1 { commanded.append(value.byteSwapped) } }
        try adc.writeBigEndianWord(register: 1, 0xC383)
        #expect(commanded == [0xC383])
        #expect(try adc.readBigEndianWord(register: 0) == 0x1000)
        #expect(try adc.readBigEndianWord(register: 0) == 0x2000)
        #expect(try adc.readBigEndianWord(register: 0) == 0x2000, "no new conversion: the last value stays")
    }
}
