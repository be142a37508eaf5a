import Glibc

/// A detached POSIX thread running a closure: the emulated helper's own "microcontroller" beside the
/// host's loop, without Foundation's `Thread` (issue 18: the firmware loads no full Foundation).
enum EmulatorThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Starts `body` on a new detached thread; traps if the system cannot make a thread (as
    /// `Thread.start` would: the sim board cannot run without its helper).
    static func start(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            fatalError("cannot start the emulated helper's thread: \(String(cString: strerror(rc)))")
        }
        pthread_detach(thread)
    }
}
