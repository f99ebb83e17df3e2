import Foundation

/// A column of a `TableModel`.
public struct TableColumn: Sendable, Equatable {
    public enum Width: Sendable, Equatable {
        /// Exactly this many cells.
        case fixed(Int)
        /// At least `min` cells; flexible columns share what is left.
        case flex(min: Int)
    }

    public var title: String
    public var width: Width
    public var alignRight: Bool
    /// The name used by `col:value` filters and `:sort` (lower case, no spaces).
    public var key: String
    /// Flexible columns with a higher priority get spare width first (the title of a row, say).
    public var priority: Int

    public init(_ title: String, key: String? = nil, width: Width = .flex(min: 6), alignRight: Bool = false, priority: Int = 0) {
        self.title = title
        self.width = width
        self.priority = priority
        self.alignRight = alignRight
        self.key = key ?? title.lowercased().replacingOccurrences(of: " ", with: "_")
    }
}

/// How a row's cells compare when sorting: numbers as numbers, everything else as text.
public enum SortKey: Sendable, Equatable, Comparable {
    case number(Double)
    case text(String)

    public init(_ text: String) {
        if let number = Double(text.filter { $0 != "," && $0 != "$" && $0 != "%" }), !text.isEmpty { self = .number(number) }
        else { self = .text(text.lowercased()) }
    }

    public static func < (lhs: SortKey, rhs: SortKey) -> Bool {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)): a < b
        case (.number, .text): true
        case (.text, .number): false
        case (.text(let a), .text(let b)): a < b
        }
    }
}

/// One row: a stable id (marks and the cursor follow it across refresh, sort and filter) and its cells.
public struct TableRow: Sendable, Equatable {
    public var id: String
    public var cells: [String]
    /// Sort keys, one per cell (computed once, so sorting 50,000 rows does not re-parse text).
    public var sortKeys: [SortKey]
    /// A style for the whole row (nil: the theme's text style).
    public var style: Style?
    /// The cells lower-cased, for filtering without re-folding on every keystroke.
    let folded: [String]

    public init(id: String, cells: [String], sortKeys: [SortKey]? = nil, style: Style? = nil) {
        self.id = id
        self.cells = cells
        self.folded = cells.map { $0.lowercased() }
        self.sortKeys = sortKeys ?? cells.map(SortKey.init)
        self.style = style
    }
}

/// The state of a sortable, filterable table with a cursor and marked rows. Pure: every operation is unit-tested,
/// and views only draw it.
public struct TableModel: Sendable, Equatable {
    public var columns: [TableColumn]
    public private(set) var rows: [TableRow] = []
    public private(set) var sortColumn: Int
    public private(set) var descending: Bool
    /// `/` filter: words that must all appear in some cell, or `column:value` for one column.
    public private(set) var filter: String = ""
    /// Indices into `rows` of the rows shown, in display order.
    public private(set) var visible: [Int] = []
    /// Cursor position in `visible`.
    public private(set) var cursor: Int = 0
    /// First visible row drawn (kept so the cursor stays on screen).
    public var scroll: Int = 0
    /// Marked row ids; kept across refresh, sort and filter.
    public private(set) var marked: Set<String> = []
    /// Where a `v` range started.
    public private(set) var rangeAnchor: String?
    /// What an empty table says.
    public var emptyText = "Nothing here."

    public init(columns: [TableColumn], sortColumn: Int = 0, descending: Bool = false) {
        self.columns = columns
        self.sortColumn = min(max(0, sortColumn), max(0, columns.count - 1))
        self.descending = descending
    }

    // MARK: Rows

    /// Replaces the rows (a refresh); the cursor stays on the same id when it still exists, and marks of rows
    /// that no longer exist are dropped only when `dropMissingMarks` is true.
    public mutating func setRows(_ newRows: [TableRow], dropMissingMarks: Bool = false) {
        let current = currentID
        rows = newRows
        if dropMissingMarks {
            let ids = Set(newRows.map(\.id))
            marked = marked.intersection(ids)
        }
        rebuild(keeping: current)
    }

    public var currentID: String? { visible.indices.contains(cursor) ? rows[visible[cursor]].id : nil }
    public var currentRow: TableRow? { visible.indices.contains(cursor) ? rows[visible[cursor]] : nil }
    public var visibleRows: [TableRow] { visible.map { rows[$0] } }

    // MARK: Sort and filter

    public mutating func sort(by column: Int, descending: Bool? = nil) {
        guard columns.indices.contains(column) else { return }
        let current = currentID
        if column == sortColumn, descending == nil { self.descending.toggle() } else { self.descending = descending ?? false }
        sortColumn = column
        rebuild(keeping: current)
    }

