import Foundation
import Models
import SQLKit

/// Users: creation, lookup, profile changes, roles, locking and soft deletion.
///
/// ```swift
/// let users: any UserRepository = SQLUserRepository(database: db)
/// let record = try await users.create(email: "a@b.co", passwordHash: hash, role: .user, now: .now)
/// ```
public protocol UserRepository: Sendable {
    /// Creates a user; throws `StorageError.conflict` when the email or phone number is taken.
    func create(email: String?, passwordHash: String?, role: Role, name: String?, now: Date) async throws -> UserRecord
    /// An active or locked user by id; nil when unknown or deleted.
    func find(id: UUID) async throws -> UserRecord?
    /// An active or locked user by normalized email; nil when unknown or deleted.
    func find(email: String) async throws -> UserRecord?
    /// An active or locked user by E.164 phone number; nil when unknown or deleted.
    func find(phone: String) async throws -> UserRecord?
    /// Applies `changes`; throws `.notFound` for unknown or deleted users, `.conflict` for taken email/phone.
    func update(id: UUID, changes: UserChanges, now: Date) async throws -> UserRecord
    func setRole(id: UUID, role: Role, now: Date) async throws -> UserRecord
    func setPasswordHash(id: UUID, passwordHash: String, now: Date) async throws
    /// Soft-deletes the user, frees their email and phone number, and revokes every session, atomically.
    func softDelete(id: UUID, now: Date) async throws
    /// Users ordered by creation, newest first, deleted users excluded.
    func list(skip: Int, limit: Int) async throws -> Page<User>
    /// Users whose email or name contains `text` (case-insensitive), optionally of one role.
    func search(text: String?, role: Role?, skip: Int, limit: Int) async throws -> Page<User>
    /// End users for the operator list: search by email or name, optionally by primary persona, with consent state.
    func operatorList(text: String?, persona: PersonaID?, skip: Int, limit: Int) async throws -> Page<OperatorUserRow>
    /// Locks or unlocks an account (a locked account cannot sign in).
    func setLocked(id: UUID, locked: Bool, now: Date) async throws -> UserRecord
}

