import ProctorEngine

/// The top line: program, phase, run time, pace, seed, class size — and, on the right, the
/// keys of the current input mode, from the key table.
enum StatusBar {
    static func draw(_ s: Snapshot, _ r: Rect, mode: InputMode, into b: inout ScreenBuffer) {
        b.fill(r, style: .bar)
        let phase: String
        if s.phase == .done {
            phase = "DONE ✓"
        } else if let p = s.phase {
            let done = s.completed.contains(p) && (p != .sync || s.sync.round == nil)
            phase = "\(p.rawValue.uppercased()) \(p.number)/\(s.phaseCount)" + (done ? " ✓" : "")
        } else {
            phase = "READY 0/\(s.phaseCount)"
        }
        let pace = s.isInPast ? "◀ PAST \(s.position)/\(s.horizon)" : s.paused ? "⏸ PAUSED \(Format.speed(s.speed))" : "▶ \(Format.speed(s.speed))"
        var segments = [s.replaying ? " Proctor ⟲ REPLAY" : " Proctor", phase, "t \(Format.runTime(s.now))", pace, "seed \(s.seed)", "\(s.studentCount) students"]
        // Where the screen stands in the past matters most then: it goes first.
        if s.isInPast { segments.swapAt(1, 3) }
        if s.exam.startedAt != nil { segments.append("\(s.exam.recordedCount)/\(s.studentCount) submitted") }
        if s.messagesInFlight > 0 { segments.append("\(s.messagesInFlight) in flight") }
        let left = segments.joined(separator: " │ ")
        // A mode's own keys always show; the left part gives way to them on a narrow screen.
        let room = max(0, r.width - left.cellCount - 3)
        let hints = s.isInPast && mode == .normal ? KeyTable.pastHintBar(width: max(room, 34)) : KeyTable.hintBar(in: mode, width: room, paused: s.paused)
        let hintX = hints.isEmpty ? r.maxX : max(r.x, r.maxX - hints.cellCount - 1)
        let leftClip = Rect(x: r.x, y: r.y, width: hints.isEmpty ? r.width : max(0, hintX - 2 - r.x), height: 1)
        b.write(left.clipped(leftClip.width), x: r.x, y: r.y, style: .bar, clip: leftClip)
        if s.paused, let range = left.firstRange(of: "⏸ PAUSED") {
            let start = r.x + left[..<range.lowerBound].unicodeScalars.count
            b.restyle(Rect(x: start, y: r.y, width: min(8, max(0, leftClip.maxX - start)), height: 1), Style(.yellow, bold: true, reverse: true))
        }
        if !hints.isEmpty { b.write(hints + " ", x: hintX, y: r.y, style: .bar, clip: r) }
    }
}
