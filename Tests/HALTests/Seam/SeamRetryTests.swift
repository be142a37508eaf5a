import CShimFakes
import CShimSeam
import Glibc
import SystemPackage
import Testing
import TestSupport

/// The one rule of ck_seam.h: a call interrupted by a signal (EINTR) is repeated in exactly one place,
/// the ck_sys_* wrapper, and nowhere else. The fakes make each libc entry point fail with EINTR a
/// given number of times before the real call runs; the call counters prove the wrapper made exactly
/// one more call than there were interruptions, and that the caller saw success.
extension ShimSeam {
    @Suite("Seam: EINTR is retried in the ck_sys wrappers, and only there")
    struct SeamRetryTests {
        /// One libc entry point and a call of its wrapper that succeeds for real on this host.
        struct Entry: CustomTestStringConvertible, Sendable {
            let op: ck_fake_op
            let name: String
            /// Runs the wrapper once and returns its result (>= 0 on success, -errno on failure).
            let call: @Sendable () -> Int
            var testDescription: String { name }
        }

        static let entries: [Entry] = [
            Entry(op: CK_OP_OPEN, name: "open") { closing(Int(ck_sys_open("/dev/null", O_RDONLY, 0))) },
            Entry(op: CK_OP_READ, name: "read") {
                withPipe { r, w in
                    var b: UInt8 = 7
                    _ = Glibc.write(w, &b, 1)
                    return ck_sys_read(r, &b, 1)
                }
            },
            Entry(op: CK_OP_WRITE, name: "write") {
                withPipe { _, w in
                    var b: UInt8 = 7
                    return ck_sys_write(w, &b, 1)
                }
            },
            Entry(op: CK_OP_IOCTL, name: "ioctl") {
                withPipe { r, _ in
                    var n: Int32 = 0
                    return Int(ck_sys_ioctl(r, UInt(FIONREAD), &n))
                }
            },
            Entry(op: CK_OP_SOCKET, name: "socket") { closing(Int(ck_sys_socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0))) },
            Entry(op: CK_OP_BIND, name: "bind") {
                withUDPSocket { fd in
                    var addr = sockaddr_in()
                    addr.sin_family = sa_family_t(AF_INET)
                    addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian     // 127.0.0.1, any port
                    return withUnsafePointer(to: &addr) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            Int(ck_sys_bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)))
                        }
                    }
                }
            },
            Entry(op: CK_OP_SETSOCKOPT, name: "setsockopt") {
                withUDPSocket { fd in
                    var on: Int32 = 1
                    return Int(ck_sys_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size)))
                }
            },
            Entry(op: CK_OP_GETSOCKOPT, name: "getsockopt") {
                withUDPSocket { fd in
                    var type: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    return Int(ck_sys_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len))
                }
            },
            Entry(op: CK_OP_SENDTO, name: "sendto") {
                withSocketPair { a, _ in
                    var b: UInt8 = 1
                    return ck_sys_sendto(a, &b, 1, 0, nil, 0)
                }
            },
            Entry(op: CK_OP_RECVFROM, name: "recvfrom") {
                withSocketPair { a, b in
                    var byte: UInt8 = 1
                    _ = Glibc.send(a, &byte, 1, 0)
                    return ck_sys_recvfrom(b, &byte, 1, 0, nil, nil)
                }
            },
            Entry(op: CK_OP_TCGETATTR, name: "tcgetattr") {
                withPTY { _, device in
                    var t = termios()
                    return Int(ck_sys_tcgetattr(device, &t))
                }
            },
            Entry(op: CK_OP_TCSETATTR, name: "tcsetattr") {
                withPTY { _, device in
                    var t = termios()
                    _ = tcgetattr(device, &t)
                    return Int(ck_sys_tcsetattr(device, TCSANOW, &t))
                }
            },
            Entry(op: CK_OP_TCFLUSH, name: "tcflush") { withPTY { _, device in Int(ck_sys_tcflush(device, TCIOFLUSH)) } },
            Entry(op: CK_OP_OPENPTY, name: "openpty") {
                var c: Int32 = -1
                var d: Int32 = -1
                var name = [CChar](repeating: 0, count: 64)
                let r = ck_sys_openpty(&c, &d, &name, name.count)
                if r >= 0 {
                    Glibc.close(c)
                    Glibc.close(d)
                }
                return Int(r)
            },
            Entry(op: CK_OP_IF_NAMETOINDEX, name: "if_nametoindex") { Int(ck_sys_if_nametoindex("lo")) },
        ]

        @Test("an interrupted call is repeated until it completes", arguments: entries)
        func interruptedCallIsRepeated(_ entry: Entry) {
            withSeamFakes { fakes in
                fakes.interrupt(entry.op, times: 2)
                let result = entry.call()
                #expect(result >= 0, "the caller must never see EINTR")
                #expect(fakes.calls(entry.op) == 3, "two interrupted attempts and one that completed")
            }
        }

        @Test("any other failure is returned once, as -errno, without a retry", arguments: entries)
        func otherFailuresAreNotRetried(_ entry: Entry) {
            withSeamFakes { fakes in
                fakes.fail(entry.op, with: .ioError)
                #expect(entry.call() == -Int(EIO))
                #expect(fakes.calls(entry.op) == 1)
            }
        }

        @Test("close is never retried: Linux releases the descriptor even when close reports EINTR")
        func closeIsNotRetried() {
            let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            #expect(fd >= 0)
            withSeamFakes { fakes in
                fakes.interrupt(CK_OP_CLOSE, times: 1)
                #expect(ck_sys_close(fd) == -EINTR)
                #expect(fakes.calls(CK_OP_CLOSE) == 1)
            }
            // The fake refused before the real close ran, so the descriptor is still ours to close.
            #expect(Glibc.close(fd) == 0)
        }

        @Test("calls from other threads pass straight to libc while one thread has the fakes installed")
        func otherThreadsAreNotAffected() throws {
            try withSeamFakes { fakes in
                fakes.failAlways(CK_OP_OPEN, with: .ioError)
                #expect(ck_sys_open("/dev/null", O_RDONLY, 0) == -EIO)
                let fromOtherThread = try NamespaceThread.runPlain { Int(ck_sys_open("/dev/null", O_RDONLY, 0)) }
                #expect(fromOtherThread >= 0)
                if fromOtherThread >= 0 { Glibc.close(Int32(fromOtherThread)) }
                #expect(fakes.calls(CK_OP_OPEN) == 1, "the other thread's call was not counted")
            }
        }

        // MARK: fixtures (plain libc, outside the seam, so they are never counted or failed)

        private static func closing(_ fd: Int) -> Int {
            if fd >= 0 { Glibc.close(Int32(fd)) }
            return fd
        }

        private static func withPipe(_ body: (Int32, Int32) -> Int) -> Int {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { return -Int(errno) }
            defer { Glibc.close(fds[0]); Glibc.close(fds[1]) }
            return body(fds[0], fds[1])
        }

        private static func withSocketPair(_ body: (Int32, Int32) -> Int) -> Int {
            var fds: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0, &fds) == 0 else { return -Int(errno) }
            defer { Glibc.close(fds[0]); Glibc.close(fds[1]) }
            return body(fds[0], fds[1])
        }

        private static func withUDPSocket(_ body: (Int32) -> Int) -> Int {
            let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { return -Int(errno) }
            defer { Glibc.close(fd) }
            return body(fd)
        }

        private static func withPTY(_ body: (Int32, Int32) -> Int) -> Int {
            var c: Int32 = -1
            var d: Int32 = -1
            guard openpty(&c, &d, nil, nil, nil) == 0 else { return -Int(errno) }
            defer { Glibc.close(c); Glibc.close(d) }
            return body(c, d)
        }
    }
}
