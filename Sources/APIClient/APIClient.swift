import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOFoundationCompat
import NIOFoundationEssentialsCompat
import NIOHTTP1

/// A typed client for the SpendSense API: one method per endpoint, transparent token refresh,
/// decoded errors, per-call timeouts and cancellation.
///
/// ```swift
/// let client = APIClient(baseURL: URL(string: "http://127.0.0.1:8000")!)
/// try await client.login(email: "operator@example.com", password: "…")
/// let me = try await client.me()
/// ```
public struct APIClient: Sendable {
    public let baseURL: URL
    public let tokens: TokenStore
    public var timeout: Duration
    let http: HTTPClient

    public init(baseURL: URL, tokens: TokenStore = TokenStore(), timeout: Duration = .seconds(15), http: HTTPClient = .shared) {
        self.baseURL = baseURL
        self.tokens = tokens
        self.timeout = timeout
        self.http = http
    }

    // MARK: - Auth

    @discardableResult
    public func register(email: String, password: String) async throws -> AuthResponse {
        let response: AuthResponse = try await send(
            .POST, "/api/v1/auth/register", body: Credentials(email: email, password: password), authenticated: false)
        await tokens.set(.init(accessToken: response.accessToken, refreshToken: response.refreshToken))
        return response
    }

    /// Signs in. For an account with an authenticator this throws `APIError.mfaRequired(challengeID:)`: finish
    /// with `verifyMFA(challengeID:code:)`.
    @discardableResult
    public func login(email: String, password: String, deviceName: String? = nil) async throws -> AuthResponse {
        let data = try await perform(
            .POST, "/api/v1/auth/login", query: [:], body: try JSONEncoder.spendSense.encode(Credentials(email: email, password: password)),
            contentType: "application/json", authenticated: false, extraHeaders: deviceName.map { ["X-Device-Name": $0] } ?? [:])
        return try await signedIn(data)
    }

    /// A sign-in answer: tokens (stored), or a second-factor challenge (thrown as `APIError.mfaRequired`).
    func signedIn(_ data: Data) async throws -> AuthResponse {
        if let challenge = try? JSONDecoder.spendSense.decode(MFAChallenge.self, from: data), challenge.mfaRequired {
            throw APIError.mfaRequired(challengeID: challenge.challengeID)
        }
        let response: AuthResponse
        do {
            response = try JSONDecoder.spendSense.decode(AuthResponse.self, from: data)
        } catch {
            throw APIError.decoding(String(describing: error))
        }
        await tokens.set(.init(accessToken: response.accessToken, refreshToken: response.refreshToken))
        return response
    }

    /// Completes a sign-in that asked for a second factor.
    @discardableResult
    public func verifyMFA(challengeID: String, code: String) async throws -> AuthResponse {
        let response: AuthResponse = try await send(
            .POST, "/api/v1/auth/mfa/verify", body: MFAVerifyRequest(challengeID: challengeID, code: code), authenticated: false)
        await tokens.set(.init(accessToken: response.accessToken, refreshToken: response.refreshToken))
        return response
    }

    /// Exchanges the stored refresh token for a new pair (normally done for you on a 401).
    @discardableResult
    public func refresh() async throws -> TokenStore.Tokens {
        try await tokens.refresh(using: refreshCall)
    }

    /// Ends the session on the server and forgets the tokens (even when the server call fails).
    public func logout() async throws {
        defer { Task { await tokens.set(nil) } }
        try await sendEmpty(.POST, "/api/v1/auth/logout")
        await tokens.set(nil)
    }

    // MARK: - Transport

    struct Empty: Encodable {}

    private var refreshCall: @Sendable (String) async throws -> TokenStore.Tokens {
        { [self] refreshToken in
            let response: AuthResponse = try await send(
                .POST, "/api/v1/auth/refresh", body: RefreshRequest(refreshToken: refreshToken), authenticated: false)
            return .init(accessToken: response.accessToken, refreshToken: response.refreshToken)
        }
    }

    func send<Response: Decodable>(
        _ method: HTTPMethod, _ path: String, query: [String: String] = [:], authenticated: Bool = true
    ) async throws -> Response {
        try await send(method, path, query: query, body: Optional<Empty>.none, authenticated: authenticated)
    }

