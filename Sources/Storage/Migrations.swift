import Foundation
import Logging
import SQLKit

/// One step of the schema. Statements are written once, with column types looked up per dialect.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: @Sendable (ColumnTypes) -> [String]
}

/// Column types per dialect. Timestamps are seconds since 1970 in both (`REAL` / `DOUBLE PRECISION`),
/// ids are canonical lower-case UUID text, JSON is text.
struct ColumnTypes: Sendable {
    let text = "TEXT"
    let real: String
    let integer: String
    let bool: String

    init(_ dialect: SQLDialectKind) {
        switch dialect {
        case .sqlite:
            real = "REAL"
            integer = "INTEGER"
            bool = "BOOLEAN"
        case .postgres:
            real = "DOUBLE PRECISION"
            integer = "BIGINT"
            bool = "BOOLEAN"
        }
    }
}

/// Every schema version, in order. Append; never edit a released step.
let allMigrations: [Migration] = [
    Migration(version: 1, name: "users, sessions, refresh tokens, audit log") { t in
        [
            """
            CREATE TABLE users (
                id \(t.text) PRIMARY KEY,
                email \(t.text) UNIQUE,
                name \(t.text),
                phone_number \(t.text) UNIQUE,
                password_hash \(t.text),
                role \(t.text) NOT NULL,
                monthly_income \(t.real),
                locked_at \(t.real),
                deleted_at \(t.real),
                created_at \(t.real) NOT NULL,
                updated_at \(t.real) NOT NULL
            )
            """,
            """
            CREATE TABLE sessions (
                id \(t.text) PRIMARY KEY,
                user_id \(t.text) NOT NULL REFERENCES users(id),
                user_agent \(t.text),
                ip \(t.text),
                created_at \(t.real) NOT NULL,
                last_used_at \(t.real) NOT NULL,
                expires_at \(t.real) NOT NULL,
                revoked_at \(t.real),
                revoked_reason \(t.text)
            )
            """,
            "CREATE INDEX sessions_user_id ON sessions (user_id)",
            """
            CREATE TABLE refresh_tokens (
                token_hash \(t.text) PRIMARY KEY,
                session_id \(t.text) NOT NULL REFERENCES sessions(id),
                created_at \(t.real) NOT NULL,
                rotated_at \(t.real)
            )
            """,
            "CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id)",
            """
            CREATE TABLE audit_log (
                id \(t.text) PRIMARY KEY,
                at \(t.real) NOT NULL,
                actor_id \(t.text),
                action \(t.text) NOT NULL,
                outcome \(t.text) NOT NULL,
                target_type \(t.text),
                target_id \(t.text),
                ip \(t.text),
                request_id \(t.text),
                details \(t.text) NOT NULL
            )
            """,
            "CREATE INDEX audit_log_at ON audit_log (at)",
            "CREATE INDEX audit_log_actor ON audit_log (actor_id, at)",
            "CREATE INDEX audit_log_action ON audit_log (action, at)",
        ]
    },
    Migration(version: 2, name: "uploads, jobs, financial data, insights, consent, recommendations, feedback") { t in
        [
            """
            CREATE TABLE uploads (
                id \(t.text) PRIMARY KEY,
                user_id \(t.text) NOT NULL REFERENCES users(id),
                file_name \(t.text) NOT NULL,
                file_size \(t.integer) NOT NULL,
                file_type \(t.text) NOT NULL,
                status \(t.text) NOT NULL,
                blob_key \(t.text),
                validation_errors \(t.text) NOT NULL,
                error \(t.text),
                transaction_count \(t.integer),
                idempotency_key \(t.text),
                created_at \(t.real) NOT NULL,
                updated_at \(t.real) NOT NULL,
                completed_at \(t.real)
            )
            """,
            "CREATE INDEX uploads_user ON uploads (user_id, created_at)",
            "CREATE UNIQUE INDEX uploads_idempotency ON uploads (user_id, idempotency_key)",
            """
            CREATE TABLE jobs (
                id \(t.text) PRIMARY KEY,
                kind \(t.text) NOT NULL,
                user_id \(t.text) NOT NULL,
                upload_id \(t.text),
                status \(t.text) NOT NULL,
                attempts \(t.integer) NOT NULL,
                max_attempts \(t.integer) NOT NULL,
                run_after \(t.real) NOT NULL,
                lease_expires_at \(t.real),
                last_error \(t.text),
                created_at \(t.real) NOT NULL,
                updated_at \(t.real) NOT NULL,
                started_at \(t.real),
                completed_at \(t.real)
            )
            """,
            "CREATE INDEX jobs_ready ON jobs (status, run_after)",
            """
            CREATE TABLE fin_accounts (
                user_id \(t.text) NOT NULL,
                account_id \(t.text) NOT NULL,
                upload_id \(t.text) NOT NULL,
                type \(t.text) NOT NULL,
                subtype \(t.text) NOT NULL,
                data \(t.text) NOT NULL,
                PRIMARY KEY (user_id, account_id)
            )
            """,
            """
            CREATE TABLE fin_transactions (
                user_id \(t.text) NOT NULL,
                transaction_id \(t.text) NOT NULL,
                account_id \(t.text) NOT NULL,
                day \(t.integer) NOT NULL,
                amount \(t.real) NOT NULL,
                merchant_name \(t.text),
                category_primary \(t.text) NOT NULL,
                category_detailed \(t.text) NOT NULL,
                pending \(t.bool) NOT NULL,
                data \(t.text) NOT NULL,
                PRIMARY KEY (user_id, transaction_id)
            )
            """,
            "CREATE INDEX fin_transactions_day ON fin_transactions (user_id, day)",
            """
            CREATE TABLE fin_liabilities (
                user_id \(t.text) NOT NULL,
                account_id \(t.text) NOT NULL,
                kind \(t.text) NOT NULL,
                data \(t.text) NOT NULL,
                PRIMARY KEY (user_id, kind, account_id)
            )
            """,
            """
            CREATE TABLE signal_snapshots (
                user_id \(t.text) PRIMARY KEY,
                as_of \(t.integer) NOT NULL,
                report \(t.text) NOT NULL,
                personas \(t.text) NOT NULL,
                updated_at \(t.real) NOT NULL
            )
            """,
            """
            CREATE TABLE persona_history (
                id \(t.text) PRIMARY KEY,
                user_id \(t.text) NOT NULL,
                persona \(t.text) NOT NULL,
                matched \(t.text) NOT NULL,
                as_of \(t.integer) NOT NULL,
                recorded_at \(t.real) NOT NULL
            )
            """,
            "CREATE INDEX persona_history_user ON persona_history (user_id, recorded_at)",
            """
            CREATE TABLE recommendations (
                id \(t.text) PRIMARY KEY,
                user_id \(t.text) NOT NULL,
                job_id \(t.text),
                type \(t.text) NOT NULL,
                catalog_item_id \(t.text) NOT NULL,
                title \(t.text) NOT NULL,
                content \(t.text) NOT NULL,
                rationale \(t.text) NOT NULL,
                disclaimer \(t.text) NOT NULL,
                status \(t.text) NOT NULL,
                persona \(t.text) NOT NULL,
                version \(t.integer) NOT NULL,
                trace \(t.text) NOT NULL,
                created_at \(t.real) NOT NULL,
                updated_at \(t.real) NOT NULL,
                decided_at \(t.real),
                decided_by \(t.text)
            )
            """,
            "CREATE INDEX recommendations_user ON recommendations (user_id, status)",
            "CREATE INDEX recommendations_status ON recommendations (status, created_at)",
            """
            CREATE TABLE consents (
                user_id \(t.text) PRIMARY KEY,
                granted \(t.bool) NOT NULL,
                consent_version \(t.text),
                granted_at \(t.real),
                revoked_at \(t.real),
                updated_at \(t.real) NOT NULL
            )
            """,
            """
            CREATE TABLE consent_history (
                id \(t.text) PRIMARY KEY,
                user_id \(t.text) NOT NULL,
                action \(t.text) NOT NULL,
                consent_version \(t.text),
                delete_data \(t.bool) NOT NULL,
                at \(t.real) NOT NULL
            )
            """,
            "CREATE INDEX consent_history_user ON consent_history (user_id, at)",
            """
            CREATE TABLE feedback (
                recommendation_id \(t.text) NOT NULL,
                user_id \(t.text) NOT NULL,
                rating \(t.integer) NOT NULL,
                helpful \(t.bool),
                comment \(t.text),
                created_at \(t.real) NOT NULL,
                PRIMARY KEY (recommendation_id, user_id)
            )
            """,
        ]
    },
    Migration(version: 3, name: "review decisions") { t in
        [
            """
            CREATE TABLE recommendation_decisions (
                id \(t.text) PRIMARY KEY,
                recommendation_id \(t.text) NOT NULL,
                user_id \(t.text) NOT NULL,
                actor_id \(t.text) NOT NULL,
                action \(t.text) NOT NULL,
                note \(t.text),
                reason_code \(t.text),
                reason \(t.text),
                before_fields \(t.text),
                after_fields \(t.text),
                version_after \(t.integer) NOT NULL,
                created_at_of_item \(t.real) NOT NULL,
                at \(t.real) NOT NULL
            )
            """,
            "CREATE INDEX recommendation_decisions_item ON recommendation_decisions (recommendation_id, version_after)",
            "CREATE INDEX recommendation_decisions_at ON recommendation_decisions (at)",
        ]
    },
    Migration(version: 4, name: "analytics columns") { t in
        [
            "ALTER TABLE signal_snapshots ADD COLUMN persona \(t.text)",
            "ALTER TABLE signal_snapshots ADD COLUMN signal_count \(t.integer)",
            "ALTER TABLE recommendations ADD COLUMN cites_data \(t.bool)",
            "ALTER TABLE recommendations ADD COLUMN trace_complete \(t.bool)",
        ]
    },
    Migration(version: 5, name: "review queue indexes") { _ in
        [
            // Page order without a sort step, and counts per user from the index alone.
            "CREATE INDEX recommendations_queue_type ON recommendations (status, type, created_at, user_id)",
            "CREATE INDEX recommendations_queue ON recommendations (status, created_at, user_id)",
            "CREATE INDEX recommendations_count_type ON recommendations (status, type, user_id)",
            "CREATE INDEX recommendations_count ON recommendations (status, user_id)",
        ]
    },
    Migration(version: 6, name: "session device names") { t in
        [
            "ALTER TABLE sessions ADD COLUMN device_name \(t.text)",
            "CREATE INDEX sessions_user_live ON sessions (user_id, revoked_at)",
        ]
    },
    Migration(version: 7, name: "TOTP second factor") { t in
        [
            """
            CREATE TABLE mfa_totp (
                user_id \(t.text) PRIMARY KEY REFERENCES users(id),
                secret_sealed \(t.text) NOT NULL,
                created_at \(t.real) NOT NULL,
                confirmed_at \(t.real),
                last_step \(t.integer) NOT NULL DEFAULT 0
            )
            """
        ]
    },
    Migration(version: 8, name: "OAuth identities and server settings") { t in
        [
            """
            CREATE TABLE oauth_identities (
                provider \(t.text) NOT NULL,
                subject \(t.text) NOT NULL,
                user_id \(t.text) NOT NULL REFERENCES users(id),
                email \(t.text),
                created_at \(t.real) NOT NULL,
                PRIMARY KEY (provider, subject)
            )
            """,
            // One identity per provider per account: unlinking is by provider.
            "CREATE UNIQUE INDEX oauth_identities_user ON oauth_identities (user_id, provider)",
            """
            CREATE TABLE server_settings (
                name \(t.text) PRIMARY KEY,
                value \(t.text) NOT NULL,
                updated_at \(t.real) NOT NULL,
                updated_by \(t.text)
            )
            """,
        ]
    },
]

