import Foundation
import Models
import Testing

@testable import Engine

/// Small hand-built uploads for one behavior at a time.
struct DataBuilder {
    var accounts: [Account] = [Account(id: "chk", name: "Checking", mask: "1111", subtype: .checking, balances: Balances(current: 6000))]
    var transactions: [Transaction] = []
    var credit: [CreditLiability] = []
    var counter = 0
    let end = Day("2026-10-31")!

    mutating func add(_ day: Day, _ amount: Double, _ merchant: String, _ primary: String, _ detailed: String) {
        add("chk", day, amount, merchant, primary, detailed)
    }

    mutating func add(_ account: String, _ day: Day, _ amount: Double, _ merchant: String, _ primary: String, _ detailed: String) {
        counter += 1
        transactions.append(Transaction(id: "t\(counter)", accountID: account, date: day, amount: amount, merchantName: merchant,
                                        category: Category(primary: primary, detailed: detailed)))
    }

    /// Salary every 14 days for 180 days, and ordinary spending.
    mutating func baseline(pay: Double = 2000, spendPerWeek: Double = 300) {
        var day = end
        while end - day < 180 {
            add(day, -pay, "Acme Payroll", "INCOME", "INCOME_WAGES")
            day = day.adding(days: -14)
        }
        for week in 0..<26 {
            add(end.adding(days: -7 * week - 2), spendPerWeek * (week % 2 == 0 ? 0.8 : 1.2), "FreshMart", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES")
        }
    }

    mutating func card(balance: Double, limit: Double, minimum: Double = 25, lastPayment: Double? = nil, overdue: Bool = false) {
        accounts.append(Account(id: "card", name: "Visa", mask: "4523", subtype: .creditCard, balances: Balances(current: balance, limit: limit)))
        credit.append(CreditLiability(accountID: "card", aprs: [APR(percentage: 24.99, type: "purchase_apr")], minimumPaymentAmount: minimum,
                                      lastPaymentAmount: lastPayment ?? balance, lastPaymentDate: end, lastStatementBalance: balance,
                                      isOverdue: overdue, nextPaymentDueDate: end.adding(days: 25)))
    }

    var data: FinancialData { FinancialData(accounts: accounts, transactions: transactions, liabilities: Liabilities(credit: credit)) }
}

@Suite("Signals")
struct SignalTests {
    @Test("windows end at the latest transaction, not the clock")
    func asOf() {
        var builder = DataBuilder()
        builder.baseline()
        let report = SignalEngine.report(builder.data)
        #expect(report.asOf == builder.end)
        #expect(report.window30.start == builder.end.adding(days: -29))
        #expect(report.window180.days == 180)
    }