public struct SQLUserRepository: UserRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    static let columns =
        "u.id, u.email, u.name, u.phone_number, u.password_hash, u.role, u.monthly_income, u.locked_at, u.deleted_at, u.created_at, u.updated_at"

    static func decode(_ row: any SQLRow) throws -> UserRecord {
        let roleText = try row.decode(column: "role", as: String.self)
        guard let role = Role(rawValue: roleText) else { throw StorageError.corrupt("unknown role \(roleText)") }
        let user = User(
            id: try row.uuid("id"),
            email: try row.decode(column: "email", as: String?.self),
            name: try row.decode(column: "name", as: String?.self),
            phoneNumber: try row.decode(column: "phone_number", as: String?.self),
            monthlyIncome: try row.decode(column: "monthly_income", as: Double?.self),
            role: role,
            isLocked: try row.optionalDate("locked_at") != nil,
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at")
        )
        return UserRecord(
            user: user,
            passwordHash: try row.decode(column: "password_hash", as: String?.self),
            deletedAt: try row.optionalDate("deleted_at")
        )
    }

    public func create(
        email: String?, passwordHash: String?, role: Role, name: String?, now: Date
    ) async throws -> UserRecord {
        let id = UUID()
        try await database.write { sql in
            try await sql.raw(
                """
                INSERT INTO users (id, email, name, password_hash, role, created_at, updated_at)
                VALUES (\(bind: id.dbValue), \(bind: email), \(bind: name), \(bind: passwordHash),
                        \(bind: role.rawValue), \(bind: now.dbValue), \(bind: now.dbValue))
                """
            ).run()
        }
        guard let record = try await find(id: id) else { throw StorageError.notFound }
        return record
    }

    public func find(id: UUID) async throws -> UserRecord? {
        try await database.withConnection { sql in
            try await sql.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM users u WHERE u.id = \(bind: id.dbValue) AND u.deleted_at IS NULL"
            ).first().map(Self.decode)
        }
    }

    public func find(email: String) async throws -> UserRecord? {
        try await database.withConnection { sql in
            try await sql.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM users u WHERE u.email = \(bind: email) AND u.deleted_at IS NULL"
            ).first().map(Self.decode)
        }
    }

    public func find(phone: String) async throws -> UserRecord? {
        try await database.withConnection { sql in
            try await sql.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM users u WHERE u.phone_number = \(bind: phone) AND u.deleted_at IS NULL"
            ).first().map(Self.decode)
        }
    }

    public func update(id: UUID, changes: UserChanges, now: Date) async throws -> UserRecord {
        var assignments: [SQLQueryString] = []
        if let name = changes.name { assignments.append("name = \(bind: name)") }
        if let email = changes.email { assignments.append("email = \(bind: email)") }
        if let phone = changes.phoneNumber { assignments.append("phone_number = \(bind: phone)") }
        if let income = changes.monthlyIncome { assignments.append("monthly_income = \(bind: income)") }
        assignments.append("updated_at = \(bind: now.dbValue)")
        let setClause = assignments.joined(by: ", ")
        let updated = try await database.write { sql in
            try await sql.raw(
                "UPDATE users SET \(setClause) WHERE id = \(bind: id.dbValue) AND deleted_at IS NULL RETURNING id"
            ).all()
        }
        guard !updated.isEmpty, let record = try await find(id: id) else { throw StorageError.notFound }
        return record
    }

    public func setRole(id: UUID, role: Role, now: Date) async throws -> UserRecord {
        let updated = try await database.write { sql in
            try await sql.raw(
                """
                UPDATE users SET role = \(bind: role.rawValue), updated_at = \(bind: now.dbValue)
                WHERE id = \(bind: id.dbValue) AND deleted_at IS NULL RETURNING id
                """
            ).all()
        }
        guard !updated.isEmpty, let record = try await find(id: id) else { throw StorageError.notFound }
        return record
    }

    public func setPasswordHash(id: UUID, passwordHash: String, now: Date) async throws {
        let updated = try await database.write { sql in
            try await sql.raw(
                """
                UPDATE users SET password_hash = \(bind: passwordHash), updated_at = \(bind: now.dbValue)
                WHERE id = \(bind: id.dbValue) AND deleted_at IS NULL RETURNING id
                """
            ).all()
        }
        guard !updated.isEmpty else { throw StorageError.notFound }
    }

    public func softDelete(id: UUID, now: Date) async throws {
        try await database.transaction { sql in
            let updated = try await sql.raw(
                """
                UPDATE users SET deleted_at = \(bind: now.dbValue), updated_at = \(bind: now.dbValue),
                    email = NULL, phone_number = NULL, password_hash = NULL
                WHERE id = \(bind: id.dbValue) AND deleted_at IS NULL RETURNING id
                """
            ).all()
            guard !updated.isEmpty else { throw StorageError.notFound }
            try await sql.raw(
                """
                UPDATE sessions SET revoked_at = \(bind: now.dbValue), revoked_reason = 'user_deleted'
                WHERE user_id = \(bind: id.dbValue) AND revoked_at IS NULL
                """
            ).run()
        }
    }

    public func search(text: String?, role: Role?, skip: Int, limit: Int) async throws -> Page<User> {
        var conditions: [SQLQueryString] = ["u.deleted_at IS NULL"]
        if let role { conditions.append("u.role = \(bind: role.rawValue)") }
        if let text = text?.lowercased().trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let pattern = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            conditions.append("(LOWER(u.email) LIKE \(bind: pattern) OR LOWER(u.name) LIKE \(bind: pattern))")
        }
        let whereClause = conditions.joined(by: " AND ")
        return try await database.withConnection { sql in
            let total = try await sql.raw("SELECT COUNT(*) AS n FROM users u WHERE \(whereClause)").first()?.decode(column: "n", as: Int.self) ?? 0
            let rows = try await sql.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM users u WHERE \(whereClause) ORDER BY u.created_at DESC, u.id LIMIT \(bind: limit) OFFSET \(bind: skip)"
            ).all()
            return Page(items: try rows.map { try Self.decode($0).user }, total: total, skip: skip, limit: limit)
        }
    }

    public func operatorList(text: String?, persona: PersonaID?, skip: Int, limit: Int) async throws -> Page<OperatorUserRow> {
        var conditions: [SQLQueryString] = ["u.deleted_at IS NULL", "u.role = 'user'"]
        if let persona { conditions.append("s.persona = \(bind: persona.rawValue)") }
        if let text = text?.lowercased().trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let pattern = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            conditions.append("(LOWER(u.email) LIKE \(bind: pattern) OR LOWER(u.name) LIKE \(bind: pattern))")
        }
        let whereClause = conditions.joined(by: " AND ")
        let from: SQLQueryString = "users u LEFT JOIN signal_snapshots s ON s.user_id = u.id LEFT JOIN consents c ON c.user_id = u.id"
        return try await database.withConnection { sql in
            let total = try await sql.raw("SELECT COUNT(*) AS n FROM \(from) WHERE \(whereClause)").first()?.decode(column: "n", as: Int.self) ?? 0
            let rows = try await sql.raw(
                """
                SELECT \(unsafeRaw: Self.columns), s.persona AS snapshot_persona, c.granted AS consent_granted FROM \(from)
                WHERE \(whereClause) ORDER BY u.email, u.id LIMIT \(bind: limit) OFFSET \(bind: skip)
                """
            ).all()
            let items = try rows.map { row in
                OperatorUserRow(
                    user: try Self.decode(row).user,
                    persona: try row.decode(column: "snapshot_persona", as: String?.self).flatMap(PersonaID.init(rawValue:)),
                    consentGranted: try row.decode(column: "consent_granted", as: Bool?.self) ?? false)
            }
            return Page(items: items, total: total, skip: skip, limit: limit)
        }
    }

    public func setLocked(id: UUID, locked: Bool, now: Date) async throws -> UserRecord {
        let updated = try await database.write { sql in
            try await sql.raw(
                """
                UPDATE users SET locked_at = \(bind: locked ? now.dbValue : nil), updated_at = \(bind: now.dbValue)
                WHERE id = \(bind: id.dbValue) AND deleted_at IS NULL RETURNING id
                """
            ).all()
        }
        guard !updated.isEmpty, let record = try await find(id: id) else { throw StorageError.notFound }
        return record
    }

    public func list(skip: Int, limit: Int) async throws -> Page<User> {
        try await database.withConnection { sql in
            let total = try await sql.raw("SELECT COUNT(*) AS n FROM users WHERE deleted_at IS NULL")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            let rows = try await sql.raw(
                """
                SELECT \(unsafeRaw: Self.columns) FROM users u WHERE u.deleted_at IS NULL
                ORDER BY u.created_at DESC, u.id LIMIT \(bind: limit) OFFSET \(bind: skip)
                """
            ).all()
            return Page(items: try rows.map { try Self.decode($0).user }, total: total, skip: skip, limit: limit)
        }
    }
}
