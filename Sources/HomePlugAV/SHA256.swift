/// SHA-256 (FIPS 180-4) over short inputs, without allocation: enough for deriving a NID from an
/// NMK (slac.md §7.2) and an NMK from a password (§7.1), and the printable fingerprint of a key
/// (`NetworkMembershipKey.fingerprint`). Not a general-purpose hashing API; package-internal.
package struct SHA256 {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    private var block = InlineArray<64, UInt8>(repeating: 0)
    private var blockCount = 0
    private var totalBytes: UInt64 = 0

    private static let k: InlineArray<64, UInt32> = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    package init() {}

    @_noAllocation
    package mutating func update(_ byte: UInt8) {
        block[blockCount] = byte
        blockCount += 1
        totalBytes &+= 1
        if blockCount == 64 {
            compress()
            blockCount = 0
        }
    }

    package mutating func update(_ digest: Digest) {
        var i = 0
        while i < 32 {
            update(digest[i])
            i += 1
        }
    }

    /// The 32-byte digest; the hasher must not be used afterwards.
    @_noAllocation
    package mutating func finish() -> Digest {
        let bits = totalBytes &* 8
        update(0x80)
        while blockCount != 56 { update(0) }
        var i = 7
        while i >= 0 {
            update(UInt8(truncatingIfNeeded: bits >> UInt64(8 * i)))
            i -= 1
        }
        var d = Digest()
        let words = [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] as InlineArray<8, UInt32>
        var w = 0
        while w < 8 {
            d.bytes[4 * w] = UInt8(truncatingIfNeeded: words[w] >> 24)
            d.bytes[4 * w + 1] = UInt8(truncatingIfNeeded: words[w] >> 16)
            d.bytes[4 * w + 2] = UInt8(truncatingIfNeeded: words[w] >> 8)
            d.bytes[4 * w + 3] = UInt8(truncatingIfNeeded: words[w])
            w += 1
        }
        return d
    }

    package struct Digest {
        var bytes = InlineArray<32, UInt8>(repeating: 0)
        package subscript(i: Int) -> UInt8 { bytes[i] }
    }

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    private mutating func compress() {
        var w = InlineArray<64, UInt32>(repeating: 0)
        var t = 0
        while t < 16 {
            w[t] = UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16 | UInt32(block[4 * t + 2]) << 8 | UInt32(block[4 * t + 3])
            t += 1
        }
        while t < 64 {
            let s0 = Self.rotr(w[t - 15], 7) ^ Self.rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
            let s1 = Self.rotr(w[t - 2], 17) ^ Self.rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            t += 1
        }
        var (a, b, c, d, e, f, g, h) = state
        t = 0
        while t < 64 {
            let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ Self.k[t] &+ w[t]
            let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            h = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            t += 1
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h)
    }
}
