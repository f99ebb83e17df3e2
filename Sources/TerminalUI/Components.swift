import Foundation

// MARK: - Foldable tree

/// A node of a foldable tree (the decision-trace viewer).
public struct TreeNode: Sendable, Equatable {
    public enum Mark: Sendable, Equatable {
        case none, pass, fail
    }

    public var id: String
    public var label: String
    public var mark: Mark
    public var children: [TreeNode]

    public init(id: String, _ label: String, mark: Mark = .none, children: [TreeNode] = []) {
        self.id = id
        self.label = label
        self.mark = mark
        self.children = children
    }
}

/// The state of a foldable tree with a cursor. Nodes are expanded by id, so a refresh keeps what was open.
public struct TreeModel: Sendable, Equatable {
    public var roots: [TreeNode]
    public private(set) var expanded: Set<String>
    public private(set) var cursor = 0
    public var scroll = 0

    /// Starts with the roots expanded.
    public init(roots: [TreeNode] = []) {
        self.roots = roots
        self.expanded = Set(roots.map(\.id))
    }

    /// The visible lines: depth and node, in display order.
    public var lines: [(depth: Int, node: TreeNode)] {
        var result: [(Int, TreeNode)] = []
        func walk(_ nodes: [TreeNode], depth: Int) {
            for node in nodes {
                result.append((depth, node))
                if expanded.contains(node.id) { walk(node.children, depth: depth + 1) }
            }
        }
        walk(roots, depth: 0)
        return result
    }

    public var currentNode: TreeNode? {
        let lines = self.lines
        return lines.indices.contains(cursor) ? lines[cursor].node : nil
    }

    public mutating func move(by delta: Int) {
        cursor = min(max(0, cursor + delta), max(0, lines.count - 1))
    }

    /// Enter/Space: opens or closes the node under the cursor.
    public mutating func toggle() {
        guard let node = currentNode, !node.children.isEmpty else { return }
        if expanded.contains(node.id) { expanded.remove(node.id) } else { expanded.insert(node.id) }
    }

    /// → opens, ← closes (or moves to the parent when already closed).
    public mutating func expand() {
        if let node = currentNode, !node.children.isEmpty { expanded.insert(node.id) }
    }

    public mutating func collapse() {
        let lines = self.lines
        guard lines.indices.contains(cursor) else { return }
        let node = lines[cursor].node
        if expanded.contains(node.id), !node.children.isEmpty {
            expanded.remove(node.id)
            return
        }
        let depth = lines[cursor].depth
        if let parent = lines[..<cursor].lastIndex(where: { $0.depth < depth }) { cursor = parent }
    }

    public mutating func expandAll() {
        func collect(_ nodes: [TreeNode]) -> [String] { nodes.flatMap { [$0.id] + collect($0.children) } }
        expanded = Set(collect(roots))
    }

    public mutating func collapseAll() {
        expanded = []
        cursor = min(cursor, max(0, roots.count - 1))
        cursor = 0
    }
}

extension Widgets {
    public static func tree(_ model: inout TreeModel, into canvas: inout Canvas, x: Int, y: Int, width: Int, height: Int, theme: Theme, focused: Bool = true) {
        let lines = model.lines
        guard height > 0 else { return }
        if model.cursor < model.scroll { model.scroll = model.cursor }
        if model.cursor >= model.scroll + height { model.scroll = model.cursor - height + 1 }
        for row in 0..<height {
            let position = model.scroll + row
            guard position < lines.count else { break }
            let (depth, node) = lines[position]
            let open = model.expanded.contains(node.id)
            let fold = node.children.isEmpty ? "  " : (open ? (theme.ascii ? "- " : "▾ ") : (theme.ascii ? "+ " : "▸ "))
            let mark: String
            let markStyle: Style
            switch node.mark {
            case .none: (mark, markStyle) = ("", theme.text)
            case .pass: (mark, markStyle) = (theme.ascii ? "[ok] " : "✓ ", theme.success)
            case .fail: (mark, markStyle) = (theme.ascii ? "[FAIL] " : "✗ ", theme.error)
            }
            let isCursor = focused && position == model.cursor
            let style = isCursor ? theme.selection : theme.text
            if isCursor { canvas.fill(x: x, y: y + row, width: width, height: 1, style: style) }
            var column = x + depth * 2
            column += canvas.put(fold, x: column, y: y + row, style: isCursor ? style : theme.muted, maxWidth: x + width - column)
            column += canvas.put(mark, x: column, y: y + row, style: isCursor ? style : markStyle, maxWidth: max(0, x + width - column))
            canvas.put(node.label, x: column, y: y + row, style: style, maxWidth: max(0, x + width - column))
        }
    }
}

