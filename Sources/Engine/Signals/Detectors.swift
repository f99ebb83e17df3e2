import Models

/// Recurring charges: the same merchant at least 3 times in the lookback with a weekly or monthly rhythm and a
/// steady amount. Excluded by category, not by merchant name: rent, utilities, transfers, loan and card
/// payments, income, fees and interest.
enum SubscriptionDetector {
    static func signals(
        _ transactions: ArraySlice<Transaction>, kinds: [TransactionKind], asOf: Day, lookbackDays: Int, windowSpend: Double,
        months: Double
    ) -> SubscriptionSignals {
        var byMerchant: [String: [Transaction]] = [:]
        for index in transactions.indices where kinds[index].isSubscriptionCandidate {
            let transaction = transactions[index]
            guard let key = transaction.merchantKey else { continue }
            byMerchant[key, default: []].append(transaction)
        }
        var found: [RecurringMerchant] = []
        for (_, charges) in byMerchant where charges.count >= 3 {
            guard let recurring = classify(charges) else { continue }
            // A charge that stopped well before `asOf` is no longer a subscription.
            let limit = recurring.cadence == .weekly ? 14 : 40
            guard asOf - recurring.lastDate <= limit else { continue }
            found.append(recurring)
        }
        found.sort { ($0.monthlyAmount, $0.merchant) > ($1.monthlyAmount, $1.merchant) }
        let monthly = found.reduce(0) { $0 + $1.monthlyAmount }
        let monthlySpend = windowSpend / months
        return SubscriptionSignals(
            recurringMerchants: found, monthlyRecurringSpend: monthly.rounded(cents: true),
            shareOfSpend: monthlySpend > 0 ? min(1, monthly / monthlySpend).rounded(places: 4) : 0, lookbackDays: lookbackDays)
    }

    static func classify(_ charges: [Transaction]) -> RecurringMerchant? {
        let sorted = charges.sorted { $0.date < $1.date }
        var gaps: [Double] = []
        for index in sorted.indices.dropFirst() {
            gaps.append(Double(sorted[index].date - sorted[index - 1].date))
        }
        guard let medianGap = median(gaps) else { return nil }
        let cadence: Cadence
        let range: ClosedRange<Double>
        switch medianGap {
        case 5...9:
            cadence = .weekly
            range = 5...9
        case 26...35:
            cadence = .monthly
            range = 26...35
        default:
            return nil
        }
        // Most gaps must follow the rhythm, and the amount must be steady (within 10% or $2 of the median).
        let regular = gaps.filter { range.contains($0) }.count
        guard Double(regular) >= 0.75 * Double(gaps.count) else { return nil }
        let amounts = sorted.map(\.amount)
        guard let typical = median(amounts) else { return nil }
        let steady = amounts.allSatisfy { abs($0 - typical) <= max(2, typical * 0.1) }
        guard steady else { return nil }
        let monthly = cadence == .weekly ? typical * 52 / 12 : typical
        let last = sorted[sorted.count - 1]
        return RecurringMerchant(
            merchant: last.merchantName ?? last.merchantEntityID ?? "Unknown merchant", cadence: cadence, occurrences: sorted.count,
            typicalAmount: typical.rounded(cents: true), monthlyAmount: monthly.rounded(cents: true), lastDate: last.date,
            evidence: Evidence(transactionIDs: sorted.map(\.id), accountIDs: Array(Set(sorted.map(\.accountID))).sorted(),
                               note: "median gap \(Int(saturating: medianGap)) days"))
    }
}

/// Savings: net money into savings-like accounts (savings, money market, HSA), growth over the window's
/// starting balance, and months of expenses the balance covers.
enum SavingsDetector {
    static func signals(_ transactions: ArraySlice<Transaction>, kinds: [TransactionKind], data: FinancialData, months: Double, monthlyExpenses: Double) -> SavingsSignals {
        let savingsAccounts = data.accounts.filter { $0.subtype.isSavingsLike }
        var net = 0.0
        var used: [String] = []
        for index in transactions.indices where kinds[index].inSavingsAccount {
            net -= transactions[index].amount  // Plaid: negative amount = money in
            if used.count < Evidence.maxIDs { used.append(transactions[index].id) }
        }
        let balance = savingsAccounts.reduce(0) { $0 + ($1.balances.current ?? $1.balances.available ?? 0) }
        let startBalance = balance - net
        let growth = startBalance > 0 ? net / startBalance : (net > 0 ? 1 : 0)
        return SavingsSignals(
            savingsBalance: balance.rounded(cents: true), netInflow: net.rounded(cents: true),
            monthlyNetInflow: (net / months).rounded(cents: true), growthRate: growth.rounded(places: 4),
            monthlyExpenses: monthlyExpenses.rounded(cents: true),
            emergencyFundMonths: monthlyExpenses > 0 ? (balance / monthlyExpenses).rounded(places: 2) : 0,
            evidence: Evidence(transactionIDs: used, accountIDs: savingsAccounts.map(\.id)))
    }
}

