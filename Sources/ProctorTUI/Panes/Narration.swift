import ProctorEngine

/// The line above the caption: what the last delivered event meant, in the algorithm's words
/// ("S3 defers its REPLY to S1: its own request (4, S3) is earlier than (5, S1)").
///
/// It reads the newest moment of the log — the entries that share the last time stamp — and
/// picks the one that says most: a receive and what the receiver did in answer (the sends
/// after it), or a local event (a clock adjusted, a lock granted, a copy stored). The
/// snapshot supplies the state the sentence needs (the receiver's own request, the busy
/// slots, the lock's holders).
enum Narration {
    static func draw(_ s: Snapshot, _ r: Rect, into b: inout ScreenBuffer) {
        guard r.height > 0, let text = text(s) else { return }
        let x = b.write(" ▸ ", x: r.x, y: r.y, style: .accent, clip: r)
        b.write(Text.shortened(text, width: r.maxX - x), x: x, y: r.y, style: .plain, clip: r)
    }

    /// The sentence for the newest moment of the log, or nil before anything happened.
    static func text(_ s: Snapshot) -> String? {
        let log = s.recentLog
        guard let last = log.last else { return nil }
        var start = log.count - 1
        while start > 0, log[start - 1].t == last.t { start -= 1 }
        let moment = log[start...]
        guard let p = moment.lastIndex(where: isPrimary) else {
            // Only sends: a timer fired (an answer typed, a poll sent).
            return moment.first.flatMap { send($0, s) }
        }
        let before = log[start..<p], after = log[(p + 1)...]
        return narrate(log[p], before: before, after: after, log: log, s) ?? EventLogPane.describe(log[p]).0
    }

    /// Entries that stand for what happened; sends and routine storage lines follow them.
    private static func isPrimary(_ e: LogEntry) -> Bool {
        switch e.kind {
        case .send: false
        case .storage(_, let r): r.outcome != .ok
        default: true
        }
    }

    private typealias Entries = ArraySlice<LogEntry>

