import ProctorEngine

/// One row per student: before the exam, its clock as synchronization sees it; during the
/// exam, the question, a countdown bar on the student's own clock, the last answer,
/// warnings and status. The focused student is marked, the one the operator plays too.
/// With the teacher's view on, the pane shows the results table instead.
enum StudentsPane {
    static func draw(_ s: Snapshot, _ r: Rect, focus: Int, teacherView: Bool, into b: inout ScreenBuffer) {
        let scrolled = s.studentCount > r.inner.height - 1
        b.box(r, title: teacherView ? "Teacher · results (v: students)" : "Students",
              footer: scrolled ? "\(focus + 1)/\(s.studentCount)" : nil)
        if teacherView {
            ResultsTable.draw(s, r.inner, focus: focus, into: &b)
            return
        }
        guard r.inner.height > 1 else { return }
        let nameW = min(10, max(4, (s.students.map { $0.name.cellCount }.max() ?? 4)))
        let headings = switch s.stage {
        case .consistency?, .done?: ["chunk · consistency demo (read/write locks)", "chunk · demo (read/write locks)", "chunk · demo"]
        case .isa?, .replication?: ["exam · ISA marksheet (Ricart–Agrawala)", "exam · ISA (Ricart–Agrawala)", "exam · ISA"]
        case .exam?: ["question · countdown on the student's clock · status", "question · countdown on its own clock", "question · countdown"]
        case .sync?, nil: ["clock"]
        }
        // `S1`…`S100`, then a space before the name however large the class.
        let idW = max(4, "S\(s.studentCount)".cellCount + 1)
        let headX = b.write(" " + "".fit(idW) + "name".fit(nameW) + "  ", x: r.inner.x, y: r.inner.y, style: Style(.gray, dim: true, underline: true), clip: r.inner)
        b.write(first: headings, x: headX, y: r.inner.y, style: Style(.gray, dim: true, underline: true), clip: r.inner, required: true)
        let inner = Rect(x: r.inner.x, y: r.inner.y + 1, width: r.inner.width, height: r.inner.height - 1)
        let start = min(max(0, focus - inner.height / 2), max(0, s.studentCount - inner.height))
        for (row, i) in (start..<min(s.studentCount, start + inner.height)).enumerated() {
            let y = inner.y + row
            let focused = i == focus
            // A student the operator plays keeps the row's last cells for its "◆ you" ("◆" on
            // a narrow pane).
            let mark = inner.width >= 60 ? "◆ you" : "◆"
            let inner = s.exam.operated[i] ? Rect(x: inner.x, y: inner.y, width: inner.width - mark.cellCount - 1, height: inner.height) : inner
            var x = b.write(focused ? "▸" : " ", x: inner.x, y: y, style: .accent, clip: inner)
            x = b.write("S\(i + 1)".fit(idW) + s.students[i].name.fit(nameW) + " ", x: x, y: y, style: focused ? .selected : .title, clip: inner)
            x += 1
            if let d = s.downtime(.student(i + 1)) {
                // A crashed student: greyed, with its downtime; it receives nothing meanwhile.
                x = b.write("✗ down \(Format.downtime(d))  ", x: x, y: y, style: .bad, clip: inner)
            }
            switch s.stage {
            case .consistency?, .done?:
                x = demoStatus(s, i, x: x, y: y, clip: inner, into: &b)
            case .isa?, .replication?:
                x = isaStatus(s, i, x: x, y: y, clip: inner, into: &b)
            case .sync?, nil:
                let row = s.clockRow(ofStudent: i + 1)
                let (text, style) = clockStatus(row)
                x = b.write(text, x: x, y: y, style: style, clip: inner)
                // The clock as it reads now, adjusted (the clocks pane has room for it only on
                // a very wide screen).
                let now = "  reads \(Format.clock(row.reading, tenths: s.paused))"
                if x + now.cellCount <= inner.maxX { x = b.write(now, x: x, y: y, clip: inner) }
                let tail = "  waiting for the exam"
                if x + tail.cellCount <= inner.maxX { x = b.write(tail, x: x, y: y, style: .muted, clip: inner) }
            case .exam?:
                x = examStatus(s, i, x: x, y: y, clip: inner, into: &b)
            }
            if s.exam.operated[i] {
                b.write(mark, x: inner.maxX + 1, y: y, style: Style(.magenta, bold: true), clip: r.inner)
            }
        }
    }

