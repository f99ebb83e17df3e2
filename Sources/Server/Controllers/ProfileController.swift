import Foundation
import Hummingbird
import Models
import Storage

/// `/api/v1/users/{user_id}/…`: a user's behavioral profile, signals, persona, transactions and
/// recommendations. The user, or an operator/admin while the user consents.
struct ProfileController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("{user_id}/profile", use: profile)
        group.get("{user_id}/signals", use: signals)
        group.get("{user_id}/persona", use: persona)
        group.get("{user_id}/persona-history", use: personaHistory)
        group.get("{user_id}/transactions", use: transactions)
        group.get("{user_id}/spending-categories", use: spendingCategories)
        group.get("{user_id}/recommendations", use: recommendations)
    }

    private func target(_ context: AppRequestContext, what: String) async throws -> (Identity, UUID) {
        let identity = try context.requireIdentity()
        let userID = try context.parameters.uuid("user_id")
        try await dependencies.access.ensureCanRead(userID, identity: identity, what: what, context: context)
        return (identity, userID)
    }

    private func snapshot(_ userID: UUID) async throws -> (report: SignalReport, personas: PersonaAssignment, updatedAt: Date) {
        guard let snapshot = try await dependencies.insights.snapshot(userID: userID) else {
            throw AppError(.notFound, code: "NO_DATA", "No processed data for this user yet; upload a file first")
        }
        return snapshot
    }

    @Sendable func profile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, userID) = try await target(context, what: "profile")
        return try await dependencies.cache.response("profile", userID: userID) {
            guard let snapshot = try await dependencies.insights.snapshot(userID: userID) else {
                return Profile(userID: userID, persona: nil, signals30d: nil, signals180d: nil, updatedAt: nil)
            }
            return Profile(
                userID: userID, persona: PersonaSummary(assignment: snapshot.personas, asOf: snapshot.report.asOf),
                signals30d: snapshot.report.window30, signals180d: snapshot.report.window180, updatedAt: snapshot.updatedAt)
        }
    }

    @Sendable func signals(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, userID) = try await target(context, what: "signals")
        return try await dependencies.cache.response("signals", userID: userID) { try await snapshot(userID).report }
    }

    @Sendable func persona(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, userID) = try await target(context, what: "persona")
        return try await dependencies.cache.response("persona", userID: userID) {
            let snapshot = try await snapshot(userID)
            return PersonaSummary(assignment: snapshot.personas, asOf: snapshot.report.asOf)
        }
    }

    @Sendable func personaHistory(_ request: Request, context: AppRequestContext) async throws -> Page<PersonaHistoryEntry> {
        let (_, userID) = try await target(context, what: "persona_history")
        let paging = try Paging(request, defaultLimit: 50, maxLimit: 200)
        return try await dependencies.insights.personaHistory(userID: userID, skip: paging.skip, limit: paging.limit)
    }

    @Sendable func transactions(_ request: Request, context: AppRequestContext) async throws -> Page<Transaction> {
        let (_, userID) = try await target(context, what: "transactions")
        let paging = try Paging(request, defaultLimit: 100, maxLimit: 1000)
        return try await dependencies.insights.transactions(
            userID: userID, filter: try request.transactionFilter(), skip: paging.skip, limit: paging.limit)
    }

    @Sendable func spendingCategories(_ request: Request, context: AppRequestContext) async throws -> SpendingBreakdown {
        let (_, userID) = try await target(context, what: "spending_categories")
        let snapshot = try await snapshot(userID)
        let to = try request.dayQuery("to") ?? snapshot.report.asOf
        let from = try request.dayQuery("from") ?? to.adding(days: -29)
        guard from <= to else { throw AppError.validation("from must not be after to", fields: ["from": "<= to"]) }
        return try await dependencies.insights.spending(userID: userID, from: from, to: to)
    }

    @Sendable func recommendations(_ request: Request, context: AppRequestContext) async throws -> Page<Recommendation> {
        let (identity, userID) = try await target(context, what: "recommendations")
        let paging = try Paging(request)
        let status = try request.recommendationStatusQuery()
        let isStaff = identity.role >= .operator && identity.user.id != userID
        if isStaff {
            return try await dependencies.recommendations.list(userID: userID, status: status, skip: paging.skip, limit: paging.limit)
        }
        // The user themself: approved items only, and only with consent.
        try await dependencies.access.ensureOwnConsent(identity, context: context)
        return try await RecommendationsController.forUser(userID, status: status, paging: paging, dependencies: dependencies)
    }
}
