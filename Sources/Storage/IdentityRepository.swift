import Foundation
import SQLKit

/// An account's identity at an OAuth provider (`subject` is the provider's stable user id).
public struct OAuthIdentityRecord: Sendable, Equatable {
    public var provider: String
    public var subject: String
    public var userID: UUID
    public var email: String?
    public var createdAt: Date
}

/// A sign-in method that can be taken off an account.
public enum SignInMethodKind: Sendable, Equatable {
    case oauth(provider: String)
    case phone
}

public enum RemoveMethodOutcome: Sendable, Equatable {
    case removed
    /// The account does not have that method.
    case missing
    /// It is the account's only way to sign in; nothing was changed.
    case lastMethod
}

/// What a merge moved and dropped, per kind of row.
public struct MergeCounts: Sendable, Equatable {
    public var moved: [String: Int] = [:]
    /// Rows of the merged account whose counterpart already existed on the surviving one.
    public var skipped: [String: Int] = [:]
}

/// OAuth identities, removing sign-in methods, and merging one account into another.
///
/// ```swift
/// let identities: any IdentityRepository = SQLIdentityRepository(database: db)
/// let counts = try await identities.merge(from: duplicate, into: current, now: .now)
/// ```
public protocol IdentityRepository: Sendable {
    func find(provider: String, subject: String) async throws -> OAuthIdentityRecord?
    /// The account's identities, oldest first.
    func list(userID: UUID) async throws -> [OAuthIdentityRecord]
    /// Attaches an identity. `StorageError.conflict("oauth_identities_user")` when the account already has a
    /// different identity at the provider, `.conflict("oauth_identities")` when another account holds this one.
    /// Linking an identity the account already has is a no-op.
    func link(userID: UUID, provider: String, subject: String, email: String?, now: Date) async throws
    /// Takes a method off the account unless it is the last one, atomically.
    func remove(_ method: SignInMethodKind, userID: UUID, now: Date) async throws -> RemoveMethodOutcome
    /// Moves every row of account `from` to account `into` and deletes `from` (its sessions end), in one
    /// transaction. The surviving account keeps what it has where both have a thing that can exist only once
    /// (a consent record, a snapshot, a provider identity, the same account or transaction id).
    /// `StorageError.notFound` when either account is missing.
    func merge(from: UUID, into: UUID, now: Date) async throws -> MergeCounts
}