    /// Draws the exam part of a row; returns the column after it.
    static func examStatus(_ s: Snapshot, _ i: Int, x: Int, y: Int, clip: Rect, into b: inout ScreenBuffer) -> Int {
        let session = s.exam.sessions[i]
        let n = session.questionCount
        var x = x
        if let rec = s.exam.records[i] {
            let room = clip.maxX - x
            if rec.reason == .terminated {
                let full = "✗ TERMINATED — 2 warnings, marks 0 (via \(rec.server))"
                return b.write(full.cellCount <= room ? full : "✗ TERMINATED, 0", x: x, y: y, style: .bad, clip: clip)
            }
            let full = "✓ submitted (\(rec.reason.rawValue)) via \(rec.server) — \(rec.final)"
            let warn = rec.warnings > 0 ? "  ⚠1: 50% of \(rec.raw)" : ""
            if full.cellCount + warn.cellCount <= room {
                x = b.write(full, x: x, y: y, style: .good, clip: clip)
                return b.write(warn, x: x, y: y, style: .warn, clip: clip)
            }
            x = b.write("✓ \(rec.final) (\(rec.reason.rawValue), \(rec.server))", x: x, y: y, style: .good, clip: clip)
            return rec.warnings > 0 ? b.write(" ⚠1", x: x, y: y, style: .warn, clip: clip) : x
        }
        switch session.state {
        case .waiting:
            return b.write("exam starting…", x: x, y: y, style: .muted, clip: clip)
        case .answering(let q, let deadline):
            let left = deadline - s.localTime(ofStudent: i + 1)
            let secs = max(0, Int((left.microseconds + 999_999) / 1_000_000))
            let total = max(1, s.exam.secondsPerQuestion)
            let barW = 12
            let filled = min(barW, max(0, Int((Double(left.microseconds) / Double(total * 1_000_000) * Double(barW)).rounded(.up))))
            x = b.write("Q\(q)/\(n)".fit("Q\(n)/\(n)".count + 1), x: x, y: y, clip: clip)
            x = b.write(String(repeating: "█", count: filled), x: x, y: y, style: secs <= 5 ? .bad : .good, clip: clip)
            x = b.write(String(repeating: "░", count: barW - filled), x: x, y: y, style: .muted, clip: clip)
            x = b.write(" " + "\(secs)s".fit(4), x: x, y: y, style: secs <= 5 ? .bad : .plain, clip: clip)
            if session.answeredAll {
                // The last answer does not submit: the countdown's end does, or s.
                x = b.write(" ✓ " + (session.answers[q - 1].map(Format.answerLetter) ?? "–"), x: x, y: y, style: .accent, clip: clip)
                x = b.write(first: s.exam.operated[i] ? [" · submits at 0s, or s now", " · s submits now"] : [" · submits when the countdown ends", " · submits at 0s"],
                            x: x, y: y, style: .muted, clip: clip)
            } else if s.exam.operated[i] {
                x = b.write(first: [" a–d answers, s submits", " a–d · s"], x: x, y: y, style: .muted, clip: clip)
            }
        case .between(let q):
            x = b.write("Q\(q)/\(n)".fit("Q\(n)/\(n)".count + 1), x: x, y: y, clip: clip)
            if session.expired[q - 1] {
                x = b.write("✗ expired", x: x, y: y, style: .warn, clip: clip)
            } else {
                x = b.write("✓ " + (session.answers[q - 1].map(Format.answerLetter) ?? "–"), x: x, y: y, style: .accent, clip: clip)
            }
            if q < n { x = b.write(first: [" · Q\(q + 1) opens on main's schedule", " · Q\(q + 1) next"], x: x, y: y, style: .muted, clip: clip) }
        case .submitted(.terminated):
            // The second warning ended it: the caption and the marks say 0; so does the row.
            return b.write(first: ["⧗ TERMINATED (⚠\(session.warnings), 0 marks), awaiting ACK", "⧗ TERMINATED, 0 marks", "⧗ TERMINATED"],
                           x: x, y: y, style: .bad, clip: clip, required: true)
        case .submitted(let reason):
            x = b.write(first: ["⧗ submitted (\(reason.rawValue)), awaiting ACK", "⧗ submitted (\(reason.rawValue))", "⧗ submitted"],
                        x: x, y: y, style: .accent, clip: clip, required: true)
        case .recorded:
            break
        }
        if session.warnings > 0 { x = b.write(first: [" ⚠\(session.warnings) (50%)", " ⚠\(session.warnings)"], x: x, y: y, style: .warn, clip: clip) }
        return x
    }

