import Foundation
import Testing
import TestSupport

/// Whether the openssl command exists (the test makes its own PKI with it; `.ci/setup` installs it).
let opensslReady: Bool = {
    let ok = ["/usr/bin/openssl", "/bin/openssl"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    if !ok { print("OCPPSecurityInteropTests skipped: no openssl (apt-get install openssl; .ci/setup does)") }
    return ok
}()

/// OCPP 1.6 security profiles 1 and 2 and Reset against the PyPI `ocpp` library's central system behind a
/// TLS server that checks the Basic credentials (Tests/Support/ocpp-csms/security.py, loopback only): a root
/// that did not sign the server's certificate and a wrong AuthorizationKey keep `chargerd --board sim` out (it
/// retries, stays up, stops cleanly); the right root and the key from a file get it in over TLS 1.2+ with the
/// exact Basic header; Reset(Hard) with no transaction and Reset(Soft) during one reboot it onto a new
/// connection, the soft one with StopTransaction(SoftReset). An address in a wss:// URL without the
/// certificate's name is refused at start (TLS sends no address as SNI).
@Suite(.serialized) struct OCPPSecurityInteropTests {
    static let cases = ["tls-address-needs-name", "tls-untrusted", "basic-auth-refused", "profile-2", "reset-hard",
                        "reset-soft", "start-transaction", "reset-clean-exit", "schemas"]

    @Test(.enabled(if: ocppVenvReady && opensslReady, "needs the ocpp venv and openssl (.ci/setup)"))
    func securityProfilesAndResetAgainstTheOCPPLibrary() throws {
        let chargerd = try #require(PackageLayout.product("chargerd"), "chargerd is not built next to the test bundle")
        try OCPPInteropTests.runCSMS("security.py", chargerd: chargerd, arguments: ["--timeout", "120"], cases: Self.cases,
                                     suite: "ocpp-security")
    }
}
