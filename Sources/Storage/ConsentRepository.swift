import Foundation
import Models
import SQLKit

/// Consent state per user with an append-only history of every change.
public protocol ConsentRepository: Sendable {
    func status(userID: UUID) async throws -> ConsentStatus
    /// True when the user has granted consent and not revoked it: the check every read of their data makes.
    func isGranted(userID: UUID) async throws -> Bool
    /// The subset of `userIDs` who currently consent.
    func consenting(_ userIDs: [UUID]) async throws -> Set<UUID>
    /// Every user who currently consents.
    func consentingUsers() async throws -> [UUID]
    func grant(userID: UUID, version: String, now: Date) async throws -> ConsentStatus
    func revoke(userID: UUID, deleteData: Bool, now: Date) async throws -> ConsentStatus
}

public struct SQLConsentRepository: ConsentRepository {
    let database: Database
    public init(database: Database) { self.database = database }

    public func status(userID: UUID) async throws -> ConsentStatus {
        try await database.withConnection { sql in
            let row = try await sql.raw(
                "SELECT granted, consent_version, granted_at, revoked_at FROM consents WHERE user_id = \(bind: userID.dbValue)").first()
            let history = try await sql.raw(
                "SELECT action, consent_version, delete_data, at FROM consent_history WHERE user_id = \(bind: userID.dbValue) ORDER BY at DESC, id"
            ).all().map { row in
                ConsentEvent(
                    action: try row.decode(column: "action", as: String.self), consentVersion: try row.decode(column: "consent_version", as: String?.self),
                    deleteData: try row.decode(column: "delete_data", as: Bool.self), at: try row.date("at"))
            }
            return ConsentStatus(
                userID: userID, granted: try row?.decode(column: "granted", as: Bool.self) ?? false,
                consentVersion: try row?.decode(column: "consent_version", as: String?.self),
                grantedAt: try row?.optionalDate("granted_at"), revokedAt: try row?.optionalDate("revoked_at"), history: history)
        }
    }

    public func isGranted(userID: UUID) async throws -> Bool {
        try await database.withConnection { sql in
            try await sql.raw("SELECT granted FROM consents WHERE user_id = \(bind: userID.dbValue)").first()?
                .decode(column: "granted", as: Bool.self) ?? false
        }
    }

    public func consenting(_ userIDs: [UUID]) async throws -> Set<UUID> {
        guard !userIDs.isEmpty else { return [] }
        return try await database.withConnection { sql in
            Set(try await sql.raw(
                "SELECT user_id FROM consents WHERE granted = \(bind: true) AND user_id IN (\(binds: userIDs.map { $0.dbValue }))"
            ).all().map { try $0.uuid("user_id") })
        }
    }

    public func consentingUsers() async throws -> [UUID] {
        try await database.withConnection { sql in
            try await sql.raw("SELECT user_id FROM consents WHERE granted = \(bind: true) ORDER BY user_id").all().map { try $0.uuid("user_id") }
        }
    }

    public func grant(userID: UUID, version: String, now: Date) async throws -> ConsentStatus {
        try await database.transaction { sql in
            try await sql.raw("DELETE FROM consents WHERE user_id = \(bind: userID.dbValue)").run()
            try await sql.raw(
                """
                INSERT INTO consents (user_id, granted, consent_version, granted_at, revoked_at, updated_at)
                VALUES (\(bind: userID.dbValue), \(bind: true), \(bind: version), \(bind: now.dbValue), NULL, \(bind: now.dbValue))
                """
            ).run()
            try await Self.history(sql, userID: userID, action: "granted", version: version, deleteData: false, now: now)
        }
        return try await status(userID: userID)
    }

    public func revoke(userID: UUID, deleteData: Bool, now: Date) async throws -> ConsentStatus {
        try await database.transaction { sql in
            let existing = try await sql.raw("SELECT consent_version, granted_at FROM consents WHERE user_id = \(bind: userID.dbValue)").first()
            let version = try existing?.decode(column: "consent_version", as: String?.self)
            let grantedAt = try existing?.optionalDate("granted_at")
            try await sql.raw("DELETE FROM consents WHERE user_id = \(bind: userID.dbValue)").run()
            try await sql.raw(
                """
                INSERT INTO consents (user_id, granted, consent_version, granted_at, revoked_at, updated_at)
                VALUES (\(bind: userID.dbValue), \(bind: false), \(bind: version), \(bind: grantedAt?.dbValue), \(bind: now.dbValue), \(bind: now.dbValue))
                """
            ).run()
            try await Self.history(sql, userID: userID, action: "revoked", version: version, deleteData: deleteData, now: now)
        }
        return try await status(userID: userID)
    }

    static func history(_ sql: any SQLDatabase, userID: UUID, action: String, version: String?, deleteData: Bool, now: Date) async throws {
        try await sql.raw(
            """
            INSERT INTO consent_history (id, user_id, action, consent_version, delete_data, at)
            VALUES (\(bind: UUID().dbValue), \(bind: userID.dbValue), \(bind: action), \(bind: version), \(bind: deleteData), \(bind: now.dbValue))
            """
        ).run()
    }
}
