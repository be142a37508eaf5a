import Buffers

/// Cuts the helper's byte stream into lines (esp32-cp-uart.md §2): `\n` ends a line, `\r` is dropped,
/// empty lines are skipped. A line longer than `capacity` is never buffered: it is thrown away up to
/// its newline and reported as `.tooLong`, after which framing resumes with the next line.
///
/// The line buffer is allocated once; a returned line is a view of it, valid until the next call.
public final class HelperLineFramer {
    /// The longest line accepted. The firmware's own lines are at most ~230 bytes (a full status
    /// frame, §4.1); 512 leaves room for later revisions' longer JSON-RPC replies (§11).
    public static let defaultCapacity = 512

    public let capacity: Int
    private let buffer: UnsafeMutablePointer<UInt8>
    private var discarding = false
    private var discardedLength = 0

    public init(capacity: Int = HelperLineFramer.defaultCapacity) {
        guard capacity > 0 else { fatalError("HelperLineFramer capacity must be positive") }
        self.capacity = capacity
        buffer = .allocate(capacity: capacity)
        buffer.initialize(repeating: 0, count: capacity)
    }

    deinit { buffer.deallocate() }

    /// One framing result.
    public enum Frame {
        /// A complete line without its terminator (valid until the next `next(from:)`).
        case line(UnsafeRawBufferPointer)
        /// A line of `length` bytes was longer than `capacity` and has been dropped.
        case tooLong(length: Int)
    }

    /// True while the framer is dropping the rest of an over-long line.
    public var isDiscarding: Bool { discarding }

    /// Takes the next complete line out of `queue`, or nil when no complete line is waiting.
    @_noAllocation @_noLocks
    public func next(from queue: ByteQueue) -> Frame? {
        while true {
            if discarding {
                guard let end = queue.firstIndex(of: 0x0A) else {
                    discardedLength += queue.count
                    queue.discard(queue.count)
                    return nil
                }
                let length = discardedLength + end
                queue.discard(end + 1)
                discarding = false
                discardedLength = 0
                return .tooLong(length: length)
            }
            guard let end = queue.firstIndex(of: 0x0A) else {
                if queue.count > capacity {
                    discarding = true
                    discardedLength = queue.count
                    queue.discard(queue.count)
                }
                return nil
            }
            var n = 0
            var i = 0
            while i < end {
                let b = queue.peek(at: i) ?? 0
                if b != 0x0D {
                    if n == capacity {
                        queue.discard(end + 1)
                        return .tooLong(length: end)
                    }
                    buffer[n] = b
                    n += 1
                }
                i += 1
            }
            queue.discard(end + 1)
            if n == 0 { continue }
            return .line(UnsafeRawBufferPointer(start: buffer, count: n))
        }
    }

    /// Forgets a partial over-long line (after the link was reopened).
    public func reset() {
        discarding = false
        discardedLength = 0
    }
}
