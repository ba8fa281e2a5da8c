import ProctorEngine

/// Every flag of the detector, newest first: time, student, count and its consequence.
enum CheatingPane {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        let warned = s.exam.flags.filter { $0.count != nil }.count
        b.box(r, title: "Cheating monitor", footer: s.exam.flags.isEmpty ? nil : "\(warned) warning\(warned == 1 ? "" : "s")")
        let inner = r.inner
        if s.exam.startedAt == nil {
            Text.wrap("No exam running. During the exam (2), every flag appears here, newest first: time, student, warning count and its consequence.",
                      in: inner, style: .muted, into: &b)
            return
        }
        if s.exam.flags.isEmpty {
            Text.wrap("No flags yet. The detector on main flags random students still answering: 1 warning keeps 50%, 2 end the exam with 0.",
                      in: inner, style: .muted, into: &b)
            return
        }
        let compact = inner.width < 30
        for (j, f) in s.exam.flags.reversed().prefix(inner.height).enumerated() {
            let y = inner.y + j
            var x = b.write(Format.runTime(f.at) + " ", x: inner.x, y: y, style: .muted, clip: inner)
            x = b.write("S\(f.student) ", x: x, y: y, style: .title, clip: inner)
            switch f.count {
            case 1?: b.write(compact ? "⚠1 → 50%" : "warning 1 → 50%", x: x, y: y, style: .warn, clip: inner)
            case let c?: b.write(compact ? "⚠\(c) → ended" : "warning \(c) → ended", x: x, y: y, style: .bad, clip: inner)
            case nil: b.write(compact ? "flag dropped" : "flag dropped (submitted)", x: x, y: y, style: .muted, clip: inner)
            }
        }
    }
}

