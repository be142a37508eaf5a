/// A forward-only reader over one line of JSON (RFC 8259), just enough for the helper protocol: it
/// walks objects member by member, reads strings as byte ranges of the line (never copies them),
/// reads numbers as `Double` (the firmware's ArduinoJson may print floats) and skips what it does not
/// need. It never allocates and never reads past the line.
struct JSONCursor {
    /// A string's content as a range of the line (escapes left as they are).
    struct Text {
        var start: Int
        var end: Int
        var count: Int { end - start }
    }

    let base: UnsafePointer<UInt8>?
    let end: Int
    var offset = 0

    init(_ line: UnsafeRawBufferPointer) {
        base = line.baseAddress?.assumingMemoryBound(to: UInt8.self)
        end = line.count
    }

    @inline(__always) func byte(_ i: Int) -> UInt8 { base.unsafelyUnwrapped[i] }

    var current: UInt8? { offset < end ? byte(offset) : nil }

    mutating func skipWhitespace() {
        while offset < end {
            let b = byte(offset)
            guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return }
            offset += 1
        }
    }

    mutating func expect(_ b: UInt8) throws(HelperDecodeError) {
        guard offset < end, byte(offset) == b else { throw .notJSON(offset: offset) }
        offset += 1
    }

    /// Reads a string starting at the opening quote.
    mutating func readString() throws(HelperDecodeError) -> Text {
        try expect(0x22)
        let start = offset
        while offset < end {
            let b = byte(offset)
            if b == 0x22 {
                let text = Text(start: start, end: offset)
                offset += 1
                return text
            }
            if b < 0x20 { throw .notJSON(offset: offset) }
            if b == 0x5C {
                offset += 1
                guard offset < end else { throw .notJSON(offset: offset) }
                switch byte(offset) {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: offset += 1
                case 0x75:
                    offset += 1
                    var k = 0
                    while k < 4 {
                        guard offset < end, Self.isHexDigit(byte(offset)) else { throw .notJSON(offset: offset) }
                        offset += 1
                        k += 1
                    }
                default: throw .notJSON(offset: offset)
                }
                continue
            }
            offset += 1
        }
        throw .notJSON(offset: offset)
    }

    /// Reads a number; the caller has checked it starts with '-' or a digit.
    mutating func readNumber() throws(HelperDecodeError) -> Double {
        var negative = false
        if current == 0x2D {
            negative = true
            offset += 1
        }
        guard let first = current, Self.isDigit(first) else { throw .notJSON(offset: offset) }
        var value = 0.0
        if first == 0x30 {
            offset += 1
        } else {
            while let b = current, Self.isDigit(b) {
                value = value * 10 + Double(b - 0x30)
                offset += 1
            }
        }
        if current == 0x2E {
            offset += 1
            guard let b = current, Self.isDigit(b) else { throw .notJSON(offset: offset) }
            var scale = 0.1
            while let b = current, Self.isDigit(b) {
                value += Double(b - 0x30) * scale
                scale /= 10
                offset += 1
            }
        }
        if current == 0x65 || current == 0x45 {
            offset += 1
            var negativeExponent = false
            if current == 0x2B || current == 0x2D {
                negativeExponent = current == 0x2D
                offset += 1
            }
            guard let b = current, Self.isDigit(b) else { throw .notJSON(offset: offset) }
            var exponent = 0
            while let b = current, Self.isDigit(b) {
                if exponent < 1000 { exponent = exponent * 10 + Int(b - 0x30) }
                offset += 1
            }
            var k = 0
            while k < exponent, value != 0, value.isFinite {
                value = negativeExponent ? value / 10 : value * 10
                k += 1
            }
        }
        return negative ? -value : value
    }

    /// Reads `true`, `false` or `null` (returns nil for null).
    mutating func readLiteral() throws(HelperDecodeError) -> Bool? {
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        if matchLiteral("null") { return nil }
        throw .notJSON(offset: offset)
    }

    private mutating func matchLiteral(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard offset + n <= end else { return false }
        var i = 0
        while i < n {
            if byte(offset + i) != word.utf8Start[i] { return false }
            i += 1
        }
        offset += n
        return true
    }

    /// Positions after the next member's colon and returns its key, or returns nil (and consumes
    /// the closing brace) at the end of the object. `first` tracks whether a comma is due.
    mutating func nextMember(_ first: inout Bool) throws(HelperDecodeError) -> Text? {
        skipWhitespace()
        guard let b = current else { throw .notJSON(offset: offset) }
        if b == 0x7D {
            offset += 1
            return nil
        }
        if !first {
            try expect(0x2C)
            skipWhitespace()
        }
        first = false
        let key = try readString()
        skipWhitespace()
        try expect(0x3A)
        skipWhitespace()
        return key
    }

    /// Skips one value of any type, nested at most `depth` more levels.
    mutating func skipValue(depth: Int) throws(HelperDecodeError) {
        skipWhitespace()
        guard let b = current else { throw .notJSON(offset: offset) }
        switch b {
        case 0x22: _ = try readString()
        case 0x7B:
            guard depth > 0 else { throw .nestingTooDeep(offset: offset) }
            offset += 1
            var first = true
            while try nextMember(&first) != nil { try skipValue(depth: depth - 1) }
        case 0x5B:
            guard depth > 0 else { throw .nestingTooDeep(offset: offset) }
            offset += 1
            skipWhitespace()
            if current == 0x5D {
                offset += 1
                return
            }
            while true {
                try skipValue(depth: depth - 1)
                skipWhitespace()
                guard let c = current else { throw .notJSON(offset: offset) }
                offset += 1
                if c == 0x5D { return }
                guard c == 0x2C else { throw .notJSON(offset: offset - 1) }
            }
        case 0x2D, 0x30...0x39: _ = try readNumber()
        default: _ = try readLiteral()
        }
    }

    /// True when `text` is exactly `word` (no escapes).
    func matches(_ text: Text, _ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard text.count == n else { return false }
        var i = 0
        while i < n {
            if byte(text.start + i) != word.utf8Start[i] { return false }
            i += 1
        }
        return true
    }

    /// True when `text` starts with `prefix`.
    func hasPrefix(_ text: Text, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard text.count >= n else { return false }
        var i = 0
        while i < n {
            if byte(text.start + i) != prefix.utf8Start[i] { return false }
            i += 1
        }
        return true
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isHexDigit(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }
}
