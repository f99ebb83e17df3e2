import Foundation
import Models

/// Reads typed fields out of one raw record, noting each problem against the record's path.
struct FieldReader {
    let record: RawRecord
    private var pending: [(String, String, String)] = []

    init(record: RawRecord) { self.record = record }

    mutating func issue(_ field: String, _ code: String, _ message: String) {
        let suffix = record.line.map { " (line \($0))" } ?? ""
        pending.append((field.isEmpty ? record.path : "\(record.path).\(field)", code, message + suffix))
    }

    func flush(into issues: inout IssueCollector) {
        for (path, code, message) in pending { issues.add(path, code, message) }
    }

    var hasIssues: Bool { !pending.isEmpty }

    // MARK: - Field types

    private func value(_ key: String, in fields: RawObject? = nil) -> RawValue? {
        let value = if let fields { fields[key] } else { record.fields[key] }
        guard let value, !value.isNull else { return nil }
        return value
    }

    mutating func string(_ key: String, required: Bool, maxLength: Int = 200, in fields: RawObject? = nil, path: String? = nil) -> String? {
        let path = path ?? key
        guard let raw = value(key, in: fields) else {
            if required { issue(path, "MISSING_FIELD", "'\(key)' is required") }
            return nil
        }
        switch raw {
        case .string(let text), .text(let text):
            let trimmed = text.trimmedIfNeeded
            if trimmed.isEmpty {
                if required { issue(path, "MISSING_FIELD", "'\(key)' must not be empty") }
                return nil
            }
            if trimmed.utf8.count > maxLength, trimmed.count > maxLength {
                issue(path, "TOO_LONG", "'\(key)' is longer than \(maxLength) characters")
                return nil
            }
            return trimmed
        default:
            issue(path, "INVALID_TYPE", "'\(key)' must be a string, not \(raw.kind)")
            return nil
        }
    }

    /// A finite number with |x| ≤ `Validator.maxAmount`, rounded to whole cents unless `cents` is false (rates):
    /// sub-cent amounts such as 1e-300 would otherwise turn ratios into infinities.
    mutating func amount(
        _ key: String, required: Bool, nonNegative: Bool = false, cents: Bool = true, in fields: RawObject? = nil, path: String? = nil
    ) -> Double? {
        let path = path ?? key
        guard let raw = value(key, in: fields) else {
            if required { issue(path, "MISSING_FIELD", "'\(key)' is required") }
            return nil
        }
        let number: Double
        switch raw {
        case .number(let value): number = value
        case .text(let text):
            let digits = text.replacingOccurrences(of: "$", with: "")
            guard Validator.isDecimal(digits), let parsed = Double(digits) else {
                issue(path, "INVALID_NUMBER", "'\(key)' must be a number, got '\(text.prefix(40))'")
                return nil
            }
            number = parsed
        default:
            issue(path, "INVALID_TYPE", "'\(key)' must be a number, not \(raw.kind)")
            return nil
        }
        guard number.isFinite else {
            issue(path, "NON_FINITE_AMOUNT", "'\(key)' must be a finite number")
            return nil
        }
        guard abs(number) <= Validator.maxAmount else {
            issue(path, "ABSURD_AMOUNT", "'\(key)' is \(number), beyond the plausible ±\(Int(Validator.maxAmount))")
            return nil
        }
        if nonNegative, number < 0 {
            issue(path, "NEGATIVE_AMOUNT", "'\(key)' must not be negative")
            return nil
        }
        guard cents else { return number }
        let rounded = (number * 100).rounded() / 100
        return rounded == 0 ? 0 : rounded
    }

    mutating func bool(_ key: String, default fallback: Bool) -> Bool {
        guard let raw = value(key) else { return fallback }
        switch raw {
        case .bool(let value): return value
        case .text(let text):
            switch text.lowercased() {
            case "true", "t", "yes", "y", "1": return true
            case "false", "f", "no", "n", "0": return false
            default: break
            }
        default: break
        }
        issue(key, "INVALID_TYPE", "'\(key)' must be true or false")
        return fallback
    }

