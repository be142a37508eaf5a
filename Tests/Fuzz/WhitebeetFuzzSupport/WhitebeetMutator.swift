import WhitebeetHCI

/// A seeded stream of inputs for the property: valid frames of every message kind, mutated (bytes
/// replaced, inserted, cut, the length field rewritten), most with the checksum byte set to 0x00 —
/// which the decoder accepts unchecked (§3.2) — so the mutations reach the message decoders.
/// The same seed gives the same inputs (xorshift64).
public enum WhitebeetMutator {
    /// Runs `iterations` inputs; returns the first failing one, or nil.
    public static func run(seed: UInt64, iterations: Int) -> (iteration: Int, input: [UInt8], finding: String)? {
        let seeds = WhitebeetSamples.frames()
        var state: UInt64 = seed == 0 ? 1 : seed
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        var input: [UInt8] = []
        input.reserveCapacity(4096)
        for i in 0 ..< iterations {
            input.removeAll(keepingCapacity: true)
            if i % 16 == 0 {
                let n = Int(next() % 64)
                for _ in 0 ..< n { input.append(UInt8(truncatingIfNeeded: next())) }
            } else {
                input += seeds[Int(next() % UInt64(seeds.count))]
                let edits = 1 + Int(next() % 4)
                for _ in 0 ..< edits {
                    let at = 1 + Int(next() % UInt64(max(1, input.count - 1)))
                    switch next() % 6 {
                    case 0, 1: if at < input.count { input[at] = UInt8(truncatingIfNeeded: next()) }
                    case 2: if at < input.count { input[at] = [0, 1, 2, 0xFF, 0x80, 0x7F][Int(next() % 6)] }
                    case 3: input.insert(UInt8(truncatingIfNeeded: next()), at: min(at, input.count))
                    case 4: if at < input.count, input.count > 8 { input.remove(at: at) }
                    default: input.removeLast(Int(next() % UInt64(min(4, input.count))))
                    }
                }
                if input.count >= 8, next() % 4 != 0 {
                    // Keep the frame well formed around the mutated payload.
                    let length = input.count - 8
                    input[0] = 0xC0
                    input[4] = UInt8(truncatingIfNeeded: length >> 8)
                    input[5] = UInt8(truncatingIfNeeded: length)
                    input[input.count - 2] = 0
                    input[input.count - 1] = 0xC1
                }
            }
            if let finding = input.withUnsafeBytes({ WhitebeetFuzzProperty.check($0) }) { return (i, input, finding) }
        }
        return nil
    }
}
