import Foundation
import Models

/// Collects issues up to a cap, keeping document order.
struct IssueCollector {
    static let cap = 200
    private(set) var issues: [ValidationIssue] = []
    private(set) var truncated = false

    mutating func add(_ path: String, _ code: String, _ message: String) {
        guard issues.count < Self.cap else {
            truncated = true
            return
        }
        issues.append(ValidationIssue(path: path, code: code, message: message))
    }
}

/// Plaid personal-finance-category primaries.
public enum PlaidCategories {
    public static let primaries: Set<String> = [
        "INCOME", "TRANSFER_IN", "TRANSFER_OUT", "LOAN_PAYMENTS", "LOAN_DISBURSEMENTS", "BANK_FEES", "ENTERTAINMENT",
        "FOOD_AND_DRINK", "GENERAL_MERCHANDISE", "HOME_IMPROVEMENT", "MEDICAL", "PERSONAL_CARE", "GENERAL_SERVICES",
        "GOVERNMENT_AND_NON_PROFIT", "TRANSPORTATION", "TRAVEL", "RENT_AND_UTILITIES",
    ]
    /// The same, for the per-transaction check.
    static let primaryList = SmallStringSet(primaries)
}

/// The upload's accounts by id. Uploads hold a handful of accounts, and every transaction looks one up, so a
/// scan that compares lengths first beats hashing the id each time; past 32 accounts a dictionary takes over.
struct AccountIndex {
    private var ids: [String] = []
    private var byID: [String: Account] = [:]

    subscript(id: String) -> Account? {
        get { byID[id] }
        set {
            // Ids are unique by the time they are added (duplicates are rejected first).
            guard let newValue, byID.updateValue(newValue, forKey: id) == nil else { return }
            ids.append(id)
        }
    }

    /// The stored id equal to `id`, when there is such an account (no `Account` copied).
    func knownID(_ id: String) -> String? {
        if ids.count > 32 { return byID[id]?.id }
        let count = id.utf8.count
        return ids.first { $0.utf8.count == count && $0 == id }
    }
}

