import BodyParsing
import Foundation
import Hummingbird
import Logging
import Models
import NIOCore
import NIOFoundationEssentialsCompat
import Storage

/// Who is calling: filled by `AuthMiddleware`.
public struct Identity: Sendable {
    public var user: User
    public var sessionID: UUID
    public var tokenID: String
    public var role: Role { user.role }
}

/// The one request context of the application.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller, when the route is behind `AuthMiddleware`.
    public var identity: Identity?
    /// The id of this request (echoed from `X-Request-ID` or generated).
    public var requestID: String
    /// The peer address, for rate limits and audit rows.
    public var remoteIP: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.identity = nil
        self.requestID = ""
        self.remoteIP = source.channel.remoteAddress?.ipAddress
    }

    /// Decoding limits are enforced by `BodyLimitMiddleware`; this keeps Hummingbird's own check in step.
    public var maxUploadSize: Int { ServerConfiguration.maxBodyBytes }

    /// Responses use the shared encoder (ISO-8601 dates, sorted keys) so the client decodes them unchanged.
    public var responseEncoder: JSONEncoder { Self.encoder }
    private static let encoder = JSONEncoder.spendSense

    /// The authenticated caller, or 401.
    func requireIdentity() throws -> Identity {
        guard let identity else { throw AppError.unauthorized() }
        return identity
    }
}

extension Request {
    /// Decodes a JSON body with the shared decoder; malformed JSON and missing or mistyped fields become 400s
    /// that name the offending field.
    func decodeJSON<T: Decodable>(_ type: T.Type, context: AppRequestContext) async throws -> T {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else {
            throw AppError(.badRequest, code: ErrorCode.invalidJSON, "Request body must be a JSON object")
        }
        let data = Data(buffer: buffer)
        if let duplicate = DuplicateKeys.first(in: data) {
            throw AppError(
                .badRequest, code: ErrorCode.invalidJSON, "Key '\(duplicate.key)' appears more than once in \(duplicate.path)",
                details: ["field": .string(duplicate.key), "path": .string(duplicate.path)])
        }
        do {
            return try JSONDecoder.spendSense.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw AppError(.badRequest, code: ErrorCode.invalidJSON, Self.describe(error), details: Self.details(error))
        }
    }

    /// Like `decodeJSON`, but an empty body decodes as `{}` (for bodies whose fields are all optional).
    func decodeJSONOrEmpty<T: Decodable>(_ type: T.Type, context: AppRequestContext) async throws -> T {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        let data = buffer.readableBytes > 0 ? Data(buffer: buffer) : Data("{}".utf8)
        do {
            return try JSONDecoder.spendSense.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw AppError(.badRequest, code: ErrorCode.invalidJSON, Self.describe(error), details: Self.details(error))
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return "Missing field '\(field)'"
        case .typeMismatch(let type, let context):
            return "Field '\(path(context.codingPath))' must be \(readable(type))"
        case .valueNotFound(let type, let context):
            return "Field '\(path(context.codingPath))' must be \(readable(type)), not null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "Request body is not valid JSON" }
            return "Field '\(path(context.codingPath))' is invalid: \(context.debugDescription)"
        @unknown default:
            return "Request body is invalid"
        }
    }

    static func details(_ error: DecodingError) -> [String: JSONValue] {
        switch error {
        case .keyNotFound(let key, let context):
            ["field": .string(path(context.codingPath + [key]))]
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            ["field": .string(path(context.codingPath))]
        case .dataCorrupted(let context):
            context.codingPath.isEmpty ? [:] : ["field": .string(path(context.codingPath))]
        @unknown default:
            [:]
        }
    }

    private static func readable(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Double.Type, is Int.Type: "a number"
        case is Bool.Type: "true or false"
        default: "a \(type)"
        }
    }
}
