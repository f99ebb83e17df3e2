import Models

/// Estimated credit standing from what the upload shows (no bureau data): the offer rules use it.
public enum CreditBand: Int, Codable, Sendable, Comparable, CustomStringConvertible {
    case poor = 0, fair, good, excellent
    /// No credit cards in the data.
    case unknown = -1

    public static func < (lhs: CreditBand, rhs: CreditBand) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .poor: "poor"
        case .fair: "fair"
        case .good: "good"
        case .excellent: "excellent"
        case .unknown: "unknown"
        }
    }

    static func estimate(_ credit: CreditSignals) -> CreditBand {
        guard !credit.cards.isEmpty else { return .unknown }
        let utilization = credit.maxUtilization ?? 0
        if credit.anyOverdue || utilization >= 0.8 { return .poor }
        if utilization >= 0.5 || credit.anyMinimumPaymentOnly { return .fair }
        if utilization >= 0.3 || credit.totalInterestCharged > 0 { return .good }
        return .excellent
    }
}

/// Everything the catalog's rules and rationales read, computed once per user.
struct Facts {
    let data: FinancialData
    let report: SignalReport
    let personas: PersonaAssignment
    let creditBand: CreditBand
    let subtypes: Set<AccountSubtype>

    init(data: FinancialData, report: SignalReport, personas: PersonaAssignment) {
        self.data = data
        self.report = report
        self.personas = personas
        self.creditBand = CreditBand.estimate(report.window180.credit)
        self.subtypes = Set(data.accounts.map(\.subtype))
    }

    var long: WindowSignals { report.window180 }
    var recent: WindowSignals { report.window30 }
    var credit: CreditSignals { long.credit }
    var income: IncomeSignals { long.income }
    var savings: SavingsSignals { long.savings }
    var subscriptions: SubscriptionSignals { recent.subscriptions }

    /// The card with the highest utilization.
    var worstCard: CardSignal? {
        credit.cards.filter { $0.utilization != nil }.max { ($0.utilization ?? 0) < ($1.utilization ?? 0) }
    }

    var cardWithInterest: CardSignal? { credit.cards.max { $0.interestCharged < $1.interestCharged }.flatMap { $0.interestCharged > 0 ? $0 : nil } }

    var liquidBalance: Double {
        data.accounts.filter { $0.type == .depository && !$0.subtype.isSavingsLike }
            .reduce(0) { $0 + max(0, $1.balances.current ?? $1.balances.available ?? 0) }
    }

    func liability(for card: CardSignal) -> CreditLiability? {
        data.liabilities.credit.first { $0.accountID == card.accountID }
    }
}
