// The HomePlug MME parser under a fuzzer: any bytes must give a frame or a typed `HomePlugError`,
// never a trap, and a frame that parses must encode and parse back to an equal frame (whole message).
//
// libFuzzer build (.ci/extra/fuzz-homeplug.sh):
//   swift build --scratch-path .build-fuzz --product homeplug-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIBFUZZER
// Without -DLIBFUZZER the same property runs over a deterministic stream of mutated frames (a smoke
// run that needs no sanitizer runtime).
import HAL
import HomePlugAV

nonisolated(unsafe) private let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)

/// One input: parse; if it parses, encode, parse again and compare the whole frame (addresses and
/// the complete message, `HomePlugFrame` is `Equatable`). Returns what went wrong, or nil.
func fuzzOne(_ input: UnsafeRawBufferPointer) -> String? {
    let first: HomePlugFrame
    do throws(HomePlugError) {
        first = try HomePlugFrame.parse(RawSpan(_unsafeBytes: input))
    } catch {
        _ = error.description
        return nil
    }
    var span = MutableRawSpan(_unsafeBytes: output)
    guard let n = try? first.encode(into: &span) else { return "a parsed frame must encode" }
    guard let again = try? HomePlugFrame.parse(RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: output[0..<n]))) else {
        return "an encoded frame must parse"
    }
    guard again == first else { return "round trip changed the frame: \(first) became \(again)" }
    return nil
}

#if LIBFUZZER
import Glibc

/// Seeds: every message type, encoded by our codec.
func writeSeeds(_ directory: String) {
    let a = MACAddress(2, 0, 0, 0, 0, 1), b = MACAddress(2, 0, 0, 0, 0, 2)
    let run = RunID(rawValue: 0x0102_0304_0506_0708)
    let nmk = NetworkMembershipKey(high: 1, low: 2)
    let groups = AttenuationGroups(count: 58, repeating: 25)
    let messages: [HomePlugMessage] = [
        .setKeyRequest(SetKeyRequest(nid: NetworkID(rawValue: 3), nmk: nmk)), .setKeyConfirm(SetKeyConfirm(result: 1)),
        .slacParmRequest(SlacParmRequest(runID: run)),
        .slacParmConfirm(SlacParmConfirm(numberOfSounds: 10, timeOut: 6, forwardingStation: a, runID: run)),
        .startAttenCharIndication(StartAttenCharIndication(numberOfSounds: 10, timeOut: 6, forwardingStation: a, runID: run)),
        .mnbcSoundIndication(MNBCSoundIndication(count: 9, runID: run)),
        .attenProfileIndication(AttenProfileIndication(pevMAC: a, groups: groups)),
        .attenCharIndication(AttenCharIndication(sourceAddress: a, runID: run, numberOfSounds: 10, groups: groups)),
        .attenCharResponse(AttenCharResponse(sourceAddress: a, runID: run)),
        .validateRequest(ValidateRequest(timer: 1, result: 1)), .validateConfirm(ValidateConfirm(toggleCount: 1, result: .success)),
        .slacMatchRequest(SlacMatchRequest(pevMAC: a, evseMAC: b, runID: run)),
        .slacMatchConfirm(SlacMatchConfirm(pevMAC: a, evseMAC: b, runID: run, nid: NetworkID(rawValue: 3), nmk: nmk)),
        .softwareVersionRequest, .softwareVersionConfirm(SoftwareVersionConfirm(version: "MAC-QCA7000")),
        .resetDeviceRequest, .resetDeviceConfirm(ResetDeviceConfirm(status: 0)), .vendorAttenuationCharacteristics,
    ]
    for (i, m) in messages.enumerated() {
        var span = MutableRawSpan(_unsafeBytes: output)
        guard let n = try? HomePlugFrame(destination: b, source: a, message: m).encode(into: &span),
              let f = fopen("\(directory)/seed-\(i)", "w") else { continue }
        fwrite(output.baseAddress, 1, n, f)
        fclose(f)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func homePlugFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if let finding = fuzzOne(UnsafeRawBufferPointer(start: data, count: size)) { fatalError("homeplug-fuzz finding: \(finding)") }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

/// SwiftPM points `main` at `<module>_main` for executables; hand control to libFuzzer's driver.
/// With CK_FUZZ_SEEDS=DIR, one valid frame of every message type is written there first.
@_cdecl("homeplug_fuzz_main")
public func homePlugFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    if let dir = getenv("CK_FUZZ_SEEDS") { writeSeeds(String(cString: dir)) }
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in homePlugFuzzTestOneInput(data, size) }
}
#else
import Glibc

/// `homeplug-fuzz [ITERATIONS]`: a deterministic stream of mutated frames. The seed is CK_FUZZ_SEED
/// (decimal or 0x hex) or a fixed default, printed on the summary line; a failing input is written to
/// $CK_FUZZ_ARTIFACTS (default /tmp/chargekit-fuzz-failures) for Tests/FuzzReplay/homeplug/.
@main
struct HomePlugFuzzSmoke {
    static func main() {
        var iterations = 200_000
        if CommandLine.arguments.count > 1, let n = Int(CommandLine.arguments[1]) { iterations = n }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        if let text = getenv("CK_FUZZ_SEED").map({ String(cString: $0) }) {
            seed = (text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)) ?? seed
        }
        print("homeplug-fuzz smoke: seed \(seed) starting (CK_FUZZ_SEED=\(seed) replays)")
        var state: UInt64 = seed == 0 ? 1 : seed
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 16)
        defer { buffer.deallocate() }
        let types: [UInt16] = [0x6008, 0x6009, 0x6064, 0x6065, 0x606A, 0x606E, 0x606F, 0x6076, 0x6078, 0x6079, 0x607C, 0x607D, 0x6086,
                               0xA000, 0xA001, 0xA01C, 0xA01D, 0xA14E]
        for i in 0..<iterations {
            let n = Int(next() % 200)
            for k in 0..<n { buffer[k] = UInt8(truncatingIfNeeded: next()) }
            if n >= 20, i % 4 != 0 { // mostly plausible headers, so the message parsers are reached
                buffer[12] = 0x88; buffer[13] = 0xE1
                let t = types[Int(next() % UInt64(types.count))]
                buffer[14] = t >= 0xA000 ? 0 : 1
                buffer[15] = UInt8(truncatingIfNeeded: t); buffer[16] = UInt8(truncatingIfNeeded: t >> 8)
                if t >= 0xA000 { buffer[17] = 0x00; buffer[18] = 0xB0; buffer[19] = 0x52 } else if i % 3 != 0 { buffer[17] = 0; buffer[18] = 0 }
            }
            let input = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            if let finding = fuzzOne(input) {
                let directory = getenv("CK_FUZZ_ARTIFACTS").map { String(cString: $0) } ?? "/tmp/chargekit-fuzz-failures"
                mkdir(directory, 0o755)
                let path = "\(directory)/homeplug-seed\(seed)-i\(i)"
                if let f = fopen(path, "w") {
                    fwrite(input.baseAddress, 1, n, f)
                    fclose(f)
                }
                print("homeplug-fuzz smoke: seed \(seed) iteration \(i): \(finding)\n  input saved to \(path) (CK_FUZZ_SEED=\(seed) replays the run; copy the file into Tests/FuzzReplay/homeplug/ to keep it)")
                exit(1)
            }
        }
        print("homeplug-fuzz smoke: seed \(seed), \(iterations) inputs, no trap, every parsed frame round-tripped whole")
    }
}
#endif
