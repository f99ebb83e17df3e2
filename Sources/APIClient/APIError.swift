import Foundation
import Models

/// Why a call failed, decoded from the server's error body where there is one.
public enum APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with a non-2xx status.
    case server(status: Int, body: ErrorBody?)
    /// The server could not be reached (refused, DNS, TLS, reset).
    case transport(String)
    /// No answer within the timeout.
    case timeout
    /// The answer was not what the client expected.
    case decoding(String)
    /// The caller's task was cancelled.
    case cancelled
    /// The call needs a signed-in client.
    case notSignedIn
    /// The password was right and the account has an authenticator: answer with `verifyMFA(challengeID:code:)`.
    case mfaRequired(challengeID: String)

    public var status: Int? {
        if case .server(let status, _) = self { return status }
        return nil
    }

    /// The server's error code (`INVALID_CREDENTIALS`, …) when there is one.
    public var code: String? {
        if case .server(_, let body) = self { return body?.error.code }
        return nil
    }

    public var description: String {
        switch self {
        case .server(let status, let body):
            if let body { return "\(body.detail) (\(status) \(body.error.code))" }
            return "server answered \(status)"
        case .transport(let why): return "cannot reach the server: \(why)"
        case .timeout: return "the server did not answer in time"
        case .decoding(let why): return "unexpected answer from the server: \(why)"
        case .cancelled: return "cancelled"
        case .notSignedIn: return "not signed in"
        case .mfaRequired: return "a code from your authenticator app is needed"
        }
    }
}
