import Foundation
import HTTPAPI
import ServiceLink
import Testing
import TestSupport

/// The venv made by Tests/Support/http-api/ensure-venv.sh (called from .ci/setup).
let httpVenv = ProcessInfo.processInfo.environment["HTTP_VENV"] ?? "/var/tmp/chargekit-http-venv"
let httpVenvReady: Bool = {
    let ok = FileManager.default.isExecutableFile(atPath: httpVenv + "/bin/python")
    if !ok { print("HTTPAPIInteropTests skipped: no venv at \(httpVenv) (run Tests/Support/http-api/ensure-venv.sh)") }
    return ok
}()
let chromiumReady: Bool = {
    let ok = Subprocess.which("chromium") != nil
    if !ok { print("HTTPAPIInteropTests live page skipped: no chromium (Debian's package; .ci/setup installs it)") }
    return ok
}()

/// Proof against peers we did not write: the PyPI `prometheus_client` parser reads `/metrics`, and
/// Debian's headless Chromium shows the live page plotting a simulated session from its events.
@Suite(.serialized, .required("http-api")) struct HTTPAPIInteropTests {
    /// The exposition of a charger after two sessions (one failed) parses with prometheus_client, and
    /// its histogram's buckets are cumulative up to +Inf = _count.
    @Test(.enabled(if: httpVenvReady, "needs the http venv (.ci/setup)"))
    func metricsParseWithPrometheusClient() throws {
        let rig = try APIRig()
        defer { rig.stop() }
        rig.simulateSession()
        try rig.settle()
        rig.simulateSession(completed: false)
        try rig.settle()
        let r = try rig.client.request("GET", "/metrics")
        #expect(r.status == 200)
        #expect(r.headers.contains("text/plain; version=0.0.4"))
        let file = NSTemporaryDirectory() + "chargekit-metrics-\(getpid()).txt"
        try r.body.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let out = try Subprocess.run([httpVenv + "/bin/python", PackageLayout.root() + "/Tests/Support/http-api/parse-metrics.py", file,
                                      "--need", "chargekit_loop_jitter_seconds", "--need", "chargekit_sessions_ended",
                                      "--need", "chargekit_v2g_decode_errors", "--need", "chargekit_cp_faults",
                                      "--need", "chargekit_slac_outcomes"], timeout: 60)
        print(out.stdout)
        #expect(out.status == 0, "\(out.stdout)\n\(out.stderr)\n\(r.body)")
        #expect(r.body.contains("chargekit_sessions_ended_total{outcome=\"completed\"} 1"))
        #expect(r.body.contains("chargekit_sessions_ended_total{outcome=\"failed\"} 1"))
    }

    /// `chargerd --board sim --http`: headless Chromium opens the live page during the session; two
    /// screenshots of the plot some seconds apart differ and the page's sample count grew; /metrics
    /// parses; the session's JSON record is on /sessions and in the session log, the same line.
    @Test(.enabled(if: httpVenvReady && chromiumReady, "needs the http venv and chromium (.ci/setup)"))
    func livePageInHeadlessChromium() throws {
        let chargerd = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        let root = PackageLayout.root()
        let out = try Subprocess.run([httpVenv + "/bin/python", root + "/Tests/Support/http-api/live-page.py", "--chargerd", chargerd]
                                         // SCHED_FIFO for the loop when root, as the OCPP interop test does.
                                         + (Subprocess.isRoot ? ["--realtime", "20"] : []),
                                     directory: root, timeout: 200)
        print(out.stdout)
        #expect(out.status == 0, "live-page.py: \(out.stdout)\n\(out.stderr.suffix(3000))")
        for c in ["api-up", "chromium", "page-receives-events", "plot-updates", "metrics-parse", "metrics-live",
                  "chargerd-session", "session-record"] {
            #expect(out.stdout.contains("CK-HTTP-CHECK \(c) ok"), "case \(c)")
        }
    }
}
