import Foundation
import Models
import Testing

@testable import Engine

@Suite("Recommendations")
struct RecommendationTests {
    @Test("the catalog has at least 25 education items and 7 offers, unique ids, and passes its own tone check")
    func catalogShape() {
        let catalog = Catalog.standard
        #expect(catalog.filter { $0.type == .education }.count >= 25)
        #expect(catalog.filter { $0.type == .partnerOffer }.count >= 7)
        #expect(Set(catalog.map(\.id)).count == catalog.count)
        for item in catalog {
            #expect(ToneGuardrail.violations(in: item.title + " " + item.content).isEmpty, "\(item.id)")
            if let offer = item.offer { #expect(!blockedProductCategories.contains(offer.category)) }
        }
    }

    @Test("every user gets 3–5 education items and 1–3 offers, each with numbers, the disclaimer and a passing trace")
    func everyRecommendationIsExplained() {
        for user in SyntheticGenerator(seed: 5).users(count: 60) {
            let result = InsightPipeline.run(user.data)
            let education = result.recommendations.filter { $0.type == .education }
            let offers = result.recommendations.filter { $0.type == .partnerOffer }
            #expect((3...5).contains(education.count), "\(user.id): \(education.count) education items")
            #expect((1...3).contains(offers.count), "\(user.id): \(offers.count) offers")
            #expect(Set(result.recommendations.map(\.catalogItemID)).count == result.recommendations.count)
            for draft in result.recommendations {
                #expect(draft.rationale.contains { $0.isNumber }, "\(draft.catalogItemID): \(draft.rationale)")
                #expect(draft.disclaimer == "This is educational content, not financial advice. Consult a licensed advisor for personalized guidance.")
                #expect(draft.trace.allChecksPassed)
                #expect(draft.trace.persona == result.personas.primary)
                #expect(draft.trace.asOf == result.report.asOf)
                #expect(draft.trace.engineVersion == SpendSenseVersion.engine)
                #expect(!draft.trace.signals.isEmpty)
                #expect(Set(draft.trace.checks.map(\.name)).isSuperset(of: ["relevance", "rationale_cites_data", "tone"]))
                if draft.type == .partnerOffer {
                    #expect(draft.trace.checks.contains { $0.name == "harmful_product_blocklist" && $0.passed })
                    #expect(draft.trace.checks.contains { $0.name == "minimum_income" })
                }
                #expect(ToneGuardrail.violations(in: draft.title + draft.content + draft.rationale).isEmpty)
            }
        }
    }

    @Test("rationales cite the user's own figures")
    func rationaleCitesNumbers() {
        var builder = DataBuilder()
        builder.baseline()
        builder.card(balance: 3400, limit: 5000)
        let result = InsightPipeline.run(builder.data)
        let utilization = try! #require(result.recommendations.first { $0.catalogItemID == "edu_utilization_basics" })
        #expect(utilization.rationale.hasPrefix("Your Visa ending in 4523 is at 68% utilization ($3,400 of a $5,000 limit)."))
    }

    @Test("a blocked product is never offered, however a catalog is written")
    func blocklist() {
        let payday = CatalogItem(
            id: "offer_payday", type: .partnerOffer, title: "Quick cash before payday", content: "Get cash today.", personas: Set(PersonaID.allCases),
            relevance: "always", applies: { _ in true }, rationale: { _ in ("You could borrow $300 today.", ["amount": "$300"]) },
            offer: OfferTerms(category: "payday_loan"))
        let titleLoan = CatalogItem(
            id: "offer_title", type: .partnerOffer, title: "Borrow against your car", content: "Cash for your title.", personas: Set(PersonaID.allCases),
            relevance: "always", applies: { _ in true }, rationale: { _ in ("Up to $2,000.", ["amount": "$2,000"]) },
            offer: OfferTerms(category: "title_loan"))
        let engine = RecommendationEngine(catalog: [payday, titleLoan] + Catalog.standard)
        for user in SyntheticGenerator(seed: 3).users(count: 30) {
            let result = InsightPipeline.run(user.data, engine: engine)
            #expect(!result.recommendations.contains { $0.catalogItemID == "offer_payday" || $0.catalogItemID == "offer_title" })
        }
        let facts = Facts(data: SyntheticGenerator().user(index: 0).data, report: SignalEngine.report(SyntheticGenerator().user(index: 0).data),
                          personas: PersonaAssignment(primary: .general, evaluations: []))
        let check = Eligibility.checks(for: OfferTerms(category: "payday_loan"), facts: facts).first { $0.name == "harmful_product_blocklist" }
        #expect(check?.passed == false)
    }

    @Test("the tone guardrail rejects shaming and keeps neutral wording")
    func tone() {
        #expect(ToneGuardrail.violations(in: "You are irresponsible with cards") == ["irresponsible"])
        #expect(ToneGuardrail.violations(in: "Stop being LAZY. You always overspend.") == ["lazy", "you always"])
        #expect(ToneGuardrail.violations(in: "Your balance is 68% of the limit; paying it down helps.").isEmpty)
        #expect(ToneGuardrail.violations(in: "A carelessness-free plan").isEmpty)  // word boundaries
        // Punctuation of any script separates words; a typographic apostrophe counts as one.
        #expect(ToneGuardrail.violations(in: "That was reckless—truly") == ["reckless"])
        #expect(ToneGuardrail.violations(in: "You can’t afford anything, «bad with money»") == ["bad with money", "you can't afford anything"])
        #expect(ToneGuardrail.violations(in: "Une dépense réfléchie, 无 lazy曜日").isEmpty)
        let shaming = CatalogItem(
            id: "edu_shame", type: .education, title: "Stop wasting money", content: "You are bad with money.", personas: Set(PersonaID.allCases),
            relevance: "always", applies: { _ in true }, rationale: { _ in ("You spent $10.", ["spend": "$10"]) })
        let result = InsightPipeline.run(SyntheticGenerator().user(index: 5).data, engine: RecommendationEngine(catalog: [shaming] + Catalog.standard))
        #expect(!result.recommendations.contains { $0.catalogItemID == "edu_shame" })
    }

    @Test("offers respect income, credit band and products already held")
    func eligibility() {
        var builder = DataBuilder()
        builder.baseline(pay: 600, spendPerWeek: 200)  // about $1,300/month
        builder.card(balance: 3000, limit: 5000)
        let result = InsightPipeline.run(builder.data)
        #expect(!result.recommendations.contains { $0.catalogItemID == "offer_balance_transfer" })  // fair band, low income
        #expect(!result.recommendations.contains { $0.catalogItemID == "offer_secured_card" })  // already has a card
        #expect(result.recommendations.contains { $0.catalogItemID == "offer_credit_counseling" })
    }
}
