import Buffers
import MallocCounting
import Testing

@Suite struct FrameQueueTests {
    @Test func framesComeOutWholeAndInOrder() {
        let q = FrameQueue(slots: 3, maxFrameLength: 16)
        let a: [UInt8] = [1, 2, 3], b: [UInt8] = [4]
        let pushedA = q.push(a.span.bytes), pushedB = q.push(b.span.bytes)
        #expect(pushedA && pushedB)
        let out = FrameBuffer(capacity: 16)
        #expect(q.popFront(into: out))
        #expect(Array(out.unsafeBytes) == [1, 2, 3])
        #expect(q.frontLength() == 1)
        #expect(q.popFront(into: out) && Array(out.unsafeBytes) == [4])
        #expect(!q.popFront(into: out))
    }

    @Test func overflowAndOversizeAreRefusedAndCounted() {
        let q = FrameQueue(slots: 2, maxFrameLength: 4)
        let ok: [UInt8] = [1, 2]
        let first = q.push(ok.span.bytes), second = q.push(ok.span.bytes), third = q.push(ok.span.bytes)
        #expect(first && second && !third)
        #expect(q.droppedFrames == 1)
        let big = [UInt8](repeating: 0, count: 5)
        let oversized = q.push(big.span.bytes)
        #expect(!oversized)
        #expect(q.oversizedFrames == 1)
        #expect(q.count == 2)
    }

    @Test func directSlotWritesForDrivers() {
        let q = FrameQueue(slots: 2, maxFrameLength: 8)
        let slot = q.unsafeNextSlot()!
        slot[0] = 0xAA
        slot[1] = 0xBB
        q.commitPush(length: 2)
        #expect(q.frontLength() == 2)
        let front = q.front
        let length = front.byteCount, second = front.unsafeLoad(fromByteOffset: 1, as: UInt8.self)
        #expect(length == 2 && second == 0xBB)
    }

    @Test func tooSmallDestinationKeepsTheFrameQueued() {
        let q = FrameQueue(slots: 2, maxFrameLength: 8)
        q.push(Array<UInt8>(repeating: 1, count: 8).span.bytes)
        #expect(!q.popFront(into: FrameBuffer(capacity: 4)))
        #expect(q.count == 1)
    }

    @Test func frameBufferAppendAssignAndBounds() {
        let b = FrameBuffer(capacity: 4)
        let abc: [UInt8] = [1, 2, 3], de: [UInt8] = [4, 5], nine: [UInt8] = [9], five = [UInt8](repeating: 0, count: 5)
        let r1 = b.append(abc.span.bytes), r2 = b.append(de.span.bytes)
        #expect(r1 && !r2 && b.count == 3)
        #expect(b.append(4) && !b.append(5))
        let r3 = b.assign(nine.span.bytes)
        #expect(r3 && b.count == 1 && b[0] == 9)
        let r4 = b.assign(five.span.bytes)
        #expect(!r4 && b.count == 1)
    }

    @Test func steadyStateOperationsDoNotAllocate() {
        let q = FrameQueue(slots: 8, maxFrameLength: 1518)
        let out = FrameBuffer(capacity: 1518)
        let frame = [UInt8](repeating: 0x88, count: 60)
        let ring = RingBuffer<Int64>(capacity: 16, filler: 0)
        let mallocs = MallocCounter.count {
            for i in 0..<1000 {
                q.push(frame.span.bytes)
                q.popFront(into: out)
                ring.pushOverwriting(Int64(i))
                _ = ring.pop()
            }
        }
        #expect(mallocs == 0)
    }
}

@Suite struct RingBufferTests {
    @Test func pushPopPeekAndOverwrite() {
        let r = RingBuffer<Int>(capacity: 3, filler: 0)
        #expect(r.push(1) && r.push(2) && r.push(3))
        #expect(!r.push(4) && r.droppedCount == 1)
        r.pushOverwriting(4)
        #expect(r.droppedCount == 2)
        #expect(r.peek() == 2 && r.peek(at: 2) == 4 && r.peek(at: 3) == nil)
        #expect([r.pop(), r.pop(), r.pop(), r.pop()] == [2, 3, 4, nil])
    }
}
