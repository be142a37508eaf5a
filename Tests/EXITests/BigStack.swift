import Foundation

/// Runs a test body on a thread with a large stack: messages with every list at its maxOccurs are
/// megabytes of fixed-size storage, and the value-returning `decode(_:)` and debug builds put copies of
/// them on the stack (the firmware decodes into storage it reserved once, never on the stack).
enum BigStack {
    static let bytes = 256 << 20

    /// Runs `body` there and waits; expectations belong after it, on the test's task.
    static func run<T>(_ body: @escaping () throws -> T) throws -> T {
        nonisolated(unsafe) var result: Result<T, any Error>?
        nonisolated(unsafe) let work = body  // runs on the thread while this one waits: no data race
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            result = Result { try work() }
            done.signal()
        }
        thread.stackSize = bytes
        thread.start()
        done.wait()
        return try result!.get()
    }
}
