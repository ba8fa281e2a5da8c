import Testing
@testable import ProctorEngine

// Each node driven directly: inputs in, effects out, state inspected. No kernel, no network.

/// Shared fixtures: the built-in data, a context at a given time, a submission.
private enum Fixture {
    static let data = ExamData.defaults()
    static let seed: UInt64 = 7

    static func roster(_ n: Int) -> [RosterEntry] { data.students(count: n) }

    static func main(students n: Int = 5) -> MainServer {
        MainServer(ExamSetup(roster: roster(n), questions: data.questions, scenario: data.scenario, seed: seed))
    }

    static func backup(students n: Int = 5) -> BackupServer {
        BackupServer(ExamSetup(roster: roster(n), questions: data.questions, scenario: data.scenario, seed: seed))
    }

    static func student(_ k: Int, of n: Int = 3) -> Student {
        let r = roster(n)[k - 1]
        return Student(number: k, profile: .init(roll: r.roll, name: r.name, questions: data.questions, scenario: data.scenario, studentCount: n),
                       seed: seed)
    }

    /// True time and the node's clock, in milliseconds (the clock equals true time unless given).
    static func at(_ ms: Int64, local: Int64? = nil) -> NodeContext {
        NodeContext(now: .milliseconds(ms), local: .milliseconds(local ?? ms))
    }

    /// `correct` right answers first, the rest wrong.
    static func submission(correct: Int, warnings: Int = 0, reason: ExamSession.SubmitReason = .manual) -> Submission {
        let answers: [Int?] = data.questions.enumerated().map { i, q in i < correct ? q.answer : (q.answer + 1) % 4 }
        return Submission(answers: answers, warnings: warnings, reason: reason)
    }
}

/// Readers for the effects a node returns.
private extension Array {
    func sends<T>() -> [(Payload, NodeID)] where Element == Effect<T> {
        compactMap { if case .send(let p, let to) = $0 { (p, to) } else { nil } }
    }
    func logs<T>() -> [LogEntry.Kind] where Element == Effect<T> {
        compactMap { if case .log(let k) = $0 { k } else { nil } }
    }
    func timers<T>() -> [(T, VirtualDuration)] where Element == Effect<T> {
        compactMap { if case .setTimer(let t, let after) = $0 { (t, after) } else { nil } }
    }
    func localTimers<T>() -> [(T, VirtualTime)] where Element == Effect<T> {
        compactMap { if case .setTimerAtLocal(let t, let local) = $0 { (t, local) } else { nil } }
    }
    func cancels<T>() -> [T] where Element == Effect<T> {
        compactMap { if case .cancelTimer(let t) = $0 { t } else { nil } }
    }
    func persists<T>() -> [(path: String, bytes: [UInt8])] where Element == Effect<T> {
        compactMap { if case .persist(let p, let b, _) = $0 { (p, b) } else { nil } }
    }
    /// The rows of each results.xlsx written.
    func workbooks<T>() -> [[ResultRow]] where Element == Effect<T> {
        compactMap { if case .persistWorkbook(_, let rows) = $0 { rows } else { nil } }
    }
    func checks<T>() -> [(path: String, sha256: String)] where Element == Effect<T> {
        compactMap { if case .check(let p, let s) = $0 { (p, s) } else { nil } }
    }
    func adjustments<T>() -> [VirtualDuration] where Element == Effect<T> {
        compactMap { if case .adjustClock(let d) = $0 { d } else { nil } }
    }
    func invariants<T>() -> [String] where Element == Effect<T> {
        compactMap { if case .invariantBroken(let n, _) = $0 { n } else { nil } }
    }
}

/// The submit records among logged kinds.
private func submits(_ kinds: [LogEntry.Kind]) -> [SubmitRecord] {
    kinds.compactMap { if case .submit(let r) = $0 { r } else { nil } }
}

/// The ACKs among sends: (final, server, to).
private func acks(_ sends: [(Payload, NodeID)]) -> [(final: Int, server: NodeID, to: NodeID)] {
    sends.compactMap { if case .exam(.ack(let f, let s)) = $0.0 { (f, s, $0.1) } else { nil } }
}

// MARK: - 1. Main's router

@Suite struct MainServerNodeTests {
    /// Four SUBMITs reach main before any grading ends: three take main's slots, the fourth
    /// is refused and forwarded to the backup with the time it reached main.
    @Test func theFourthConcurrentSubmissionIsRedirectedToTheBackup() throws {
        var main = Fixture.main()
        #expect(main.scenario.mainSlots == 3)
        for k in 1...3 {
            let fx = main.received(.exam(.submit(Fixture.submission(correct: k))), from: .student(k), Fixture.at(1_000 + Int64(k)))
            let timers = fx.timers()
            try #require(timers.count == 1, "S\(k) takes a slot")
            #expect(timers[0].0 == .processed(student: k))
            #expect(timers[0].1 >= main.scenario.processingMin && timers[0].1 <= main.scenario.processingMax)
            #expect(fx.logs().isEmpty && fx.sends().isEmpty, "no redirect, no ACK yet")
        }
        #expect(main.view.servers.mainBusy == [.student(1), .student(2), .student(3)])

        let fourth = Fixture.submission(correct: 4)
        let fx = main.received(.exam(.submit(fourth)), from: .student(4), Fixture.at(1_004))
        #expect(fx.timers().isEmpty, "main does not start a fourth")
        #expect(fx.logs() == [.redirect(student: .student(4), busy: 3)])
        let sends = fx.sends()
        try #require(sends.count == 1)
        #expect(sends[0].0 == .exam(.forward(student: 4, fourth, arrived: .milliseconds(1_004))))
        #expect(sends[0].1 == .backup)
        #expect(main.view.redirects == [.init(at: .milliseconds(1_004), student: 4)])
        #expect(main.view.records.allSatisfy { $0 == nil }, "nothing recorded yet")
    }