/// Ricart–Agrawala for the ISA marksheet: who is in the critical section, the requests
/// waiting in (ts, id) order, each student's deferred replies, the Lamport clocks, and the
/// message count beside 2(N−1) per entry. Then the chunk locks.
enum LocksPane {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        b.box(r, title: "Lock queues", footer: s.demo.startedAt != nil ? "read/write locks" : s.isa.startedAt == nil ? nil : "Ricart–Agrawala")
        let inner = r.inner
        guard inner.height > 0 else { return }
        var y = inner.y
        func line(_ label: String, _ text: String, _ style: Style = .plain) {
            guard y < inner.maxY else { return }
            let x = b.write(label, x: inner.x, y: y, style: .title, clip: inner)
            b.write(text, x: x, y: y, style: style, clip: inner)
            y += 1
        }
        /// A list cut at a whole item, with how many more there are, so a big class never
        /// shows half an entry.
        func list(_ label: String, _ items: [String], separator: String, _ style: Style) {
            line(label, items.isEmpty ? "–" : Format.fitting(items, separator: separator, width: inner.width - label.cellCount),
                 items.isEmpty ? .muted : style)
        }
        let isa = s.isa
        let wide = inner.width >= 36
        let pad = wide ? "   " : ""
        if s.demo.startedAt != nil {
            // The demo's read/write locks take the pane; the marksheet's queue is history.
            drawReadWrite(s, inner, y: &y, into: &b)
            line(wide ? "RA (ISA, done): " : "RA ", "\(isa.entries) entries, \(s.messageCounts[.ra, default: 0]) messages", .muted)
            return
        }
        if let h = isa.holder, case .inCS(_, let typed, _) = isa.status[h - 1] {
            line(wide ? "RA in CS: " : "RA CS ", "S\(h) typing \"\(typed)\"", .good)
        } else {
            line(wide ? "RA in CS: " : "RA CS ", "–", .muted)
        }
        let q = isa.queue
        list(pad + (wide ? "queue:  " : "q "), q.map { "(\($0.ts),S\($0.student))" }, separator: wide ? " " : "", .warn)
        // Who holds back replies to whom; a long list shows its first two and a count.
        let deferred = isa.ra.filter { !$0.deferred.isEmpty }.map { ra -> String in
            let to = ra.deferred.map { "S\($0)" }
            return "S\(ra.id)→" + (to.count > 3 ? to.prefix(2).joined(separator: ",") + ",+\(to.count - 2)" : to.joined(separator: ","))
        }
        list(pad + (wide ? "defers: " : "d "), deferred, separator: wide ? "  " : " ", .accent)
        // Ricart–Agrawala's weakness: a request needs every REPLY, so a peer that is down or
        // cut off holds up everyone who waits for it (its REPLY comes when it is back).
        for (peer, waiters) in LocksPane.heldUpBy(s) {
            let node = NodeID.student(peer)
            let why = s.downtime(node).map { "✗ down \(Format.downtime($0))" } ?? "cut off"
            let head = "S\(peer) \(why) → "
            let label = pad + (wide ? "owes:   " : "o ")
            let who = Format.fitting(waiters.map { "S\($0)" }, separator: ",", width: max(4, inner.width - label.cellCount - head.cellCount))
            line(label, head + who, .bad)
        }
        if isa.startedAt != nil {
            list(pad + (wide ? "Lamport " : "L "), isa.ra.map { "S\($0.id):\($0.clock)" }, separator: " ", .muted)
            let n = s.studentCount, msgs = s.messageCounts[.ra, default: 0]
            line(pad + (wide ? "msgs:   " : "m "), wide ? "\(msgs) sent; 2(N−1) = \(2 * (n - 1)) per entry, \(isa.entries) entered"
                                                      : "\(msgs); \(2 * (n - 1))/entry ×\(isa.entries)", .plain)
        }
        line("RW ", "chunk-1: –  chunk-2: –", .muted)
        if y + 1 < inner.maxY, isa.startedAt == nil {
            Text.wrap("Ricart–Agrawala requests (ISA, 3) and chunk read/write locks (demo, 5) queue here.",
                      in: Rect(x: inner.x, y: y + 1, width: inner.width, height: inner.maxY - y - 1), style: .muted, into: &b)
        }
    }

    /// Each chunk's read/write lock: its version, holders (✗ when down or cut off) and queue.
    static func drawReadWrite(_ s: Snapshot, _ inner: Rect, y: inout Int, into b: inout ScreenBuffer) {
        for (i, l) in s.demo.locks.enumerated() where y < inner.maxY {
            // A holder that is down or cut off keeps its lock (the others wait): marked ✗.
            let held = l.holders.map { h in
                "S\(h.node)(\(h.mode == .read ? "r" : "w"))" + (s.down[.student(h.node)] != nil || s.cutOff.contains(.student(h.node)) ? "✗" : "")
            }.joined(separator: " ")
            let waiting = l.waiting.map { "S\($0.node)(\($0.mode == .read ? "r" : "w"))" }.joined(separator: " ")
            let x = b.write("RW chunk-\(i + 1) v\(s.demo.versions[i]): ", x: inner.x, y: y, style: .title, clip: inner)
            b.write((held.isEmpty ? "free" : held) + (waiting.isEmpty ? "" : " ← " + waiting), x: x, y: y,
                    style: l.holders.contains { $0.mode == .write } ? .warn : held.isEmpty ? .muted : .good, clip: inner)
            y += 1
        }
    }
}

extension LocksPane {
    /// Each student that is down or cut off and owes a REPLY, with the students waiting for
    /// it, by student number.
    static func heldUpBy(_ s: Snapshot) -> [(peer: Int, waiters: [Int])] {
        guard s.isa.startedAt != nil else { return [] }
        // Only the few students down or cut off are looked up (not every pair of a class).
        let unreachable = (s.down.keys.compactMap { if case .student(let k) = $0 { k } else { nil } }
            + s.cutOff.compactMap { if case .student(let k) = $0 { k } else { nil } })
        guard !unreachable.isEmpty else { return [] }
        var owed: [Int: [Int]] = [:]
        for ra in s.isa.ra where ra.wanting {
            for p in Set(unreachable) where ra.awaits(p) { owed[p, default: []].append(ra.id) }
        }
        return owed.keys.sorted().map { ($0, owed[$0]!) }
    }
}

