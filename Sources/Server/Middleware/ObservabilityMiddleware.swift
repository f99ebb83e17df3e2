import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension HTTPField.Name {
    static let requestID = Self("X-Request-ID")!
    static let xForwardedFor = Self("X-Forwarded-For")!
}

/// Outermost middleware: assigns the request id, echoes it on the response, records metrics and writes
/// one JSON access-log line (method, path without query, status, duration, request id; never bodies,
/// tokens or query strings).
struct ObservabilityMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: MetricsRegistry
    let accessLogger: Logger
    /// Whose `X-Forwarded-For` to believe, and how (see `TrustedProxies`).
    let trustedProxies: TrustedProxies

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        context.requestID = Self.requestID(from: request.headers[.requestID])
        context.logger[metadataKey: "request.id"] = .string(context.requestID)
        context.remoteIP = trustedProxies.clientAddress(peer: context.remoteIP, forwardedFor: request.headers[values: .xForwardedFor])
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // ErrorMiddleware maps everything; this is the last resort if something slips past it.
            response = ErrorMiddleware.response(
                for: AppError(.internalServerError, code: "INTERNAL_ERROR", "Internal server error"),
                requestID: context.requestID)
        }
        response.headers[.requestID] = context.requestID
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let route = context.endpointPath ?? "unmatched"
        metrics.record(method: request.method.rawValue, route: route, status: response.status.code, seconds: seconds)
        var metadata: Logger.Metadata = [
            "http.method": .string(request.method.rawValue),
            "http.path": .string(request.uri.path),
            "http.route": .string(route),
            "http.status": .stringConvertible(response.status.code),
            "duration_ms": .stringConvertible((seconds * 1000 * 100).rounded() / 100),
            "request.id": .string(context.requestID),
        ]
        if let ip = context.remoteIP { metadata["client.ip"] = .string(ip) }
        accessLogger.info("request", metadata: metadata)
        return response
    }

    /// The client's id when it is short and plain, otherwise a new UUID.
    static func requestID(from header: String?) -> String {
        if let header, (1...128).contains(header.utf8.count),
            header.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: "\"") })
        {
            return header
        }
        return UUID().uuidString.lowercased()
    }
}
