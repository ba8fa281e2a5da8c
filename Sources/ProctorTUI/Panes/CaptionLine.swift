import ProctorEngine

/// The bottom line: which mechanism is at work and what to watch for — or, for a moment,
/// the answer to the operator's last command.
enum CaptionLine {
    static func draw(_ s: Snapshot, _ r: Rect, showNotice: Bool, into b: inout ScreenBuffer) {
        if showNotice, !s.isInPast, let n = s.notice {
            let x = b.write(" ▸ ", x: r.x, y: r.y, style: .warn, clip: r)
            b.write(Text.fitWords(n.text, width: r.maxX - x), x: x, y: r.y, style: .title, clip: r)
            return
        }
        b.write(" " + Text.fitWords(text(s), width: r.width - 1), x: r.x, y: r.y, style: .muted, clip: r)
    }

    static func text(_ s: Snapshot) -> String {
        if let inv = s.brokenInvariants.last { return "INVARIANT BROKEN — \(inv)" }
        if s.isInPast {
            return "◀ Event \(s.position) of \(s.horizon): space or a command resumes HERE, discarding the later events · b back · . forward"
        }
        if s.phase == .done {
            let m = s.messageCounts
            return "Walkthrough complete. Messages — sync \(m[.sync, default: 0]), exam \(m[.exam, default: 0]), ra \(m[.ra, default: 0]), lock \(m[.lock, default: 0]), replica \(m[.replica, default: 0]). v: final results."
        }
        if s.demo.startedAt != nil && s.sync.round == nil {
            return "Read/write locks per chunk, granted in arrival order: readers share, a writer is alone and updates all \(Snapshot.ReplicationView.replicaCount) replicas and results.xlsx."
        }
        if s.replication.startedAt != nil && s.sync.round == nil {
            if s.completed.contains(.replication) {
                return "Replicas in place: \(Snapshot.ReplicationView.chunkCount) chunks × \(Snapshot.ReplicationView.replicaCount) copies, version 1; replication_metadata.json holds each copy's SHA-256."
            }
            return "Replication: main sends each chunk of the results to \(Snapshot.ReplicationView.replicaCount) replicas; each stores it (replica_write) and confirms."
        }
        if s.isa.startedAt != nil && s.sync.round == nil {
            if s.isa.doneCount == s.studentCount {
                let empty = s.isa.status.filter { if case .done(nil, _) = $0 { true } else { false } }.count
                let marks = empty == 0 ? "every mark entered" : "\(s.studentCount - empty) marks entered, \(empty) left empty"
                return "ISA done: \(marks), one at a time; \(s.messageCounts[.ra, default: 0]) messages = 2(N−1) per entry. v shows the marksheet."
            }
            // Only students the operator plays, none of them asking yet: the phase waits on them.
            let open = s.isa.status.indices.filter { if case .done = s.isa.status[$0] { false } else { true } }
            if !open.isEmpty, open.allSatisfy({ s.exam.operated[$0] && s.isa.status[$0] == .notRequested }) {
                let who = open.map { "S\($0 + 1)" }.joined(separator: ", ")
                return "ISA waits for \(who) (yours): press i to ask for the marksheet; the phase ends when every mark is in."
            }
            if s.paused { return "Ricart–Agrawala, paused: . delivers one REQUEST or REPLY; watch the queue, the deferrals and the Lamport clocks." }
            return "Ricart–Agrawala: REQUEST(ts, id) to all; enter after N−1 REPLYs; a student defers its reply while inside or if its (ts, id) is earlier."
        }
        if s.exam.startedAt != nil && s.sync.round == nil {
            let n = s.studentCount, done = s.exam.recordedCount
            if done == n {
                return "Exam over: \(n) recorded — main \(s.servers.handledByMain), backup \(s.servers.handledByBackup). v shows the teacher's results (results.xlsx)."
            }
            if !s.exam.syncedBeforeStart {
                // A sync round since the exam began has pulled the clocks together.
                if s.sync.roundsCompleted > 0, s.sync.round == nil {
                    return "The exam began without clock sync; a sync round since has pulled the clocks within \(Format.span(s.clockSpread)): countdowns agree now."
                }
                return "Clocks were NOT synchronized: each countdown runs on its own clock, so they disagree by seconds. (1 re-syncs.)"
            }
            return "Exam: each question has \(s.exam.secondsPerQuestion) s on the student's synchronized clock; main takes \(s.servers.mainSlots) at once, the rest overflow to backup."
        }
        if s.sync.round != nil {
            if s.paused {
                return "Berkeley, paused: press . to deliver the next message and watch the clocks pane change."
            }
            return "Berkeley: main polls every clock, offset = reply + RTT/2 − receipt; it averages those near the median and sends each node its ADJUST."
        }
        if let r = s.sync.lastResult {
            // The arithmetic a newcomer can redo from the offsets column: which were averaged.
            let outliers = r.outliers.map { $0.shortName }
            let avg = "average of \(r.averagedCount) offsets \(Format.signed(r.average))"
                + (outliers.isEmpty ? "" : " (\(outliers.joined(separator: ", ")) outlier\(outliers.count == 1 ? "" : "s"): corrected, not averaged)")
            return "Round \(r.round): \(avg); clocks now within \(Format.span(r.spreadAfter)) (bound \(Format.span(r.maxRoundTrip)), the longest round trip). 1 re-syncs."
        }
        return "Clocks disagree by seconds. Press 1 (or n): main, the time daemon, polls every clock and sends each its own correction (Berkeley)."
    }
}
