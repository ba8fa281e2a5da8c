import ProctorEngine

/// The fault menu (`f`): one key per fault, each with what to watch, from the key table's
/// fault-menu rows; a node that is down says so, and its key restarts it.
enum FaultMenu {
    static func draw(_ s: Snapshot, focus: Int, in screen: Rect, into b: inout ScreenBuffer) {
        let rows = KeyTable.bindings.filter { $0.group == .faultMenu && $0.actions.first != .toggleFaultMenu }
        let keyW = rows.map { $0.keyLabel.cellCount }.max() ?? 0
        let down = s.down.keys.sorted().map { "\($0.shortName) ✗ \(Format.downtime(s.now - s.down[$0]!))" }
        let student = "S\(focus + 1)"
        let phase = s.phase ?? .sync
        let lines = rows.map { row in
            let what = row.help.split(separator: " — ", maxSplits: 1).first.map(String.init) ?? row.help
            let watch = row.actions.first.flatMap { watchText($0, in: phase) }
            let help = watch.map { what + " — " + $0 } ?? row.help
            return row.keyLabel.fit(keyW) + "  " + help.replacing("the focused student", with: student)
        }
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
            b.write(Text.shortened(String(line.dropFirst(keyW + 2)), width: inner.maxX - x), x: x, y: y, clip: inner)
            y += 1
        }
        if !down.isEmpty, y + 1 < inner.maxY {
            b.write("down: " + down.joined(separator: "  ") + " (its key restarts it)", x: inner.x + 1, y: y + 1, style: .bad, clip: inner)
        }
    }

    /// What to watch when the fault strikes in `phase` (nil: the key table's general line).
    static func watchText(_ action: UIAction, in phase: Phase) -> String? {
        guard case .fault(let choice) = action else { return nil }
        switch (choice, phase) {
        case (.crash(.main), .sync): return "the round dies with it; back, it polls again"
        case (.crash(.main), .isa): return "the marks sent to it are lost; students send them again when it is back"
        case (.crash(.main), .replication): return "its STOREs stop; back, it resends every copy not confirmed"
        case (.crash(.main), .consistency): return "its lock table survives; LOCKs and UNLOCKs lost meanwhile go again when it is back"
        case (.crash(.backup), .exam): return nil
        case (.crash(.backup), _): return "idle now: it only takes the exam's overflow"
        case (.crash(.replica), .replication), (.crash(.replica), .consistency): return nil
        case (.crash(.replica), _): return "nothing stored yet: copies come in the replicas phase (4)"
        case (.crash(.teacher), .sync): return "the round waits 5 s for its REPLY, then goes on without it"
        case (.crash(.teacher), _): return "it takes part only in sync rounds"
        case (.crashStudent, .sync): return "no REPLY: after 5 s the round leaves it out"
        case (.crashStudent, .exam): return "its countdown stops; back, it asks main for the open question, answers kept"
        case (.crashStudent, .isa): return "the others wait for its REPLY until it is back (RA needs every REPLY)"
        case (.crashStudent, .consistency): return "a lock it holds stays held until it is back; then it carries on"
        case (.dropLink, .sync): return "its REPLY is lost: the round leaves it out after 5 s"
        case (.dropLink, .isa): return "its mark to main is lost, and sent again when the link is back"
        case (.dropLink, .consistency): return "a LOCK or UNLOCK lost is sent again when the link is back"
        case (.partition, .isa): return "its REQUESTs and REPLYs are lost: others may wait; resent when it heals"
        case (.partition, .consistency): return "its lock traffic is lost, resent when it heals; a lock it holds waits"
        default: return nil
        }
    }
}
