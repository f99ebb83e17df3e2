import Foundation
import Models

/// The tokens of a signed-in client. Refreshes are single-flight: concurrent 401s share one refresh.
public actor TokenStore {
    public struct Tokens: Codable, Sendable, Equatable {
        public var accessToken: String
        public var refreshToken: String
        public init(accessToken: String, refreshToken: String) {
            self.accessToken = accessToken
            self.refreshToken = refreshToken
        }
        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case refreshToken = "refresh_token"
        }
    }

    public private(set) var tokens: Tokens?
    private var inFlightRefresh: Task<Tokens, any Error>?
    private var onChange: (@Sendable (Tokens?) -> Void)?

    public init(tokens: Tokens? = nil) { self.tokens = tokens }

    /// Called after every change (sign-in, refresh, sign-out), e.g. to save the credentials file.
    public func setOnChange(_ handler: (@Sendable (Tokens?) -> Void)?) { onChange = handler }

    public func set(_ tokens: Tokens?) {
        self.tokens = tokens
        onChange?(tokens)
    }

    /// Runs `refresh` unless one is already running (then waits for it), or unless the tokens already changed
    /// since `failedAccessToken` was sent (then the newer pair is returned without another refresh).
    func refresh(
        after failedAccessToken: String? = nil, using refresh: @escaping @Sendable (String) async throws -> Tokens
    ) async throws -> Tokens {
        if let inFlightRefresh { return try await inFlightRefresh.value }
        guard let current = tokens else { throw APIError.notSignedIn }
        if let failedAccessToken, current.accessToken != failedAccessToken { return current }
        let task = Task { try await refresh(current.refreshToken) }
        inFlightRefresh = task
        defer { inFlightRefresh = nil }
        do {
            let fresh = try await task.value
            set(fresh)
            return fresh
        } catch {
            if case APIError.server(let status, _) = error, status == 401 { set(nil) }
            throw error
        }
    }
}
