import ProctorEngine

/// The top line: program, phase, run time, pace, seed, class size — and key hints from the
/// key table on the right.
enum StatusBar {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        b.fill(r, style: .bar)
        let phase: String
        if s.phase == .done {
            phase = "DONE ✓"
        } else if let p = s.phase {
            let done = s.completed.contains(p) && (p != .sync || s.sync.round == nil)
            phase = "\(p.rawValue.uppercased()) \(p.number)/5" + (done ? " ✓" : "")
        } else {
            phase = "READY 0/5"
        }
        let pace = s.paused ? "⏸ PAUSED \(Format.speed(s.speed))" : "▶ \(Format.speed(s.speed))"
        var segments = [s.replaying ? " Proctor ⟲ REPLAY" : " Proctor", phase, "t \(Format.runTime(s.now))", pace, "seed \(s.seed)", "\(s.studentCount) students"]
        if s.exam.startedAt != nil { segments.append("\(s.exam.recordedCount)/\(s.studentCount) submitted") }
        if s.messagesInFlight > 0 { segments.append("\(s.messagesInFlight) in flight") }
        let left = segments.joined(separator: " │ ")
        var x = b.write(left, x: r.x, y: r.y, style: .bar, clip: r)
        if s.paused, let range = left.firstRange(of: "⏸ PAUSED") {
            let start = r.x + left[..<range.lowerBound].unicodeScalars.count
            b.restyle(Rect(x: start, y: r.y, width: 8, height: 1), Style(.yellow, bold: true, reverse: true))
        }
        x += 2
        // Hints, most important first, as many as fit; drawn right-aligned in table order.
        let candidates = KeyTable.bindings.filter { $0.hint != nil }.sorted { $0.hintRank < $1.hintRank }
        var chosen: [KeyBinding] = []
        var width = 0
        for c in candidates {
            let w = c.hintText!.cellCount + 2
            if x + width + w > r.maxX { break }
            chosen.append(c)
            width += w
        }
        let hints = KeyTable.bindings.filter { b in chosen.contains { $0.keyLabel == b.keyLabel } }
            .compactMap(\.hintText).joined(separator: "  ")
        if !hints.isEmpty { b.write(hints + " ", x: r.maxX - hints.cellCount - 1, y: r.y, style: .bar, clip: r) }
    }
}
