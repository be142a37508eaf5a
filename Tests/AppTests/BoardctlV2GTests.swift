import Testing
import TestSupport

/// `boardctl v2g` as the interop scripts run it: usage errors exit 2 before anything is opened.
@Suite struct BoardctlV2GProcess {
    @Test(arguments: [
        ["v2g", "--role", "charger", "--interface", "lo", "--protocol", "din"],
        ["v2g", "--role", "secc", "--protocol", "din"],
        ["v2g", "--role", "secc", "--interface", "lo", "--protocol", "ISO_15118_20_DC"],
        ["v2g", "--role", "evcc", "--interface", "lo", "--protocol", "chademo"],
        ["v2g", "--role", "secc", "--interface", "lo", "--protocol", "din", "--port", "15118"],
    ])
    func usageErrorsExitTwo(_ arguments: [String]) throws {
        let result = try runProduct("boardctl", arguments, timeout: 30)
        #expect(result.status == 2, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stderr.contains("boardctl: v2g:"))
    }

    @Test func josevProtocolNamesAreAccepted() throws {
        // Valid arguments get past the usage checks; the interface does not exist, so the run fails (1).
        for name in ["DIN_SPEC_70121", "ISO_15118_2", "din", "iso2"] {
            let result = try runProduct("boardctl", ["v2g", "--role", "secc", "--interface", "ck-no-such-if", "--protocol", name], timeout: 30)
            #expect(result.status == 1, "\(name): \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("ck-no-such-if"))
        }
    }
}
