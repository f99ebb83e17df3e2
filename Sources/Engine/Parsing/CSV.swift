import Foundation

/// RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes, CRLF or LF.
enum CSVReader {
    struct Row {
        var cells: [String]
        /// 1-based line where the row starts.
        var line: Int
    }

    enum Failure: Error, Equatable {
        case unterminatedQuote(line: Int)
        case notUTF8
    }

    static func rows(_ data: Data) throws -> [Row] {
        guard let text = String(data: data, encoding: .utf8) else { throw Failure.notUTF8 }
        var rows: [Row] = []
        var cells: [String] = []
        var cell = ""
        var inQuotes = false
        var line = 1
        var rowStart = 1
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        var fieldWasQuoted = false

        func endRow() {
            cells.append(cell)
            // Skip blank lines.
            if !(cells.count == 1 && cells[0].isEmpty && !fieldWasQuoted) {
                rows.append(Row(cells: cells, line: rowStart))
            }
            cells = []
            cell = ""
            fieldWasQuoted = false
        }

        while let scalar = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if scalar == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" {
                            cell.unicodeScalars.append("\"")
                        } else {
                            inQuotes = false
                            pending = next
                        }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    cell.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where cell.isEmpty:
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                cells.append(cell)
                cell = ""
                fieldWasQuoted = false
            case "\r":
                if let next = iterator.next(), next != "\n" { pending = next }
                endRow()
                line += 1
                rowStart = line
            case "\n":
                endRow()
                line += 1
                rowStart = line
            case "\u{FEFF}" where rows.isEmpty && cells.isEmpty && cell.isEmpty:
                continue  // byte-order mark
            default:
                cell.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw Failure.unterminatedQuote(line: rowStart) }
        if !cell.isEmpty || !cells.isEmpty || fieldWasQuoted { endRow() }
        return rows
    }
}
