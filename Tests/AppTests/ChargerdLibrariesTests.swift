import Foundation
import Testing
import TestSupport

/// The firmware's footprint goal (issue 18: idle RSS ≤ 10 MiB) decides which libraries the
/// `chargerd` process may load. Full Foundation (libFoundation, FoundationInternationalization and ICU,
/// 8 MiB resident) is not one of them: `.ci/check-layers.py` refuses an `import Foundation` in any
/// target chargerd links; this checks what the dynamic linker actually loads for the built binary.
@Suite struct ChargerdLibraries {
    /// The libraries the dynamic linker resolves for the built chargerd (`ldd`): their names, and the
    /// listing for the failure messages.
    static func linkedLibraries() throws -> (names: [String], listing: String) {
        let tool = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        let ldd = try Subprocess.run(["/usr/bin/ldd", tool], timeout: 60)
        try #require(ldd.status == 0, "ldd: \(ldd.stderr)")
        let names = ldd.stdout.split(separator: "\n").compactMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) }
        return (names, ldd.stdout)
    }

    @Test func chargerdLoadsNoFullFoundation() throws {
        let (libraries, listing) = try Self.linkedLibraries()
        for refused in ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so", "libicu"] {
            #expect(!libraries.contains { $0.hasPrefix(refused) }, "chargerd loads \(refused):\n\(listing)")
        }
        // What reads the board files instead of Yams (through CShims/CYAML).
        #expect(libraries.contains { $0.hasPrefix("libyaml-0.so") }, "\(listing)")
    }

    /// libmosquitto (and the TLS libraries it links, libssl and libcrypto: ~1.5 MiB resident) is opened
    /// only when an MQTT site link makes its first client (`CShims/CMosquitto`, dlopen), so an idle
    /// charger without one never maps it.
    @Test func mqttLibraryIsNotLinked() throws {
        let (libraries, listing) = try Self.linkedLibraries()
        for refused in ["libmosquitto.so", "libssl.so", "libcrypto.so"] {
            #expect(!libraries.contains { $0.hasPrefix(refused) }, "chargerd links \(refused):\n\(listing)")
        }
    }
}
