import Foundation

/// A calendar day (no time zone), as Plaid sends dates: `2026-04-17`.
public struct Day: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public var ordinal: Int

    public init(ordinal: Int) { self.ordinal = ordinal }

    /// The UTC day a moment falls on.
    public init(date: Date) { self.ordinal = Int(saturating: (date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    /// Parses `YYYY-MM-DD`; nil for anything else, including impossible dates (`2026-02-30`).
    public init?(_ text: String) {
        var text = text
        let parsed: (Int, Int, Int)? = text.withUTF8 { utf8 in
            guard utf8.count == 10, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for index in range {
                    let digit = Int(utf8[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
            return (year, month, day)
        }
        guard let (year, month, day) = parsed else { return nil }
        guard (1900...2200).contains(year), (1...12).contains(month), day >= 1,
            day <= Day.daysInMonth(year: year, month: month)
        else { return nil }
        self.ordinal = Day.ordinal(year: year, month: month, day: day)
    }

    public init(year: Int, month: Int, day: Int) {
        self.ordinal = Day.ordinal(year: year, month: month, day: day)
    }

    public var components: (year: Int, month: Int, day: Int) {
        // Civil-from-days (Howard Hinnant's algorithm).
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    public var description: String {
        let (y, m, d) = components
        let year = String(y)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + (m < 10 ? "-0" : "-") + String(m) + (d < 10 ? "-0" : "-") + String(d)
    }

    public func adding(days: Int) -> Day { Day(ordinal: ordinal + days) }

    /// The same day `months` later, clamped to the month's last day.
    public func adding(months: Int) -> Day {
        let (y, m, d) = components
        let total = y * 12 + (m - 1) + months
        let year = total / 12
        let month = total % 12 + 1
        return Day(year: year, month: month, day: min(d, Day.daysInMonth(year: year, month: month)))
    }

    public static func - (lhs: Day, rhs: Day) -> Int { lhs.ordinal - rhs.ordinal }
    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.ordinal < rhs.ordinal }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func ordinal(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let day = Day(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected YYYY-MM-DD, got \(text)")
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Plaid account types this product understands.
public enum AccountType: String, Codable, Sendable, CaseIterable {
    case depository, credit, loan
}

/// Plaid account subtypes this product understands, by type.
public enum AccountSubtype: String, Codable, Sendable, CaseIterable {
    case checking, savings
    case moneyMarket = "money market"
    case hsa
    case creditCard = "credit card"
    case mortgage, student, auto

    public var type: AccountType {
        switch self {
        case .checking, .savings, .moneyMarket, .hsa: .depository
        case .creditCard: .credit
        case .mortgage, .student, .auto: .loan
        }
    }

    /// Savings-like accounts count toward savings signals.
    public var isSavingsLike: Bool { self == .savings || self == .moneyMarket || self == .hsa }
}

public struct Balances: Codable, Sendable, Equatable {
    public var available: Double?
    public var current: Double?
    public var limit: Double?
    public var isoCurrencyCode: String?

    public init(available: Double? = nil, current: Double? = nil, limit: Double? = nil, isoCurrencyCode: String? = "USD") {
        self.available = available
        self.current = current
        self.limit = limit
        self.isoCurrencyCode = isoCurrencyCode
    }

    enum CodingKeys: String, CodingKey {
        case available, current, limit
        case isoCurrencyCode = "iso_currency_code"
    }
}

public struct Account: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var name: String
    public var mask: String?
    public var type: AccountType
    public var subtype: AccountSubtype
    public var balances: Balances
    public var isoCurrencyCode: String
    public var holderCategory: String

    public init(
        id: String, name: String, mask: String?, subtype: AccountSubtype, balances: Balances,
        isoCurrencyCode: String = "USD", holderCategory: String = "personal"
    ) {
        self.id = id
        self.name = name
        self.mask = mask
        self.type = subtype.type
        self.subtype = subtype
        self.balances = balances
        self.isoCurrencyCode = isoCurrencyCode
        self.holderCategory = holderCategory
    }

    enum CodingKeys: String, CodingKey {
        case id = "account_id"
        case name, mask, type, subtype, balances
        case isoCurrencyCode = "iso_currency_code"
        case holderCategory = "holder_category"
    }

    /// "Visa ending in 4523" style label for rationales.
    public var displayName: String {
        mask.map { "\(name) ending in \($0)" } ?? name
    }
}

public enum PaymentChannel: String, Codable, Sendable, CaseIterable {
    case online
    case inStore = "in store"
    case other
}

public struct Category: Codable, Sendable, Equatable, Hashable {
    public var primary: String
    public var detailed: String

    public init(primary: String, detailed: String) {
        self.primary = primary
        self.detailed = detailed
    }
}

/// One transaction. `amount` follows Plaid: positive = money out of the account, negative = money in.
public struct Transaction: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var accountID: String
    public var date: Day
    public var amount: Double
    public var merchantName: String?
    public var merchantEntityID: String?
    public var paymentChannel: PaymentChannel
    public var category: Category
    public var pending: Bool
    public var isoCurrencyCode: String

    public init(
        id: String, accountID: String, date: Day, amount: Double, merchantName: String?, merchantEntityID: String? = nil,
        paymentChannel: PaymentChannel = .other, category: Category, pending: Bool = false, isoCurrencyCode: String = "USD"
    ) {
        self.id = id
        self.accountID = accountID
        self.date = date
        self.amount = amount
        self.merchantName = merchantName
        self.merchantEntityID = merchantEntityID
        self.paymentChannel = paymentChannel
        self.category = category
        self.pending = pending
        self.isoCurrencyCode = isoCurrencyCode
    }

    enum CodingKeys: String, CodingKey {
        case id = "transaction_id"
        case accountID = "account_id"
        case date, amount, pending
        case merchantName = "merchant_name"
        case merchantEntityID = "merchant_entity_id"
        case paymentChannel = "payment_channel"
        case category = "personal_finance_category"
        case isoCurrencyCode = "iso_currency_code"
    }

    /// The merchant key recurring-charge detection groups by.
    public var merchantKey: String? {
        merchantEntityID ?? merchantName?.lowercased()
    }
}

public struct APR: Codable, Sendable, Equatable {
    public var percentage: Double
    public var type: String

    public init(percentage: Double, type: String) {
        self.percentage = percentage
        self.type = type
    }

    enum CodingKeys: String, CodingKey {
        case percentage = "apr_percentage"
        case type = "apr_type"
    }
}

public struct CreditLiability: Codable, Sendable, Equatable {
    public var accountID: String
    public var aprs: [APR]
    public var minimumPaymentAmount: Double?
    public var lastPaymentAmount: Double?
    public var lastPaymentDate: Day?
    public var lastStatementBalance: Double?
    public var isOverdue: Bool
    public var nextPaymentDueDate: Day?

    public init(
        accountID: String, aprs: [APR], minimumPaymentAmount: Double?, lastPaymentAmount: Double?, lastPaymentDate: Day?,
        lastStatementBalance: Double?, isOverdue: Bool, nextPaymentDueDate: Day?
    ) {
        self.accountID = accountID
        self.aprs = aprs
        self.minimumPaymentAmount = minimumPaymentAmount
        self.lastPaymentAmount = lastPaymentAmount
        self.lastPaymentDate = lastPaymentDate
        self.lastStatementBalance = lastStatementBalance
        self.isOverdue = isOverdue
        self.nextPaymentDueDate = nextPaymentDueDate
    }

    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case aprs
        case minimumPaymentAmount = "minimum_payment_amount"
        case lastPaymentAmount = "last_payment_amount"
        case lastPaymentDate = "last_payment_date"
        case lastStatementBalance = "last_statement_balance"
        case isOverdue = "is_overdue"
        case nextPaymentDueDate = "next_payment_due_date"
    }
}

/// A student loan or mortgage: only what the engine uses.
public struct LoanLiability: Codable, Sendable, Equatable {
    public var accountID: String
    /// Interest rate in percent.
    public var interestRate: Double?
    public var minimumPaymentAmount: Double?
    public var isOverdue: Bool

    public init(accountID: String, interestRate: Double?, minimumPaymentAmount: Double? = nil, isOverdue: Bool = false) {
        self.accountID = accountID
        self.interestRate = interestRate
        self.minimumPaymentAmount = minimumPaymentAmount
        self.isOverdue = isOverdue
    }

    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case interestRate = "interest_rate"
        case minimumPaymentAmount = "minimum_payment_amount"
        case isOverdue = "is_overdue"
    }
}

public struct Liabilities: Codable, Sendable, Equatable {
    public var credit: [CreditLiability]
    public var student: [LoanLiability]
    public var mortgage: [LoanLiability]

    public init(credit: [CreditLiability] = [], student: [LoanLiability] = [], mortgage: [LoanLiability] = []) {
        self.credit = credit
        self.student = student
        self.mortgage = mortgage
    }
}

/// The whole upload: `{accounts, transactions, liabilities: {credit, student, mortgage}}`.
public struct FinancialData: Codable, Sendable, Equatable {
    public var accounts: [Account]
    public var transactions: [Transaction]
    public var liabilities: Liabilities

    public init(accounts: [Account], transactions: [Transaction], liabilities: Liabilities = Liabilities()) {
        self.accounts = accounts
        self.transactions = transactions
        self.liabilities = liabilities
    }
}

/// One problem found in uploaded data.
public struct ValidationIssue: Codable, Sendable, Equatable, Hashable {
    /// Where: `transactions[41].amount`.
    public var path: String
    /// Stable code: `UNKNOWN_ACCOUNT`, `DUPLICATE_ID`, `INVALID_DATE`, …
    public var code: String
    public var message: String

    public init(path: String, code: String, message: String) {
        self.path = path
        self.code = code
        self.message = message
    }
}
