import Foundation
import Hummingbird
import Models
import Storage

/// `/api/v1/recommendations`: what a user may see (approved, with consent) and their feedback.
struct RecommendationsController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: mine)
        group.get("{recommendation_id}", use: show)
        group.post("{recommendation_id}/feedback", use: feedback)
    }

    /// Approved recommendations of `userID`, without decision traces, cached per user. A user has no others, so
    /// asking for another status is an empty page.
    static func forUser(
        _ userID: UUID, status: RecommendationStatus? = nil, paging: Paging, dependencies: AppDependencies
    ) async throws -> Page<Recommendation> {
        if let status, status != .approved { return Page(items: [], total: 0, skip: paging.skip, limit: paging.limit) }
        return try await dependencies.cache.value("recommendations:approved:\(paging.skip):\(paging.limit)", userID: userID) {
            var page = try await dependencies.recommendations.list(userID: userID, status: .approved, skip: paging.skip, limit: paging.limit)
            page.items = page.items.map { item in
                var copy = item
                copy.decisionTrace = nil
                return copy
            }
            return page
        }
    }

    @Sendable func mine(_ request: Request, context: AppRequestContext) async throws -> Page<Recommendation> {
        let identity = try context.requireIdentity()
        try await dependencies.access.ensureOwnConsent(identity, context: context)
        return try await Self.forUser(
            identity.user.id, status: try request.recommendationStatusQuery(), paging: try Paging(request), dependencies: dependencies)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Recommendation {
        let identity = try context.requireIdentity()
        let id = try context.parameters.uuid("recommendation_id")
        guard var item = try await dependencies.recommendations.find(id: id) else { throw AppError.notFound("No recommendation with id \(id)") }
        if item.userID == identity.user.id {
            try await dependencies.access.ensureOwnConsent(identity, context: context)
            // Until an operator approves it, a recommendation does not exist for its user.
            guard item.status == .approved else { throw AppError.notFound("No recommendation with id \(id)") }
            item.decisionTrace = nil
            return item
        }
        try await dependencies.access.ensureCanRead(item.userID, identity: identity, what: "recommendation", context: context)
        return item
    }

    @Sendable func feedback(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<Feedback> {
        let identity = try context.requireIdentity()
        let id = try context.parameters.uuid("recommendation_id")
        let body = try await request.decodeJSON(FeedbackRequest.self, context: context)
        var fields: [String: String] = [:]
        if !(1...5).contains(body.rating) { fields["rating"] = "must be 1 to 5" }
        if let comment = body.comment, comment.count > 2000 { fields["comment"] = "must be at most 2,000 characters" }
        guard fields.isEmpty else { throw AppError.validation("Invalid feedback", fields: fields) }
        guard let item = try await dependencies.recommendations.find(id: id), item.userID == identity.user.id, item.status == .approved else {
            throw AppError.notFound("No recommendation with id \(id)")
        }
        try await dependencies.access.ensureOwnConsent(identity, context: context)
        let saved = try await dependencies.recommendations.saveFeedback(recommendationID: id, userID: identity.user.id, request: body, now: Date())
        dependencies.metrics.increment("recommendation_feedback_total")
        await dependencies.audit.record(
            AuditAction.feedback, actor: identity.user.id, targetType: "recommendation", targetID: id.uuidString.lowercased(),
            details: ["rating": .number(Double(body.rating))], context: context)
        return EditedResponse(status: .created, response: saved)
    }
}
