/// A bounded, incremental reader of V2GTP messages from a TCP byte stream (sdp-v2gtp.md §6.1–6.3).
///
/// TCP delivers bytes, not messages: the reader takes whatever arrived, first exactly the 8 header
/// bytes, checks them (version, an accepted payload type, the payload length against its limit —
/// refused before a single payload byte is buffered), then exactly the announced payload. It stops
/// consuming at a message boundary, so the caller keeps the next message's bytes. After an error it
/// stays failed: the stream cannot be resynchronised and the connection must be closed (§6.2, §6.3).
///
/// The buffer is allocated once (`maximumPayload` + 8 bytes); reading never allocates.
public final class V2GTPReader {
    public enum State: Sendable, Equatable {
        case readingHeader
        case readingPayload(V2GTPHeader)
        case complete(V2GTPHeader)
        /// The stream is unusable; `failure` says why.
        case failed
    }

    public let maximumPayload: Int
    public var accepted: V2GTPPayloadTypes
    public private(set) var state: State = .readingHeader
    /// Why the reader failed (nil while it has not).
    public private(set) var failure: V2GTPError?
    /// Messages completed since creation.
    public private(set) var messages = 0
    private let buffer: UnsafeMutablePointer<UInt8>
    private var filled = 0

    /// - Parameters:
    ///   - maximumPayload: the largest payload accepted (EVerest: 8192 bytes with the header; the
    ///     largest ISO 15118-2 message, CertificateInstallationRes, is 5–6 kB).
    ///   - accepted: the payload types of the negotiated protocol.
    public init(maximumPayload: Int = 8184, accepted: V2GTPPayloadTypes = .dinOrISO2) {
        precondition(maximumPayload >= 0 && maximumPayload <= Int(UInt32.max))
        self.maximumPayload = maximumPayload
        self.accepted = accepted
        buffer = .allocate(capacity: maximumPayload + V2GTPHeader.length)
    }

    deinit { buffer.deallocate() }

    /// Consumes bytes from the front of `bytes`, up to the end of the current message; returns how
    /// many it took. Throws (and stays failed) on a bad header.
    @_noAllocation @_noLocks
    public func consume(_ bytes: borrowing RawSpan) throws(V2GTPError) -> Int {
        if let failure { throw failure }
        var taken = 0
        while taken < bytes.byteCount {
            let need: Int
            switch state {
            case .readingHeader: need = 8 - filled // the header (sdp-v2gtp.md §2)
            case .readingPayload(let h): need = 8 + Int(h.payloadLength) - filled
            case .complete, .failed: return taken
            }
            let n = min(need, bytes.byteCount - taken)
            var k = 0
            while k < n {
                buffer[filled + k] = bytes.unsafeLoad(fromByteOffset: taken + k, as: UInt8.self)
                k += 1
            }
            filled += n
            taken += n
            if n == need {
                advance()
                if let failure { throw failure }
            }
        }
        return taken
    }

    /// The header was read or the payload is complete: move on.
    @_noAllocation @_noLocks
    private func advance() {
        switch state {
        case .readingHeader:
            let header: V2GTPHeader
            do throws(V2GTPError) {
                var b = InlineArray<8, UInt8>(repeating: 0)
                var k = 0
                while k < 8 {
                    b[k] = buffer[k]
                    k += 1
                }
                header = try V2GTPHeader.decode(b)
            } catch {
                return fail(error)
            }
            guard accepted.contains(header.payloadType) else {
                return fail(.unexpectedPayloadType(header.payloadType.rawValue))
            }
            guard UInt64(header.payloadLength) <= UInt64(maximumPayload) else {
                return fail(.payloadTooLarge(announced: header.payloadLength, limit: maximumPayload))
            }
            state = header.payloadLength == 0 ? .complete(header) : .readingPayload(header)
            if header.payloadLength == 0 { messages &+= 1 }
        case .readingPayload(let header):
            state = .complete(header)
            messages &+= 1
        case .complete, .failed:
            break
        }
    }

    @_noAllocation @_noLocks
    private func fail(_ error: V2GTPError) {
        failure = error
        state = .failed
    }

    /// The complete message's header, or nil while one is being read.
    public var header: V2GTPHeader? {
        @_noAllocation @_noLocks get {
            if case .complete(let h) = state { return h }
            return nil
        }
    }

    /// The complete message's payload (empty while incomplete), lent without copying until `next()`.
    public var payload: RawSpan {
        // Not @_noAllocation: ending the returned `RawSpan`'s lifetime counts as a possible deallocation to
        // the checker; the malloc-count test covers it.
        @_lifetime(borrow self)
        get {
            var n = 0
            if case .complete(let h) = state { n = Int(h.payloadLength) }
            let span = RawSpan(_unsafeStart: UnsafeRawPointer(buffer + V2GTPHeader.length), byteCount: n)
            return _overrideLifetime(span, borrowing: self)
        }
    }

    /// Done with the complete message: read the next one. Does nothing while failed.
    @_noAllocation @_noLocks
    public func next() {
        if case .failed = state { return }
        state = .readingHeader
        filled = 0
    }

    /// Starts over (a new connection).
    @_noAllocation @_noLocks
    public func reset() {
        failure = nil
        state = .readingHeader
        filled = 0
    }
}