    /// The ISA part of a row: waiting for k of N−1 replies · in critical section · done.
    static func isaStatus(_ s: Snapshot, _ i: Int, x: Int, y: Int, clip: Rect, into b: inout ScreenBuffer) -> Int {
        var x = x
        if let rec = s.exam.records[i] {
            x = b.write((rec.reason == .terminated ? "✗ 0" : "✓ \(rec.final)").fit(5), x: x, y: y, style: rec.reason == .terminated ? .bad : .muted, clip: clip)
        }
        let operated = s.exam.operated[i]
        let peers = max(0, s.studentCount - 1)
        /// The full text when it fits, else the short one, else the shortest.
        func put(_ full: String, _ short: String, _ shortest: String? = nil, style: Style) -> Int {
            b.write(first: [full, short] + (shortest.map { [$0] } ?? []), x: x, y: y, style: style, clip: clip, required: true)
        }
        switch s.isa.status[i] {
        case .notRequested:
            return operated ? put("ISA: press i to ask for the marksheet", "ISA: press i", style: .muted) : put("ISA: not asked yet", "ISA: –", style: .muted)
        case .waiting:
            let got = s.isa.ra[i].replies
            let ts = s.isa.ra[i].requestTimestamp ?? 0
            return put("ISA: waiting for \(peers - got) of \(peers) replies (ts \(ts))", "ISA: waits \(peers - got)/\(peers) (ts \(ts))", "waits \(peers - got)/\(peers)", style: .warn)
        case .inCS(_, let typed, _):
            if operated {
                // The range up front, not only after a wrong entry.
                x = b.write("ISA mark (0–\(s.isa.maxMark)): ", x: x, y: y, style: .good, clip: clip)
                x = b.write(typed + "▁", x: x, y: y, style: Style(.green, bold: true, reverse: true), clip: clip)
                let limit = "\(Int(s.isa.holdLimit.seconds)) s limit"
                return b.write(first: ["  digits, Enter, Esc · " + limit, "  Enter, Esc · " + limit, "  " + limit], x: x, y: y, style: .muted, clip: clip)
            }
            return put("ISA: in critical section, typing \"\(typed)\"", "ISA: IN CS \"\(typed)\"", style: .good)
        case .done(let v, let reason):
            let mark = v.map(String.init) ?? "none"
            return put("ISA: done " + mark + (reason == .timeout ? " (hold timed out)" : ""),
                       "ISA: " + mark + (reason == .timeout ? " (timeout)" : ""), "ISA: " + mark, style: reason == .timeout ? .warn : .plain)
        }
    }

    /// The demo part of a row: prompt · please wait (held by …) · reading · writing · exited.
    static func demoStatus(_ s: Snapshot, _ i: Int, x: Int, y: Int, clip: Rect, into b: inout ScreenBuffer) -> Int {
        let k = i + 1
        let chunk = s.studentViews[i].chunk
        var x = b.write("c\(chunk)  ", x: x, y: y, style: .muted, clip: clip)
        let operated = s.exam.operated[i]
        switch s.demo.activity[i] {
        case .choosing:
            return b.write(first: operated ? ["Read / Write / Exit? (r · w · x)", "r · w · x?"] : ["choosing Read / Write / Exit…", "choosing…"],
                           x: x, y: y, style: operated ? .accent : .muted, clip: clip, required: true)
        case .typing(let t):
            x = b.write("new ISA mark: ", x: x, y: y, style: .accent, clip: clip)
            x = b.write(t + "▁", x: x, y: y, style: Style(.cyan, bold: true, reverse: true), clip: clip)
            return b.write(first: ["  digits, Enter, Esc", "  Enter, Esc"], x: x, y: y, style: .muted, clip: clip)
        case .idle:
            return b.write("—", x: x, y: y, style: .muted, clip: clip)
        case .waiting(let mode, _):
            return b.write(first: [waitText(s.demo.locks[chunk - 1], student: k, mode: mode), waitText(s.demo.locks[chunk - 1], student: k, mode: mode, short: true)],
                           x: x, y: y, style: .warn, clip: clip, required: true)
        case .reading(let r, let value, let version):
            if let value, let version {
                x = b.write("read R\(r): ISA \(value.map(String.init) ?? "none") (v\(version))", x: x, y: y, style: .good, clip: clip)
                return b.write(first: [" · holds the read lock a moment more", " · read lock held"], x: x, y: y, style: .muted, clip: clip)
            }
            return b.write("reading R\(r)…", x: x, y: y, style: .good, clip: clip)
        case .writing(let value, let version, let acks):
            let of = "\(acks)/\(Snapshot.ReplicationView.replicaCount)"
            return b.write(first: ["writing \(value) → v\(version) (\(of) replicas)", "writing \(value) → v\(version) (\(of))"], x: x, y: y, style: .warn, clip: clip, required: true)
        case .exited:
            return b.write("exited · ISA \(s.results[i].isa.map(String.init) ?? "none")", x: x, y: y, style: .muted, clip: clip)
        }
    }

