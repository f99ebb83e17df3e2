import Foundation

/// What a signal was computed from: ids (capped) and the numbers compared.
public struct Evidence: Codable, Sendable, Equatable {
    public var transactionIDs: [String]
    public var accountIDs: [String]
    public var note: String?

    public init(transactionIDs: [String] = [], accountIDs: [String] = [], note: String? = nil) {
        self.transactionIDs = Array(transactionIDs.prefix(Self.maxIDs))
        self.accountIDs = accountIDs
        self.note = note
    }

    /// At most this many transaction ids are kept per signal.
    public static let maxIDs = 25

    enum CodingKeys: String, CodingKey {
        case transactionIDs = "transaction_ids"
        case accountIDs = "account_ids"
        case note
    }
}

public enum Cadence: String, Codable, Sendable {
    case weekly, monthly
}

public struct RecurringMerchant: Codable, Sendable, Equatable {
    public var merchant: String
    public var cadence: Cadence
    public var occurrences: Int
    public var typicalAmount: Double
    /// What it costs per month at its cadence.
    public var monthlyAmount: Double
    public var lastDate: Day
    public var evidence: Evidence

    public init(merchant: String, cadence: Cadence, occurrences: Int, typicalAmount: Double, monthlyAmount: Double, lastDate: Day, evidence: Evidence) {
        self.merchant = merchant
        self.cadence = cadence
        self.occurrences = occurrences
        self.typicalAmount = typicalAmount
        self.monthlyAmount = monthlyAmount
        self.lastDate = lastDate
        self.evidence = evidence
    }

    enum CodingKeys: String, CodingKey {
        case merchant, cadence, occurrences, evidence
        case typicalAmount = "typical_amount"
        case monthlyAmount = "monthly_amount"
        case lastDate = "last_date"
    }
}

public struct SubscriptionSignals: Codable, Sendable, Equatable {
    public var recurringMerchants: [RecurringMerchant]
    public var monthlyRecurringSpend: Double
    /// Recurring spend as a share (0…1) of all spending in the window.
    public var shareOfSpend: Double
    /// Days looked back for recurring charges (at least 90).
    public var lookbackDays: Int

    public init(recurringMerchants: [RecurringMerchant], monthlyRecurringSpend: Double, shareOfSpend: Double, lookbackDays: Int) {
        self.recurringMerchants = recurringMerchants
        self.monthlyRecurringSpend = monthlyRecurringSpend
        self.shareOfSpend = shareOfSpend
        self.lookbackDays = lookbackDays
    }

    public var count: Int { recurringMerchants.count }

    enum CodingKeys: String, CodingKey {
        case recurringMerchants = "recurring_merchants"
        case monthlyRecurringSpend = "monthly_recurring_spend"
        case shareOfSpend = "share_of_spend"
        case lookbackDays = "lookback_days"
    }
}

public struct SavingsSignals: Codable, Sendable, Equatable {
    public var savingsBalance: Double
    /// Money into savings-like accounts minus money out, over the window.
    public var netInflow: Double
    public var monthlyNetInflow: Double
    /// Net inflow over the balance at the window's start (0 when there was no balance).
    public var growthRate: Double
    public var monthlyExpenses: Double
    /// Savings balance over monthly expenses.
    public var emergencyFundMonths: Double
    public var evidence: Evidence

    public init(savingsBalance: Double, netInflow: Double, monthlyNetInflow: Double, growthRate: Double, monthlyExpenses: Double, emergencyFundMonths: Double, evidence: Evidence) {
        self.savingsBalance = savingsBalance
        self.netInflow = netInflow
        self.monthlyNetInflow = monthlyNetInflow
        self.growthRate = growthRate
        self.monthlyExpenses = monthlyExpenses
        self.emergencyFundMonths = emergencyFundMonths
        self.evidence = evidence
    }

    enum CodingKeys: String, CodingKey {
        case evidence
        case savingsBalance = "savings_balance"
        case netInflow = "net_inflow"
        case monthlyNetInflow = "monthly_net_inflow"
        case growthRate = "growth_rate"
        case monthlyExpenses = "monthly_expenses"
        case emergencyFundMonths = "emergency_fund_months"
    }
}

public struct CardSignal: Codable, Sendable, Equatable {
    public var accountID: String
    public var name: String
    public var mask: String?
    public var balance: Double
    public var limit: Double?
    /// Balance over limit (0…), nil without a limit.
    public var utilization: Double?
    public var apr: Double?
    public var minimumPaymentOnly: Bool
    public var interestCharged: Double
    public var isOverdue: Bool

    public init(accountID: String, name: String, mask: String?, balance: Double, limit: Double?, utilization: Double?, apr: Double?, minimumPaymentOnly: Bool, interestCharged: Double, isOverdue: Bool) {
        self.accountID = accountID
        self.name = name
        self.mask = mask
        self.balance = balance
        self.limit = limit
        self.utilization = utilization
        self.apr = apr
        self.minimumPaymentOnly = minimumPaymentOnly
        self.interestCharged = interestCharged
        self.isOverdue = isOverdue
    }

    /// "Visa ending in 4523".
    public var label: String { mask.map { "\(name) ending in \($0)" } ?? name }