    /// `>`: the next column to the right (ascending).
    public mutating func sortNext() { sort(by: (sortColumn + 1) % max(1, columns.count), descending: false) }
    /// `<`: the next column to the left.
    public mutating func sortPrevious() { sort(by: (sortColumn + columns.count - 1) % max(1, columns.count), descending: false) }
    /// `I`: inverts the order.
    public mutating func invertSort() { sort(by: sortColumn, descending: !descending) }

    /// Sorts by a column named by its key (`created`, `-created` for descending); false when unknown.
    @discardableResult
    public mutating func sort(named spec: String) -> Bool {
        let descending = spec.hasPrefix("-")
        let name = spec.trimmingCharacters(in: CharacterSet(charactersIn: "-+")).lowercased()
        guard let index = columns.firstIndex(where: { $0.key == name || $0.key.hasPrefix(name) && !name.isEmpty }) else { return false }
        sort(by: index, descending: descending)
        return true
    }

    public mutating func setFilter(_ text: String) {
        let current = currentID
        filter = text
        rebuild(keeping: current)
    }

    private func matches(_ row: TableRow, terms: [(column: Int?, text: String)]) -> Bool {
        terms.allSatisfy { term in
            if let column = term.column {
                return row.folded.indices.contains(column) && Self.contains(row.folded[column], term.text)
            }
            return row.folded.contains { Self.contains($0, term.text) }
        }
    }

    /// Substring search on the UTF-8 bytes (`String.contains` was most of the time of filtering 50,000 rows).
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        var haystack = haystack
        var needle = needle
        return haystack.withUTF8 { h in
            needle.withUTF8 { n in
                guard !n.isEmpty else { return true }
                guard h.count >= n.count else { return false }
                let first = n[0]
                var index = 0
                let last = h.count - n.count
                while index <= last {
                    if h[index] == first, memcmp(h.baseAddress! + index, n.baseAddress!, n.count) == 0 { return true }
                    index += 1
                }
                return false
            }
        }
    }

    private func parsedFilter() -> [(column: Int?, text: String)] {
        filter.lowercased().split(separator: " ").map { word in
            let parts = word.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let column = columns.firstIndex(where: { $0.key == parts[0] || $0.title.lowercased() == parts[0] }) {
                return (column, String(parts[1]))
            }
            return (nil, String(word))
        }
    }

    private mutating func rebuild(keeping id: String?) {
        let terms = parsedFilter()
        let rows = self.rows
        var indices = terms.isEmpty ? Array(rows.indices) : rows.indices.filter { matches(rows[$0], terms: terms) }
        let column = sortColumn
        let descending = self.descending
        // Stable: equal keys keep the order the rows arrived in.
        indices.sort { a, b in
            let left = rows[a].sortKeys.indices.contains(column) ? rows[a].sortKeys[column] : .text("")
            let right = rows[b].sortKeys.indices.contains(column) ? rows[b].sortKeys[column] : .text("")
            if left == right { return a < b }
            return descending ? right < left : left < right
        }
        visible = indices
        if let id, let position = indices.firstIndex(where: { rows[$0].id == id }) {
            cursor = position
        } else {
            cursor = min(cursor, max(0, indices.count - 1))
        }
    }

    // MARK: Cursor

    public mutating func move(by delta: Int) {
        guard !visible.isEmpty else { return }
        cursor = min(max(0, cursor + delta), visible.count - 1)
    }

    public mutating func moveToTop() { cursor = 0 }
    public mutating func moveToBottom() { cursor = max(0, visible.count - 1) }

    public mutating func select(id: String) {
        if let position = visible.firstIndex(where: { rows[$0].id == id }) { cursor = position }
    }

    // MARK: Marks

    /// Space: marks or unmarks the row under the cursor and moves down.
    public mutating func toggleMark() {
        guard let id = currentID else { return }
        if marked.contains(id) { marked.remove(id) } else { marked.insert(id) }
        move(by: 1)
    }

    /// `v`: the first press sets an anchor; the second marks every visible row between it and the cursor.
    public mutating func markRange() {
        guard let id = currentID else { return }
        guard let anchor = rangeAnchor, let start = visible.firstIndex(where: { rows[$0].id == anchor }) else {
            rangeAnchor = id
            return
        }
        let range = min(start, cursor)...max(start, cursor)
        for position in range { marked.insert(rows[visible[position]].id) }
        rangeAnchor = nil
    }

    /// `*`: marks every row matching the filter; pressed again when all are marked, unmarks them.
    public mutating func markAllVisible() {
        let ids = visible.map { rows[$0].id }
        if !ids.isEmpty, ids.allSatisfy(marked.contains) { marked.subtract(ids) } else { marked.formUnion(ids) }
    }

    public mutating func clearMarks() {
        marked.removeAll()
        rangeAnchor = nil
    }

    public mutating func unmark(_ ids: some Sequence<String>) { marked.subtract(ids) }

    /// Marked rows that are currently loaded, in display order.
    public var markedRows: [TableRow] { visible.map { rows[$0] }.filter { marked.contains($0.id) } }

    // MARK: Layout

    /// Column widths in terminal cells for a table `width` cells wide (one cell for the mark column, one
    /// space between columns).
    public func columnWidths(for width: Int) -> [Int] {
        let gaps = columns.count
        var widths = columns.map { column -> Int in
            switch column.width {
            case .fixed(let cells): cells
            case .flex(let minimum): minimum
            }
        }
        var spare = width - 2 - gaps - widths.reduce(0, +)
        let flexible = columns.indices.filter { if case .flex = columns[$0].width { true } else { false } }
        if spare > 0, !flexible.isEmpty {
            // Share the rest by how much the column's content wants (the longest visible cell), capped.
            let sample = visible.prefix(200).map { rows[$0] }
            let wants = flexible.map { index in
                max(TextWidth.of(columns[index].title) + 2, sample.map { TextWidth.of($0.cells.indices.contains(index) ? $0.cells[index] : "") }.max() ?? 0)
            }
            var remaining = spare
            // First every flexible column up to a modest width, then the high-priority ones (a title) up to what
            // they want, then the rest.
            let order = flexible.indices.sorted {
                columns[flexible[$0]].priority > columns[flexible[$1]].priority
                    || (columns[flexible[$0]].priority == columns[flexible[$1]].priority && $0 < $1)
            }
            for cap in [22, Int.max] {
                for offset in order {
                    let index = flexible[offset]
                    let target = min(wants[offset], max(cap, widths[index]))
                    let extra = min(remaining, max(0, target - widths[index]))
                    widths[index] += extra
                    remaining -= extra
                }
            }
            // Anything left over stays as space at the right: wider columns would only spread the table thin.
            spare = 0
        }
        while spare < 0, let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 3 {
            widths[widest] -= 1
            spare += 1
        }
        return widths
    }

    /// Keeps the cursor within the `height` rows drawn.
    public mutating func scrollToCursor(height: Int) {
        guard height > 0 else { return }
        if cursor < scroll { scroll = cursor }
        if cursor >= scroll + height { scroll = cursor - height + 1 }
        scroll = max(0, min(scroll, max(0, visible.count - height)))
    }
}