    /// Why a student waits for its chunk's lock, as main's lock table has it: its LOCK not yet
    /// arrived; the holders that exclude it (a writer excludes everyone, readers exclude a
    /// writer); or, with none, the requests ahead of it (granted in arrival order).
    /// `short`: the same in fewer cells (`wait: S2(r) S3(r)`), for a narrow row.
    static func waitText(_ lock: ReadWriteLock, student k: Int, mode: ReadWriteLock.Mode, short: Bool = false) -> String {
        func name(_ r: ReadWriteLock.Request) -> String { short ? "S\(r.node)(\(r.mode == .read ? "r" : "w"))" : "S\(r.node) (\(r.mode.rawValue))" }
        let sep = short ? " " : ", "
        guard let place = lock.waiting.firstIndex(where: { $0.node == k }) else {
            return short ? "LOCK (\(mode.rawValue)) in transit…" : "LOCK (\(mode.rawValue)) on its way to main…"
        }
        let blocking = lock.holders.filter { $0.node != k && (mode == .write || $0.mode == .write) }
        if !blocking.isEmpty { return (short ? "wait: held by " : "Please wait — held by ") + blocking.map(name).joined(separator: sep) }
        let ahead = lock.waiting[..<place]
        if ahead.isEmpty { return short ? "wait: queued" : "Please wait — queued for \(mode.rawValue)" }
        return (short ? "wait: behind " : "Please wait — queued behind ") + ahead.map(name).joined(separator: sep)
    }

    static func clockStatus(_ c: Snapshot.ClockRow) -> (String, Style) {
        switch c.status {
        case .polled: return ("clock polled by main…", .warn)
        case .replied: return ("clock read, awaiting ADJUST", .accent)
        case .adjusted, .idle:
            if let a = c.lastAdjust { return ("clock adjusted \(Format.signed(a.delta))", .good) }
            return ("clock \(Format.signed(c.offset)) off true time", .plain)
        }
    }
}

/// The teacher's results table: the rows of results.xlsx.
enum ResultsTable {
    static func draw(_ s: Snapshot, _ r: Rect, focus: Int, into b: inout ScreenBuffer) {
        guard r.height > 0 else { return }
        var nameW = min(12, max(4, (s.students.map { $0.name.cellCount }.max() ?? 4)))
        // The columns of results.xlsx; a narrow pane gets them tighter (`W`, `Fin`, `sub`,
        // `bkup`) and the names shorter, so the ISA column is never cut off.
        let widths = [6, 5, 5, 6, 11, 7, 3], tight = [4, 4, 2, 4, 5, 5, 3]
        let compact = 1 + widths.reduce(0, +) + nameW + 1 > r.width
        let w = compact ? tight : widths
        if compact { nameW = max(4, min(nameW, r.width - 1 - tight.reduce(0, +) - 1)) }
        func line(_ cols: [String]) -> String {
            cols[0].fit(w[0]) + cols[1].fit(nameW) + " " + cols[2].fit(w[1]) + cols[3].fit(w[2]) + cols[4].fit(w[3]) + cols[5].fit(w[4]) + cols[6].fit(w[5]) + cols[7]
        }
        let header = compact ? ["Roll", "Name", "MCQ", "W", "Fin", "State", "Srv", "ISA"]
                             : ResultsWorkbook.header.map { $0 == "Warnings" ? "Warn" : $0 }
        b.write(line(header), x: r.x + 1, y: r.y, style: Style(bold: true, underline: true), clip: r)
        let rows = r.height - 1
        let start = min(max(0, focus - rows / 2), max(0, s.results.count - rows))
        for (j, row) in s.results[start..<min(s.results.count, start + rows)].enumerated() {
            let num = { (v: Int?) in v.map(String.init) ?? "–" }
            let style: Style = row.status == .terminated ? .bad : row.status == .submitted ? .plain : .muted
            let status = compact ? ["submitted": "sub", "terminated": "term", "pending": "–"][row.status.rawValue] ?? row.status.rawValue : row.status.rawValue
            let server = compact ? (row.server.map { $0 == .backup ? "bkup" : $0.description } ?? "–") : row.server?.description ?? "–"
            b.write(line([String(row.roll), row.name, num(row.mcq), String(row.warnings), num(row.final), status, server, num(row.isa)]),
                    x: r.x + 1, y: r.y + 1 + j, style: start + j == focus ? .selected : style, clip: r)
        }
    }
}
