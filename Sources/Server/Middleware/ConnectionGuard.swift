import Foundation
import HTTPTypes
import Models
import NIOCore
import NIOFoundationEssentialsCompat
import NIOHTTP1
import NIOHTTPTypes

/// The request body stopped arriving for longer than the read timeout (answered 408).
struct RequestReadTimeout: Error, CustomStringConvertible {
    var description: String { "no part of the request body arrived within the read timeout" }
}

/// Per-connection guard, in the channel pipeline after the HTTP codec:
/// - a request whose body stops arriving for `readTimeout` fails its body stream with `RequestReadTimeout`
///   (the handler reading it answers 408; a handler that is not reading it gets its connection closed);
/// - an error answered before the request body is all in gets `Connection: close`;
/// - a response that says `Connection: close` ends the connection once it is out: at once when the request was
///   read whole, else after the rest of its body (read and dropped) or `lingerTime`, whichever comes first, so a
///   client that writes its whole body before reading (urllib, many SDKs) still reads the answer;
/// - the bare 400 the HTTP parser's failures get (a 100 KB header, a broken request line) carries the error
///   body and an `X-Request-ID` like every other error.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let readTimeout: TimeAmount
    let lingerTime: TimeAmount
    private var readingBody = false
    private var lastRead = NIODeadline.now()
    private var readTimer: Scheduled<Void>?
    private var closeAfterResponse = false
    private var lingering = false
    private var lingerTimer: Scheduled<Void>?
    private var parserFailed = false
    private var timedOut = false
    private var errorBody: ByteBuffer?

    init(readTimeout: TimeAmount, lingerTime: TimeAmount = .seconds(2)) {
        self.readTimeout = readTimeout
        self.lingerTime = lingerTime
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !lingering else {
            // The answer is out: the rest of this body is dropped, and once it is all in the connection ends.
            if case .end = unwrapInboundIn(data) { context.close(promise: nil) }
            return
        }
        switch unwrapInboundIn(data) {
        case .head:
            readingBody = true
            lastRead = .now()
        case .body:
            lastRead = .now()
        case .end:
            readingBody = false
            readTimer?.cancel()
            readTimer = nil
        }
        context.fireChannelRead(data)
    }

    /// The timer starts only when a read leaves a body unfinished (a request read whole in one go costs nothing).
    func channelReadComplete(context: ChannelHandlerContext) {
        // Dropped reads reach nobody who would ask for more: keep reading until the body is in.
        if lingering {
            context.read()
            return
        }
        if readingBody, readTimer == nil { scheduleReadTimer(context, at: lastRead + readTimeout) }
        context.fireChannelReadComplete()
    }

    private func scheduleReadTimer(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loop = context.eventLoop.assumeIsolated()
        readTimer = loop.scheduleTask(deadline: deadline) { [self] in
            readTimer = nil
            guard readingBody else { return }
            let due = lastRead + readTimeout
            if NIODeadline.now() < due {
                scheduleReadTimer(context, at: due)
            } else {
                readingBody = false
                timedOut = true
                context.fireErrorCaught(RequestReadTimeout())
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError { parserFailed = true }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        readTimer?.cancel()
        lingerTimer?.cancel()
        context.fireChannelInactive()
    }

    // MARK: outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            // An error answered before the request body is all in (413, 408, a form refused at its seventeenth
            // part): the rest of that body is not wanted, so the connection ends once the answer is out.
            if head.status.code >= 400, readingBody || timedOut {
                head.headerFields[.connection] = "close"
            }
            if head.headerFields[.connection]?.lowercased() == "close" { closeAfterResponse = true }
            if parserFailed, head.status == .badRequest, head.headerFields[.contentLength] == "0" {
                let requestID = UUID().uuidString.lowercased()
                let body = ErrorBody(
                    code: ErrorCode.badRequest, message: "The request is not valid HTTP (a header may be too large; at most 80 KB)",
                    details: [:], requestID: requestID)
                let bytes = ByteBuffer(data: (try? JSONEncoder.spendSense.encode(body)) ?? Data())
                head.headerFields[.contentLength] = String(bytes.readableBytes)
                head.headerFields[.contentType] = "application/json; charset=utf-8"
                head.headerFields[HTTPField.Name("X-Request-ID")!] = requestID
                errorBody = bytes
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end(let trailers):
            if let body = errorBody {
                errorBody = nil
                context.write(wrapOutboundOut(.body(body)), promise: nil)
            }
            guard closeAfterResponse else {
                context.write(wrapOutboundOut(.end(trailers)), promise: promise)
                return
            }
            closeAfterResponse = false
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: written)
            let loop = context.eventLoop.assumeIsolated()
            written.futureResult.hop(to: context.eventLoop).assumeIsolated().whenComplete { [self] _ in
                lingering = true
                readTimer?.cancel()
                if !readingBody {
                    context.close(promise: nil)
                    return
                }
                context.read()
                lingerTimer = loop.scheduleTask(in: lingerTime) { context.close(promise: nil) }
            }
        }
    }
}
