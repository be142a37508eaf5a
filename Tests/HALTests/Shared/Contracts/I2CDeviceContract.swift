import HAL
import Testing

/// I2C peripherals under test: one that answers (a register file like the kernel's i2c-stub) and an
/// address where nothing does.
protocol I2CDeviceHarness {
    /// The device at `address` on the harness's bus.
    func device(at address: UInt8) throws -> any I2CDevice
    var presentAddress: UInt8 { get }
    var absentAddress: UInt8 { get }
}

/// What every `I2CDevice` does, Linux or simulated.
enum I2CDeviceContract {
    /// Words and bytes written read back; a byte write changes only the low byte of that register's
    /// word (i2c-stub keeps one 16-bit word per register, as the twin does).
    static func registersReadBack(_ h: some I2CDeviceHarness) throws {
        let chip = try h.device(at: h.presentAddress)
        try chip.probe()
        try chip.writeWord(register: 0x01, 0x8385)
        #expect(try chip.readWord(register: 0x01) == 0x8385)
        try chip.writeByte(register: 0x02, 0x5A)
        #expect(try chip.readByte(register: 0x02) == 0x5A)
        try chip.writeWord(register: 0x03, 0xABCD)
        try chip.writeByte(register: 0x03, 0x12)
        #expect(try chip.readWord(register: 0x03) == 0xAB12)
    }

    /// SMBus words travel low byte first; the big-endian helpers swap for ADS1115-style registers.
    static func bigEndianHelpers(_ h: some I2CDeviceHarness) throws {
        let adc = try h.device(at: h.presentAddress)
        try adc.writeBigEndianWord(register: 0x00, 0x1234)
        #expect(try adc.readWord(register: 0x00) == 0x3412, "SMBus order: 0x12 went out second")
        #expect(try adc.readBigEndianWord(register: 0x00) == 0x1234)
    }

    /// Nothing at the address: every transfer is `.transfer` naming the address, kind `.io`, with
    /// the "nothing acknowledged" hint.
    static func absentAddressIsANak(_ h: some I2CDeviceHarness) throws {
        let nobody = try h.device(at: h.absentAddress)
        let calls: [() throws -> Void] = [
            { try nobody.probe() },
            { _ = try nobody.readWord(register: 0) },
            { try nobody.writeByte(register: 1, 0xFF) },
        ]
        for call in calls {
            let error = #expect(throws: I2CError.self) { try call() }
            guard case let .transfer(bus, address, _, _)? = error else {
                Issue.record("expected .transfer, got \(String(describing: error))")
                continue
            }
            #expect(bus == nobody.bus && address == h.absentAddress)
            #expect(error?.kind == .io)
            #expect(error?.description.contains("nothing acknowledged at that address") == true)
        }
    }
}
