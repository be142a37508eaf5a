import ServiceLink
import Testing

@Suite struct SPSCRingTests {
    @Test func fillsDrainsAndRefusesWhenFull() {
        let ring = SPSCRing<Int>(capacity: 3, filler: 0)
        #expect(ring.capacity == 4)
        for i in 0..<4 { #expect(ring.push(i)) }
        #expect(!ring.push(99))
        #expect(ring.refusedCount == 1)
        for i in 0..<4 { #expect(ring.pop() == i) }
        #expect(ring.pop() == nil)
    }
}