/// Main's slots and who fills them, the backup's overflow, and the redirects.
enum ServersPane {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        b.box(r, title: "Servers")
        let inner = r.inner
        guard inner.height > 0 else { return }
        let sv = s.servers
        let busy = sv.mainBusy.count
        let slots = String(repeating: "█", count: min(busy, sv.mainSlots)) + String(repeating: "░", count: max(0, sv.mainSlots - busy))
        var x = b.write("main   ", x: inner.x, y: inner.y, style: s.down[.main] != nil ? .muted : .title, clip: inner)
        if let d = s.downtime(.main) {
            x = b.write("✗ DOWN \(Format.downtime(d))", x: x, y: inner.y, style: .bad, clip: inner)
            b.write(" · \(sv.handledByMain) done" + (s.failovers > 0 ? " · \(s.failovers) failover" : ""), x: x, y: inner.y, style: .muted, clip: inner)
        } else {
            x = b.write(slots, x: x, y: inner.y, style: busy >= sv.mainSlots ? .bad : .good, clip: inner)
            x = b.write(" \(busy)/\(sv.mainSlots) " + (busy == 0 ? "idle" : busy >= sv.mainSlots ? "FULL" : "busy"), x: x, y: inner.y,
                        style: busy >= sv.mainSlots ? .bad : .plain, clip: inner)
            b.write(" · \(sv.handledByMain) done" + (s.failovers > 0 ? " · \(s.failovers) failover" : ""), x: x, y: inner.y, style: .muted, clip: inner)
        }
        guard inner.height > 1 else { return }
        x = b.write("backup ", x: inner.x, y: inner.y + 1, style: s.down[.backup] != nil ? .muted : .title, clip: inner)
        if let d = s.downtime(.backup) {
            b.write("✗ DOWN \(Format.downtime(d))", x: x, y: inner.y + 1, style: .bad, clip: inner)
        } else {
            x = b.write(String(repeating: "█", count: min(sv.backupBusy.count, 6)).fit(4), x: x, y: inner.y + 1, style: .warn, clip: inner)
            b.write("\(sv.backupBusy.count) now · \(sv.handledByBackup) done", x: x, y: inner.y + 1, clip: inner)
        }
        var y = inner.y + 2
        if s.replication.startedAt != nil {
            // The replicas: each one's version of each chunk, so convergence is visible.
            for r in 0..<s.replication.copies.count where y < inner.maxY {
                // Each copy's version, and where the pane is wide enough its file's short
                // SHA-256 (what replication_metadata.json records), so equal copies look equal.
                let shas = s.replication.sha256.indices.contains(r) ? s.replication.sha256[r] : []
                let chunks = s.replication.copies[r].count
                let withSHA = 7 + chunks * 10 + (chunks - 1) * 2 <= inner.width
                let cells = s.replication.copies[r].enumerated().map { c, copy in
                    "c\(c + 1) " + (copy.map { "v\($0.version)" } ?? "–")
                        + (withSHA && copy != nil && shas.indices.contains(c) ? " " + String((shas[c] ?? "").prefix(4)) : "")
                }
                var x = b.write("R\(r + 1)     ", x: inner.x, y: y, style: .title, clip: inner)
                if let d = s.downtime(.replica(r + 1)) { x = b.write("✗ \(Format.downtime(d)) ", x: x, y: y, style: .bad, clip: inner) }
                b.write(cells.joined(separator: "  "), x: x, y: y, style: s.down[.replica(r + 1)] != nil ? .muted
                        : s.replication.copies[r].allSatisfy { $0 != nil } ? .good : .warn, clip: inner)
                y += 1
            }
            serverLog(s, from: y, inner, into: &b)
            return
        }
        if y < inner.maxY, busy > 0 {
            b.write("main: " + sv.mainBusy.map(Format.name).joined(separator: " "), x: inner.x, y: y, style: .muted, clip: inner)
            y += 1
        }
        if y < inner.maxY {
            if s.exam.startedAt == nil {
                Text.wrap("Submissions arrive in the exam (2); main takes \(sv.mainSlots) at once, the rest overflow to backup.",
                          in: Rect(x: inner.x, y: y + 1, width: inner.width, height: inner.maxY - y - 1), style: .muted, into: &b)
                return
            }
            b.write("redirects: \(sv.redirects)", x: inner.x, y: y, style: sv.redirects > 0 ? .warn : .muted, clip: inner)
            y += 1
        }
        serverLog(s, from: y, inner, into: &b)
    }

    /// The servers' log, newest first, in the rows left: each submission as it was recorded
    /// (when the recording server began it, which server and why, the final mark, and the
    /// reason unless its countdown ran out) and each refusal of main's not yet recorded.
    private static func serverLog(_ s: Snapshot, from top: Int, _ inner: Rect, into b: inout ScreenBuffer) {
        guard top < inner.maxY else { return }
        // A refused submission is one line: "→ backup (main full)" from the moment main
        // refuses it, then with its reason and mark once the backup has recorded it.
        let refused = Set(s.exam.redirects.map(\.student))
        var lines: [(at: VirtualTime, text: String, style: Style)] = s.exam.redirects.compactMap { rd in
            s.exam.records.indices.contains(rd.student - 1) && s.exam.records[rd.student - 1] != nil ? nil
                : (rd.at, "S\(rd.student) → backup (main full)", .warn)
        }
        for r in s.exam.records.compactMap({ $0 }) {
            guard case .student(let k) = r.student else { continue }
            let route = r.server == .backup ? (refused.contains(k) ? "→ backup (main full)" : "→ backup (failover)") : "→ main"
            let why = r.reason == .timeout ? "" : " · \(r.reason.rawValue)"
            lines.append((r.started, "\(r.student.shortName) \(route) · \(r.final)\(why)", r.server == .backup ? .warn : .plain))
        }
        guard !lines.isEmpty else { return }
        lines.sort { $0.at > $1.at }
        var y = top
        if inner.maxY - y > 2 {
            b.write("log, newest first · final mark", x: inner.x, y: y, style: .muted, clip: inner)
            y += 1
        }
        for line in lines where y < inner.maxY {
            let x = b.write(Format.runTime(line.at) + " ", x: inner.x, y: y, style: .muted, clip: inner)
            b.write(line.text, x: x, y: y, style: line.style, clip: inner)
            y += 1
        }
    }
}

