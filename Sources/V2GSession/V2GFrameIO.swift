import Buffers
import V2GTP

/// V2GTP framing over a TCP connection's byte queues (sdp-v2gtp.md §2, §6), shared by the SECC and the
/// EVCC: whole messages out of `received` through the bounded `V2GTPReader` (the payload cap is
/// enforced on the header, before a payload byte is buffered), and whole frames into `transmit` from
/// one preallocated output buffer, which keeps the last frame so a duplicate request can be answered
/// with the same bytes (dc-plc's resend). Nothing here allocates after `init`.
public final class V2GFrameIO {
    public let reader: V2GTPReader
    /// Output: header + payload of the frame being built (and, after `send`, of the last frame sent).
    private let output: UnsafeMutableRawBufferPointer
    /// Bytes of the last frame built.
    public private(set) var lastFrameCount = 0
    /// A copy of the last complete request's payload, to recognise a byte-identical repeat.
    private let lastRequest: UnsafeMutableRawBufferPointer
    private var lastRequestCount = -1

    /// - Parameters:
    ///   - maximumPayload: the largest payload accepted from the peer.
    ///   - maximumOutput: the largest payload this side sends.
    public init(maximumPayload: Int, maximumOutput: Int = 8_184) {
        reader = V2GTPReader(maximumPayload: maximumPayload, accepted: .dinOrISO2)
        output = .allocate(byteCount: maximumOutput + V2GTPHeader.length, alignment: 16)
        output.initializeMemory(as: UInt8.self, repeating: 0)
        lastRequest = .allocate(byteCount: max(maximumPayload, 1), alignment: 16)
        lastRequest.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        output.deallocate()
        lastRequest.deallocate()
    }

    /// Moves bytes from `received` into the reader until one message is complete or the queue is empty.
    /// True when a message is complete (`payload`, `header`); throws (and the reader stays failed) on a
    /// bad header, an unexpected payload type or an announced payload above the cap (§6.3: close).
    // Not @_noAllocation: it reads the `reader` reference (a release the checker refuses); the malloc-count test covers it.
    public func pull(from received: ByteQueue) throws(V2GTPError) -> Bool {
        while reader.header == nil {
            let region = received.unsafeReadableRegion()
            if region.isEmpty { return false }
            let taken = try reader.consume(RawSpan(_unsafeBytes: region))
            received.discard(taken)
            if taken == 0 { break }
        }
        return reader.header != nil
    }

    /// The complete message's payload type (nil while incomplete).
    // Not @_noAllocation: it reads the `reader` reference (a release the checker refuses); the malloc-count test covers it.
    public var payloadType: V2GTPPayloadType? { reader.header?.payloadType }

    /// The complete message's payload (empty while incomplete), valid until `finishRequest()`: the
    /// reader's buffer is allocated once and never moves.
    // Not @_noAllocation: it reads the `reader` reference (a release the checker refuses); the malloc-count test covers it.
    public var payloadBytes: UnsafeRawBufferPointer {
        let r = reader
        return withExtendedLifetime(r) {
            let span = r.payload
            return span.withUnsafeBytes { $0 }
        }
    }

    /// True when the complete message's payload is byte-identical to the previous request's.
    // Not @_noAllocation: it reads the `reader` reference (a release the checker refuses); the malloc-count test covers it.
    public var isRepeatOfLastRequest: Bool {
        guard reader.header != nil else { return false }
        let p = payloadBytes
        guard p.count == lastRequestCount else { return false }
        var i = 0
        while i < lastRequestCount {
            if p[i] != lastRequest[i] { return false }
            i += 1
        }
        return true
    }

    /// Done with the complete message: remember its bytes (for `isRepeatOfLastRequest`) and read the next.
    // Not @_noAllocation: it reads the `reader` reference (a release the checker refuses) and its `payload` (a
    // `RawSpan` whose end the checker counts as a possible deallocation); the malloc-count test covers it.
    public func finishRequest() {
        if reader.header != nil {
            let p = payloadBytes
            if p.count <= lastRequest.count {
                var i = 0
                while i < p.count {
                    lastRequest[i] = p[i]
                    i += 1
                }
                lastRequestCount = p.count
            }
        }
        reader.next()
    }

    /// The output buffer after the header, for an encoder to write the payload into
    /// (`MutableRawSpan(_unsafeBytes:)` over it, then `send`).
    public var payloadRegion: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: output[V2GTPHeader.length...])
    }

    /// Writes the header for a payload of `length` bytes already in `payloadSpace` and queues the frame
    /// in `transmit`. False when the queue has no room for the whole frame (nothing is queued then: a
    /// partial frame would desynchronise the peer).
    @_noAllocation @_noLocks
    public func send(payloadType: V2GTPPayloadType, length: Int, to transmit: ByteQueue) -> Bool {
        let header = V2GTPHeader(payloadType: payloadType, payloadLength: UInt32(length))
        var span = MutableRawSpan(_unsafeBytes: UnsafeMutableRawBufferPointer(rebasing: output[0..<V2GTPHeader.length]))
        do throws(V2GTPError) { try header.encode(into: &span) } catch { return false }
        lastFrameCount = V2GTPHeader.length + length
        return resend(to: transmit)
    }

    /// Queues the last frame again (the answer to a duplicate request).
    @_noAllocation @_noLocks
    public func resend(to transmit: ByteQueue) -> Bool {
        guard lastFrameCount > 0, transmit.freeCount >= lastFrameCount else { return false }
        // Copied into the queue's free region(s) directly: a `RawSpan` argument would end a lifetime
        // the checker cannot prove free of deallocation.
        var copied = 0
        while copied < lastFrameCount {
            let region = transmit.unsafeWritableRegion()
            let n = region.count < lastFrameCount - copied ? region.count : lastFrameCount - copied
            if n == 0 { return false }
            region.baseAddress!.copyMemory(from: output.baseAddress! + copied, byteCount: n)
            transmit.commitPush(n)
            copied += n
        }
        return true
    }

    /// The last frame built (header + payload), for logs and tests.
    public var lastFrame: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: output[0..<lastFrameCount]) }

    /// A new connection: forget the stream state and the last request.
    public func reset() {
        reader.reset()
        lastRequestCount = -1
        lastFrameCount = 0
    }
}
