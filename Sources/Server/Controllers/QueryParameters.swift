import Foundation
import Hummingbird
import Models
import Storage

/// `skip`/`limit` (alias `offset`) query parameters, validated: `skip` is 0…`maxSkip` (so `skip + limit` can
/// never overflow, and no query walks further than that), `limit` 1…the route's maximum.
struct Paging {
    /// The deepest offset any list accepts (documented in the OpenAPI document).
    static let maxSkip = 1_000_000
    var skip: Int
    var limit: Int

    init(_ request: Request, defaultLimit: Int = 50, maxLimit: Int = 500) throws {
        let query = request.uri.queryParameters
        let skipText = query["skip"].map(String.init) ?? query["offset"].map(String.init)
        let limitText = query["limit"].map(String.init)
        guard let skip = skipText.map({ Int($0) }) ?? Optional(0), (0...Self.maxSkip).contains(skip) else {
            throw AppError.validation("skip must be an integer from 0 to \(Self.maxSkip)", fields: ["skip": "0…\(Self.maxSkip)"])
        }
        guard let limit = limitText.map({ Int($0) }) ?? Optional(defaultLimit), (1...maxLimit).contains(limit) else {
            throw AppError.validation("limit must be between 1 and \(maxLimit)", fields: ["limit": "1…\(maxLimit)"])
        }
        self.skip = skip
        self.limit = limit
    }
}

extension Request {
    /// The `status` filter of a recommendation list: nil when absent or `all`, 400 for anything but a status.
    func recommendationStatusQuery() throws -> RecommendationStatus? {
        guard let text = uri.queryParameters["status"].map(String.init), text != "all" else { return nil }
        guard let status = RecommendationStatus(rawValue: text) else {
            throw AppError.validation("status must be pending, approved, rejected or all", fields: ["status": "pending|approved|rejected|all"])
        }
        return status
    }

    /// A UUID query parameter, nil when absent, 400 when malformed.
    func uuidQuery(_ name: String) throws -> UUID? {
        guard let text = uri.queryParameters[Substring(name)] else { return nil }
        guard let id = UUID(uuidString: String(text)) else { throw AppError.validation("\(name) is not a UUID", fields: [name: "must be a UUID"]) }
        return id
    }

    /// `from`, `to`, `account_id` and `category` (primary or detailed) filters for transaction lists.
    func transactionFilter() throws -> TransactionFilter {
        let query = uri.queryParameters
        return TransactionFilter(
            from: try dayQuery("from"), to: try dayQuery("to"), accountID: query["account_id"].map(String.init),
            category: query["category"].map(String.init))
    }

    /// A `YYYY-MM-DD` query parameter, nil when absent, 400 when malformed.
    func dayQuery(_ name: String) throws -> Day? {
        guard let text = uri.queryParameters[Substring(name)] else { return nil }
        guard let day = Day(String(text)) else { throw AppError.validation("\(name) must be a date like 2026-10-31", fields: [name: "YYYY-MM-DD"]) }
        return day
    }
}

extension Parameters {
    /// A UUID path parameter; anything else is 400 VALIDATION_FAILED naming the parameter.
    func uuid(_ name: String) throws -> UUID {
        guard let text = self[Substring(name)], let id = UUID(uuidString: String(text)) else {
            throw AppError.validation("\(name) must be a UUID", fields: [name: "must be a UUID"])
        }
        return id
    }
}
