import Foundation
import Models
import NIOHTTP1

/// Filters and order of the operator review queue (`GET /api/v1/operator/review`).
public struct ReviewQueueQuery: Sendable, Equatable {
    /// Sortable columns, as the server names them.
    public enum SortField: String, Sendable, CaseIterable {
        case createdAt = "created_at", type, persona, user, status
    }

    public var status: RecommendationStatus?
    public var type: RecommendationType?
    public var persona: PersonaID?
    public var userID: UUID?
    public var createdFrom: Day?
    public var createdTo: Day?
    /// Free text matched against title, content and the user's name or email.
    public var text: String?
    public var sort: SortField
    public var descending: Bool
    public var skip: Int
    public var limit: Int

    public init(
        status: RecommendationStatus? = .pending, type: RecommendationType? = nil, persona: PersonaID? = nil, userID: UUID? = nil,
        createdFrom: Day? = nil, createdTo: Day? = nil, text: String? = nil, sort: SortField = .createdAt, descending: Bool = true,
        skip: Int = 0, limit: Int = 50
    ) {
        self.status = status
        self.type = type
        self.persona = persona
        self.userID = userID
        self.createdFrom = createdFrom
        self.createdTo = createdTo
        self.text = text
        self.sort = sort
        self.descending = descending
        self.skip = skip
        self.limit = limit
    }

    var parameters: [String: String] {
        var query = ["skip": String(skip), "limit": String(limit), "sort": (descending ? "-" : "") + sort.rawValue]
        query["status"] = status?.rawValue
        query["type"] = type?.rawValue
        query["persona"] = persona?.rawValue
        query["user_id"] = userID.map { $0.uuidString.lowercased() }
        query["created_from"] = createdFrom?.description
        query["created_to"] = createdTo?.description
        if let text, !text.isEmpty { query["q"] = text }
        return query
    }
}

/// Filters of a transaction listing.
public struct TransactionQuery: Sendable, Equatable {
    public var from: Day?
    public var to: Day?
    public var accountID: String?
    public var category: String?
    public var skip: Int
    public var limit: Int

    public init(from: Day? = nil, to: Day? = nil, accountID: String? = nil, category: String? = nil, skip: Int = 0, limit: Int = 100) {
        self.from = from
        self.to = to
        self.accountID = accountID
        self.category = category
        self.skip = skip
        self.limit = limit
    }

    var parameters: [String: String] {
        var query = ["skip": String(skip), "limit": String(limit)]
        query["from"] = from?.description
        query["to"] = to?.description
        query["account_id"] = accountID
        query["category"] = category
        return query
    }
}

/// Filters of the audit log.
public struct AuditQuery: Sendable, Equatable {
    public var actorID: UUID?
    public var action: String?
    public var outcome: String?
    public var targetID: String?
    public var from: Day?
    public var to: Day?
    public var skip: Int
    public var limit: Int

    public init(
        actorID: UUID? = nil, action: String? = nil, outcome: String? = nil, targetID: String? = nil, from: Day? = nil, to: Day? = nil,
        skip: Int = 0, limit: Int = 100
    ) {
        self.actorID = actorID
        self.action = action
        self.outcome = outcome
        self.targetID = targetID
        self.from = from
        self.to = to
        self.skip = skip
        self.limit = limit
    }

    var parameters: [String: String] {
        var query = ["skip": String(skip), "limit": String(limit)]
        query["actor_id"] = actorID.map { $0.uuidString.lowercased() }
        query["action"] = action
        query["outcome"] = outcome
        query["target_id"] = targetID
        query["from"] = from?.description
        query["to"] = to?.description
        return query
    }
}

/// The answer to `POST /operator/users/{id}/generate-recommendations`.
public struct GenerationJob: Codable, Sendable, Equatable {
    public var jobID: String
    public var status: String

    enum CodingKeys: String, CodingKey {
        case status
        case jobID = "job_id"
    }
}

private func id(_ value: UUID) -> String { value.uuidString.lowercased() }

private func range(_ from: Day?, _ to: Day?) -> [String: String] {
    var query: [String: String] = [:]
    query["from"] = from?.description
    query["to"] = to?.description
    return query
}

extension APIClient {
    // MARK: - Users

    public func me() async throws -> User {
        try await send(.GET, "/api/v1/users/me")
    }

    public func updateMe(_ changes: UpdateUserRequest) async throws -> User {
        try await send(.PUT, "/api/v1/users/me", body: changes)
    }