    mutating func day(_ key: String, required: Bool) -> Day? {
        guard let text = string(key, required: required, maxLength: 40) else { return nil }
        // Plaid sends dates; a full timestamp's date part is accepted.
        let utf8 = text.utf8
        let datePart: String? =
            utf8.count == 10 ? text
            : utf8.count > 10 && utf8[utf8.index(utf8.startIndex, offsetBy: 10)] == UInt8(ascii: "T") ? String(utf8.prefix(10)) : nil
        guard let datePart, let day = Day(datePart) else {
            issue(key, "INVALID_DATE", "'\(key)' must be a date like 2026-04-17, got '\(text.prefix(40))'")
            return nil
        }
        return day
    }

    mutating func currency(_ key: String = "iso_currency_code") -> String {
        guard let code = string(key, required: false, maxLength: 8) else { return "USD" }
        if code != "USD", code.uppercased() != "USD" {
            issue(key, "UNSUPPORTED_CURRENCY", "Only USD is supported; got '\(code)'")
        }
        return "USD"
    }

    /// The id of the referenced account, for records that need nothing else of it.
    mutating func referenceID(_ key: String, accounts: AccountIndex) -> String? {
        guard let id = string(key, required: true, maxLength: 128) else { return nil }
        guard let known = accounts.knownID(id) else {
            issue(key, "UNKNOWN_ACCOUNT", "No account with id '\(id)' in this upload")
            return nil
        }
        return known
    }

    mutating func reference(_ key: String, accounts: AccountIndex) -> Account? {
        guard let id = string(key, required: true, maxLength: 128) else { return nil }
        guard let account = accounts[id] else {
            issue(key, "UNKNOWN_ACCOUNT", "No account with id '\(id)' in this upload")
            return nil
        }
        return account
    }

    // MARK: - Records

    mutating func account() -> Account? {
        let id = string("account_id", required: true, maxLength: 128)
        let name = string("name", required: false) ?? string("official_name", required: false)
        let mask = string("mask", required: false, maxLength: 8)
        let typeText = string("type", required: true, maxLength: 40)?.lowercased()
        let subtypeText = string("subtype", required: true, maxLength: 40)?.lowercased()
        var subtype: AccountSubtype?
        if let typeText {
            if let type = AccountType(rawValue: typeText) {
                if let subtypeText {
                    if let parsed = AccountSubtype(rawValue: subtypeText) {
                        if parsed.type == type {
                            subtype = parsed
                        } else {
                            issue("subtype", "TYPE_MISMATCH", "Subtype '\(subtypeText)' does not belong to type '\(typeText)'")
                        }
                    } else {
                        let allowed = AccountSubtype.allCases.filter { $0.type == type }.map(\.rawValue).joined(separator: ", ")
                        issue("subtype", "UNSUPPORTED_TYPE", "Subtype '\(subtypeText)' is not supported; use one of: \(allowed)")
                    }
                }
            } else {
                issue("type", "UNSUPPORTED_TYPE", "Account type '\(typeText)' is not supported; use depository, credit or loan")
            }
        }
        var balances = Balances()
        if let raw = value("balances") {
            if case .object(let fields) = raw {
                balances.available = amount("available", required: false, in: fields, path: "balances.available")
                balances.current = amount("current", required: false, in: fields, path: "balances.current")
                // Read exactly: a limit of 1e-300 must be refused, not rounded to "none" (see checkCreditBalances).
                balances.limit = amount("limit", required: false, nonNegative: true, cents: false, in: fields, path: "balances.limit")
                if let code = string("iso_currency_code", required: false, maxLength: 8, in: fields, path: "balances.iso_currency_code"),
                    code.uppercased() != "USD"
                {
                    issue("balances.iso_currency_code", "UNSUPPORTED_CURRENCY", "Only USD is supported; got '\(code)'")
                }
            } else {
                issue("balances", "INVALID_TYPE", "'balances' must be an object, not \(raw.kind)")
            }
        } else {
            issue("balances", "MISSING_FIELD", "'balances' is required")
        }
        if subtype?.type == .credit { checkCreditBalances(balances) }
        balances.limit = balances.limit.map { ($0 * 100).rounded() / 100 }
        let currency = currency()
        let holder = string("holder_category", required: false, maxLength: 40)?.lowercased() ?? "personal"
        if holder == "business" {
            issue("holder_category", "BUSINESS_ACCOUNT", "Business accounts are not supported; upload personal accounts only")
        } else if holder != "personal" && holder != "unrecognized" {
            issue("holder_category", "INVALID_VALUE", "holder_category must be personal")
        }
        guard let id, let subtype, !hasIssues else { return nil }
        return Account(
            id: id, name: name ?? subtype.rawValue.capitalized, mask: mask, subtype: subtype, balances: balances,
            isoCurrencyCode: currency, holderCategory: holder)
    }

