import Foundation
import Models

/// The result of reading an upload: the valid data (possibly partial) and every problem found.
public struct ParsedUpload: Sendable, Equatable {
    /// The records that passed validation. Only meaningful when `issues` is empty.
    public var data: FinancialData
    /// Every problem, in document order, up to `Validator.issueCap`.
    public var issues: [ValidationIssue]
    /// True when more problems existed than were listed.
    public var truncated: Bool

    public var isValid: Bool { issues.isEmpty }
}

/// Upload formats.
public enum UploadFormat: String, Sendable, Codable {
    case json, csv

    /// Picks the format from the content (first non-space byte `{` → JSON), then the file name.
    public static func detect(_ data: Data, fileName: String?) -> UploadFormat {
        // The content decides: a JSON document of the wrong shape (an array, deep nesting, a bare literal) is
        // still JSON and is told so; anything else is CSV, whose header starts with a letter or a quote.
        let isSpace: (UInt8) -> Bool = { [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
        guard let first = data.first(where: { !isSpace($0) }) else {
            return fileName?.lowercased().hasSuffix(".json") == true ? .json : .csv
        }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") { return .json }
        if data.count <= 64 {
            let literal = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if ["null", "true", "false"].contains(literal) || Double(literal) != nil { return .json }
        }
        return .csv
    }
}

/// Reads Plaid-style uploads in JSON or CSV and validates them.
///
/// ```swift
/// let parsed = UploadParser.parse(data, format: .json)
/// guard parsed.isValid else { return parsed.issues }
/// ```
public enum UploadParser {
    /// Parses one document (JSON, or one CSV file that holds a section or a combined `record_type` file).
    public static func parse(_ data: Data, format: UploadFormat) -> ParsedUpload {
        switch format {
        case .json: parseJSON(data)
        case .csv: parseCSV([data])
        }
    }

    /// The upload JSON document: `{accounts, transactions, liabilities: {credit, student, mortgage}}`.
    public static func parseJSON(_ data: Data) -> ParsedUpload {
        let parsed: RawValue
        do {
            parsed = try JSONReader.parse(data)
        } catch let error as JSONReader.SyntaxError {
            return failure(
                path: "$", code: "INVALID_JSON",
                message: "The file is not valid JSON: \(error.message) at line \(error.line), column \(error.column)")
        } catch {
            return failure(path: "$", code: "INVALID_JSON", message: "The file is not valid JSON")
        }
        guard case .object(let root) = parsed else {
            return failure(path: "$", code: "INVALID_STRUCTURE", message: "The document must be a JSON object with accounts and transactions")
        }
        var upload = RawUpload()
        var issues = IssueCollector()
        func records(_ value: RawValue?, _ section: StaticString, required: Bool) -> [RawRecord] {
            let path = "\(section)"
            guard let value, !value.isNull else {
                if required { issues.add(path, "MISSING_FIELD", "'\(path)' is required (an array)") }
                return []
            }
            guard case .array(let items) = value else {
                issues.add(path, "INVALID_TYPE", "'\(path)' must be an array, not \(value.kind)")
                return []
            }
            var result: [RawRecord] = []
            result.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                guard case .object(let fields) = item else {
                    issues.add("\(path)[\(index)]", "INVALID_TYPE", "Each entry of '\(path)' must be an object, not \(item.kind)")
                    continue
                }
                result.append(RawRecord(fields: fields, section: section, index: index, line: nil))
            }
            return result
        }
        upload.accounts = records(root["accounts"], "accounts", required: true)
        upload.transactions = records(root["transactions"], "transactions", required: true)
        if let liabilities = root["liabilities"], !liabilities.isNull {
            if case .object(let sections) = liabilities {
                upload.credit = records(sections["credit"], "liabilities.credit", required: false)
                upload.student = records(sections["student"], "liabilities.student", required: false)
                upload.mortgage = records(sections["mortgage"], "liabilities.mortgage", required: false)
            } else {
                issues.add("liabilities", "INVALID_TYPE", "'liabilities' must be an object with credit, student and mortgage arrays")
            }
        }
        return Validator.validate(upload, prior: issues)
    }

    /// One or more CSV files: each a section recognized by its header row, or a combined file with a
    /// `record_type` column (`account`, `transaction`, `credit`, `student`, `mortgage`).
    public static func parseCSV(_ files: [Data]) -> ParsedUpload {
        var upload = RawUpload()
        var issues = IssueCollector()
        for (fileIndex, data) in files.enumerated() {
            let prefix = files.count > 1 ? "file[\(fileIndex)]." : ""
            let rows: [CSVReader.Row]
            do {
                rows = try CSVReader.rows(data)
            } catch CSVReader.Failure.unterminatedQuote(let line) {
                issues.add("\(prefix)line \(line)", "INVALID_CSV", "A quoted field starting on line \(line) is never closed")
                continue
            } catch {
                issues.add("\(prefix)$", "INVALID_CSV", "The file is not UTF-8 text")
                continue
            }
            guard let header = rows.first else {
                issues.add("\(prefix)$", "EMPTY_FILE", "The CSV file has no header row")
                continue
            }
            let columns = header.cells.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let section = CSVSection.recognize(columns)
            guard let section else {
                issues.add(
                    "\(prefix)line 1", "UNRECOGNIZED_CSV",
                    "The header row does not match accounts, transactions, credit or loan columns (see the upload guide)")
                continue
            }
            for row in rows.dropFirst() {
                if row.cells.count != columns.count {
                    issues.add(
                        "\(prefix)line \(row.line)", "INVALID_CSV",
                        "Line \(row.line) has \(row.cells.count) fields; the header has \(columns.count)")
                    continue
                }
                var fields = RawObject()
                for (column, cell) in zip(columns, row.cells) {
                    CSVSection.assign(column: column, value: cell, into: &fields)
                }
                var target = section
                if section == .combined {
                    let type = fields["record_type"].flatMap { if case .text(let t) = $0 { t.lowercased() } else { nil } } ?? ""
                    guard let resolved = CSVSection(recordType: type) else {
                        issues.add(
                            "\(prefix)line \(row.line).record_type", "INVALID_VALUE",
                            "record_type must be account, transaction, credit, student or mortgage (line \(row.line))")
                        continue
                    }
                    target = resolved
                }
                switch target {
                case .accounts: upload.accounts.append(RawRecord(fields: fields, section: "accounts", index: upload.accounts.count, line: row.line))
                case .transactions:
                    upload.transactions.append(
                        RawRecord(fields: fields, section: "transactions", index: upload.transactions.count, line: row.line))
                case .credit:
                    upload.credit.append(RawRecord(fields: fields, section: "liabilities.credit", index: upload.credit.count, line: row.line))
                case .student:
                    upload.student.append(RawRecord(fields: fields, section: "liabilities.student", index: upload.student.count, line: row.line))
                case .mortgage:
                    upload.mortgage.append(RawRecord(fields: fields, section: "liabilities.mortgage", index: upload.mortgage.count, line: row.line))
                case .loans:
                    let kind = fields["loan_type"].flatMap { if case .text(let t) = $0 { t.lowercased() } else { nil } }
                    if kind == "mortgage" {
                        upload.mortgage.append(RawRecord(fields: fields, section: "liabilities.mortgage", index: upload.mortgage.count, line: row.line))
                    } else if kind == "student" {
                        upload.student.append(RawRecord(fields: fields, section: "liabilities.student", index: upload.student.count, line: row.line))
                    } else {
                        issues.add("\(prefix)line \(row.line).loan_type", "INVALID_VALUE", "loan_type must be student or mortgage (line \(row.line))")
                    }
                case .combined:
                    break
                }
            }
        }
        upload.credit = CSVSection.mergeCreditRows(upload.credit)
        return Validator.validate(upload, prior: issues)
    }

    static func failure(path: String, code: String, message: String) -> ParsedUpload {
        ParsedUpload(
            data: FinancialData(accounts: [], transactions: []),
            issues: [ValidationIssue(path: path, code: code, message: message)], truncated: false)
    }
}

/// The CSV sections and their column names.
enum CSVSection: Equatable {
    case accounts, transactions, credit, loans, student, mortgage, combined