    public func deleteMe() async throws {
        try await sendEmpty(.DELETE, "/api/v1/users/me")
        await tokens.set(nil)
    }

    // MARK: - Sessions and devices

    /// Your signed-in devices, most recently used first.
    public func sessions() async throws -> [SessionInfo] {
        try await send(.GET, "/api/v1/auth/sessions")
    }

    /// Ends one of your sessions (ending this one signs this client out).
    public func endSession(_ sessionID: UUID) async throws {
        try await sendEmpty(.DELETE, "/api/v1/auth/sessions/\(id(sessionID))")
    }

    /// Logs out everywhere, this client included.
    @discardableResult
    public func logoutEverywhere() async throws -> LogoutAllResult {
        let result: LogoutAllResult = try await send(.POST, "/api/v1/auth/logout-all")
        await tokens.set(nil)
        return result
    }

    // MARK: - Phone sign-in

    /// Texts a 6-digit code to `phone` (E.164; a resend replaces the previous code).
    @discardableResult
    public func requestPhoneCode(_ phone: String) async throws -> PhoneCodeSent {
        try await send(.POST, "/api/v1/auth/phone/request", body: PhoneRequest(phone: phone), authenticated: false)
    }

    /// Signs in with the texted code (creating the account on first use). Throws `APIError.mfaRequired` for an
    /// account with an authenticator.
    @discardableResult
    public func verifyPhoneCode(_ phone: String, code: String) async throws -> AuthResponse {
        let data = try await perform(
            .POST, "/api/v1/auth/phone/verify", query: [:], body: try JSONEncoder.spendSense.encode(PhoneVerifyRequest(phone: phone, code: code)),
            contentType: "application/json", authenticated: false)
        return try await signedIn(data)
    }

    // MARK: - OAuth (device flow), linking, password reset

    /// The providers this server offers (empty when none are configured).
    public func oauthProviders() async throws -> [OAuthProviderID] {
        let answer: OAuthProviders = try await send(.GET, "/api/v1/auth/oauth/providers", authenticated: false)
        return answer.providers
    }

    /// Starts a console sign-in: a URL to open in any browser, and a handle for `pollSignIn`.
    public func startDeviceSignIn(_ provider: OAuthProviderID, deviceName: String? = nil) async throws -> OAuthStart {
        let data = try await perform(
            .POST, "/api/v1/auth/oauth/\(provider.rawValue)/device", query: [:], body: nil, contentType: nil, authenticated: false,
            extraHeaders: deviceName.map { ["X-Device-Name": $0] } ?? [:])
        return try decode(data)
    }

    /// Asks whether the browser side is done: `nil` while waiting, the tokens (stored) once it is. Throws
    /// `APIError.mfaRequired` for an account with an authenticator, and the server's error when it failed or expired.
    public func pollSignIn(_ handle: String) async throws -> AuthResponse? {
        let data = try await perform(
            .POST, "/api/v1/auth/oauth/poll", query: [:], body: try JSONEncoder.spendSense.encode(OAuthPollRequest(pollHandle: handle)),
            contentType: "application/json", authenticated: false)
        if (try? JSONDecoder.spendSense.decode(OAuthPending.self, from: data)) != nil { return nil }
        return try await signedIn(data)
    }

    /// Starts linking a provider to this account; open the URL, then `pollLink`.
    public func startLink(_ provider: OAuthProviderID) async throws -> OAuthStart {
        try await send(.POST, "/api/v1/auth/oauth/link", body: OAuthLinkRequest(provider: provider))
    }

    /// `nil` while the browser side is not done; the link (and any merge) once it is.
    public func pollLink(_ handle: String) async throws -> LinkResult? {
        let data = try await perform(
            .POST, "/api/v1/auth/oauth/poll", query: [:], body: try JSONEncoder.spendSense.encode(OAuthPollRequest(pollHandle: handle)),
            contentType: "application/json", authenticated: false)
        if (try? JSONDecoder.spendSense.decode(OAuthPending.self, from: data)) != nil { return nil }
        return try decode(data)
    }

    /// Links a phone number with a code from `requestPhoneCode`.
    public func linkPhone(_ phone: String, code: String) async throws -> LinkResult {
        try await send(.POST, "/api/v1/auth/phone/link", body: PhoneVerifyRequest(phone: phone, code: code))
    }