extension Database {
    /// The PostgreSQL advisory lock every instance takes while it migrates (any constant; this is "SpSe").
    static let migrationLockKey: Int64 = 0x5370_5365

    /// Applies every migration not yet recorded in `schema_migrations`, each in its own transaction.
    /// Returns the versions applied by this call. On PostgreSQL the whole run holds an advisory lock, so any
    /// number of instances may start at once on an empty database: one migrates, the others wait and then find
    /// nothing left to do (without it, concurrent `CREATE TABLE`s fail on `pg_type_typname_nsp_index`).
    @discardableResult
    public func migrate() async throws -> [Int] {
        guard dialect == .postgres else { return try await applyMigrations(on: nil) }
        // One connection for the lock and the migrations: the lock belongs to its session.
        return try await withConnection { sql in
            try await sql.raw("SELECT pg_advisory_lock(\(bind: Self.migrationLockKey))").run()
            do {
                let applied = try await applyMigrations(on: sql)
                try await sql.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                return applied
            } catch {
                try? await sql.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                throw error
            }
        }
    }

    /// Runs the migrations on `connection` (PostgreSQL, inside the lock) or through the pool (SQLite).
    private func applyMigrations(on connection: (any SQLDatabase)?) async throws -> [Int] {
        let types = ColumnTypes(dialect)
        let createTable: SQLQueryString = """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version \(unsafeRaw: types.integer) PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at \(unsafeRaw: types.real) NOT NULL
            )
            """
        if let connection {
            try await connection.raw(createTable).run()
        } else {
            try await write { sql in try await sql.raw(createTable).run() }
        }
        var applied: [Int] = []
        for migration in allMigrations {
            let apply: @Sendable (any SQLDatabase) async throws -> Bool = { sql in
                let existing = try await sql.raw(
                    "SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)"
                ).all()
                guard existing.isEmpty else { return false }
                for statement in migration.statements(types) {
                    try await sql.raw("\(unsafeRaw: statement)").run()
                }
                try await sql.raw(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date().dbValue))
                    """
                ).run()
                return true
            }
            let didApply: Bool
            if let connection {
                try await connection.raw("BEGIN").run()
                do {
                    didApply = try await apply(connection)
                    try await connection.raw("COMMIT").run()
                } catch {
                    try? await connection.raw("ROLLBACK").run()
                    throw Self.translate(error)
                }
            } else {
                didApply = try await transaction(apply)
            }
            if didApply {
                logger.info("migration applied", metadata: ["migration.version": "\(migration.version)"])
                applied.append(migration.version)
            }
        }
        return applied
    }

    /// The version the newest migration brings the schema to.
    public static var latestSchemaVersion: Int { allMigrations.last?.version ?? 0 }

    /// The highest applied schema version (0 for an empty database).
    public func schemaVersion() async throws -> Int {
        try await withConnection { sql in
            let rows = try await sql.raw("SELECT MAX(version) AS v FROM schema_migrations").all()
            return try rows.first?.decode(column: "v", as: Int?.self) ?? 0
        }
    }
}