    func send<Body: Encodable, Response: Decodable>(
        _ method: HTTPMethod, _ path: String, query: [String: String] = [:], body: Body?, authenticated: Bool = true
    ) async throws -> Response {
        let encoded = try body.map { try JSONEncoder.spendSense.encode($0) }
        let data = try await perform(
            method, path, query: query, body: encoded, contentType: encoded == nil ? nil : "application/json", authenticated: authenticated)
        do {
            return try JSONDecoder.spendSense.decode(Response.self, from: data)
        } catch {
            throw APIError.decoding(String(describing: error))
        }
    }

    func sendEmpty(_ method: HTTPMethod, _ path: String, authenticated: Bool = true) async throws {
        _ = try await perform(method, path, query: [:], body: nil, contentType: nil, authenticated: authenticated)
    }

    func sendEmpty<Body: Encodable>(_ method: HTTPMethod, _ path: String, body: Body) async throws {
        _ = try await perform(method, path, query: [:], body: try JSONEncoder.spendSense.encode(body), contentType: "application/json", authenticated: true)
    }

    /// Sends prepared bytes (multipart uploads) or reads raw bytes (CSV export, metrics).
    func perform(
        _ method: HTTPMethod, _ path: String, query: [String: String], body: Data?, contentType: String?, authenticated: Bool,
        progress: (@Sendable (Int, Int) -> Void)? = nil, extraHeaders: [String: String] = [:]
    ) async throws -> Data {
        var token: String?
        if authenticated {
            guard let current = await tokens.tokens else { throw APIError.notSignedIn }
            token = current.accessToken
        }
        let (status, data) = try await execute(
            method, path, query: query, body: body, contentType: contentType, token: token, progress: progress, extraHeaders: extraHeaders)
        if status == 401, authenticated {
            // One transparent refresh, then one retry.
            let fresh = try await tokens.refresh(after: token, using: refreshCall)
            let (retryStatus, retryData) = try await execute(
                method, path, query: query, body: body, contentType: contentType, token: fresh.accessToken, progress: progress,
                extraHeaders: extraHeaders)
            return try check(retryStatus, retryData)
        }
        return try check(status, data)
    }

    private func check(_ status: Int, _ data: Data) throws -> Data {
        guard (200..<300).contains(status) else {
            throw APIError.server(status: status, body: try? JSONDecoder.spendSense.decode(ErrorBody.self, from: data))
        }
        return data
    }

    private func execute(
        _ method: HTTPMethod, _ path: String, query: [String: String], body: Data?, contentType: String?, token: String?,
        progress: (@Sendable (Int, Int) -> Void)? = nil, extraHeaders: [String: String] = [:]
    ) async throws -> (Int, Data) {
        guard var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else {
            throw APIError.transport("bad server URL \(baseURL)")
        }
        let basePath = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        components.path = basePath + path
        if !query.isEmpty {
            components.queryItems = query.keys.sorted().map { URLQueryItem(name: $0, value: query[$0]) }
        }
        guard let url = components.url else { throw APIError.transport("bad URL \(baseURL)\(path)") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "spendsense-console")
        for (name, value) in extraHeaders { request.headers.add(name: name, value: value) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType ?? "application/json")
            if let progress {
                // Streamed in 64 KB chunks; each chunk the client pulls is reported.
                let chunkSize = 64 * 1024
                let total = body.count
                let chunks = stride(from: 0, to: total, by: chunkSize).map { offset in
                    (ByteBuffer(data: body[offset..<min(total, offset + chunkSize)]), min(total, offset + chunkSize))
                }
                let stream = AsyncStream<(ByteBuffer, Int)> { continuation in
                    for chunk in chunks { continuation.yield(chunk) }
                    continuation.finish()
                }
                let counted = stream.map { chunk, sent in
                    progress(sent, total)
                    return chunk
                }
                request.body = .stream(counted, length: .known(Int64(total)))
            } else {
                request.body = .bytes(ByteBuffer(data: body))
            }
        }
        do {
            try Task.checkCancellation()
            let seconds = Int64(timeout.components.seconds)
            let response = try await http.execute(request, timeout: .seconds(max(1, seconds)))
            let buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
            return (Int(response.status.code), Data(buffer: buffer))
        } catch is CancellationError {
            throw APIError.cancelled
        } catch let error as HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout { throw APIError.timeout }
            if error == .cancelled { throw APIError.cancelled }
            throw APIError.transport(String(describing: error))
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.transport(String(describing: error))
        }
    }
}
