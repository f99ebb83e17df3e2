import Engine
import Foundation
import HTTPTypes
import Hummingbird
import Models
import Storage

/// `/api/v1/operator`: the review queue, decisions, bulk actions, user tools. Operators and admins.
struct OperatorController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("review", use: queue)
        group.post("review/bulk", use: bulk)
        group.get("review/{recommendation_id}", use: detail)
        group.post("review/{recommendation_id}/approve", use: approve)
        group.post("review/{recommendation_id}/reject", use: reject)
        group.put("review/{recommendation_id}", use: modify)
        group.post("users/{user_id}/generate-recommendations", use: generate)
        group.get("users", use: users)
        group.get("users/{user_id}", use: user)
        group.get("users/{user_id}/accounts", use: accounts)
        group.get("users/{user_id}/transactions", use: transactions)
        group.get("users/{user_id}/liabilities", use: liabilities)
    }

    // MARK: - Users

    @Sendable func users(_ request: Request, context: AppRequestContext) async throws -> Page<OperatorUserRow> {
        let identity = try context.requireIdentity()
        let paging = try Paging(request)
        var persona: PersonaID?
        if let text = request.uri.queryParameters["persona"] {
            guard let parsed = PersonaID(rawValue: String(text)) else {
                throw AppError.validation("unknown persona", fields: ["persona": PersonaID.allCases.map(\.rawValue).joined(separator: "|")])
            }
            persona = parsed
        }
        var page = try await dependencies.users.operatorList(
            text: request.uri.queryParameters["q"].map(String.init), persona: persona, skip: paging.skip, limit: paging.limit)
        if identity.role < .admin {
            page.items = page.items.map { row in
                var copy = row
                copy.user.email = row.user.email.map(EmailAddress.masked)
                if !row.consentGranted { copy.user.phoneNumber = nil; copy.user.monthlyIncome = nil }
                return copy
            }
        }
        return page
    }

    private func consentedUser(_ context: AppRequestContext, what: String) async throws -> (Identity, UUID) {
        let identity = try context.requireIdentity()
        let userID = try context.parameters.uuid("user_id")
        guard try await dependencies.users.find(id: userID) != nil else { throw AppError.notFound("No user with id \(userID)") }
        try await dependencies.access.ensureCanRead(userID, identity: identity, what: what, context: context)
        return (identity, userID)
    }

    @Sendable func user(_ request: Request, context: AppRequestContext) async throws -> OperatorUserDetail {
        let (identity, userID) = try await consentedUser(context, what: "user")
        guard var user = try await dependencies.users.find(id: userID)?.user else { throw AppError.notFound("No user with id \(userID)") }
        if identity.role < .admin { user.email = user.email.map(EmailAddress.masked) }
        let snapshot = try await dependencies.insights.snapshot(userID: userID)
        return OperatorUserDetail(
            user: user, consent: try await dependencies.consents.status(userID: userID),
            persona: snapshot.map { PersonaSummary(assignment: $0.personas, asOf: $0.report.asOf) },
            recentUploads: try await dependencies.uploads.list(userIDs: [userID], skip: 0, limit: 5).items,
            pendingRecommendations: try await dependencies.recommendations.list(userID: userID, status: .pending, skip: 0, limit: 1).total)
    }

    @Sendable func accounts(_ request: Request, context: AppRequestContext) async throws -> [Account] {
        let (_, userID) = try await consentedUser(context, what: "accounts")
        return try await dependencies.insights.accounts(userID: userID)
    }

    @Sendable func transactions(_ request: Request, context: AppRequestContext) async throws -> Page<Transaction> {
        let (_, userID) = try await consentedUser(context, what: "transactions")
        let paging = try Paging(request, defaultLimit: 100, maxLimit: 1000)
        return try await dependencies.insights.transactions(
            userID: userID, filter: try request.transactionFilter(), skip: paging.skip, limit: paging.limit)
    }

    @Sendable func liabilities(_ request: Request, context: AppRequestContext) async throws -> Liabilities {
        let (_, userID) = try await consentedUser(context, what: "liabilities")
        return try await dependencies.insights.financialData(userID: userID)?.liabilities ?? Liabilities()
    }

    // MARK: - Queue

    @Sendable func queue(_ request: Request, context: AppRequestContext) async throws -> Page<ReviewItem> {
        let identity = try context.requireIdentity()
        let paging = try Paging(request, defaultLimit: 50, maxLimit: 500)
        let query = try Self.reviewQuery(request)
        var page = try await dependencies.reviews.queue(query, skip: paging.skip, limit: paging.limit)
        page.items = page.items.map { mask($0, for: identity) }
        return page
    }

    static func reviewQuery(_ request: Request) throws -> ReviewQuery {
        let q = request.uri.queryParameters
        var query = ReviewQuery()
        if q["status"] != nil { query.status = try request.recommendationStatusQuery() }
        if let type = q["type"].map(String.init) {
            guard let parsed = RecommendationType(rawValue: type) else {
                throw AppError.validation("type must be education or partner_offer", fields: ["type": "education|partner_offer"])
            }
            query.type = parsed
        }
        if let persona = q["persona"].map(String.init) {
            guard let parsed = PersonaID(rawValue: persona) else {
                throw AppError.validation("unknown persona", fields: ["persona": PersonaID.allCases.map(\.rawValue).joined(separator: "|")])
            }
            query.persona = parsed
        }
        query.userID = try request.uuidQuery("user_id")
        for (name, assign) in [("created_from", { (d: Date) in query.createdFrom = d }), ("created_to", { (d: Date) in query.createdTo = d })] {
            guard let text = q[Substring(name)].map(String.init) else { continue }
            if let date = ISO8601.parse(text) {
                assign(date)
            } else if let day = Day(text) {
                assign(Date(timeIntervalSince1970: Double(day.ordinal) * 86400 + (name == "created_to" ? 86399 : 0)))
            } else {
                throw AppError.validation("\(name) must be a date or timestamp", fields: [name: "YYYY-MM-DD or ISO-8601"])
            }
        }
        query.text = q["q"].map(String.init) ?? q["search"].map(String.init)
        if let sort = q["sort"].map(String.init) {
            let field = sort.hasPrefix("-") ? String(sort.dropFirst()) : sort
            guard let parsed = ReviewQuery.SortField(rawValue: field) else {
                throw AppError.validation("sort must be one of created_at, type, persona, user, status", fields: ["sort": "created_at|type|persona|user|status"])
            }
            query.sort = parsed
            query.descending = sort.hasPrefix("-")
        }
        if let order = q["order"].map(String.init) {
            guard order == "asc" || order == "desc" else { throw AppError.validation("order must be asc or desc", fields: ["order": "asc|desc"]) }
            query.descending = order == "desc"
        }
        return query
    }

    /// Operators see masked emails; admins the full address.
    func mask(_ item: ReviewItem, for identity: Identity) -> ReviewItem {
        guard identity.role < .admin, let email = item.userEmail else { return item }
        var copy = item
        copy.userEmail = EmailAddress.masked(email)
        return copy
    }

    @Sendable func detail(_ request: Request, context: AppRequestContext) async throws -> ReviewDetail {
        let identity = try context.requireIdentity()
        let id = try context.parameters.uuid("recommendation_id")
        guard let item = try await dependencies.reviews.item(id: id) else { throw AppError.notFound("No recommendation with id \(id)") }
        try await dependencies.access.ensureCanRead(item.recommendation.userID, identity: identity, what: "review_item", context: context)
        let snapshot = try await dependencies.insights.snapshot(userID: item.recommendation.userID)
        return ReviewDetail(
            item: mask(item, for: identity),
            persona: snapshot.map { PersonaSummary(assignment: $0.personas, asOf: $0.report.asOf) },
            keySignals: snapshot.map { Self.keySignals($0.report) } ?? [:],
            history: try await dependencies.reviews.history(recommendationID: id))
    }

    static func keySignals(_ report: SignalReport) -> [String: String] {
        let w = report.window180
        var signals: [String: String] = [
            "as_of": report.asOf.description,
            "monthly_income": String(format: "%.2f", w.income.monthlyIncome),
            "pay_frequency": w.income.frequency.rawValue,
            "cash_buffer_months": String(format: "%.2f", w.income.cashBufferMonths),
            "recurring_merchants_90d": String(report.window30.subscriptions.count),
            "monthly_recurring_spend": String(format: "%.2f", report.window30.subscriptions.monthlyRecurringSpend),
            "savings_balance": String(format: "%.2f", w.savings.savingsBalance),
            "savings_growth_180d": String(format: "%.4f", w.savings.growthRate),
            "interest_charged_180d": String(format: "%.2f", w.credit.totalInterestCharged),
        ]
        if let utilization = w.credit.maxUtilization { signals["max_card_utilization"] = String(format: "%.4f", utilization) }
        if let ratio = w.spendToIncome { signals["spend_to_income_180d"] = String(format: "%.4f", ratio) }
        return signals
    }

    // MARK: - Decisions

    /// The version the client saw: `If-Match` header (a bare or quoted number) or the body's `version`.
    static func expectedVersion(_ request: Request, body: ReviewDecisionRequest) throws -> Int? {
        if let header = request.headers[.ifMatch] {
            let trimmed = header.trimmingCharacters(in: CharacterSet(charactersIn: "\" W/"))
            guard let version = Int(trimmed) else { throw AppError.validation("If-Match must be the item's version number", fields: ["If-Match": "integer"]) }
            return version
        }
        return body.version
    }

    func decide(_ request: Request, context: AppRequestContext, action: ReviewAction) async throws -> Recommendation {
        let identity = try context.requireIdentity()
        let id = try context.parameters.uuid("recommendation_id")
        let body = try await request.decodeJSONOrEmpty(ReviewDecisionRequest.self, context: context)
        let change = try Self.change(action, body)
        guard let item = try await dependencies.recommendations.find(id: id) else { throw AppError.notFound("No recommendation with id \(id)") }
        try await dependencies.access.ensureCanRead(item.userID, identity: identity, what: "review_decision", context: context)
        let outcome = try await dependencies.reviews.decide(
            id: id, expectedVersion: try Self.expectedVersion(request, body: body), change: change, actorID: identity.user.id, now: Date())
        switch outcome {
        case .decided(let recommendation, let decision):
            await dependencies.cache.invalidate(recommendation.userID)
            await dependencies.audit.record(
                "review.\(action.rawValue)", actor: identity.user.id, targetType: "recommendation", targetID: id.uuidString.lowercased(),
                details: Self.auditDetails(decision), context: context)
            return recommendation
        case .stale(let current, let last), .alreadyFinal(let current, let last):
            throw Self.conflict(outcome: outcome, current: current, last: last)
        case .notFound:
            throw AppError.notFound("No recommendation with id \(id)")
        }
    }

    static func change(_ action: ReviewAction, _ body: ReviewDecisionRequest) throws -> DecisionChange {
        switch action {
        case .approve:
            return DecisionChange(action: .approve, note: try limited(body.note, "note", 2000))
        case .reject:
            var fields: [String: String] = [:]
            let code = body.reasonCode.flatMap(RejectionReason.init(rawValue:))
            if code == nil { fields["reason_code"] = "one of " + RejectionReason.allCases.map(\.rawValue).joined(separator: ", ") }
            let reason = body.reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if reason.isEmpty || reason.count > 2000 { fields["reason"] = "required, at most 2,000 characters" }
            guard fields.isEmpty, let code else { throw AppError.validation("A rejection needs a reason code and a reason", fields: fields) }
            return DecisionChange(action: .reject, note: try limited(body.note, "note", 2000), reasonCode: code.rawValue, reason: reason)
        case .modify:
            guard body.title != nil || body.content != nil || body.rationale != nil else {
                throw AppError.validation("Give at least one of title, content, rationale", fields: ["title": "optional", "content": "optional", "rationale": "optional"])
            }
            var fields: [String: String] = [:]
            for (name, value, limit) in [("title", body.title, 200), ("content", body.content, 5000), ("rationale", body.rationale, 2000)] {
                guard let value else { continue }
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty || trimmed.count > limit { fields[name] = "1–\(limit) characters" }
                let found = ToneGuardrail.violations(in: trimmed)
                if !found.isEmpty { fields[name] = "judgmental wording is not allowed: \(found.joined(separator: ", "))" }
            }
            guard fields.isEmpty else { throw AppError.validation("The modified text was refused", fields: fields) }
            return DecisionChange(
                action: .modify, note: try limited(body.note, "note", 2000), title: body.title?.trimmingCharacters(in: .whitespacesAndNewlines),
                content: body.content?.trimmingCharacters(in: .whitespacesAndNewlines), rationale: body.rationale?.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    static func limited(_ value: String?, _ name: String, _ limit: Int) throws -> String? {
        guard let value else { return nil }
        guard value.count <= limit else { throw AppError.validation("\(name) is too long", fields: [name: "at most \(limit) characters"]) }
        return value
    }

    static func conflict(outcome: DecisionOutcome, current: Recommendation, last: ReviewDecision?) -> AppError {
        var details: [String: JSONValue] = ["current_version": .number(Double(current.version)), "current_status": .string(current.status.rawValue)]
        if let last {
            details["decided_by"] = .string(last.actorEmail ?? last.actorID.uuidString)
            details["decided_action"] = .string(last.action.rawValue)
            details["decided_at"] = .string(last.at.formatted(.iso8601))
        }
        if case .stale = outcome {
            return AppError(.conflict, code: "VERSION_CONFLICT", "Someone changed this recommendation since you loaded it (now version \(current.version))", details: details)
        }
        return AppError(.conflict, code: "ALREADY_DECIDED", "This recommendation is already \(current.status.rawValue)", details: details)
    }

    static func auditDetails(_ decision: ReviewDecision) -> [String: JSONValue] {
        var details: [String: JSONValue] = ["version": .number(Double(decision.versionAfter))]
        if let code = decision.reasonCode { details["reason_code"] = .string(code) }
        if let reason = decision.reason { details["reason"] = .string(reason) }
        if let note = decision.note { details["note"] = .string(note) }
        if let after = decision.after { details["changed"] = .array(after.keys.sorted().map { .string($0) }) }
        return details
    }

    @Sendable func approve(_ request: Request, context: AppRequestContext) async throws -> Recommendation {
        try await decide(request, context: context, action: .approve)
    }

    @Sendable func reject(_ request: Request, context: AppRequestContext) async throws -> Recommendation {
        try await decide(request, context: context, action: .reject)
    }

    @Sendable func modify(_ request: Request, context: AppRequestContext) async throws -> Recommendation {
        try await decide(request, context: context, action: .modify)
    }

    @Sendable func bulk(_ request: Request, context: AppRequestContext) async throws -> BulkReviewResult {
        let identity = try context.requireIdentity()
        let body = try await request.decodeJSON(BulkReviewRequest.self, context: context)
        guard body.action != .modify else { throw AppError.validation("Bulk actions are approve or reject", fields: ["action": "approve|reject"]) }
        guard (1...500).contains(body.recommendationIDs.count) else {
            throw AppError.validation("Send 1 to 500 recommendation ids", fields: ["recommendation_ids": "1…500 ids"])
        }
        let change = try Self.change(body.action, ReviewDecisionRequest(note: body.note, reasonCode: body.reasonCode, reason: body.reason))
        var results: [BulkItemResult] = []
        var consentByUser: [UUID: Bool] = [:]
        var invalidated = Set<UUID>()
        for id in body.recommendationIDs {
            guard let item = try await dependencies.recommendations.find(id: id) else {
                results.append(BulkItemResult(recommendationID: id, result: "not_found"))
                continue
            }
            if consentByUser[item.userID] == nil { consentByUser[item.userID] = try await dependencies.consents.isGranted(userID: item.userID) }
            guard consentByUser[item.userID] == true else {
                results.append(BulkItemResult(recommendationID: id, result: "forbidden", detail: "the user has not granted consent"))
                continue
            }
            switch try await dependencies.reviews.decide(id: id, expectedVersion: nil, change: change, actorID: identity.user.id, now: Date()) {
            case .decided(let recommendation, let decision):
                results.append(BulkItemResult(recommendationID: id, result: body.action == .approve ? "approved" : "rejected"))
                invalidated.insert(recommendation.userID)
                var details = Self.auditDetails(decision)
                details["bulk"] = .bool(true)
                await dependencies.audit.record(
                    "review.\(body.action.rawValue)", actor: identity.user.id, targetType: "recommendation", targetID: id.uuidString.lowercased(),
                    details: details, context: context)
            case .stale(let current, _), .alreadyFinal(let current, _):
                results.append(BulkItemResult(recommendationID: id, result: "conflict", detail: "already \(current.status.rawValue) (version \(current.version))"))
            case .notFound:
                results.append(BulkItemResult(recommendationID: id, result: "not_found"))
            }
        }
        for user in invalidated { await dependencies.cache.invalidate(user) }
        return BulkReviewResult(results: results)
    }

    @Sendable func generate(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<[String: String]> {
        let identity = try context.requireIdentity()
        let userID = try context.parameters.uuid("user_id")
        try await dependencies.access.ensureCanRead(userID, identity: identity, what: "generate_recommendations", context: context)
        guard try await dependencies.insights.snapshot(userID: userID) != nil else {
            throw AppError(.conflict, code: "NO_DATA", "This user has no processed data to generate from")
        }
        let job = try await dependencies.uploads.enqueueRecommendations(userID: userID, now: Date())
        await dependencies.audit.record(
            "operator.generate_recommendations", actor: identity.user.id, targetType: "user", targetID: userID.uuidString.lowercased(),
            details: ["job_id": .string(job.uuidString.lowercased())], context: context)
        return EditedResponse(status: .accepted, response: ["job_id": job.uuidString.lowercased(), "status": "pending"])
    }
}
