import AppHandshake
import DIN70121
import EXI
import EXITool
import ISO15118_2
import ISO15118_20
import Testing

/// `decode(_:into:)` writes only what the stream holds into a message kept by the caller, and the
/// encoders reach large enum payloads through a pointer (`EXIPayload`): both are checked here on every
/// message of Josev's sessions and of the conformance corpus.
@Suite struct InPlaceDecodeTests {
    /// All messages of one schema, Josev's sessions first, then the conformance corpus.
    static func messages(_ schema: String) -> [[UInt8]] {
        let session = SharedFiles.corpusMessages().filter { $0.schema == schema }.compactMap { Hex.decode($0.exi) }
        let conformance = ConformanceCorpusTests.entries.filter { $0.schema == schema }.compactMap { Hex.decode($0.exi) }
        return session + conformance
    }

    /// Decoding every message into the same value, one after another, gives what a fresh decode gives
    /// (nothing of an earlier message is left behind), and the payload sits at offset 0 of its enum.
    func check<M: Equatable>(_ schema: String, _ decode: (RawSpan) throws(EXIError) -> M,
                             into decodeInto: (RawSpan, inout M) throws(EXIError) -> Void,
                             payloads: (M) -> [Bool]) throws {
        // ~100 KB messages compared as values: the debug build's copies outgrow a worker thread's stack
        let failure = EXITool.withLargeStack { () -> (any Error)? in
            do { try checkHere(schema, decode, into: decodeInto, payloads: payloads) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    func checkHere<M: Equatable>(_ schema: String, _ decode: (RawSpan) throws(EXIError) -> M,
                                 into decodeInto: (RawSpan, inout M) throws(EXIError) -> Void,
                                 payloads: (M) -> [Bool]) throws {
        let all = Self.messages(schema)
        #expect(!all.isEmpty, "no messages for \(schema)")
        guard var reused = try all.first.map({ (b: [UInt8]) throws(EXIError) -> M in try decode(b.span.bytes) }) else { return }
        // forwards, then backwards: every message follows both a smaller and a larger one
        for bytes in all + all.reversed() {
            let fresh = try decode(bytes.span.bytes)
            try decodeInto(bytes.span.bytes, &reused)
            #expect(reused == fresh, "\(schema): in-place decode differs from a fresh decode")
            #expect(payloads(fresh).allSatisfy { $0 }, "\(schema): a payload is not stored plain at offset 0")
        }
    }

    @Test func din() throws {
        try check("din", DINCodec.decode, into: DINCodec.decode(_:into:)) { [Self.payloadAtOffsetZero($0.Body.BodyElement), Self.payloadAtOffsetZero($0.Header.Signature)] }
    }

    @Test func iso2() throws {
        try check("iso2", ISO2Codec.decode, into: ISO2Codec.decode(_:into:)) { [Self.payloadAtOffsetZero($0.Body.BodyElement), Self.payloadAtOffsetZero($0.Header.Signature)] }
    }

    @Test func iso20() throws {
        // the root enums keep their tag in the headers' spare bits: the codecs never read them in place
        try check("iso20-common", ISO20CommonCodec.decode, into: ISO20CommonCodec.decode(_:into:)) { _ in [] }
        try check("iso20-dc", ISO20DCCodec.decode, into: ISO20DCCodec.decode(_:into:)) { _ in [] }
    }

    @Test func appHandshake() throws {
        try check("app", AppHandshakeCodec.decode, into: AppHandshakeCodec.decode(_:into:)) { _ in [] }
    }

    /// The innermost payload of an enum or optional value (through nested enums), compared with the
    /// memory at the start of the value: Swift's layout puts every payload at offset 0, and stores it
    /// unchanged when the tag is kept outside it (an optional; the `Body` choice, whose tag byte follows).
    static func payloadAtOffsetZero<E>(_ value: E) -> Bool {
        var inner: Any = value
        while true {
            let mirror = Mirror(reflecting: inner)
            guard mirror.displayStyle == .optional || mirror.displayStyle == .enum else { break }
            guard let child = mirror.children.first else { return true }  // nil or a case without payload
            inner = child.value
        }
        guard let payload = inner as? any Equatable else { return false }
        return withUnsafePointer(to: value) { matches(payload, UnsafeRawPointer($0)) }
    }

    static func matches<P: Equatable>(_ payload: P, _ storage: UnsafeRawPointer) -> Bool {
        storage.assumingMemoryBound(to: P.self).pointee == payload
    }
}
