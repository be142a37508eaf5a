/// A fixed-capacity FIFO of bytes: the receive and transmit queue of every byte-stream device (UART
/// lines to the ESP32 helper, V2GTP over TCP, HCI over SPI).
///
/// Storage is allocated once in `init` and never grows, so pushing and popping never touch the heap;
/// a full queue refuses bytes (and counts them in `droppedBytes`) instead of growing. Framers read the
/// queue in place (`peek`, `firstIndex(of:)`) and consume with `discard`, so a line or frame is copied
/// at most once.
public final class ByteQueue {
    @usableFromInline let storage: UnsafeMutablePointer<UInt8>
    /// Bytes the queue can hold.
    public let capacity: Int
    @usableFromInline var head = 0
    /// Bytes waiting to be read.
    public private(set) var count = 0
    /// Bytes refused because the queue was full, since creation or the last `resetCounters()`.
    public private(set) var droppedBytes = 0

    /// Creates an empty queue. `capacity` must be positive.
    public init(capacity: Int) {
        guard capacity > 0 else { fatalError("ByteQueue capacity must be positive") }
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
        storage.initialize(repeating: 0, count: capacity)
    }

    deinit { storage.deallocate() }

    /// Free space in bytes.
    public var freeCount: Int {
        @_noAllocation @_noLocks get { capacity - count }
    }
    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count == capacity }

    /// Appends one byte; false (and counted as dropped) when full.
    @_noAllocation @_noLocks
    @discardableResult
    public func push(_ byte: UInt8) -> Bool {
        guard count < capacity else {
            droppedBytes &+= 1
            return false
        }
        storage[physical(count)] = byte
        count += 1
        return true
    }

    /// Appends as many of `bytes` as fit and returns how many were taken; the rest count as dropped.
    @_noAllocation @_noLocks
    @discardableResult
    public func push(_ bytes: borrowing RawSpan) -> Int {
        let n = min(bytes.byteCount, freeCount)
        var i = 0
        while i < n {
            storage[physical(count + i)] = bytes.unsafeLoad(fromByteOffset: i, as: UInt8.self)
            i += 1
        }
        count += n
        droppedBytes &+= bytes.byteCount - n
        return n
    }

    /// Removes and returns the oldest byte, or nil when empty.
    @_noAllocation @_noLocks
    public func pop() -> UInt8? {
        guard count > 0 else { return nil }
        let b = storage[head]
        head = head + 1 == capacity ? 0 : head + 1
        count -= 1
        return b
    }

    /// The byte `offset` places after the oldest one, without removing anything.
    @_noAllocation @_noLocks
    public func peek(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return storage[physical(offset)]
    }

    /// Offset (from the oldest byte) of the first `byte` at or after `start`, or nil.
    @_noAllocation @_noLocks
    public func firstIndex(of byte: UInt8, from start: Int = 0) -> Int? {
        var i = max(start, 0)
        while i < count {
            if storage[physical(i)] == byte { return i }
            i += 1
        }
        return nil
    }

    /// Drops the `n` oldest bytes (all of them when `n` >= count).
    @_noAllocation @_noLocks
    public func discard(_ n: Int) {
        let k = min(max(n, 0), count)
        head = physical(k)
        count -= k
        if count == 0 { head = 0 }
    }

    /// Copies up to `destination.byteCount` of the oldest bytes out, removes them, returns the count.
    @_noAllocation @_noLocks
    public func pop(into destination: inout MutableRawSpan) -> Int {
        let n = min(destination.byteCount, count)
        var i = 0
        while i < n {
            destination.storeBytes(of: storage[physical(i)], toByteOffset: i, as: UInt8.self)
            i += 1
        }
        discard(n)
        return n
    }

    /// Copies `length` bytes starting `offset` after the oldest into `destination` without removing
    /// them. Returns false when the queue holds fewer bytes or the destination is too small.
    @_noAllocation @_noLocks
    public func copy(from offset: Int, length: Int, into destination: inout MutableRawSpan) -> Bool {
        guard offset >= 0, length >= 0, offset + length <= count, length <= destination.byteCount else {
            return false
        }
        var i = 0
        while i < length {
            destination.storeBytes(of: storage[physical(offset + i)], toByteOffset: i, as: UInt8.self)
            i += 1
        }
        return true
    }

    /// Empties the queue.
    @_noAllocation @_noLocks
    public func removeAll() {
        head = 0
        count = 0
    }

    /// Clears `droppedBytes`.
    public func resetCounters() { droppedBytes = 0 }

    // MARK: Zero-copy access for device drivers

    /// The first contiguous free region, for a driver to `read(2)` into directly; follow with
    /// `commitPush(_:)`. Empty when the queue is full.
    @_noAllocation @_noLocks
    public func unsafeWritableRegion() -> UnsafeMutableRawBufferPointer {
        guard count < capacity else { return UnsafeMutableRawBufferPointer(start: storage, count: 0) }
        let tail = physical(count)
        let end = tail >= head ? capacity : head
        return UnsafeMutableRawBufferPointer(start: storage + tail, count: end - tail)
    }

    /// Marks `n` bytes written into `unsafeWritableRegion()` as queued.
    @_noAllocation @_noLocks
    public func commitPush(_ n: Int) {
        guard n >= 0, n <= freeCount else { fatalError("commitPush beyond the writable region") }
        count += n
    }

    /// The first contiguous run of queued bytes, for a driver to `write(2)` from directly; follow with
    /// `discard(_:)` for the bytes actually written.
    @_noAllocation @_noLocks
    public func unsafeReadableRegion() -> UnsafeRawBufferPointer {
        let run = min(count, capacity - head)
        return UnsafeRawBufferPointer(start: storage + head, count: run)
    }

    @inline(__always) @usableFromInline
    func physical(_ offset: Int) -> Int {
        let p = head + offset
        return p >= capacity ? p - capacity : p
    }
}
