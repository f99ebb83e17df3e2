import Foundation
import Models
import SQLKit

/// A job in the queue.
public struct Job: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case processUpload = "process_upload"
        case generateRecommendations = "generate_recommendations"
    }

    public enum Status: String, Sendable {
        case pending, processing, completed, failed, dead
    }

    public var id: UUID
    public var kind: Kind
    public var userID: UUID
    public var uploadID: UUID?
    public var status: Status
    public var attempts: Int
    public var maxAttempts: Int
    public var lastError: String?
}

/// Uploads and the job queue, written together so an accepted upload always has its job.
public protocol UploadRepository: Sendable {
    /// Stores a valid upload (`pending`) and its processing job in one transaction.
    func createAccepted(
        userID: UUID, fileName: String, fileSize: Int, fileType: String, blobKey: String, idempotencyKey: String?, now: Date
    ) async throws -> Upload
    /// Stores an upload rejected by validation (`failed`, with its problems).
    func createRejected(
        userID: UUID, fileName: String, fileSize: Int, fileType: String, issues: [ValidationIssue], idempotencyKey: String?, now: Date
    ) async throws -> Upload
    func find(id: UUID) async throws -> Upload?
    func find(userID: UUID, idempotencyKey: String) async throws -> Upload?
    /// Newest first; `userIDs` nil means every user.
    func list(userIDs: [UUID]?, skip: Int, limit: Int) async throws -> Page<Upload>
    func blobKey(uploadID: UUID) async throws -> String?

    /// Claims the next runnable job: pending and due, or processing with an expired lease (a crashed worker).
    func claimJob(now: Date, lease: TimeInterval) async throws -> Job?
    /// Marks a job failed; it runs again after `retryAfter` unless it used its attempts, then it is dead-lettered
    /// and its upload marked failed.
    func failJob(_ job: Job, error: String, retryAfter: TimeInterval, now: Date) async throws
    /// Queues a job that re-runs the engine on the user's stored data.
    func enqueueRecommendations(userID: UUID, now: Date) async throws -> UUID
    func jobCounts() async throws -> [String: Int]
}

public struct SQLUploadRepository: UploadRepository {
    let database: Database
    public init(database: Database) { self.database = database }

    static let columns = "id, user_id, file_name, file_size, file_type, status, validation_errors, error, transaction_count, created_at, updated_at, completed_at"

    static func decode(_ row: any SQLRow) throws -> Upload {
        Upload(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), fileName: try row.decode(column: "file_name", as: String.self),
            fileSize: try row.decode(column: "file_size", as: Int.self), fileType: try row.decode(column: "file_type", as: String.self),
            status: UploadStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .failed,
            validationErrors: try JSONColumn.decode([ValidationIssue].self, try row.decode(column: "validation_errors", as: String.self)),
            error: try row.decode(column: "error", as: String?.self),
            transactionCount: try row.decode(column: "transaction_count", as: Int?.self),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"), completedAt: try row.optionalDate("completed_at"))
    }

