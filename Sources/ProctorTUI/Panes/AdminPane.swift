import ProctorEngine

/// The admin console: the five phase keys and where each phase stands.
enum AdminPane {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        b.box(r, title: "Admin")
        let inner = r.inner
        for (i, p) in Phase.walkthrough.enumerated() where i < inner.height {
            let y = inner.y + i
            let running = s.phase == p && (p == .sync ? s.sync.round != nil : !s.completed.contains(p))
            let (mark, style): (String, Style)
            if running { (mark, style) = ("● live", .warn) }
            else if s.completed.contains(p) { (mark, style) = (p == .sync ? "✓ ×\(s.sync.roundsCompleted)" : "✓", .good) }
            else if s.nextPhase == p { (mark, style) = ("◂ next", .accent) }
            else { (mark, style) = ("", .plain) }
            let x = b.write("\(p.key.map(String.init) ?? " ") ", x: inner.x, y: y, style: .title, clip: inner)
            b.write(p.title, x: x, y: y, clip: inner)
            b.write(mark, x: inner.maxX - mark.cellCount, y: y, style: style, clip: inner)
        }
    }
}