    public func unlink(_ provider: OAuthProviderID) async throws -> SignInMethods {
        try await send(.DELETE, "/api/v1/auth/oauth/unlink/\(provider.rawValue)")
    }

    public func unlinkPhone() async throws -> SignInMethods {
        try await send(.DELETE, "/api/v1/auth/phone/unlink")
    }

    /// Password, phone, linked providers, authenticator.
    public func signInMethods() async throws -> SignInMethods {
        try await send(.GET, "/api/v1/auth/methods")
    }

    /// Emails a reset token if the address has an account (the answer is the same either way).
    @discardableResult
    public func forgotPassword(email: String) async throws -> Acknowledgement {
        try await send(.POST, "/api/v1/auth/forgot-password", body: ForgotPasswordRequest(email: email), authenticated: false)
    }

    /// Sets a new password with an emailed token; every session of the account ends.
    @discardableResult
    public func resetPassword(token: String, password: String) async throws -> Acknowledgement {
        try await send(.POST, "/api/v1/auth/reset-password", body: ResetPasswordRequest(token: token, password: password), authenticated: false)
    }

    // MARK: - Second factor

    public func mfaStatus() async throws -> MFAStatus {
        try await send(.GET, "/api/v1/auth/mfa")
    }

    /// Starts authenticator enrollment: a secret and an `otpauth://` URI to show.
    public func enrollTOTP() async throws -> TOTPEnrollment {
        try await send(.POST, "/api/v1/auth/mfa/totp/enroll")
    }

    public func confirmTOTP(code: String) async throws -> MFAStatus {
        try await send(.POST, "/api/v1/auth/mfa/totp/confirm", body: MFACodeRequest(code: code))
    }

    public func disableTOTP(code: String) async throws {
        try await sendEmpty(.DELETE, "/api/v1/auth/mfa/totp", body: MFACodeRequest(code: code))
    }

    // MARK: - Consent

    public func consent() async throws -> ConsentStatus {
        try await send(.GET, "/api/v1/consent")
    }

    public func grantConsent(version: String = "1.0") async throws -> ConsentStatus {
        try await send(.POST, "/api/v1/consent", body: ConsentRequest(consentVersion: version, tosAccepted: true))
    }

    /// Revokes consent; with `deleteData` the user's uploads, financial data and recommendations go too.
    public func revokeConsent(deleteData: Bool) async throws -> ConsentRevokeResult {
        try await send(.DELETE, "/api/v1/consent", body: ConsentRevokeRequest(deleteData: deleteData))
    }

    // MARK: - Uploads

    /// Uploads a JSON or CSV file (≤ 10 MB). Operators may upload for a consenting user with `userID`.
    /// `progress` is called with the bytes handed to the connection so far and the total.
    public func upload(
        fileName: String, data: Data, userID: UUID? = nil, progress: (@Sendable (_ sent: Int, _ total: Int) -> Void)? = nil
    ) async throws -> Upload {
        let boundary = "spendsense-\(UUID().uuidString)"
        var body = Data()
        func append(_ text: String) { body.append(Data(text.utf8)) }
        if let userID {
            append("--\(boundary)\r\nContent-Disposition: form-data; name=\"user_id\"\r\n\r\n\(id(userID))\r\n")
        }
        let safeName = fileName.replacingOccurrences(of: "\"", with: "_")
        let type = fileName.lowercased().hasSuffix(".json") ? "application/json" : "text/csv"
        append("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(safeName)\"\r\nContent-Type: \(type)\r\n\r\n")
        body.append(data)
        append("\r\n--\(boundary)--\r\n")
        let response = try await perform(
            .POST, "/api/v1/data/upload", query: [:], body: body, contentType: "multipart/form-data; boundary=\(boundary)",
            authenticated: true, progress: progress)
        return try decode(response)
    }

    public func upload(id uploadID: UUID) async throws -> Upload {
        try await send(.GET, "/api/v1/data/upload/\(id(uploadID))")
    }

    public func uploads(userID: UUID? = nil, skip: Int = 0, limit: Int = 50) async throws -> Page<Upload> {
        var query = ["skip": String(skip), "limit": String(limit)]
        query["user_id"] = userID.map(id)
        return try await send(.GET, "/api/v1/data/uploads", query: query)
    }

    // MARK: - Profile and insights (the user, or staff for a consenting user)

