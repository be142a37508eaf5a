import HAL

/// TI ADS1115: 16-bit, 4-input delta-sigma ADC on I2C (0x48–0x4B). The direct Pi CP board reads the
/// control pilot's two plateaus with it; the temperature sensors of other boards use it too.
///
/// Registers (datasheet SBAS444, §9.6): 0x00 conversion (signed, big-endian), 0x01 config (big-endian).
/// Only SMBus word transfers are used (byte-swapped, the chip sends the high byte first), which is all
/// the HIL VM's i2c-stub offers. Conversions are single-shot and non-blocking: `start` writes the
/// config with OS = 1, `isReady` reads OS back (1 = idle, the result is in), `readConversion` fetches
/// it — one transfer per call, so a driver spreads a conversion over ticks instead of waiting.
public final class ADS1115 {
    /// Input multiplexer (config bits 14:12).
    public enum Input: UInt16, Sendable, CaseIterable {
        case differential01 = 0b000, differential03 = 0b001, differential13 = 0b010, differential23 = 0b011
        case ain0 = 0b100, ain1 = 0b101, ain2 = 0b110, ain3 = 0b111
    }

    /// Programmable gain: the full-scale range (config bits 11:9).
    public enum FullScale: UInt16, Sendable, CaseIterable {
        case millivolts6144 = 0b000, millivolts4096 = 0b001, millivolts2048 = 0b010
        case millivolts1024 = 0b011, millivolts512 = 0b100, millivolts256 = 0b101

        /// Full-scale in microvolts (the value of code 32768).
        public var microvolts: Int64 {
            switch self {
            case .millivolts6144: 6_144_000
            case .millivolts4096: 4_096_000
            case .millivolts2048: 2_048_000
            case .millivolts1024: 1_024_000
            case .millivolts512: 512_000
            case .millivolts256: 256_000
            }
        }
    }

    /// Samples per second (config bits 7:5).
    public enum DataRate: UInt16, Sendable, CaseIterable {
        case sps8 = 0b000, sps16 = 0b001, sps32 = 0b010, sps64 = 0b011
        case sps128 = 0b100, sps250 = 0b101, sps475 = 0b110, sps860 = 0b111

        /// One conversion's duration, rounded up to whole microseconds.
        public var conversionTime: Nanoseconds {
            let rate: Int64 = switch self {
            case .sps8: 8
            case .sps16: 16
            case .sps32: 32
            case .sps64: 64
            case .sps128: 128
            case .sps250: 250
            case .sps475: 475
            case .sps860: 860
            }
            return .microseconds((1_000_000 + rate - 1) / rate)
        }
    }

    public enum Register: UInt8 { case conversion = 0x00, config = 0x01, lowThreshold = 0x02, highThreshold = 0x03 }

    /// Config bit 15: write 1 to start a single conversion; reads 1 while the device is idle.
    public static let operationalStatus: UInt16 = 0x8000
    /// Config bit 8: single-shot (power-down between conversions).
    public static let singleShot: UInt16 = 0x0100
    /// Config bits 1:0 = 11: comparator disabled, ALERT/RDY high impedance.
    public static let comparatorDisabled: UInt16 = 0x0003

    public let device: any I2CDevice
    public let fullScale: FullScale
    public let dataRate: DataRate

    public init(device: any I2CDevice, fullScale: FullScale = .millivolts4096, dataRate: DataRate = .sps860) {
        self.device = device
        self.fullScale = fullScale
        self.dataRate = dataRate
    }

    /// The config word that starts a single-shot conversion of `input`.
    public func configWord(for input: Input) -> UInt16 {
        Self.operationalStatus | input.rawValue << 12 | fullScale.rawValue << 9 | Self.singleShot
            | dataRate.rawValue << 5 | Self.comparatorDisabled
    }

    /// Which input a config word selects.
    public static func input(ofConfig word: UInt16) -> Input { Input(rawValue: word >> 12 & 0b111)! }

    /// Starts one conversion of `input`.
    public func start(_ input: Input) throws(I2CError) {
        try device.writeBigEndianWord(register: Register.config.rawValue, configWord(for: input))
    }

    /// True once the conversion started last has finished.
    public func isReady() throws(I2CError) -> Bool {
        try device.readBigEndianWord(register: Register.config.rawValue) & Self.operationalStatus != 0
    }

    /// The last conversion result (two's complement code).
    public func readConversion() throws(I2CError) -> Int16 {
        Int16(bitPattern: try device.readBigEndianWord(register: Register.conversion.rawValue))
    }

    /// Converts a code to microvolts at the input pins for this gain.
    public func microvolts(_ code: Int16) -> Int32 {
        Int32(Int64(code) * fullScale.microvolts / 32_768)
    }

    /// The code a voltage produces (the inverse of `microvolts`, clamped): for tests and emulators.
    public static func code(microvolts: Int32, fullScale: FullScale) -> Int16 {
        let c = Int64(microvolts) * 32_768 / fullScale.microvolts
        return Int16(clamping: c)
    }
}
