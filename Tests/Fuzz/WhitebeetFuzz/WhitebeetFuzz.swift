// The WHITE-beet HCI decoders under a fuzzer (WhitebeetFuzzProperty): any bytes give a value or a
// typed HCIError, never a trap, and whatever decodes round-trips.
//
// libFuzzer build (.ci/extra/fuzz-whitebeet.sh):
//   swift build --scratch-path .build-fuzz --product whitebeet-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIBFUZZER
// Without -DLIBFUZZER: `whitebeet-fuzz [ITERATIONS]` runs a seeded stream of mutated frames, or
// `whitebeet-fuzz FILE...` replays saved inputs (Tests/FuzzReplay/whitebeet).
import Glibc
import WhitebeetFuzzSupport

#if LIBFUZZER
func writeSeeds(_ directory: String) {
    for (i, frame) in WhitebeetSamples.frames().enumerated() {
        guard let f = fopen("\(directory)/seed-\(i)", "w") else { continue }
        _ = frame.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func whitebeetFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if let finding = WhitebeetFuzzProperty.check(UnsafeRawBufferPointer(start: data, count: size)) {
        fatalError("whitebeet-fuzz finding: \(finding)")
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

/// SwiftPM points `main` at `<module>_main`; hand control to libFuzzer's driver. With
/// CK_FUZZ_SEEDS=DIR, one frame of every message kind is written there first.
@_cdecl("whitebeet_fuzz_main")
public func whitebeetFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    if let dir = getenv("CK_FUZZ_SEEDS") { writeSeeds(String(cString: dir)) }
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in whitebeetFuzzTestOneInput(data, size) }
}
#else
@main
struct WhitebeetFuzzSmoke {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, Int(first) == nil {
            exit(replay(arguments) ? 0 : 1)
        }
        var iterations = 200_000
        if let first = arguments.first, let n = Int(first) { iterations = n }
        var seed: UInt64 = 0x5EED_0017
        if let text = getenv("CK_FUZZ_SEED").map({ String(cString: $0) }) {
            seed = (text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)) ?? seed
        }
        print("whitebeet-fuzz: seed \(seed) starting, \(iterations) inputs (CK_FUZZ_SEED=\(seed) replays)")
        if let (i, input, finding) = WhitebeetMutator.run(seed: seed, iterations: iterations) {
            let directory = getenv("CK_FUZZ_ARTIFACTS").map { String(cString: $0) }
                ?? getenv("LOG_DIR").map { String(cString: $0) + "/fuzz-failures" } ?? "/tmp/chargekit-fuzz-failures"
            mkdir(directory, 0o755)
            let path = "\(directory)/whitebeet-seed\(seed)-i\(i)"
            if let f = fopen(path, "w") {
                _ = input.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
                fclose(f)
            }
            print("whitebeet-fuzz: seed \(seed) iteration \(i): \(finding)\n  input saved to \(path) (copy it into Tests/FuzzReplay/whitebeet/ to keep it)")
            exit(1)
        }
        print("whitebeet-fuzz: seed \(seed), \(iterations) inputs, no trap, every decoded frame round-tripped")
    }

    static func replay(_ paths: [String]) -> Bool {
        var ok = true
        for path in paths {
            guard let f = fopen(path, "r") else {
                print("whitebeet-fuzz: cannot open \(path)")
                ok = false
                continue
            }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = fread(&buffer, 1, buffer.count, f)
                if n <= 0 { break }
                bytes += buffer[0 ..< n]
            }
            fclose(f)
            let finding = bytes.withUnsafeBytes { WhitebeetFuzzProperty.check($0) }
            print("whitebeet-fuzz: \(path): \(finding ?? "ok")")
            if finding != nil { ok = false }
        }
        return ok
    }
}
#endif
