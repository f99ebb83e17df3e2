import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import Storage
import Synchronization

/// Sends email (password reset links). The same family as `SMSSender`: a development outbox and Amazon SES.
public protocol EmailSender: Sendable {
    func send(to address: String, subject: String, body: String) async throws
}

/// Amazon SES v2 `SendEmail`, signed with the same small SigV4 signer as SNS (`SES_ENDPOINT` for a local or
/// private endpoint).
public struct SESSender: EmailSender {
    let aws: AWSConfiguration
    let from: String
    let http: HTTPClient

    public init(aws: AWSConfiguration, from: String, http: HTTPClient = .shared) {
        self.aws = aws
        self.from = from
        self.http = http
    }

    var url: URL {
        let base = aws.endpoint?.absoluteString ?? "https://email.\(aws.region).amazonaws.com"
        return URL(string: (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v2/email/outbound-emails")!
    }

    struct Message: Encodable {
        struct Text: Encodable {
            var Data: String
            var Charset = "UTF-8"
        }
        struct Destination: Encodable { var ToAddresses: [String] }
        struct Body: Encodable { var Text: Text }
        struct Simple: Encodable {
            var Subject: Text
            var Body: Body
        }
        struct Content: Encodable { var Simple: Simple }
        var FromEmailAddress: String
        var Destination: Destination
        var Content: Content
    }

    public func send(to address: String, subject: String, body: String) async throws {
        let message = Message(
            FromEmailAddress: from, Destination: .init(ToAddresses: [address]),
            Content: .init(Simple: .init(Subject: .init(Data: subject), Body: .init(Text: .init(Data: body)))))
        let (status, answer) = try await AWSRequest.send(
            "POST", url, headers: ["content-type": "application/json"], body: try JSONEncoder().encode(message), service: "ses", aws: aws, http: http)
        guard (200..<300).contains(status) else { throw SMSError.rejected(status: status, body: String(decoding: answer.prefix(300), as: UTF8.self)) }
    }
}

/// Forgot and reset password: a single-use token, good for 30 minutes, sent by email. The answer to
/// `forgot-password` is the same whether or not the address has an account.
extension AuthService {
    static let resetTokenLifetime: TimeInterval = 1800

    static func resetKey(_ token: String) -> String {
        "password-reset:" + Hex.sha256(token)
    }

    func forgotPassword(_ request: ForgotPasswordRequest, client: ClientInfo, context: AppRequestContext) async throws -> Acknowledgement {
        let answer = Acknowledgement(message: "If an account uses that address, a reset link is on its way. It works once, for 30 minutes.")
        guard let email = EmailAddress.normalize(request.email) else {
            throw AppError.validation("email must be a valid email address", fields: ["email": "must be a valid email address"])
        }
        guard let sender = emailSender else {
            throw AppError(.notFound, code: ErrorCode.notFound, "Password reset by email is not available on this server")
        }
        try await limiter.consume(
            "forgot-ip:\(client.ip ?? "unknown")", limit: configuration.passwordResetPerHour * 4, window: 3600,
            message: "Too many reset requests from this address; try later")
        try await limiter.consume(
            "forgot:\(email)", limit: configuration.passwordResetPerHour, window: 3600, message: "Too many reset requests for this account; try later")
        guard let user = try await users.find(email: email), !user.user.isLocked else {
            await audit.record(AuditAction.passwordResetRequest, outcome: "unknown_account", actor: nil, context: context)
            return answer
        }
        let token = Self.randomToken()
        try await keyValue.set(Self.resetKey(token), value: user.id.uuidString.lowercased(), ttl: Self.resetTokenLifetime)
        let body = """
            Someone asked to reset the password of your SpendSense account.

            Your reset token: \(token)

            Reset it with `spendsense password reset --token \(token) --password-stdin`, or send it to
            POST /api/v1/auth/reset-password. It works once, for 30 minutes.
            If this was not you, ignore this message; your password stays as it is.
            """
        do {
            try await sender.send(to: email, subject: "Reset your SpendSense password", body: body)
        } catch {
            try? await keyValue.delete(Self.resetKey(token))
            context.logger.error("reset email failed", metadata: ["error": "\(error)"])
            throw AppError(.serviceUnavailable, code: ErrorCode.serviceUnavailable, "The email could not be sent; try again shortly")
        }
        await audit.record(AuditAction.passwordResetRequest, actor: user.id, targetType: "user", targetID: user.id.uuidString.lowercased(), context: context)
        return answer
    }

    /// Sets a new password with a reset token (once), and ends every session of the account.
    func resetPassword(_ request: ResetPasswordRequest, context: AppRequestContext) async throws -> Acknowledgement {
        let problems = PasswordPolicy.violations(of: request.password)
        guard problems.isEmpty else {
            throw AppError.validation("password must contain " + problems.joined(separator: ", "), fields: ["password": "must contain " + problems.joined(separator: ", ")])
        }
        guard !request.token.isEmpty, let value = try await keyValue.take(Self.resetKey(request.token)), let userID = UUID(uuidString: value),
            let user = try await users.find(id: userID)
        else {
            throw AppError(.badRequest, code: ErrorCode.resetTokenInvalid, "This reset token is unknown, expired or already used; ask for a new one")
        }
        try await users.setPasswordHash(id: user.id, passwordHash: try await passwords.hash(request.password), now: Date())
        let ended = try await sessions.revokeAll(userID: user.id, reason: "password_reset", now: Date())
        await audit.record(
            AuditAction.passwordReset, actor: user.id, targetType: "user", targetID: user.id.uuidString.lowercased(),
            details: ["sessions_ended": .number(Double(ended))], context: context)
        return Acknowledgement(message: "Your password is changed and every session has ended; sign in with the new password.")
    }
}

/// Settings an admin changes while the server runs, stored in the database so every instance sees them; read
/// through a five-second cache (staff routes ask on every request).
public final class RuntimeSettings: Sendable {
    let repository: any SettingsRepository
    let defaults: ServerSettings
    private let cached = Mutex<(settings: ServerSettings, at: Date)?>(nil)
    static let cacheSeconds: TimeInterval = 5

    public init(repository: any SettingsRepository, defaults: ServerSettings) {
        self.repository = repository
        self.defaults = defaults
    }

    public func current() async throws -> ServerSettings {
        if let hit = cached.withLock({ $0 }), Date().timeIntervalSince(hit.at) < Self.cacheSeconds { return hit.settings }
        var settings = defaults
        if let value = try await repository.value("mfa_required_for_staff") { settings.mfaRequiredForStaff = value == "true" }
        cached.withLock { $0 = (settings, Date()) }
        return settings
    }

    public func update(_ settings: ServerSettings, by actor: UUID?) async throws -> ServerSettings {
        try await repository.set("mfa_required_for_staff", value: settings.mfaRequiredForStaff ? "true" : "false", by: actor, now: Date())
        cached.withLock { $0 = nil }
        return try await current()
    }
}
