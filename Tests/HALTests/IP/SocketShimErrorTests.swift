import CShimFakes
import CShimSeam
import CSocket
import Glibc
import HAL
import SystemPackage
import Testing
import TestSupport

/// How the socket shim fails and what the HAL makes of it: one seam call at a time is failed under real
/// sockets on the loopback interface (`lo`, ::1). Nothing leaves the host: every peer is on `lo`.
extension ShimSeam {
    @Suite("Socket shim: failures become typed SocketErrors naming the interface and endpoint")
    struct SocketShimErrorTests {
        /// SO_BINDTODEVICE needs CAP_NET_RAW on the kernels we support.
        static let canBind = Subprocess.isRoot
        static let loopback = IPEndpoint(IPv6Address(high: 0, low: 1), port: 0)

        @Test("an absent interface: .interface(ENODEV), kind .absent, with the overlay hint; no socket made")
        func absentInterface() {
            withSeamFakes { fakes in
                let error = #expect(throws: SocketError.self) { _ = try LinuxIPInterface(name: "nosuch0") }
                #expect(error == .interface("nosuch0", errno: .operationNotSupportedByDevice))
                #expect(error?.kind == .absent)
                #expect(error?.description == "cannot use interface nosuch0: No such device — no such interface; for a QCA7000 is the qca7000 overlay loaded (it creates eth1)?")
                #expect(throws: SocketError.interface("nosuch0", errno: .operationNotSupportedByDevice)) {
                    _ = try LinuxDatagramSocket(interface: "nosuch0", port: 15118, joinAllNodes: true)
                }
                #expect(throws: SocketError.interface("nosuch0", errno: .operationNotSupportedByDevice)) {
                    _ = try LinuxStreamConnection.connect(interface: "nosuch0", to: Self.loopback)
                }
                #expect(fakes.calls(CK_OP_SOCKET) == 0)
            }
        }

        @Test("lo has no link-local address: EADDRNOTAVAIL, kind .linkDown, with the DAD hint; getifaddrs failing is reported as is")
        func noLinkLocal() throws {
            let lo = try LinuxIPInterface(name: "lo")
            let error = #expect(throws: SocketError.self) { _ = try lo.linkLocalAddress() }
            #expect(error == .interface("lo", errno: .addressNotAvailable))
            #expect(error?.kind == .linkDown)
            #expect(error?.description.contains("duplicate address detection") == true)
            withSeamFakes { fakes in
                fakes.fail(CK_OP_GETIFADDRS, with: .noMemory)
                #expect(throws: SocketError.interface("lo", errno: .noMemory)) { _ = try lo.linkLocalAddress() }
            }
        }

        @Test("the SDP port taken (bind EADDRINUSE): .open naming [::]:15118 on lo, kind .busy; the socket is closed again",
              .enabled(if: canBind, "SO_BINDTODEVICE needs root"))
        func udpAddressInUse() {
            withSeamFakes { fakes in
                fakes.fail(CK_OP_BIND, with: .addressInUse)
                let error = #expect(throws: SocketError.self) { _ = try LinuxDatagramSocket(interface: "lo", port: 15118, joinAllNodes: true) }
                #expect(error == .open("lo", IPEndpoint(.unspecified, port: 15118), errno: .addressInUse))
                #expect(error?.kind == .busy)
                #expect(fakes.calls(CK_OP_SOCKET) == fakes.calls(CK_OP_CLOSE), "every socket opened was closed")
            }
        }

        @Test("each socket option the UDP socket needs, failing, closes the socket and names the errno",
              .enabled(if: canBind, "SO_BINDTODEVICE needs root"),
              arguments: 1...5)
        func udpOptionFails(_ nth: Int) {
            // V6ONLY, BINDTODEVICE, MULTICAST_IF, MULTICAST_HOPS, then (after bind) JOIN_GROUP.
            withSeamFakes { fakes in
                fakes.fail(CK_OP_SETSOCKOPT, nth: UInt32(nth), with: .noBufferSpace)
                #expect(throws: SocketError.open("lo", IPEndpoint(.unspecified, port: 0), errno: .noBufferSpace)) {
                    _ = try LinuxDatagramSocket(interface: "lo", port: 0, joinAllNodes: true)
                }
                #expect(fakes.calls(CK_OP_SOCKET) == 1)
                #expect(fakes.calls(CK_OP_CLOSE) == 1)
            }
        }

        @Test("SO_BINDTODEVICE refused (EPERM without CAP_NET_RAW): kind .permissionDenied, with the hint",
              .enabled(if: canBind, "SO_BINDTODEVICE needs root"))
        func bindToDeviceRefused() {
            withSeamFakes { fakes in
                fakes.fail(CK_OP_SETSOCKOPT, nth: 2, with: .notPermitted)
                let error = #expect(throws: SocketError.self) { _ = try LinuxDatagramSocket(interface: "lo", port: 0, joinAllNodes: false) }
                #expect(error?.kind == .permissionDenied)
                #expect(error?.description.hasSuffix("needs root or CAP_NET_RAW") == true)
            }
        }

        @Test("UDP send: EAGAIN and ENOBUFS are a full queue (false); EMSGSIZE is .datagramTooLong; ENETDOWN .linkDown",
              .enabled(if: canBind, "SO_BINDTODEVICE needs root"))
        func udpSendFailures() throws {
            let socket = try LinuxDatagramSocket(interface: "lo", port: 0, joinAllNodes: false)
            let to = IPEndpoint(IPv6Address(high: 0, low: 1), port: 9)   // discard, on ::1
            try withSeamFakes { fakes throws in
                fakes.fail(CK_OP_SENDTO, with: .resourceTemporarilyUnavailable)
                #expect(try socket.send([1], to: to) == false)
                fakes.fail(CK_OP_SENDTO, with: .noBufferSpace)
                #expect(try socket.send([1], to: to) == false)
                fakes.fail(CK_OP_SENDTO, with: .messageTooLong)
                #expect(throws: SocketError.datagramTooLong("lo", length: 1)) { _ = try socket.send([1], to: to) }
                fakes.fail(CK_OP_SENDTO, with: .networkDown)
                let down = #expect(throws: SocketError.self) { _ = try socket.send([1], to: to) }
                #expect(down == .send("lo", to, errno: .networkDown))
                #expect(down?.kind == .linkDown)
            }
            socket.close()
            #expect(throws: SocketError.closed("lo", socket.localEndpoint)) { _ = try socket.send([1], to: to) }
        }

        @Test("UDP receive: nothing waiting is nil; an error names the local endpoint",
              .enabled(if: canBind, "SO_BINDTODEVICE needs root"))
        func udpReceive() throws {
            let socket = try LinuxDatagramSocket(interface: "lo", port: 0, joinAllNodes: false)
            #expect(try socket.receiveDatagram() == nil)
            withSeamFakes { fakes in
                fakes.fail(CK_OP_RECVFROM, with: .ioError)
                #expect(throws: SocketError.receive("lo", socket.localEndpoint, errno: .ioError)) { _ = try socket.receiveDatagram() }
            }
        }

        @Test("TCP listen: EADDRINUSE at bind or listen is .open naming the endpoint, kind .busy; nothing left open",
              .enabled(if: canBind, "SO_BINDTODEVICE needs root"), arguments: [CK_OP_BIND, CK_OP_LISTEN])
        func listenAddressInUse(_ op: ck_fake_op) {
            withSeamFakes { fakes in
                fakes.fail(op, with: .addressInUse)
                let local = IPEndpoint(IPv6Address(high: 0, low: 1), port: 61341)
                let error = #expect(throws: SocketError.self) { _ = try LinuxStreamListener(interface: "lo", local: local, backlog: 3) }
                #expect(error == .open("lo", local, errno: .addressInUse))
                #expect(error?.kind == .busy)
                #expect(error?.description == "cannot open a socket at [::1]:61341 on lo: Address already in use — another socket holds this port on the interface")
                #expect(fakes.calls(CK_OP_SOCKET) == fakes.calls(CK_OP_CLOSE))
            }
        }

        @Test("connect refused at once (ECONNREFUSED): .connect naming the endpoint, kind .disconnected, the socket closed",
              .enabled(if: canBind, "SO_BINDTODEVICE needs root"))
        func connectRefused() {
            withSeamFakes { fakes in
                fakes.fail(CK_OP_CONNECT, with: .connectionRefused)
                let remote = IPEndpoint(IPv6Address(high: 0, low: 1), port: 61341)
                let error = #expect(throws: SocketError.self) { _ = try LinuxStreamConnection.connect(interface: "lo", to: remote) }
                #expect(error == .connect("lo", remote, errno: .connectionRefused))
                #expect(error?.kind == .disconnected)
                #expect(error?.description == "cannot connect to [::1]:61341 on lo: Connection refused — nothing listens there")
                #expect(fakes.calls(CK_OP_SOCKET) == 1)
                #expect(fakes.calls(CK_OP_CLOSE) == 1)
            }
        }

        @Test("a real session on lo: EAGAIN on send takes nothing and wants writability; the next send clears it; accept errors",
              .enabled(if: canBind, "SO_BINDTODEVICE needs root"))
        func sendWouldBlockAndAccept() throws {
            let listener = try LinuxStreamListener(interface: "lo", local: Self.loopback, backlog: 3)
            #expect(listener.localEndpoint.port != 0, "an ephemeral port was chosen")
            #expect(try listener.accept() == nil, "nothing pending")
            let client = try LinuxStreamConnection.connect(interface: "lo", to: listener.localEndpoint)
            if client.state == .connecting { try #require(Readiness.writable(client.pollDescriptor!)) }
            #expect(client.updateState() == .open)
            try #require(Readiness.readable(listener.pollDescriptor!))
            try withSeamFakes { fakes throws in
                fakes.fail(CK_OP_ACCEPT4, with: .connectionAbort)
                #expect(try listener.accept() == nil, "a connection lost before accept is skipped like EAGAIN")
                fakes.fail(CK_OP_ACCEPT4, with: .tooManyOpenFiles)
                let e = #expect(throws: SocketError.self) { _ = try listener.accept() }
                #expect(e == .accept("lo", listener.localEndpoint, errno: .tooManyOpenFiles))
                fakes.fail(CK_OP_SENDTO, with: .resourceTemporarilyUnavailable)
                #expect(try client.send([1, 2, 3]) == 0)
                #expect(client.wantsWritable)
                #expect(try client.send([1, 2, 3]) == 3)
                #expect(!client.wantsWritable)
                fakes.fail(CK_OP_SENDTO, with: .brokenPipe)
                #expect(throws: SocketError.reset("lo", listener.localEndpoint)) { _ = try client.send([4]) }
                #expect(client.state == .reset)
            }
            let server = try #require(try listener.accept())
            try #require(Readiness.readable(server.pollDescriptor!))
            #expect(try server.receiveBytes() == [1, 2, 3])
            client.abort()
            #expect(client.pollDescriptor == nil)
            try #require(Readiness.readable(server.pollDescriptor!))
            #expect(#expect(throws: SocketError.self) { _ = try server.receiveBytes() }?.kind == .disconnected)
            #expect(server.state == .reset)
        }

        @Test("connect status: SO_ERROR names how a connect ended; a getsockopt failure is passed on")
        func connectStatus() {
            let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            defer { close(fd) }
            #expect(ck_tcp_connect_status(fd) == -ENOTCONN, "a socket that never connected is CLOSE")
            withSeamFakes { fakes in
                fakes.fail(CK_OP_GETSOCKOPT, with: .badFileDescriptor)
                #expect(ck_tcp_connect_status(fd) == -EBADF)
            }
        }

        @Test("the seam's new entries: EINTR is repeated (connect excepted: reported as EINPROGRESS, never repeated)")
        func interruptedCalls() {
            withSeamFakes { fakes in
                // Non-blocking: the accept below must answer EAGAIN, not wait for a peer.
                let fd = ck_sys_socket(AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                defer { ck_sys_close(fd) }
                var sa = sockaddr_in6()
                var len = socklen_t(MemoryLayout<sockaddr_in6>.size)
                fakes.interrupt(CK_OP_GETSOCKNAME, times: 2)
                let g = withUnsafeMutablePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ck_sys_getsockname(fd, $0, &len) } }
                #expect(g == 0)
                #expect(fakes.calls(CK_OP_GETSOCKNAME) == 3)
                fakes.interrupt(CK_OP_LISTEN, times: 1)
                #expect(ck_sys_listen(fd, 1) == 0)
                #expect(fakes.calls(CK_OP_LISTEN) == 2)
                fakes.interrupt(CK_OP_ACCEPT4, times: 1)
                #expect(ck_sys_accept4(fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue)) == -EAGAIN)
                #expect(fakes.calls(CK_OP_ACCEPT4) == 2)
                fakes.interrupt(CK_OP_SHUTDOWN, times: 1)
                #expect(ck_sys_shutdown(fd, Int32(SHUT_RDWR)) == 0)
                #expect(fakes.calls(CK_OP_SHUTDOWN) == 2)
                var list: UnsafeMutablePointer<ifaddrs>? = nil
                fakes.interrupt(CK_OP_GETIFADDRS, times: 1)
                #expect(ck_sys_getifaddrs(&list) == 0)
                #expect(fakes.calls(CK_OP_GETIFADDRS) == 2)
                ck_sys_freeifaddrs(list)

                let c = ck_sys_socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
                defer { ck_sys_close(c) }
                var to = sockaddr_in6()
                to.sin6_family = sa_family_t(AF_INET6)
                to.sin6_port = UInt16(9).bigEndian
                fakes.interrupt(CK_OP_CONNECT, times: 1)
                let r = withUnsafePointer(to: &to) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ck_sys_connect(c, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
                #expect(r == -EINPROGRESS)
                #expect(fakes.calls(CK_OP_CONNECT) == 1)
            }
        }

        @Test("the C entry points check their arguments without a syscall")
        func argumentChecks() {
            withSeamFakes { fakes in
                var index: Int32 = 0
                var byte: UInt8 = 0
                var addr = ck_sock_addr()
                var progress: Int32 = 0
                #expect(ck_sock_interface("lo", nil, nil) == -EINVAL)
                #expect(ck_sock_interface("", &index, nil) == -EINVAL)
                #expect(ck_udp6_open(nil, 0, 0, &index, nil) == -EINVAL)
                #expect(ck_udp6_send(3, 1, nil, 1, &addr) == -Int(EINVAL))
                #expect(ck_udp6_send(3, 1, &byte, 1, nil) == -Int(EINVAL))
                #expect(ck_udp6_receive(3, nil, 10, nil, nil) == -Int(EINVAL))
                #expect(ck_udp6_receive(3, &byte, 0, nil, nil) == -Int(EINVAL))
                #expect(ck_tcp_listen("lo", &addr, 0, nil) == -EINVAL)
                #expect(ck_tcp_listen("lo", nil, 3, nil) == -EINVAL)
                #expect(ck_tcp_connect("lo", nil, &progress) == -EINVAL)
                #expect(ck_tcp_connect("lo", &addr, nil) == -EINVAL)
                #expect(ck_tcp_send(3, nil, 1) == -Int(EINVAL))
                #expect(ck_tcp_send(3, &byte, 0) == 0)
                #expect(ck_tcp_receive(3, &byte, 0) == -Int(EINVAL))
                #expect(ck_sock_local(3, nil) == -EINVAL)
                #expect(ck_sys_getifaddrs(nil) == -EINVAL)
                #expect(fakes.calls(CK_OP_SOCKET) + fakes.calls(CK_OP_SENDTO) + fakes.calls(CK_OP_RECVFROM) + fakes.calls(CK_OP_GETIFADDRS) == 0)
            }
        }
    }
}
