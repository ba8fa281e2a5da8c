/// The colours panes may ask for. A monochrome terminal ignores them, so nothing may rely on
/// colour alone: every state also has a symbol or a word.
public enum Color: UInt8, Sendable, CaseIterable {
    case normal = 0, red, green, yellow, blue, magenta, cyan, gray
}

/// How a cell is drawn: a colour and attributes.
public struct Style: Hashable, Sendable {
    public var color: Color
    public var bold: Bool
    public var reverse: Bool
    public var dim: Bool
    public var underline: Bool

    public init(_ color: Color = .normal, bold: Bool = false, reverse: Bool = false, dim: Bool = false, underline: Bool = false) {
        self.color = color
        self.bold = bold
        self.reverse = reverse
        self.dim = dim
        self.underline = underline
    }

    public static let plain = Style()
    public static let title = Style(bold: true)
    public static let border = Style(.gray)
    public static let muted = Style(.gray, dim: true)
    public static let accent = Style(.cyan)
    public static let good = Style(.green)
    public static let warn = Style(.yellow, bold: true)
    public static let bad = Style(.red, bold: true)
    public static let bar = Style(reverse: true)
    public static let selected = Style(.cyan, reverse: true)
}

public struct Cell: Equatable, Sendable {
    public var char: Unicode.Scalar
    public var style: Style
    public static let blank = Cell(char: " ", style: .plain)
    /// The second cell of a wide character: the terminal fills it with the character itself.
    public static let continuation: Unicode.Scalar = "\u{0}"
}

/// A rectangle of the screen, in cells.
public struct Rect: Equatable, Sendable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    /// The rectangle inside a one-cell border.
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: max(0, width - 2), height: max(0, height - 2)) }
    public func intersects(_ o: Rect) -> Bool { x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY }
    public var description: String { "(\(x),\(y) \(width)×\(height))" }
}

