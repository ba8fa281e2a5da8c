import ProctorEngine

/// The taken-over student's own screen, as the exam portal shows it to the student: in the
/// exam the question, its options with the chosen one marked, the countdown on the student's
/// own clock, warnings, and after submission the marks and the server that recorded them; in
/// ISA the mark prompt with its range and the Ricart–Agrawala state; in the demo the prompt,
/// the value and version read, and whom it waits for.
enum StudentScreen {
    static func draw(_ s: Snapshot, student i: Int, _ r: Rect, into b: inout ScreenBuffer) {
        let v = s.studentViews[i], who = s.students[i]
        let played = s.exam.operated.indices.contains(i) && s.exam.operated[i]
        // A pane too short for the question, its options and a header line carries the header
        // (question k of n, time left) in its title instead.
        let tight = examIsOn(s) && examHeader(s, i, v.exam, width: .max) != nil
            && r.inner.height < 1 + (v.exam.warnings == 1 ? 1 : 0) + questionLines(s, v.exam, width: r.inner.width) + 2
        let header = tight ? examHeader(s, i, v.exam, width: r.width - 14 - who.name.cellCount) : nil
        b.box(r, title: header.map { "S\(i + 1) \(who.name) · \($0.text)" } ?? "S\(i + 1) \(who.name)'s screen · roll \(who.roll)",
              titleStyle: header.map { $0.style == .plain ? Style(.cyan, bold: true) : $0.style } ?? Style(.cyan, bold: true),
              footer: played ? "you play S\(i + 1) · t hands it back" : "simulated · e: the monitors")
        let inner = r.inner
        guard inner.height > 0, inner.width > 4 else { return }
        var y = inner.y
        func line(_ text: String, _ style: Style = .plain, indent: Int = 0) {
            guard y < inner.maxY else { return }
            // Too long for the pane: its last clauses go first, so what is left is whole.
            b.write(Text.shortened(text, width: inner.width - indent), x: inner.x + indent, y: y, style: style, clip: inner)
            y += 1
        }
        func wrapped(_ text: String, _ style: Style = .plain, indent: Int = 0) {
            for l in Text.lines(text, width: inner.width - indent) { line(l, style, indent: indent) }
        }
        switch s.stage {
        case .isa?:
            isa(s, i, v, played: played, line: line, wrapped: wrapped)
        case .replication?, .consistency?, .done?:
            if s.demo.startedAt != nil { demo(s, i, v, line: line, wrapped: wrapped) } else { isa(s, i, v, played: played, line: line, wrapped: wrapped) }
        default:
            exam(s, i, v.exam, played: played, header: !tight, height: inner.height, width: inner.width, line: line, wrapped: wrapped)
        }
    }

    private static func examIsOn(_ s: Snapshot) -> Bool {
        switch s.stage { case .isa?, .replication?, .consistency?, .done?: false
                         default: true }
    }

    private static func questionLines(_ s: Snapshot, _ e: ExamSession, width: Int) -> Int {
        switch e.state {
        case .answering(let q, _), .between(let q):
            let question = s.exam.questions[max(0, min(q, s.exam.questions.count) - 1)]
            return Text.lines(question.text, width: width - 2).count
        default: return 0
        }
    }

    /// The exam's header: question k of n and the time left on the student's clock (or
    /// whether it was answered), fitted to `width`; nil outside a question.
    private static func examHeader(_ s: Snapshot, _ i: Int, _ e: ExamSession, width: Int) -> (text: String, style: Style)? {
        let n = e.questionCount
        switch e.state {
        case .answering(let q, let deadline):
            let local = s.localTime(ofStudent: i + 1)
            let left = max(.zero, deadline - local)
            let secs = Int((left.microseconds + 999_999) / 1_000_000)
            let style: Style = secs <= 5 ? .bad : .title
            let options = ["Question \(q) of \(n) · \(secs) s left on your clock (\(Format.clock(local)))",
                           "Question \(q) of \(n) · \(secs) s left on your clock", "Q\(q)/\(n) · \(secs) s left"]
            return (options.first { $0.cellCount <= width } ?? options.last!, style)
        case .between(let q):
            let state = e.expired[q - 1] ? "time is up: locked" : "answered"
            let options = ["Question \(q) of \(n) · \(state) · next on main's schedule", "Question \(q) of \(n) · \(state)", "Q\(q)/\(n) · \(state)"]
            return (options.first { $0.cellCount <= width } ?? options.last!, .muted)
        default: return nil
        }
    }