    /// A slot's timer: the submission is recorded by main (logged as such) and acknowledged;
    /// the freed slot takes the next arrival instead of redirecting it.
    @Test func aProcessedTimerRecordsOnMainAndAcknowledges() throws {
        var main = Fixture.main()
        for k in 1...3 { _ = main.received(.exam(.submit(Fixture.submission(correct: 5 + k))), from: .student(k), Fixture.at(1_000 * Int64(k))) }
        let fx = main.timerFired(.processed(student: 2), Fixture.at(9_000))
        let recs = submits(fx.logs())
        try #require(recs.count == 1)
        let rec = recs[0]
        #expect(rec.student == .student(2) && rec.server == .main && rec.roll == Fixture.roster(5)[1].roll)
        #expect(rec.arrived == .milliseconds(2_000) && rec.started == .milliseconds(2_000))
        #expect(rec.raw == 70 && rec.final == 70 && rec.reason == .manual)
        #expect(acks(fx.sends()).map(\.final) == [70])
        #expect(acks(fx.sends()).map(\.server) == [.main])
        #expect(acks(fx.sends()).map(\.to) == [.student(2)])
        #expect(main.view.records[1] == rec)
        #expect(main.view.results[1].final == 70 && main.view.results[1].server == .main && main.view.results[1].status == .submitted)

        let next = main.received(.exam(.submit(Fixture.submission(correct: 1))), from: .student(4), Fixture.at(9_500))
        #expect(next.timers().map(\.0) == [.processed(student: 4)], "the freed slot is used")
        #expect(next.logs().isEmpty)
    }

    /// A student that did not get its ACK sends the same SUBMIT again: main acknowledges it
    /// again and records nothing new.
    @Test func aResentSubmitAfterRecordingIsAcknowledgedNotRecordedAgain() {
        var main = Fixture.main()
        let sub = Fixture.submission(correct: 3, warnings: 1)
        _ = main.received(.exam(.submit(sub)), from: .student(1), Fixture.at(1_000))
        _ = main.timerFired(.processed(student: 1), Fixture.at(8_000))
        let results = main.view.results
        let rec = main.view.records[0]

        let fx = main.received(.exam(.submit(sub)), from: .student(1), Fixture.at(21_000))
        #expect(submits(fx.logs()).isEmpty)
        #expect(fx.timers().isEmpty, "no second grading")
        #expect(acks(fx.sends()).count == 1)
        #expect(acks(fx.sends()).first?.final == 15)
        #expect(acks(fx.sends()).first?.server == .main)
        #expect(main.view.records[0] == rec && main.view.results == results)
        #expect(fx.workbooks().isEmpty, "results.xlsx is not rewritten")
    }

    /// A resent SUBMIT while main still grades the first copy: nothing (its ACK is coming).
    @Test func aResentSubmitWhileGradingIsIgnored() {
        var main = Fixture.main()
        let sub = Fixture.submission(correct: 3)
        _ = main.received(.exam(.submit(sub)), from: .student(1), Fixture.at(1_000))
        let fx = main.received(.exam(.submit(sub)), from: .student(1), Fixture.at(1_100))
        #expect(fx.isEmpty)
        #expect(main.view.servers.mainBusy == [.student(1)])
    }

    /// The backup reports a student main has already recorded: exactly-once is broken, and
    /// main says so. The same report delivered twice is a duplicate message, not a break.
    @Test func aSecondRecordForAStudentBreaksExactlyOnceButADuplicateReportDoesNot() throws {
        var main = Fixture.main()
        for k in 1...4 { _ = main.received(.exam(.submit(Fixture.submission(correct: k))), from: .student(k), Fixture.at(1_000 + Int64(k))) }
        _ = main.timerFired(.processed(student: 1), Fixture.at(8_000))

        // The backup recorded S4, which main forwarded: main takes the record without logging it.
        let s4 = Grading.record(Fixture.submission(correct: 4), student: 4, roll: Fixture.roster(5)[3].roll, questions: Fixture.data.questions,
                                server: .backup, arrived: .milliseconds(1_004), started: .milliseconds(1_100))
        let first = main.received(.exam(.recorded(s4)), from: .backup, Fixture.at(9_000))
        #expect(first.invariants().isEmpty && first.logs().isEmpty)
        #expect(main.view.records[3] == s4 && main.view.results[3].server == .backup)
        #expect(first.workbooks().last?[3].server == .backup, "results.xlsx shows the record")
        let results = main.view.results

        let dup = main.received(.exam(.recorded(s4)), from: .backup, Fixture.at(9_050))
        #expect(dup.isEmpty, "an identical RECORDED is ignored")
        #expect(main.view.results == results)

        // S1 is main's own record: a backup record of S1 is a second recording.
        let s1 = Grading.record(Fixture.submission(correct: 1), student: 1, roll: Fixture.roster(5)[0].roll, questions: Fixture.data.questions,
                                server: .backup, arrived: .milliseconds(1_001), started: .milliseconds(1_200))
        let twice = main.received(.exam(.recorded(s1)), from: .backup, Fixture.at(9_100))
        #expect(twice.invariants() == ["exactly_once"])
        #expect(main.view.records[0]?.server == .main, "main's own record stands")
    }
}

// MARK: - 2. The backup

@Suite struct BackupServerNodeTests {
    static let sub = Fixture.submission(correct: 6, warnings: 1)
    static let forward = Payload.exam(.forward(student: 4, sub, arrived: .milliseconds(1_004)))

    @Test func aForwardIsGradedThenRecordedReportedAndAcknowledged() throws {
        var backup = Fixture.backup()
        let fx = backup.received(Self.forward, from: .main, Fixture.at(1_100))
        let timers = fx.timers()
        try #require(timers.count == 1)
        #expect(timers[0].0 == .processed(student: 4))
        #expect(timers[0].1 >= backup.scenario.processingMin && timers[0].1 <= backup.scenario.processingMax)
        #expect(fx.sends().isEmpty && fx.logs().isEmpty)
        #expect(backup.busy == [.student(4)])

        let done = backup.timerFired(.processed(student: 4), Fixture.at(10_000))
        let recs = submits(done.logs())
        try #require(recs.count == 1)
        let rec = recs[0]
        #expect(rec.server == .backup && rec.student == .student(4))
        #expect(rec.arrived == .milliseconds(1_004), "when it reached main")
        #expect(rec.started == .milliseconds(1_100), "when the backup began")
        #expect(rec.raw == 60 && rec.final == 30)
        let sends = done.sends()
        #expect(sends.count == 2)
        #expect(sends.contains { $0.0 == .exam(.recorded(rec)) && $0.1 == .main })
        #expect(sends.contains { $0.0 == .exam(.ack(final: 30, server: .backup)) && $0.1 == .student(4) })
        #expect(backup.durable.records[3] == rec)
        #expect(backup.busy.isEmpty)
    }