    /// A card's limit and balance must make utilization meaningful: a limit is absent, 0 (none reported; no
    /// utilization is computed) or at least $1, and the balance is at most `maxUtilization` times the limit.
    mutating func checkCreditBalances(_ balances: Balances) {
        guard let limit = balances.limit, limit != 0 else { return }
        guard limit >= Validator.minCreditLimit else {
            issue("balances.limit", "IMPLAUSIBLE_LIMIT", "A credit limit must be at least $1 (0 or null when there is none), got \(limit)")
            return
        }
        if let current = balances.current, abs(current) > limit * Validator.maxUtilization {
            issue(
                "balances.current", "IMPLAUSIBLE_BALANCE",
                "The balance \(current) is more than \(Int(Validator.maxUtilization)) times the credit limit \(limit)")
        }
    }

    mutating func transaction(accounts: AccountIndex) -> Transaction? {
        let id = string("transaction_id", required: true, maxLength: 128)
        let accountID = referenceID("account_id", accounts: accounts)
        let date = day("date", required: true)
        let amountValue = amount("amount", required: true)
        let merchant = string("merchant_name", required: false) ?? string("name", required: false)
        let entity = string("merchant_entity_id", required: false, maxLength: 128)
        var channel = PaymentChannel.other
        if let text = string("payment_channel", required: false, maxLength: 40) {
            if let parsed = PaymentChannel(rawValue: text) ?? PaymentChannel(rawValue: text.lowercased()) {
                channel = parsed
            } else {
                issue("payment_channel", "INVALID_VALUE", "payment_channel must be online, in store or other")
            }
        }
        var category: Category?
        if let raw = value("personal_finance_category") {
            if case .object(let fields) = raw {
                let primary = string("primary", required: true, maxLength: 80, in: fields, path: "personal_finance_category.primary")?.upperCasedIfNeeded
                let detailed = string("detailed", required: true, maxLength: 120, in: fields, path: "personal_finance_category.detailed")?.upperCasedIfNeeded
                if let primary, let detailed {
                    if !PlaidCategories.primaryList.contains(primary) {
                        issue("personal_finance_category.primary", "UNKNOWN_CATEGORY", "'\(primary)' is not a Plaid personal finance category")
                    } else if !(detailed.utf8.count > primary.utf8.count && detailed.hasPrefix(primary)
                        && detailed.utf8[detailed.utf8.index(detailed.utf8.startIndex, offsetBy: primary.utf8.count)] == UInt8(ascii: "_")) {
                        issue("personal_finance_category.detailed", "UNKNOWN_CATEGORY", "'\(detailed)' is not a detailed category of \(primary)")
                    } else {
                        category = Category(primary: primary, detailed: detailed)
                    }
                }
            } else {
                issue("personal_finance_category", "INVALID_TYPE", "'personal_finance_category' must be an object with primary and detailed")
            }
        } else {
            issue("personal_finance_category", "MISSING_FIELD", "'personal_finance_category' is required")
        }
        let pending = bool("pending", default: false)
        let currency = currency()
        guard let id, let accountID, let date, let amountValue, let category, !hasIssues else { return nil }
        return Transaction(
            id: id, accountID: accountID, date: date, amount: amountValue, merchantName: merchant, merchantEntityID: entity,
            paymentChannel: channel, category: category, pending: pending, isoCurrencyCode: currency)
    }

