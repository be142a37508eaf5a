@preconcurrency import CI2C
import CShimFakes
import Glibc
import HAL
import Testing

/// The kernel's i2c-stub, as a fake libi2c behind `ck_i2c_backend`: one 16-bit word per register per
/// chip, a byte write replaces the low byte, an address with no chip answers ENODEV (as i2c-stub does).
/// The chip is the one the loopback adapter last had selected with I2C_SLAVE.
nonisolated(unsafe) private var stubChips: [UInt8: [UInt16]] = [:]

private func stubChip() -> UInt8? {
    let a = UInt8(truncatingIfNeeded: ck_fake_loopback_i2c_address())
    return stubChips[a] == nil ? nil : a
}

/// `LinuxI2CDevice` on the fakes' SMBus-only adapter with the stub above.
private final class LinuxStubHarness: I2CDeviceHarness {
    static let bus = "/dev/i2c-stub9"
    let presentAddress: UInt8 = 0x48
    let absentAddress: UInt8 = 0x50
    private var devices: [LinuxI2CDevice] = []

    func device(at address: UInt8) throws -> any I2CDevice {
        let d = try LinuxI2CDevice(bus: Self.bus, address: address)
        devices.append(d)
        return d
    }

    /// Runs `body` with the fake adapter and the stub installed.
    static func run(_ body: (LinuxStubHarness) throws -> Void) throws {
        stubChips = [0x48: [UInt16](repeating: 0, count: 256), 0x49: [UInt16](repeating: 0, count: 256)]
        try withSeamFakes { fakes in
            fakes.loopbackDevice(bus)
            try LibraryBackends.withI2C({ b in
                b.quick = { _ in stubChip() == nil ? -ENODEV : 0 }
                b.read_byte_data = { _, reg in
                    guard let c = stubChip() else { return -ENODEV }
                    return Int32(stubChips[c]![Int(reg)] & 0xFF)
                }
                b.read_word_data = { _, reg in
                    guard let c = stubChip() else { return -ENODEV }
                    return Int32(stubChips[c]![Int(reg)])
                }
                b.write_byte_data = { _, reg, value in
                    guard let c = stubChip() else { return -ENODEV }
                    stubChips[c]![Int(reg)] = stubChips[c]![Int(reg)] & 0xFF00 | UInt16(value)
                    return 0
                }
                b.write_word_data = { _, reg, value in
                    guard let c = stubChip() else { return -ENODEV }
                    stubChips[c]![Int(reg)] = value
                    return 0
                }
            }) {
                let harness = LinuxStubHarness()
                try body(harness)
                harness.devices.forEach { $0.close() }
            }
        }
    }
}

/// Twins: one register file at the present address, nothing at the absent one.
private final class TwinI2CHarness: I2CDeviceHarness {
    let presentAddress: UInt8 = 0x48
    let absentAddress: UInt8 = 0x50
    private lazy var present = SimulatedI2CDevice(bus: "/dev/i2c-sim", address: presentAddress)

    func device(at address: UInt8) throws -> any I2CDevice {
        if address == presentAddress { return present }
        let nobody = SimulatedI2CDevice(bus: "/dev/i2c-sim", address: address)
        nobody.backend.absent = true
        return nobody
    }
}

enum I2CImplementation: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case linuxOnStubAdapter = "LinuxI2CDevice on a fake SMBus adapter with an i2c-stub model"
    case simulated = "SimulatedI2CDevice"
    var testDescription: String { rawValue }

    func run(_ contract: (any I2CDeviceHarness) throws -> Void) throws {
        switch self {
        case .linuxOnStubAdapter: try LinuxStubHarness.run { try contract($0) }
        case .simulated: try contract(TwinI2CHarness())
        }
    }
}

/// The I2C contract. The Linux run goes through the fakes, hence inside `ShimSeam`; the HILKernel suites
/// run the same contract on the kernel's i2c-stub.
extension ShimSeam {
    @Suite("I2CDevice contract: Linux (fake adapter) and simulated behave alike")
    struct I2CDeviceConformance {
        @Test("registers read back; a byte write changes the low byte", arguments: I2CImplementation.allCases)
        func registers(_ impl: I2CImplementation) throws { try impl.run { try I2CDeviceContract.registersReadBack($0) } }

        @Test("SMBus word order and the big-endian helpers", arguments: I2CImplementation.allCases)
        func byteOrder(_ impl: I2CImplementation) throws { try impl.run { try I2CDeviceContract.bigEndianHelpers($0) } }

        @Test("an absent address is a NAK: kind .io with the hint", arguments: I2CImplementation.allCases)
        func absent(_ impl: I2CImplementation) throws { try impl.run { try I2CDeviceContract.absentAddressIsANak($0) } }
    }
}