    private static func narrate(_ e: LogEntry, before: Entries, after: Entries, log: [LogEntry], _ s: Snapshot) -> String? {
        switch e.kind {
        case .phase(let p): return phase(p, s)
        case .command(let c): return command(c, after: after, s)
        case .recv(let m, let dup): return dup ? "\(m.to.shortName) gets a second copy of \(m.payload.kind) #\(m.id): it takes each message once and ignores it."
                                               : recv(m, at: e.t, after: after, log: log, s)
        case .send: return nil
        case .clockAdjust(let node, let before, let delta):
            if node == .main {
                return "main has every reading: it averages the offsets near the median, moves its own clock \(Format.signed(delta)) and sends each node its own ADJUST."
            }
            return "\(node.shortName) applies main's ADJUST: its clock moves \(Format.signed(delta)), from \(Format.clock(before)) to \(Format.clock(before + delta))."
        case .syncResult(let r):
            var text = "Round \(r.round) done: clocks within \(Format.span(r.spreadAfter)) (were \(Format.span(r.spreadBefore))), inside Berkeley's bound, the longest round trip (\(Format.span(r.maxRoundTrip)))."
            if !r.outliers.isEmpty {
                text += " Outlier\(r.outliers.count == 1 ? "" : "s") \(names(r.outliers)): corrected, not averaged."
            }
            if !r.leftOut.isEmpty { text += " Not answering, left out: \(names(r.leftOut))." }
            return text
        case .invariant(let name, let detail):
            return "Invariant \(name) broken: \(detail)."
        case .warning(let st, let count):
            return count >= 2
                ? "\(st.shortName) is flagged a second time: its exam ends at once with 0 and is submitted as terminated."
                : "\(st.shortName) is flagged: warning 1 — it may go on, but keeps only 50% of its marks."
        case .flagDropped(let st):
            return "A flag reaches \(st.shortName) after it submitted: its warnings are final, so the flag is dropped."
        case .redirect(let st, let busy):
            return "main refuses \(st.shortName): \(busy) of \(s.servers.mainSlots) slots busy → the backup server processes it instead."
        case .submit(let r):
            let marks: String
            switch (r.reason, r.warnings) {
            case (.terminated, _): marks = "terminated by its second warning, so final 0 (raw \(r.raw))"
            case (_, 0): marks = "raw \(r.raw) = final, no warnings"
            default: marks = "raw \(r.raw), 1 warning → final \(r.final) (50%)"
            }
            return "\(r.student.shortName)'s exam (\(r.reason.rawValue)) is recorded by \(r.server.shortName): \(marks). Recorded exactly once."
        case .csRequest(let n, let ts):
            return "\(n.shortName) wants the marksheet: its Lamport clock ticks to \(ts), and it sends REQUEST (\(ts), \(n.shortName)) to the \(max(0, s.studentCount - 1)) others."
        case .csEnter(let n):
            return "\(n.shortName) has all \(max(0, s.studentCount - 1)) REPLYs: it enters the critical section — no one else can be inside."
        case .csExit(let n, let isa, let reason):
            let deferred = after.compactMap { e -> String? in
                if case .send(let m) = e.kind, case .ra(.reply) = m.payload { m.to.shortName } else { nil }
            }
            let left: String
            if reason == .timeout {
                let typed = isa.map { "\($0) typed" } ?? "nothing typed"
                left = "its \(Format.span(s.isa.holdLimit)) hold ran out; it leaves with " + typed
            } else {
                left = "it leaves with ISA " + (isa.map(String.init) ?? "none")
            }
            let owed = deferred.isEmpty ? "; it owed no REPLY." : ", and sends the REPLYs it deferred to " + deferred.joined(separator: ", ") + "."
            return n.shortName + ": " + left + owed
        case .isaRefused(let n, let reason):
            return "\(n.shortName)'s ISA entry is refused: " + (reason.hasSuffix(".") ? reason : reason + ".")
        case .replicaWrite(let r, let c, let v, let roll, let isa):
            if let roll {
                return "replica-\(r) writes roll \(roll)'s ISA \(isa.map(String.init) ?? "none") into chunk \(c): version \(v). A write reaches every replica under the write lock."
            }
            let rows = s.replication.rolls.indices.contains(c - 1) ? s.replication.rolls[c - 1].count : 0
            return "replica-\(r) stores chunk \(c) (\(rows) row\(rows == 1 ? "" : "s")) at version \(v) and confirms with the file's SHA-256."
        case .integrity(let r, let c, let problem, let from):
            let what = problem == .corrupt ? "fails its checksum" : "is missing"
            let fix = from == r ? "rewritten from its own copy in memory" : "repaired from " + (from.map { "replica-\($0)" } ?? "main")
            return "replica-\(r)'s copy of chunk \(c) \(what): not served, \(fix)."
        case .metadataRefused(let detail):
            return "replication_metadata.json refused: \(detail)."
        case .demoChoice(let st, let choice):
            let chunk = chunkOf(st, s)
            switch choice {
            case "read": return "\(st.shortName) chooses READ: it asks main for a read lock on chunk \(chunk) — readers may share it."
            case "write": return "\(st.shortName) chooses WRITE: it asks main for the write lock on chunk \(chunk) — a writer must be alone."
            default: return "\(st.shortName) chooses EXIT: it is done with the demo."
            }
        case .lockRequest(let n, let c, let m):
            let holders = lock(c, s)?.holders.filter { $0.node != number(n) } ?? []
            guard !holders.isEmpty else {
                return "main queues \(n.shortName)'s \(m.rawValue) request for chunk \(c), in arrival order."
            }
            let held = holders.map { "S\($0.node) (\($0.mode.rawValue))" }.joined(separator: ", ")
            return m == .write
                ? "\(n.shortName)'s write waits: chunk \(c) is held by \(held), and a writer must be alone."
                : "\(n.shortName)'s read waits: chunk \(c) is held by \(held) for writing."
        case .lockAcquire(let n, let c, let m):
            if m == .write { return "main grants \(n.shortName) the write lock on chunk \(c): no reader or writer beside it." }
            let others = lock(c, s)?.holders.filter { $0.node != number(n) }.map { "S\($0.node)" } ?? []
            return "main grants \(n.shortName) a read lock on chunk \(c)" + (others.isEmpty ? ": no writer holds it." : ", shared with \(others.joined(separator: ", ")): readers do not exclude each other.")
        case .lockRelease(let n, let c, let m):
            let granted = after.compactMap { e -> String? in
                if case .send(let msg) = e.kind, case .lock(.grant) = msg.payload { msg.to.shortName } else { nil }
            }
            return "\(n.shortName) releases its \(m.rawValue) lock on chunk \(c)" + (granted.isEmpty ? "." : "; main grants the next in arrival order: \(granted.joined(separator: ", ")).")
        case .storage(let n, let r):
            return "\(n.shortName) could not \(r.op.rawValue) \(r.path): \(r.outcome.rawValue)."
        case .fault(let kind, let node, let from, let to, let detail):
            switch kind {
            case "crash": return "\(node?.shortName ?? "?") crashes: it keeps only its durable state, and messages to it are dropped."
            case "clockjump": return "\(node?.shortName ?? "?")'s clock jumps \(detail ?? ""): a later sync round must pull it back."
            case "partition": return "A partition cuts \(node?.shortName ?? from?.shortName ?? "?") off: messages across it are dropped."
            default: return "The link \(from?.shortName ?? "?") → \(to?.shortName ?? "?") starts to \(kind) messages\(detail.map { " (\($0))" } ?? "")."
            }
        case .recover(let kind, let node, let from, let to):
            if let node { return "\(node.shortName) is back (\(kind)) with its durable state; its peers resend what it may have missed." }
            return "The link \(from?.shortName ?? "?") → \(to?.shortName ?? "?") works again: resent messages get through."
        case .drop(let id, let reason):
            let kind = sent(id, in: log).map { "\($0.payload.kind) #\(id) \($0.from.shortName) → \($0.to.shortName)" } ?? "message #\(id)"
            return "\(kind) is lost (\(reason)): it will never arrive; a resend or a timeout must cover it."
        case .failover(let st, _):
            return "\(st.shortName) had no answer from main: it sends its submission to the backup instead (failover)."
        }
    }

