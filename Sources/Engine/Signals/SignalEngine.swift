import Models

/// Computes behavioral signals over 30- and 180-day windows that end at the data's `as_of` date
/// (the latest transaction, or a given day), never at the wall clock.
public enum SignalEngine {
    /// Average days per month, for turning window totals into monthly figures.
    static let daysPerMonth = 30.436875
    /// Recurring charges are looked for over at least this many days.
    static let subscriptionLookback = 90

    /// The `as_of` day: the latest non-pending transaction date.
    public static func asOf(_ data: FinancialData) -> Day? {
        data.transactions.lazy.filter { !$0.pending }.map(\.date).max()
    }

    public static func report(_ data: FinancialData, asOf explicit: Day? = nil) -> SignalReport {
        let asOf = explicit ?? asOf(data) ?? Day(ordinal: 0)
        let context = Context(data: data, asOf: asOf)
        return SignalReport(asOf: asOf, window30: context.window(days: 30), window180: context.window(days: 180))
    }

    /// Data indexed once and shared by both windows.
    struct Context {
        let data: FinancialData
        let asOf: Day
        let accounts: [String: Account]
        /// Non-pending transactions up to `asOf`, oldest first.
        let settled: [Transaction]
        /// What each settled transaction is, decided once (same indices as `settled`).
        let kinds: [TransactionKind]

        init(data: FinancialData, asOf: Day) {
            self.data = data
            self.asOf = asOf
            var accounts: [String: Account] = [:]
            for account in data.accounts { accounts[account.id] = account }
            self.accounts = accounts
            // Usually nothing is pending or later than as_of, and the array is shared rather than copied.
            var settled =
                data.transactions.contains { $0.pending || $0.date > asOf }
                ? data.transactions.filter { !$0.pending && $0.date <= asOf } : data.transactions
            // Validated uploads arrive sorted; anything else is sorted here, since windows are found by bisection.
            if !zip(settled, settled.dropFirst()).allSatisfy({ $0.date <= $1.date }) {
                settled.sort { ($0.date, $0.id) < ($1.date, $1.id) }
            }
            self.settled = settled
            // Accounts are few, so each transaction finds its own by a scan that compares lengths first (and
            // reads only the account's subtype: copying the whole account per transaction was measurable).
            let ids = data.accounts.map(\.id)
            let subtypes = data.accounts.map(\.subtype)
            self.kinds = settled.withUnsafeBufferPointer { transactions in
                transactions.indices.map { index in
                    let accountID = transactions[index].accountID
                    let subtype: AccountSubtype?
                    if ids.count <= 32 {
                        let count = accountID.utf8.count
                        subtype = ids.firstIndex { $0.utf8.count == count && $0 == accountID }.map { subtypes[$0] }
                    } else {
                        subtype = accounts[accountID]?.subtype
                    }
                    return TransactionKind(transactions[index], subtype: subtype)
                }
            }
        }

        func transactions(days: Int) -> ArraySlice<Transaction> {
            let start = asOf.adding(days: -(days - 1))
            let first = settled.partitionIndex { $0.date >= start }
            return settled[first...]
        }

        func window(days: Int) -> WindowSignals {
            let start = asOf.adding(days: -(days - 1))
            let inWindow = transactions(days: days)
            let months = Double(days) / SignalEngine.daysPerMonth
            var spend = 0.0
            for index in inWindow.indices where kinds[index].isSpending { spend += settled[index].amount }
            let monthlyExpenses = spend / months
            let income = IncomeDetector.signals(inWindow, kinds: kinds, months: months, monthlyExpenses: monthlyExpenses, data: data)
            let subscriptions = SubscriptionDetector.signals(
                transactions(days: max(days, SignalEngine.subscriptionLookback)), kinds: kinds, asOf: asOf,
                lookbackDays: max(days, SignalEngine.subscriptionLookback), windowSpend: spend, months: months)
            return WindowSignals(
                days: days, start: start, end: asOf, totalSpend: spend.rounded(cents: true),
                spendToIncome: income.totalIncome > 0 ? spend / income.totalIncome : nil,
                subscriptions: subscriptions,
                savings: SavingsDetector.signals(inWindow, kinds: kinds, data: data, months: months, monthlyExpenses: monthlyExpenses),
                credit: CreditDetector.signals(inWindow, kinds: kinds, data: data),
                income: income)
        }

    }
}

