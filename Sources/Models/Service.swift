import Foundation

// MARK: - Uploads

public enum UploadStatus: String, Codable, Sendable, CaseIterable {
    case pending, processing, completed, failed
}

/// An uploaded data file and what became of it.
public struct Upload: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var userID: UUID
    public var fileName: String
    public var fileSize: Int
    /// `json` or `csv`.
    public var fileType: String
    public var status: UploadStatus
    /// Validation problems (for `failed` uploads rejected on arrival) — empty otherwise.
    public var validationErrors: [ValidationIssue]
    /// Why processing failed, when it did.
    public var error: String?
    public var transactionCount: Int?
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?

    public init(
        id: UUID, userID: UUID, fileName: String, fileSize: Int, fileType: String, status: UploadStatus,
        validationErrors: [ValidationIssue] = [], error: String? = nil, transactionCount: Int? = nil, createdAt: Date,
        updatedAt: Date, completedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.fileName = fileName
        self.fileSize = fileSize
        self.fileType = fileType
        self.status = status
        self.validationErrors = validationErrors
        self.error = error
        self.transactionCount = transactionCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.completedAt = completedAt
    }

    enum CodingKeys: String, CodingKey {
        case status, error
        case id = "upload_id"
        case userID = "user_id"
        case fileName = "file_name"
        case fileSize = "file_size"
        case fileType = "file_type"
        case validationErrors = "validation_errors"
        case transactionCount = "transaction_count"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case completedAt = "completed_at"
    }
}

// MARK: - Consent

/// `POST /api/v1/consent`.
public struct ConsentRequest: Codable, Sendable, Equatable {
    public var consentVersion: String
    public var tosAccepted: Bool

    public init(consentVersion: String, tosAccepted: Bool) {
        self.consentVersion = consentVersion
        self.tosAccepted = tosAccepted
    }

    enum CodingKeys: String, CodingKey {
        case consentVersion = "consent_version"
        case tosAccepted = "tos_accepted"
    }
}

/// `DELETE /api/v1/consent`.
public struct ConsentRevokeRequest: Codable, Sendable, Equatable {
    public var deleteData: Bool
    public init(deleteData: Bool) { self.deleteData = deleteData }
    enum CodingKeys: String, CodingKey { case deleteData = "delete_data" }
}

public struct ConsentStatus: Codable, Sendable, Equatable {
    public var userID: UUID
    public var granted: Bool
    public var consentVersion: String?
    public var grantedAt: Date?
    public var revokedAt: Date?
    public var history: [ConsentEvent]

    public init(userID: UUID, granted: Bool, consentVersion: String?, grantedAt: Date?, revokedAt: Date?, history: [ConsentEvent]) {
        self.userID = userID
        self.granted = granted
        self.consentVersion = consentVersion
        self.grantedAt = grantedAt
        self.revokedAt = revokedAt
        self.history = history
    }

    enum CodingKeys: String, CodingKey {
        case granted, history
        case userID = "user_id"
        case consentVersion = "consent_version"
        case grantedAt = "granted_at"
        case revokedAt = "revoked_at"
    }
}

public struct ConsentEvent: Codable, Sendable, Equatable {
    /// `granted` or `revoked`.
    public var action: String
    public var consentVersion: String?
    public var deleteData: Bool
    public var at: Date

    public init(action: String, consentVersion: String?, deleteData: Bool, at: Date) {
        self.action = action
        self.consentVersion = consentVersion
        self.deleteData = deleteData
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case action, at
        case consentVersion = "consent_version"
        case deleteData = "delete_data"
    }
}

/// What `DELETE /api/v1/consent` with `delete_data: true` removed.
public struct DeletionSummary: Codable, Sendable, Equatable {
    public var uploads: Int
    public var blobs: Int
    public var accounts: Int
    public var transactions: Int
    public var liabilities: Int
    public var signalSnapshots: Int
    public var personaHistory: Int
    public var recommendations: Int
    public var jobs: Int

    public init(uploads: Int = 0, blobs: Int = 0, accounts: Int = 0, transactions: Int = 0, liabilities: Int = 0, signalSnapshots: Int = 0, personaHistory: Int = 0, recommendations: Int = 0, jobs: Int = 0) {
        self.uploads = uploads
        self.blobs = blobs
        self.accounts = accounts
        self.transactions = transactions
        self.liabilities = liabilities
        self.signalSnapshots = signalSnapshots
        self.personaHistory = personaHistory
        self.recommendations = recommendations
        self.jobs = jobs
    }

    enum CodingKeys: String, CodingKey {
        case uploads, blobs, accounts, transactions, liabilities, recommendations, jobs
        case signalSnapshots = "signal_snapshots"
        case personaHistory = "persona_history"
    }
}

public struct ConsentRevokeResult: Codable, Sendable, Equatable {
    public var consent: ConsentStatus
    public var deleted: DeletionSummary?

    public init(consent: ConsentStatus, deleted: DeletionSummary?) {
        self.consent = consent
        self.deleted = deleted
    }
}