/// Turns raw records into typed `FinancialData`, collecting every problem with its path.
enum Validator {
    /// Largest absolute amount or balance accepted (anything above is a unit or parsing mistake).
    static let maxAmount = 10_000_000.0
    /// True for a plain decimal number (`-12`, `3.50`, `.5`, `1e3`): Swift's `Double(String)` also reads hex floats
    /// (`0x8fcp0`), `inf` and `nan`, which no bank export means.
    static func isDecimal(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        let isDigit: (UInt8) -> Bool = { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        let integer = bytes.prefix(while: isDigit)
        bytes = bytes.dropFirst(integer.count)
        var fraction = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            let digits = bytes.prefix(while: isDigit)
            fraction = digits.count
            bytes = bytes.dropFirst(digits.count)
        }
        guard integer.count + fraction > 0 else { return false }
        if let mark = bytes.first, mark == UInt8(ascii: "e") || mark == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            let exponent = bytes.prefix(while: isDigit)
            guard !exponent.isEmpty else { return false }
            bytes = bytes.dropFirst(exponent.count)
        }
        return bytes.isEmpty
    }

    /// Smallest non-zero credit limit accepted.
    static let minCreditLimit = 1.0
    /// Largest balance-to-limit ratio accepted on a card (10 = 1,000 % utilization).
    static let maxUtilization = 10.0

    static func validate(_ upload: RawUpload, prior: IssueCollector) -> ParsedUpload {
        var issues = prior
        var accounts: [Account] = []
        var accountsByID = AccountIndex()
        accounts.reserveCapacity(upload.accounts.count)
        var accountIDs = Set<String>()
        for record in upload.accounts {
            var reader = FieldReader(record: record)
            // Duplicates are judged on the raw id, so a repeated id is reported even when the first copy is invalid.
            let duplicate = record.rawID("account_id").map { !accountIDs.insert($0).inserted } ?? false
            if duplicate, let id = record.rawID("account_id") {
                reader.issue("account_id", "DUPLICATE_ID", "Account id '\(id)' appears more than once")
            }
            if let account = reader.account(), !duplicate {
                accountsByID[account.id] = account
                accounts.append(account)
            }
            reader.flush(into: &issues)
        }
        if upload.accounts.isEmpty, !upload.transactions.isEmpty {
            issues.add("accounts", "MISSING_ACCOUNTS", "Transactions need the accounts they belong to; the upload has none")
        }

        var transactions: [Transaction] = []
        transactions.reserveCapacity(upload.transactions.count)
        var transactionIDs = Set<String>()
        transactionIDs.reserveCapacity(upload.transactions.count)
        for record in upload.transactions {
            var reader = FieldReader(record: record)
            let duplicate = record.rawID("transaction_id").map { !transactionIDs.insert($0).inserted } ?? false
            if duplicate, let id = record.rawID("transaction_id") {
                reader.issue("transaction_id", "DUPLICATE_ID", "Transaction id '\(id)' appears more than once")
            }
            if let transaction = reader.transaction(accounts: accountsByID), !duplicate {
                transactions.append(transaction)
            }
            reader.flush(into: &issues)
        }

        var liabilities = Liabilities()
        var creditSeen = Set<String>()
        for record in upload.credit {
            var reader = FieldReader(record: record)
            if let liability = reader.creditLiability(accounts: accountsByID) {
                if !creditSeen.insert(liability.accountID).inserted {
                    reader.issue("account_id", "DUPLICATE_ID", "Account '\(liability.accountID)' has more than one credit liability")
                } else {
                    liabilities.credit.append(liability)
                }
            }
            reader.flush(into: &issues)
        }
        for (records, subtype) in [(upload.student, AccountSubtype.student), (upload.mortgage, .mortgage)] {
            var seen = Set<String>()
            for record in records {
                var reader = FieldReader(record: record)
                if let loan = reader.loanLiability(accounts: accountsByID, expected: subtype) {
                    if !seen.insert(loan.accountID).inserted {
                        reader.issue("account_id", "DUPLICATE_ID", "Account '\(loan.accountID)' has more than one \(subtype.rawValue) liability")
                    } else if subtype == .student {
                        liabilities.student.append(loan)
                    } else {
                        liabilities.mortgage.append(loan)
                    }
                }
                reader.flush(into: &issues)
            }
        }
        // Uploads usually arrive in order already; checking is far cheaper than sorting (which moves every record).
        let inOrder: (Transaction, Transaction) -> Bool = { ($0.date, $0.id) < ($1.date, $1.id) }
        if transactions.indices.dropFirst().contains(where: { inOrder(transactions[$0], transactions[$0 - 1]) }) {
            transactions.sort(by: inOrder)
        }
        return ParsedUpload(
            data: FinancialData(accounts: accounts, transactions: transactions, liabilities: liabilities),
            issues: issues.issues, truncated: issues.truncated)
    }
}

extension String {
    /// Upper-cased, without allocating when it already is (Plaid categories always are).
    var upperCasedIfNeeded: String {
        let needed = utf8.withContiguousStorageIfAvailable { bytes in
            bytes.contains { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 >= 0x80 }
        }
        return needed == false ? self : uppercased()
    }

    /// Trimmed of surrounding whitespace, without the Foundation call when there is none (the usual case).
    var trimmedIfNeeded: String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 >= 0x80 }
        let needed = utf8.withContiguousStorageIfAvailable { bytes in
            guard let first = bytes.first, let last = bytes.last else { return false }
            return isSpace(first) || isSpace(last)
        }
        return needed == false ? self : trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension RawRecord {
    /// The trimmed text of an id field, whatever else is wrong with the record.
    func rawID(_ key: String) -> String? {
        switch fields[key] {
        case .string(let text)?, .text(let text)?:
            let trimmed = text.trimmedIfNeeded
            return trimmed.isEmpty ? nil : trimmed
        default:
            return nil
        }
    }
}
