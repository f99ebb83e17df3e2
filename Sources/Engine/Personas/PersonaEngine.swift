import Models

/// Persona rules, evaluated in a fixed priority order; the first that matches is primary, every match and
/// every criterion (met or not) is kept.
///
/// | priority | persona | matches when |
/// |---|---|---|
/// | 1 | High Utilization | any card ≥ 50% utilization, or interest charged in 180 days, or minimum-payment-only, or overdue |
/// | 2 | Variable Income Budgeter | median pay gap > 45 days and cash buffer < 1 month |
/// | 3 | Stretched Cash Flow | regular pay (median gap ≤ 45 days, ≥ 2 paydays), cash buffer < 0.5 months and spending ≥ 90% of income over 180 days |
/// | 4 | Subscription-Heavy | ≥ 3 recurring merchants and (≥ $50/month recurring or ≥ 10% of spending) |
/// | 5 | Savings Builder | (savings growth ≥ 2% or net inflow ≥ $200/month over 180 days) and every card < 30% |
///
/// Stretched Cash Flow is ours: people with steady pay who spend nearly all of it and hold almost no cash are
/// one surprise bill away from card debt; none of the other four catches them while they are still debt-free.
/// It ranks below the income rule (a variable earner's short buffer is explained by the rhythm of pay) and above
/// the spending-pattern rules, because a missing buffer is the more urgent thing to learn about.
public enum PersonaEngine {
    public static func assign(_ report: SignalReport) -> PersonaAssignment {
        let long = report.window180
        let recent = report.window30
        let evaluations = [
            highUtilization(long), variableIncome(long), cashFlowStretched(long), subscriptionHeavy(recent), savingsBuilder(long),
        ]
        let primary = evaluations.first(where: \.matched)?.persona ?? .general
        return PersonaAssignment(primary: primary, evaluations: evaluations)
    }

    static func highUtilization(_ w: WindowSignals) -> PersonaMatch {
        let maxUtilization = w.credit.maxUtilization ?? 0
        let criteria = [
            Criterion(name: "max_card_utilization", met: maxUtilization >= 0.5, value: percent(maxUtilization), threshold: ">= 50%"),
            Criterion(name: "interest_charged_180d", met: w.credit.totalInterestCharged > 0, value: money(w.credit.totalInterestCharged), threshold: "> $0"),
            Criterion(name: "minimum_payment_only", met: w.credit.anyMinimumPaymentOnly, value: String(w.credit.anyMinimumPaymentOnly), threshold: "true"),
            Criterion(name: "overdue", met: w.credit.anyOverdue, value: String(w.credit.anyOverdue), threshold: "true"),
        ]
        return PersonaMatch(persona: .highUtilization, matched: criteria.contains(where: \.met), criteria: criteria)
    }

    static func variableIncome(_ w: WindowSignals) -> PersonaMatch {
        let gap = w.income.medianPayGapDays
        let criteria = [
            Criterion(name: "median_pay_gap_days", met: (gap ?? 0) > 45, value: gap.map { number($0) } ?? "none", threshold: "> 45"),
            Criterion(name: "cash_buffer_months", met: w.income.cashBufferMonths < 1, value: number(w.income.cashBufferMonths), threshold: "< 1"),
        ]
        return PersonaMatch(persona: .variableIncome, matched: criteria.allSatisfy(\.met), criteria: criteria)
    }

    static func cashFlowStretched(_ w: WindowSignals) -> PersonaMatch {
        let gap = w.income.medianPayGapDays
        let ratio = w.spendToIncome
        let criteria = [
            Criterion(
                name: "regular_pay", met: w.income.payrollDeposits >= 2 && (gap ?? .infinity) <= 45,
                value: gap.map { "\(number($0)) days over \(w.income.payrollDeposits) paydays" } ?? "no pay rhythm", threshold: "median gap <= 45 days"),
            Criterion(name: "cash_buffer_months", met: w.income.cashBufferMonths < 0.5, value: number(w.income.cashBufferMonths), threshold: "< 0.5"),
            Criterion(name: "spend_to_income_180d", met: (ratio ?? 0) >= 0.9, value: ratio.map(percent) ?? "no income", threshold: ">= 90%"),
        ]
        return PersonaMatch(persona: .cashFlowStretched, matched: criteria.allSatisfy(\.met), criteria: criteria)
    }

    static func subscriptionHeavy(_ w: WindowSignals) -> PersonaMatch {
        let s = w.subscriptions
        let criteria = [
            Criterion(name: "recurring_merchants", met: s.count >= 3, value: String(s.count), threshold: ">= 3"),
            Criterion(
                name: "recurring_spend", met: s.monthlyRecurringSpend >= 50 || s.shareOfSpend >= 0.10,
                value: "\(money(s.monthlyRecurringSpend))/month, \(percent(s.shareOfSpend)) of spending", threshold: ">= $50/month or >= 10%"),
        ]
        return PersonaMatch(persona: .subscriptionHeavy, matched: criteria.allSatisfy(\.met), criteria: criteria)
    }

    static func savingsBuilder(_ w: WindowSignals) -> PersonaMatch {
        let s = w.savings
        let maxUtilization = w.credit.maxUtilization ?? 0
        let criteria = [
            Criterion(
                name: "savings_growth", met: s.growthRate >= 0.02 || s.monthlyNetInflow >= 200,
                value: "\(percent(s.growthRate)) growth, \(money(s.monthlyNetInflow))/month net inflow", threshold: ">= 2% or >= $200/month"),
            Criterion(name: "all_cards_below_30", met: maxUtilization < 0.3, value: percent(maxUtilization), threshold: "< 30%"),
        ]
        return PersonaMatch(persona: .savingsBuilder, matched: criteria.allSatisfy(\.met), criteria: criteria)
    }
}

/// A figure shown to a person: every formatter below accepts any Double (a non-finite or absurd value reads
/// "n/a" instead of trapping in `Int(Double)`); the validator keeps such values out, this keeps the process up
/// if one slips through.
let displayLimit = 1e15

func percent(_ fraction: Double) -> String {
    let value = (fraction * 1000).rounded() / 10
    guard value.isFinite, abs(value) < displayLimit else { return "n/a" }
    return value == value.rounded() ? "\(Int(saturating: value))%" : "\(value)%"
}

/// `$1,234.56` (cents dropped for whole amounts: `$1,200`).
func money(_ amount: Double) -> String {
    guard amount.isFinite, abs(amount) < displayLimit / 100 else { return "n/a" }
    let negative = amount < 0
    let cents = Int(saturating: (abs(amount) * 100).rounded())
    let dollars = cents / 100
    var digits = String(dollars)
    var grouped = ""
    while digits.count > 3 {
        grouped = "," + digits.suffix(3) + grouped
        digits = String(digits.dropLast(3))
    }
    grouped = digits + grouped
    let fraction = cents % 100
    let text = fraction == 0 ? "$\(grouped)" : "$\(grouped).\(fraction < 10 ? "0" : "")\(fraction)"
    return negative && cents > 0 ? "-" + text : text
}

func number(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    guard rounded.isFinite, abs(rounded) < displayLimit else { return "n/a" }
    return rounded == rounded.rounded() ? String(Int(saturating: rounded)) : String(rounded)
}
