import Foundation

/// One row of the operator review queue: the recommendation, who it is for, and the version to decide on.
public struct ReviewItem: Codable, Sendable, Equatable, Identifiable {
    public var recommendation: Recommendation
    public var userName: String?
    /// Masked for operators (`j***@example.com`), full for admins.
    public var userEmail: String?

    public var id: UUID { recommendation.id }

    public init(recommendation: Recommendation, userName: String?, userEmail: String?) {
        self.recommendation = recommendation
        self.userName = userName
        self.userEmail = userEmail
    }

    enum CodingKeys: String, CodingKey {
        case recommendation
        case userName = "user_name"
        case userEmail = "user_email"
    }
}

public enum ReviewAction: String, Codable, Sendable, CaseIterable {
    case approve, reject, modify
}

/// One decision in a recommendation's history.
public struct ReviewDecision: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var recommendationID: UUID
    public var actorID: UUID
    public var actorEmail: String?
    public var action: ReviewAction
    public var note: String?
    public var reasonCode: String?
    public var reason: String?
    /// For modifications: the fields before and after.
    public var before: [String: String]?
    public var after: [String: String]?
    public var versionAfter: Int
    public var at: Date

    public init(
        id: UUID, recommendationID: UUID, actorID: UUID, actorEmail: String?, action: ReviewAction, note: String?, reasonCode: String?,
        reason: String?, before: [String: String]?, after: [String: String]?, versionAfter: Int, at: Date
    ) {
        self.id = id
        self.recommendationID = recommendationID
        self.actorID = actorID
        self.actorEmail = actorEmail
        self.action = action
        self.note = note
        self.reasonCode = reasonCode
        self.reason = reason
        self.before = before
        self.after = after
        self.versionAfter = versionAfter
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case action, note, reason, before, after, at
        case id = "decision_id"
        case recommendationID = "recommendation_id"
        case actorID = "actor_id"
        case actorEmail = "actor_email"
        case reasonCode = "reason_code"
        case versionAfter = "version_after"
    }
}

/// `GET /api/v1/operator/review/{id}`.
public struct ReviewDetail: Codable, Sendable, Equatable {
    public var item: ReviewItem
    public var persona: PersonaSummary?
    public var keySignals: [String: String]
    public var history: [ReviewDecision]

    public init(item: ReviewItem, persona: PersonaSummary?, keySignals: [String: String], history: [ReviewDecision]) {
        self.item = item
        self.persona = persona
        self.keySignals = keySignals
        self.history = history
    }

    enum CodingKeys: String, CodingKey {
        case item, persona, history
        case keySignals = "key_signals"
    }
}

/// Body of approve (`note`), reject (`reason_code`, `reason`) and modify (`title`, `content`, `rationale`, `note`).
/// `version` may instead come in an `If-Match` header.
public struct ReviewDecisionRequest: Codable, Sendable, Equatable {
    public var version: Int?
    public var note: String?
    public var reasonCode: String?
    public var reason: String?
    public var title: String?
    public var content: String?
    public var rationale: String?

    public init(version: Int? = nil, note: String? = nil, reasonCode: String? = nil, reason: String? = nil, title: String? = nil, content: String? = nil, rationale: String? = nil) {
        self.version = version
        self.note = note
        self.reasonCode = reasonCode
        self.reason = reason
        self.title = title
        self.content = content
        self.rationale = rationale
    }

    enum CodingKeys: String, CodingKey {
        case version, note, reason, title, content, rationale
        case reasonCode = "reason_code"
    }
}

/// Reason codes a rejection must give.
public enum RejectionReason: String, Codable, Sendable, CaseIterable {
    case notRelevant = "not_relevant"
    case inaccurate
    case toneIssue = "tone_issue"
    case eligibilityConcern = "eligibility_concern"
    case duplicate
    case complianceRisk = "compliance_risk"
    case other
}

/// `POST /api/v1/operator/review/bulk`.
public struct BulkReviewRequest: Codable, Sendable, Equatable {
    public var action: ReviewAction
    public var recommendationIDs: [UUID]
    public var reasonCode: String?
    public var reason: String?
    public var note: String?

    public init(action: ReviewAction, recommendationIDs: [UUID], reasonCode: String? = nil, reason: String? = nil, note: String? = nil) {
        self.action = action
        self.recommendationIDs = recommendationIDs
        self.reasonCode = reasonCode
        self.reason = reason
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case action, reason, note
        case recommendationIDs = "recommendation_ids"
        case reasonCode = "reason_code"
    }
}

public struct BulkItemResult: Codable, Sendable, Equatable {
    /// approved, rejected, conflict, not_found, forbidden
    public var recommendationID: UUID
    public var result: String
    public var detail: String?

    public init(recommendationID: UUID, result: String, detail: String? = nil) {
        self.recommendationID = recommendationID
        self.result = result
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case result, detail
        case recommendationID = "recommendation_id"
    }
}

public struct BulkReviewResult: Codable, Sendable, Equatable {
    public var results: [BulkItemResult]
    public var totals: [String: Int]

    public init(results: [BulkItemResult]) {
        self.results = results
        self.totals = Dictionary(grouping: results, by: \.result).mapValues(\.count)
    }
}

/// A row of the operator's user list.
public struct OperatorUserRow: Codable, Sendable, Equatable {
    public var user: User
    public var persona: PersonaID?
    public var consentGranted: Bool

    public init(user: User, persona: PersonaID?, consentGranted: Bool) {
        self.user = user
        self.persona = persona
        self.consentGranted = consentGranted
    }

    enum CodingKeys: String, CodingKey {
        case user, persona
        case consentGranted = "consent_granted"
    }
}

/// `GET /api/v1/operator/users/{user_id}`.
public struct OperatorUserDetail: Codable, Sendable, Equatable {
    public var user: User
    public var consent: ConsentStatus
    public var persona: PersonaSummary?
    public var recentUploads: [Upload]
    public var pendingRecommendations: Int

    public init(user: User, consent: ConsentStatus, persona: PersonaSummary?, recentUploads: [Upload], pendingRecommendations: Int) {
        self.user = user
        self.consent = consent
        self.persona = persona
        self.recentUploads = recentUploads
        self.pendingRecommendations = pendingRecommendations
    }

    enum CodingKeys: String, CodingKey {
        case user, consent, persona
        case recentUploads = "recent_uploads"
        case pendingRecommendations = "pending_recommendations"
    }
}
