import ProctorEngine

/// Berkeley clock synchronization: per node the local time before the adjustment, the
/// daemon's offset estimate and the adjustment; the spread before → after in the footer.
/// Before any round it shows each clock live and how far it is from true time.
enum ClocksPane {
    static func draw(_ s: Snapshot, _ r: Rect, focus: Int, into b: inout ScreenBuffer) {
        var footer: String?
        if let res = s.sync.lastResult {
            // The spread of the true clocks (what the round achieved), not of the estimates in
            // the offsets column.
            footer = "true spread \(Format.span(res.spreadBefore)) → \(Format.span(res.spreadAfter))"
            if footer!.cellCount + 4 > r.width { footer = "spread \(Format.span(res.spreadBefore)) → \(Format.span(res.spreadAfter))" }
            // The legend of `!`, where the border has room for it.
            if !res.outliers.isEmpty, footer!.cellCount + 12 <= r.width - 4 { footer! += " · ! outlier" }
        } else if s.sync.round != nil {
            footer = "round \(s.sync.round!) in progress"
        } else {
            footer = "spread \(Format.span(s.clockSpread))"
        }
        b.box(r, title: "Clocks (Berkeley)", footer: footer)
        let inner = r.inner
        guard inner.height > 0 else { return }
        let wide = inner.width >= 46
        let synced = s.clocks.contains { $0.lastAdjust != nil }
        // Columns: name, status, before/local, offset, adjustment, [now].
        let nameW = wide ? 7 : 4
        var rows = s.clocks
        var y = inner.y
        let header = inner.height > rows.count
        if header {
            var h = "node".fit(nameW) + "   " + (synced ? "before" : "local").fit(10) + " " + "offset".fit(6) + " " + "adjust".fit(6)
            if wide { h += " " + "now" }
            b.write(h, x: inner.x, y: y, style: .muted, clip: inner)
            y += 1
        }
        // Keep the focused student visible when the class is taller than the pane.
        let room = inner.maxY - y
        if rows.count > room, room > 2 {
            let fixed = Array(rows.prefix(2))
            let students = Array(rows.dropFirst(2))
            let window = room - 2
            let start = min(max(0, focus - window / 2), max(0, students.count - window))
            rows = fixed + students[start..<min(students.count, start + window)]
        }
        for row in rows where y < inner.maxY {
            let name = (wide ? row.node.description.replacing("student-", with: "S") : shortName(row.node)).fit(nameW)
            let (glyph, glyphStyle) = s.down[row.node] != nil ? ("✗", Style.bad) : statusGlyph(row.status)
            var x = b.write(name + " ", x: inner.x, y: y, style: isFocused(row.node, focus) ? .selected : .title, clip: inner)
            x = b.write(glyph, x: x, y: y, style: glyphStyle, clip: inner) + 1
            let inRound = s.sync.round != nil && (row.status == .polled || row.status == .replied)
            if inRound {
                // Being polled again: the last round's numbers would sit beside this round's
                // marker, so the row waits for this round's instead.
                x = b.write(Format.clock(row.reading, tenths: s.paused).fit(10) + " ", x: x, y: y, clip: inner)
                b.write((row.status == .polled ? "polled…" : "replied, awaiting ADJUST").clipped(max(0, inner.maxX - x)), x: x, y: y, style: .muted, clip: inner)
            } else if let a = row.lastAdjust {
                x = b.write(Format.clock(a.localBefore).fit(10) + " ", x: x, y: y, clip: inner)
                // An outlier (outside the tolerance: corrected, not averaged) is marked with `!`,
                // not by colour alone.
                x = b.write(Format.signed(a.estimatedOffset).fit(6) + (a.averaged ? " " : "!"), x: x, y: y, style: a.averaged ? .plain : .warn, clip: inner)
                x = b.write(Format.signed(a.delta).fit(6), x: x, y: y, style: .accent, clip: inner)
                if wide {
                    b.write(" " + Format.clock(row.reading, tenths: s.paused), x: x, y: y, style: .muted, clip: inner)
                }
            } else {
                x = b.write(Format.clock(row.reading, tenths: s.paused).fit(10) + " ", x: x, y: y, clip: inner)
                x = b.write(Format.signed(row.offset).fit(6) + " ", x: x, y: y, style: .muted, clip: inner)
                b.write("–".fit(6), x: x, y: y, style: .muted, clip: inner)
            }
            y += 1
        }
    }

    static func shortName(_ n: NodeID) -> String {
        switch n {
        case .teacher: "tchr"
        default: n.shortName
        }
    }

    static func statusGlyph(_ s: Snapshot.ClockStatus) -> (String, Style) {
        switch s {
        case .idle: ("·", .muted)
        case .polled: ("?", .warn)
        case .replied: ("↩", .accent)
        case .adjusted: ("✓", .good)
        }
    }

    static func isFocused(_ n: NodeID, _ focus: Int) -> Bool { n == .student(focus + 1) }

}
