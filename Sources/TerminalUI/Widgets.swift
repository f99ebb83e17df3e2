/// Small drawing helpers shared by every screen.
public enum Widgets {
    /// A one-line bar across the whole row.
    public static func bar(_ text: String, into canvas: inout Canvas, y: Int, style: Style) {
        canvas.fill(x: 0, y: y, width: canvas.width, height: 1, style: style)
        canvas.put(" " + text, x: 0, y: y, style: style, maxWidth: canvas.width)
    }

    /// The hint bar: `key label` pairs with the keys highlighted, cut to fit.
    public static func hintBar(_ hints: [(key: String, label: String)], into canvas: inout Canvas, y: Int, theme: Theme) {
        canvas.fill(x: 0, y: y, width: canvas.width, height: 1, style: theme.hintBar)
        var x = 1
        for hint in hints {
            let needed = TextWidth.of(hint.key) + 1 + TextWidth.of(hint.label) + 2
            guard x + needed <= canvas.width else { break }
            x += canvas.put(hint.key, x: x, y: y, style: theme.hintKey)
            x += canvas.put(" " + hint.label + "  ", x: x, y: y, style: theme.hintBar)
        }
    }

    /// A centered modal box with `lines` inside; returns the box's frame.
    @discardableResult
    public static func dialog(
        title: String, lines: [(text: String, style: Style)], into canvas: inout Canvas, theme: Theme, minWidth: Int = 30
    ) -> (x: Int, y: Int, width: Int, height: Int) {
        // Lines wider than the screen allows are wrapped, not cut.
        let available = max(10, canvas.width - 6)
        let lines = lines.flatMap { line in
            TextWidth.of(line.text) <= available ? [line] : TextWidth.wrap(line.text, width: available).map { (text: $0, style: line.style) }
        }
        let contentWidth = max(minWidth, lines.map { TextWidth.of($0.text) }.max() ?? 0, TextWidth.of(title) + 4)
        let width = min(canvas.width - 2, contentWidth + 4)
        let height = min(canvas.height - 2, lines.count + 2)
        let x = max(0, (canvas.width - width) / 2)
        let y = max(0, (canvas.height - height) / 2)
        canvas.fill(x: x, y: y, width: width, height: height)
        canvas.box(x: x, y: y, width: width, height: height, title: title, style: theme.border, ascii: theme.ascii)
        for (index, line) in lines.prefix(height - 2).enumerated() {
            canvas.put(line.text, x: x + 2, y: y + 1 + index, style: line.style, maxWidth: width - 4)
        }
        return (x, y, width, height)
    }
}
