import ProctorEngine

/// The fault menu (`f`): one key per fault, each with what to watch, from the key table's
/// fault-menu rows; a node that is down says so, and its key restarts it.
enum FaultMenu {
    static func draw(_ s: Snapshot, focus: Int, in screen: Rect, into b: inout ScreenBuffer) {
        let rows = KeyTable.bindings.filter { $0.group == .faultMenu && $0.actions.first != .toggleFaultMenu }
        let keyW = rows.map { $0.keyLabel.cellCount }.max() ?? 0
        let down = s.down.keys.sorted().map { "\($0.shortName) ✗ \(Format.downtime(s.now - s.down[$0]!))" }
        let student = "S\(focus + 1)"
        let lines = rows.map { $0.keyLabel.fit(keyW) + "  " + $0.help.replacing("the focused student", with: student) }
        let contentW = max(lines.map(\.cellCount).max() ?? 0, 40)
        let w = min(screen.width - 2, contentW + 4)
        let h = min(screen.height - 2, lines.count + 2 + (down.isEmpty ? 0 : 2))
        let r = Rect(x: screen.x + (screen.width - w) / 2, y: screen.y + (screen.height - h) / 2, width: w, height: h)
        b.fill(r)
        b.box(r, title: "Faults — now, in \((s.phase ?? .sync).rawValue)", style: .title, footer: "Esc closes")
        let inner = r.inner
        var y = inner.y
        for (row, line) in zip(rows, lines) where y < inner.maxY {
            let x = b.write(row.keyLabel.fit(keyW) + "  ", x: inner.x + 1, y: y, style: .accent, clip: inner)
            b.write(String(line.dropFirst(keyW + 2)), x: x, y: y, clip: inner)
            y += 1
        }
        if !down.isEmpty, y + 1 < inner.maxY {
            b.write("down: " + down.joined(separator: "  ") + " (its key restarts it)", x: inner.x + 1, y: y + 1, style: .bad, clip: inner)
        }
    }
}
