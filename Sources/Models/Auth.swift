import Foundation

/// `POST /api/v1/auth/register` and `POST /api/v1/auth/login`.
public struct Credentials: Codable, Sendable, Equatable {
    public var email: String
    public var password: String
    public init(email: String, password: String) {
        self.email = email
        self.password = password
    }
}

/// `POST /api/v1/auth/refresh`.
public struct RefreshRequest: Codable, Sendable, Equatable {
    public var refreshToken: String
    public init(refreshToken: String) { self.refreshToken = refreshToken }
    enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
}

/// The answer to every successful sign-in, registration or refresh.
public struct AuthResponse: Codable, Sendable, Equatable {
    public var userID: UUID
    public var email: String?
    public var role: Role
    public var accessToken: String
    public var refreshToken: String
    public var tokenType: String
    /// Seconds until `access_token` expires.
    public var expiresIn: Int
    /// Phone sign-in: true when this sign-in created the account.
    public var isNewUser: Bool?

    public init(
        userID: UUID, email: String?, role: Role, accessToken: String, refreshToken: String,
        tokenType: String = "bearer", expiresIn: Int
    ) {
        self.userID = userID
        self.email = email
        self.role = role
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.tokenType = tokenType
        self.expiresIn = expiresIn
    }

    enum CodingKeys: String, CodingKey {
        case email, role
        case userID = "user_id"
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case isNewUser = "is_new_user"
    }
}

/// Password rules shared by the server (enforcement) and the console (hints before sending).
public enum PasswordPolicy {
    public static let minimumLength = 12

    /// The rules `password` breaks, in plain words; empty when it is acceptable.
    public static func violations(of password: String) -> [String] {
        var problems: [String] = []
        if password.count < minimumLength { problems.append("at least \(minimumLength) characters") }
        if !password.contains(where: { $0.isUppercase }) { problems.append("an uppercase letter") }
        if !password.contains(where: { $0.isLowercase }) { problems.append("a lowercase letter") }
        if !password.contains(where: { $0.isNumber }) { problems.append("a digit") }
        if !password.contains(where: { !$0.isLetter && !$0.isNumber && !$0.isWhitespace }) {
            problems.append("a symbol")
        }
        if password.utf8.count > 72 { problems.append("at most 72 bytes") }
        return problems
    }
}

/// Email syntax check and normalization shared by server and console.
public enum EmailAddress {
    /// Lower-cased, trimmed address, or nil when it is not a plausible address.
    public static func normalize(_ raw: String) -> String? {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard email.count <= 254, !email.contains(where: { $0.isWhitespace }) else { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty, local.count <= 64, !domain.isEmpty else { return nil }
        guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return nil }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else { return nil }
            guard label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return nil }
        }
        let allowedLocal = Set("abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-")
        guard local.allSatisfy({ allowedLocal.contains($0) }) else { return nil }
        return email
    }

    /// `j***@example.com`: enough to recognise, not enough to leak.
    public static func masked(_ email: String) -> String {
        guard let at = email.firstIndex(of: "@") else { return "***" }
        let local = email[..<at]
        let first = local.first.map(String.init) ?? ""
        return "\(first)***\(email[at...])"
    }
}

/// E.164 phone numbers.
public enum PhoneNumber {
    /// `+15551234567` from common spellings (`+1 (555) 123-4567`), or nil when not E.164.
    public static func normalize(_ raw: String) -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("+") else { return nil }
        let allowedSeparators = Set(" -().")
        var digits = ""
        for character in trimmed.dropFirst() {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if !allowedSeparators.contains(character) {
                return nil
            }
        }
        guard (8...15).contains(digits.count), digits.first != "0" else { return nil }
        return "+" + digits
    }
}

