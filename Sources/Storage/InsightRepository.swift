import Foundation
import Models
import SQLKit

/// Filters for a user's transactions.
public struct TransactionFilter: Sendable, Equatable {
    public var from: Day?
    public var to: Day?
    public var accountID: String?
    /// Matches the primary or the detailed category.
    public var category: String?

    public init(from: Day? = nil, to: Day? = nil, accountID: String? = nil, category: String? = nil) {
        self.from = from
        self.to = to
        self.accountID = accountID
        self.category = category
    }
}

/// A user's stored financial data, signals, personas and their history.
public protocol InsightRepository: Sendable {
    /// Writes a finished job's results in one transaction: the user's financial data replaced (when `data` is
    /// given), the signal snapshot, a persona-history row, the user's pending recommendations replaced, the job
    /// and its upload completed. Throws `StorageError.conflict` when the job is no longer this worker's (its
    /// lease expired and another worker took it), so a result set is never written twice.
    func completeJob(_ job: Job, data: FinancialData?, report: SignalReport, personas: PersonaAssignment, drafts: [RecommendationDraft], now: Date) async throws
    func financialData(userID: UUID) async throws -> FinancialData?
    func snapshot(userID: UUID) async throws -> (report: SignalReport, personas: PersonaAssignment, updatedAt: Date)?
    /// Newest first, with the number of entries in all.
    func personaHistory(userID: UUID, skip: Int, limit: Int) async throws -> Page<PersonaHistoryEntry>
    /// Newest first.
    func transactions(userID: UUID, filter: TransactionFilter, skip: Int, limit: Int) async throws -> Page<Transaction>
    func accounts(userID: UUID) async throws -> [Account]
    /// Spending by primary category between two days (inclusive).
    func spending(userID: UUID, from: Day, to: Day) async throws -> SpendingBreakdown
    /// Deletes every upload row, financial row, insight and recommendation of the user (not the account or audit
    /// trail) in one transaction; returns the counts and the blob keys to remove.
    func deleteUserData(userID: UUID) async throws -> (summary: DeletionSummary, blobKeys: [String])
}

public struct SQLInsightRepository: InsightRepository {
    let database: Database
    public init(database: Database) { self.database = database }

    public func completeJob(
        _ job: Job, data: FinancialData?, report: SignalReport, personas: PersonaAssignment, drafts: [RecommendationDraft], now: Date
    ) async throws {
        let user = job.userID.dbValue
        try await database.transaction { sql in
            // Claim the right to write: only while this worker still holds the job.
            let owned = try await sql.raw(
                """
                UPDATE jobs SET status = 'completed', completed_at = \(bind: now.dbValue), updated_at = \(bind: now.dbValue), lease_expires_at = NULL
                WHERE id = \(bind: job.id.dbValue) AND status = 'processing' AND attempts = \(bind: job.attempts) RETURNING id
                """
            ).all()
            guard !owned.isEmpty else { throw StorageError.conflict("job \(job.id) is no longer held by this worker") }
            if let data, let uploadID = job.uploadID {
                for table in ["fin_accounts", "fin_transactions", "fin_liabilities"] {
                    try await sql.raw("DELETE FROM \(ident: table) WHERE user_id = \(bind: user)").run()
                }
                for account in data.accounts {
                    try await sql.raw(
                        """
                        INSERT INTO fin_accounts (user_id, account_id, upload_id, type, subtype, data)
                        VALUES (\(bind: user), \(bind: account.id), \(bind: uploadID.dbValue), \(bind: account.type.rawValue),
                                \(bind: account.subtype.rawValue), \(bind: try JSONColumn.encode(account)))
                        """
                    ).run()
                }
                for batch in stride(from: 0, to: data.transactions.count, by: 100) {
                    let rows = data.transactions[batch..<min(data.transactions.count, batch + 100)]
                    var values: [SQLQueryString] = []
                    for t in rows {
                        values.append(
                            "(\(bind: user), \(bind: t.id), \(bind: t.accountID), \(bind: t.date.ordinal), \(bind: t.amount), \(bind: t.merchantName), \(bind: t.category.primary), \(bind: t.category.detailed), \(bind: t.pending), \(bind: try JSONColumn.encode(t)))")
                    }
                    let joined = values.joined(by: ", ")
                    try await sql.raw(
                        "INSERT INTO fin_transactions (user_id, transaction_id, account_id, day, amount, merchant_name, category_primary, category_detailed, pending, data) VALUES \(joined)"
                    ).run()
                }
                let liabilities: [(String, String, String)] =
                    try data.liabilities.credit.map { ($0.accountID, "credit", try JSONColumn.encode($0)) }
                    + data.liabilities.student.map { ($0.accountID, "student", try JSONColumn.encode($0)) }
                    + data.liabilities.mortgage.map { ($0.accountID, "mortgage", try JSONColumn.encode($0)) }
                for (account, kind, json) in liabilities {
                    try await sql.raw(
                        "INSERT INTO fin_liabilities (user_id, account_id, kind, data) VALUES (\(bind: user), \(bind: account), \(bind: kind), \(bind: json))"
                    ).run()
                }
                try await sql.raw(
                    """
                    UPDATE uploads SET status = 'completed', transaction_count = \(bind: data.transactions.count), error = NULL,
                        completed_at = \(bind: now.dbValue), updated_at = \(bind: now.dbValue)
                    WHERE id = \(bind: uploadID.dbValue)
                    """
                ).run()
            }
            try await sql.raw("DELETE FROM signal_snapshots WHERE user_id = \(bind: user)").run()
            try await sql.raw(
                """
                INSERT INTO signal_snapshots (user_id, as_of, report, personas, persona, signal_count, updated_at)
                VALUES (\(bind: user), \(bind: report.asOf.ordinal), \(bind: try JSONColumn.encode(report)), \(bind: try JSONColumn.encode(personas)),
                        \(bind: personas.primary.rawValue), \(bind: report.window180.signalCount), \(bind: now.dbValue))
                """
            ).run()
            try await sql.raw(
                """
                INSERT INTO persona_history (id, user_id, persona, matched, as_of, recorded_at)
                VALUES (\(bind: UUID().dbValue), \(bind: user), \(bind: personas.primary.rawValue), \(bind: try JSONColumn.encode(personas.matched)),
                        \(bind: report.asOf.ordinal), \(bind: now.dbValue))
                """
            ).run()
            // Undecided recommendations from earlier data are replaced; decided ones stay as history.
            try await sql.raw("DELETE FROM recommendations WHERE user_id = \(bind: user) AND status = 'pending'").run()
            for draft in drafts {
                try await sql.raw(
                    """
                    INSERT INTO recommendations (id, user_id, job_id, type, catalog_item_id, title, content, rationale, disclaimer, status, persona, version, trace, cites_data, trace_complete, created_at, updated_at)
                    VALUES (\(bind: UUID().dbValue), \(bind: user), \(bind: job.id.dbValue), \(bind: draft.type.rawValue), \(bind: draft.catalogItemID),
                            \(bind: draft.title), \(bind: draft.content), \(bind: draft.rationale), \(bind: draft.disclaimer), 'pending',
                            \(bind: draft.trace.persona.rawValue), 1, \(bind: try JSONColumn.encode(draft.trace)),
                            \(bind: draft.rationale.contains { $0.isNumber }), \(bind: draft.trace.allChecksPassed && !draft.trace.signals.isEmpty),
                            \(bind: now.dbValue), \(bind: now.dbValue))
                    """
                ).run()
            }
        }
    }

