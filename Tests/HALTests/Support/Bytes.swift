import Buffers
import HAL

/// Small conveniences that turn the HAL's span-based calls into arrays for assertions. They allocate,
/// which is fine in tests; the HAL calls underneath do not.
extension SerialPort {
    /// One non-blocking read of at most `max` bytes.
    func readBytes(max: Int = 4096) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: max)
        let n = try out.withUnsafeMutableBytes { raw in
            var span = MutableRawSpan(_unsafeBytes: raw)
            return try read(into: &span)
        }
        return Array(out.prefix(n))
    }

    /// One non-blocking write; returns how many bytes the port took.
    func writeBytes(_ bytes: [UInt8]) throws -> Int {
        try bytes.withUnsafeBytes { raw in try write(RawSpan(_unsafeBytes: raw)) }
    }
}

extension EthernetLink {
    func send(_ frame: [UInt8]) throws -> Bool {
        try frame.withUnsafeBytes { raw in try send(RawSpan(_unsafeBytes: raw)) }
    }

    /// Receives one frame into a fresh buffer of `capacity` bytes; nil when none is waiting.
    func receiveFrame(capacity: Int = 1600) throws -> [UInt8]? {
        let buffer = FrameBuffer(capacity: capacity)
        guard try receive(into: buffer) else { return nil }
        return Array(buffer.unsafeBytes)
    }
}

extension SPIDevice {
    /// One full-duplex transfer of `tx`; returns what was clocked in.
    func exchange(_ tx: [UInt8]) throws -> [UInt8] {
        var rx = [UInt8](repeating: 0xEE, count: tx.count)
        try tx.withUnsafeBytes { t in
            try rx.withUnsafeMutableBytes { r in
                var span = MutableRawSpan(_unsafeBytes: r)
                try transfer(RawSpan(_unsafeBytes: t), into: &span)
            }
        }
        return rx
    }
}

/// Frames for the raw-Ethernet tests: destination, source, EtherType, payload.
enum TestFrame {
    static let slacEtherType: UInt16 = 0x88E1

    static func make(to destination: MACAddress, from source: MACAddress, etherType: UInt16 = slacEtherType,
                     payload: [UInt8]) -> [UInt8] {
        var f: [UInt8] = []
        for i in 0..<6 { f.append(destination[i]) }
        for i in 0..<6 { f.append(source[i]) }
        f.append(UInt8(etherType >> 8))
        f.append(UInt8(etherType & 0xFF))
        return f + payload
    }
}

/// A deterministic byte pattern (xorshift), so a failing transfer is reproducible.
func patternBytes(count: Int, seed: UInt32 = 0x2545_F491) -> [UInt8] {
    var x = seed == 0 ? 1 : seed
    return (0..<count).map { _ in
        x ^= x << 13
        x ^= x >> 17
        x ^= x << 5
        return UInt8(truncatingIfNeeded: x)
    }
}