public struct SQLIdentityRepository: IdentityRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    static func decode(_ row: any SQLRow) throws -> OAuthIdentityRecord {
        OAuthIdentityRecord(
            provider: try row.decode(column: "provider", as: String.self),
            subject: try row.decode(column: "subject", as: String.self),
            userID: try row.uuid("user_id"), email: try row.decode(column: "email", as: String?.self),
            createdAt: try row.date("created_at"))
    }

    public func find(provider: String, subject: String) async throws -> OAuthIdentityRecord? {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT i.provider, i.subject, i.user_id, i.email, i.created_at FROM oauth_identities i
                JOIN users u ON u.id = i.user_id AND u.deleted_at IS NULL
                WHERE i.provider = \(bind: provider) AND i.subject = \(bind: subject)
                """
            ).first().map(Self.decode)
        }
    }

    public func list(userID: UUID) async throws -> [OAuthIdentityRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT provider, subject, user_id, email, created_at FROM oauth_identities
                WHERE user_id = \(bind: userID.dbValue) ORDER BY created_at, provider
                """
            ).all().map(Self.decode)
        }
    }

    public func link(userID: UUID, provider: String, subject: String, email: String?, now: Date) async throws {
        try await database.transaction { sql in
            let existing = try await sql.raw(
                "SELECT user_id, subject FROM oauth_identities WHERE provider = \(bind: provider) AND (subject = \(bind: subject) OR user_id = \(bind: userID.dbValue))"
            ).all()
            for row in existing {
                let owner = try row.uuid("user_id")
                let held = try row.decode(column: "subject", as: String.self)
                if owner == userID && held == subject { return }
                if owner == userID { throw StorageError.conflict("oauth_identities_user") }
                throw StorageError.conflict("oauth_identities")
            }
            try await sql.raw(
                """
                INSERT INTO oauth_identities (provider, subject, user_id, email, created_at)
                VALUES (\(bind: provider), \(bind: subject), \(bind: userID.dbValue), \(bind: email), \(bind: now.dbValue))
                """
            ).run()
        }
    }

    public func remove(_ method: SignInMethodKind, userID: UUID, now: Date) async throws -> RemoveMethodOutcome {
        try await database.transaction { sql in
            guard
                let user = try await sql.raw(
                    "SELECT email, password_hash, phone_number FROM users WHERE id = \(bind: userID.dbValue) AND deleted_at IS NULL"
                ).first()
            else { throw StorageError.notFound }
            let hasPassword =
                try user.decode(column: "email", as: String?.self) != nil && user.decode(column: "password_hash", as: String?.self) != nil
            let hasPhone = try user.decode(column: "phone_number", as: String?.self) != nil
            let providers = try await sql.raw("SELECT provider FROM oauth_identities WHERE user_id = \(bind: userID.dbValue)")
                .all().map { try $0.decode(column: "provider", as: String.self) }
            let total = (hasPassword ? 1 : 0) + (hasPhone ? 1 : 0) + providers.count
            switch method {
            case .phone:
                guard hasPhone else { return .missing }
                guard total > 1 else { return .lastMethod }
                try await sql.raw(
                    "UPDATE users SET phone_number = NULL, updated_at = \(bind: now.dbValue) WHERE id = \(bind: userID.dbValue)"
                ).run()
            case .oauth(let provider):
                guard providers.contains(provider) else { return .missing }
                guard total > 1 else { return .lastMethod }
                try await sql.raw(
                    "DELETE FROM oauth_identities WHERE user_id = \(bind: userID.dbValue) AND provider = \(bind: provider)"
                ).run()
            }
            return .removed
        }
    }

    public func merge(from source: UUID, into target: UUID, now: Date) async throws -> MergeCounts {
        guard source != target else { return MergeCounts() }
        return try await database.transaction { sql in
            let from = source.dbValue
            let into = target.dbValue
            let accounts = try await sql.raw(
                """
                SELECT id, email, password_hash, phone_number FROM users
                WHERE id IN (\(bind: from), \(bind: into)) AND deleted_at IS NULL
                """
            ).all()
            guard accounts.count == 2,
                let sourceRow = try accounts.first(where: { try $0.uuid("id") == source }),
                let targetRow = try accounts.first(where: { try $0.uuid("id") == target })
            else { throw StorageError.notFound }
            var counts = MergeCounts()

            func count(_ query: SQLQueryString) async throws -> Int { try await sql.raw(query).all().count }
            func move(_ kind: String, _ query: SQLQueryString) async throws {
                let moved = try await count(query)
                if moved > 0 { counts.moved[kind, default: 0] += moved }
            }
            func drop(_ kind: String, _ table: String) async throws {
                let dropped = try await count("DELETE FROM \(unsafeRaw: table) WHERE user_id = \(bind: from) RETURNING user_id")
                if dropped > 0 { counts.skipped[kind, default: 0] += dropped }
            }
            /// Moves the rows that do not clash with the surviving account's (`key` columns), drops the rest.
            func moveUnique(_ kind: String, _ table: String, key: [String]) async throws {
                let clash = key.map { "x.\($0) = \(table).\($0)" }.joined(separator: " AND ")
                let whereClash = clash.isEmpty ? "" : " AND \(clash)"
                try await move(
                    kind,
                    """
                    UPDATE \(unsafeRaw: table) SET user_id = \(bind: into) WHERE user_id = \(bind: from)
                    AND NOT EXISTS (SELECT 1 FROM \(unsafeRaw: table) x WHERE x.user_id = \(bind: into)\(unsafeRaw: whereClash))
                    RETURNING user_id
                    """)
                try await drop(kind, table)
            }

            // Uploads keep their idempotency keys unless the surviving account already used the same key.
            try await sql.raw(
                """
                UPDATE uploads SET idempotency_key = NULL WHERE user_id = \(bind: from) AND idempotency_key IN
                (SELECT idempotency_key FROM uploads WHERE user_id = \(bind: into) AND idempotency_key IS NOT NULL)
                """
            ).run()
            for (kind, table) in [
                ("uploads", "uploads"), ("jobs", "jobs"), ("persona_history", "persona_history"),
                ("recommendations", "recommendations"), ("recommendation_decisions", "recommendation_decisions"),
                ("consent_history", "consent_history"),
            ] {
                try await move(kind, "UPDATE \(unsafeRaw: table) SET user_id = \(bind: into) WHERE user_id = \(bind: from) RETURNING user_id")
            }
            try await moveUnique("feedback", "feedback", key: ["recommendation_id"])
            try await moveUnique("accounts", "fin_accounts", key: ["account_id"])
            try await moveUnique("transactions", "fin_transactions", key: ["transaction_id"])
            try await moveUnique("liabilities", "fin_liabilities", key: ["kind", "account_id"])
            try await moveUnique("signal_snapshot", "signal_snapshots", key: [])
            try await moveUnique("consent", "consents", key: [])
            try await moveUnique("oauth_identities", "oauth_identities", key: ["provider"])
            // A second factor stays with the account that set it up.
            try await drop("mfa_totp", "mfa_totp")

            // Sign-in details move where the surviving account has none; then the merged account goes.
            let sourceEmail = try sourceRow.decode(column: "email", as: String?.self)
            let sourceHash = try sourceRow.decode(column: "password_hash", as: String?.self)
            let sourcePhone = try sourceRow.decode(column: "phone_number", as: String?.self)
            try await sql.raw(
                """
                UPDATE users SET deleted_at = \(bind: now.dbValue), updated_at = \(bind: now.dbValue),
                    email = NULL, phone_number = NULL, password_hash = NULL
                WHERE id = \(bind: from)
                """
            ).run()
            let revoked = try await count(
                """
                UPDATE sessions SET revoked_at = \(bind: now.dbValue), revoked_reason = 'merged'
                WHERE user_id = \(bind: from) AND revoked_at IS NULL RETURNING id
                """)
            if revoked > 0 { counts.skipped["sessions", default: 0] += revoked }
            if let sourcePhone, try targetRow.decode(column: "phone_number", as: String?.self) == nil {
                try await sql.raw("UPDATE users SET phone_number = \(bind: sourcePhone) WHERE id = \(bind: into)").run()
                counts.moved["phone", default: 0] += 1
            }
            if let sourceEmail, try targetRow.decode(column: "email", as: String?.self) == nil {
                let hash = try targetRow.decode(column: "password_hash", as: String?.self) ?? sourceHash
                try await sql.raw(
                    "UPDATE users SET email = \(bind: sourceEmail), password_hash = \(bind: hash) WHERE id = \(bind: into)"
                ).run()
                counts.moved["email", default: 0] += 1
            }
            try await sql.raw("UPDATE users SET updated_at = \(bind: now.dbValue) WHERE id = \(bind: into)").run()
            return counts
        }
    }
}

/// Server-wide settings changed at run time (by an admin), as name/value text.
public protocol SettingsRepository: Sendable {
    func value(_ name: String) async throws -> String?
    func set(_ name: String, value: String, by actor: UUID?, now: Date) async throws
}

public struct SQLSettingsRepository: SettingsRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func value(_ name: String) async throws -> String? {
        try await database.withConnection { sql in
            try await sql.raw("SELECT value FROM server_settings WHERE name = \(bind: name)").first()?
                .decode(column: "value", as: String.self)
        }
    }

    public func set(_ name: String, value: String, by actor: UUID?, now: Date) async throws {
        try await database.write { sql in
            try await sql.raw(
                """
                INSERT INTO server_settings (name, value, updated_at, updated_by)
                VALUES (\(bind: name), \(bind: value), \(bind: now.dbValue), \(bind: actor?.dbValue))
                ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
                    updated_by = excluded.updated_by
                """
            ).run()
        }
    }
}