    enum CodingKeys: String, CodingKey {
        case name, mask, balance, limit, utilization, apr
        case accountID = "account_id"
        case minimumPaymentOnly = "minimum_payment_only"
        case interestCharged = "interest_charged"
        case isOverdue = "is_overdue"
    }
}

public struct CreditSignals: Codable, Sendable, Equatable {
    public var cards: [CardSignal]
    public var maxUtilization: Double?
    public var totalInterestCharged: Double
    public var anyMinimumPaymentOnly: Bool
    public var anyOverdue: Bool
    public var evidence: Evidence

    public init(cards: [CardSignal], maxUtilization: Double?, totalInterestCharged: Double, anyMinimumPaymentOnly: Bool, anyOverdue: Bool, evidence: Evidence) {
        self.cards = cards
        self.maxUtilization = maxUtilization
        self.totalInterestCharged = totalInterestCharged
        self.anyMinimumPaymentOnly = anyMinimumPaymentOnly
        self.anyOverdue = anyOverdue
        self.evidence = evidence
    }

    /// Utilization flags: how many cards are at or above 30, 50 and 80 percent.
    public func cards(atLeast threshold: Double) -> [CardSignal] {
        cards.filter { ($0.utilization ?? 0) >= threshold }
    }

    enum CodingKeys: String, CodingKey {
        case cards, evidence
        case maxUtilization = "max_utilization"
        case totalInterestCharged = "total_interest_charged"
        case anyMinimumPaymentOnly = "any_minimum_payment_only"
        case anyOverdue = "any_overdue"
    }
}

public enum PayFrequency: String, Codable, Sendable {
    case weekly, biweekly, semimonthly, monthly, irregular, unknown
}

public struct IncomeSignals: Codable, Sendable, Equatable {
    public var payrollDeposits: Int
    public var frequency: PayFrequency
    public var medianPayGapDays: Double?
    /// Coefficient of variation of the paycheck amounts (0 = identical).
    public var amountVariability: Double?
    public var totalIncome: Double
    public var monthlyIncome: Double
    public var monthlyExpenses: Double
    /// Checking and other non-savings deposit balances over monthly expenses.
    public var cashBufferMonths: Double
    public var evidence: Evidence

    public init(payrollDeposits: Int, frequency: PayFrequency, medianPayGapDays: Double?, amountVariability: Double?, totalIncome: Double, monthlyIncome: Double, monthlyExpenses: Double, cashBufferMonths: Double, evidence: Evidence) {
        self.payrollDeposits = payrollDeposits
        self.frequency = frequency
        self.medianPayGapDays = medianPayGapDays
        self.amountVariability = amountVariability
        self.totalIncome = totalIncome
        self.monthlyIncome = monthlyIncome
        self.monthlyExpenses = monthlyExpenses
        self.cashBufferMonths = cashBufferMonths
        self.evidence = evidence
    }

    enum CodingKeys: String, CodingKey {
        case frequency, evidence
        case payrollDeposits = "payroll_deposits"
        case medianPayGapDays = "median_pay_gap_days"
        case amountVariability = "amount_variability"
        case totalIncome = "total_income"
        case monthlyIncome = "monthly_income"
        case monthlyExpenses = "monthly_expenses"
        case cashBufferMonths = "cash_buffer_months"
    }
}

/// Every signal for one window ending at `end`.
public struct WindowSignals: Codable, Sendable, Equatable {
    public var days: Int
    public var start: Day
    public var end: Day
    public var totalSpend: Double
    /// Spending over income in the window (nil without income).
    public var spendToIncome: Double?
    public var subscriptions: SubscriptionSignals
    public var savings: SavingsSignals
    public var credit: CreditSignals
    public var income: IncomeSignals

    public init(days: Int, start: Day, end: Day, totalSpend: Double, spendToIncome: Double?, subscriptions: SubscriptionSignals, savings: SavingsSignals, credit: CreditSignals, income: IncomeSignals) {
        self.days = days
        self.start = start
        self.end = end
        self.totalSpend = totalSpend
        self.spendToIncome = spendToIncome
        self.subscriptions = subscriptions
        self.savings = savings
        self.credit = credit
        self.income = income
    }

    /// How many signal families show something (recurring charges, savings movement, cards, payroll).
    public var signalCount: Int {
        [subscriptions.count > 0, savings.netInflow != 0 || savings.savingsBalance > 0, !credit.cards.isEmpty, income.payrollDeposits > 0]
            .filter { $0 }.count
    }

    enum CodingKeys: String, CodingKey {
        case days, start, end, subscriptions, savings, credit, income
        case totalSpend = "total_spend"
        case spendToIncome = "spend_to_income"
    }
}

/// The 30- and 180-day signals of one user's data.
public struct SignalReport: Codable, Sendable, Equatable {
    public var asOf: Day
    public var window30: WindowSignals
    public var window180: WindowSignals

    public init(asOf: Day, window30: WindowSignals, window180: WindowSignals) {
        self.asOf = asOf
        self.window30 = window30
        self.window180 = window180
    }

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of"
        case window30 = "signals_30d"
        case window180 = "signals_180d"
    }
}

