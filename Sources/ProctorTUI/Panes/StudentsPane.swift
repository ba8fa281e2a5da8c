import ProctorEngine

/// One row per student. Until the exam phase exists, each row shows the student's clock as
/// the synchronization sees it; the focused student is marked.
enum StudentsPane {
    static func draw(_ s: Snapshot, _ r: Rect, focus: Int, into b: inout ScreenBuffer) {
        b.box(r, title: "Students", footer: s.studentCount > r.inner.height ? "\(focus + 1)/\(s.studentCount)" : nil)
        let inner = r.inner
        guard inner.height > 0 else { return }
        let start = min(max(0, focus - inner.height / 2), max(0, s.studentCount - inner.height))
        let nameW = min(10, max(4, (s.students.map { $0.name.cellCount }.max() ?? 4)))
        for (row, i) in (start..<min(s.studentCount, start + inner.height)).enumerated() {
            let y = inner.y + row
            let st = s.students[i]
            let focused = i == focus
            let label = "S\(i + 1)".fit(4) + st.name.fit(nameW) + " "
            var x = b.write(focused ? "▸" : " ", x: inner.x, y: y, style: .accent, clip: inner)
            x = b.write(label, x: x, y: y, style: focused ? .selected : .title, clip: inner)
            let clock = s.clocks.first { $0.node == .student(i + 1) }
            let (text, style) = clockStatus(clock, syncing: s.sync.round != nil)
            x = b.write(text, x: x + 1, y: y, style: style, clip: inner)
            let tail = "  waiting for the exam"
            if x + tail.cellCount <= inner.maxX { b.write(tail, x: x, y: y, style: .muted, clip: inner) }
        }
    }

    static func clockStatus(_ c: Snapshot.ClockRow?, syncing: Bool) -> (String, Style) {
        guard let c else { return ("", .plain) }
        switch c.status {
        case .polled: return ("clock polled by main…", .warn)
        case .replied: return ("clock read, awaiting ADJUST", .accent)
        case .adjusted:
            if let a = c.lastAdjust { return ("clock adjusted \(Format.signed(a.delta))", .good) }
            return ("clock adjusted", .good)
        case .idle:
            if let a = c.lastAdjust { return ("clock adjusted \(Format.signed(a.delta))", .good) }
            return ("clock \(Format.signed(c.offset)) off true time", .plain)
        }
    }
}