enum Text {
    /// `text` as it fits in `width` cells: whole, or cut after the last whole word that fits,
    /// with "…" — never in the middle of a word.
    static func fitWords(_ text: String, width: Int) -> String {
        guard text.cellCount > width else { return text }
        guard width > 1 else { return String(text.prefix(max(0, width))) }
        var out = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = out.isEmpty ? String(word) : out + " " + word
            if candidate.cellCount + 1 > width { break }
            out = candidate
        }
        if out.isEmpty { return text.clipped(width) }
        // A dangling separator reads badly before the ellipsis.
        while let last = out.last, [" ", "·", ";", ",", ":", "—", "("].contains(last) { out.removeLast() }
        return out + "…"
    }

    /// `text` word-wrapped to lines of at most `width` cells (a word longer than a line is cut).
    static func lines(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var out: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            let candidate = line.isEmpty ? String(word) : line + " " + word
            if candidate.cellCount > width && !line.isEmpty {
                out.append(line)
                line = String(word)
            } else {
                line = candidate
            }
        }
        if !line.isEmpty { out.append(line.clipped(width)) }
        return out
    }

    /// Word-wraps `text` into `r`, cutting what does not fit.
    static func wrap(_ text: String, in r: Rect, style: Style, into b: inout ScreenBuffer) {
        for (k, line) in lines(text, width: r.width).prefix(max(0, r.height)).enumerated() {
            b.write(line, x: r.x, y: r.y + k, style: style, clip: r)
        }
    }
}