    public func profile(userID: UUID) async throws -> Profile {
        try await send(.GET, "/api/v1/users/\(id(userID))/profile")
    }

    public func signals(userID: UUID) async throws -> SignalReport {
        try await send(.GET, "/api/v1/users/\(id(userID))/signals")
    }

    public func persona(userID: UUID) async throws -> PersonaSummary {
        try await send(.GET, "/api/v1/users/\(id(userID))/persona")
    }

    public func spendingCategories(userID: UUID, from: Day? = nil, to: Day? = nil) async throws -> SpendingBreakdown {
        try await send(.GET, "/api/v1/users/\(id(userID))/spending-categories", query: range(from, to))
    }

    public func personaHistory(userID: UUID, skip: Int = 0, limit: Int = 50) async throws -> Page<PersonaHistoryEntry> {
        try await send(.GET, "/api/v1/users/\(id(userID))/persona-history", query: ["skip": String(skip), "limit": String(limit)])
    }

    public func transactions(userID: UUID, _ filter: TransactionQuery = TransactionQuery()) async throws -> Page<Transaction> {
        try await send(.GET, "/api/v1/users/\(id(userID))/transactions", query: filter.parameters)
    }

    public func recommendations(
        userID: UUID, status: RecommendationStatus? = nil, skip: Int = 0, limit: Int = 50
    ) async throws -> Page<Recommendation> {
        var query = ["skip": String(skip), "limit": String(limit)]
        query["status"] = status?.rawValue
        return try await send(.GET, "/api/v1/users/\(id(userID))/recommendations", query: query)
    }

    // MARK: - My recommendations

    public func myRecommendations(skip: Int = 0, limit: Int = 50) async throws -> Page<Recommendation> {
        try await send(.GET, "/api/v1/recommendations", query: ["skip": String(skip), "limit": String(limit)])
    }

    public func recommendation(id recommendationID: UUID) async throws -> Recommendation {
        try await send(.GET, "/api/v1/recommendations/\(id(recommendationID))")
    }

    public func feedback(recommendationID: UUID, _ feedback: FeedbackRequest) async throws -> Feedback {
        try await send(.POST, "/api/v1/recommendations/\(id(recommendationID))/feedback", body: feedback)
    }

    // MARK: - Operator review

    public func reviewQueue(_ query: ReviewQueueQuery = ReviewQueueQuery()) async throws -> Page<ReviewItem> {
        try await send(.GET, "/api/v1/operator/review", query: query.parameters)
    }

    public func reviewDetail(id recommendationID: UUID) async throws -> ReviewDetail {
        try await send(.GET, "/api/v1/operator/review/\(id(recommendationID))")
    }

    /// Approves; pass the `version` you saw so a decision made meanwhile by someone else answers 409.
    public func approve(_ recommendationID: UUID, version: Int? = nil, note: String? = nil) async throws -> Recommendation {
        try await send(
            .POST, "/api/v1/operator/review/\(id(recommendationID))/approve", body: ReviewDecisionRequest(version: version, note: note))
    }

    /// Rejects with a reason code (required) and text.
    public func reject(
        _ recommendationID: UUID, reasonCode: RejectionReason, reason: String, version: Int? = nil
    ) async throws -> Recommendation {
        try await send(
            .POST, "/api/v1/operator/review/\(id(recommendationID))/reject",
            body: ReviewDecisionRequest(version: version, reasonCode: reasonCode.rawValue, reason: reason))
    }

    /// Edits title, content or rationale (each optional) before approval.
    public func modify(_ recommendationID: UUID, _ changes: ReviewDecisionRequest) async throws -> Recommendation {
        try await send(.PUT, "/api/v1/operator/review/\(id(recommendationID))", body: changes)
    }

    public func bulkReview(_ request: BulkReviewRequest) async throws -> BulkReviewResult {
        try await send(.POST, "/api/v1/operator/review/bulk", body: request)
    }

    // MARK: - Operator users

    public func operatorUsers(query text: String? = nil, persona: PersonaID? = nil, skip: Int = 0, limit: Int = 50) async throws -> Page<OperatorUserRow> {
        var query = ["skip": String(skip), "limit": String(limit)]
        if let text, !text.isEmpty { query["q"] = text }
        query["persona"] = persona?.rawValue
        return try await send(.GET, "/api/v1/operator/users", query: query)
    }