/// An in-memory screen of styled cells. Panes draw here; the terminal copies what changed.
/// Everything drawn is clipped to the buffer (and to an optional rectangle), so a pane can
/// never scribble outside its place.
public struct ScreenBuffer: Equatable, Sendable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]
    /// Tests ask for a record of every write cut short at its clip's right edge with words
    /// still to come: text a reader would see broken mid-word (off unless asked).
    var recordsCuts = false
    private(set) var cuts: [(y: Int, text: String)] = []

    public static func == (a: ScreenBuffer, b: ScreenBuffer) -> Bool {
        a.width == b.width && a.height == b.height && a.cells == b.cells
    }

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public mutating func clear() {
        for i in cells.indices { cells[i] = .blank }
    }

    public mutating func set(_ x: Int, _ y: Int, _ c: Unicode.Scalar, _ style: Style) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        cells[y * width + x] = Cell(char: c, style: style)
    }

    /// Writes `text` from (x, y), clipped to `clip` (default: the whole buffer). Returns the
    /// column after the last cell written. Control characters are shown as `?`.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil) -> Int {
        let limitX = min(width, clip?.maxX ?? width)
        let minX = max(0, clip?.x ?? 0)
        guard y >= 0, y < height, y >= (clip?.y ?? 0), y < (clip?.maxY ?? height) else { return x }
        var cx = x
        for (k, s) in text.unicodeScalars.enumerated() {
            if cx >= limitX {
                if recordsCuts, cx > minX, !text.unicodeScalars.dropFirst(k).allSatisfy({ $0 == " " || $0.cellWidth == 0 }) { cuts.append((y, text)) }
                break
            }
            let w = s.value < 0x300 ? 1 : s.cellWidth
            if w == 0 { continue }                          // a combining mark: not a cell of its own
            if w == 2 {
                // A wide character takes its cell and the next (a continuation); where only
                // one is left, a space stands in.
                if cx + 1 >= limitX {
                    if cx >= minX { cells[y * width + cx] = Cell(char: " ", style: style) }
                    cx += 1
                    continue
                }
                if cx >= minX {
                    cells[y * width + cx] = Cell(char: s, style: style)
                    cells[y * width + cx + 1] = Cell(char: Cell.continuation, style: style)
                }
                cx += 2
                continue
            }
            if cx >= minX { cells[y * width + cx] = Cell(char: s.value < 0x20 || s.value == 0x7F ? "?" : s, style: style) }
            cx += 1
        }
        return cx
    }

    /// Writes the first of `options` (longest first) that fits whole between `x` and the
    /// clip's right edge. None fitting, a `required` text shows its last option cut with "…";
    /// an optional one (a hint, a tail) shows nothing rather than half a word.
    @discardableResult
    public mutating func write(first options: [String], x: Int, y: Int, style: Style = .plain, clip: Rect, required: Bool = false) -> Int {
        let room = min(width, clip.maxX) - x
        if let text = options.first(where: { $0.cellCount <= room }) { return write(text, x: x, y: y, style: style, clip: clip) }
        guard required, let last = options.last, room > 0 else { return x }
        return write(last.fit(room), x: x, y: y, style: style, clip: clip)
    }

    /// Draws the border cells of `r` (its outermost ring) in `style`, keeping their
    /// characters: a pane pointed at.
    public mutating func restyleBorder(_ r: Rect, style: Style) {
        guard r.width > 0, r.height > 0 else { return }
        for x in max(0, r.x)..<min(width, r.maxX) {
            for y in [r.y, r.maxY - 1] where y >= 0 && y < height { cells[y * width + x].style = style }
        }
        for y in max(0, r.y)..<min(height, r.maxY) {
            for x in [r.x, r.maxX - 1] where x >= 0 && x < width { cells[y * width + x].style = style }
        }
    }

    /// Fills a rectangle with one character.
    public mutating func fill(_ r: Rect, _ c: Unicode.Scalar = " ", style: Style = .plain) {
        for y in max(0, r.y)..<min(height, r.maxY) {
            for x in max(0, r.x)..<min(width, r.maxX) { cells[y * width + x] = Cell(char: c, style: style) }
        }
    }

    /// Applies `style` to every cell of a rectangle, keeping the characters.
    public mutating func restyle(_ r: Rect, _ style: Style) {
        for y in max(0, r.y)..<min(height, r.maxY) {
            for x in max(0, r.x)..<min(width, r.maxX) { cells[y * width + x].style = style }
        }
    }

    /// Draws a single-line box with a title in its top edge and an optional label in the
    /// bottom edge.
    public mutating func box(_ r: Rect, title: String, style: Style = .border, titleStyle: Style = .title, footer: String? = nil) {
        guard r.width >= 2, r.height >= 2 else { return }
        let top = r.y, bottom = r.maxY - 1, left = r.x, right = r.maxX - 1
        for x in left + 1..<right {
            set(x, top, "─", style)
            set(x, bottom, "─", style)
        }
        for y in top + 1..<bottom {
            set(left, y, "│", style)
            set(right, y, "│", style)
        }
        set(left, top, "┌", style)
        set(right, top, "┐", style)
        set(left, bottom, "└", style)
        set(right, bottom, "┘", style)
        let clip = Rect(x: left + 1, y: top, width: r.width - 2, height: r.height)
        if !title.isEmpty {
            write(" \(title) ", x: left + 1, y: top, style: titleStyle, clip: clip)
        }
        if let footer, !footer.isEmpty {
            let text = " \(footer) "
            let start = max(left + 1, right - text.unicodeScalars.count - 1)
            write(text, x: start, y: bottom, style: style, clip: clip)
        }
    }

    /// A run of cells on one row that differs from an earlier frame.
    public struct Span: Equatable, Sendable {
        public var y: Int
        public var x: Int
        public var endX: Int   // exclusive
    }

    /// Per row, the span from the first to the last cell that differs from `previous`; every
    /// row when there is no comparable previous frame (first frame, or a new size).
    public func changes(since previous: ScreenBuffer?) -> [Span] {
        guard let previous, previous.width == width, previous.height == height else {
            return (0..<height).map { Span(y: $0, x: 0, endX: width) }
        }
        var spans: [Span] = []
        cells.withUnsafeBufferPointer { now in
            previous.cells.withUnsafeBufferPointer { old in
                for y in 0..<height {
                    let base = y * width
                    var first = -1, last = -1
                    for x in 0..<width where now[base + x] != old[base + x] {
                        if first < 0 { first = x }
                        last = x
                    }
                    if first >= 0 { spans.append(Span(y: y, x: first, endX: last + 1)) }
                }
            }
        }
        return spans
    }

    /// The text of one row (for tests and captures), trailing blanks removed.
    public func line(_ y: Int) -> String {
        var s = String.UnicodeScalarView()
        // As the terminal shows it: a wide character's second cell is part of the first.
        for x in 0..<width where cells[y * width + x].char != Cell.continuation { s.append(cells[y * width + x].char) }
        var str = String(s)
        while str.last == " " { str.removeLast() }
        return str
    }

    /// The whole screen as text, one line per row.
    public var text: String { (0..<height).map(line).joined(separator: "\n") }
}

extension Unicode.Scalar {
    /// How many terminal cells the scalar takes: 0 for combining marks and zero-width
    /// format characters, 2 for East Asian wide characters and emoji shown as emoji, else 1
    /// (a control character is drawn as `?`). The same in every locale, so screens and
    /// tests agree.
    var cellWidth: Int {
        let v = value
        if v < 0x300 { return 1 }
        if v >= 0x2500 && v < 0x2600 { return 1 }           // box drawing, blocks, shapes
        switch properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B || (0xFE00...0xFE0F).contains(v) || (0xE0100...0xE01EF).contains(v) { return 0 }
        if properties.isEmojiPresentation { return 2 }
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return 2
        default: return 1
        }
    }
}

extension String {
    /// The string cut or padded to exactly `n` cells, with `…` when cut (display width: a
    /// wide character counts two, a combining mark none).
    func fit(_ n: Int) -> String {
        guard n > 0 else { return "" }
        let width = cellCount
        if width <= n { return self + String(repeating: " ", count: n - width) }
        var out = String.UnicodeScalarView()
        var used = 0
        for s in unicodeScalars {
            let w = s.cellWidth
            if used + w > n - 1 { break }
            out.append(s)
            used += w
        }
        out.append("…")
        return String(out) + String(repeating: " ", count: max(0, n - 1 - used))
    }

    /// The string cut to at most `n` cells, with `…` when cut.
    func clipped(_ n: Int) -> String {
        cellCount <= n ? self : fit(n).trimmingTrailingBlanks
    }

    /// Its width on a terminal, in cells.
    var cellCount: Int {
        var n = 0
        for s in unicodeScalars { n += s.value < 0x300 ? 1 : s.cellWidth }
        return n
    }

    var trimmingTrailingBlanks: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