    /// An operator's command whose effect logs nothing of its own: what it set going.
    private static func command(_ c: OperatorCommand, after: Entries, _ s: Snapshot) -> String {
        switch c {
        case .start(.done):
            return "The walkthrough is complete: the summary shows what each mechanism did, and the invariants it kept."
        case .toggleTakeover(let k):
            let played = s.exam.operated.indices.contains(k - 1) && s.exam.operated[k - 1]
            return played ? "You play S\(k) now: its keys are yours (a–d, s in the exam; i in ISA; r, w, x in the demo). t hands it back."
                          : "S\(k) is simulated again: it acts by itself."
        case .isaKey(let k, .digit(let d)):
            return "S\(k) types \(d) into the marksheet (0–\(s.isa.maxMark)); Enter records it, Esc leaves it empty."
        case .isaKey(let k, .backspace):
            return "S\(k) erases a digit."
        default:
            if let first = after.first, let text = send(first, s) { return "You: " + text }
            return "The operator's command: \(c.logName.split(separator: "_").joined(separator: " "))."
        }
    }

    private static func phase(_ p: Phase, _ s: Snapshot) -> String {
        switch p {
        case .sync: "Clock sync begins: main, the time daemon, polls every clock with TIME_REQUEST and times each round trip."
        case .exam: "The exam begins: main sends question 1 to every student; each countdown runs on the student's own clock."
        case .isa: "ISA marks entry begins: a student needs the REPLY of all \(max(0, s.studentCount - 1)) others before it may enter the marksheet."
        case .replication: "Replication begins: main splits the results into 2 chunks and sends each to 3 replicas (STORE)."
        case .consistency: "The consistency demo begins: each student reads or writes its own row under chunk read/write locks."
        case .done: "The walkthrough is complete."
        }
    }