    @Test func aDuplicateForwardWhileGradingDoesNothing() {
        var backup = Fixture.backup()
        _ = backup.received(Self.forward, from: .main, Fixture.at(1_100))
        let dup = backup.received(Self.forward, from: .main, Fixture.at(1_150))
        #expect(dup.isEmpty)
        // One grading only: its timer records once, and a stray second firing does nothing.
        #expect(submits(backup.timerFired(.processed(student: 4), Fixture.at(10_000)).logs()).count == 1)
        #expect(backup.timerFired(.processed(student: 4), Fixture.at(10_001)).isEmpty)
    }

    @Test func aForwardAfterRecordingIsOnlyAcknowledged() {
        var backup = Fixture.backup()
        _ = backup.received(Self.forward, from: .main, Fixture.at(1_100))
        _ = backup.timerFired(.processed(student: 4), Fixture.at(10_000))
        let again = backup.received(Self.forward, from: .main, Fixture.at(30_000))
        #expect(again.timers().isEmpty && again.logs().isEmpty)
        let sends = again.sends()
        #expect(sends.count == 1)
        #expect(sends.first?.0 == .exam(.ack(final: 30, server: .backup)) && sends.first?.1 == .student(4))
    }
}

// MARK: - 3. Grading

@Suite struct GradingNodeTests {
    @Test(arguments: [
        (0, 0, ExamSession.SubmitReason.manual, 0, 0),
        (7, 0, .manual, 70, 70),
        (10, 0, .timeout, 100, 100),
        (7, 1, .manual, 70, 35),
        (3, 1, .timeout, 30, 15),
        (10, 2, .terminated, 100, 0),
        (4, 2, .terminated, 40, 0),
    ])
    func rawIsTenPerCorrectAnswerHalvedByAWarningZeroWhenTerminated(correct: Int, warnings: Int, reason: ExamSession.SubmitReason, raw: Int, final: Int) {
        let sub = Fixture.submission(correct: correct, warnings: warnings, reason: reason)
        let rec = Grading.record(sub, student: 2, roll: 102, questions: Fixture.data.questions, server: .main,
                                 arrived: .milliseconds(5), started: .milliseconds(6))
        #expect(rec.raw == raw)
        #expect(rec.final == final)
        #expect(rec.warnings == warnings && rec.reason == reason && rec.roll == 102 && rec.student == .student(2))
    }

    @Test func anUnansweredQuestionEarnsNothing() {
        var sub = Fixture.submission(correct: 10)
        sub.answers[0] = nil
        sub.answers[9] = nil
        let rec = Grading.record(sub, student: 1, roll: 101, questions: Fixture.data.questions, server: .backup, arrived: .zero, started: .zero)
        #expect(rec.raw == 80 && rec.final == 80)
    }
}

// MARK: - 4. A student

@Suite struct StudentNodeTests {
    @Test func aQuestionSetsTheDeadlineOnTheStudentsOwnClockAndAThinkTimer() throws {
        var s = Fixture.student(1)
        // The student's clock runs 2 s ahead of true time; main's deadline is on main's clock,
        // and the countdown runs on the student's.
        let fx = s.received(.exam(.question(q: 1, deadline: .milliseconds(31_000))), from: .main, Fixture.at(1_000, local: 3_000))
        let local = fx.localTimers()
        try #require(local.count == 2)
        #expect(local[0].0 == .deadline(q: 1) && local[0].1 == .milliseconds(31_000))
        // And a watch for the next question, should its QUESTION be lost.
        #expect(local[1].0 == .questionDue && local[1].1 == .milliseconds(31_000) + Student.questionGrace)
        let think = fx.timers()
        try #require(think.count == 1)
        #expect(think[0].0 == .think(q: 1))
        #expect(think[0].1 >= .seconds(5) && think[0].1 <= .seconds(55), "scenario think range")
        #expect(s.exam.currentQuestion == 1)

        // The think timer answers, with an ANSWER to main for question 1.
        let answered = s.timerFired(.think(q: 1), Fixture.at(9_000, local: 11_000))
        let sends = answered.sends()
        #expect(sends.count == 1 && sends.first?.1 == .main)
        guard case .exam(.answer(q: 1, choice: let c?))? = sends.first?.0 else { Issue.record("no ANSWER"); return }
        #expect((0...3).contains(c) && s.exam.answers[0] == c)
    }

    @Test func aTakenOverStudentGetsNoThinkTimer() {
        var s = Fixture.student(2)
        #expect(s.command(.toggleTakeover, Fixture.at(0)).isEmpty)
        #expect(s.operated)
        let fx = s.received(.exam(.question(q: 1, deadline: .milliseconds(31_000))), from: .main, Fixture.at(1_000))
        #expect(fx.localTimers().map(\.0) == [.deadline(q: 1), .questionDue])
        #expect(fx.timers().isEmpty, "the operator answers, not a think timer")
        // A stray think firing does not answer for the operator either.
        #expect(s.timerFired(.think(q: 1), Fixture.at(9_000)).isEmpty)
        #expect(s.exam.answers[0] == nil)
    }

    @Test func anAdjustMovesTheClockOncePerRound() {
        var s = Fixture.student(1)
        let reply = s.received(.sync(.timeRequest(round: 1)), from: .main, Fixture.at(100, local: 2_100))
        #expect(reply.sends().map(\.0) == [.sync(.timeReply(round: 1, local: .milliseconds(2_100)))])
        let first = s.received(.sync(.adjust(round: 1, delta: .milliseconds(-1_950))), from: .main, Fixture.at(300, local: 2_300))
        #expect(first.adjustments() == [.milliseconds(-1_950)])
        let dup = s.received(.sync(.adjust(round: 1, delta: .milliseconds(-1_950))), from: .main, Fixture.at(320, local: 370))
        #expect(dup.isEmpty, "a duplicated ADJUST must not move the clock twice")
        #expect(s.clock.lastAdjust == ClockChange(round: 1, localBefore: .milliseconds(2_300), delta: .milliseconds(-1_950)))
        let next = s.received(.sync(.adjust(round: 2, delta: .milliseconds(40))), from: .main, Fixture.at(60_000))
        #expect(next.adjustments() == [.milliseconds(40)], "a new round adjusts again")
    }

