import WhitebeetHCI

/// "C0 10 41" → bytes.
func hex(_ text: String) -> [UInt8] {
    text.split(separator: " ").map { UInt8($0, radix: 16)! }
}

func hexString(_ bytes: some Collection<UInt8>) -> String {
    bytes.map { $0 < 16 ? "0" + String($0, radix: 16, uppercase: true) : String($0, radix: 16, uppercase: true) }.joined(separator: " ")
}

/// Encodes into fresh storage and returns the bytes.
func encoded(_ body: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> [UInt8] {
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
    defer { storage.deallocate() }
    let n = try body(storage)
    return Array(storage[0 ..< n])
}

func frame(_ request: HCIRequest, id: UInt8) throws -> [UInt8] {
    try encoded { s in try request.encode(requestID: id, into: s) }
}

/// `bytes` in storage of their own (no closure: a typed-throws closure returning a tuple crashes
/// the 6.3 compiler's SIL generation).
func withCopy<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
    let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 8)
    defer { p.deallocate() }
    p.copyBytes(from: bytes)
    return try body(UnsafeRawBufferPointer(rebasing: p[0 ..< bytes.count]))
}

func moduleMessage(_ bytes: [UInt8]) throws -> HCIModuleMessage {
    try withCopy(bytes) { b in try HCIModuleMessage.decode(frame: b) }
}

func request(_ bytes: [UInt8]) throws -> (request: HCIRequest, requestID: UInt8) {
    let decoded = try withCopy(bytes) { b in try HCIRequest.decode(frame: b) }
    return decoded
}

func hciError(_ body: () throws -> Void) -> HCIError? {
    do {
        try body()
        return nil
    } catch let e as HCIError {
        return e
    } catch {
        return nil
    }
}
