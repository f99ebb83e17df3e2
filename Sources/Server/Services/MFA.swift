import Crypto
import Foundation
import HTTPTypes
import HummingbirdOTP
import Models
import Storage

/// AES-GCM sealing for secrets kept in the database (TOTP seeds), with a key derived from the data key.
public struct SecretBox: Sendable {
    let key: SymmetricKey

    /// A key for `purpose`, derived from `root` with HKDF-SHA256.
    public init(root: SymmetricKey, purpose: String) {
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: root, info: Data(purpose.utf8), outputByteCount: 32)
    }

    func seal(_ text: String) throws -> String {
        guard let combined = try AES.GCM.seal(Data(text.utf8), using: key).combined else { throw ConfigurationError("cannot seal a secret") }
        return combined.base64EncodedString()
    }

    func open(_ sealed: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw ConfigurationError("a sealed secret is damaged") }
        return String(decoding: try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: key), as: UTF8.self)
    }
}

/// TOTP (RFC 6238, 30-second steps, six digits, SHA-1: what authenticator apps expect) as a second factor.
extension AuthService {
    static let challengeLifetime: TimeInterval = 300
    static let challengeAttempts = 5
    static let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    private func requireMFA() throws -> (any MFARepository, SecretBox) {
        guard let mfa, let secrets else { throw AppError(.notFound, code: ErrorCode.notFound, "Two-factor sign-in is not available on this server") }
        return (mfa, secrets)
    }

    /// The step whose code matches, trying the current step and one either side (clock drift); nil if none.
    static func matchingStep(code: String, secret: String, now: Date) -> Int64? {
        let digits = code.filter { !$0.isWhitespace }
        guard digits.count == 6, let value = Int(digits) else { return nil }
        let totp = TOTP(secret: secret)
        let step = Int64(now.timeIntervalSince1970 / 30)
        for candidate in [step, step - 1, step + 1] where totp.compute(date: Date(timeIntervalSince1970: TimeInterval(candidate * 30))) == value {
            return candidate
        }
        return nil
    }

    func mfaStatus(_ identity: Identity) async throws -> MFAStatus {
        let (mfa, _) = try requireMFA()
        return MFAStatus(
            totpEnabled: try await mfa.totp(userID: identity.user.id)?.isConfirmed == true,
            requiredForRole: try await staffMFARequired() && identity.role >= .operator)
    }

    /// A new secret and its `otpauth://` URI; the factor is on only after `confirmTOTP`.
    func enrollTOTP(_ identity: Identity, context: AppRequestContext) async throws -> TOTPEnrollment {
        let (mfa, secrets) = try requireMFA()
        var generator = SystemRandomNumberGenerator()
        let secret = String((0..<32).map { _ in Self.secretAlphabet[Int(generator.next(upperBound: UInt32(Self.secretAlphabet.count)))] })
        guard try await mfa.beginTOTP(userID: identity.user.id, sealedSecret: try secrets.seal(secret), now: Date()) else {
            throw AppError(.conflict, code: ErrorCode.conflict, "An authenticator is already enabled; remove it first")
        }
        await audit.record(AuditAction.mfaEnroll, actor: identity.user.id, context: context)
        let totp = TOTP(secret: secret)
        let label = (identity.user.email ?? identity.user.id.uuidString.lowercased()).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "account"
        let uri = totp.createAuthenticatorURL(label: "SpendSense:\(label)", issuer: "SpendSense")
        // The app is given the base32 form of the secret's bytes, exactly as the URI carries it.
        let base32 = URLComponents(string: uri)?.queryItems?.first { $0.name == "secret" }?.value ?? ""
        return TOTPEnrollment(secret: base32, otpauthURI: uri)
    }

    /// Turns the factor on with a first valid code.
    func confirmTOTP(_ identity: Identity, code: String, context: AppRequestContext) async throws -> MFAStatus {
        let (mfa, secrets) = try requireMFA()
        guard let record = try await mfa.totp(userID: identity.user.id) else {
            throw AppError(.conflict, code: ErrorCode.conflict, "Start with POST /api/v1/auth/mfa/totp/enroll")
        }
        guard !record.isConfirmed else { return try await mfaStatus(identity) }
        guard let step = Self.matchingStep(code: code, secret: try secrets.open(record.sealedSecret), now: Date()) else {
            throw AppError.validation("That code is not right; check the time on the device", fields: ["code": "6 digits from the authenticator"])
        }
        try await mfa.confirmTOTP(userID: identity.user.id, step: step, now: Date())
        await audit.record(AuditAction.mfaEnable, actor: identity.user.id, context: context)
        return try await mfaStatus(identity)
    }

