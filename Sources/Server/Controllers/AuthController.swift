import Hummingbird
import Models

/// `/api/v1/auth`: register, login, refresh, logout.
struct AuthController {
    let auth: AuthService
    let authenticator: AuthMiddleware

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("register", use: register)
        group.post("login", use: login)
        group.post("refresh", use: refresh)
        group.group().add(middleware: authenticator).post("logout", use: logout)
    }

    private func client(_ request: Request, _ context: AppRequestContext) -> AuthService.ClientInfo {
        .init(userAgent: request.headers[.userAgent], ip: context.remoteIP)
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<AuthResponse> {
        let credentials = try await request.decodeJSON(Credentials.self, context: context)
        let response = try await auth.register(credentials, client: client(request, context), context: context)
        return EditedResponse(status: .created, response: response)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> AuthResponse {
        let credentials = try await request.decodeJSON(Credentials.self, context: context)
        return try await auth.login(credentials, client: client(request, context), context: context)
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> AuthResponse {
        let body = try await request.decodeJSON(RefreshRequest.self, context: context)
        return try await auth.refresh(body, context: context)
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        try await auth.logout(try context.requireIdentity(), context: context)
        return .noContent
    }
}