extension Widgets {
    /// Draws a table: a header with the sort arrow, then rows with a mark column, the cursor row highlighted.
    public static func table(
        _ model: inout TableModel, into canvas: inout Canvas, x: Int, y: Int, width: Int, height: Int, theme: Theme, focused: Bool = true
    ) {
        guard width > 4, height > 1 else { return }
        let widths = model.columnWidths(for: width)
        var column = x + 2
        for (index, spec) in model.columns.enumerated() {
            var title = spec.title
            if index == model.sortColumn { title += model.descending ? (theme.ascii ? " v" : " ▼") : (theme.ascii ? " ^" : " ▲") }
            let text = TextWidth.pad(TextWidth.truncate(title, to: widths[index]), to: widths[index], alignRight: spec.alignRight)
            canvas.put(text, x: column, y: y, style: theme.header, maxWidth: x + width - column)
            column += widths[index] + 1
        }
        let bodyHeight = height - 1
        model.scrollToCursor(height: bodyHeight)
        let rows = model.visible
        for line in 0..<bodyHeight {
            let position = model.scroll + line
            guard position < rows.count else { break }
            let row = model.rows[rows[position]]
            let isCursor = position == model.cursor && focused
            let isMarked = model.marked.contains(row.id)
            let base = isCursor ? theme.selection : (isMarked ? theme.marked : (row.style ?? theme.text))
            if isCursor { canvas.fill(x: x, y: y + 1 + line, width: width, height: 1, style: base) }
            canvas.put(isMarked ? (theme.ascii ? "*" : "●") : " ", x: x, y: y + 1 + line, style: base)
            var cellX = x + 2
            for (index, spec) in model.columns.enumerated() {
                let value = row.cells.indices.contains(index) ? row.cells[index] : ""
                let text = TextWidth.pad(TextWidth.truncate(value, to: widths[index]), to: widths[index], alignRight: spec.alignRight)
                canvas.put(text, x: cellX, y: y + 1 + line, style: base, maxWidth: x + width - cellX)
                cellX += widths[index] + 1
            }
        }
        if rows.isEmpty {
            canvas.put(model.filter.isEmpty ? model.emptyText : "No rows match “\(model.filter)”.", x: x + 2, y: y + 1, style: theme.muted)
        }
    }
}
