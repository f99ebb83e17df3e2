import Foundation

/// The body of every non-2xx response the server sends.
///
/// ```json
/// {"detail": "Email or password is incorrect",
///  "error": {"code": "INVALID_CREDENTIALS", "message": "Email or password is incorrect", "details": {}},
///  "request_id": "6f1c…"}
/// ```
public struct ErrorBody: Codable, Sendable, Equatable {
    /// The machine-readable part of an error.
    public struct Info: Codable, Sendable, Equatable {
        /// Stable UPPER_SNAKE code clients can switch on.
        public var code: String
        /// Human-readable message (same text as `detail`).
        public var message: String
        /// Structured extras: field errors, retry hints, conflicting versions.
        public var details: [String: JSONValue]

        public init(code: String, message: String, details: [String: JSONValue] = [:]) {
            self.code = code
            self.message = message
            self.details = details
        }
    }

    /// Human-readable message.
    public var detail: String
    public var error: Info
    /// The request id the server assigned (also in the `X-Request-ID` header).
    public var requestID: String

    public init(code: String, message: String, details: [String: JSONValue] = [:], requestID: String) {
        self.detail = message
        self.error = Info(code: code, message: message, details: details)
        self.requestID = requestID
    }

    enum CodingKeys: String, CodingKey {
        case detail, error
        case requestID = "request_id"
    }
}

/// Stable error codes shared by server and client.
public enum ErrorCode {
    public static let badRequest = "BAD_REQUEST"
    public static let invalidJSON = "INVALID_JSON"
    public static let validationFailed = "VALIDATION_FAILED"
    public static let unauthorized = "UNAUTHORIZED"
    public static let invalidToken = "INVALID_TOKEN"
    public static let tokenExpired = "TOKEN_EXPIRED"
    public static let invalidCredentials = "INVALID_CREDENTIALS"
    public static let accountLocked = "ACCOUNT_LOCKED"
    public static let refreshTokenReused = "REFRESH_TOKEN_REUSED"
    public static let forbidden = "FORBIDDEN"
    public static let insufficientRole = "INSUFFICIENT_ROLE"
    public static let consentRequired = "CONSENT_REQUIRED"
    public static let uploadInvalid = "UPLOAD_INVALID"
    public static let notFound = "NOT_FOUND"
    public static let methodNotAllowed = "METHOD_NOT_ALLOWED"
    public static let conflict = "CONFLICT"
    /// The sign-in code is unknown, expired or used up.
    public static let codeExpired = "CODE_EXPIRED"
    /// Operators and admins need a second factor on this server.
    public static let mfaRequired = "MFA_REQUIRED"
    public static let emailTaken = "EMAIL_TAKEN"
    public static let phoneTaken = "PHONE_TAKEN"
    /// The OAuth provider is not configured on this server.
    public static let providerNotConfigured = "OAUTH_PROVIDER_NOT_CONFIGURED"
    /// The OAuth `state` is unknown, expired, used, or for another provider.
    public static let oauthStateInvalid = "OAUTH_STATE_INVALID"
    /// The provider refused the code (used, expired, wrong verifier) or the sign-in was denied.
    public static let oauthFailed = "OAUTH_FAILED"
    /// The provider's identity token did not verify (signature, issuer, audience, expiry).
    public static let idTokenInvalid = "OAUTH_ID_TOKEN_INVALID"
    /// The provider could not be reached or answered nonsense.
    public static let providerUnavailable = "OAUTH_PROVIDER_UNAVAILABLE"
    /// The device sign-in handle is unknown or expired.
    public static let pollExpired = "OAUTH_POLL_EXPIRED"
    /// The account would be left with no way to sign in.
    public static let lastSignInMethod = "LAST_SIGN_IN_METHOD"
    /// The other account cannot be merged into this one (staff, locked).
    public static let mergeRefused = "MERGE_REFUSED"
    /// The account already has a different identity at this provider.
    public static let identityTaken = "IDENTITY_TAKEN"
    /// A staff account has this address: sign in to it and link the provider there.
    public static let linkRequired = "LINK_REQUIRED"
    /// The password reset token is unknown, expired or used.
    public static let resetTokenInvalid = "RESET_TOKEN_INVALID"
    public static let payloadTooLarge = "PAYLOAD_TOO_LARGE"
    /// The request body ended before its declared length.
    public static let bodyIncomplete = "BODY_INCOMPLETE"
    /// The request body stopped arriving (408).
    public static let requestTimeout = "REQUEST_TIMEOUT"
    /// A multipart body that is not well formed.
    public static let malformedMultipart = "MALFORMED_MULTIPART"
    /// A multipart form with more parts than allowed.
    public static let tooManyParts = "TOO_MANY_PARTS"
    public static let unsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
    public static let rateLimited = "RATE_LIMITED"
    public static let serviceUnavailable = "SERVICE_UNAVAILABLE"
    public static let internalError = "INTERNAL_ERROR"
}
