import Foundation
import HTTPTypes
import Hummingbird
import Models
import NIOCore
import Storage

/// `/api/v1/auth`: register, login, refresh, logout; sessions; second factor; phone; OAuth; linking; password reset.
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
        group.get("oauth/providers", use: oauthProviders)
        group.get("oauth/{provider}/authorize", use: authorize)
        group.get("oauth/{provider}/callback", use: callback)
        group.post("oauth/{provider}/callback", use: callback)
        group.post("oauth/{provider}/device", use: startDevice)
        group.post("oauth/{provider}/token", use: signInWithIDToken)
        group.post("oauth/poll", use: poll)
        group.get("oauth/go/{code}", use: shortLink)
        signedIn.post("oauth/link", use: linkOAuth)
        signedIn.delete("oauth/unlink/{provider}", use: unlinkOAuth)
        signedIn.post("phone/link", use: linkPhone)
        signedIn.delete("phone/unlink", use: unlinkPhone)
        signedIn.get("methods", use: methods)
        group.post("forgot-password", use: forgotPassword)
        group.post("reset-password", use: resetPassword)
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
        let id = try context.parameters.uuid("session_id")
        try await auth.revokeSession(id, identity: try context.requireIdentity(), context: context)
        return .noContent
    }

    @Sendable func logoutAll(_ request: Request, context: AppRequestContext) async throws -> LogoutAllResult {
        try await auth.logoutEverywhere(try context.requireIdentity(), context: context)
    }

    // MARK: OAuth

    @Sendable func oauthProviders(_ request: Request, context: AppRequestContext) async throws -> OAuthProviders {
        auth.oauthProviders()
    }

    /// Redirects the browser to the provider; `?format=json` (or `Accept: application/json`) answers the URL instead.
    @Sendable func authorize(_ request: Request, context: AppRequestContext) async throws -> Response {
        let provider = try context.parameters.require("provider")
        let start = try await auth.beginOAuth(provider, purpose: .signIn, client: client(request, context))
        let format = request.uri.queryParameters["format"]
        guard format == nil || format == "json" else {
            throw AppError.validation("format must be json (or absent for a redirect)", fields: ["format": "json"])
        }
        let wantsJSON = format == "json" || (request.headers[.accept] ?? "").contains("application/json")
        if wantsJSON { return try start.response(from: request, context: context) }
        return Response(status: .found, headers: [.location: start.authorizeURL, .cacheControl: "no-store"])
    }

    /// The provider's redirect: query parameters (GET) or a form (POST, Apple's `form_post`).
    @Sendable func callback(_ request: Request, context: AppRequestContext) async throws -> OAuthCallbackAnswer {
        let provider = try context.parameters.require("provider")
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
        if request.method == .post {
            for (name, value) in try await FormBody.fields(of: request) { parameters[name] = value }
        }
        return try await auth.completeOAuth(provider, parameters: parameters, client: client(request, context), context: context)
    }

    /// Console sign-in: a URL to open anywhere, and a handle to poll until the browser side is done.
    @Sendable func startDevice(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<OAuthStart> {
        let provider = try context.parameters.require("provider")
        return EditedResponse(status: .created, response: try await auth.beginOAuth(provider, purpose: .device, client: client(request, context)))
    }

    /// The short address of a device or link flow: a redirect to the provider.
    @Sendable func shortLink(_ request: Request, context: AppRequestContext) async throws -> Response {
        let target = try await auth.shortLinkTarget(try context.parameters.require("code"))
        return Response(status: .found, headers: [.location: target, .cacheControl: "no-store"])
    }

    @Sendable func poll(_ request: Request, context: AppRequestContext) async throws -> OAuthPollAnswer {
        try await auth.poll(try await request.decodeJSON(OAuthPollRequest.self, context: context))
    }

    @Sendable func signInWithIDToken(_ request: Request, context: AppRequestContext) async throws -> AuthService.LoginOutcome {
        let provider = try context.parameters.require("provider")
        let body = try await request.decodeJSON(OAuthTokenRequest.self, context: context)
        return try await auth.signIn(withIDToken: body, provider: provider, client: client(request, context), context: context)
    }

    // MARK: Linking

    @Sendable func linkOAuth(_ request: Request, context: AppRequestContext) async throws -> OAuthLinkAnswer {
        let body = try await request.decodeJSON(OAuthLinkRequest.self, context: context)
        return try await auth.linkOAuth(body, identity: try context.requireIdentity(), client: client(request, context), context: context)
    }

    @Sendable func unlinkOAuth(_ request: Request, context: AppRequestContext) async throws -> SignInMethods {
        let provider = try context.parameters.require("provider").lowercased()
        guard OAuthProviderID(rawValue: provider) != nil else {
            throw AppError.notFound("Unknown sign-in provider \(provider); use google, github, facebook or apple")
        }
        return try await auth.unlink(.oauth(provider: provider), identity: try context.requireIdentity(), context: context)
    }

    @Sendable func linkPhone(_ request: Request, context: AppRequestContext) async throws -> LinkResult {
        let body = try await request.decodeJSON(PhoneVerifyRequest.self, context: context)
        return try await auth.linkPhone(body, identity: try context.requireIdentity(), context: context)
    }

    @Sendable func unlinkPhone(_ request: Request, context: AppRequestContext) async throws -> SignInMethods {
        try await auth.unlink(.phone, identity: try context.requireIdentity(), context: context)
    }

    @Sendable func methods(_ request: Request, context: AppRequestContext) async throws -> SignInMethods {
        try await auth.methods(of: try context.requireIdentity().user.id)
    }

    // MARK: Password reset

    @Sendable func forgotPassword(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<Acknowledgement> {
        let body = try await request.decodeJSON(ForgotPasswordRequest.self, context: context)
        return EditedResponse(status: .accepted, response: try await auth.forgotPassword(body, client: client(request, context), context: context))
    }

    @Sendable func resetPassword(_ request: Request, context: AppRequestContext) async throws -> Acknowledgement {
        let body = try await request.decodeJSON(ResetPasswordRequest.self, context: context)
        return try await auth.resetPassword(body, context: context)
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        try await auth.logout(try context.requireIdentity(), context: context)
        return .noContent
    }
}
