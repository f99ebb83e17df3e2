import Testing
@testable import TerminalUI

@Suite("TerminalUI")
struct TerminalUITests {
    @Test func keyDecoding() {
        #expect(Key.decode(0x71, isKeyCode: false) == .char("q"))
        #expect(Key.decode(0x0D, isKeyCode: false) == .enter)
        #expect(Key.decode(0x0A, isKeyCode: false) == .enter)
        #expect(Key.decode(0x09, isKeyCode: false) == .tab)
        #expect(Key.decode(0x1B, isKeyCode: false) == .escape)
        #expect(Key.decode(0x7F, isKeyCode: false) == .backspace)
        #expect(Key.decode(0x03, isKeyCode: false) == .ctrl("c"))
        #expect(Key.decode(0x4E2D, isKeyCode: false) == .char("中"))
        #expect(Key.decode(0x1F600, isKeyCode: false) == .char("😀"))
        #expect(Key.decode(Key.Code.up, isKeyCode: true) == .up)
        #expect(Key.decode(Key.Code.pageDown, isKeyCode: true) == .pageDown)
        #expect(Key.decode(Key.Code.f0 + 5, isKeyCode: true) == .function(5))
        #expect(Key.decode(Key.Code.resize, isKeyCode: true) == .resize)
        #expect(Key.decode(Key.Code.backTab, isKeyCode: true) == .backTab)
        #expect(Key.decode(0o777, isKeyCode: true) == nil)
        // A key code and a character with the same number are different keys.
        #expect(Key.decode(0x103, isKeyCode: false) == .char("ă"))
    }

    @Test func widths() {
        #expect(TextWidth.of("abc") == 3)
        #expect(TextWidth.of("中文") == 4)
        #expect(TextWidth.of("é") == 1)
        #expect(TextWidth.of("e\u{301}") == 1)
        #expect(TextWidth.of("😀") == 2)
        #expect(TextWidth.truncate("中文字符", to: 5) == "中文…")
        #expect(TextWidth.pad("ab", to: 4) == "ab  ")
        #expect(TextWidth.pad("ab", to: 4, alignRight: true) == "  ab")
        #expect(TextWidth.wrap("the quick brown fox", width: 9) == ["the quick", "brown fox"])
        #expect(TextWidth.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(TextWidth.wrap("a\nb", width: 4) == ["a", "b"])
    }

    @Test func canvasWideCharacters() {
        var canvas = Canvas(width: 6, height: 1)
        #expect(canvas.put("中x", x: 0, y: 0) == 3)
        #expect(canvas[1, 0].continuation)
        #expect(canvas.text == "中x")
        // A wide character that does not fit is not half-drawn.
        canvas.put("ab中", x: 3, y: 0)
        #expect(canvas.text == "中xab")
        // Overwriting the right half of a wide character blanks its left half.
        canvas.put("z", x: 1, y: 0)
        #expect(canvas.text == " zxab")
    }

    @Test func canvasDiff() {
        var a = Canvas(width: 4, height: 2)
        a.put("ab", x: 0, y: 0)
        var b = a
        b.put("c", x: 3, y: 1)
        #expect(b.changes(since: a).map { [$0.x, $0.y] } == [[3, 1]])
        #expect(b.changes(since: nil).count == 8)
        #expect(b.changes(since: Canvas(width: 5, height: 2)).count == 8)
    }

    @Test func textFieldEditing() {
        var field = TextField(label: "Email")
        for c in "abd" { field.handle(.char(c)) }
        field.handle(.left)
        field.handle(.char("c"))
        #expect(field.text == "abcd")
        field.handle(.home)
        field.handle(.delete)
        #expect(field.text == "bcd")
        field.handle(.end)
        field.handle(.backspace)
        #expect(field.text == "bc")
        field.handle(.ctrl("u"))
        #expect(field.text == "")
        #expect(field.handle(.up) == false)
        let secret = TextField(label: "Password", text: "hunter2", isSecret: true)
        #expect(secret.display == "•••••••")
    }

    @Test func registryGeneratesHelpAndHints() {
        enum Command: Equatable, Sendable { case quit, refresh }
        let registry = KeyRegistry<Command>(
            title: "T", [KeyBinding([.char("r"), .function(5)], "Refresh now", .refresh, hint: "refresh"), KeyBinding([.char("q")], "Quit", .quit)])
        #expect(registry.command(for: .function(5)) == .refresh)
        #expect(registry.command(for: .char("x")) == nil)
        #expect(registry.helpLines.map(\.keys) == ["r/F5", "q"])
        #expect(registry.hintBar == "r refresh")
    }

    @Test func memoryScreenCountsOnlyChangedCells() {
        let screen = MemoryScreen(width: 10, height: 2)
        var canvas = Canvas(width: 10, height: 2)
        canvas.put("hello", x: 0, y: 0)
        screen.draw(canvas)
        #expect(screen.cellsWritten == 20)
        canvas.put("j", x: 0, y: 0)
        screen.draw(canvas)
        #expect(screen.cellsWritten == 21)
        #expect(screen.text == "jello\n")
    }
}

@Suite("TerminalUI widgets")
struct WidgetTests {
    let theme = Theme.standard()

    func rows() -> [TableRow] {
        [
            TableRow(id: "a", cells: ["Zoë", "10", "pending"]), TableRow(id: "b", cells: ["adam", "9", "approved"]),
            TableRow(id: "c", cells: ["中文名", "100", "pending"]), TableRow(id: "d", cells: ["Bea", "9", "rejected"]),
        ]
    }

