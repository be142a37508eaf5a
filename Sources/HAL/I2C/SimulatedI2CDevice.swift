import SystemPackage

/// The simulated twin of an I2C peripheral: a 256-register file of 16-bit words like the kernel's
/// i2c-stub (a byte access touches the low byte), with hooks for chips whose registers change on their
/// own (an ADC's conversion register) and faults (no acknowledge, EIO, a vanished adapter).
public final class SimulatedI2CDevice: I2CDevice {
    public let bus: String
    public let address: UInt8
    public let backend: Backend

    public final class Backend {
        /// The register file, SMBus word order.
        public var words = [UInt16](repeating: 0, count: 256)
        /// Called before a read of `register`; a non-nil result replaces the stored word.
        public var onRead: ((UInt8) -> UInt16?)?
        /// Called after the host writes a word (chips with command registers react here).
        public var onWrite: ((UInt8, UInt16) -> Void)?
        /// Nothing acknowledges at the address.
        public var absent = false
        public var failNext: Errno?
        public internal(set) var transferCount = 0
    }

    public init(bus: String, address: UInt8) {
        self.bus = bus
        self.address = address
        backend = Backend()
    }

    private func begin(_ operation: StaticString) throws(I2CError) {
        backend.transferCount += 1
        if backend.absent { throw .transfer(bus, address: address, operation: "\(operation)", errno: .noSuchAddressOrDevice) }
        if let e = backend.failNext {
            backend.failNext = nil
            throw .transfer(bus, address: address, operation: "\(operation)", errno: e)
        }
    }

    private func word(_ register: UInt8) -> UInt16 {
        if let hook = backend.onRead, let v = hook(register) { backend.words[Int(register)] = v }
        return backend.words[Int(register)]
    }

    public func probe() throws(I2CError) { try begin("probe") }

    public func readByte(register: UInt8) throws(I2CError) -> UInt8 {
        try begin("read register")
        return UInt8(truncatingIfNeeded: word(register))
    }

    public func writeByte(register: UInt8, _ value: UInt8) throws(I2CError) {
        try begin("write register")
        backend.words[Int(register)] = backend.words[Int(register)] & 0xFF00 | UInt16(value)
        backend.onWrite?(register, backend.words[Int(register)])
    }

    public func readWord(register: UInt8) throws(I2CError) -> UInt16 {
        try begin("read word")
        return word(register)
    }

    public func writeWord(register: UInt8, _ value: UInt16) throws(I2CError) {
        try begin("write word")
        backend.words[Int(register)] = value
        backend.onWrite?(register, value)
    }
}
