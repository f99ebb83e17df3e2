/// The eight basic terminal colors plus the terminal's default.
public enum Color: Int, Sendable, Equatable, Hashable, CaseIterable {
    case `default` = -1
    case black = 0, red, green, yellow, blue, magenta, cyan, white
}

/// How a cell looks.
public struct Style: Sendable, Equatable, Hashable {
    public var foreground: Color
    public var background: Color
    public var bold: Bool
    public var underline: Bool
    public var reverse: Bool
    public var dim: Bool

    public init(
        foreground: Color = .default, background: Color = .default, bold: Bool = false, underline: Bool = false,
        reverse: Bool = false, dim: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.underline = underline
        self.reverse = reverse
        self.dim = dim
    }

    public static let plain = Style()
}

/// One terminal cell. A wide character occupies its cell and marks the next one as `continuation`.
public struct Cell: Sendable, Equatable, Hashable {
    public var character: Character
    public var style: Style
    /// The right half of a wide character: drawn by the cell to its left.
    public var continuation: Bool

    public init(_ character: Character = " ", style: Style = .plain, continuation: Bool = false) {
        self.character = character
        self.style = style
        self.continuation = continuation
    }

    public static let blank = Cell()
}

/// A grid of cells that views draw into; backends diff successive canvases and write only changes.
public struct Canvas: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public internal(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { (0..<width).contains(x) && (0..<height).contains(y) ? cells[y * width + x] : .blank }
        set {
            guard (0..<width).contains(x), (0..<height).contains(y) else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Writes `text` from (x, y), clipped at `maxWidth` cells (default: the right edge). Returns cells used.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int? = nil) -> Int {
        guard (0..<height).contains(y) else { return 0 }
        let limit = min(width, x + (maxWidth ?? width))
        var column = x
        for character in text {
            let w = TextWidth.of(character)
            if w == 0 { continue }
            if column + w > limit { break }
            if column >= 0 {
                // Overwriting half of a wide character blanks its other half.
                if self[column, y].continuation, column > 0 { self[column - 1, y] = Cell(" ", style: self[column - 1, y].style) }
                self[column, y] = Cell(character, style: style)
                if w == 2 { self[column + 1, y] = Cell(" ", style: style, continuation: true) }
                else if column + 1 < width, self[column + 1, y].continuation {
                    self[column + 1, y] = Cell(" ", style: style)
                }
            }
            column += w
        }
        return column - x
    }

    /// Fills a rectangle with `character` in `style`.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, character: Character = " ", style: Style = .plain) {
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                self[column, row] = Cell(character, style: style)
            }
        }
    }

    /// Draws a box border; `ascii` uses `+-|`.
    public mutating func box(x: Int, y: Int, width w: Int, height h: Int, title: String? = nil, style: Style = .plain, ascii: Bool = false) {
        guard w >= 2, h >= 2 else { return }
        let (tl, tr, bl, br, hz, vt): (Character, Character, Character, Character, Character, Character) =
            ascii ? ("+", "+", "+", "+", "-", "|") : ("┌", "┐", "└", "┘", "─", "│")
        self[x, y] = Cell(tl, style: style)
        self[x + w - 1, y] = Cell(tr, style: style)
        self[x, y + h - 1] = Cell(bl, style: style)
        self[x + w - 1, y + h - 1] = Cell(br, style: style)
        for column in (x + 1)..<(x + w - 1) {
            self[column, y] = Cell(hz, style: style)
            self[column, y + h - 1] = Cell(hz, style: style)
        }
        for row in (y + 1)..<(y + h - 1) {
            self[x, row] = Cell(vt, style: style)
            self[x + w - 1, row] = Cell(vt, style: style)
        }
        if let title, w > 4 {
            put(" \(title) ", x: x + 2, y: y, style: Style(foreground: style.foreground, bold: true), maxWidth: w - 4)
        }
    }

    /// The canvas as plain text, one line per row, trailing spaces trimmed: what tests compare.
    public var text: String {
        (0..<height).map { y in
            var line = ""
            for x in 0..<width where !self[x, y].continuation {
                line.append(self[x, y].character)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// Positions whose cells differ from `previous` (everything when sizes differ).
    public func changes(since previous: Canvas?) -> [(x: Int, y: Int)] {
        guard let previous, previous.width == width, previous.height == height else {
            return (0..<height).flatMap { y in (0..<width).map { (x: $0, y: y) } }
        }
        var result: [(x: Int, y: Int)] = []
        for index in cells.indices where cells[index] != previous.cells[index] {
            result.append((x: index % width, y: index / width))
        }
        return result
    }
}

extension Canvas {
    /// Replaces common non-ASCII symbols and punctuation with ASCII look-alikes (`--ascii`): one cell for one
    /// cell, so layout does not move. Other wide or non-ASCII characters become `?`.
    public mutating func foldToASCII() {
        for index in cells.indices {
            let character = cells[index].character
            guard !character.isASCII else { continue }
            if cells[index].continuation { continue }
            let replacement: Character =
                switch character {
                case "·", "•", "…": "."
                case "—", "–", "─": "-"
                case "→", "›", "▸", "▶": ">"
                case "←", "‹", "◂": "<"
                case "“", "”": "\""
                case "‘", "’": "'"
                case "✓": "+"
                case "✗": "x"
                case "▲": "^"
                case "▼", "▾": "v"
                case "µ": "u"
                case "│": "|"
                case "┌", "┐", "└", "┘": "+"
                case "█": "#"
                case "⚠": "!"
                default: "?"
                }
            cells[index].character = replacement
        }
    }
}
