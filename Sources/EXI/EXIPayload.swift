/// In-place access to the payload of an enum case (or of an optional) without copying the enum.
///
/// Swift copies a whole enum value to match it with bindings (`switch`, `if case let`, `if let`), and a
/// V2G `Body` or a header's `Signature` is kilobytes of fixed-capacity storage holding a few bytes of
/// content. The generated codecs therefore test the case with a payload-free `switch` (which reads the
/// tag in place) and reach the payload through a pointer: Swift's type layout stores the payload of a
/// single-payload enum (`Optional`) and of every case of a multi-payload enum at offset 0 of the enum's
/// storage, tag bits after it (swift/docs/ABI/TypeLayout.rst; `EXITests/PayloadLayoutTests` checks it for
/// every large enum the codecs reach this way). Only the generated code calls this, after testing the case.
public enum EXIPayload {
    /// The payload of `P` stored in the enum (or optional) at `pointer`, whose case holds a `P`.
    @inlinable @inline(__always)
    public static func of<T, P>(_ pointer: UnsafePointer<T>, as _: P.Type) -> UnsafePointer<P> {
        UnsafeRawPointer(pointer).assumingMemoryBound(to: P.self)
    }

    /// The payload of `P` stored in the enum (or optional) at `pointer`, whose case holds a `P`, to decode into.
    @inlinable @inline(__always)
    public static func of<T, P>(_ pointer: UnsafeMutablePointer<T>, as _: P.Type) -> UnsafeMutablePointer<P> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: P.self)
    }

    /// Sets only the one-byte tag after the payloads (the payload of the new case was written in place first).
    @inlinable @inline(__always)
    public static func setTag<T>(_ pointer: UnsafeMutablePointer<T>, _ tag: UInt8) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: tag, toByteOffset: MemoryLayout<T>.size &- 1, as: UInt8.self)
    }

    /// Sets the enum (or optional) at `pointer` to the case whose payload is `P`, stored plain with the one-byte
    /// tag `tag` after the payloads: writes `payload` at offset 0 and the tag byte (the enum's last byte), and
    /// nothing else. Assigning the case instead builds the whole enum in a temporary and copies it: kilobytes
    /// for a V2G `Body`, to set a payload of a few bytes (issue 15). Only for trivial enums (nothing to release
    /// in the case it held), after the generated code checked `_payloadsStoredPlain`.
    @inlinable @inline(__always)
    public static func become<T, P>(_ pointer: UnsafeMutablePointer<T>, _ payload: P, tag: UInt8) {
        let raw = UnsafeMutableRawPointer(pointer)
        raw.assumingMemoryBound(to: P.self).initialize(to: payload)
        raw.storeBytes(of: tag, toByteOffset: MemoryLayout<T>.size &- 1, as: UInt8.self)
    }
}
