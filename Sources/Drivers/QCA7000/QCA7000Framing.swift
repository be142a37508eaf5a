import Buffers

/// Frame encapsulation over the QCA7000 SPI interface (qca7000-spi.md §5): the host wraps each
/// Ethernet frame as `AA AA AA AA | FL (LE) | 00 00 | frame | 55 55`; the chip delivers
/// `LEN (BE, 32) | AA AA AA AA | FL | 00 00 | frame | 55 55`, several frames back to back.
public enum QCA7000Framing {
    /// Writes the transmit framing of `frame` (zero-padded to 60 bytes) at the start of `out`;
    /// returns the framed length (FL + 10), or nil when `out` is too small or the frame too long.
    public static func encode(_ frame: borrowing RawSpan, into out: UnsafeMutableRawBufferPointer) -> Int? {
        let n = frame.byteCount
        guard n <= QCA7000SPI.maximumFrameLength else { return nil }
        let fl = max(n, QCA7000SPI.minimumFrameLength)
        let total = fl + QCA7000SPI.transmitFramingOverhead
        guard out.count >= total else { return nil }
        var i = 0
        while i < 4 {
            out[i] = QCA7000SPI.startOfFrame
            i += 1
        }
        out[4] = UInt8(truncatingIfNeeded: fl)
        out[5] = UInt8(truncatingIfNeeded: fl >> 8)
        out[6] = 0
        out[7] = 0
        i = 0
        while i < fl {
            out[8 + i] = i < n ? frame.unsafeLoad(fromByteOffset: i, as: UInt8.self) : 0
            i += 1
        }
        out[8 + fl] = QCA7000SPI.endOfFrame
        out[9 + fl] = QCA7000SPI.endOfFrame
        return total
    }

    /// The streaming receive decoder (the Linux driver's approach, qca7000-spi.md §5.2): resynchronises
    /// byte by byte on garbage, drops frames with an impossible length or a missing tail, and handles
    /// frames split across external reads. Never allocates after `init`.
    public struct Decoder {
        enum State { case length, startOfFrame, frameLength, reserved, body, endOfFrame }
        private var state = State.length
        private var count = 0
        private var frameLength = 0
        private let frame: FrameBuffer
        /// Bytes that did not start a frame ("no header").
        public private(set) var noHeader = 0
        /// Frames with FL below 60 or above 1518 ("invalid length").
        public private(set) var invalidLength = 0
        /// Frames without 55 55 after the body ("no tail").
        public private(set) var noTail = 0

        public init(maximumFrameLength: Int = QCA7000SPI.maximumFrameLength) {
            frame = FrameBuffer(capacity: maximumFrameLength)
        }

        public var framingErrors: Int { noHeader + invalidLength + noTail }

        private mutating func restart() {
            state = .length
            count = 0
        }

        /// Feeds received bytes; every complete frame is pushed into `frames` (a full queue counts a
        /// drop there).
        public mutating func feed(_ bytes: UnsafeRawBufferPointer, into frames: FrameQueue) {
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                switch state {
                case .length:
                    // 32-bit big-endian hardware length; the two high bytes are always 0.
                    if count < 2, b != 0 {
                        noHeader &+= 1
                        count = 0
                        continue
                    }
                    count += 1
                    if count == 4 {
                        state = .startOfFrame
                        count = 0
                    }
                case .startOfFrame:
                    guard b == QCA7000SPI.startOfFrame else {
                        noHeader &+= 1
                        restart()
                        continue
                    }
                    count += 1
                    if count == 4 {
                        state = .frameLength
                        count = 0
                        frameLength = 0
                    }
                case .frameLength:
                    frameLength |= Int(b) << (8 * count)
                    count += 1
                    if count == 2 {
                        if frameLength < QCA7000SPI.minimumFrameLength || frameLength > frame.capacity {
                            invalidLength &+= 1
                            restart()
                        } else {
                            state = .reserved
                            count = 0
                        }
                    }
                case .reserved:
                    count += 1
                    if count == 2 {
                        state = .body
                        count = 0
                        frame.removeAll()
                    }
                case .body:
                    frame.append(b)
                    count += 1
                    if count == frameLength {
                        state = .endOfFrame
                        count = 0
                    }
                case .endOfFrame:
                    guard b == QCA7000SPI.endOfFrame else {
                        noTail &+= 1
                        restart()
                        continue
                    }
                    count += 1
                    if count == 2 {
                        frames.push(frame.bytes) // a full queue counts the drop itself
                        restart()
                    }
                }
            }
        }

        /// Forgets a partial frame (after a chip reset).
        public mutating func reset() { restart() }
    }
}
