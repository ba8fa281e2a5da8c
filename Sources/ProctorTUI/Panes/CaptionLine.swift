import ProctorEngine

/// The bottom line: which mechanism is at work and what to watch for — or, for a moment,
/// the answer to the operator's last command.
enum CaptionLine {
    static func draw(_ s: Snapshot, _ r: Rect, showNotice: Bool, into b: inout ScreenBuffer) {
        // A failed write stays on screen until quit, above any other news.
        if let problem = s.storageProblem {
            b.write(" " + Text.fitWords(problem, width: r.width - 1), x: r.x, y: r.y, style: .bad, clip: r)
            return
        }
        if showNotice, !s.isInPast, let n = s.notice {
            let x = b.write(" ▸ ", x: r.x, y: r.y, style: .warn, clip: r)
            b.write(Text.fitWords(n.text, width: r.maxX - x), x: x, y: r.y, style: .title, clip: r)
            return
        }
        let options = texts(s), room = r.width - 1
        let fitting = options.first { $0.cellCount <= room } ?? Text.fitWords(options.last!, width: room)
        b.write(" " + fitting, x: r.x, y: r.y, style: .muted, clip: r)
    }

    /// The caption at its fullest.
    static func text(_ s: Snapshot) -> String { texts(s)[0] }

    /// The caption, longest first: the line shows the first that fits whole, so a narrower
    /// terminal reads a shorter sentence rather than half of a long one.
    static func texts(_ s: Snapshot) -> [String] {
        if let inv = s.brokenInvariants.last { return ["INVARIANT BROKEN — \(inv)"] }
        if s.isInPast {
            return ["◀ Event \(s.position) of \(s.horizon): space or a command resumes HERE, discarding the later events · b back · . forward",
                    "◀ Event \(s.position) of \(s.horizon): space resumes HERE (later events discarded) · b back · . forward",
                    "◀ Event \(s.position) of \(s.horizon): space resumes HERE, dropping the later events."]
        }
        if s.phase == .done {
            let m = s.messageCounts
            let counts = "sync \(m[.sync, default: 0]), exam \(m[.exam, default: 0]), ra \(m[.ra, default: 0]), lock \(m[.lock, default: 0]), replica \(m[.replica, default: 0])"
            return ["Walkthrough complete. Messages — \(counts). v: final results.", "Walkthrough complete. Messages: \(counts)."]
        }
        if s.demo.startedAt != nil && s.sync.round == nil {
            let n = Snapshot.ReplicationView.replicaCount
            return ["Read/write locks per chunk, granted in arrival order: readers share, a writer is alone and updates all \(n) replicas and results.xlsx.",
                    "Read/write locks per chunk, in arrival order: readers share; a writer is alone, updating all \(n) replicas.",
                    "Read/write locks: readers share; a writer is alone and updates \(n) replicas."]
        }
        if s.replication.startedAt != nil && s.sync.round == nil {
            if s.completed.contains(.replication) {
                let c = Snapshot.ReplicationView.chunkCount, n = Snapshot.ReplicationView.replicaCount
                return ["Replicas in place: \(c) chunks × \(n) copies, version 1; replication_metadata.json holds each copy's SHA-256.",
                        "Replicas in place: \(c) chunks × \(n) copies, v1; the metadata holds each copy's SHA-256.",
                        "Replicas in place: \(c) chunks × \(n) copies, v1; metadata holds their SHA-256."]
            }
            let n = Snapshot.ReplicationView.replicaCount
            return ["Replication: main sends each chunk of the results to \(n) replicas; each stores it (replica_write) and confirms.",
                    "Replication: main sends each chunk to \(n) replicas; each stores it and confirms."]
        }
        if s.isa.startedAt != nil && s.sync.round == nil {
            if s.isa.doneCount == s.studentCount {
                let empty = s.isa.status.filter { if case .done(nil, _) = $0 { true } else { false } }.count
                let marks = empty == 0 ? "every mark entered" : "\(s.studentCount - empty) marks entered, \(empty) left empty"
                let msgs = s.messageCounts[.ra, default: 0]
                return ["ISA done: \(marks), one at a time; \(msgs) messages = 2(N−1) per entry. v shows the marksheet.",
                        "ISA done: \(marks); \(msgs) messages = 2(N−1) per entry."]
            }
            // Only students the operator plays, none of them asking yet: the phase waits on them.
            let open = s.isa.status.indices.filter { if case .done = s.isa.status[$0] { false } else { true } }
            if !open.isEmpty, open.allSatisfy({ s.exam.operated[$0] && s.isa.status[$0] == .notRequested }) {
                let who = open.map { "S\($0 + 1)" }.joined(separator: ", ")
                return ["ISA waits for \(who) (yours): press i to ask for the marksheet; the phase ends when every mark is in.",
                        "ISA waits for \(who) (yours): press i to ask for the marksheet.", "ISA waits for \(who) (yours): press i."]
            }
            if s.paused {
                return ["Ricart–Agrawala, paused: . delivers one REQUEST or REPLY; watch the queue, the deferrals and the Lamport clocks.",
                        "Ricart–Agrawala, paused: . delivers one REQUEST or REPLY."]
            }
            return ["Ricart–Agrawala: REQUEST(ts, id) to all; enter after N−1 REPLYs; a student defers its reply while inside or if its (ts, id) is earlier.",
                    "Ricart–Agrawala: REQUEST to all; enter after N−1 REPLYs; defer a REPLY while inside or if your (ts, id) is earlier.",
                    "Ricart–Agrawala: REQUEST to all; enter after N−1 REPLYs; defer if inside or earlier.",
                    "Ricart–Agrawala: enter after all N−1 REPLYs; defer if inside or earlier."]
        }
        if s.exam.startedAt != nil && s.sync.round == nil {
            let n = s.studentCount, done = s.exam.recordedCount
            if done == n {
                return ["Exam over: \(n) recorded — main \(s.servers.handledByMain), backup \(s.servers.handledByBackup). v shows the teacher's results (results.xlsx).",
                        "Exam over: \(n) recorded — main \(s.servers.handledByMain), backup \(s.servers.handledByBackup). v: results."]
            }
            if !s.exam.syncedBeforeStart {
                // A sync round since the exam began has pulled the clocks together.
                if s.sync.roundsCompleted > 0, s.sync.round == nil {
                    return ["The exam began without clock sync; a sync round since has pulled the clocks within \(Format.span(s.clockSpread)): countdowns agree now.",
                            "Re-synced since the exam began: clocks within \(Format.span(s.clockSpread)), so the countdowns agree."]
                }
                return ["Clocks were NOT synchronized: each countdown runs on its own clock, so they disagree by seconds. (1 re-syncs.)",
                        "Clocks were NOT synchronized: the countdowns disagree by seconds. (1 re-syncs.)"]
            }
            let q = s.exam.secondsPerQuestion, m = s.servers.mainSlots
            return ["Exam: each question has \(q) s on the student's synchronized clock; main takes \(m) at once, the rest overflow to backup.",
                    "Exam: \(q) s a question on each student's clock; main takes \(m) at once, the rest go to backup.",
                    "Exam: \(q) s a question on each student's clock; main takes \(m), backup the rest."]
        }
        if s.sync.round != nil {
            if s.paused {
                return ["Berkeley, paused: press . to deliver the next message and watch the clocks pane change.",
                        "Berkeley, paused: . delivers the next message."]
            }
            return ["Berkeley: main polls every clock, offset = reply + RTT/2 − receipt; it averages those near the median and sends each node its ADJUST.",
                    "Berkeley: main polls every clock; offset = reply + RTT/2 − receipt; it averages those near the median.",
                    "Berkeley: offset = reply + RTT/2 − receipt; main averages near the median."]
        }
        if let r = s.sync.lastResult {
            // The arithmetic a newcomer can redo from the offsets column: which were averaged.
            let outliers = r.outliers.map { $0.shortName }
            let avg = "average of \(r.averagedCount) offsets \(Format.signed(r.average))"
                + (outliers.isEmpty ? "" : " (\(outliers.joined(separator: ", ")) outlier\(outliers.count == 1 ? "" : "s"): corrected, not averaged)")
            let short = "average of \(r.averagedCount) offsets \(Format.signed(r.average))" + (outliers.isEmpty ? "" : " (\(outliers.joined(separator: ", ")) outlier\(outliers.count == 1 ? "" : "s"): not averaged)")
            return ["Round \(r.round): \(avg); clocks now within \(Format.span(r.spreadAfter)) (bound \(Format.span(r.maxRoundTrip)), the longest round trip). 1 re-syncs.",
                    "Round \(r.round): \(short); clocks within \(Format.span(r.spreadAfter)) ≤ \(Format.span(r.maxRoundTrip)), the longest RTT.",
                    "Round \(r.round): \(short)."]
        }
        return ["Clocks disagree by seconds. Press 1 (or n): main, the time daemon, polls every clock and sends each its own correction (Berkeley).",
                "Clocks disagree by seconds. Press 1 (or n): main, the time daemon, polls and corrects every clock (Berkeley).",
                "Clocks disagree by seconds. 1 (or n) synchronizes them (Berkeley)."]
    }
}