    @Test("table: numeric and text sort, stable ties, filter by any column or column:value, cursor follows its row")
    func tableModel() {
        var table = TableModel(columns: [TableColumn("Name"), TableColumn("Score", alignRight: true), TableColumn("Status")])
        table.setRows(rows())
        #expect(table.visibleRows.map(\.id) == ["b", "d", "a", "c"])  // adam, Bea, Zoë, 中文名 (case-folded)
        table.sort(by: 1)
        #expect(table.visibleRows.map(\.id) == ["b", "d", "a", "c"])  // 9, 9 (arrival order), 10, 100: numbers, not text
        table.invertSort()
        #expect(table.visibleRows.map(\.id) == ["c", "a", "b", "d"])
        table.select(id: "a")
        table.setFilter("pend")
        #expect(table.visibleRows.map(\.id) == ["c", "a"])
        #expect(table.currentID == "a")
        table.setFilter("status:app")
        #expect(table.visibleRows.map(\.id) == ["b"])
        table.setFilter("name:zo status:pending")
        #expect(table.visibleRows.map(\.id) == ["a"])
        table.setFilter("")
        // A refresh that drops a row keeps the cursor on its id when it survives.
        table.select(id: "d")
        table.setRows(rows().filter { $0.id != "a" })
        #expect(table.currentID == "d")
        let sorted = table.sort(named: "-name")
        #expect(sorted && table.descending && table.sortColumn == 0)
        let unknown = table.sort(named: "nope")
        #expect(!unknown)
    }

    @Test("table: widths are terminal cells; wide names do not break the columns")
    func tableDrawing() {
        var table = TableModel(columns: [TableColumn("Name", width: .flex(min: 4)), TableColumn("Score", width: .fixed(5), alignRight: true)])
        table.setRows(rows())
        var canvas = Canvas(width: 20, height: 6)
        Widgets.table(&table, into: &canvas, x: 0, y: 0, width: 20, height: 6, theme: theme)
        let lines = canvas.text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "  Name ▲ Score")
        #expect(lines.contains("  中文名   100"))  // 中文名 is six cells wide: the column is sized for it
        #expect(lines.allSatisfy { TextWidth.of($0) <= 20 })
        // The cursor scrolls the view.
        var small = Canvas(width: 20, height: 3)
        table.moveToBottom()
        Widgets.table(&table, into: &small, x: 0, y: 0, width: 20, height: 3, theme: theme)
        #expect(table.scroll == 2)
        #expect(small.text.contains("中文名"))
    }

    @Test("tree: fold, unfold, parent on ←, expand and collapse all")
    func tree() {
        var tree = TreeModel(roots: [
            TreeNode(id: "a", "A", children: [TreeNode(id: "a1", "A1", mark: .pass), TreeNode(id: "a2", "A2", mark: .fail, children: [TreeNode(id: "x", "X")])]),
            TreeNode(id: "b", "B"),
        ])
        #expect(tree.lines.map(\.node.id) == ["a", "a1", "a2", "b"])
        tree.move(by: 2)
        tree.expand()
        #expect(tree.lines.map(\.node.id) == ["a", "a1", "a2", "x", "b"])
        tree.move(by: 1)
        tree.collapse()  // a leaf: to its parent
        #expect(tree.currentNode?.id == "a2")
        tree.collapseAll()
        #expect(tree.lines.map(\.node.id) == ["a", "b"])
        tree.expandAll()
        #expect(tree.lines.count == 5)
        var canvas = Canvas(width: 30, height: 5)
        Widgets.tree(&tree, into: &canvas, x: 0, y: 0, width: 30, height: 5, theme: theme)
        #expect(canvas.text.contains("▾ A"))
        #expect(canvas.text.contains("✓ A1"))
        #expect(canvas.text.contains("▾ ✗ A2"))
    }

    @Test("charts, sparkline, spinner, tabs, text view, choice field, ASCII folding")
    func smallWidgets() {
        #expect(Widgets.sparkline([0, 1, 2, 3, 4, 5, 6, 7], width: 8, ascii: false) == "▁▂▃▄▅▆▇█")
        #expect(Widgets.sparkline([5, 5, 5], width: 10, ascii: true) == "###")
        #expect(Widgets.sparkline([1, 2, 3, 4], width: 2, ascii: false) == "▁█")
        #expect(Widgets.spinner(tick: 1, ascii: true) == "/")
        var canvas = Canvas(width: 30, height: 3)
        Widgets.barChart([("one", 10, "10"), ("two", 5, "5"), ("none", 0, "0")], into: &canvas, x: 0, y: 0, width: 30, height: 3, theme: theme)
        let bars = canvas.text.split(separator: "\n").map { $0.filter { $0 == "█" }.count }
        #expect(bars[1] == Int((Double(bars[0]) / 2).rounded()) && bars[2] == 0 && bars[0] > 10)
        var tabs = Canvas(width: 30, height: 1)
        Widgets.tabs(["One", "Two"], active: 1, into: &tabs, x: 0, y: 0, theme: theme)
        #expect(tabs.text == " One   Two")
        #expect(tabs[6, 0].style == theme.activeTab)
        var text = TextViewModel(paragraphs: [("a long line of words to wrap", .plain), ("", .plain), ("end", .plain)])
        var view = Canvas(width: 10, height: 2)
        text.scroll(by: 99)
        Widgets.textView(&text, into: &view, x: 0, y: 0, width: 10, height: 2)
        #expect(view.text == "\nend")
        var choice = ChoiceField(label: "Pick", options: ["a", "b", "c"])
        choice.handle(.left)
        #expect(choice.value == "c")
        let handled = choice.handle(.char("x"))
        #expect(!handled)
        var folded = Canvas(width: 12, height: 1)
        folded.put("✓ a·b → “c”", x: 0, y: 0)
        folded.foldToASCII()
        #expect(folded.text == "+ a.b > \"c\"")
    }
}
