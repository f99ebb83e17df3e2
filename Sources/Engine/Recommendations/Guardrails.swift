import Foundation
import Models

/// Rejects shaming or judgmental phrasing. Content speaks about numbers and options, never about the person's
/// character.
public enum ToneGuardrail {
    /// Phrases that blame, shame or talk down; matched case-insensitively on word boundaries.
    public static let blockedPhrases: [String] = [
        "irresponsible", "reckless", "careless", "lazy", "stupid", "foolish", "dumb", "pathetic", "shameful", "ashamed",
        "embarrassing", "bad with money", "terrible with money", "wasteful", "you wasted", "wasting your money", "you always",
        "you never", "no excuse", "get your act together", "grow up", "failure", "you failed", "out of control", "addicted",
        "you can't afford anything", "poor choices", "bad decisions", "should know better", "guilty", "spendthrift",
    ]

    /// Blocked phrases as word sequences (`"bad with money"` → `["bad", "with", "money"]`).
    static let blockedWords: [[Substring]] = blockedPhrases.map { $0.split(separator: " ") }

    /// The blocked phrases found in `text` (empty when the tone is fine). Matching is on whole words, so
    /// "carelessness" does not match "careless".
    public static func violations(in text: String) -> [String] {
        let words = text.lowercased().split { !$0.isLetter && $0 != "'" }
        var found: [String] = []
        for (phrase, parts) in zip(blockedPhrases, blockedWords) {
            guard let first = parts.first, words.count >= parts.count else { continue }
            var position = 0
            while position + parts.count <= words.count {
                if words[position] == first, parts.indices.allSatisfy({ words[position + $0] == parts[$0] }) {
                    found.append(phrase)
                    break
                }
                position += 1
            }
        }
        return found
    }

    static func check(_ text: String) -> TraceCheck {
        let found = violations(in: text)
        return TraceCheck(
            name: "tone", passed: found.isEmpty,
            detail: found.isEmpty ? "no shaming or judgmental phrasing" : "blocked phrasing: \(found.joined(separator: ", "))",
            values: ["blocked_phrases_found": found.isEmpty ? "none" : found.joined(separator: ", ")])
    }
}

/// Who may see a partner offer, with every comparison recorded.
enum Eligibility {
    static func checks(for terms: OfferTerms, facts: Facts) -> [TraceCheck] {
        var checks: [TraceCheck] = []
        let blocked = blockedProductCategories.contains(terms.category)
        checks.append(
            TraceCheck(
                name: "harmful_product_blocklist", passed: !blocked,
                detail: blocked ? "\(terms.category) is a blocked product category" : "\(terms.category) is not on the blocklist",
                values: ["category": terms.category]))
        let income = facts.income.monthlyIncome
        checks.append(
            TraceCheck(
                name: "minimum_income", passed: income >= terms.minimumMonthlyIncome,
                detail: "monthly income \(money(income)) vs required \(money(terms.minimumMonthlyIncome))",
                values: ["monthly_income": money(income), "required": money(terms.minimumMonthlyIncome)]))
        if let required = terms.minimumCreditBand {
            let band = facts.creditBand
            checks.append(
                TraceCheck(
                    name: "credit_band", passed: band != .unknown && band >= required,
                    detail: "estimated credit band \(band) vs required \(required)",
                    values: ["estimated": band.description, "required": required.description]))
        }
        if !terms.excludedIfHas.isEmpty {
            let owned = terms.excludedIfHas.intersection(facts.subtypes)
            checks.append(
                TraceCheck(
                    name: "existing_products", passed: owned.isEmpty,
                    detail: owned.isEmpty ? "no overlapping product already held" : "already has \(owned.map(\.rawValue).sorted().joined(separator: ", "))",
                    values: ["excluded_if_has": terms.excludedIfHas.map(\.rawValue).sorted().joined(separator: ", ")]))
        }
        return checks
    }
}
