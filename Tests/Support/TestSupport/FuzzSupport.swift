import Foundation

/// What every fuzz and random test shares, so that each one can be replayed:
///
/// - its seed comes from an environment variable or a fixed default (never from the process:
///   `String.hashValue` and `SystemRandomNumberGenerator` differ per run), and is printed on the
///   test's summary line and with every failure;
/// - a failing input is written to a file (`FuzzArtifacts`), which a later run replays from
///   `Tests/FuzzReplay/<kind>/` (`FuzzReplay`, run on every `swift test`).
public enum FuzzSeed {
    /// The seed named by `variable` (decimal, or hex with 0x), else `fallback`.
    public static func value(_ variable: String, default fallback: UInt64) -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment[variable]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return fallback
        }
        if text.lowercased().hasPrefix("0x"), let v = UInt64(text.dropFirst(2), radix: 16) { return v }
        return UInt64(text) ?? fallback
    }

    /// A stable 64-bit value for a name (FNV-1a): the same in every process, unlike `hashValue`.
    public static func stable(_ name: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }
}

/// SplitMix64: small, fast and the same on every machine for a given seed.
public struct FuzzRandom: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Where failing inputs go: `$CK_FUZZ_ARTIFACTS`, else `$LOG_DIR/fuzz-failures` (CI keeps LOG_DIR),
/// else /tmp/chargekit-fuzz-failures.
public enum FuzzArtifacts {
    public static var directory: String {
        let environment = ProcessInfo.processInfo.environment
        if let d = environment["CK_FUZZ_ARTIFACTS"], !d.isEmpty { return d }
        if let d = environment["LOG_DIR"], !d.isEmpty { return d + "/fuzz-failures" }
        return "/tmp/chargekit-fuzz-failures"
    }

    /// Writes `bytes` as `<directory>/<name>` and returns the path (or a note why it could not).
    @discardableResult
    public static func save(_ bytes: [UInt8], name: String) -> String {
        let path = directory + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        } catch {
            return "(not saved: \(error))"
        }
    }
}

/// The saved inputs of past failures: every file of `Tests/FuzzReplay/<kind>/` except README*
/// and dot files, raw bytes, sorted by name.
public enum FuzzReplay {
    public static func directory(_ kind: String) -> String { PackageLayout.root() + "/Tests/FuzzReplay/" + kind }

    public static func inputs(_ kind: String) -> [(name: String, bytes: [UInt8])] {
        let dir = directory(kind)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasPrefix("README") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: dir + "/" + name) else { return nil }
            return (name, [UInt8](data))
        }
    }
}