    /// Ricart–Agrawala through the student: request, defer a later request, enter on all
    /// replies (logged, hold timer set), leave with the mark (MARK to main, the deferred
    /// REPLY, the hold timer cancelled).
    @Test func aStudentEntersAndLeavesTheMarksheet() throws {
        var s = Fixture.student(1, of: 3)
        _ = s.command(.toggleTakeover, Fixture.at(0))   // the operator types the mark
        let asked = s.command(.requestMarksheet, Fixture.at(1_000))
        #expect(asked.logs() == [.csRequest(node: .student(1), ts: 1)])
        #expect(Set(asked.sends().map(\.1)) == [.student(2), .student(3)])
        #expect(asked.sends().allSatisfy { $0.0 == .ra(.request(ts: 1)) })

        // S2 asks later (ts 5): S1's request precedes, so S2's reply is deferred.
        #expect(s.received(.ra(.request(ts: 5)), from: .student(2), Fixture.at(1_100)).isEmpty)
        #expect(s.received(.ra(.reply(ts: 2, request: 1)), from: .student(3), Fixture.at(1_200)).isEmpty, "one reply is not enough")
        let entered = s.received(.ra(.reply(ts: 7, request: 1)), from: .student(2), Fixture.at(1_300))
        #expect(entered.logs() == [.csEnter(node: .student(1))])
        #expect(entered.timers().map(\.0) == [.isaHold(entry: 1)])
        #expect(entered.timers().first?.1 == Fixture.data.scenario.isaHoldTimeout)
        guard case .inCS = s.isa else { Issue.record("not in the critical section"); return }

        _ = s.command(.editIsaMark(.digit(1)), Fixture.at(2_000))
        _ = s.command(.editIsaMark(.digit(7)), Fixture.at(2_500))
        let left = s.command(.editIsaMark(.confirm), Fixture.at(3_000))
        #expect(left.cancels() == [.isaHold(entry: 1)])
        #expect(left.logs() == [.csExit(node: .student(1), isa: 17, reason: .done)])
        let sends = left.sends()
        #expect(sends.contains { $0.0 == .exam(.mark(isa: 17, reason: .done)) && $0.1 == .main })
        let replies = sends.filter { if case .ra(.reply(_, request: 5)) = $0.0 { true } else { false } }
        #expect(replies.map(\.1) == [.student(2)], "the deferred REPLY answers S2's request")
        #expect(s.isa == .done(isa: 17, reason: .done))
    }

    /// A simulated student in the critical section types by itself; the hold timer still
    /// bounds its stay, recording what it typed so far.
    @Test func aSimulatedStudentPlansItsTypingAndTheHoldTimerEndsItsStay() throws {
        var s = Fixture.student(2, of: 2)
        _ = s.command(.requestMarksheet, Fixture.at(0))
        let entered = s.received(.ra(.reply(ts: 3, request: 1)), from: .student(1), Fixture.at(100))
        #expect(entered.logs() == [.csEnter(node: .student(2))])
        let typing = entered.timers().filter { if case .isaType = $0.0 { true } else { false } }
        #expect(!typing.isEmpty, "keystrokes planned")
        #expect(entered.timers().contains { $0.0 == .isaHold(entry: 1) })
        // The first keystroke lands, then the hold expires before Enter.
        _ = s.timerFired(.isaType(entry: 1, index: 0), Fixture.at(500))
        guard case .inCS(_, let typed, _) = s.isa else { Issue.record("left too early"); return }
        let held = s.timerFired(.isaHold(entry: 1), Fixture.at(5_100))
        #expect(held.logs() == [.csExit(node: .student(2), isa: Int(typed), reason: .timeout)])
        #expect(held.sends().contains { $0.0 == .exam(.mark(isa: Int(typed), reason: .timeout)) && $0.1 == .main })
        #expect(s.isa == .done(isa: Int(typed), reason: .timeout))
    }
}

// MARK: - 5. A replica

@Suite struct ReplicaNodeTests {
    static let copy: ChunkCopy = {
        var rows = Fixture.roster(4).prefix(2).map(ResultRow.pending)
        rows[0].isa = 14
        return ChunkCopy(chunk: 1, version: 1, rows: Array(rows))
    }()
    static let path = "replicas/replica-2/chunk-1.json"
    static var bytes: [UInt8] { ReplicaFiles.encode(copy) }
    static var sha: String { ReplicaFiles.sha256(bytes) }

    static func ok(_ op: StorageOp, outcome: StorageOutcome = .ok) -> StorageResult {
        StorageResult(op: op, path: path, sha256: sha, outcome: outcome)
    }

    /// A replica that stored `copy` and heard its file was written.
    static func holding() -> Replica {
        var r = Replica(number: 2)
        _ = r.received(.replica(.store(copy)), from: .main, Fixture.at(0))
        _ = r.storageResult(ok(.persist), Fixture.at(0))
        return r
    }

    @Test func aStoreIsConfirmedOnlyAfterItsFileIsWritten() throws {
        var r = Replica(number: 2)
        let fx = r.received(.replica(.store(Self.copy)), from: .main, Fixture.at(1_000))
        let p = fx.persists()
        try #require(p.count == 1)
        #expect(p[0].path == Self.path)
        #expect(p[0].bytes == Self.bytes)
        #expect(fx.sends().isEmpty && fx.logs().isEmpty, "no STORED before the file is written")

        let done = r.storageResult(Self.ok(.persist), Fixture.at(1_000))
        #expect(done.logs() == [.replicaWrite(replica: 2, chunk: 1, version: 1)])
        #expect(done.sends().map(\.0) == [.replica(.stored(chunk: 1, version: 1, sha256: Self.sha))])
        #expect(done.sends().map(\.1) == [.main])
    }

    @Test func aFailedWriteIsNotConfirmed() {
        var r = Replica(number: 2)
        _ = r.received(.replica(.store(Self.copy)), from: .main, Fixture.at(1_000))
        let failed = r.storageResult(Self.ok(.persist, outcome: .error), Fixture.at(1_000))
        #expect(failed.sends().isEmpty, "no STORED")
        #expect(failed.logs().isEmpty, "no replica_write")
    }

    @Test func aReadChecksTheFileBeforeServing() {
        var r = Self.holding()
        let fx = r.received(.replica(.read(chunk: 1, roll: Self.copy.rows[0].roll)), from: .student(1), Fixture.at(2_000))
        #expect(fx.sends().isEmpty, "no VALUE before the check")
        #expect(fx.checks().map(\.path) == [Self.path])
        #expect(fx.checks().map(\.sha256) == [Self.sha])
        let served = r.storageResult(Self.ok(.check), Fixture.at(2_000))
        #expect(served.sends().map(\.0) == [.replica(.value(chunk: 1, version: 1, isa: 14))])
        #expect(served.sends().map(\.1) == [.student(1)])
        #expect(served.persists().isEmpty && served.logs().isEmpty)
    }

