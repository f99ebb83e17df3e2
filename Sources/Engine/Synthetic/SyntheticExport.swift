import Foundation
import Models

/// Writes generated (or any) data as the upload JSON document or as one combined CSV file.
public enum SyntheticExport {
    public static func json(_ data: FinancialData) throws -> Data {
        try JSONEncoder.spendSense.encode(data)
    }

    static let columns = [
        "record_type", "account_id", "name", "mask", "type", "subtype", "balance_available", "balance_current", "balance_limit",
        "iso_currency_code", "holder_category", "transaction_id", "date", "amount", "merchant_name", "merchant_entity_id",
        "payment_channel", "category_primary", "category_detailed", "pending", "apr_percentage", "apr_type",
        "minimum_payment_amount", "last_payment_amount", "last_payment_date", "last_statement_balance", "is_overdue",
        "next_payment_due_date", "interest_rate",
    ]

    /// One combined CSV with a `record_type` column (account, transaction, credit, student, mortgage).
    public static func csv(_ data: FinancialData) -> Data {
        var out = columns.joined(separator: ",") + "\n"
        func row(_ values: [String: String]) {
            out += columns.map { escape(values[$0] ?? "") }.joined(separator: ",") + "\n"
        }
        func number(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        for account in data.accounts {
            row([
                "record_type": "account", "account_id": account.id, "name": account.name, "mask": account.mask ?? "",
                "type": account.type.rawValue, "subtype": account.subtype.rawValue, "balance_available": number(account.balances.available),
                "balance_current": number(account.balances.current), "balance_limit": number(account.balances.limit),
                "iso_currency_code": account.isoCurrencyCode, "holder_category": account.holderCategory,
            ])
        }
        for t in data.transactions {
            row([
                "record_type": "transaction", "transaction_id": t.id, "account_id": t.accountID, "date": t.date.description,
                "amount": String(t.amount), "merchant_name": t.merchantName ?? "", "merchant_entity_id": t.merchantEntityID ?? "",
                "payment_channel": t.paymentChannel.rawValue, "category_primary": t.category.primary,
                "category_detailed": t.category.detailed, "pending": String(t.pending), "iso_currency_code": t.isoCurrencyCode,
            ])
        }
        for liability in data.liabilities.credit {
            // One row per APR; rows of the same card are merged back on reading.
            let aprs = liability.aprs.isEmpty ? [nil] : liability.aprs.map { Optional($0) }
            for apr in aprs {
                row([
                    "record_type": "credit", "account_id": liability.accountID, "apr_percentage": number(apr?.percentage),
                    "apr_type": apr?.type ?? "", "minimum_payment_amount": number(liability.minimumPaymentAmount),
                    "last_payment_amount": number(liability.lastPaymentAmount), "last_payment_date": liability.lastPaymentDate?.description ?? "",
                    "last_statement_balance": number(liability.lastStatementBalance), "is_overdue": String(liability.isOverdue),
                    "next_payment_due_date": liability.nextPaymentDueDate?.description ?? "",
                ])
            }
        }
        for (kind, loans) in [("student", data.liabilities.student), ("mortgage", data.liabilities.mortgage)] {
            for loan in loans {
                row([
                    "record_type": kind, "account_id": loan.accountID, "interest_rate": number(loan.interestRate),
                    "minimum_payment_amount": number(loan.minimumPaymentAmount), "is_overdue": String(loan.isOverdue),
                ])
            }
        }
        return Data(out.utf8)
    }

    static func escape(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