    mutating func creditLiability(accounts: AccountIndex) -> CreditLiability? {
        let account = reference("account_id", accounts: accounts)
        if let account, account.type != .credit {
            issue("account_id", "WRONG_ACCOUNT_TYPE", "Credit liabilities belong to credit accounts; '\(account.id)' is \(account.type.rawValue)")
        }
        var aprs: [APR] = []
        if let raw = value("aprs") {
            if case .array(let items) = raw {
                for (index, item) in items.enumerated() {
                    guard case .object(let fields) = item else {
                        issue("aprs[\(index)]", "INVALID_TYPE", "Each APR must be an object")
                        continue
                    }
                    let path = "aprs[\(index)]"
                    guard let percentage = amount("apr_percentage", required: true, cents: false, in: fields, path: "\(path).apr_percentage") else { continue }
                    guard (0...100).contains(percentage) else {
                        issue("\(path).apr_percentage", "APR_OUT_OF_RANGE", "APR must be between 0 and 100 percent, got \(percentage)")
                        continue
                    }
                    let type = string("apr_type", required: false, maxLength: 60, in: fields, path: "\(path).apr_type") ?? "purchase_apr"
                    aprs.append(APR(percentage: percentage, type: type))
                }
            } else {
                issue("aprs", "INVALID_TYPE", "'aprs' must be an array")
            }
        }
        let minimum = amount("minimum_payment_amount", required: false, nonNegative: true)
        let lastPayment = amount("last_payment_amount", required: false, nonNegative: true)
        let lastPaymentDate = day("last_payment_date", required: false)
        let statement = amount("last_statement_balance", required: false)
        let overdue = bool("is_overdue", default: false)
        let due = day("next_payment_due_date", required: false)
        guard let account, !hasIssues else { return nil }
        return CreditLiability(
            accountID: account.id, aprs: aprs, minimumPaymentAmount: minimum, lastPaymentAmount: lastPayment,
            lastPaymentDate: lastPaymentDate, lastStatementBalance: statement, isOverdue: overdue, nextPaymentDueDate: due)
    }

    mutating func loanLiability(accounts: AccountIndex, expected: AccountSubtype) -> LoanLiability? {
        let account = reference("account_id", accounts: accounts)
        if let account, account.type != .loan {
            issue("account_id", "WRONG_ACCOUNT_TYPE", "Loan liabilities belong to loan accounts; '\(account.id)' is \(account.type.rawValue)")
        }
        // Plaid spells the rate differently per product: interest_rate_percentage (student),
        // interest_rate.percentage (mortgage); plain interest_rate is accepted too.
        var rate: Double?
        if case .object(let fields)? = value("interest_rate") {
            rate = amount("percentage", required: false, cents: false, in: fields, path: "interest_rate.percentage")
        } else if value("interest_rate") != nil {
            rate = amount("interest_rate", required: false, cents: false)
        } else {
            rate = amount("interest_rate_percentage", required: false, cents: false)
        }
        if let value = rate, !(0...100).contains(value) {
            issue("interest_rate", "APR_OUT_OF_RANGE", "Interest rate must be between 0 and 100 percent, got \(value)")
        }
        let minimum = amount("minimum_payment_amount", required: false, nonNegative: true)
        let overdue = bool("is_overdue", default: false)
        guard let account, !hasIssues else { return nil }
        return LoanLiability(accountID: account.id, interestRate: rate, minimumPaymentAmount: minimum, isOverdue: overdue)
    }
}