    @Test("recurring charges: monthly and weekly found; rent, utilities, transfers, loans, fees and varying groceries are not subscriptions")
    func subscriptions() {
        var builder = DataBuilder()
        builder.baseline()
        for month in 0..<4 {
            let day = builder.end.adding(months: -month).adding(days: -3)
            builder.add(day, 15.49, "StreamFlix", "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES")
            builder.add(day, 1500, "Oak Apartments", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT")
            builder.add(day, 60, "City Power", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY")
            builder.add(day, 300, "Transfer", "TRANSFER_OUT", "TRANSFER_OUT_SAVINGS")
            builder.add(day, 250, "Student Loan", "LOAN_PAYMENTS", "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT")
            builder.add(day, 12, "Bank", "BANK_FEES", "BANK_FEES_OTHER_BANK_FEES")
        }
        for week in 0..<13 { builder.add(builder.end.adding(days: -7 * week), 64.99, "FreshBox", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES") }
        let subscriptions = SignalEngine.report(builder.data).window30.subscriptions
        #expect(Set(subscriptions.recurringMerchants.map(\.merchant)) == ["StreamFlix", "FreshBox"])
        let weekly = subscriptions.recurringMerchants.first { $0.merchant == "FreshBox" }!
        #expect(weekly.cadence == .weekly)
        #expect(abs(weekly.monthlyAmount - 64.99 * 52 / 12) < 0.01)
        #expect(subscriptions.recurringMerchants.first { $0.merchant == "StreamFlix" }?.cadence == .monthly)
        #expect(weekly.evidence.transactionIDs.count == 13 || weekly.evidence.transactionIDs.count == 14)
    }

    @Test("credit: utilization, minimum-only, interest, overdue")
    func credit() {
        var builder = DataBuilder()
        builder.baseline()
        builder.card(balance: 3400, limit: 5000, minimum: 68, lastPayment: 68)
        builder.add("card", builder.end.adding(days: -10), 70.83, "Interest", "BANK_FEES", "BANK_FEES_INTEREST_CHARGE")
        let credit = SignalEngine.report(builder.data).window180.credit
        #expect(credit.maxUtilization == 0.68)
        #expect(credit.cards(atLeast: 0.5).count == 1)
        #expect(credit.cards(atLeast: 0.8).isEmpty)
        #expect(credit.anyMinimumPaymentOnly)
        #expect(credit.totalInterestCharged == 70.83)
        #expect(!credit.anyOverdue)
        #expect(credit.cards[0].label == "Visa ending in 4523")
    }

    @Test("income: biweekly payroll, monthly figures and buffer")
    func income() {
        var builder = DataBuilder()
        builder.baseline(pay: 2000, spendPerWeek: 300)
        let income = SignalEngine.report(builder.data).window180.income
        #expect(income.frequency == .biweekly)
        #expect(income.medianPayGapDays == 14)
        #expect(income.payrollDeposits == 13)
        #expect(income.amountVariability == 0)
        #expect(income.totalIncome == 26000)
        #expect(income.cashBufferMonths > 4)
    }

    @Test("savings: net inflow, growth and emergency-fund months")
    func savings() {
        var builder = DataBuilder()
        builder.baseline()
        builder.accounts.append(Account(id: "sav", name: "Savings", mask: "2222", subtype: .savings, balances: Balances(current: 5600)))
        for month in 0..<6 { builder.add("sav", builder.end.adding(months: -month).adding(days: -1), -300, "Transfer", "TRANSFER_IN", "TRANSFER_IN_SAVINGS") }
        let savings = SignalEngine.report(builder.data).window180.savings
        #expect(savings.netInflow == 1800)
        #expect(savings.growthRate == 0.4737)  // 1800 over a 3800 starting balance
        #expect(savings.monthlyNetInflow > 290)
        #expect(savings.emergencyFundMonths > 4)
    }
}

@Suite("Personas")
struct PersonaTests {
    func assign(_ builder: DataBuilder) -> PersonaAssignment {
        PersonaEngine.assign(SignalEngine.report(builder.data))
    }

    @Test("a plain profile matches no persona")
    func plain() {
        var builder = DataBuilder()
        builder.baseline()
        builder.card(balance: 400, limit: 5000)
        let result = assign(builder)
        #expect(result.primary == .general)
        #expect(result.matched.isEmpty)
        #expect(result.evaluations.count == 5)
    }

    @Test("high utilization fires on each of its four triggers, at the 50% boundary, and not at 49.9%")
    func highUtilization() {
        for (balance, minimum, lastPayment, overdue, expected) in [
            (2500.0, 25.0, 2500.0, false, true), (2495.0, 25.0, 2495.0, false, false), (1000, 60, 60, false, true), (1000, 25, 1000, true, true),
        ] {
            var builder = DataBuilder()
            builder.baseline()
            builder.card(balance: balance, limit: 5000, minimum: minimum, lastPayment: lastPayment, overdue: overdue)
            #expect((assign(builder).primary == .highUtilization) == expected, "balance \(balance) min \(minimum) paid \(lastPayment) overdue \(overdue)")
        }
        var interest = DataBuilder()
        interest.baseline()
        interest.card(balance: 500, limit: 5000)
        interest.add("card", interest.end.adding(days: -100), 9.5, "Interest", "BANK_FEES", "BANK_FEES_INTEREST_CHARGE")
        #expect(assign(interest).primary == .highUtilization)
        #expect(assign(interest).evaluations[0].criteria.first { $0.name == "interest_charged_180d" }?.met == true)
    }

    @Test("variable income needs long pay gaps and a thin buffer")
    func variableIncome() {
        var builder = DataBuilder()
        builder.accounts[0].balances.current = 500
        for (offset, amount) in [(0, 4000.0), (50, 2500), (110, 5200), (170, 3000)] {
            builder.add(builder.end.adding(days: -offset), -amount, "Client", "INCOME", "INCOME_OTHER_INCOME")
        }
        for week in 0..<26 { builder.add(builder.end.adding(days: -7 * week), 400, "FreshMart", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES") }
        let result = assign(builder)
        #expect(result.primary == .variableIncome)
        // The same income with a healthy buffer is not this persona.
        builder.accounts[0].balances.current = 9000
        #expect(!assign(builder).matched.contains(.variableIncome))
    }

    @Test("stretched cash flow: regular pay, almost no cash, spending nearly all of it")
    func stretched() {
        var builder = DataBuilder()
        builder.accounts[0].balances.current = 200
        builder.baseline(pay: 1000, spendPerWeek: 480)
        #expect(assign(builder).primary == .cashFlowStretched)
        var comfortable = DataBuilder()
        comfortable.accounts[0].balances.current = 200
        comfortable.baseline(pay: 1000, spendPerWeek: 300)
        #expect(!assign(comfortable).matched.contains(.cashFlowStretched))
    }

    @Test("subscription-heavy needs three recurring merchants and real money")
    func subscriptionHeavy() {
        var builder = DataBuilder()
        builder.baseline()
        for (merchant, price) in [("StreamFlix", 15.49), ("Melody", 10.99), ("FitLife", 39.99)] {
            for month in 0..<4 { builder.add(builder.end.adding(months: -month).adding(days: -2), price, merchant, "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES") }
        }
        #expect(assign(builder).primary == .subscriptionHeavy)
        var two = DataBuilder()
        two.baseline()
        for (merchant, price) in [("StreamFlix", 15.49), ("FitLife", 39.99)] {
            for month in 0..<4 { two.add(two.end.adding(months: -month).adding(days: -2), price, merchant, "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES") }
        }
        #expect(!assign(two).matched.contains(.subscriptionHeavy))
    }

    @Test("savings builder needs growth and every card under 30%")
    func savingsBuilder() {
        var builder = DataBuilder()
        builder.baseline()
        builder.accounts.append(Account(id: "sav", name: "Savings", mask: "2", subtype: .savings, balances: Balances(current: 5000)))
        for month in 0..<6 { builder.add("sav", builder.end.adding(months: -month), -250, "Transfer", "TRANSFER_IN", "TRANSFER_IN_SAVINGS") }
        builder.card(balance: 1000, limit: 5000)
        #expect(assign(builder).primary == .savingsBuilder)
        builder.accounts[2].balances.current = 1600
        builder.credit[0].lastStatementBalance = 1600
        builder.credit[0].lastPaymentAmount = 1600
        #expect(!assign(builder).matched.contains(.savingsBuilder))
    }

    @Test("priority: when several personas match, the more urgent one is primary and all are kept")
    func priority() {
        var builder = DataBuilder()
        builder.baseline()
        builder.accounts.append(Account(id: "sav", name: "Savings", mask: "2", subtype: .savings, balances: Balances(current: 5000)))
        for month in 0..<6 { builder.add("sav", builder.end.adding(months: -month), -250, "Transfer", "TRANSFER_IN", "TRANSFER_IN_SAVINGS") }
        for (merchant, price) in [("StreamFlix", 15.49), ("Melody", 10.99), ("FitLife", 39.99)] {
            for month in 0..<4 { builder.add(builder.end.adding(months: -month).adding(days: -2), price, merchant, "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES") }
        }
        let result = assign(builder)
        #expect(result.matched == [.subscriptionHeavy, .savingsBuilder])
        #expect(result.primary == .subscriptionHeavy)
    }

    @Test("on generated data every planted rule fires for its users, and plain users match nothing")
    func plantedRulesFire() {
        for user in SyntheticGenerator(seed: 99).users(count: 60) {
            let result = PersonaEngine.assign(SignalEngine.report(user.data))
            if user.label == .general {
                #expect(result.matched.isEmpty, "\(user.id) matched \(result.matched)")
            } else {
                #expect(result.matched.contains(user.label), "\(user.id) planted \(user.label) matched \(result.matched)")
            }
        }
    }
}
