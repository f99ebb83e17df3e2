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

    /// Blocked phrases as ` word word ` byte patterns.
    static let blockedPatterns: [[UInt8]] = blockedPhrases.map { Array(" \($0) ".utf8) }

    /// The blocked phrases found in `text` (empty when the tone is fine). Matching is on whole words, so
    /// "carelessness" does not match "careless"; a typographic apostrophe counts as `'`.
    public static func violations(in text: String) -> [String] {
        // The text as lower-case words separated by single spaces, with a space at each end.
        var normalized: [UInt8] = [0x20]
        normalized.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                var byte = UInt8(scalar.value)
                if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte += 32 }
                if (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte == UInt8(ascii: "'") {
                    normalized.append(byte)
                    continue
                }
            } else if scalar == "\u{2019}" {
                normalized.append(UInt8(ascii: "'"))
                continue
            } else if scalar.properties.isAlphabetic {
                normalized.append(contentsOf: String(scalar).lowercased().utf8)
                continue
            }
            if normalized.last != 0x20 { normalized.append(0x20) }
        }
        if normalized.last != 0x20 { normalized.append(0x20) }
        return zip(blockedPhrases, blockedPatterns).compactMap { phrase, pattern in
            contains(normalized, pattern) ? phrase : nil
        }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var position = 0
        let last = haystack.count - needle.count
        while position <= last {
            if haystack[position + 1] == needle[1], haystack[position] == first {
                var offset = 2
                while offset < needle.count, haystack[position + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            position += 1
        }
        return false
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
