import Foundation
import Models

/// One generated person: their upload and the behavior that was planted in it.
public struct SyntheticUser: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The persona the data was built to show (`.general` for plain users).
    public var label: PersonaID
    public var data: FinancialData
}

/// Deterministic synthetic Plaid-style data: the same seed gives the same users, byte for byte.
///
/// Users are spread evenly over six planted behaviors (the five personas and plain users) with 12 months of
/// payroll, rent, utilities, groceries, dining, shopping, fuel, subscriptions, card payments, interest and
/// transfers. Amounts follow Plaid's sign (positive = money out).
public struct SyntheticGenerator: Sendable {
    public var seed: UInt64
    public var months: Int
    /// The last day of generated data.
    public var endDate: Day
    /// Multiplies the number of everyday purchases (1 ≈ 300–450 transactions a year).
    public var density: Double

    public init(seed: UInt64 = 42, months: Int = 12, endDate: Day = Day(year: 2026, month: 10, day: 31), density: Double = 1) {
        self.seed = seed
        self.months = months
        self.endDate = endDate
        self.density = density
    }

    public static let plantedLabels: [PersonaID] = [
        .highUtilization, .variableIncome, .cashFlowStretched, .subscriptionHeavy, .savingsBuilder, .general,
    ]

    public func users(count: Int = 100) -> [SyntheticUser] {
        (0..<count).map { user(index: $0) }
    }

    /// The `index`-th user: independent of how many are generated.
    public func user(index: Int) -> SyntheticUser {
        var random = SeededRandom(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
        let label = Self.plantedLabels[index % Self.plantedLabels.count]
        var builder = UserBuilder(index: index, label: label, random: random, generator: self)
        builder.build()
        random = builder.random
        return SyntheticUser(id: builder.userID, name: builder.name, label: label, data: builder.finish())
    }
}

/// Builds one user's accounts, transactions and liabilities.
struct UserBuilder {
    let index: Int
    let label: PersonaID
    var random: SeededRandom
    let generator: SyntheticGenerator
    let userID: String
    let name: String
    let start: Day
    let end: Day

    var accounts: [Account] = []
    var transactions: [Transaction] = []
    var credit: [CreditLiability] = []
    var student: [LoanLiability] = []
    private var counter = 0