    private static func recv(_ m: Envelope, at t: VirtualTime, after: Entries, log: [LogEntry], _ s: Snapshot) -> String? {
        let to = m.to.shortName, from = m.from.shortName
        let sends = after.compactMap { e -> Envelope? in if case .send(let x) = e.kind { x } else { nil } }
        switch m.payload {
        case .sync(.timeRequest(let r)):
            if let reply = sends.first(where: { if case .sync(.timeReply) = $0.payload { true } else { false } }),
               case .sync(.timeReply(_, let local)) = reply.payload {
                return "\(to) reads its clock (\(Format.clock(local))) and sends it back to main for round \(r)."
            }
            return "\(to) receives main's poll for round \(r)."
        case .sync(.timeReply(let r, let local)):
            let polled = log.last { e in
                if case .send(let x) = e.kind, x.to == m.from, case .sync(.timeRequest(r)) = x.payload { true } else { false }
            }
            let rtt = polled.map { t - $0.t }
            var text = "main gets \(from)'s reading \(Format.clock(local))"
            if let rtt {
                text += " after a \(Format.span(rtt)) round trip: offset ≈ reading + \(Format.span(VirtualDuration(microseconds: rtt.microseconds / 2))) (RTT/2) − main's clock."
            } else { text += ": its offset ≈ reading + RTT/2 − main's clock." }
            return text
        case .sync(.adjust(_, let d)):
            return "\(to) receives ADJUST \(Format.signed(d)), but does not apply it (a newer round, or its clock jumped)."
        case .exam(.question(let q, _)):
            return "\(to) gets question \(q): its \(s.exam.secondsPerQuestion) s countdown runs on its own clock."
        case .exam(.answer(let q, let choice)):
            guard let choice else { return "\(from)'s countdown for question \(q) expired: main locks question \(q) unanswered." }
            return "main notes \(from)'s answer to question \(q): \(Format.answerLetter(choice))."
        case .exam(.submit(let sub)):
            if m.to == .backup { return "The backup takes \(from)'s submission (\(sub.reason.rawValue)): it has no slot limit." }
            let busy = s.servers.mainBusy.count
            return "main takes \(from)'s submission (\(sub.reason.rawValue)): \(busy) of \(s.servers.mainSlots) slots busy."
        case .exam(.forward(let k, _, _)):
            return "The backup takes S\(k)'s submission, refused by main: it has no slot limit."
        case .exam(.recorded(let r)):
            return "main files \(r.student.shortName)'s record from the backup in its results store (results.xlsx): final \(r.final)."
        case .exam(.ack(let f, let server)):
            return "\(to) learns its exam is recorded by \(server.shortName): final \(f)."
        case .exam(.flag):
            return "\(to) receives a cheating flag."
        case .exam(.mark(let isa, _)):
            return "main writes \(from)'s ISA mark (\(isa.map(String.init) ?? "none")) into the marksheet."
        case .exam(.resume):
            return "main answers \(from), back after a crash, with the question open now."
        case .exam(.recall):
            return "The backup tells main, back after a crash, whom it recorded."
        case .exam(.claims(let ks)):
            return "main learns the backup holds \(ks.count) submission\(ks.count == 1 ? "" : "s"): it will not record them twice."
        case .exam(.whose(let k)):
            return "The backup asks main whether S\(k)'s failed-over submission is already main's."
        case .exam(.owner(let k, let isMain)):
            return "main answers: S\(k)'s submission is " + (isMain ? "main's; the backup drops its copy." : "the backup's to record.")
        case .ra(.request(let ts)):
            return raRequest(m, ts: ts, replied: sends.contains { $0.to == m.from && { if case .ra(.reply) = $0.payload { true } else { false } }($0) }, s)
        case .ra(.reply):
            guard case .student(let k) = m.to, s.isa.ra.indices.contains(k - 1) else { return nil }
            let ra = s.isa.ra[k - 1]
            let waiting = ra.awaiting.map { "S\($0)" }
            return "\(to) has \(ra.replies) of \(max(0, s.studentCount - 1)) REPLYs (\(from)'s just came)" + (waiting.isEmpty ? "." : "; it still waits for \(Format.fitting(waiting, separator: ", ", width: 30)).")
        case .replica(.store(let c)):
            return "replica-\(number(m.to)) receives chunk \(c.chunk) (\(c.rows.count) row\(c.rows.count == 1 ? "" : "s")) at version \(c.version) and writes it to its disk."
        case .replica(.stored(let c, let v, _)):
            // Main's count: the confirmations of this version it has had so far.
            let confirmed = log.filter { e in
                if case .recv(let x, false) = e.kind, case .replica(.stored(_, v, _)) = x.payload { true } else { false }
            }.count
            let total = Snapshot.ReplicationView.replicaCount * Snapshot.ReplicationView.chunkCount
            return "main: replica-\(number(m.from)) confirms chunk \(c) v\(v) with its checksum — \(confirmed) of \(total) copies stored."
        case .replica(.read(let c, let roll)):
            if let value = sends.first, case .replica(.value(_, let v, let isa)) = value.payload {
                return "replica-\(number(m.to)) serves \(from)'s row (roll \(roll)) of chunk \(c): ISA \(isa.map(String.init) ?? "none") at version \(v)."
            }
            return "replica-\(number(m.to)) receives \(from)'s read of chunk \(c): it checks its copy against the checksum before serving it."
        case .replica(.value(_, let v, let isa)):
            return "\(to) reads ISA \(isa.map(String.init) ?? "none") at version \(v): a reader sees the last committed write."
        case .replica(.write(let c, let v, _, let isa)):
            return "replica-\(number(m.to)) receives \(from)'s WRITE (ISA \(isa)) and writes chunk \(c) at version \(v) to its disk."
        case .replica(.written(let c, let v, _)):
            return "\(to): replica-\(number(m.from)) confirms chunk \(c) v\(v); the write is done when all 3 have."
        case .lock(.lock(let c, let mode, _)):
            return "main receives \(from)'s \(mode.rawValue) lock request for chunk \(c)."
        case .lock(.grant(let c, let mode, let v, _)):
            return "\(to) holds chunk \(c) (\(mode.rawValue)), committed version \(v): " + (mode == .read ? "it reads its row from a replica." : "it sends its WRITE to all 3 replicas.")
        case .lock(.unlock(let c, _, _)):
            return "main receives \(from)'s UNLOCK of chunk \(c)."
        }
    }

