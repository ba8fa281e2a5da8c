import ProctorEngine

/// The space-time diagram (`g`): one lane per node, time flowing down, one row per event.
/// A message is a line from its send to its receive: across from the sender's lane on the
/// row it was sent (`●──REQUEST──┐`), then down the receiver's lane while in flight (`┊`),
/// to the receive (`◆`). Local events sit on their lane (`■ enter`, `■ +1.04s`). The message
/// the last step delivered — the newest receive — is drawn bold and reversed; after a step
/// back, the snapshot is the past, so the highlight moves back with it.
enum SpaceTimeDiagram {
    /// One row of the diagram: a send, a receive or a node's own event.
    struct Row {
        enum Kind { case send(Envelope), recv(Envelope), local(NodeID, String, Style), drop(Int) }
        var t: VirtualTime
        var kind: Kind
    }

    /// The lanes, left to right: the servers, the teacher, the students, the replicas.
    static func lanes(_ s: Snapshot) -> [NodeID] {
        [.main, .backup, .teacher] + (1...max(1, s.studentCount)).map { .student($0) }
            + (1...Snapshot.ReplicationView.replicaCount).map { .replica($0) }
    }

    /// The log's events the diagram shows, oldest first, without the hidden mechanisms.
    static func rows(_ s: Snapshot, hidden: Set<Mechanism>) -> [Row] {
        s.recentLog.compactMap { e -> Row? in
            func local(_ n: NodeID, _ m: Mechanism?, _ text: String, _ style: Style = .accent) -> Row? {
                if let m, hidden.contains(m) { return nil }
                return Row(t: e.t, kind: .local(n, text, style))
            }
            switch e.kind {
            case .send(let m): return hidden.contains(m.payload.mechanism) ? nil : Row(t: e.t, kind: .send(m))
            case .recv(let m, _): return hidden.contains(m.payload.mechanism) ? nil : Row(t: e.t, kind: .recv(m))
            case .clockAdjust(let n, _, let d): return local(n, .sync, Format.signed(d))
            case .csRequest(let n, let ts): return local(n, .ra, "want ts \(ts)")
            case .csEnter(let n): return local(n, .ra, "ENTER", .good)
            case .csExit(let n, _, let reason): return local(n, .ra, reason == .timeout ? "exit (timeout)" : "exit", .plain)
            case .warning(let n, let c): return local(n, .exam, "⚠\(c)", .warn)
            case .redirect(let n, _): return local(.main, .exam, "full: \(n.shortName)→backup", .warn)
            case .submit(let r): return local(r.server, .exam, "recorded \(r.student.shortName)", .good)
            case .replicaWrite(let r, let c, let v, _, _): return local(.replica(r), .replica, "c\(c) v\(v)", .good)
            case .lockAcquire(let n, let c, let m): return local(n, .lock, "holds c\(c) \(m == .read ? "r" : "w")", .good)
            case .lockRelease(let n, let c, _): return local(n, .lock, "frees c\(c)", .plain)
            case .fault(let kind, let n?, _, _, _): return local(n, nil, "✗ \(kind)", .bad)
            case .recover(let kind, let n?, _, _): return local(n, nil, "✓ \(kind)", .good)
            case .drop(let id, _): return Row(t: e.t, kind: .drop(id))
            default: return nil
            }
        }
    }