    @Test(arguments: [StorageOutcome.corrupt, .missing])
    func aBadFileIsReportedRewrittenAndTheGoodCopyServed(outcome: StorageOutcome) {
        var r = Self.holding()
        _ = r.received(.replica(.read(chunk: 1, roll: Self.copy.rows[0].roll)), from: .student(1), Fixture.at(2_000))
        let fx = r.storageResult(Self.ok(.check, outcome: outcome), Fixture.at(2_000))
        #expect(fx.logs() == [.integrity(replica: 2, chunk: 1, problem: outcome == .missing ? .missing : .corrupt, repairedFrom: 2)])
        #expect(fx.persists().map(\.path) == [Self.path])
        #expect(fx.persists().map(\.bytes) == [Self.bytes], "rewritten from its own copy")
        #expect(fx.sends().map(\.0) == [.replica(.value(chunk: 1, version: 1, isa: 14))])
        #expect(r.repairs == 1)
    }
}

// MARK: - 6. Crash and restart

@Suite struct CrashRestartNodeTests {
    @Test func mainKeepsItsResultsAndLosesWhatWasInFlight() {
        var main = Fixture.main()
        _ = main.command(.startSync(participants: [.teacher, .student(1)]), Fixture.at(0))
        _ = main.command(.startExam, Fixture.at(1_000))
        let flagged = main.timerFired(.flagTick, Fixture.at(1_500)).sends()
        #expect(flagged.count == 1, "the detector flags someone")
        for k in 1...3 { _ = main.received(.exam(.submit(Fixture.submission(correct: k))), from: .student(k), Fixture.at(2_000 + Int64(k))) }
        _ = main.timerFired(.processed(student: 1), Fixture.at(9_000))
        _ = main.received(.lock(.lock(chunk: 1, mode: .write, req: 1)), from: .student(4), Fixture.at(9_100))
        _ = main.command(.replicate, Fixture.at(9_200))
        let records = main.view.records, results = main.view.results, coordinator = main.view.coordinator
        #expect(!main.view.syncStatus.isEmpty && !main.view.servers.mainBusy.isEmpty && !main.view.locks[0].holders.isEmpty)
        #expect(!main.volatile.detector.flagsSent.isEmpty && main.view.examStartedAt != nil)

        main.crash()
        let back = main.restart(Fixture.at(19_000))
        #expect(back.sends().contains { $0.1 == .backup && $0.0 == .exam(.recall) }, "a restarted main asks the backup whom it has")
        #expect(main.view.records == records && main.view.results == results)
        #expect(main.view.coordinator == coordinator && coordinator.started)
        #expect(main.view.syncStatus.isEmpty)
        #expect(main.view.servers.mainBusy.isEmpty)
        #expect(main.view.locks[0].holders.map(\.node) == [4], "the lock table is durable: S4 still holds chunk 1")
        #expect(main.volatile.detector.flagsSent.isEmpty, "the detector's memory is volatile")
        // S4's copy of its LOCK (its GRANT may have been lost) brings the GRANT again.
        let again = main.received(.lock(.lock(chunk: 1, mode: .write, req: 1)), from: .student(4), Fixture.at(19_100))
        #expect(again.sends().map(\.0) == [.lock(.grant(chunk: 1, mode: .write, version: 1, req: 1))])
        #expect(main.view.examStartedAt != nil, "the exam's schedule is durable")

        // S1 (recorded) resends: ACK from the durable record. S2 (lost in grading) resends: graded anew.
        let s1 = main.received(.exam(.submit(Fixture.submission(correct: 1))), from: .student(1), Fixture.at(20_000))
        #expect(acks(s1.sends()).map(\.final) == [10])
        #expect(acks(s1.sends()).map(\.server) == [.main])
        #expect(s1.timers().isEmpty)
        var s2 = main.received(.exam(.submit(Fixture.submission(correct: 2))), from: .student(2), Fixture.at(20_001))
        #expect(s2.timers().isEmpty, "held until the backup has answered")
        s2 = main.received(.exam(.claims([])), from: .backup, Fixture.at(20_100))
        #expect(s2.timers().map(\.0) == [.processed(student: 2)])
    }

    @Test func aReplicaKeepsItsCopiesAndForgetsPendingStorage() {
        var r = ReplicaNodeTests.holding()
        // A second copy's write is under way when the replica crashes.
        let chunk2 = ChunkCopy(chunk: 2, version: 1, rows: Array(Fixture.roster(4).suffix(2).map(ResultRow.pending)))
        _ = r.received(.replica(.store(chunk2)), from: .main, Fixture.at(1_000))
        r.crash()
        r.restart()
        #expect(r.store.copy(1) == ReplicaNodeTests.copy, "the copy stored before the crash survives")
        let late = StorageResult(op: .persist, path: "replicas/replica-2/chunk-2.json", sha256: ReplicaFiles.sha256(ReplicaFiles.encode(chunk2)), outcome: .ok)
        #expect(r.storageResult(late, Fixture.at(1_500)).isEmpty, "the pre-crash request is forgotten: no STORED")

        let read = r.received(.replica(.read(chunk: 1, roll: ReplicaNodeTests.copy.rows[0].roll)), from: .student(2), Fixture.at(2_000))
        #expect(read.checks().map(\.path) == [ReplicaNodeTests.path])
        let served = r.storageResult(ReplicaNodeTests.ok(.check), Fixture.at(2_000))
        #expect(served.sends().map(\.0) == [.replica(.value(chunk: 1, version: 1, isa: 14))])
    }