    public func financialData(userID: UUID) async throws -> FinancialData? {
        try await database.withConnection { sql in
            let accounts = try await sql.raw("SELECT data FROM fin_accounts WHERE user_id = \(bind: userID.dbValue) ORDER BY account_id").all()
            guard !accounts.isEmpty else { return nil }
            let transactions = try await sql.raw(
                "SELECT data FROM fin_transactions WHERE user_id = \(bind: userID.dbValue) ORDER BY day, transaction_id").all()
            var liabilities = Liabilities()
            for row in try await sql.raw("SELECT kind, data FROM fin_liabilities WHERE user_id = \(bind: userID.dbValue) ORDER BY account_id").all() {
                let json = try row.decode(column: "data", as: String.self)
                switch try row.decode(column: "kind", as: String.self) {
                case "credit": liabilities.credit.append(try JSONColumn.decode(CreditLiability.self, json))
                case "student": liabilities.student.append(try JSONColumn.decode(LoanLiability.self, json))
                default: liabilities.mortgage.append(try JSONColumn.decode(LoanLiability.self, json))
                }
            }
            return FinancialData(
                accounts: try accounts.map { try JSONColumn.decode(Account.self, try $0.decode(column: "data", as: String.self)) },
                transactions: try transactions.map { try JSONColumn.decode(Transaction.self, try $0.decode(column: "data", as: String.self)) },
                liabilities: liabilities)
        }
    }

    public func snapshot(userID: UUID) async throws -> (report: SignalReport, personas: PersonaAssignment, updatedAt: Date)? {
        try await database.withConnection { sql in
            guard let row = try await sql.raw(
                "SELECT report, personas, updated_at FROM signal_snapshots WHERE user_id = \(bind: userID.dbValue)").first()
            else { return nil }
            return (
                try JSONColumn.decode(SignalReport.self, try row.decode(column: "report", as: String.self)),
                try JSONColumn.decode(PersonaAssignment.self, try row.decode(column: "personas", as: String.self)),
                try row.date("updated_at"))
        }
    }

    public func personaHistory(userID: UUID, skip: Int, limit: Int) async throws -> Page<PersonaHistoryEntry> {
        try await database.withConnection { sql in
            let total =
                try await sql.raw("SELECT COUNT(*) AS n FROM persona_history WHERE user_id = \(bind: userID.dbValue)").first()?
                .decode(column: "n", as: Int.self) ?? 0
            let items = try await sql.raw(
                """
                SELECT persona, matched, as_of, recorded_at FROM persona_history WHERE user_id = \(bind: userID.dbValue)
                ORDER BY recorded_at DESC, id LIMIT \(bind: limit) OFFSET \(bind: skip)
                """
            ).all().map { row in
                PersonaHistoryEntry(
                    persona: PersonaID(rawValue: try row.decode(column: "persona", as: String.self)) ?? .general,
                    matched: try JSONColumn.decode([PersonaID].self, try row.decode(column: "matched", as: String.self)),
                    asOf: Day(ordinal: try row.decode(column: "as_of", as: Int.self)), recordedAt: try row.date("recorded_at"))
            }
            return Page(items: items, total: total, skip: skip, limit: limit)
        }
    }