    private static func exam(_ s: Snapshot, _ i: Int, _ e: ExamSession, played: Bool, header: Bool, height: Int, width: Int, line: (String, Style, Int) -> Void,
                             wrapped: (String, Style, Int) -> Void) {
        let n = e.questionCount
        if e.warnings == 1 { line("⚠ 1 warning: your marks will be halved; a second ends the exam with 0", .warn, 0) }
        switch e.state {
        case .waiting:
            wrapped(s.exam.startedAt == nil ? "The exam has not started. (2 starts it.)" : "Waiting for question 1 from main…", .muted, 0)
        case .answering(let q, _), .between(let q):
            let question = s.exam.questions[max(0, min(q, s.exam.questions.count) - 1)]
            // Room for the header, the question, four options a line each and the hint? If
            // not, two options a line.
            let needed = (e.warnings == 1 ? 1 : 0) + (header ? 1 : 0) + Text.lines(question.text, width: width - 2).count + question.options.count + 1
            let compact = height < needed
            if header, let h = examHeader(s, i, e, width: width) { line(h.text, h.style, 0) }
            wrapped(question.text, .plain, 2)
            let labels = question.options.enumerated().map { k, option in
                (e.answers[q - 1] == k ? "▶ " : "  ") + Format.answerLetter(k) + ") " + option
            }
            if compact {
                // A short pane: two options a line, each in half the width.
                let half = max(8, (width - 2) / 2)
                for pair in stride(from: 0, to: labels.count, by: 2) {
                    let second = pair + 1 < labels.count ? labels[pair + 1].clipped(half) : ""
                    line(labels[pair].clipped(half - 1).fit(half) + second, .plain, 2)
                }
            } else {
                for (k, label) in labels.enumerated() { line(label, e.answers[q - 1] == k ? .accent : .plain, 2) }
            }
            if case .answering = e.state {
                if !played {
                    line(e.answeredAll ? "Answered: submitted when the countdown ends (or earlier, if it presses s)."
                                       : "A simulated student: it answers by itself (t to play it).", .muted, 0)
                } else {
                    line(e.answeredAll ? "Answered. The exam is submitted when the countdown ends — or press s now."
                                       : "a–d answer · s submits the exam now", .muted, 0)
                }
            }
        case .submitted(let reason):
            let why = reason == .terminated ? "terminated by a second warning: 0 marks" : "submitted (\(reason.rawValue))"
            line("Exam \(why) · waiting for the server's ACK…", reason == .terminated ? .bad : .accent, 0)
        case .recorded(let reason, let server, let final):
            let answered = e.answers.compactMap { $0 }.count
            line("Exam recorded by \(server.shortName): \(final) / 100", reason == .terminated ? .bad : .good, 0)
            line("\(answered) of \(n) answered · submitted \(reason == .terminated ? "by termination (2 warnings)" : "(\(reason.rawValue))")"
                 + (e.warnings == 1 ? " · halved for 1 warning" : ""), .muted, 0)
        }
    }

    private static func isa(_ s: Snapshot, _ i: Int, _ v: Snapshot.StudentView, played: Bool, line: (String, Style, Int) -> Void,
                            wrapped: (String, Style, Int) -> Void) {
        if let rec = s.exam.records[i] { line("Exam: \(rec.final) / 100 (recorded by \(rec.server.shortName))", .muted, 0) }
        let peers = max(0, s.studentCount - 1)
        switch v.isa {
        case .notRequested:
            wrapped(s.isa.startedAt == nil ? "ISA marks come next (3)."
                    : played ? "Press i to ask for the shared marksheet (Ricart–Agrawala)." : "Has not asked for the marksheet yet.", .muted, 0)
        case .waiting:
            let ts = v.ra.requestTimestamp ?? 0
            line("Asked for the marksheet: REQUEST (ts \(ts), S\(i + 1)) to \(peers) peers", .warn, 0)
            line("REPLYs \(v.ra.replies) of \(peers)" + (v.ra.awaiting.isEmpty ? "" : " · waiting for " + v.ra.awaiting.map { "S\($0)" }.joined(separator: ", ")), .plain, 2)
            if !v.ra.deferred.isEmpty { line("you defer: " + v.ra.deferred.map { "S\($0)" }.joined(separator: ", ") + " (your request is earlier)", .accent, 2) }
        case .inCS(_, let typed, _):
            line((played ? "You hold" : "Holds") + " the marksheet. ISA mark (0–\(s.isa.maxMark)): \(typed)▁", .good, 0)
            let limit = "\(Int(s.isa.holdLimit.seconds)) s limit"
            line(played ? limit + " · digits, Enter records, Esc leaves it empty" : "typing by itself · " + limit, .muted, 2)
            if !v.ra.deferred.isEmpty { line("REPLYs owed on leaving: " + v.ra.deferred.map { "S\($0)" }.joined(separator: ", "), .accent, 2) }
        case .done(let mark, let reason):
            line("ISA mark recorded: " + (mark.map(String.init) ?? "none") + (reason == .timeout ? " (hold limit reached)" : ""), reason == .timeout ? .warn : .good, 0)
        }
    }

    private static func demo(_ s: Snapshot, _ i: Int, _ v: Snapshot.StudentView, line: (String, Style, Int) -> Void,
                             wrapped: (String, Style, Int) -> Void) {
        let chunk = v.chunk
        line("Your row is in chunk \(chunk) (v\(s.demo.versions[chunk - 1])); its lock is shared to read, exclusive to write.", .muted, 0)
        switch v.demo.activity {
        case .idle: line("The demo has not started. (5 starts it.)", .muted, 0)
        case .choosing: line("Read / Write / Exit?  r · w · x", .accent, 0)
        case .typing(let t): line("New ISA mark (0–\(s.isa.maxMark)): \(t)▁  digits, Enter, Esc", .accent, 0)
        case .waiting(let mode, _): line(StudentsPane.waitText(s.demo.locks[chunk - 1], student: i + 1, mode: mode), .warn, 0)
        case .reading(let r, let value, let version):
            if let value, let version {
                line("Read from replica \(r): ISA \(value.map(String.init) ?? "none") (version \(version)); the read lock goes in a moment", .good, 0)
            } else {
                line("Reading your row from replica \(r)…", .good, 0)
            }
        case .writing(let value, let version, let acks):
            line("Writing \(value) as version \(version): \(acks) of \(Snapshot.ReplicationView.replicaCount) replicas confirmed", .warn, 0)
        case .exited: line("You left the demo. Your ISA mark: \(s.results[i].isa.map(String.init) ?? "none")", .muted, 0)
        }
        line("\(v.demo.reads) read\(v.demo.reads == 1 ? "" : "s"), \(v.demo.writes) write\(v.demo.writes == 1 ? "" : "s")", .muted, 0)
    }
}