    @Test func aStudentRestartsFromItsSavedAnswers() {
        var s = Fixture.student(1)
        let fresh = s
        _ = s.received(.sync(.adjust(round: 1, delta: .milliseconds(30))), from: .main, Fixture.at(100))
        _ = s.received(.exam(.question(q: 1, deadline: .seconds(31))), from: .main, Fixture.at(1_000))
        _ = s.timerFired(.think(q: 1), Fixture.at(5_000))
        _ = s.command(.toggleTakeover, Fixture.at(6_000))
        _ = s.command(.requestMarksheet, Fixture.at(7_000))
        #expect(s.exam != fresh.exam && s.operated && s.isa != .notRequested)

        let answered = s.exam, clock = s.clock, ra = s.ra, isa = s.isa
        s.crash()
        let back = s.restart(Fixture.at(8_000))
        #expect(s.exam == answered, "the exam client's saved answers survive")
        #expect(back.sends().contains { $0.0 == .exam(.resume) && $0.1 == .main }, "it asks main which question is open")
        #expect(back.timers().contains { $0.0 == .questionDue }, "and asks again if that RESUME is lost too")
        #expect(s.clock == clock && s.clock.adjustedRound == 1, "the round it applied is remembered: a late ADJUST copy never applies twice")
        #expect(s.operated && s.isa == isa && s.ra == ra && s.flags.isEmpty, "its Ricart–Agrawala request survives")
        #expect(back.sends().filter { if case .ra(.request) = $0.0 { true } else { false } }.count == 2,
                "the REQUEST goes again to every peer whose REPLY has not come")
    }

    @Test func theBackupKeepsItsRecordsAndForgetsWhatItWasGrading() {
        var backup = Fixture.backup()
        let forward4 = BackupServerNodeTests.forward
        let forward5 = Payload.exam(.forward(student: 5, Fixture.submission(correct: 2), arrived: .milliseconds(1_005)))
        _ = backup.received(forward4, from: .main, Fixture.at(1_100))
        _ = backup.received(forward5, from: .main, Fixture.at(1_101))
        _ = backup.timerFired(.processed(student: 4), Fixture.at(9_000))
        let rec = backup.durable.records[3]
        #expect(backup.busy == [.student(5)])

        backup.crash()
        backup.restart()
        #expect(backup.durable.records[3] == rec && rec != nil)
        #expect(backup.busy.isEmpty)
        #expect(backup.timerFired(.processed(student: 5), Fixture.at(10_000)).isEmpty, "S5's grading was lost")
        let ack = backup.received(forward4, from: .main, Fixture.at(20_000))
        #expect(ack.sends().map(\.0) == [.exam(.ack(final: 30, server: .backup))] && ack.timers().isEmpty)
        #expect(backup.received(forward5, from: .main, Fixture.at(20_001)).timers().map(\.0) == [.processed(student: 5)], "a resent S5 is graded anew")
    }
}

// MARK: - 7. Per-node random streams

/// Each student draws from its own stream (the seed mixed with its node id): on every
/// QUESTION a think time, and when the think timer fires with the question still on screen,
/// whether it is right and, if not, which wrong option. Taking over S4 removes S4's draws
/// and changes the network's traffic — the network's latency stream is shared, so the
/// others' later QUESTIONs arrive tens of milliseconds earlier or later — but it draws
/// nothing from S1–S3's streams. So:
/// - question 1 goes exactly as before for S1–S3, its send time included: it was released
///   before S4 did anything different, and a student's think time and clock are its own;
/// - the ANSWERs S1–S3 send (question and choice) stay the same, though their times move.
///   This holds unless a think time falls within that shift of a deadline (checked over 40
///   seeds: it never did). TIMEOUT lines are not compared: a question still on screen on a
///   lagging clock when the next QUESTION arrives is locked without a TIMEOUT, and that race
///   does depend on arrival times (seeds 5, 12 and 33 show it).
@Suite struct RandomStreamNodeTests {
    struct Line: Equatable {
        var q: Int
        var choice: Int?
        var t: Int
    }

    /// Each student's ANSWER/TIMEOUT sends, in order, through sync and the exam.
    static func exam(seed: UInt64, takeOver: Int?) -> [Int: [Line]] {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 4, seed: seed, encodesLog: true))
        if let k = takeOver { sim.apply(.toggleTakeover(student: k)) }
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        sim.apply(.start(.exam))
        sim.runUntilQuiet()
        var out: [Int: [Line]] = [:]
        for l in TestLog.sends(TestLog.parse(sim.takeEncodedLog()), "exam") where ["ANSWER", "TIMEOUT"].contains(l["msg"] as? String) {
            let k = Int((l["from"] as! String).dropFirst("student-".count))!
            out[k, default: []].append(Line(q: int(l, "q"), choice: l["choice"] as? Int, t: int(l, "t")))
        }
        return out
    }

    @Test(arguments: [7, 5, 12, 33] as [UInt64])
    func takingOverOneStudentLeavesTheOthersAnswersAlone(seed: UInt64) throws {
        let base = Self.exam(seed: seed, takeOver: nil), operated = Self.exam(seed: seed, takeOver: 4)
        // S4 really behaved differently: it answered something by itself, and nothing when taken over.
        #expect(base[4, default: []].contains { $0.choice != nil })
        #expect(operated[4, default: []].allSatisfy { $0.choice == nil })
        var moved = false
        for k in 1...3 {
            let a = base[k, default: []], b = operated[k, default: []]
            let q1a = try #require(a.first), q1b = try #require(b.first)
            #expect(q1a.q == 1 && q1a == q1b, "S\(k)'s question 1, time included")
            let answersA = a.filter { $0.choice != nil }.map { [$0.q, $0.choice!] }
            let answersB = b.filter { $0.choice != nil }.map { [$0.q, $0.choice!] }
            #expect(!answersA.isEmpty)
            #expect(answersA == answersB, "S\(k)'s answers")
            if a.map(\.t) != b.map(\.t) { moved = true }
        }
        #expect(moved, "the traffic timing did change: the property is not trivial")
    }
}

// MARK: - 8. Node isolation

@Suite struct IsolationNodeTests {
    static func cluster() -> Cluster {
        Cluster(roster: Fixture.roster(3), questions: Fixture.data.questions, scenario: Fixture.data.scenario, seed: Fixture.seed)
    }

    static func envelope(_ id: Int, _ from: NodeID, _ to: NodeID, _ payload: Payload) -> Envelope {
        Envelope(id: id, from: from, to: to, sentAt: .zero, payload: payload)
    }