/// What one transaction counts as, decided once per upload.
struct TransactionKind {
    /// Consumption: money out of a depository or credit account that is not a transfer, a loan or card payment,
    /// or income.
    var isSpending = false
    /// Money into a deposit account categorized as income.
    var isIncome = false
    var isWages = false
    /// Interest charged (a positive amount).
    var isInterest = false
    /// Could be a subscription charge: money out, not excluded by category, not on a loan account.
    var isSubscriptionCandidate = false
    var inSavingsAccount = false

    init(_ transaction: Transaction, subtype: AccountSubtype?) {
        guard let subtype else { return }
        let type = subtype.type
        let primary = transaction.category.primary
        let outflow = transaction.amount > 0
        inSavingsAccount = subtype.isSavingsLike
        if outflow, type != .loan {
            isSpending = !Categories.nonSpending.contains(primary)
            isSubscriptionCandidate = (transaction.merchantEntityID != nil || transaction.merchantName != nil) && !Categories.neverSubscription.contains(primary)
            isInterest = Categories.isInterest(transaction.category)
        }
        if transaction.amount < 0, primary == "INCOME", type == .depository {
            isIncome = true
            isWages = transaction.category.detailed == "INCOME_WAGES"
        }
    }
}

/// Category sets the detectors share.
enum Categories {
    /// Primaries that move money rather than spend it.
    static let nonSpending: SmallStringSet = ["TRANSFER_IN", "TRANSFER_OUT", "LOAN_PAYMENTS", "LOAN_DISBURSEMENTS", "INCOME"]
    /// Primaries that are never subscriptions: transfers, loans and card payments, income, fees and interest,
    /// rent and utilities.
    static let neverSubscription: SmallStringSet = [
        "TRANSFER_IN", "TRANSFER_OUT", "LOAN_PAYMENTS", "LOAN_DISBURSEMENTS", "INCOME", "BANK_FEES", "RENT_AND_UTILITIES",
        "GOVERNMENT_AND_NON_PROFIT",
    ]

    /// Detailed categories that are interest charged on a balance.
    static let interest: SmallStringSet = ["BANK_FEES_INTEREST_CHARGE", "LOAN_PAYMENTS_INTEREST", "BANK_FEES_INTEREST"]

    static func isInterest(_ category: Category) -> Bool {
        interest.contains(category.detailed)
    }
}

/// A set of a few strings, checked per transaction: comparing byte counts first and then at most a couple of
/// texts is several times cheaper than hashing the probe.
struct SmallStringSet: ExpressibleByArrayLiteral, Sendable {
    let members: [String]

    init(arrayLiteral elements: String...) { members = elements }
    init(_ elements: some Sequence<String>) { members = Array(elements) }

    func contains(_ text: String) -> Bool {
        let count = text.utf8.count
        return members.contains { $0.utf8.count == count && $0 == text }
    }
}

extension Collection {
    /// The first index whose element satisfies `predicate`, assuming all later ones do too.
    func partitionIndex(where predicate: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if predicate(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}

extension Double {
    func rounded(cents: Bool) -> Double { (self * 100).rounded() / 100 }

    func rounded(places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}

func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 0 ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
}

/// Standard deviation over mean (0 for fewer than two values or a zero mean).
func coefficientOfVariation(_ values: [Double]) -> Double {
    guard values.count > 1 else { return 0 }
    let mean = values.reduce(0, +) / Double(values.count)
    guard mean != 0 else { return 0 }
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    return variance.squareRoot() / abs(mean)
}
