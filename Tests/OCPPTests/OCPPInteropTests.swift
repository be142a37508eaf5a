import Foundation
import Testing
import TestSupport

/// The venv made by Tests/Support/ocpp-csms/ensure-venv.sh (called from .ci/setup).
let ocppVenv = ProcessInfo.processInfo.environment["OCPP_VENV"] ?? "/var/tmp/chargekit-ocpp-venv"
let ocppVenvReady: Bool = {
    let ok = FileManager.default.isExecutableFile(atPath: ocppVenv + "/bin/python")
    if !ok { print("OCPPInteropTests skipped: no ocpp venv at \(ocppVenv) (run Tests/Support/ocpp-csms/ensure-venv.sh)") }
    return ok
}()

/// `chargerd --board sim --ocpp` against a central system we did not write: the PyPI `ocpp` library's
/// server side (Tests/Support/ocpp-csms/csms.py, loopback only), which validates every message against
/// the OCA schemas and drives the whole session — boot, remote start, authorise, meter values, a
/// charging profile that lowers the setpoint within one message round, the target-current key,
/// a connection loss with the queued messages delivered in order, remote stop. The same chargerd serves
/// its HTTP API (`--http`: OCPP and the API on one service plane): during the transaction `/api/live`
/// shows the session and `/metrics` counts it (http-live, http-metrics).
@Suite(.serialized) struct OCPPInteropTests {
    static let cases = ["boot", "configuration", "remote-start", "authorize", "start-transaction", "meter-values",
                        "charging-profile", "target-current-key", "offline-queue", "trigger-message", "unlock-connector",
                        "remote-stop", "schemas", "http-live", "http-metrics", "clean-exit"]

    @Test(.enabled(if: ocppVenvReady, "needs the ocpp venv (.ci/setup)"))
    func wholeSessionAgainstTheOCPPLibrary() throws {
        let chargerd = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        try Self.runCSMS("csms.py", chargerd: chargerd, arguments: ["--timeout", "150", "--http"], cases: Self.cases, suite: "ocpp")
    }

    /// Runs one of Tests/Support/ocpp-csms's scripts against `chargerd` and expects each of its cases to have
    /// printed `CK-OCPP-CHECK <case> ok` (each one counted for the required `suite`).
    static func runCSMS(_ script: String, chargerd: String, arguments: [String], cases: [String], suite: String) throws {
        let root = PackageLayout.root()
        let state = NSTemporaryDirectory() + "chargekit-\(suite)-\(getpid())"
        let out = try Subprocess.run([ocppVenv + "/bin/python", root + "/Tests/Support/ocpp-csms/" + script, "--chargerd", chargerd,
                                      "--state", state] + arguments
                                         // SCHED_FIFO for the loop when root: the sim session's pilot emulator misses
                                         // its timing on a loaded machine otherwise.
                                         + (Subprocess.isRoot ? ["--realtime", "20"] : []),
                                     directory: root, timeout: 200)
        print(out.stdout)
        #expect(out.status == 0, "\(script): \(out.stdout)\n\(out.stderr.suffix(3000))")
        for c in cases {
            let ok = out.stdout.contains("CK-OCPP-CHECK \(c) ok")
            #expect(ok, "case \(c)")
            if ok { print("\(RequiredSuite.marker) \(suite) \(c)") }
        }
    }
}
