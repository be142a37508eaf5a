// Every EXI decoder under a coverage-guided fuzzer (EXIFuzzProperty: no trap; decode → encode → decode
// agree; decode(_:into:) over a held message agrees with a fresh decode). An input is one byte that
// picks the schema (EXISchema.allCases[byte % 8]: app, din, iso2, iso20 common, DC, AC, ACDP, WPT) and
// the EXI stream; the same format as Tests/FuzzReplay/exi.
//
// libFuzzer + AddressSanitizer build (.ci/extra/fuzz-exi-libfuzzer.sh):
//   swift build --scratch-path .build-fuzz --product exi-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIBFUZZER
//   CK_FUZZ_SEEDS=DIR .build-fuzz/debug/exi-fuzz DIR -seed=N      (writes the seed corpus into DIR first)
//   .build-fuzz/debug/exi-fuzz CRASH-FILE                          (replays one input)
// Without -DLIBFUZZER: `exi-fuzz FILE...` checks saved inputs and exits 1 on a finding (no sanitizer).
// Run from the package root (the corpora are read from Tests/EXITests/Conformance and ../shared).
import EXIFuzzSupport
import EXITool
import Foundation

nonisolated(unsafe) private var property: EXIFuzzProperty?
nonisolated(unsafe) private var corpus: [EXISchema: [[UInt8]]] = [:]

private func root() -> String {
    ProcessInfo.processInfo.environment["CK_PACKAGE_ROOT"] ?? FileManager.default.currentDirectoryPath
}

private func prepare() -> EXIFuzzProperty {
    if let property { return property }
    corpus = EXIFuzzCorpus.load(root: root())
    let made = EXIFuzzProperty(held: corpus)
    property = made
    return made
}

/// One input: the verdict, or nil for an empty one.
func fuzzOne(_ file: [UInt8]) -> EXIFuzzVerdict? {
    guard let (schema, stream) = EXIFuzzInput.parse(file) else { return nil }
    return prepare().check(schema, stream)
}

#if LIBFUZZER
import Glibc

/// Seeds: every corpus stream of every schema, as `[selector] + stream`.
func writeSeeds(_ directory: String) {
    _ = prepare()
    var written = 0
    for (schema, streams) in corpus {
        for (i, stream) in streams.enumerated() {
            let path = "\(directory)/\(schema.rawValue)-\(i)"
            if FileManager.default.createFile(atPath: path, contents: Data(EXIFuzzInput.file(schema, stream))) { written += 1 }
        }
    }
    let counts = EXISchema.allCases.map { "\($0.rawValue) \(corpus[$0]?.count ?? 0)" }.joined(separator: ", ")
    print("exi-fuzz: \(written) seeds (\(counts))")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func exiFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = [UInt8](UnsafeBufferPointer(start: data, count: size))
    if case .finding(let what)? = fuzzOne(input) { fatalError("exi-fuzz finding: \(what)") }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

/// SwiftPM points `main` at `<module>_main` for executables; hand control to libFuzzer's driver.
/// With CK_FUZZ_SEEDS=DIR, the seed corpus is written there first.
@_cdecl("exi_fuzz_main")
public func exiFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    if let dir = getenv("CK_FUZZ_SEEDS") { writeSeeds(String(cString: dir)) }
    _ = prepare()
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in exiFuzzTestOneInput(data, size) }
}
#else
@main
struct EXIFuzzReplay {
    static func main() {
        var findings = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("exi-fuzz: cannot read \(path)")
                findings += 1
                continue
            }
            let verdict = fuzzOne([UInt8](data))
            print("exi-fuzz: \(path): \(verdict.map { "\($0)" } ?? "empty")")
            if case .finding? = verdict { findings += 1 }
        }
        exit(findings == 0 ? 0 : 1)
    }
}
#endif
