import Engine
import Foundation
import Models
import SQLKit

/// Bulk rows for benchmarks (`spendsense-server bench-seed`): consenting users with pending recommendations,
/// written with multi-row inserts. Not used by the product itself.
public struct BenchmarkSeeder: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    /// Creates `users` consenting users with `perUser` pending recommendations each; returns rows written.
    public func seedReviewQueue(users: Int, perUser: Int, now: Date = Date()) async throws -> Int {
        let types: [RecommendationType] = [.education, .education, .education, .partnerOffer]
        let personas = PersonaID.allCases
        var written = 0
        let trace = try JSONColumn.encode(
            DecisionTrace(
                engineVersion: SpendSenseVersion.engine, asOf: Day(year: 2026, month: 10, day: 31), catalogItemID: "bench", persona: .general,
                personaPriority: 99, personaCriteria: [], signals: ["bench": "1"], checks: [TraceCheck(name: "relevance", passed: true, detail: "bench")],
                generatedInMicroseconds: 1))
        for batchStart in stride(from: 0, to: users, by: 200) {
            let batch = batchStart..<min(users, batchStart + 200)
            try await database.transaction { sql in
                var userRows: [SQLQueryString] = []
                var consentRows: [SQLQueryString] = []
                var recommendationRows: [SQLQueryString] = []
                for index in batch {
                    let id = UUID()
                    let created = now.addingTimeInterval(-Double(index))
                    userRows.append("(\(bind: id.dbValue), \(bind: String(format: "bench-%06d@example.com", index)), \(bind: "Bench User \(index)"), 'user', \(bind: created.dbValue), \(bind: created.dbValue))")
                    consentRows.append("(\(bind: id.dbValue), \(bind: true), '1', \(bind: created.dbValue), \(bind: created.dbValue))")
                    for item in 0..<perUser {
                        let type = types[item % types.count]
                        let persona = personas[(index + item) % personas.count]
                        recommendationRows.append(
                            "(\(bind: UUID().dbValue), \(bind: id.dbValue), \(bind: type.rawValue), 'bench', \(bind: "Benchmark item \(item) for user \(index)"), 'Content', \(bind: "Your balance is $\(index % 5000) of a $5,000 limit."), \(bind: Self.standardDisclaimerText), 'pending', \(bind: persona.rawValue), 1, \(bind: trace), \(bind: true), \(bind: true), \(bind: created.addingTimeInterval(Double(item)).dbValue), \(bind: created.dbValue))")
                    }
                }
                try await sql.raw("INSERT INTO users (id, email, name, role, created_at, updated_at) VALUES \(userRows.joined(by: ", "))").run()
                try await sql.raw("INSERT INTO consents (user_id, granted, consent_version, granted_at, updated_at) VALUES \(consentRows.joined(by: ", "))").run()
                for chunk in stride(from: 0, to: recommendationRows.count, by: 500) {
                    let rows = Array(recommendationRows[chunk..<min(recommendationRows.count, chunk + 500)])
                    try await sql.raw(
                        """
                        INSERT INTO recommendations (id, user_id, type, catalog_item_id, title, content, rationale, disclaimer, status, persona, version, trace, cites_data, trace_complete, created_at, updated_at)
                        VALUES \(rows.joined(by: ", "))
                        """
                    ).run()
                }
            }
            written += batch.count * perUser
        }
        return written
    }

    static let standardDisclaimerText =
        "This is educational content, not financial advice. Consult a licensed advisor for personalized guidance."
}
