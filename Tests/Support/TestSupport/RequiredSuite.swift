import Foundation
import Testing

/// Marks a test (or every test of a suite) that CI requires to have actually run. When the test body
/// finishes without throwing, one line goes to standard output:
///
///     CK-REQUIRED-RAN <suite> <test name>
///
/// A test that is skipped (a false `.enabled(if:)`) never reaches its body and prints nothing, so
/// `.ci/run` counts these lines per suite in the test log and fails, naming the suite, when fewer ran
/// than it requires. Tests run inside the HIL VM print theirs there; the launcher streams them back.
public struct RequiredSuite: SuiteTrait, TestTrait, TestScoping {
    /// The name `.ci/run` counts under (`hil-kernel`, `pyslac`, `tshark`, …).
    public let suite: String

    public static let marker = "CK-REQUIRED-RAN"

    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> RequiredSuite? {
        test.isSuite || testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await function()
        let line = "\(Self.marker) \(suite) \(test.name)\n"
        // Unbuffered: the line must reach the log even if a later test takes the process down.
        FileHandle.standardOutput.write(Data(line.utf8))
    }
}

extension Trait where Self == RequiredSuite {
    /// `@Suite(.required("pyslac"))`: CI counts the tests of this suite that ran (see `RequiredSuite`).
    public static func required(_ suite: String) -> Self { RequiredSuite(suite: suite) }
}

/// What CI asks of a run: `CI=true` (set by `.ci/run`) turns "cannot run here" into a failure for the
/// few tests whose environment CI always provides (the HIL VM launcher).
public enum CIEnvironment {
    public static var isCI: Bool {
        let value = ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? ""
        return value == "true" || value == "1"
    }
}