    /// Turns the factor off; needs a current code (a stolen session alone cannot remove it).
    func disableTOTP(_ identity: Identity, code: String, context: AppRequestContext) async throws {
        let (mfa, secrets) = try requireMFA()
        guard let record = try await mfa.totp(userID: identity.user.id), record.isConfirmed else {
            throw AppError.notFound("No authenticator is enabled")
        }
        guard let step = Self.matchingStep(code: code, secret: try secrets.open(record.sealedSecret), now: Date()),
            try await mfa.useStep(userID: identity.user.id, step: step)
        else {
            throw AppError.validation("That code is not right", fields: ["code": "6 digits from the authenticator"])
        }
        try await mfa.deleteTOTP(userID: identity.user.id)
        await audit.record(AuditAction.mfaDisable, actor: identity.user.id, context: context)
    }

    func startChallenge(for user: UserRecord, client: ClientInfo) async throws -> MFAChallenge {
        let id = UUID().uuidString.lowercased()
        let value = [user.id.uuidString.lowercased(), client.userAgent ?? "", client.ip ?? "", client.deviceName ?? ""]
            .map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n")
        try await keyValue.set("mfa-challenge:\(id)", value: value, ttl: Self.challengeLifetime)
        return MFAChallenge(challengeID: id, expiresIn: Int(saturating: Self.challengeLifetime))
    }

    /// Answers a login challenge with a code: tokens. Five wrong codes end the challenge.
    func verifyChallenge(_ request: MFAVerifyRequest, context: AppRequestContext) async throws -> AuthResponse {
        let (mfa, secrets) = try requireMFA()
        let key = "mfa-challenge:\(request.challengeID.lowercased())"
        guard let value = try await keyValue.get(key) else {
            throw AppError.unauthorized("The sign-in challenge is unknown or expired; sign in again", code: ErrorCode.invalidToken)
        }
        let parts = value.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let userID = UUID(uuidString: parts[0]), let user = try await users.find(id: userID),
            let record = try await mfa.totp(userID: userID), record.isConfirmed
        else {
            try await keyValue.delete(key)
            throw AppError.unauthorized("The sign-in challenge is no longer valid; sign in again", code: ErrorCode.invalidToken)
        }
        guard let step = Self.matchingStep(code: request.code, secret: try secrets.open(record.sealedSecret), now: Date()),
            try await mfa.useStep(userID: userID, step: step)
        else {
            let attempts = try await keyValue.increment("mfa-attempts:\(request.challengeID.lowercased())", by: 1, ttl: Self.challengeLifetime)
            await audit.record(AuditAction.mfaVerify, outcome: "failure", actor: userID, context: context)
            if attempts >= Self.challengeAttempts { try await keyValue.delete(key) }
            throw AppError.unauthorized("That code is not right", code: ErrorCode.invalidCredentials)
        }
        try await keyValue.delete(key)
        guard !user.user.isLocked, user.deletedAt == nil else {
            throw AppError(.forbidden, code: ErrorCode.accountLocked, "This account is locked; contact an administrator")
        }
        await audit.record(AuditAction.login, actor: userID, details: ["second_factor": .string("totp")], context: context)
        return try await openSession(
            for: user, client: ClientInfo(userAgent: parts[1].isEmpty ? nil : parts[1], ip: parts[2].isEmpty ? nil : parts[2], deviceName: parts[3].isEmpty ? nil : parts[3]))
    }

    /// The admin setting, or `MFA_REQUIRED_FOR_STAFF` until an admin sets it.
    func staffMFARequired() async throws -> Bool {
        try await settings?.current().mfaRequiredForStaff ?? configuration.mfaRequiredForStaff
    }

    /// Staff must have a confirmed authenticator when the server requires it (admin setting, default from
    /// `MFA_REQUIRED_FOR_STAFF`).
    func ensureStaffMFA(_ identity: Identity) async throws {
        guard identity.role >= .operator, let mfa, try await staffMFARequired() else { return }
        guard try await mfa.totp(userID: identity.user.id)?.isConfirmed == true else {
            throw AppError(
                .forbidden, code: ErrorCode.mfaRequired,
                "Operators and admins need an authenticator on this server: enroll at POST /api/v1/auth/mfa/totp/enroll")
        }
    }
}