    public func createAccepted(
        userID: UUID, fileName: String, fileSize: Int, fileType: String, blobKey: String, idempotencyKey: String?, now: Date
    ) async throws -> Upload {
        let id = UUID()
        try await database.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO uploads (id, user_id, file_name, file_size, file_type, status, blob_key, validation_errors, idempotency_key, created_at, updated_at)
                VALUES (\(bind: id.dbValue), \(bind: userID.dbValue), \(bind: fileName), \(bind: fileSize), \(bind: fileType), 'pending',
                        \(bind: blobKey), '[]', \(bind: idempotencyKey), \(bind: now.dbValue), \(bind: now.dbValue))
                """
            ).run()
            try await Self.insertJob(sql, kind: .processUpload, userID: userID, uploadID: id, now: now)
        }
        guard let upload = try await find(id: id) else { throw StorageError.notFound }
        return upload
    }

    static func insertJob(_ sql: any SQLDatabase, kind: Job.Kind, userID: UUID, uploadID: UUID?, now: Date) async throws -> UUID {
        let id = UUID()
        try await sql.raw(
            """
            INSERT INTO jobs (id, kind, user_id, upload_id, status, attempts, max_attempts, run_after, created_at, updated_at)
            VALUES (\(bind: id.dbValue), \(bind: kind.rawValue), \(bind: userID.dbValue), \(bind: uploadID?.dbValue), 'pending', 0, 5,
                    \(bind: now.dbValue), \(bind: now.dbValue), \(bind: now.dbValue))
            """
        ).run()
        return id
    }

    public func createRejected(
        userID: UUID, fileName: String, fileSize: Int, fileType: String, issues: [ValidationIssue], idempotencyKey: String?, now: Date
    ) async throws -> Upload {
        let id = UUID()
        let issuesText = try JSONColumn.encode(issues)
        try await database.write { sql in
            try await sql.raw(
                """
                INSERT INTO uploads (id, user_id, file_name, file_size, file_type, status, validation_errors, error, idempotency_key, created_at, updated_at, completed_at)
                VALUES (\(bind: id.dbValue), \(bind: userID.dbValue), \(bind: fileName), \(bind: fileSize), \(bind: fileType), 'failed',
                        \(bind: issuesText), 'validation failed', \(bind: idempotencyKey), \(bind: now.dbValue), \(bind: now.dbValue), \(bind: now.dbValue))
                """
            ).run()
        }
        guard let upload = try await find(id: id) else { throw StorageError.notFound }
        return upload
    }

    public func find(id: UUID) async throws -> Upload? {
        try await database.withConnection { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM uploads WHERE id = \(bind: id.dbValue)").first().map(Self.decode)
        }
    }

    public func find(userID: UUID, idempotencyKey: String) async throws -> Upload? {
        try await database.withConnection { sql in
            try await sql.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM uploads WHERE user_id = \(bind: userID.dbValue) AND idempotency_key = \(bind: idempotencyKey)"
            ).first().map(Self.decode)
        }
    }

    public func list(userIDs: [UUID]?, skip: Int, limit: Int) async throws -> Page<Upload> {
        let filter: SQLQueryString
        if let userIDs {
            guard !userIDs.isEmpty else { return Page(items: [], total: 0, skip: skip, limit: limit) }
            filter = "user_id IN (\(binds: userIDs.map { $0.dbValue }))"
        } else {
            filter = "1 = 1"
        }
        return try await database.withConnection { sql in
            let total = try await sql.raw("SELECT COUNT(*) AS n FROM uploads WHERE \(filter)").first()?.decode(column: "n", as: Int.self) ?? 0
            let rows = try await sql.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM uploads WHERE \(filter) ORDER BY created_at DESC, id LIMIT \(bind: limit) OFFSET \(bind: skip)"
            ).all()
            return Page(items: try rows.map(Self.decode), total: total, skip: skip, limit: limit)
        }
    }

    public func blobKey(uploadID: UUID) async throws -> String? {
        try await database.withConnection { sql in
            try await sql.raw("SELECT blob_key FROM uploads WHERE id = \(bind: uploadID.dbValue)").first()?.decode(column: "blob_key", as: String?.self)
        }
    }

    public func claimJob(now: Date, lease: TimeInterval) async throws -> Job? {
        // An idle worker polls several times a second: look before taking SQLite's write lock.
        let due = try await database.withConnection { sql in
            try await !sql.raw(
                """
                SELECT id FROM jobs WHERE (status = 'pending' AND run_after <= \(bind: now.dbValue))
                   OR (status = 'processing' AND lease_expires_at < \(bind: now.dbValue)) LIMIT 1
                """
            ).all().isEmpty
        }
        guard due else { return nil }
        return try await database.transaction { sql in
            try await Self.deadLetterAbandoned(sql, now: now)
            let lock: SQLQueryString = database.dialect == .postgres ? "FOR UPDATE SKIP LOCKED" : ""
            guard
                let row = try await sql.raw(
                    """
                    SELECT id, kind, user_id, upload_id, status, attempts, max_attempts, last_error FROM jobs
                    WHERE (status = 'pending' AND run_after <= \(bind: now.dbValue))
                       OR (status = 'processing' AND lease_expires_at < \(bind: now.dbValue))
                    ORDER BY run_after, created_at LIMIT 1 \(lock)
                    """
                ).first()
            else { return nil }
            let id = try row.uuid("id")
            let attempts = try row.decode(column: "attempts", as: Int.self) + 1
            // A job taken back from a worker that stopped mid-run keeps that as its last error, so a job that
            // kills its worker every time is visible (and dead-lettered at its maximum by the step above).
            let abandoned: String? =
                try row.decode(column: "status", as: String.self) == "processing"
                ? "the worker stopped during attempt \(attempts - 1) (its lease expired)" : nil
            try await sql.raw(
                """
                UPDATE jobs SET status = 'processing', attempts = \(bind: attempts), lease_expires_at = \(bind: (now + lease).dbValue),
                    started_at = \(bind: now.dbValue), updated_at = \(bind: now.dbValue), last_error = COALESCE(\(bind: abandoned), last_error)
                WHERE id = \(bind: id.dbValue)
                """
            ).run()
            let uploadID = try row.optionalUUID("upload_id")
            if let uploadID {
                try await sql.raw(
                    "UPDATE uploads SET status = 'processing', updated_at = \(bind: now.dbValue) WHERE id = \(bind: uploadID.dbValue) AND status <> 'completed'"
                ).run()
            }
            return Job(
                id: id, kind: Job.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .processUpload,
                userID: try row.uuid("user_id"), uploadID: uploadID, status: .processing, attempts: attempts,
                maxAttempts: try row.decode(column: "max_attempts", as: Int.self), lastError: try row.decode(column: "last_error", as: String?.self))
        }
    }

    /// Jobs whose worker stopped (lease expired) after their last allowed attempt: dead, and their upload failed
    /// with the reason. Without this a job that crashes its worker is claimed again after every restart.
    static func deadLetterAbandoned(_ sql: any SQLDatabase, now: Date) async throws {
        let rows = try await sql.raw(
            """
            SELECT id, upload_id, attempts FROM jobs
            WHERE status = 'processing' AND lease_expires_at < \(bind: now.dbValue) AND attempts >= max_attempts
            """
        ).all()
        for row in rows {
            let attempts = try row.decode(column: "attempts", as: Int.self)
            let reason = "the worker stopped during each of \(attempts) attempts (lease expired)"
            try await sql.raw(
                """
                UPDATE jobs SET status = 'dead', last_error = \(bind: reason), lease_expires_at = NULL, updated_at = \(bind: now.dbValue)
                WHERE id = \(bind: try row.uuid("id").dbValue) AND status = 'processing'
                """
            ).run()
            if let uploadID = try row.optionalUUID("upload_id") {
                try await sql.raw(
                    """
                    UPDATE uploads SET status = 'failed', error = \(bind: "processing failed after \(attempts) attempts: \(reason)"),
                        updated_at = \(bind: now.dbValue), completed_at = \(bind: now.dbValue)
                    WHERE id = \(bind: uploadID.dbValue) AND status <> 'completed'
                    """
                ).run()
            }
        }
    }

    public func failJob(_ job: Job, error: String, retryAfter: TimeInterval, now: Date) async throws {
        let dead = job.attempts >= job.maxAttempts
        try await database.transaction { sql in
            try await sql.raw(
                """
                UPDATE jobs SET status = \(bind: dead ? "dead" : "pending"), last_error = \(bind: String(error.prefix(2000))),
                    run_after = \(bind: (now + retryAfter).dbValue), lease_expires_at = NULL, updated_at = \(bind: now.dbValue)
                WHERE id = \(bind: job.id.dbValue)
                """
            ).run()
            if let uploadID = job.uploadID {
                let status = dead ? "failed" : "pending"
                try await sql.raw(
                    """
                    UPDATE uploads SET status = \(bind: status), error = \(bind: dead ? "processing failed after \(job.attempts) attempts: \(error.prefix(500))" : nil),
                        updated_at = \(bind: now.dbValue), completed_at = \(bind: dead ? now.dbValue : nil)
                    WHERE id = \(bind: uploadID.dbValue)
                    """
                ).run()
            }
        }
    }

    public func enqueueRecommendations(userID: UUID, now: Date) async throws -> UUID {
        try await database.transaction { sql in
            try await Self.insertJob(sql, kind: .generateRecommendations, userID: userID, uploadID: nil, now: now)
        }
    }

    public func jobCounts() async throws -> [String: Int] {
        try await database.withConnection { sql in
            var counts: [String: Int] = [:]
            for row in try await sql.raw("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status").all() {
                counts[try row.decode(column: "status", as: String.self)] = try row.decode(column: "n", as: Int.self)
            }
            return counts
        }
    }
}
