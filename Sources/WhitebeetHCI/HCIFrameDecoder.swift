/// A bounded, incremental reader of HCI frames from a byte stream (SPI data exchanges, a serial
/// capture, a test harness): takes whatever arrived, hunts for the start byte 0xC0 (counting what it
/// skips), reads the header, refuses a length above `payloadLimit` before buffering payload, then
/// takes exactly the rest of the frame and checks end byte and checksum (whitebeet-hci.md §3).
///
/// Unlike a TCP stream, HCI has no connection to close: after a bad frame the decoder reports it
/// once (`consume` throws) and hunts for the next start byte, as the module's resynchronisation
/// does (§7). The buffer is allocated once; consuming never allocates.
public final class HCIFrameDecoder {
    public let payloadLimit: Int
    private let buffer: UnsafeMutableRawBufferPointer
    private var filled = 0
    public private(set) var header: HCIHeader?
    /// Frames completed, bytes skipped while hunting for a start byte, bad frames dropped.
    public private(set) var frames = 0
    public private(set) var skippedBytes = 0
    public private(set) var badFrames = 0

    public init(payloadLimit: Int = HCIFrame.defaultPayloadLimit) {
        precondition(payloadLimit >= 0 && payloadLimit <= 0xFFFF)
        self.payloadLimit = payloadLimit
        buffer = .allocate(byteCount: payloadLimit + HCIFrame.overhead, alignment: 8)
    }

    deinit { buffer.deallocate() }

    /// Whether a complete, checked frame is waiting (`frame`, `header`); call `next()` when done.
    public var hasFrame: Bool { header != nil }

    /// The complete frame, start to end byte (empty while none).
    public var frame: UnsafeRawBufferPointer {
        guard let header else { return UnsafeRawBufferPointer(rebasing: buffer[0 ..< 0]) }
        return UnsafeRawBufferPointer(rebasing: buffer[0 ..< header.payloadLength + HCIFrame.overhead])
    }

    /// The complete frame's payload.
    public var payload: UnsafeRawBufferPointer {
        guard let header else { return UnsafeRawBufferPointer(rebasing: buffer[0 ..< 0]) }
        return UnsafeRawBufferPointer(rebasing: buffer[HCIFrame.headerLength ..< HCIFrame.headerLength + header.payloadLength])
    }

    /// Consumes bytes from the front of `bytes` up to the end of one frame; returns how many it took.
    /// Throws when a frame was bad (too long, no end byte, wrong checksum); `lastConsumed` then says
    /// how many bytes were taken: call again with the rest.
    public func consume(_ bytes: UnsafeRawBufferPointer) throws(HCIError) -> Int {
        var taken = 0
        while taken < bytes.count, header == nil {
            let byte = bytes[taken]
            taken += 1
            if filled == 0, byte != HCIFrame.startOfFrame {
                skippedBytes &+= 1
                continue
            }
            buffer[filled] = byte
            filled += 1
            if filled == HCIFrame.headerLength {
                let length = Int(buffer[4]) << 8 | Int(buffer[5])
                if length > payloadLimit {
                    restart()
                    lastConsumed = taken
                    throw .payloadTooLong(announced: length, limit: payloadLimit)
                }
            }
            if filled >= HCIFrame.headerLength {
                let length = Int(buffer[4]) << 8 | Int(buffer[5])
                if filled == length + HCIFrame.overhead {
                    do throws(HCIError) {
                        try HCIFrame.check(UnsafeRawBufferPointer(rebasing: buffer[0 ..< filled]))
                    } catch {
                        restart()
                        lastConsumed = taken
                        throw error
                    }
                    header = HCIHeader(module: buffer[1], sub: buffer[2], requestID: buffer[3], payloadLength: length)
                    frames &+= 1
                }
            }
        }
        lastConsumed = taken
        return taken
    }

    /// How many bytes the last `consume` took, also when it threw.
    public private(set) var lastConsumed = 0

    /// Done with the complete frame: read the next.
    public func next() {
        header = nil
        filled = 0
    }

    /// Drops any partial frame (the link was reset).
    public func reset() {
        header = nil
        filled = 0
    }

    private func restart() {
        badFrames &+= 1
        filled = 0
        header = nil
    }
}
