/// One preallocated frame: an Ethernet frame, a V2GTP message, an SPI burst.
///
/// The capacity is fixed at creation; `count` says how much of it holds the current frame. Readers get a
/// `RawSpan` of exactly the frame, writers a `MutableRawSpan` of the whole capacity (then set `count`),
/// and drivers the raw pointer (`unsafeMutableBytes`) to hand to a syscall. Nothing here allocates
/// after `init`.
public final class FrameBuffer {
    @usableFromInline let storage: UnsafeMutableRawBufferPointer
    /// Bytes of the current frame.
    public private(set) var count = 0

    /// Bytes the buffer can hold.
    public let capacity: Int

    /// Creates a zeroed buffer of `capacity` bytes.
    public init(capacity: Int) {
        self.capacity = capacity
        guard capacity > 0 else { fatalError("FrameBuffer capacity must be positive") }
        storage = .allocate(byteCount: capacity, alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { storage.deallocate() }

    /// The current frame.
    public var bytes: RawSpan {
        @_lifetime(borrow self)
        get {
            let span = RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: storage[0..<count]))
            return _overrideLifetime(span, borrowing: self)
        }
    }

    /// The whole capacity, for a writer that then calls `setCount(_:)`.
    public var mutableBytes: MutableRawSpan {
        @_lifetime(borrow self)
        get {
            let span = MutableRawSpan(_unsafeBytes: storage)
            return _overrideLifetime(span, borrowing: self)
        }
    }

    /// The whole capacity as a raw pointer, for a driver's read(2)/recv(2).
    public var unsafeMutableBytes: UnsafeMutableRawBufferPointer { storage }

    /// The current frame as a raw pointer, for a driver's write(2)/send(2).
    public var unsafeBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<count]) }

    /// Declares the first `n` bytes to be the frame. `n` must be within the capacity.
    @_noAllocation @_noLocks
    public func setCount(_ n: Int) {
        guard n >= 0, n <= storage.count else { fatalError("FrameBuffer count beyond capacity") }
        count = n
    }

    /// Empties the frame (the bytes stay; only `count` changes).
    @_noAllocation @_noLocks
    public func removeAll() { count = 0 }

    /// Appends bytes; false (and nothing appended) when they do not fit.
    @_noAllocation @_noLocks
    @discardableResult
    public func append(_ bytes: borrowing RawSpan) -> Bool {
        let n = bytes.byteCount
        guard n <= storage.count - count else { return false }
        var i = 0
        while i < n {
            storage[count + i] = bytes.unsafeLoad(fromByteOffset: i, as: UInt8.self)
            i += 1
        }
        count += n
        return true
    }

    /// Appends one byte; false when full.
    @_noAllocation @_noLocks
    @discardableResult
    public func append(_ byte: UInt8) -> Bool {
        guard count < storage.count else { return false }
        storage[count] = byte
        count += 1
        return true
    }

    /// Replaces the frame with `bytes`; false (frame unchanged) when they do not fit.
    @_noAllocation @_noLocks
    @discardableResult
    public func assign(_ bytes: borrowing RawSpan) -> Bool {
        guard bytes.byteCount <= storage.count else { return false }
        count = 0
        return append(bytes)
    }

    /// The byte at `offset` within the frame.
    @_noAllocation @_noLocks
    public subscript(offset: Int) -> UInt8 {
        get {
            guard offset >= 0, offset < count else { fatalError("FrameBuffer index out of range") }
            return storage[offset]
        }
        set {
            guard offset >= 0, offset < count else { fatalError("FrameBuffer index out of range") }
            storage[offset] = newValue
        }
    }
}
