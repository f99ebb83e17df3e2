import Foundation
import Models
import SQLKit

/// Sign-in sessions and their rotating refresh tokens (stored as hashes only).
public protocol SessionRepository: Sendable {
    /// Opens a session whose first refresh token has hash `tokenHash`.
    func create(
        userID: UUID, tokenHash: String, userAgent: String?, ip: String?, deviceName: String?, now: Date, lifetime: TimeInterval
    ) async throws -> SessionRecord
    /// A user's live sessions (not revoked, not expired), most recently used first.
    func live(userID: UUID, now: Date) async throws -> [SessionRecord]
    /// Records use of a session (throttled by the caller).
    func touch(sessionID: UUID, now: Date) async throws
    /// The session and its user, in one query: the check every authenticated request makes.
    func authenticate(sessionID: UUID) async throws -> (session: SessionRecord, user: UserRecord)?
    /// Rotates `tokenHash` to `newTokenHash`, or revokes the session when `tokenHash` was already rotated.
    func refresh(tokenHash: String, newTokenHash: String, now: Date) async throws -> RefreshOutcome
    /// Revokes one session; false when it was unknown or already revoked.
    @discardableResult
    func revoke(sessionID: UUID, reason: String, now: Date) async throws -> Bool
    /// Revokes every live session of a user; returns how many.
    @discardableResult
    func revokeAll(userID: UUID, reason: String, now: Date) async throws -> Int
}

extension SessionRepository {
    public func create(
        userID: UUID, tokenHash: String, userAgent: String?, ip: String?, now: Date, lifetime: TimeInterval
    ) async throws -> SessionRecord {
        try await create(userID: userID, tokenHash: tokenHash, userAgent: userAgent, ip: ip, deviceName: nil, now: now, lifetime: lifetime)
    }
}

