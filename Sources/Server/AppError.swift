import HTTPTypes
import Hummingbird
import Models

/// A failure with its HTTP meaning: thrown by controllers and services, turned into the
/// documented error body by `ErrorMiddleware`.
public struct AppError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [String: JSONValue]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, _ message: String, details: [String: JSONValue] = [:],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    static func unauthorized(_ message: String = "Authentication required", code: String = ErrorCode.unauthorized)
        -> AppError
    {
        AppError(.unauthorized, code: code, message, headers: [.wwwAuthenticate: "Bearer"])
    }

    static func forbidden(_ message: String, code: String = ErrorCode.forbidden) -> AppError {
        AppError(.forbidden, code: code, message)
    }

    static func notFound(_ message: String) -> AppError {
        AppError(.notFound, code: ErrorCode.notFound, message)
    }

    static func validation(_ message: String, fields: [String: String]) -> AppError {
        AppError(
            .badRequest, code: ErrorCode.validationFailed, message,
            details: ["fields": .object(fields.mapValues { .string($0) })]
        )
    }

    static func rateLimited(retryAfter seconds: Int, _ message: String) -> AppError {
        let retry = max(1, seconds)
        return AppError(
            .tooManyRequests, code: ErrorCode.rateLimited, message,
            details: ["retry_after": .number(Double(retry))], headers: [.retryAfter: String(retry)]
        )
    }
}
