import Buffers
import MallocCounting
import Testing

@Suite struct ByteQueueTests {
    @Test func fifoOrderAcrossWrapAround() {
        let q = ByteQueue(capacity: 4)
        for round in 0..<10 {
            let base = UInt8(round * 3)
            #expect(q.push(base) && q.push(base + 1) && q.push(base + 2))
            #expect(q.pop() == base)
            #expect(q.pop() == base + 1)
            #expect(q.pop() == base + 2)
            #expect(q.isEmpty)
        }
    }

    @Test func fullQueueRefusesAndCountsDroppedBytes() {
        let q = ByteQueue(capacity: 3)
        let bytes: [UInt8] = [1, 2, 3, 4, 5]
        let taken = q.push(bytes.span.bytes)
        #expect(taken == 3)
        #expect(q.isFull)
        #expect(!q.push(9))
        #expect(q.droppedBytes == 3)
        #expect((0..<3).compactMap { q.peek(at: $0) } == [1, 2, 3])
    }

    @Test func framerPrimitives() {
        let q = ByteQueue(capacity: 16)
        let line = Array("ab\ncd\n".utf8)
        q.push(line.span.bytes)
        #expect(q.firstIndex(of: UInt8(ascii: "\n")) == 2)
        #expect(q.firstIndex(of: UInt8(ascii: "\n"), from: 3) == 5)
        var out = [UInt8](repeating: 0, count: 2)
        var whole = out.mutableSpan
        var span = whole.mutableBytes
        let copied = q.copy(from: 3, length: 2, into: &span)
        _ = consume span
        _ = consume whole
        #expect(copied)
        #expect(out == Array("cd".utf8))
        q.discard(3)
        #expect(q.count == 3 && q.peek(at: 0) == UInt8(ascii: "c"))
        q.discard(100)
        #expect(q.isEmpty)
    }

    @Test func popIntoSpanTakesWhatFits() {
        let q = ByteQueue(capacity: 8)
        q.push(Array<UInt8>([1, 2, 3, 4, 5]).span.bytes)
        var out = [UInt8](repeating: 0, count: 3)
        var whole = out.mutableSpan
        var span = whole.mutableBytes
        let n = q.pop(into: &span)
        _ = consume span
        _ = consume whole
        #expect(n == 3)
        #expect(out == [1, 2, 3] && q.count == 2)
    }

    @Test func zeroCopyRegionsWrapCorrectly() {
        let q = ByteQueue(capacity: 8)
        q.push(Array<UInt8>(repeating: 7, count: 6).span.bytes)
        q.discard(5) // head at 5, one byte queued
        let region = q.unsafeWritableRegion()
        #expect(region.count == 2) // up to the physical end
        region[0] = 1
        region[1] = 2
        q.commitPush(2)
        let next = q.unsafeWritableRegion()
        #expect(next.count == 5) // wrapped: from 0 up to head
        #expect(q.unsafeReadableRegion().count == 3)
        #expect([q.pop(), q.pop(), q.pop()] == [7, 1, 2])
    }

    @Test func steadyStateOperationsDoNotAllocate() {
        let q = ByteQueue(capacity: 256)
        let chunk = FrameBuffer(capacity: 100)
        chunk.setCount(100)
        let sink = FrameBuffer(capacity: 100)
        let mallocs = MallocCounter.count {
            for _ in 0..<1000 {
                q.push(chunk.bytes)
                _ = q.firstIndex(of: 0x0A)
                var span = sink.mutableBytes
                _ = q.pop(into: &span)
            }
        }
        #expect(mallocs == 0)
    }
}