// MARK: - Scrollable text

/// Wrapped text with a scroll position.
public struct TextViewModel: Sendable, Equatable {
    public var paragraphs: [(text: String, style: Style)] {
        didSet { scroll = 0 }
    }
    public var scroll = 0

    public init(paragraphs: [(text: String, style: Style)] = []) { self.paragraphs = paragraphs }

    public static func == (lhs: TextViewModel, rhs: TextViewModel) -> Bool {
        lhs.scroll == rhs.scroll && lhs.paragraphs.map(\.text) == rhs.paragraphs.map(\.text) && lhs.paragraphs.map(\.style) == rhs.paragraphs.map(\.style)
    }

    /// The wrapped lines for a given width (an empty paragraph is a blank line).
    public func lines(width: Int) -> [(text: String, style: Style)] {
        paragraphs.flatMap { paragraph in
            paragraph.text.isEmpty ? [("", paragraph.style)] : TextWidth.wrap(paragraph.text, width: width).map { ($0, paragraph.style) }
        }
    }

    public mutating func scroll(by delta: Int) { scroll = max(0, scroll + delta) }
}

extension Widgets {
    public static func textView(_ model: inout TextViewModel, into canvas: inout Canvas, x: Int, y: Int, width: Int, height: Int) {
        let lines = model.lines(width: max(1, width))
        model.scroll = min(model.scroll, max(0, lines.count - height))
        for row in 0..<height {
            let index = model.scroll + row
            guard index < lines.count else { break }
            canvas.put(lines[index].text, x: x, y: y + row, style: lines[index].style, maxWidth: width)
        }
    }

    // MARK: - Tabs, status bar, toast, spinner

    /// `[ Pending 12 ]  Approved  Rejected`: the active tab highlighted. Returns the cells used.
    @discardableResult
    public static func tabs(_ titles: [String], active: Int, into canvas: inout Canvas, x: Int, y: Int, theme: Theme) -> Int {
        var column = x
        for (index, title) in titles.enumerated() {
            let text = " \(title) "
            column += canvas.put(text, x: column, y: y, style: index == active ? theme.activeTab : theme.muted)
            column += canvas.put(" ", x: column, y: y)
        }
        return column - x
    }

    /// A status line: text on the left, text on the right.
    public static func statusBar(left: String, right: String, into canvas: inout Canvas, y: Int, theme: Theme, leftStyle: Style? = nil) {
        let rightWidth = TextWidth.of(right)
        canvas.put(left, x: 1, y: y, style: leftStyle ?? theme.muted, maxWidth: max(0, canvas.width - rightWidth - 3))
        canvas.put(right, x: max(0, canvas.width - rightWidth - 1), y: y, style: theme.muted)
    }

    /// A toast: a short message in a box at the bottom right, above the status line.
    public static func toast(_ text: String, isError: Bool, into canvas: inout Canvas, theme: Theme) {
        let mark = isError ? (theme.ascii ? "x " : "✗ ") : (theme.ascii ? "+ " : "✓ ")
        let content = TextWidth.truncate(mark + text, to: max(10, canvas.width - 8))
        let width = TextWidth.of(content) + 4
        let x = max(0, canvas.width - width - 1)
        let y = max(0, canvas.height - 5)
        canvas.fill(x: x, y: y, width: width, height: 3)
        canvas.box(x: x, y: y, width: width, height: 3, style: isError ? theme.error : theme.success, ascii: theme.ascii)
        canvas.put(content, x: x + 2, y: y + 1, style: isError ? theme.error : theme.success)
    }

