import EXI

/// What an ISO 15118-20 SECC keeps per connection to decode the car's requests: one message of the common
/// codec, one of the DC codec, and the list arena both decode with, all reserved once and reused (issue 15).
///
/// Unlike ISO-2, ISO-20 requests can carry lists past their inline part: a `PowerDeliveryReq` with an
/// `EVPowerProfile` of up to 2048 entries (-20 §8.3.4.6, XSD maxOccurs), a `ScheduleExchangeReq` with an
/// `EVEnergyOffer` of 1024 power schedule entries and 1024 price rule stacks. The SECC cannot refuse a valid
/// request, so it reserves `ISO15118_20ListArena.worstCaseBytes` (1,681,984 bytes: the generated 1,583,040
/// and 1/16 headroom) with the connection. The pages are allocated, not written: an idle or a DC charge loop
/// session (no list past its inline part) keeps them non-resident; only a long list makes them resident.
///
/// Decoding into the kept messages and arena allocates nothing (`ISO20ConnectionMessagesTests`). A decoded
/// message stays valid until the next decode of either codec (which resets the shared arena).
public final class ISO20ConnectionMessages: @unchecked Sendable {
    /// The arena of the lists beyond their inline part.
    public let listArena: EXIListArena
    private let commonStorage: UnsafeMutablePointer<ISO20CommonCodec.Message>
    private let dcStorage: UnsafeMutablePointer<ISO20DCCodec.Message>

    /// Reserves both messages and `listArenaBytes` of arena (default: any message the schema allows).
    public init(listArenaBytes: Int = ISO15118_20ListArena.worstCaseBytes) {
        listArena = EXIListArena(capacity: listArenaBytes)
        commonStorage = .allocate(capacity: 1)
        commonStorage.initialize(to: ISO20CommonCodec.Message())
        dcStorage = .allocate(capacity: 1)
        dcStorage.initialize(to: ISO20DCCodec.Message())
    }

    deinit {
        commonStorage.deinitialize(count: 1)
        commonStorage.deallocate()
        dcStorage.deinitialize(count: 1)
        dcStorage.deallocate()
    }

    /// The last message `decodeCommon` read (borrowed in place: the message is too large to copy per request).
    public var common: ISO20CommonCodec.Message { _read { yield commonStorage.pointee } }
    /// The last message `decodeDC` read.
    public var dc: ISO20DCCodec.Message { _read { yield dcStorage.pointee } }

    /// Decodes a message of the common schema (V2G_CI_CommonMessages.xsd) into `common`; allocates nothing.
    public func decodeCommon(_ bytes: RawSpan) throws(EXIError) {
        try ISO20CommonCodec.decode(bytes, into: &commonStorage.pointee, listArena: listArena.handle)
    }

    /// Decodes a message of the DC schema (V2G_CI_DC.xsd) into `dc`; allocates nothing.
    public func decodeDC(_ bytes: RawSpan) throws(EXIError) {
        try ISO20DCCodec.decode(bytes, into: &dcStorage.pointee, listArena: listArena.handle)
    }
}