    /// S1 receives a question and answers it: S2's session, clock and random stream, and
    /// main's state, are as they were. The ANSWER is an effect addressed to main, not a change
    /// made to main.
    @Test func anInputForOneStudentChangesNoOtherNode() throws {
        var c = Self.cluster()
        let untouched = c
        let q1 = Payload.exam(.question(q: 1, deadline: .seconds(31)))
        let fx = c.received(Self.envelope(1, .main, .student(1), q1), Fixture.at(100))
        #expect(fx.timers().contains { $0.0 == .student(.think(q: 1)) }, "S1's own timer, tagged as a student's")
        let answered = c.timerFired(.student(.think(q: 1)), at: .student(1), Fixture.at(60_000, local: 20_000))
        #expect(answered.sends().contains { $0.1 == .main }, "the ANSWER goes out as a message")
        #expect(c.students[0].exam.answers[0] != nil)

        #expect(c.students[1].exam == untouched.students[1].exam)
        #expect(c.students[1].clock == untouched.students[1].clock && c.students[1].ra == untouched.students[1].ra)
        #expect(c.main.view.records == untouched.main.view.records && c.main.view.servers.mainBusy.isEmpty)
        // S1's draws came from S1's stream: S2 draws the same think time for the same question
        // as it would have with S1 untouched.
        var touched = c, fresh = untouched
        let toS2 = Self.envelope(2, .main, .student(2), q1)
        let d1 = touched.received(toS2, Fixture.at(100)).timers().map(\.1)
        let d2 = fresh.received(toS2, Fixture.at(100)).timers().map(\.1)
        #expect(!d1.isEmpty && d1 == d2)
    }

    /// Main records S1's submission, yet S1 learns it only from the ACK message: until that
    /// is delivered, S1 is still waiting.
    @Test func aStudentLearnsOfItsRecordOnlyFromTheAck() throws {
        var c = Self.cluster()
        _ = c.command(.student(.toggleTakeover), to: .student(1), Fixture.at(0))
        let submitted = c.command(.student(.submit), to: .student(1), Fixture.at(1_000))
        let submit = try #require(submitted.sends().first { if case .exam(.submit) = $0.0 { true } else { false } })
        #expect(submit.1 == .main)
        _ = c.received(Self.envelope(1, .student(1), .main, submit.0), Fixture.at(1_080))
        let graded = c.timerFired(.main(.processed(student: 1)), at: .main, Fixture.at(9_000))
        #expect(c.main.view.records[0]?.server == .main)
        #expect(c.students[0].exam.state == .submitted(.manual), "main's record is main's alone")
        let ack = try #require(graded.sends().first { $0.1 == .student(1) })
        _ = c.received(Self.envelope(2, .main, .student(1), ack.0), Fixture.at(9_080))
        #expect(c.students[0].exam.state == .recorded(.manual, server: .main, final: 0))
    }

    /// A timer is delivered to the node it belongs to: one of main's, at a student, does nothing.
    @Test func aTimerOfAnotherRoleIsNotDelivered() {
        var c = Self.cluster()
        let before = c.students[0].exam
        #expect(c.timerFired(.main(.release(q: 1)), at: .student(1), Fixture.at(0)).isEmpty)
        #expect(c.timerFired(.student(.deadline(q: 1)), at: .main, Fixture.at(0)).isEmpty)
        #expect(c.students[0].exam == before)
    }
}

// MARK: - 7. Recovery rules

/// What each protocol does when a message may have been lost: resend on the failure
/// detector's word (a peer reachable again), answer copies idempotently, time out a round.
@Suite struct RecoveryRuleTests {
    static func requests<T>(_ fx: [Effect<T>]) -> [NodeID] {
        fx.sends().compactMap { if case .ra(.request) = $0.0 { $0.1 } else { nil } }
    }

    @Test func aWaitingStudentAsksOnlyTheSilentPeerAgainWhenItIsReachable() {
        var s = Fixture.student(1, of: 3)
        _ = s.command(.isaOpened, Fixture.at(0))
        let asked = s.timerFired(.isaRequest, Fixture.at(1_000))
        #expect(Self.requests(asked) == [.student(2), .student(3)])
        _ = s.received(.ra(.reply(ts: 5, request: 1)), from: .student(2), Fixture.at(1_100))
        #expect(Self.requests(s.reachable(.student(2), Fixture.at(2_000))).isEmpty, "S2 has answered")
        #expect(Self.requests(s.reachable(.student(3), Fixture.at(2_000))) == [.student(3)], "S3's REPLY (or the REQUEST) was lost")
        #expect(s.reachable(.backup, Fixture.at(2_000)).isEmpty)
    }

    @Test func aCopyOfARequestIsAnsweredAgainByAnIdlePeerAndDeferredOnceByAHolder() {
        var idle = RicartAgrawala(id: 2, peers: [1, 3])
        #expect(idle.received(.request(ts: 1), from: 1).count == 1)
        #expect(idle.received(.request(ts: 1), from: 1).count == 1, "its REPLY may have been lost: it answers again")
        var holder = RicartAgrawala(id: 3, peers: [1, 2])
        _ = holder.request()
        _ = holder.received(.reply(ts: 2, request: 1), from: 1)
        #expect(holder.received(.reply(ts: 3, request: 1), from: 2) == [.enter])
        #expect(holder.received(.request(ts: 4), from: 1).isEmpty)
        #expect(holder.received(.request(ts: 4), from: 1).isEmpty)
        #expect(holder.exit().count == 1, "one deferred REPLY, however many copies came")
        #expect(holder.requestAgain().isEmpty && holder.awaiting.isEmpty, "nothing to ask for when not waiting")
    }

    @Test func aStudentBackInTheSectionIsStillBoundByItsHoldLimit() {
        var s = Fixture.student(1, of: 2)
        _ = s.command(.isaOpened, Fixture.at(0))
        _ = s.timerFired(.isaRequest, Fixture.at(1_000))
        _ = s.received(.ra(.reply(ts: 5, request: 1)), from: .student(2), Fixture.at(1_100))
        guard case .inCS = s.isa else { Issue.record("S1 should hold the marksheet"); return }
        s.crash()
        let back = s.restart(Fixture.at(3_100))
        let hold = back.timers().first { if case .isaHold = $0.0 { true } else { false } }
        #expect(hold?.1 == Fixture.data.scenario.isaHoldTimeout - .seconds(2), "the limit counts from entry, down time included")
        let late = s.restart(Fixture.at(60_000))
        #expect(late.timers().first { if case .isaHold = $0.0 { true } else { false } }?.1 == .zero, "long past the limit: it leaves at once")
    }