    /// The spinner frame for a tick.
    public static func spinner(tick: Int, ascii: Bool) -> String {
        let frames = ascii ? ["|", "/", "-", "\\"] : ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
        return frames[((tick % frames.count) + frames.count) % frames.count]
    }

    // MARK: - Charts

    /// Horizontal bars: `label ████████ value`, scaled to the largest value.
    public static func barChart(
        _ items: [(label: String, value: Double, display: String)], into canvas: inout Canvas, x: Int, y: Int, width: Int, height: Int,
        theme: Theme
    ) {
        guard !items.isEmpty, width > 10 else { return }
        let labelWidth = min(max(4, items.map { TextWidth.of($0.label) }.max() ?? 0), width / 2)
        let valueWidth = items.map { TextWidth.of($0.display) }.max() ?? 0
        let barWidth = max(1, width - labelWidth - valueWidth - 3)
        let maximum = items.map(\.value).max() ?? 0
        for (row, item) in items.prefix(height).enumerated() {
            canvas.put(TextWidth.pad(TextWidth.truncate(item.label, to: labelWidth), to: labelWidth), x: x, y: y + row, style: theme.text)
            let cells = maximum > 0 ? Int((item.value / maximum * Double(barWidth)).rounded()) : 0
            let bar = String(repeating: theme.ascii ? "#" : "█", count: max(item.value > 0 ? 1 : 0, cells))
            canvas.put(bar, x: x + labelWidth + 1, y: y + row, style: theme.chart)
            canvas.put(item.display, x: x + labelWidth + 2 + max(cells, item.value > 0 ? 1 : 0), y: y + row, style: theme.muted)
        }
    }

    /// A one-line sparkline of `values` (the last `width` of them).
    public static func sparkline(_ values: [Double], width: Int, ascii: Bool) -> String {
        let levels: [Character] = ascii ? Array(" .:-=+*#") : Array("▁▂▃▄▅▆▇█")
        let shown = values.suffix(max(0, width))
        guard let low = shown.min(), let high = shown.max() else { return "" }
        return String(shown.map { value in
            let ratio = high > low ? (value - low) / (high - low) : (high > 0 ? 1 : 0)
            return levels[min(levels.count - 1, Int(ratio * Double(levels.count - 1) + 0.5))]
        })
    }
}

// MARK: - Choice field

/// A form field choosing one of a few options (←/→ or Space to change).
public struct ChoiceField: Sendable, Equatable {
    public var label: String
    public var options: [String]
    public var selected: Int

    public init(label: String, options: [String], selected: Int = 0) {
        self.label = label
        self.options = options
        self.selected = min(max(0, selected), max(0, options.count - 1))
    }

    public var value: String { options.indices.contains(selected) ? options[selected] : "" }

    /// Handles ←/→/Space; false for any other key.
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        guard !options.isEmpty else { return false }
        switch key {
        case .left: selected = (selected + options.count - 1) % options.count
        case .right, .char(" "): selected = (selected + 1) % options.count
        default: return false
        }
        return true
    }

    public func draw(into canvas: inout Canvas, x: Int, y: Int, labelWidth: Int, fieldWidth: Int, focused: Bool, theme: Theme) {
        canvas.put(TextWidth.pad(label, to: labelWidth), x: x, y: y, style: focused ? theme.emphasis : theme.muted)
        let arrows = theme.ascii ? ("< ", " >") : ("◂ ", " ▸")
        let text = arrows.0 + value + arrows.1
        canvas.put(TextWidth.pad(text, to: fieldWidth), x: x + labelWidth, y: y, style: focused ? theme.inputFocused : theme.input)
    }
}