    init?(recordType: String) {
        switch recordType {
        case "account", "accounts": self = .accounts
        case "transaction", "transactions": self = .transactions
        case "credit", "credit_liability", "liability_credit": self = .credit
        case "student", "student_loan": self = .student
        case "mortgage": self = .mortgage
        default: return nil
        }
    }

    static func recognize(_ columns: [String]) -> CSVSection? {
        let set = Set(columns)
        if set.contains("record_type") { return .combined }
        guard set.contains("account_id") else { return nil }
        if set.contains("transaction_id") { return .transactions }
        if set.contains("apr_percentage") || set.contains("last_statement_balance") { return .credit }
        if set.contains("interest_rate") || set.contains("loan_type") { return .loans }
        if set.contains("subtype") || set.contains("type") { return .accounts }
        return nil
    }

    /// Puts a cell where the JSON shape would have it (balances and categories are nested there).
    static func assign(column: String, value: String, into fields: inout RawObject) {
        let text = RawValue.text(value.trimmingCharacters(in: .whitespaces))
        func nested(_ parent: String, _ key: String) {
            var inner = RawObject()
            if case .object(let existing)? = fields[parent] { inner = existing }
            inner[key] = text
            fields[parent] = .object(inner)
        }
        switch column {
        case "available", "balance_available", "balances.available": nested("balances", "available")
        case "current", "balance_current", "balances.current": nested("balances", "current")
        case "limit", "balance_limit", "balances.limit": nested("balances", "limit")
        case "category_primary", "primary_category", "personal_finance_category.primary":
            nested("personal_finance_category", "primary")
        case "category_detailed", "detailed_category", "personal_finance_category.detailed":
            nested("personal_finance_category", "detailed")
        case "apr_percentage", "apr_type":
            var apr = RawObject()
            if case .array(let list)? = fields["aprs"], case .object(let existing)? = list.first { apr = existing }
            apr[column] = text
            fields["aprs"] = value.isEmpty && apr.values.allSatisfy(\.isNull) ? .array([]) : .array([.object(apr)])
        default: fields[column] = text
        }
    }

    /// Several CSV rows for one card (one APR each) become one liability with every APR.
    static func mergeCreditRows(_ rows: [RawRecord]) -> [RawRecord] {
        guard rows.contains(where: { $0.line != nil }) else { return rows }
        var merged: [RawRecord] = []
        var indexByAccount: [String: Int] = [:]
        for row in rows {
            guard case .text(let id)? = row.fields["account_id"], !id.isEmpty, let index = indexByAccount[id] else {
                if case .text(let id)? = row.fields["account_id"], !id.isEmpty { indexByAccount[id] = merged.count }
                var copy = row
                copy.index = merged.count
                merged.append(copy)
                continue
            }
            if case .array(let more)? = row.fields["aprs"], case .array(let existing)? = merged[index].fields["aprs"] {
                merged[index].fields["aprs"] = .array(existing + more)
            }
        }
        return merged
    }
}
