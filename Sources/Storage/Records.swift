import Foundation
import Models

/// A user row as the server needs it: the public `User` plus the secrets and lifecycle fields.
public struct UserRecord: Sendable, Equatable {
    public var user: User
    public var passwordHash: String?
    public var deletedAt: Date?

    public var id: UUID { user.id }
    public var isActive: Bool { deletedAt == nil && !user.isLocked }

    public init(user: User, passwordHash: String?, deletedAt: Date? = nil) {
        self.user = user
        self.passwordHash = passwordHash
        self.deletedAt = deletedAt
    }
}

/// A sign-in session: one refresh-token chain and the access tokens minted from it.
public struct SessionRecord: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    public var userAgent: String?
    public var ip: String?
    public var createdAt: Date
    public var lastUsedAt: Date
    public var expiresAt: Date
    public var revokedAt: Date?
    public var revokedReason: String?
    /// A name for the device: given at sign-in (`X-Device-Name`) or derived from the user agent.
    public var deviceName: String?

    public init(
        id: UUID, userID: UUID, userAgent: String?, ip: String?, createdAt: Date, lastUsedAt: Date,
        expiresAt: Date, revokedAt: Date? = nil, revokedReason: String? = nil, deviceName: String? = nil
    ) {
        self.deviceName = deviceName
        self.id = id
        self.userID = userID
        self.userAgent = userAgent
        self.ip = ip
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.revokedReason = revokedReason
    }

    public func isUsable(at now: Date) -> Bool { revokedAt == nil && expiresAt > now }
}

/// What presenting a refresh token led to.
public enum RefreshOutcome: Sendable, Equatable {
    /// The token was current: it is now rotated and `newTokenHash` is stored in its place.
    case rotated(session: SessionRecord, user: UserRecord)
    /// The token had been rotated before: the whole session is now revoked.
    case reused(session: SessionRecord)
    /// Unknown token, or its session is revoked or expired, or its user is gone or locked.
    case invalid
}

/// Fields that may change on a user.
public struct UserChanges: Sendable, Equatable {
    public var name: String??
    public var email: String??
    public var phoneNumber: String??
    public var monthlyIncome: Double??

    public init(name: String?? = nil, email: String?? = nil, phoneNumber: String?? = nil, monthlyIncome: Double?? = nil) {
        self.name = name
        self.email = email
        self.phoneNumber = phoneNumber
        self.monthlyIncome = monthlyIncome
    }
}