public struct SQLSessionRepository: SessionRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    static let columns =
        "s.id AS s_id, s.user_id AS s_user_id, s.user_agent AS s_user_agent, s.ip AS s_ip, s.created_at AS s_created_at, s.last_used_at AS s_last_used_at, s.expires_at AS s_expires_at, s.revoked_at AS s_revoked_at, s.revoked_reason AS s_revoked_reason, s.device_name AS s_device_name"

    static func decode(_ row: any SQLRow) throws -> SessionRecord {
        SessionRecord(
            id: try row.uuid("s_id"),
            userID: try row.uuid("s_user_id"),
            userAgent: try row.decode(column: "s_user_agent", as: String?.self),
            ip: try row.decode(column: "s_ip", as: String?.self),
            createdAt: try row.date("s_created_at"),
            lastUsedAt: try row.date("s_last_used_at"),
            expiresAt: try row.date("s_expires_at"),
            revokedAt: try row.optionalDate("s_revoked_at"),
            revokedReason: try row.decode(column: "s_revoked_reason", as: String?.self),
            deviceName: try row.decode(column: "s_device_name", as: String?.self)
        )
    }

    public func create(
        userID: UUID, tokenHash: String, userAgent: String?, ip: String?, deviceName: String?, now: Date, lifetime: TimeInterval
    ) async throws -> SessionRecord {
        let session = SessionRecord(
            id: UUID(), userID: userID, userAgent: userAgent.map { String($0.prefix(256)) }, ip: ip,
            createdAt: now, lastUsedAt: now, expiresAt: now.addingTimeInterval(lifetime), deviceName: deviceName.map { String($0.prefix(80)) }
        )
        try await database.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO sessions (id, user_id, user_agent, ip, created_at, last_used_at, expires_at, device_name)
                VALUES (\(bind: session.id.dbValue), \(bind: userID.dbValue), \(bind: session.userAgent),
                        \(bind: ip), \(bind: now.dbValue), \(bind: now.dbValue), \(bind: session.expiresAt.dbValue),
                        \(bind: session.deviceName))
                """
            ).run()
            try await sql.raw(
                """
                INSERT INTO refresh_tokens (token_hash, session_id, created_at)
                VALUES (\(bind: tokenHash), \(bind: session.id.dbValue), \(bind: now.dbValue))
                """
            ).run()
        }
        return session
    }

    public func authenticate(sessionID: UUID) async throws -> (session: SessionRecord, user: UserRecord)? {
        try await database.withConnection { sql in
            guard
                let row = try await sql.raw(
                    """
                    SELECT \(unsafeRaw: Self.columns), \(unsafeRaw: SQLUserRepository.columns)
                    FROM sessions s JOIN users u ON u.id = s.user_id
                    WHERE s.id = \(bind: sessionID.dbValue)
                    """
                ).first()
            else { return nil }
            return (try Self.decode(row), try SQLUserRepository.decode(row))
        }
    }

    public func refresh(tokenHash: String, newTokenHash: String, now: Date) async throws -> RefreshOutcome {
        try await database.transaction { sql in
            guard
                let row = try await sql.raw(
                    """
                    SELECT rt.rotated_at AS rt_rotated_at, \(unsafeRaw: Self.columns), \(unsafeRaw: SQLUserRepository.columns)
                    FROM refresh_tokens rt
                    JOIN sessions s ON s.id = rt.session_id
                    JOIN users u ON u.id = s.user_id
                    WHERE rt.token_hash = \(bind: tokenHash)
                    """
                ).first()
            else { return .invalid }
            var session = try Self.decode(row)
            let user = try SQLUserRepository.decode(row)
            guard session.isUsable(at: now), user.isActive else { return .invalid }

            // Claim the token; a concurrent refresh that lost the race sees no row and counts as reuse.
            let claimed =
                try await row.optionalDate("rt_rotated_at") == nil
                ? try await sql.raw(
                    """
                    UPDATE refresh_tokens SET rotated_at = \(bind: now.dbValue)
                    WHERE token_hash = \(bind: tokenHash) AND rotated_at IS NULL RETURNING token_hash
                    """
                ).all().isEmpty == false
                : false
            guard claimed else {
                try await sql.raw(
                    """
                    UPDATE sessions SET revoked_at = \(bind: now.dbValue), revoked_reason = 'refresh_token_reuse'
                    WHERE id = \(bind: session.id.dbValue) AND revoked_at IS NULL
                    """
                ).run()
                session.revokedAt = now
                session.revokedReason = "refresh_token_reuse"
                return .reused(session: session)
            }
            try await sql.raw(
                """
                INSERT INTO refresh_tokens (token_hash, session_id, created_at)
                VALUES (\(bind: newTokenHash), \(bind: session.id.dbValue), \(bind: now.dbValue))
                """
            ).run()
            try await sql.raw(
                "UPDATE sessions SET last_used_at = \(bind: now.dbValue) WHERE id = \(bind: session.id.dbValue)"
            ).run()
            session.lastUsedAt = now
            return .rotated(session: session, user: user)
        }
    }

    public func live(userID: UUID, now: Date) async throws -> [SessionRecord] {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT \(unsafeRaw: Self.columns) FROM sessions s
                WHERE s.user_id = \(bind: userID.dbValue) AND s.revoked_at IS NULL AND s.expires_at > \(bind: now.dbValue)
                ORDER BY s.last_used_at DESC, s.created_at DESC
                """
            ).all().map(Self.decode)
        }
    }

    public func touch(sessionID: UUID, now: Date) async throws {
        try await database.write { sql in
            try await sql.raw("UPDATE sessions SET last_used_at = \(bind: now.dbValue) WHERE id = \(bind: sessionID.dbValue)").run()
        }
    }

    public func revoke(sessionID: UUID, reason: String, now: Date) async throws -> Bool {
        try await database.write { sql in
            try await !sql.raw(
                """
                UPDATE sessions SET revoked_at = \(bind: now.dbValue), revoked_reason = \(bind: reason)
                WHERE id = \(bind: sessionID.dbValue) AND revoked_at IS NULL RETURNING id
                """
            ).all().isEmpty
        }
    }

    public func revokeAll(userID: UUID, reason: String, now: Date) async throws -> Int {
        try await database.write { sql in
            try await sql.raw(
                """
                UPDATE sessions SET revoked_at = \(bind: now.dbValue), revoked_reason = \(bind: reason)
                WHERE user_id = \(bind: userID.dbValue) AND revoked_at IS NULL RETURNING id
                """
            ).all().count
        }
    }
}