/// Credit cards: utilization against the limit, minimum-payment-only behaviour, interest charged in the
/// window, overdue status.
enum CreditDetector {
    static func signals(_ transactions: ArraySlice<Transaction>, kinds: [TransactionKind], data: FinancialData) -> CreditSignals {
        var liabilities: [String: CreditLiability] = [:]
        for liability in data.liabilities.credit { liabilities[liability.accountID] = liability }
        var interestByCard: [String: Double] = [:]
        var interestIDs: [String] = []
        for index in transactions.indices where kinds[index].isInterest {
            let transaction = transactions[index]
            interestByCard[transaction.accountID, default: 0] += transaction.amount
            interestIDs.append(transaction.id)
        }
        var cards: [CardSignal] = []
        for account in data.accounts where account.type == .credit {
            let liability = liabilities[account.id]
            let balance = max(0, account.balances.current ?? 0)
            let limit = account.balances.limit.flatMap { $0 > 0 ? $0 : nil }
            var minimumOnly = false
            if let liability, let minimum = liability.minimumPaymentAmount, minimum > 0, let paid = liability.lastPaymentAmount,
                let statement = liability.lastStatementBalance, statement > minimum
            {
                minimumOnly = paid <= minimum * 1.05
            }
            cards.append(
                CardSignal(
                    accountID: account.id, name: account.name, mask: account.mask, balance: balance.rounded(cents: true), limit: limit,
                    utilization: limit.map { (balance / $0).rounded(places: 4) },
                    apr: liability?.aprs.first(where: { $0.type == "purchase_apr" })?.percentage ?? liability?.aprs.first?.percentage,
                    minimumPaymentOnly: minimumOnly, interestCharged: (interestByCard[account.id] ?? 0).rounded(cents: true),
                    isOverdue: liability?.isOverdue ?? false))
        }
        return CreditSignals(
            cards: cards, maxUtilization: cards.compactMap(\.utilization).max(),
            totalInterestCharged: cards.reduce(0) { $0 + $1.interestCharged }.rounded(cents: true),
            anyMinimumPaymentOnly: cards.contains(where: \.minimumPaymentOnly), anyOverdue: cards.contains(where: \.isOverdue),
            evidence: Evidence(transactionIDs: interestIDs, accountIDs: cards.map(\.accountID)))
    }
}

/// Income: payroll deposits (INCOME_WAGES, else any INCOME inflow) into deposit accounts, their rhythm and
/// steadiness, and the cash buffer in months of expenses.
enum IncomeDetector {
    static func signals(
        _ transactions: ArraySlice<Transaction>, kinds: [TransactionKind], months: Double, monthlyExpenses: Double, data: FinancialData
    ) -> IncomeSignals {
        var wages: [Transaction] = []
        var otherIncome: [Transaction] = []
        var total = 0.0
        for index in transactions.indices where kinds[index].isIncome {
            let transaction = transactions[index]
            total -= transaction.amount
            if kinds[index].isWages { wages.append(transaction) } else { otherIncome.append(transaction) }
        }
        let payroll = wages.isEmpty ? otherIncome : wages
        // Deposits on the same day are one payday.
        var paydays: [(day: Day, amount: Double)] = []
        for transaction in payroll {
            if let last = paydays.last, last.day == transaction.date {
                paydays[paydays.count - 1].amount += -transaction.amount
            } else {
                paydays.append((transaction.date, -transaction.amount))
            }
        }
        var gaps: [Double] = []
        for index in paydays.indices.dropFirst() { gaps.append(Double(paydays[index].day - paydays[index - 1].day)) }
        let medianGap = median(gaps)
        let frequency: PayFrequency
        if paydays.isEmpty {
            frequency = .unknown
        } else if let gap = medianGap {
            let spread = coefficientOfVariation(gaps)
            switch gap {
            case _ where spread > 0.35: frequency = .irregular
            case ...9: frequency = .weekly
            case 10...14.5: frequency = .biweekly
            case 14.5...17: frequency = .semimonthly
            case 17...35: frequency = .monthly
            default: frequency = .irregular
            }
        } else {
            frequency = .unknown
        }
        let cash = data.accounts.filter { $0.type == .depository && !$0.subtype.isSavingsLike }
            .reduce(0) { $0 + max(0, $1.balances.current ?? $1.balances.available ?? 0) }
        return IncomeSignals(
            payrollDeposits: paydays.count, frequency: frequency, medianPayGapDays: medianGap,
            amountVariability: paydays.count > 1 ? coefficientOfVariation(paydays.map(\.amount)).rounded(places: 4) : nil,
            totalIncome: total.rounded(cents: true), monthlyIncome: (total / months).rounded(cents: true),
            monthlyExpenses: monthlyExpenses.rounded(cents: true),
            cashBufferMonths: monthlyExpenses > 0 ? (cash / monthlyExpenses).rounded(places: 2) : 0,
            evidence: Evidence(transactionIDs: payroll.map(\.id), accountIDs: Array(Set(payroll.map(\.accountID))).sorted(),
                               note: medianGap.map { "median gap \($0) days over \(paydays.count) paydays" }))
    }
}
