import HTTPTypes
import Hummingbird
import Models

/// CORS for a configured list of origins (`*` for any). Preflight requests are answered here.
struct CORSMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let allowedOrigins: Set<String>

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin], allows(origin) else {
            return try await next(request, context)
        }
        let allowOrigin = allowedOrigins.contains("*") ? "*" : origin
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: allowOrigin,
                    .accessControlAllowMethods: "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                    .accessControlAllowHeaders: "Authorization, Content-Type, X-Request-ID, Idempotency-Key, If-Match",
                    .accessControlMaxAge: "600",
                    .vary: "Origin",
                ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = allowOrigin
        response.headers[.accessControlExposeHeaders] = "X-Request-ID, Retry-After, ETag"
        response.headers[.vary] = "Origin"
        return response
    }

    private func allows(_ origin: String) -> Bool {
        allowedOrigins.contains("*") || allowedOrigins.contains(origin)
    }
}

/// Refuses bodies over the limit by their declared length before anything reads them; bodies without a
/// length are stopped by the collecting code at the same limit.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let maxBytes: Int

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBytes {
            throw HTTPError(.contentTooLarge)
        }
        return try await next(request, context)
    }
}
