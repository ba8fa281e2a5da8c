/// The key help, generated from the key table: every mode's keys, group by group, the group's
/// name in the first column; below, when there is room, when each group's keys work.
enum HelpOverlay {
    struct Row: Equatable {
        /// The group's title on its first row, else empty.
        var group: String
        var keys: String
        var help: String
    }

    /// Every group but the fault menu, which lists its own keys when `f` opens it; the tour's
    /// keys only on the tour, and first there (they are what a tour is moved by).
    static func groups(tour: Bool = false) -> [KeyGroup] {
        let all = KeyGroup.allCases.filter { $0 != .faultMenu && !$0.isTourOnly }
        return tour ? KeyGroup.allCases.filter(\.isTourOnly) + all : all
    }

    static func rows(tour: Bool = false) -> [Row] {
        groups(tour: tour).flatMap { g in
            KeyTable.bindings.filter { $0.group == g }.enumerated().map { i, b in
                Row(group: i == 0 ? g.title : "", keys: b.keyLabel, help: b.help)
            }
        }
    }

    static func notes(tour: Bool = false) -> [String] {
        groups(tour: tour).map(\.when).filter { !$0.isEmpty } + ["A phase key pressed out of order says what must happen first."]
    }

    static func draw(in screen: Rect, tour: Bool = false, into b: inout ScreenBuffer) {
        let rows = rows(tour: tour)
        let notes = notes(tour: tour)
        let groupW = rows.map { $0.group.cellCount }.max() ?? 0
        let keyW = rows.map { $0.keys.cellCount }.max() ?? 0
        let helpW = rows.map { $0.help.cellCount }.max() ?? 0
        let contentW = max(groupW + 2 + keyW + 2 + helpW, notes.map(\.cellCount).max() ?? 0)
        let room = screen.height - 2
        let withNotes = rows.count + 1 + notes.count + 2 <= room
        let w = min(screen.width - 2, contentW + 4)
        let h = min(room, rows.count + 2 + (withNotes ? 1 + notes.count : 0))
        let r = Rect(x: screen.x + (screen.width - w) / 2, y: screen.y + (screen.height - h) / 2, width: w, height: h)
        b.fill(r)
        b.box(r, title: "Keys", style: .title, footer: "? or Esc closes")
        let inner = r.inner
        var y = inner.y
        for row in rows where y < inner.maxY {
            var x = b.write(row.group.fit(groupW) + "  ", x: inner.x + 1, y: y, style: .title, clip: inner)
            x = b.write(row.keys.fit(keyW) + "  ", x: x, y: y, style: .warn, clip: inner)
            b.write(Text.shortened(row.help, width: inner.maxX - x, keep: 0.6), x: x, y: y, clip: inner)
            y += 1
        }
        guard withNotes else { return }
        y += 1
        for note in notes where y < inner.maxY {
            b.write(Text.fitWords(note, width: inner.width - 1), x: inner.x + 1, y: y, style: .muted, clip: inner)
            y += 1
        }
    }
}
