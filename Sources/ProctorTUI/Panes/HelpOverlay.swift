/// The key help, generated from the key table.
enum HelpOverlay {
    static func lines() -> [(keys: String, help: String)] {
        KeyTable.bindings.map { ($0.keyLabel, $0.help) }
    }

    static func draw(in screen: Rect, into b: inout ScreenBuffer) {
        let rows = lines()
        let keyW = rows.map { $0.keys.cellCount }.max() ?? 0
        let contentW = keyW + 2 + (rows.map { $0.help.cellCount }.max() ?? 0)
        let w = min(screen.width - 2, contentW + 4)
        let h = min(screen.height - 2, rows.count + 5)
        let r = Rect(x: screen.x + (screen.width - w) / 2, y: screen.y + (screen.height - h) / 2, width: w, height: h)
        b.fill(r)
        b.box(r, title: "Keys", style: .title, footer: "? or Esc closes")
        let inner = r.inner
        var y = inner.y
        for row in rows where y < inner.maxY - 2 {
            let x = b.write(row.keys.fit(keyW) + "  ", x: inner.x + 1, y: y, style: .warn, clip: inner)
            b.write(row.help, x: x, y: y, clip: inner)
            y += 1
        }
        if y + 1 < inner.maxY {
            b.write("A phase key pressed out of order says what must happen first.", x: inner.x + 1, y: y + 1, style: .muted, clip: inner)
        }
    }
}
