import Foundation

/// Roles, ordered by privilege: `user < operator < admin`.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    case user
    case `operator`
    case admin

    var rank: Int {
        switch self {
        case .user: 0
        case .operator: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// A user as the API shows it to that user or to an admin.
public struct User: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var email: String?
    public var name: String?
    public var phoneNumber: String?
    public var monthlyIncome: Double?
    public var role: Role
    public var isLocked: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, email: String?, name: String? = nil, phoneNumber: String? = nil, monthlyIncome: Double? = nil,
        role: Role, isLocked: Bool = false, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.phoneNumber = phoneNumber
        self.monthlyIncome = monthlyIncome
        self.role = role
        self.isLocked = isLocked
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id = "user_id"
        case email, name, role
        case phoneNumber = "phone_number"
        case monthlyIncome = "monthly_income"
        case isLocked = "is_locked"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// `PUT /api/v1/users/me`: every field is optional; only the fields present change.
public struct UpdateUserRequest: Codable, Sendable, Equatable {
    public var name: String?
    public var email: String?
    public var phoneNumber: String?
    public var monthlyIncome: Double?

    /// Fields the body set to `null` explicitly (absent fields are left alone; `null` asks to clear).
    public var clearedFields: Set<String> = []

    public init(name: String? = nil, email: String? = nil, phoneNumber: String? = nil, monthlyIncome: Double? = nil) {
        self.name = name
        self.email = email
        self.phoneNumber = phoneNumber
        self.monthlyIncome = monthlyIncome
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        phoneNumber = try container.decodeIfPresent(String.self, forKey: .phoneNumber)
        monthlyIncome = try container.decodeIfPresent(Double.self, forKey: .monthlyIncome)
        for key in [CodingKeys.name, .email, .phoneNumber, .monthlyIncome] where container.contains(key) {
            if try container.decodeNil(forKey: key) { clearedFields.insert(key.rawValue) }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(email, forKey: .email)
        try container.encodeIfPresent(phoneNumber, forKey: .phoneNumber)
        try container.encodeIfPresent(monthlyIncome, forKey: .monthlyIncome)
    }

    enum CodingKeys: String, CodingKey {
        case name, email
        case phoneNumber = "phone_number"
        case monthlyIncome = "monthly_income"
    }
}

/// `PUT /api/v1/operator/admin/users/{user_id}/role`.
public struct RoleChangeRequest: Codable, Sendable, Equatable {
    public var role: Role
    public init(role: Role) { self.role = role }
}
