import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import NIOConcurrencyHelpers
import NIOHTTP1
import NIOFoundationEssentialsCompat
import Storage

/// The routes the router serves, used to answer 405 (with `Allow`) instead of 404 when only the method is wrong.
final class RouteTable: Sendable {
    private let routes = NIOLockedValueBox<[(method: String, components: [String])]>([])

    func set(_ routes: [(method: String, path: String)]) {
        self.routes.withLockedValue { table in
            table = routes.map { ($0.method, Self.components($0.path)) }
        }
    }

    /// Methods served for `path`; empty when no route matches the path at all. Resolved as the router's trie
    /// does: a literal component wins over a parameter, falling back to the parameter only when the literal
    /// branch leads nowhere, so only the methods of the route that would answer are listed.
    func allowedMethods(for path: String) -> [String] {
        let requested = Self.components(path)
        return routes.withLockedValue { table in
            let candidates = table.filter { $0.components.count == requested.count }
            return Set(Self.resolve(candidates, requested, level: 0).map(\.method)).sorted()
        }
    }

    private static func resolve(
        _ candidates: [(method: String, components: [String])], _ requested: [String], level: Int
    ) -> [(method: String, components: [String])] {
        guard level < requested.count, !candidates.isEmpty else { return candidates }
        let literal = candidates.filter { $0.components[level] == requested[level] }
        let parameter = candidates.filter { $0.components[level] == "{}" }
        let isLast = level == requested.count - 1
        if !literal.isEmpty {
            let found = resolve(literal, requested, level: level + 1)
            if !found.isEmpty || isLast { return found }
        }
        return resolve(parameter, requested, level: level + 1)
    }

    /// Path components with every parameter (`:id`, `{id}`) spelled `{}`.
    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map { part in
            part.hasPrefix(":") || (part.hasPrefix("{") && part.hasSuffix("}")) ? "{}" : String(part)
        }
    }
}

/// Turns every thrown error into the documented error body. Unknown errors become 500s and are logged with
/// the request id; their text never reaches the client.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routeTable: RouteTable

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            // OPTIONS on a path we serve: the methods it has (CORS preflights are answered before this).
            if request.method == .options, let error = error as? HTTPError, error.status == .notFound {
                let allowed = routeTable.allowedMethods(for: request.uri.path)
                if !allowed.isEmpty {
                    return Response(status: .noContent, headers: [.allow: Self.allowHeader(allowed)])
                }
            }
            let appError = map(error, request: request, context: context)
            // An error answered while the body is still arriving also ends the connection (`ConnectionGuard`).
            return Self.response(for: appError, requestID: context.requestID)
        }
    }

    static func allowHeader(_ methods: [String]) -> String {
        (methods + (methods.contains("OPTIONS") ? [] : ["OPTIONS"])).joined(separator: ", ")
    }

    func map(_ error: any Error, request: Request, context: Context) -> AppError {
        switch error {
        case let error as AppError:
            return error
        case let error as HTTPError:
            return mapHTTPError(error, request: request)
        case let error as StorageError:
            switch error {
            case .unavailable:
                context.logger.error("database unavailable", metadata: ["error": "\(error)"])
                return AppError(.serviceUnavailable, code: ErrorCode.serviceUnavailable, "The database is unavailable; try again shortly")
            case .conflict:
                return AppError(.conflict, code: ErrorCode.conflict, "The change conflicts with existing data")
            case .notFound:
                return AppError.notFound("Not found")
            case .corrupt:
                context.logger.error("corrupt row", metadata: ["error": "\(error)"])
                return AppError(.internalServerError, code: ErrorCode.internalError, "Internal server error")
            }
        case let error as DecodingError:
            return AppError(.badRequest, code: ErrorCode.invalidJSON, Request.describe(error), details: Request.details(error))
        case is RequestReadTimeout:
            return AppError(
                .requestTimeout, code: ErrorCode.requestTimeout, "The request body stopped arriving; send it whole within the read timeout")
        case let error as HTTPParserError:
            if case .invalidEOFState = error {
                return AppError(.badRequest, code: ErrorCode.bodyIncomplete, "The request body ended before its declared length")
            }
            return AppError(.badRequest, code: ErrorCode.badRequest, "The request is not valid HTTP")
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return AppError(.internalServerError, code: ErrorCode.internalError, "Internal server error")
        }
    }

    private func mapHTTPError(_ error: HTTPError, request: Request) -> AppError {
        switch error.status {
        case .notFound:
            let allowed = routeTable.allowedMethods(for: request.uri.path)
            if !allowed.isEmpty {
                let allowHeader = Self.allowHeader(allowed)
                return AppError(
                    .methodNotAllowed, code: ErrorCode.methodNotAllowed,
                    "Method \(request.method.rawValue) is not allowed on \(request.uri.path)",
                    details: ["allowed": .array(allowed.map { .string($0) })], headers: [.allow: allowHeader])
            }
            return AppError.notFound("No route for \(request.method.rawValue) \(request.uri.path)")
        case .contentTooLarge:
            return AppError(
                .contentTooLarge, code: ErrorCode.payloadTooLarge,
                "Request body is larger than \(ServerConfiguration.maxBodyBytes / 1024 / 1024) MB",
                details: ["max_bytes": .number(Double(ServerConfiguration.maxBodyBytes))])
        case .unsupportedMediaType:
            return AppError(.unsupportedMediaType, code: ErrorCode.unsupportedMediaType, error.body ?? "Unsupported media type")
        case .badRequest where error.body?.contains("can not be converted") == true:
            // The router's own conversion failures are invalid input like any other.
            return AppError(.badRequest, code: ErrorCode.validationFailed, "A path or query parameter has the wrong type",
                            details: ["fields": .object([:])])
        case .badRequest:
            return AppError(.badRequest, code: ErrorCode.badRequest, error.body ?? "Bad request")
        case .unauthorized:
            return AppError.unauthorized()
        default:
            let code = error.status.reasonPhrase.uppercased().replacingOccurrences(of: " ", with: "_")
            return AppError(error.status, code: code.isEmpty ? "HTTP_\(error.status.code)" : code, error.body ?? error.status.reasonPhrase)
        }
    }

    static func response(for error: AppError, requestID: String) -> Response {
        let body = ErrorBody(code: error.code, message: error.message, details: error.details, requestID: requestID)
        let data = (try? JSONEncoder.spendSense.encode(body)) ?? Data(#"{"detail":"error"}"#.utf8)
        var headers = error.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: .init(data: data)))
    }
}
