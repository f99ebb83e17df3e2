import Foundation
import Models

/// Picks 3–5 education items and 1–3 eligible partner offers for one user, each with a rationale that cites
/// the user's own numbers, the disclaimer, and a full decision trace.
///
/// Order of preference: items written for the primary persona, then for other matched personas, then general
/// items; within each group, catalog order. An item is used only when it applies to the data, its rationale
/// can be filled with real numbers, and its text passes the tone guardrail; an offer additionally needs every
/// eligibility check to pass.
public struct RecommendationEngine: Sendable {
    public var catalog: [CatalogItem]
    public var maxEducation = 5
    public var minEducation = 3
    public var maxOffers = 3

    public init(catalog: [CatalogItem] = Catalog.standard) { self.catalog = catalog }

    public func recommend(data: FinancialData, report: SignalReport, personas: PersonaAssignment) -> [RecommendationDraft] {
        let facts = Facts(data: data, report: report, personas: personas)
        let matched = personas.matched
        func rank(_ item: CatalogItem) -> Int {
            if item.personas.contains(personas.primary) { return 0 }
            if !item.personas.isDisjoint(with: matched) { return 1 }
            if item.personas.contains(.general) { return 2 }
            return 3
        }
        let ordered = catalog.enumerated().map { (index: $0.offset, item: $0.element, rank: rank($0.element)) }
            .filter { $0.rank < 3 }
            .sorted { ($0.rank, $0.index) < ($1.rank, $1.index) }
        var education: [RecommendationDraft] = []
        var offers: [RecommendationDraft] = []
        for candidate in ordered {
            let item = candidate.item
            switch item.type {
            case .education where education.count < maxEducation:
                if let draft = evaluate(item, facts: facts) { education.append(draft) }
            case .partnerOffer where offers.count < maxOffers:
                if let draft = evaluate(item, facts: facts) { offers.append(draft) }
            default:
                continue
            }
        }
        return education + offers
    }

    /// The draft for `item`, or nil when any check fails.
    func evaluate(_ item: CatalogItem, facts: Facts) -> RecommendationDraft? {
        let started = ContinuousClock.now
        guard item.applies(facts) else { return nil }
        guard let rationale = item.rationale(facts) else { return nil }
        var checks = [
            TraceCheck(name: "relevance", passed: true, detail: "applies when \(item.relevance)", values: ["persona_tags": item.personas.map(\.rawValue).sorted().joined(separator: ", ")]),
            TraceCheck(
                name: "rationale_cites_data", passed: rationale.text.contains(where: \.isNumber),
                detail: "the rationale quotes figures from the user's data", values: rationale.signals),
        ]
        checks.append(ToneGuardrail.check("\(item.title)\n\(item.content)\n\(rationale.text)"))
        if let terms = item.offer { checks += Eligibility.checks(for: terms, facts: facts) }
        guard checks.allSatisfy(\.passed) else { return nil }
        let persona = facts.personas.primary
        let criteria = facts.personas.evaluations.first { $0.persona == persona }?.criteria.filter(\.met) ?? []
        let elapsed = ContinuousClock.now - started
        let trace = DecisionTrace(
            engineVersion: SpendSenseVersion.engine, asOf: facts.report.asOf, catalogItemID: item.id, persona: persona,
            personaPriority: persona.priority, personaCriteria: criteria, signals: rationale.signals, checks: checks,
            generatedInMicroseconds: Int(elapsed.components.attoseconds / 1_000_000_000_000) + Int(elapsed.components.seconds) * 1_000_000)
        return RecommendationDraft(
            type: item.type, catalogItemID: item.id, title: item.title, content: item.content, rationale: rationale.text,
            disclaimer: standardDisclaimer, trace: trace)
    }
}

/// What one run of the engine produces for a user.
public struct InsightResult: Sendable, Equatable {
    public var report: SignalReport
    public var personas: PersonaAssignment
    public var recommendations: [RecommendationDraft]
}

/// The whole pipeline for one user's validated data: signals → personas → recommendations.
public enum InsightPipeline {
    public static func run(_ data: FinancialData, asOf: Day? = nil, engine: RecommendationEngine = RecommendationEngine()) -> InsightResult {
        let report = SignalEngine.report(data, asOf: asOf)
        let personas = PersonaEngine.assign(report)
        let recommendations = engine.recommend(data: data, report: report, personas: personas)
        return InsightResult(report: report, personas: personas, recommendations: recommendations)
    }
}
