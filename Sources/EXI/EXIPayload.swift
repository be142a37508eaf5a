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
}