// MARK: - Personas

public enum PersonaID: String, Codable, Sendable, CaseIterable {
    case highUtilization = "high_utilization"
    case variableIncome = "variable_income_budgeter"
    case cashFlowStretched = "cash_flow_stretched"
    case subscriptionHeavy = "subscription_heavy"
    case savingsBuilder = "savings_builder"
    /// No persona rule matched.
    case general

    /// Lower is more urgent; the first matching persona in this order is primary.
    public var priority: Int {
        switch self {
        case .highUtilization: 1
        case .variableIncome: 2
        case .cashFlowStretched: 3
        case .subscriptionHeavy: 4
        case .savingsBuilder: 5
        case .general: 99
        }
    }

    public var title: String {
        switch self {
        case .highUtilization: "High Utilization"
        case .variableIncome: "Variable Income Budgeter"
        case .cashFlowStretched: "Stretched Cash Flow"
        case .subscriptionHeavy: "Subscription-Heavy"
        case .savingsBuilder: "Savings Builder"
        case .general: "General"
        }
    }
}

/// One criterion of a persona rule with the value seen and the threshold it was compared to.
public struct Criterion: Codable, Sendable, Equatable {
    public var name: String
    public var met: Bool
    public var value: String
    public var threshold: String

    public init(name: String, met: Bool, value: String, threshold: String) {
        self.name = name
        self.met = met
        self.value = value
        self.threshold = threshold
    }
}

public struct PersonaMatch: Codable, Sendable, Equatable {
    public var persona: PersonaID
    public var priority: Int
    public var matched: Bool
    /// Every criterion evaluated, met or not.
    public var criteria: [Criterion]

    public init(persona: PersonaID, matched: Bool, criteria: [Criterion]) {
        self.persona = persona
        self.priority = persona.priority
        self.matched = matched
        self.criteria = criteria
    }
}

public struct PersonaAssignment: Codable, Sendable, Equatable {
    public var primary: PersonaID
    /// Every persona rule's outcome, in priority order.
    public var evaluations: [PersonaMatch]

    public init(primary: PersonaID, evaluations: [PersonaMatch]) {
        self.primary = primary
        self.evaluations = evaluations
    }

    public var matched: [PersonaID] { evaluations.filter(\.matched).map(\.persona) }
}

// MARK: - Recommendations

public enum RecommendationType: String, Codable, Sendable, CaseIterable {
    case education
    case partnerOffer = "partner_offer"
}

/// One check in a decision trace: what was compared and whether it passed.
public struct TraceCheck: Codable, Sendable, Equatable {
    public var name: String
    public var passed: Bool
    public var detail: String
    public var values: [String: String]

    public init(name: String, passed: Bool, detail: String, values: [String: String] = [:]) {
        self.name = name
        self.passed = passed
        self.detail = detail
        self.values = values
    }
}

/// Why a recommendation exists, in full.
public struct DecisionTrace: Codable, Sendable, Equatable {
    public var engineVersion: String
    public var asOf: Day
    public var catalogItemID: String
    public var persona: PersonaID
    public var personaPriority: Int
    public var personaCriteria: [Criterion]
    /// The signal values the item and its rationale used.
    public var signals: [String: String]
    public var checks: [TraceCheck]
    public var generatedInMicroseconds: Int

    public init(engineVersion: String, asOf: Day, catalogItemID: String, persona: PersonaID, personaPriority: Int, personaCriteria: [Criterion], signals: [String: String], checks: [TraceCheck], generatedInMicroseconds: Int) {
        self.engineVersion = engineVersion
        self.asOf = asOf
        self.catalogItemID = catalogItemID
        self.persona = persona
        self.personaPriority = personaPriority
        self.personaCriteria = personaCriteria
        self.signals = signals
        self.checks = checks
        self.generatedInMicroseconds = generatedInMicroseconds
    }

    public var allChecksPassed: Bool { checks.allSatisfy(\.passed) }

    enum CodingKeys: String, CodingKey {
        case signals, checks, persona
        case engineVersion = "engine_version"
        case asOf = "as_of"
        case catalogItemID = "catalog_item_id"
        case personaPriority = "persona_priority"
        case personaCriteria = "persona_criteria"
        case generatedInMicroseconds = "generated_in_microseconds"
    }
}

/// A recommendation as the engine produces it, before storage gives it an id and a review status.
public struct RecommendationDraft: Codable, Sendable, Equatable {
    public var type: RecommendationType
    public var catalogItemID: String
    public var title: String
    public var content: String
    public var rationale: String
    public var disclaimer: String
    public var trace: DecisionTrace

    public init(type: RecommendationType, catalogItemID: String, title: String, content: String, rationale: String, disclaimer: String, trace: DecisionTrace) {
        self.type = type
        self.catalogItemID = catalogItemID
        self.title = title
        self.content = content
        self.rationale = rationale
        self.disclaimer = disclaimer
        self.trace = trace
    }

    enum CodingKeys: String, CodingKey {
        case type, title, content, rationale, disclaimer
        case catalogItemID = "catalog_item_id"
        case trace = "decision_trace"
    }
}
