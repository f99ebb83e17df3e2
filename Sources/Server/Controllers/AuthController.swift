import Foundation
import HTTPTypes
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
        let signedIn = group.group().add(middleware: authenticator)
        signedIn.post("logout", use: logout)
        signedIn.post("logout-all", use: logoutAll)
        signedIn.get("sessions", use: sessions)
        signedIn.delete("sessions/{session_id}", use: revokeSession)
        group.post("mfa/verify", use: verifyMFA)
        group.post("phone/request", use: requestPhoneCode)
        group.post("phone/resend", use: requestPhoneCode)
        group.post("phone/verify", use: verifyPhoneCode)
        signedIn.get("mfa", use: mfaStatus)
        signedIn.post("mfa/totp/enroll", use: enrollTOTP)
        signedIn.post("mfa/totp/confirm", use: confirmTOTP)
        signedIn.delete("mfa/totp", use: disableTOTP)
    }

    private func client(_ request: Request, _ context: AppRequestContext) -> AuthService.ClientInfo {
        let name = request.headers[HTTPField.Name("X-Device-Name")!].map { String($0.trimmingCharacters(in: .whitespaces).prefix(80)) }
        return .init(userAgent: request.headers[.userAgent], ip: context.remoteIP, deviceName: name?.isEmpty == false ? name : nil)
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<AuthResponse> {
        let credentials = try await request.decodeJSON(Credentials.self, context: context)
        let response = try await auth.register(credentials, client: client(request, context), context: context)
        return EditedResponse(status: .created, response: response)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> AuthService.LoginOutcome {
        let credentials = try await request.decodeJSON(Credentials.self, context: context)
        return try await auth.login(credentials, client: client(request, context), context: context)
    }

    @Sendable func requestPhoneCode(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<PhoneCodeSent> {
        let body = try await request.decodeJSON(PhoneRequest.self, context: context)
        return EditedResponse(status: .accepted, response: try await auth.requestPhoneCode(body, client: client(request, context), context: context))
    }

    @Sendable func verifyPhoneCode(_ request: Request, context: AppRequestContext) async throws -> AuthService.LoginOutcome {
        let body = try await request.decodeJSON(PhoneVerifyRequest.self, context: context)
        return try await auth.verifyPhoneCode(body, client: client(request, context), context: context)
    }

    @Sendable func verifyMFA(_ request: Request, context: AppRequestContext) async throws -> AuthResponse {
        let body = try await request.decodeJSON(MFAVerifyRequest.self, context: context)
        return try await auth.verifyChallenge(body, context: context)
    }

    @Sendable func mfaStatus(_ request: Request, context: AppRequestContext) async throws -> MFAStatus {
        try await auth.mfaStatus(try context.requireIdentity())
    }

    @Sendable func enrollTOTP(_ request: Request, context: AppRequestContext) async throws -> TOTPEnrollment {
        try await auth.enrollTOTP(try context.requireIdentity(), context: context)
    }

    @Sendable func confirmTOTP(_ request: Request, context: AppRequestContext) async throws -> MFAStatus {
        let body = try await request.decodeJSON(MFACodeRequest.self, context: context)
        return try await auth.confirmTOTP(try context.requireIdentity(), code: body.code, context: context)
    }

    @Sendable func disableTOTP(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let body = try await request.decodeJSON(MFACodeRequest.self, context: context)
        try await auth.disableTOTP(try context.requireIdentity(), code: body.code, context: context)
        return .noContent
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> AuthResponse {
        let body = try await request.decodeJSON(RefreshRequest.self, context: context)
        return try await auth.refresh(body, context: context)
    }

    @Sendable func sessions(_ request: Request, context: AppRequestContext) async throws -> [SessionInfo] {
        try await auth.sessions(try context.requireIdentity())
    }

    @Sendable func revokeSession(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let id = try context.parameters.require("session_id", as: UUID.self)
        try await auth.revokeSession(id, identity: try context.requireIdentity(), context: context)
        return .noContent
    }

    @Sendable func logoutAll(_ request: Request, context: AppRequestContext) async throws -> LogoutAllResult {
        try await auth.logoutEverywhere(try context.requireIdentity(), context: context)
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        try await auth.logout(try context.requireIdentity(), context: context)
        return .noContent
    }
}