    public func transactions(userID: UUID, filter: TransactionFilter, skip: Int, limit: Int) async throws -> Page<Transaction> {
        var conditions: [SQLQueryString] = ["user_id = \(bind: userID.dbValue)"]
        if let from = filter.from { conditions.append("day >= \(bind: from.ordinal)") }
        if let to = filter.to { conditions.append("day <= \(bind: to.ordinal)") }
        if let account = filter.accountID { conditions.append("account_id = \(bind: account)") }
        if let category = filter.category?.uppercased() {
            conditions.append("(category_primary = \(bind: category) OR category_detailed = \(bind: category))")
        }
        let whereClause = conditions.joined(by: " AND ")
        return try await database.withConnection { sql in
            let total = try await sql.raw("SELECT COUNT(*) AS n FROM fin_transactions WHERE \(whereClause)").first()?.decode(column: "n", as: Int.self) ?? 0
            let rows = try await sql.raw(
                "SELECT data FROM fin_transactions WHERE \(whereClause) ORDER BY day DESC, transaction_id LIMIT \(bind: limit) OFFSET \(bind: skip)"
            ).all()
            return Page(
                items: try rows.map { try JSONColumn.decode(Transaction.self, try $0.decode(column: "data", as: String.self)) },
                total: total, skip: skip, limit: limit)
        }
    }

    public func accounts(userID: UUID) async throws -> [Account] {
        try await database.withConnection { sql in
            try await sql.raw("SELECT data FROM fin_accounts WHERE user_id = \(bind: userID.dbValue) ORDER BY account_id").all()
                .map { try JSONColumn.decode(Account.self, try $0.decode(column: "data", as: String.self)) }
        }
    }

    public func spending(userID: UUID, from: Day, to: Day) async throws -> SpendingBreakdown {
        try await database.withConnection { sql in
            // Spending as the engine defines it: money out of deposit and credit accounts, not transfers, loan or
            // card payments, or income.
            let rows = try await sql.raw(
                """
                SELECT t.category_primary AS category, SUM(t.amount) AS total, COUNT(*) AS n
                FROM fin_transactions t JOIN fin_accounts a ON a.user_id = t.user_id AND a.account_id = t.account_id
                WHERE t.user_id = \(bind: userID.dbValue) AND t.day >= \(bind: from.ordinal) AND t.day <= \(bind: to.ordinal)
                  AND t.amount > 0 AND t.pending = \(bind: false) AND a.type <> 'loan'
                  AND t.category_primary NOT IN ('TRANSFER_IN', 'TRANSFER_OUT', 'LOAN_PAYMENTS', 'LOAN_DISBURSEMENTS', 'INCOME')
                GROUP BY t.category_primary
                """
            ).all()
            var categories = try rows.map { row in
                SpendingCategory(
                    category: try row.decode(column: "category", as: String.self),
                    total: ((try row.decode(column: "total", as: Double.self)) * 100).rounded() / 100,
                    count: try row.decode(column: "n", as: Int.self), share: 0)
            }
            let total = categories.reduce(0) { $0 + $1.total }
            for index in categories.indices {
                categories[index].share = total > 0 ? (categories[index].total / total * 10000).rounded() / 10000 : 0
            }
            categories.sort { ($0.total, $0.category) > ($1.total, $1.category) }
            return SpendingBreakdown(from: from, to: to, total: (total * 100).rounded() / 100, categories: categories)
        }
    }

    public func deleteUserData(userID: UUID) async throws -> (summary: DeletionSummary, blobKeys: [String]) {
        let user = userID.dbValue
        return try await database.transaction { sql in
            let keys = try await sql.raw("SELECT blob_key FROM uploads WHERE user_id = \(bind: user) AND blob_key IS NOT NULL").all()
                .compactMap { try $0.decode(column: "blob_key", as: String?.self) }
            func delete(_ table: String) async throws -> Int {
                try await sql.raw("DELETE FROM \(ident: table) WHERE user_id = \(bind: user) RETURNING user_id").all().count
            }
            var summary = DeletionSummary()
            summary.recommendations = try await delete("recommendations")
            _ = try await delete("recommendation_decisions")
            _ = try await delete("feedback")
            summary.personaHistory = try await delete("persona_history")
            summary.signalSnapshots = try await delete("signal_snapshots")
            summary.liabilities = try await delete("fin_liabilities")
            summary.transactions = try await delete("fin_transactions")
            summary.accounts = try await delete("fin_accounts")
            summary.jobs = try await delete("jobs")
            summary.uploads = try await delete("uploads")
            summary.blobs = keys.count
            return (summary, keys)
        }
    }
}