// MARK: - Profile

public struct PersonaSummary: Codable, Sendable, Equatable {
    public var primary: PersonaID
    public var title: String
    public var matched: [PersonaID]
    public var evaluations: [PersonaMatch]
    public var asOf: Day

    public init(assignment: PersonaAssignment, asOf: Day) {
        self.primary = assignment.primary
        self.title = assignment.primary.title
        self.matched = assignment.matched
        self.evaluations = assignment.evaluations
        self.asOf = asOf
    }

    enum CodingKeys: String, CodingKey {
        case primary, title, matched, evaluations
        case asOf = "as_of"
    }
}

/// `GET /api/v1/users/{user_id}/profile`.
public struct Profile: Codable, Sendable, Equatable {
    public var userID: UUID
    public var persona: PersonaSummary?
    public var signals30d: WindowSignals?
    public var signals180d: WindowSignals?
    public var updatedAt: Date?

    public init(userID: UUID, persona: PersonaSummary?, signals30d: WindowSignals?, signals180d: WindowSignals?, updatedAt: Date?) {
        self.userID = userID
        self.persona = persona
        self.signals30d = signals30d
        self.signals180d = signals180d
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case persona
        case userID = "user_id"
        case signals30d = "signals_30d"
        case signals180d = "signals_180d"
        case updatedAt = "updated_at"
    }
}

public struct PersonaHistoryEntry: Codable, Sendable, Equatable {
    public var persona: PersonaID
    public var matched: [PersonaID]
    public var asOf: Day
    public var recordedAt: Date

    public init(persona: PersonaID, matched: [PersonaID], asOf: Day, recordedAt: Date) {
        self.persona = persona
        self.matched = matched
        self.asOf = asOf
        self.recordedAt = recordedAt
    }

    enum CodingKeys: String, CodingKey {
        case persona, matched
        case asOf = "as_of"
        case recordedAt = "recorded_at"
    }
}

public struct SpendingCategory: Codable, Sendable, Equatable {
    public var category: String
    public var total: Double
    public var count: Int
    /// Share (0…1) of all spending in the range.
    public var share: Double

    public init(category: String, total: Double, count: Int, share: Double) {
        self.category = category
        self.total = total
        self.count = count
        self.share = share
    }
}

public struct SpendingBreakdown: Codable, Sendable, Equatable {
    public var from: Day
    public var to: Day
    public var total: Double
    public var categories: [SpendingCategory]

    public init(from: Day, to: Day, total: Double, categories: [SpendingCategory]) {
        self.from = from
        self.to = to
        self.total = total
        self.categories = categories
    }
}

// MARK: - Recommendations

public enum RecommendationStatus: String, Codable, Sendable, CaseIterable {
    case pending, approved, rejected
}

/// A stored recommendation. `decisionTrace` is present for operators and admins only.
public struct Recommendation: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var userID: UUID
    public var type: RecommendationType
    public var catalogItemID: String
    public var title: String
    public var content: String
    public var rationale: String
    public var disclaimer: String
    public var status: RecommendationStatus
    public var persona: PersonaID
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var decisionTrace: DecisionTrace?

    public init(
        id: UUID, userID: UUID, type: RecommendationType, catalogItemID: String, title: String, content: String, rationale: String,
        disclaimer: String, status: RecommendationStatus, persona: PersonaID, version: Int, createdAt: Date, updatedAt: Date,
        decisionTrace: DecisionTrace?
    ) {
        self.id = id
        self.userID = userID
        self.type = type
        self.catalogItemID = catalogItemID
        self.title = title
        self.content = content
        self.rationale = rationale
        self.disclaimer = disclaimer
        self.status = status
        self.persona = persona
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.decisionTrace = decisionTrace
    }

    enum CodingKeys: String, CodingKey {
        case type, title, content, rationale, disclaimer, status, persona, version
        case id = "recommendation_id"
        case userID = "user_id"
        case catalogItemID = "catalog_item_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case decisionTrace = "decision_trace"
    }
}

/// `POST /api/v1/recommendations/{id}/feedback`.
public struct FeedbackRequest: Codable, Sendable, Equatable {
    public var rating: Int
    public var helpful: Bool?
    public var comment: String?

    public init(rating: Int, helpful: Bool? = nil, comment: String? = nil) {
        self.rating = rating
        self.helpful = helpful
        self.comment = comment
    }
}

public struct Feedback: Codable, Sendable, Equatable {
    public var recommendationID: UUID
    public var userID: UUID
    public var rating: Int
    public var helpful: Bool?
    public var comment: String?
    public var createdAt: Date

    public init(recommendationID: UUID, userID: UUID, rating: Int, helpful: Bool?, comment: String?, createdAt: Date) {
        self.recommendationID = recommendationID
        self.userID = userID
        self.rating = rating
        self.helpful = helpful
        self.comment = comment
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case rating, helpful, comment
        case recommendationID = "recommendation_id"
        case userID = "user_id"
        case createdAt = "created_at"
    }
}
