import NIOCore
import NIOHTTP1
import NIOPosix
import ServicePlane

/// The HTTP/1.1 server of the API on the service plane's event loop (swift-nio's NIOHTTP1, already a
/// dependency: no second server framework to build). One thread serves the plane's services and every
/// connection, so `HTTPAPI`'s state needs no lock; the real-time loop never runs any of it.
public final class HTTPAPIServer: @unchecked Sendable {
    public let api: HTTPAPI
    private var channel: (any Channel)?

    public init(api: HTTPAPI) { self.api = api }

    /// Binds and listens; returns the port (the configured one, or the kernel's choice for port 0).
    public func start() throws -> Int {
        let api = self.api
        let bootstrap = ServerBootstrap(group: api.plane.group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(APIRequestHandler(api: api))
                }
            }
        let c = try bootstrap.bind(host: api.configuration.host, port: api.configuration.port).wait()
        channel = c
        return c.localAddress?.port ?? api.configuration.port
    }

    public func stop() {
        try? channel?.close().wait()
        channel = nil
    }
}

/// One connection: a whole request in, one answer out (or, for `GET /events`, a stream of
/// server-sent events that stays open until the client leaves).
final class APIRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let api: HTTPAPI
    private var head: HTTPRequestHead?

    init(api: HTTPAPI) { self.api = api }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let h = head else { return }
            head = nil
            let authorization = h.headers.first(name: "authorization")
            let route = h.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? h.uri
            if h.method == .GET, route == "/events", api.unauthorized(authorization) == nil {
                openStream(context, h)
                return
            }
            let r = api.respond(method: h.method.rawValue, path: h.uri, authorization: authorization)
            answer(context, h, r)
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ h: HTTPRequestHead, _ r: APIResponse) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: r.contentType)
        headers.add(name: "Content-Length", value: String(r.body.utf8.count))
        headers.add(name: "Cache-Control", value: "no-store")
        if r.status == 401 { headers.add(name: "WWW-Authenticate", value: "Bearer") }
        let keepAlive = h.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: .init(statusCode: r.status), headers: headers))), promise: nil)
        var body = context.channel.allocator.buffer(capacity: r.body.utf8.count)
        body.writeString(r.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// `text/event-stream` (HTML Living Standard §9.2): headers now, one `data:` event per
    /// published snapshot from `HTTPAPI.snapshot`, until the connection closes.
    private func openStream(_ context: ChannelHandlerContext, _ h: HTTPRequestHead) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/event-stream")
        headers.add(name: "Cache-Control", value: "no-store")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: .ok, headers: headers))), promise: nil)
        var hello = context.channel.allocator.buffer(capacity: 16)
        hello.writeString("retry: 1000\n\n")
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(hello))), promise: nil)
        api.subscribers[ObjectIdentifier(context.channel)] = context.channel
    }

    func channelInactive(context: ChannelHandlerContext) {
        api.subscribers.removeValue(forKey: ObjectIdentifier(context.channel))
        context.fireChannelInactive()
    }
}