    static let firstNames = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hiro", "Isla", "Jamal", "Kira", "Luis", "Maya", "Nikhil", "Olivia", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen", "Yusuf", "Zoe"]
    static let lastNames = ["Alvarez", "Brooks", "Chen", "Diallo", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Johnson", "Kowalski", "Lee", "Martin", "Nguyen", "Okafor", "Patel", "Rossi", "Silva", "Thompson", "Wright"]

    init(index: Int, label: PersonaID, random: SeededRandom, generator: SyntheticGenerator) {
        self.index = index
        self.label = label
        self.random = random
        self.generator = generator
        self.userID = String(format: "user_%05d", index)
        var nameRandom = random
        self.name = "\(nameRandom.pick(Self.firstNames)) \(nameRandom.pick(Self.lastNames))"
        self.end = generator.endDate
        self.start = generator.endDate.adding(months: -generator.months).adding(days: 1)
    }

    mutating func nextID(_ prefix: String) -> String {
        counter += 1
        return String(format: "%@_%05d_%05d", prefix, index, counter)
    }

    mutating func mask() -> String { String(format: "%04d", random.int(1000...9999)) }

    mutating func add(_ account: String, _ day: Day, _ amount: Double, _ merchant: String?, _ primary: String, _ detailed: String, channel: PaymentChannel = .other) {
        guard day >= start, day <= end else { return }
        let entity = merchant.map { "ent_" + $0.lowercased().filter { $0.isLetter || $0.isNumber } }
        transactions.append(
            Transaction(
                id: nextID("tx"), accountID: account, date: day, amount: (amount * 100).rounded() / 100, merchantName: merchant,
                merchantEntityID: entity, paymentChannel: channel, category: Category(primary: primary, detailed: detailed)))
    }

    /// Each day of the month `day` in every generated month (clamped to month ends).
    func monthly(day: Int) -> [Day] {
        var days: [Day] = []
        var cursor = Day(year: start.components.year, month: start.components.month, day: 1)
        while cursor <= end {
            let (y, m, _) = cursor.components
            days.append(Day(year: y, month: m, day: min(day, Day.daysInMonth(year: y, month: m))))
            cursor = cursor.adding(months: 1)
        }
        return days.filter { $0 >= start && $0 <= end }
    }

    func every(_ step: Int, from first: Day) -> [Day] {
        var days: [Day] = []
        var cursor = first
        while cursor <= end {
            if cursor >= start { days.append(cursor) }
            cursor = cursor.adding(days: step)
        }
        return days
    }

    // MARK: - The plan

    mutating func build() {
        // Net monthly pay and how much of it is spent, by planted behavior.
        let monthlyIncome = (random.double(2600...7200) / 50).rounded() * 50
        let spendRatio: Double
        switch label {
        case .highUtilization: spendRatio = random.double(0.92...1.02)
        case .variableIncome: spendRatio = random.double(0.80...0.95)
        case .cashFlowStretched: spendRatio = random.double(1.0...1.08)
        case .subscriptionHeavy: spendRatio = random.double(0.68...0.82)
        case .savingsBuilder: spendRatio = random.double(0.55...0.70)
        case .general: spendRatio = random.double(0.62...0.80)
        }
        let monthlySpend = monthlyIncome * spendRatio

        // Accounts.
        let checking = nextID("acc")
        let cashMonths: Double
        switch label {
        case .variableIncome: cashMonths = random.double(0.2...0.8)
        case .cashFlowStretched: cashMonths = random.double(0.05...0.35)
        default: cashMonths = random.double(1.3...3.0)
        }
        accounts.append(
            Account(id: checking, name: "Everyday Checking", mask: mask(), subtype: .checking,
                    balances: Balances(available: (monthlySpend * cashMonths).rounded(), current: (monthlySpend * cashMonths).rounded())))
        var savings: String?
        let savingsBalance: Double
        switch label {
        case .cashFlowStretched: savingsBalance = random.chance(0.5) ? random.double(0...150).rounded() : -1
        case .savingsBuilder: savingsBalance = random.double(2000...15000).rounded()
        case .variableIncome: savingsBalance = random.double(0...600).rounded()
        default: savingsBalance = random.chance(0.8) ? random.double(500...9000).rounded() : -1
        }
        if savingsBalance >= 0 {
            let id = nextID("acc")
            savings = id
            accounts.append(Account(id: id, name: "Savings", mask: mask(), subtype: random.chance(0.15) && label != .savingsBuilder ? .moneyMarket : .savings,
                                    balances: Balances(available: savingsBalance, current: savingsBalance)))
        }
        let hasCard = label == .highUtilization || random.chance(0.88)
        let card = hasCard ? nextID("acc") : nil

        // Income.
        let payrollAccount = checking
        let employer = random.pick(["Acme Corp Payroll", "Northwind Payroll", "Globex Payroll", "Initech Payroll", "Umbrella Health Payroll"])
        if label == .variableIncome {
            var day = start.adding(days: random.int(0...20))
            let clients = ["Freelance Client A", "Design Studio B", "Consulting Client C", "Gig Platform Payouts"]
            while day <= end {
                let gap = random.int(48...80)
                let amount = monthlyIncome * Double(gap) / 30.44 * random.double(0.6...1.4)
                add(payrollAccount, day, -amount, random.pick(clients), "INCOME", "INCOME_OTHER_INCOME")
                day = day.adding(days: gap)
            }
        } else {
            let schedules: [(String, Int)] =
                label == .cashFlowStretched ? [("weekly", 7), ("biweekly", 14)] : [("weekly", 7), ("biweekly", 14), ("semimonthly", 15), ("monthly", 30)]
            let (kind, _) = random.pick(schedules)
            switch kind {
            case "weekly":
                for day in every(7, from: start.adding(days: random.int(0...6))) { add(payrollAccount, day, -monthlyIncome * 12 / 52, employer, "INCOME", "INCOME_WAGES") }
            case "biweekly":
                for day in every(14, from: start.adding(days: random.int(0...13))) { add(payrollAccount, day, -monthlyIncome * 12 / 26, employer, "INCOME", "INCOME_WAGES") }
            case "semimonthly":
                for day in monthly(day: 1) + monthly(day: 15) { add(payrollAccount, day, -monthlyIncome / 2, employer, "INCOME", "INCOME_WAGES") }
            default:
                for day in monthly(day: random.int(25...28)) { add(payrollAccount, day, -monthlyIncome, employer, "INCOME", "INCOME_WAGES") }
            }
        }

        // Fixed costs.
        let rent = (monthlyIncome * random.double(0.26...0.34) / 5).rounded() * 5
        let landlord = random.pick(["Oakwood Apartments", "Maple Property Mgmt", "Riverside Rentals"])
        for day in monthly(day: 1) { add(checking, day, rent, landlord, "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT") }
        let electricBase = random.double(50...120)
        for day in monthly(day: random.int(8...12)) {
            add(checking, day, electricBase * random.double(0.75...1.35), "City Power & Light", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY")
        }
        let internet = random.pick([49.99, 59.99, 69.99])
        for day in monthly(day: random.int(14...18)) { add(checking, day, internet, "FiberNet Internet", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_INTERNET_AND_CABLE") }

        // Subscriptions.
        let catalog: [(String, Double, String, String)] = [
            ("StreamFlix", 15.49, "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES"),
            ("Melody Music", 10.99, "ENTERTAINMENT", "ENTERTAINMENT_MUSIC_AND_AUDIO"),
            ("CloudBox Storage", 9.99, "GENERAL_SERVICES", "GENERAL_SERVICES_OTHER_GENERAL_SERVICES"),
            ("FitLife Gym", 39.99, "PERSONAL_CARE", "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS"),
            ("NewsDaily", 12.0, "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS"),
            ("GameVault", 14.99, "ENTERTAINMENT", "ENTERTAINMENT_VIDEO_GAMES"),
            ("Learnly Courses", 29.99, "GENERAL_SERVICES", "GENERAL_SERVICES_EDUCATION"),
            ("SecureVPN", 11.99, "GENERAL_SERVICES", "GENERAL_SERVICES_OTHER_GENERAL_SERVICES"),
            ("StreamPlus Sports", 24.99, "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES"),
        ]
        let subscriptionCount = label == .subscriptionHeavy ? random.int(4...7) : random.int(0...2)
        var chosen = catalog
        chosen.shuffle(using: &random)
        let subscriptionAccount = card ?? checking
        var subscriptionMonthly = 0.0
        for (merchant, price, primary, detailed) in chosen.prefix(subscriptionCount) {
            subscriptionMonthly += price
            for day in monthly(day: random.int(1...28)) { add(subscriptionAccount, day, price, merchant, primary, detailed, channel: .online) }
        }
        if label == .subscriptionHeavy, random.chance(0.4) {
            // A weekly meal kit.
            let price = random.pick([59.99, 64.99, 69.99])
            subscriptionMonthly += price * 52 / 12
            for day in every(7, from: start.adding(days: random.int(0...6))) {
                add(subscriptionAccount, day, price, "FreshBox Meal Kits", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", channel: .online)
            }
        }

        // Everyday spending fills what is left of the monthly budget.
        let fixed = rent + electricBase + internet + subscriptionMonthly
        let flexible = max(150, monthlySpend - fixed)
        let density = generator.density
        let everyday: [(share: Double, perMonth: Double, merchants: [String], primary: String, detailed: String, channel: PaymentChannel)] = [
            (0.40, 6, ["FreshMart", "GreenGrocer", "Costless Wholesale"], "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", .inStore),
            (0.25, 7, ["Cafe Luna", "Burger Barn", "Taqueria Sol", "Noodle House", "Pizza Plaza"], "FOOD_AND_DRINK", "FOOD_AND_DRINK_RESTAURANT", .inStore),
            (0.20, 3, ["ShopHub Online", "HomeGoods Depot", "StyleCo"], "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", .online),
            (0.15, 3, ["FuelStop", "QuickGas"], "TRANSPORTATION", "TRANSPORTATION_GAS", .inStore),
        ]
        var cardSpendByMonth: [Int: Double] = [:]
        var cursor = start
        while cursor <= end {
            let monthEnd = min(end, cursor.adding(months: 1).adding(days: -1))
            let span = monthEnd - cursor + 1
            for kind in everyday {
                let count = max(1, Int((kind.perMonth * density * random.double(0.7...1.3)).rounded()))
                let budget = flexible * kind.share * Double(span) / 30.44
                for _ in 0..<count {
                    let day = cursor.adding(days: random.int(0...(span - 1)))
                    let amount = budget / Double(count) * random.double(0.5...1.5)
                    let onCard = card != nil && random.chance(0.7)
                    add(onCard ? card! : checking, day, amount, random.pick(kind.merchants), kind.primary, kind.detailed, channel: kind.channel)
                    if onCard { cardSpendByMonth[cursor.ordinal, default: 0] += amount }
                }
            }
            cursor = cursor.adding(months: 1)
        }
        if let card {
            buildCard(card: card, checking: checking, cardSpendByMonth: cardSpendByMonth, subscriptionMonthly: subscriptionAccount == card ? subscriptionMonthly : 0)
        }

        // Savings transfers.
        if let savings, label == .savingsBuilder {
            let transfer = (random.double(250...700) / 10).rounded() * 10
            for day in monthly(day: random.int(2...6)) {
                add(checking, day, transfer, "Transfer to Savings", "TRANSFER_OUT", "TRANSFER_OUT_SAVINGS")
                add(savings, day, -transfer, "Transfer from Checking", "TRANSFER_IN", "TRANSFER_IN_SAVINGS")
            }
        }

        // Some people carry a student loan.
        if random.chance(0.25) {
            let loan = nextID("acc")
            let balance = random.double(6000...38000).rounded()
            let payment = (balance * 0.011).rounded()
            accounts.append(Account(id: loan, name: "Student Loan", mask: mask(), subtype: .student, balances: Balances(current: balance)))
            student.append(LoanLiability(accountID: loan, interestRate: random.double(3.5...7.5).rounded(places: 2), minimumPaymentAmount: payment))
            for day in monthly(day: random.int(18...24)) {
                add(checking, day, payment, "StudentAid Servicing", "LOAN_PAYMENTS", "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT")
                add(loan, day, -payment, "Payment received", "LOAN_PAYMENTS", "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT")
            }
        }
    }

    /// Card balance, payments, interest and liability, by planted behavior.
    mutating func buildCard(card: String, checking: String, cardSpendByMonth: [Int: Double], subscriptionMonthly: Double) {
        let apr = random.double(18.9...29.9).rounded(places: 2)
        let monthlyCardSpend = (cardSpendByMonth.values.reduce(0, +) / Double(max(1, cardSpendByMonth.count))) + subscriptionMonthly
        let revolving = label == .highUtilization
        let limit: Double
        let balance: Double
        if revolving {
            limit = (random.double(2000...9000) / 100).rounded() * 100
            balance = (limit * random.double(0.52...0.95)).rounded()
        } else {
            // Paid in full: the balance is about one month of charges, kept well under the limit.
            let target = label == .savingsBuilder ? random.double(0.05...0.22) : random.double(0.05...0.35)
            limit = max(1000, ((monthlyCardSpend / target) / 100).rounded() * 100)
            balance = monthlyCardSpend.rounded()
        }
        let minimum = min(balance, max(25, (balance * 0.02).rounded()))
        // High-utilization users show one or more of: interest, minimum-only payments, an overdue flag.
        let paysMinimum = revolving && random.chance(0.5)
        let overdue = revolving && random.chance(0.2)
        let lastPayment = revolving ? (paysMinimum ? minimum : (minimum * random.double(1.5...4)).rounded()) : balance
        for day in monthly(day: random.int(18...25)) {
            // Revolvers pay the minimum or a little more; everyone else pays about a month of charges.
            let payment = revolving ? lastPayment : max(25, (monthlyCardSpend * random.double(0.9...1.1)).rounded())
            add(checking, day, payment, "Card Payment", "LOAN_PAYMENTS", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT")
            add(card, day, -payment, "Payment Thank You", "LOAN_PAYMENTS", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT")
            if revolving {
                add(card, day.adding(days: -3), balance * apr / 100 / 12, "Interest Charge", "BANK_FEES", "BANK_FEES_INTEREST_CHARGE")
            }
        }
        let last = monthly(day: 20).last ?? end
        accounts.append(
            Account(id: card, name: random.pick(["Visa Signature", "Rewards Mastercard", "Everyday Card"]), mask: mask(), subtype: .creditCard,
                    balances: Balances(available: max(0, limit - balance), current: balance, limit: limit)))
        credit.append(
            CreditLiability(
                accountID: card, aprs: [APR(percentage: apr, type: "purchase_apr")], minimumPaymentAmount: minimum,
                lastPaymentAmount: lastPayment, lastPaymentDate: last, lastStatementBalance: balance, isOverdue: overdue,
                nextPaymentDueDate: last.adding(days: 28)))
    }

    func finish() -> FinancialData {
        FinancialData(
            accounts: accounts, transactions: transactions.sorted { ($0.date, $0.id) < ($1.date, $1.id) },
            liabilities: Liabilities(credit: credit, student: student, mortgage: []))
    }
}