    /// A REQUEST arrives: the receiver replies at once or defers, and why.
    private static func raRequest(_ m: Envelope, ts: Int, replied: Bool, _ s: Snapshot) -> String {
        let to = m.to.shortName, from = m.from.shortName
        let theirs = "(\(ts), \(from))"
        guard case .student(let k) = m.to, s.isa.ra.indices.contains(k - 1) else { return "\(to) receives REQUEST \(theirs)." }
        let ra = s.isa.ra[k - 1]
        let inside = s.isa.holder == k
        let own = ra.requestTimestamp.map { "(\($0), \(to))" }
        if replied {
            if let own, !inside {
                return "\(to) replies to \(from) at once: its own request \(own) is later than \(theirs)."
            }
            return "\(to) replies to \(from) at once: it neither holds nor wants the marksheet."
        }
        if inside { return "\(to) defers its REPLY to \(from): it is inside the critical section; the REPLY goes out when it leaves." }
        if let own { return "\(to) defers its REPLY to \(from): its own request \(own) is earlier than \(theirs)." }
        return "\(to) receives REQUEST \(theirs)."
    }

    /// A message sent by a timer (nothing was received at that moment).
    private static func send(_ e: LogEntry, _ s: Snapshot) -> String? {
        guard case .send(let m) = e.kind else { return nil }
        let from = m.from.shortName, to = m.to.shortName
        switch m.payload {
        case .sync(.timeRequest(let r)): return "main polls \(to) for round \(r) (TIME_REQUEST), noting when it sent it."
        case .exam(.answer(let q, let c)):
            return c.map { "\(from) answers question \(q): \(Format.answerLetter($0))." } ?? "\(from)'s countdown for question \(q) runs out: the question locks unanswered."
        case .exam(.submit(let sub)): return "\(from) submits its exam (\(sub.reason.rawValue)) to \(to)."
        case .exam(.flag): return "main's cheating detector flags \(to)."
        case .exam(.question(let q, _)): return "main sends question \(q) to \(to)."
        case .ra(.request(let ts)): return "\(from) asks again: REQUEST (\(ts), \(from)) to \(to)."
        case .lock(.lock(let c, let mode, _)): return "\(from) asks main for a \(mode.rawValue) lock on chunk \(c)."
        case .lock(.unlock(let c, _, _)): return "\(from) is done with chunk \(c): UNLOCK to main."
        case .replica(.read(let c, _)): return "\(from) reads its row of chunk \(c) from replica-\(number(m.to))."
        default: return "\(from) sends \(m.payload.kind) to \(to)."
        }
    }

    private static func names(_ nodes: [NodeID]) -> String { nodes.map(\.shortName).joined(separator: ", ") }

    private static func number(_ n: NodeID) -> Int {
        switch n {
        case .student(let k), .replica(let k): k
        default: 0
        }
    }

    private static func chunkOf(_ n: NodeID, _ s: Snapshot) -> Int {
        guard case .student(let k) = n, s.studentViews.indices.contains(k - 1) else { return 1 }
        return s.studentViews[k - 1].chunk
    }

    private static func lock(_ chunk: Int, _ s: Snapshot) -> ReadWriteLock? {
        s.demo.locks.indices.contains(chunk - 1) ? s.demo.locks[chunk - 1] : nil
    }

    /// The send of message `id`, when the recent log still holds it.
    private static func sent(_ id: Int, in log: [LogEntry]) -> Envelope? {
        for e in log.reversed() { if case .send(let m) = e.kind, m.id == id { return m } }
        return nil
    }
}