    public func operatorUser(id userID: UUID) async throws -> OperatorUserDetail {
        try await send(.GET, "/api/v1/operator/users/\(id(userID))")
    }

    public func operatorAccounts(userID: UUID) async throws -> [Account] {
        try await send(.GET, "/api/v1/operator/users/\(id(userID))/accounts")
    }

    public func operatorTransactions(userID: UUID, _ filter: TransactionQuery = TransactionQuery()) async throws -> Page<Transaction> {
        try await send(.GET, "/api/v1/operator/users/\(id(userID))/transactions", query: filter.parameters)
    }

    public func operatorLiabilities(userID: UUID) async throws -> Liabilities {
        try await send(.GET, "/api/v1/operator/users/\(id(userID))/liabilities")
    }

    public func generateRecommendations(userID: UUID) async throws -> GenerationJob {
        try await send(.POST, "/api/v1/operator/users/\(id(userID))/generate-recommendations")
    }

    public func audit(_ query: AuditQuery = AuditQuery()) async throws -> Page<AuditEntry> {
        try await send(.GET, "/api/v1/operator/audit", query: query.parameters)
    }

    // MARK: - Analytics

    public func analytics(from: Day? = nil, to: Day? = nil) async throws -> AnalyticsReport {
        try await send(.GET, "/api/v1/operator/analytics", query: range(from, to))
    }

    public func coverage(from: Day? = nil, to: Day? = nil) async throws -> CoverageAnalytics {
        try await send(.GET, "/api/v1/operator/analytics/coverage", query: range(from, to))
    }

    public func explainability(from: Day? = nil, to: Day? = nil) async throws -> ExplainabilityAnalytics {
        try await send(.GET, "/api/v1/operator/analytics/explainability", query: range(from, to))
    }

    public func performance(from: Day? = nil, to: Day? = nil) async throws -> PerformanceAnalytics {
        try await send(.GET, "/api/v1/operator/analytics/performance", query: range(from, to))
    }

    public func engagement(from: Day? = nil, to: Day? = nil) async throws -> EngagementAnalytics {
        try await send(.GET, "/api/v1/operator/analytics/engagement", query: range(from, to))
    }

    /// The analytics report as a CSV file's bytes.
    public func analyticsCSV(from: Day? = nil, to: Day? = nil) async throws -> Data {
        var query = range(from, to)
        query["format"] = "csv"
        return try await perform(.GET, "/api/v1/operator/analytics/export", query: query, body: nil, contentType: nil, authenticated: true)
    }

    // MARK: - Admin

    public func serverSettings() async throws -> ServerSettings {
        try await send(.GET, "/api/v1/operator/admin/settings")
    }

    public func updateServerSettings(_ settings: ServerSettings) async throws -> ServerSettings {
        try await send(.PUT, "/api/v1/operator/admin/settings", body: settings)
    }

    public func changeRole(userID: UUID, to role: Role) async throws -> User {
        try await send(.PUT, "/api/v1/operator/admin/users/\(id(userID))/role", body: RoleChangeRequest(role: role))
    }

    public func adminUsers(query text: String? = nil, role: Role? = nil, skip: Int = 0, limit: Int = 50) async throws -> Page<User> {
        var query = ["skip": String(skip), "limit": String(limit)]
        if let text, !text.isEmpty { query["q"] = text }
        query["role"] = role?.rawValue
        return try await send(.GET, "/api/v1/operator/admin/users", query: query)
    }

    public func lock(userID: UUID) async throws -> User {
        try await send(.POST, "/api/v1/operator/admin/users/\(id(userID))/lock")
    }

    public func unlock(userID: UUID) async throws -> User {
        try await send(.POST, "/api/v1/operator/admin/users/\(id(userID))/unlock")
    }

    // MARK: - System

    public func health() async throws -> HealthStatus {
        try await send(.GET, "/health", authenticated: false)
    }

    public func ready() async throws -> HealthStatus {
        try await send(.GET, "/ready", authenticated: false)
    }

    /// The Prometheus text of `/metrics`.
    public func metrics() async throws -> String {
        String(decoding: try await perform(.GET, "/metrics", query: [:], body: nil, contentType: nil, authenticated: false), as: UTF8.self)
    }

    private func decode<Response: Decodable>(_ data: Data) throws -> Response {
        do {
            return try JSONDecoder.spendSense.decode(Response.self, from: data)
        } catch {
            throw APIError.decoding(String(describing: error))
        }
    }
}