    @Test func aMarkThatMayHaveBeenLostGoesAgainWhenMainIsReachableUntilTheDemoOpens() {
        var s = Fixture.student(1, of: 2)
        _ = s.command(.isaOpened, Fixture.at(0))
        _ = s.timerFired(.isaRequest, Fixture.at(1_000))
        _ = s.received(.ra(.reply(ts: 5, request: 1)), from: .student(2), Fixture.at(1_100))
        _ = s.command(.toggleTakeover, Fixture.at(1_200))
        _ = s.command(.editIsaMark(.digit(7)), Fixture.at(1_300))
        let left = s.command(.editIsaMark(.confirm), Fixture.at(1_400))
        #expect(left.sends().contains { $0.0 == .exam(.mark(isa: 7, reason: .done)) })
        #expect(s.reachable(.main, Fixture.at(9_000)).sends().map(\.0) == [.exam(.mark(isa: 7, reason: .done))])
        _ = s.command(.demoOpened, Fixture.at(20_000))
        #expect(s.reachable(.main, Fixture.at(21_000)).sends().isEmpty, "the demo opened: main had every mark")
    }

    @Test func mainAnswersACopyOfAGrantedLockWithItsGrantAndIgnoresLateCopies() {
        var main = Fixture.main()
        let first = main.received(.lock(.lock(chunk: 1, mode: .read, req: 1)), from: .student(2), Fixture.at(0))
        #expect(first.sends().map(\.0) == [.lock(.grant(chunk: 1, mode: .read, version: 1, req: 1))])
        #expect(main.received(.lock(.lock(chunk: 1, mode: .read, req: 1)), from: .student(2), Fixture.at(10)).sends().map(\.0)
                == [.lock(.grant(chunk: 1, mode: .read, version: 1, req: 1))], "its GRANT may have been lost")
        #expect(main.reachable(.student(2), Fixture.at(20)).sends().map(\.0) == [.lock(.grant(chunk: 1, mode: .read, version: 1, req: 1))])
        // The hold ends; a late copy of request 1 must not take the lock again.
        let released = main.received(.lock(.unlock(chunk: 1, wrote: nil, req: 1)), from: .student(2), Fixture.at(30))
        #expect(released.logs().contains(.lockRelease(node: .student(2), chunk: 1, mode: .read)))
        #expect(main.received(.lock(.lock(chunk: 1, mode: .read, req: 1)), from: .student(2), Fixture.at(40)).isEmpty)
        #expect(main.received(.lock(.unlock(chunk: 1, wrote: nil, req: 1)), from: .student(2), Fixture.at(50)).isEmpty, "a copy of the UNLOCK changes nothing")
        #expect(main.view.locks[0].holders.isEmpty && main.reachable(.student(2), Fixture.at(60)).isEmpty)
    }

    @Test func aLockThatOvertookItsUnlockWaitsForIt() {
        var main = Fixture.main()
        _ = main.received(.lock(.lock(chunk: 1, mode: .write, req: 1)), from: .student(2), Fixture.at(0))
        // Request 2 arrives before the UNLOCK of request 1 (which was lost and is resent).
        #expect(main.received(.lock(.lock(chunk: 1, mode: .read, req: 2)), from: .student(2), Fixture.at(10)).isEmpty)
        #expect(main.view.locks[0].holders.map(\.mode) == [.write])
        let note = LockMessage.WriteNote(roll: 102, isa: 9, version: 2, sha256: "ab")
        let fx = main.received(.lock(.unlock(chunk: 1, wrote: note, req: 1)), from: .student(2), Fixture.at(20))
        #expect(fx.logs().contains(.lockRelease(node: .student(2), chunk: 1, mode: .write)))
        #expect(fx.sends().map(\.0).contains(.lock(.grant(chunk: 1, mode: .read, version: 2, req: 2))), "then request 2 is granted")
        #expect(main.view.versions[0] == 2 && main.view.results[1].isa == 9, "the write is committed once")
    }

    @Test func theDemoClientResendsItsUnconfirmedUnlockUntilALaterGrant() {
        var d = DemoClient(chunk: 1, roll: 101)
        d.start(actions: 3)
        #expect(d.chooseRead() == [.chose("read"), .lock(.read, req: 1)])
        #expect(d.resendToMain() == [.lock(.read, req: 1)], "waiting: the LOCK goes again")
        _ = d.granted(.read, version: 1, req: 1, replica: 2)
        _ = d.valueArrived(version: 1, isa: 5)
        #expect(d.readDone() == [.unlock(nil, req: 1), .chooseAgain])
        #expect(d.resendToMain() == [.unlock(nil, req: 1)])
        _ = d.chooseWrite(8)
        #expect(d.granted(.write, version: 1, req: 1, replica: 0).isEmpty, "a GRANT for the old request is not this one's")
        #expect(d.granted(.write, version: 1, req: 2, replica: 0) == [.write(version: 2, isa: 8)])
        #expect(d.resendToMain().isEmpty, "a later GRANT shows main took the UNLOCK")
    }

    @Test func aSyncRoundGoesOnWithoutAClockThatDoesNotAnswer() {
        var main = Fixture.main()
        let start = main.command(.startSync(participants: [.teacher, .student(1), .student(2)]), Fixture.at(0))
        #expect(start.timers().map(\.0) == [.syncTimeout(round: 1)])
        _ = main.received(.sync(.timeReply(round: 1, local: .milliseconds(120))), from: .teacher, Fixture.at(100))
        _ = main.received(.sync(.timeReply(round: 1, local: .milliseconds(90))), from: .student(1), Fixture.at(110))
        let fx = main.timerFired(.syncTimeout(round: 1), Fixture.at(5_000))
        #expect(Set(fx.sends().map(\.1)) == [.teacher, .student(1)], "ADJUST only to the clocks that answered")
        #expect(main.view.lastRound?.unanswered == [.student(2)])
        #expect(main.view.lastRound?.estimates.count == 2)
        #expect(main.timerFired(.syncTimeout(round: 1), Fixture.at(6_000)).isEmpty, "a round is computed once")
        // Every answer in: the round's timer is cancelled.
        let all = main.command(.startSync(participants: [.teacher]), Fixture.at(10_000))
        let done = main.received(.sync(.timeReply(round: 2, local: .milliseconds(10_050))), from: .teacher, Fixture.at(10_100))
        #expect(all.timers().map(\.0) == [.syncTimeout(round: 2)] && done.cancels() == [.syncTimeout(round: 2)])
    }

    @Test func mainsRoundNumbersGoOnAfterACrash() {
        var main = Fixture.main()
        _ = main.command(.startSync(participants: [.teacher]), Fixture.at(0))
        main.crash()
        _ = main.restart(Fixture.at(1_000))
        let again = main.command(.startSync(participants: [.teacher]), Fixture.at(2_000))
        #expect(again.sends().map(\.0) == [.sync(.timeRequest(round: 2))], "a client that applied round 1 must not take round 2 for a copy")
    }
}