    static func draw(_ s: Snapshot, _ v: ViewState, focus: Int, in r: Rect, into b: inout ScreenBuffer) {
        let hiddenNames = Mechanism.allCases.filter { v.diagramHidden.contains($0) }.map(\.rawValue)
        let all = rows(s, hidden: v.diagramHidden)
        let back = min(max(0, v.diagramScroll), max(0, all.count - 1))
        let footer = (back > 0 ? "↑ \(back) back · ] newer · " : "") + (hiddenNames.isEmpty ? "s e r l c filter" : "hidden: " + hiddenNames.joined(separator: " "))
        b.fill(r)
        b.box(r, title: "Space-time diagram · \(all.count) events · g closes", style: .title, footer: footer)
        let inner = r.inner
        guard inner.height > 2, inner.width > 20 else { return }
        let timeW = 9
        let lanes = lanes(s)
        // Lanes as wide as the names and labels need, as many as fit; the focused student's
        // lane always among them.
        let laneW = max(6, min(14, (inner.width - timeW) / max(1, lanes.count)))
        // Room on the right for the count of lanes beyond it, when some are.
        let visible = lanes.count * laneW <= inner.width - timeW ? lanes.count : max(1, (inner.width - timeW - 4) / laneW)
        let focusLane = 3 + focus
        var first = min(v.diagramLane, max(0, lanes.count - visible))
        if focusLane < first { first = focusLane }
        if focusLane >= first + visible { first = focusLane - visible + 1 }
        let shown = Array(lanes[first..<min(lanes.count, first + visible)])
        var column: [NodeID: Int] = [:]
        for (i, n) in shown.enumerated() { column[n] = inner.x + timeW + i * laneW + laneW / 2 }
        let leftEdge = inner.x + timeW, rightEdge = inner.x + timeW + shown.count * laneW - 1

        // The lane names.
        for n in shown {
            let name = n == .teacher ? "tchr" : n.shortName
            let style: Style = n == .student(focus + 1) ? .selected : .title
            b.write(name, x: column[n]! - name.cellCount / 2, y: inner.y, style: style, clip: inner)
        }
        if first > 0 { b.write("◀\(first)", x: inner.x, y: inner.y, style: .muted, clip: inner) }
        if first + shown.count < lanes.count {
            let more = "\(lanes.count - first - shown.count)▶"
            b.write(more, x: inner.maxX - more.cellCount, y: inner.y, style: .muted, clip: inner)
        }

        let height = inner.height - 1
        let end = all.count - back
        let window = Array(all[max(0, end - height)..<end])
        let top = inner.y + 1
        // Lane lines.
        for y in top..<(top + height) { for n in shown { b.write("│", x: column[n]!, y: y, style: .border, clip: inner) } }
        guard !window.isEmpty else {
            b.write("Nothing delivered yet: press 1 (sync) and watch the messages cross.", x: inner.x + 1, y: top + 1, style: .muted, clip: inner)
            return
        }
        // Where each message of the window was sent and received (row index), by id.
        var sentAt: [Int: Int] = [:], receivedAt: [Int: Int] = [:]
        for (i, row) in window.enumerated() {
            switch row.kind {
            case .send(let m): sentAt[m.id] = i
            case .recv(let m): if receivedAt[m.id] == nil { receivedAt[m.id] = i }
            case .drop(let id): receivedAt[id] = receivedAt[id] ?? i
            default: break
            }
        }
        // The message the last step delivered: the newest receive shown.
        let highlight: Int? = window.last { if case .recv = $0.kind { true } else { false } }.flatMap {
            if case .recv(let m) = $0.kind { m.id } else { nil }
        }
        // Receives whose send is above the window: in flight from the top.
        var earlierSends: [Int: Envelope] = [:]
        for row in window { if case .recv(let m) = row.kind, sentAt[m.id] == nil { earlierSends[m.id] = m } }

        func x(_ n: NodeID) -> Int? { column[n] }
        // In flight: down the receiver's lane, from the send (or the top) to the receive (or the bottom).
        func flight(_ m: Envelope, from a: Int, to z: Int) {
            guard let cx = x(m.to), a + 1 < z else { return }
            let style: Style = m.id == highlight ? Style(.cyan, bold: true) : .muted
            for i in (a + 1)..<z { b.write("┊", x: cx, y: top + i, style: style, clip: inner) }
        }
        for (id, m) in earlierSends { flight(m, from: -1, to: receivedAt[id] ?? height) }
        for (i, row) in window.enumerated() {
            guard case .send(let m) = row.kind else { continue }
            flight(m, from: i, to: receivedAt[m.id] ?? window.count)
        }

        for (i, row) in window.enumerated() {
            let y = top + i
            b.write(Format.logTime(row.t).dropLast(2).description, x: inner.x, y: y, style: .muted, clip: inner)
            switch row.kind {
            case .send(let m):
                guard let from = x(m.from) else { continue }
                let hot = m.id == highlight
                // A receiver off the screen: the line runs to the edge on its side.
                let to = x(m.to) ?? ((lanes.firstIndex(of: m.to) ?? 0) < first ? leftEdge : rightEdge)
                let lo = min(from, to), hi = max(from, to)
                let style: Style = hot ? Style(.cyan, bold: true, reverse: true) : Style(.cyan)
                if hi > lo + 1 {
                    b.write(String(repeating: "─", count: hi - lo - 1), x: lo + 1, y: y, style: style, clip: inner)
                    let label = m.payload.kind
                    if label.cellCount <= hi - lo - 3 {
                        b.write(label, x: lo + 1 + (hi - lo - 1 - label.cellCount) / 2, y: y, style: hot ? style : .title, clip: inner)
                    }
                }
                if x(m.to) != nil { b.write(to > from ? "┐" : "┌", x: to, y: y, style: style, clip: inner) } else {
                    let off = to > from ? "→\(m.to.shortName)" : "\(m.to.shortName)←"
                    b.write(off, x: to > from ? min(to, inner.maxX - off.cellCount) : max(leftEdge, to), y: y, style: .muted, clip: inner)
                }
                b.write("●", x: from, y: y, style: hot ? style : Style(.cyan, bold: true), clip: inner)
            case .recv(let m):
                guard let at = x(m.to) else { continue }
                b.write("◆", x: at, y: y, style: m.id == highlight ? Style(.cyan, bold: true, reverse: true) : Style(.green, bold: true), clip: inner)
                if m.id == highlight {
                    let note = " \(m.payload.kind) from \(m.from.shortName)"
                    b.write(note, x: at + 1, y: y, style: Style(.cyan, bold: true), clip: Rect(x: inner.x, y: inner.y, width: min(inner.width, rightEdge + 1 - inner.x), height: inner.height))
                }
            case .local(let n, let text, let style):
                guard let at = x(n) else { continue }
                b.write("■", x: at, y: y, style: style, clip: inner)
                // The label in the lane's own room, up to the next lane's line.
                let room = laneW - 1
                b.write(room > 0 ? text.clipped(room) : "", x: at + 1, y: y, style: style, clip: inner)
            case .drop(let id):
                if let m = window.lazy.compactMap({ r -> Envelope? in if case .send(let e) = r.kind, e.id == id { e } else { nil } }).first ?? earlierSends[id],
                   let at = x(m.to) {
                    b.write("✗", x: at, y: y, style: .bad, clip: inner)
                }
            }
        }
    }
}