/// One signed-in device (`GET /api/v1/auth/sessions`).
public struct SessionInfo: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var deviceName: String
    public var userAgent: String?
    public var ip: String?
    public var createdAt: Date
    public var lastUsedAt: Date
    public var expiresAt: Date
    /// The session this request was made with.
    public var current: Bool

    public init(
        id: UUID, deviceName: String, userAgent: String?, ip: String?, createdAt: Date, lastUsedAt: Date, expiresAt: Date, current: Bool
    ) {
        self.id = id
        self.deviceName = deviceName
        self.userAgent = userAgent
        self.ip = ip
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.current = current
    }

    enum CodingKeys: String, CodingKey {
        case ip, current
        case id = "session_id"
        case deviceName = "device_name"
        case userAgent = "user_agent"
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case expiresAt = "expires_at"
    }

    /// A readable device name from a user agent: `SpendSense console`, `Firefox on Linux`, `curl 8.5`.
    public static func deviceName(userAgent: String?) -> String {
        guard let agent = userAgent, !agent.isEmpty else { return "Unknown device" }
        if agent.hasPrefix("spendsense-console") { return "SpendSense console" }
        let browsers = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        let systems = [("Windows", "Windows"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Mac OS X", "macOS"), ("Linux", "Linux")]
        if let browser = browsers.first(where: { agent.contains($0.0) })?.1 {
            let system = systems.first(where: { agent.contains($0.0) })?.1
            return system.map { "\(browser) on \($0)" } ?? browser
        }
        let product = agent.split(separator: " ").first.map(String.init) ?? agent
        return String(product.replacingOccurrences(of: "/", with: " ").prefix(60))
    }
}

/// `POST /api/v1/auth/logout-all`.
public struct LogoutAllResult: Codable, Sendable, Equatable {
    public var revokedSessions: Int

    public init(revokedSessions: Int) { self.revokedSessions = revokedSessions }

    enum CodingKeys: String, CodingKey {
        case revokedSessions = "revoked_sessions"
    }
}

/// `POST /api/v1/auth/login` for an account with a second factor: no tokens yet, a challenge to answer at
/// `POST /api/v1/auth/mfa/verify`.
public struct MFAChallenge: Codable, Sendable, Equatable {
    public var mfaRequired: Bool
    public var challengeID: String
    public var methods: [String]
    public var expiresIn: Int

    public init(challengeID: String, methods: [String] = ["totp"], expiresIn: Int) {
        self.mfaRequired = true
        self.challengeID = challengeID
        self.methods = methods
        self.expiresIn = expiresIn
    }

    enum CodingKeys: String, CodingKey {
        case methods
        case mfaRequired = "mfa_required"
        case challengeID = "challenge_id"
        case expiresIn = "expires_in"
    }
}

/// `POST /api/v1/auth/mfa/verify`.
public struct MFAVerifyRequest: Codable, Sendable, Equatable {
    public var challengeID: String
    public var code: String

    public init(challengeID: String, code: String) {
        self.challengeID = challengeID
        self.code = code
    }

    enum CodingKeys: String, CodingKey {
        case code
        case challengeID = "challenge_id"
    }
}

/// A six-digit code from an authenticator app (`confirm`, `DELETE /mfa/totp`).
public struct MFACodeRequest: Codable, Sendable, Equatable {
    public var code: String
    public init(code: String) { self.code = code }
}

/// `POST /api/v1/auth/mfa/totp/enroll`: the secret to type in, or the `otpauth://` URI to show as a QR code.
public struct TOTPEnrollment: Codable, Sendable, Equatable {
    public var secret: String
    public var otpauthURI: String

    public init(secret: String, otpauthURI: String) {
        self.secret = secret
        self.otpauthURI = otpauthURI
    }

    enum CodingKeys: String, CodingKey {
        case secret
        case otpauthURI = "otpauth_uri"
    }
}

/// Whether the caller's second factor is on.
public struct MFAStatus: Codable, Sendable, Equatable {
    public var totpEnabled: Bool
    public var requiredForRole: Bool

    public init(totpEnabled: Bool, requiredForRole: Bool) {
        self.totpEnabled = totpEnabled
        self.requiredForRole = requiredForRole
    }

    enum CodingKeys: String, CodingKey {
        case totpEnabled = "totp_enabled"
        case requiredForRole = "required_for_role"
    }
}

/// `POST /api/v1/auth/phone/request` and `/resend`.
public struct PhoneRequest: Codable, Sendable, Equatable {
    public var phone: String
    public init(phone: String) { self.phone = phone }
}

/// `POST /api/v1/auth/phone/verify`.
public struct PhoneVerifyRequest: Codable, Sendable, Equatable {
    public var phone: String
    public var code: String

    public init(phone: String, code: String) {
        self.phone = phone
        self.code = code
    }
}

/// A code was sent.
public struct PhoneCodeSent: Codable, Sendable, Equatable {
    /// The number as normalized (E.164).
    public var phone: String
    public var expiresIn: Int

    public init(phone: String, expiresIn: Int) {
        self.phone = phone
        self.expiresIn = expiresIn
    }

    enum CodingKeys: String, CodingKey {
        case phone
        case expiresIn = "expires_in"
    }
}

/// A message in the development outbox (`GET /api/v1/dev/outbox`, development mode only): a text or an email.
public struct OutboxMessage: Codable, Sendable, Equatable {
    public var to: String
    public var body: String
    public var at: Date
    /// `sms` or `email`.
    public var channel: String?
    public var subject: String?

    public init(to: String, body: String, at: Date, channel: String = "sms", subject: String? = nil) {
        self.to = to
        self.body = body
        self.at = at
        self.channel = channel
        self.subject = subject
    }
}
