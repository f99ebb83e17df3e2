import Foundation
import SQLKit

/// A user's authenticator (TOTP) enrollment. The secret is stored sealed; this layer never sees it in clear.
public struct TOTPRecord: Sendable, Equatable {
    public var userID: UUID
    public var sealedSecret: String
    public var createdAt: Date
    public var confirmedAt: Date?
    /// The last time step whose code was accepted: a code is good once.
    public var lastStep: Int64

    public var isConfirmed: Bool { confirmedAt != nil }
}

public protocol MFARepository: Sendable {
    func totp(userID: UUID) async throws -> TOTPRecord?
    /// Starts (or restarts) an enrollment: an unconfirmed secret replaces any unconfirmed one. Refuses (false)
    /// when a confirmed one exists.
    func beginTOTP(userID: UUID, sealedSecret: String, now: Date) async throws -> Bool
    /// Marks the enrollment confirmed with the step of the code that proved it.
    func confirmTOTP(userID: UUID, step: Int64, now: Date) async throws
    /// Accepts `step` only if it is later than the last accepted one (false: a replayed code).
    func useStep(userID: UUID, step: Int64) async throws -> Bool
    func deleteTOTP(userID: UUID) async throws
}

public struct SQLMFARepository: MFARepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func totp(userID: UUID) async throws -> TOTPRecord? {
        try await database.withConnection { sql in
            try await sql.raw(
                "SELECT user_id, secret_sealed, created_at, confirmed_at, last_step FROM mfa_totp WHERE user_id = \(bind: userID.dbValue)"
            ).first().map { row in
                TOTPRecord(
                    userID: try row.uuid("user_id"), sealedSecret: try row.decode(column: "secret_sealed", as: String.self),
                    createdAt: try row.date("created_at"), confirmedAt: try row.optionalDate("confirmed_at"),
                    lastStep: try row.decode(column: "last_step", as: Int64.self))
            }
        }
    }

    public func beginTOTP(userID: UUID, sealedSecret: String, now: Date) async throws -> Bool {
        try await database.transaction { sql in
            let confirmed = try await sql.raw(
                "SELECT user_id FROM mfa_totp WHERE user_id = \(bind: userID.dbValue) AND confirmed_at IS NOT NULL"
            ).first()
            guard confirmed == nil else { return false }
            try await sql.raw("DELETE FROM mfa_totp WHERE user_id = \(bind: userID.dbValue)").run()
            try await sql.raw(
                """
                INSERT INTO mfa_totp (user_id, secret_sealed, created_at, last_step)
                VALUES (\(bind: userID.dbValue), \(bind: sealedSecret), \(bind: now.dbValue), 0)
                """
            ).run()
            return true
        }
    }

    public func confirmTOTP(userID: UUID, step: Int64, now: Date) async throws {
        try await database.write { sql in
            try await sql.raw(
                "UPDATE mfa_totp SET confirmed_at = \(bind: now.dbValue), last_step = \(bind: step) WHERE user_id = \(bind: userID.dbValue)"
            ).run()
        }
    }

    public func useStep(userID: UUID, step: Int64) async throws -> Bool {
        try await database.write { sql in
            try await !sql.raw(
                """
                UPDATE mfa_totp SET last_step = \(bind: step)
                WHERE user_id = \(bind: userID.dbValue) AND last_step < \(bind: step) RETURNING user_id
                """
            ).all().isEmpty
        }
    }

    public func deleteTOTP(userID: UUID) async throws {
        try await database.write { sql in
            try await sql.raw("DELETE FROM mfa_totp WHERE user_id = \(bind: userID.dbValue)").run()
        }
    }
}
