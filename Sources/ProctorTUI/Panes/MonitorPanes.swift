import ProctorEngine

/// Every flag of the detector, newest first: time, student, count and its consequence.
enum CheatingPane {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        let warned = s.exam.flags.filter { $0.count != nil }.count
        b.box(r, title: "Cheating monitor", footer: s.exam.flags.isEmpty ? nil : "\(warned) warning\(warned == 1 ? "" : "s")")
        let inner = r.inner
        if s.exam.startedAt == nil {
            Text.wrap(first: ["No exam running. During the exam (2), every flag appears here, newest first: time, student, warning count and its consequence.",
                              "No exam running. During the exam (2), each flag appears here, newest first.",
                              "Flags of the exam (2) appear here."], in: inner, style: .muted, into: &b)
            return
        }
        if s.exam.flags.isEmpty {
            Text.wrap(first: ["No flags yet. The detector on main flags random students still answering: 1 warning keeps 50%, 2 end the exam with 0.",
                              "No flags yet. 1 warning keeps 50% of the marks; 2 end the exam with 0.", "No flags yet."], in: inner, style: .muted, into: &b)
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
            if y < inner.maxY {
                let msgs = s.messageCounts[.ra, default: 0]
                b.write(first: ["RA (ISA, done): \(isa.entries) entries, \(msgs) messages", "RA (ISA): \(isa.entries) entries, \(msgs) msgs",
                                "RA \(isa.entries) entries, \(msgs) msgs"], x: inner.x, y: y, style: .muted, clip: inner, required: true)
                y += 1
            }
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
            if y < inner.maxY {
                let x = b.write(pad + (wide ? "msgs:   " : "m "), x: inner.x, y: y, style: .title, clip: inner)
                b.write(first: ["\(msgs) sent; 2(N−1) = \(2 * (n - 1)) per entry, \(isa.entries) entered", "\(msgs) sent; \(2 * (n - 1)) per entry, \(isa.entries) in",
                                "\(msgs); \(2 * (n - 1))/entry ×\(isa.entries)"], x: x, y: y, clip: inner, required: true)
                y += 1
            }
        }
        if y < inner.maxY {
            let x = b.write("RW ", x: inner.x, y: y, style: .title, clip: inner)
            b.write(first: ["chunk-1: –  chunk-2: –", "c1 –  c2 –"], x: x, y: y, style: .muted, clip: inner, required: true)
            y += 1
        }
        if y + 1 < inner.maxY, isa.startedAt == nil {
            Text.wrap(first: ["Ricart–Agrawala requests (ISA, 3) and chunk read/write locks (demo, 5) queue here.",
                              "ISA (3) and demo (5) locks queue here."],
                      in: Rect(x: inner.x, y: y + 1, width: inner.width, height: inner.maxY - y - 1), style: .muted, into: &b)
        }
    }

    /// Each chunk's read/write lock: its version, holders (✗ when down or cut off) and queue.
    static func drawReadWrite(_ s: Snapshot, _ inner: Rect, y: inout Int, into b: inout ScreenBuffer) {
        for (i, l) in s.demo.locks.enumerated() where y < inner.maxY {
            // A holder that is down or cut off keeps its lock (the others wait): marked ✗.
            let held = l.holders.map { h in
                "S\(h.node)(\(h.mode == .read ? "r" : "w"))" + (s.down[.student(h.node)] != nil || s.cutOff.contains(.student(h.node)) ? "✗" : "")
            }
            let waiting = l.waiting.map { "S\($0.node)(\($0.mode == .read ? "r" : "w"))" }
            let label = inner.width >= 36 ? "RW chunk-\(i + 1) v\(s.demo.versions[i]): " : "c\(i + 1) v\(s.demo.versions[i]) "
            let x = b.write(label, x: inner.x, y: y, style: .title, clip: inner)
            // Holders, then the queue after "←", each cut at a whole entry with a count.
            let room = inner.maxX - x
            let holders = held.isEmpty ? "free" : Format.fitting(held, separator: " ", width: waiting.isEmpty ? room : max(6, room * 3 / 5))
            let queue = waiting.isEmpty ? "" : " ← " + Format.fitting(waiting, separator: " ", width: max(2, room - holders.cellCount - 3))
            b.write(holders + queue, x: x, y: y,
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
        var lines: [(at: VirtualTime, text: [String], style: Style)] = s.exam.redirects.compactMap { rd in
            s.exam.records.indices.contains(rd.student - 1) && s.exam.records[rd.student - 1] != nil ? nil
                : (rd.at, ["S\(rd.student) → backup (main full)", "S\(rd.student) → backup (full)"], .warn)
        }
        for r in s.exam.records.compactMap({ $0 }) {
            guard case .student(let k) = r.student else { continue }
            let route = r.server == .backup ? (refused.contains(k) ? "→ backup (main full)" : "→ backup (failover)") : "→ main"
            let why = r.reason == .timeout ? "" : " · \(r.reason.rawValue)"
            let short = r.server == .backup ? (refused.contains(k) ? "→ backup (full)" : "→ backup (failover)") : "→ main"
            lines.append((r.started, [ "\(r.student.shortName) \(route) · \(r.final)\(why)", "\(r.student.shortName) \(short) · \(r.final)\(why)",
                                       "\(r.student.shortName) \(short) · \(r.final)"], r.server == .backup ? .warn : .plain))
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
            b.write(first: line.text, x: x, y: y, style: line.style, clip: inner, required: true)
            y += 1
        }
    }
}

extension String {
    /// Without the spaces and clause punctuation at its end (`, ` `; ` `: ` `. `).
    var droppingTrailingPunctuation: String {
        var s = self
        while s.last == " " || s.last == "." || s.last == "," || s.last == ";" || s.last == ":" { s.removeLast() }
        return s
    }
}

enum Text {
    /// `text` as it fits in `width` cells: whole, or cut after the last whole word that fits,
    /// with "…" — never in the middle of a word.
    /// `text` shortened to `width` by dropping its last clauses (after ". ", " — ", "; ",
    /// ": ", ", " or before " (", never inside parentheses) until it fits — the sentence's
    /// core survives whole — and only then cut at a word.
    /// With `keep`, a clause cut that leaves less than that share of `width` gives way to
    /// the word cut (a key's help keeps more words that way).
    static func shortened(_ text: String, width: Int, keep: Double = 0) -> String {
        var t = text
        while t.cellCount > width {
            var depth = 0, cut: String.Index?
            var i = t.startIndex
            while i < t.endIndex {
                let c = t[i]
                if c == "(" {
                    if depth == 0, i > t.startIndex, t[t.index(before: i)] == " " { cut = t.index(before: i) }
                    depth += 1
                } else if c == ")" {
                    depth = max(0, depth - 1)
                } else if depth == 0, [".", ";", ":", ","].contains(c) || c == "—" {
                    let next = t.index(after: i)
                    if next < t.endIndex, t[next] == " " { cut = c == "—" ? t.index(before: i) : i }
                }
                i = t.index(after: i)
            }
            guard let cut, cut > t.startIndex else { break }
            t = String(t[..<cut]).droppingTrailingPunctuation + "."
        }
        if t.cellCount < Int(Double(width) * keep) { return fitWords(text, width: width) }
        return t.cellCount <= width ? t : fitWords(t, width: width)
    }

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
        wrap(first: [text], in: r, style: style, into: &b)
    }

    /// Wraps the first of `options` (longest first) that fits `r` whole; when none does, the
    /// last, its final visible line ending in "…" after a whole word.
    static func wrap(first options: [String], in r: Rect, style: Style, into b: inout ScreenBuffer) {
        guard r.height > 0, r.width > 0, let last = options.last else { return }
        var shown = lines(last, width: r.width)
        if let fitting = options.lazy.map({ lines($0, width: r.width) }).first(where: { $0.count <= r.height }) {
            shown = fitting
        } else {
            let rest = shown[(r.height - 1)...].joined(separator: " ")
            shown = Array(shown.prefix(r.height - 1)) + [fitWords(rest + " …", width: r.width)]
            if shown[shown.count - 1].hasSuffix(" …") { shown[shown.count - 1] = String(shown[shown.count - 1].dropLast(2)) + "…" }
        }
        for (k, line) in shown.enumerated() { b.write(line, x: r.x, y: r.y + k, style: style, clip: r) }
    }
}
