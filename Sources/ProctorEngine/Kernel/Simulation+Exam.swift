/// The exam phase: questions with countdowns on each student's clock, simulated and
/// operator-played students, the cheating detector, and the submission router.
extension Simulation {
    public struct ExamState: Sendable {
        public var startedAt: VirtualTime?
        /// Main's clock reading when the exam started: question q closes at this + q × 30 s.
        public var startOnMainClock = VirtualTime.zero
        /// Whether the clocks had been synchronized when the exam started.
        public var syncedBeforeStart = false
        public var sessions: [ExamSession]
        /// Students the operator plays (index from 0).
        public var operated: [Bool]
        public var flags: [FlagRecord] = []
        public var redirects: [RedirectRecord] = []
        public var records: [SubmitRecord?]
        var arrivedAt: [VirtualTime?]
        var processingStartedAt: [VirtualTime?]
        var pending: [Submission?]
        public let questions: [Question]
        public let secondsPerQuestion: Int

        init(students: Int, questions: [Question], scenario: Scenario) {
            sessions = Array(repeating: ExamSession(questionCount: questions.count, retransmitAfter: scenario.retransmit), count: students)
            operated = Array(repeating: false, count: students)
            records = Array(repeating: nil, count: students)
            arrivedAt = Array(repeating: nil, count: students)
            processingStartedAt = Array(repeating: nil, count: students)
            pending = Array(repeating: nil, count: students)
            self.questions = questions
            secondsPerQuestion = scenario.secondsPerQuestion
        }

        public var recordedCount: Int { records.lazy.filter { $0 != nil }.count }
    }

    public struct FlagRecord: Sendable, Equatable {
        public var at: VirtualTime
        public var student: Int
        /// The warning count it brought, or nil when it was dropped (already submitted).
        public var count: Int?
    }

    public struct RedirectRecord: Sendable, Equatable {
        public var at: VirtualTime
        public var student: Int
    }

    // MARK: Starting

    func startExam() {
        guard exam.startedAt == nil else {
            say(completed.contains(.exam) ? "The exam is over: every submission is recorded." : "The exam is already running.")
            return
        }
        enter(.exam)
        exam.startedAt = now
        exam.syncedBeforeStart = completed.contains(.sync)
        exam.startOnMainClock = clocks[0].reading(at: now)
        releaseQuestion(1)
        var r = examRandom
        scheduleDetector(detector.start(random: &r))
        examRandom = r
        say(exam.syncedBeforeStart
            ? "Exam started: \(exam.questions.count) questions, \(exam.secondsPerQuestion) s each on every student's synchronized clock."
            : "Exam started WITHOUT clock sync: each countdown runs on a clock seconds off main's, so they disagree.")
    }

    /// Main's clock reading at which question `q` closes.
    func closing(_ q: Int) -> VirtualTime {
        exam.startOnMainClock + .seconds(Int64(q * exam.secondsPerQuestion))
    }

    /// Sends question `q` to every student whose submission main has not received, and sets
    /// the release of the next one for when this one closes on main's clock.
    func releaseQuestion(_ q: Int) {
        for k in 1...students.count where exam.pending[k - 1] == nil {
            send(.exam(.question(q: q, deadline: closing(q))), from: .main, to: .student(k))
        }
        if q < exam.questions.count {
            queue.schedule(.timer(.release(q: q + 1)), at: max(now, clocks[0].trueTime(whenReading: closing(q))))
        }
    }

    // MARK: Messages

    func receiveExam(_ m: ExamMessage, _ env: Envelope) {
        switch (env.to, m) {
        case (.student(let k), _): studentReceived(m, k: k)
        case (.main, .answer):
            break   // recorded with the submission; the next question comes on main's schedule
        case (.main, .submit(let sub)):
            guard case .student(let k) = env.from else { return }
            if exam.arrivedAt[k - 1] == nil {
                exam.arrivedAt[k - 1] = now
                exam.pending[k - 1] = sub
            }
            detector.submitted(.student(k))
            perform(router.arrivedAtMain(from: .student(k), processing: processingTime()), at: .main)
        case (.backup, .forward(let k, _)):
            perform(router.arrivedAtBackup(from: .student(k), processing: processingTime()), at: .backup)
        default:
            break
        }
    }

    private func studentReceived(_ m: ExamMessage, k: Int) {
        let actions: [ExamSession.Action]
        switch m {
        case .question(let q, let deadline):
            actions = exam.sessions[k - 1].questionArrived(q: q, deadline: deadline)
            if !actions.isEmpty && !exam.operated[k - 1] { scheduleThink(k, q) }
        case .ack(let final, let server):
            actions = exam.sessions[k - 1].acknowledged(server: server, final: final)
        case .flag(let n):
            actions = exam.sessions[k - 1].flagArrived(n: n)
        default:
            actions = []
        }
        carryOut(actions, k)
    }

    /// Carries out what a student's session asked for.
    func carryOut(_ actions: [ExamSession.Action], _ k: Int) {
        for a in actions {
            switch a {
            case .send(let m):
                send(.exam(m), from: .student(k), to: .main)
            case .setDeadline(let q, let at):
                queue.schedule(.timer(.deadline(student: k, q: q)), at: max(now, clocks[1 + k].trueTime(whenReading: at)))
            case .setRetransmit(let after):
                queue.schedule(.timer(.retransmit(student: k)), at: now + after)
            case .warned(let count):
                record(.warning(student: .student(k), count: count))
                exam.flags.append(FlagRecord(at: now, student: k, count: count))
                if count >= 2 { say("S\(k) \(students[k - 1].name): second warning — the exam is terminated with 0.") }
            case .flagDropped:
                record(.flagDropped(student: .student(k)))
                exam.flags.append(FlagRecord(at: now, student: k, count: nil))
            }
        }
    }

    func deadlineFired(_ k: Int, _ q: Int) {
        let actions = exam.sessions[k - 1].deadlineExpired(q: q, localNow: clocks[1 + k].reading(at: now))
        carryOut(actions, k)
    }

    func retransmitFired(_ k: Int) {
        let actions = exam.sessions[k - 1].retransmitDue()
        carryOut(actions, k)
    }

    func detectorTick() {
        var r = examRandom
        let actions = detector.tick(random: &r)
        examRandom = r
        scheduleDetector(actions)
    }

    func gradingFinished(_ k: Int, on server: NodeID) {
        perform(router.finished(student: .student(k), on: server), at: server)
    }

    /// A simulated student's think time is over: it answers, right with the set accuracy.
    func simulatedAnswer(_ k: Int, _ q: Int) {
        guard !exam.operated[k - 1], exam.sessions[k - 1].currentQuestion == q else { return }
        let right = exam.questions[q - 1].answer
        var r = examRandom
        let correct = Double(r.next() >> 11) / Double(1 << 53) < scenario.accuracy
        let wrong = (right + 1 + Int(r.int(in: 0...2))) % 4
        examRandom = r
        answer(k, correct ? right : wrong)
    }

    private func scheduleThink(_ k: Int, _ q: Int) {
        var r = examRandom
        let lo = Int64(scenario.thinkMin * 1_000_000), hi = Int64(scenario.thinkMax * 1_000_000)
        let think = VirtualDuration(microseconds: r.int(in: lo...max(lo, hi)))
        examRandom = r
        queue.schedule(.timer(.think(student: k, q: q)), at: now + think)
    }

    private func scheduleDetector(_ actions: [CheatingDetector.Action]) {
        for a in actions {
            switch a {
            case .flag(let s): send(.exam(.flag(n: detector.flagsSent[s, default: 0])), from: .main, to: s)
            case .next(let after): queue.schedule(.timer(.flagTick), at: now + after)
            }
        }
    }

    private func processingTime() -> VirtualDuration {
        var r = examRandom
        let d = VirtualDuration(microseconds: r.int(in: scenario.processingMin.microseconds...scenario.processingMax.microseconds))
        examRandom = r
        return d
    }

    // MARK: Answers and submissions

    private func answer(_ k: Int, _ choice: Int) {
        let actions = exam.sessions[k - 1].answer(choice, localNow: clocks[1 + k].reading(at: now))
        carryOut(actions, k)
    }

    /// Carries out the router's actions; `node` is the server whose input produced them.
    func perform(_ actions: [SubmissionRouter.Action], at node: NodeID) {
        for a in actions {
            switch a {
            case .startProcessing(let s, let server, let duration):
                guard case .student(let k) = s else { continue }
                if exam.processingStartedAt[k - 1] == nil || server == .backup { exam.processingStartedAt[k - 1] = now }
                if router.mainBusy.count > router.mainSlots {
                    breakInvariant("main_slots", "main is processing \(router.mainBusy.count) submissions, more than \(router.mainSlots)")
                }
                queue.schedule(.timer(.processed(student: k, server: server)), at: now + duration)
            case .redirect(let s, let busy):
                guard case .student(let k) = s, let sub = exam.pending[k - 1] else { continue }
                record(.redirect(student: s, busy: busy))
                exam.redirects.append(RedirectRecord(at: now, student: k))
                send(.exam(.forward(student: k, sub)), from: .main, to: .backup)
            case .record(let s, let server):
                guard case .student(let k) = s else { continue }
                recordSubmission(k, server: server)
            case .acknowledge(let s, let server):
                guard case .student(let k) = s, let r = exam.records[k - 1] else { continue }
                send(.exam(.ack(final: r.final, server: server)), from: node, to: s)
            case .ignoreDuplicate:
                break
            }
        }
    }

    private func recordSubmission(_ k: Int, server: NodeID) {
        guard let sub = exam.pending[k - 1] else { return }
        if exam.records[k - 1] != nil {
            breakInvariant("exactly_once", "S\(k) recorded twice")
            return
        }
        let correct = zip(sub.answers, exam.questions).filter { $0.0 == $0.1.answer }.count
        let raw = 10 * correct
        let final = sub.reason == .terminated ? 0 : (sub.warnings == 0 ? raw : raw / 2)
        let rec = SubmitRecord(student: .student(k), roll: students[k - 1].roll, reason: sub.reason, server: server,
                               arrived: exam.arrivedAt[k - 1] ?? now, started: exam.processingStartedAt[k - 1] ?? now,
                               warnings: sub.warnings, raw: raw, final: final)
        exam.records[k - 1] = rec
        record(.submit(rec))
        results[k - 1].mcq = raw
        results[k - 1].warnings = sub.warnings
        results[k - 1].final = final
        results[k - 1].status = sub.reason == .terminated ? .terminated : .submitted
        results[k - 1].server = server
        resultsRevision += 1
        if exam.recordedCount == students.count {
            completed.insert(.exam)
            say("Exam over: \(students.count) submissions recorded — main \(router.handledByMain), backup \(router.handledByBackup), \(router.redirects) redirected.")
        }
    }

    // MARK: Operator

    func toggleTakeover(_ k: Int) {
        guard (1...students.count).contains(k) else { return }
        exam.operated[k - 1].toggle()
        if exam.operated[k - 1] {
            say(isa.startedAt != nil
                ? "You now play S\(k) \(students[k - 1].name): i asks for the marksheet, then type the mark and Enter."
                : "You now play S\(k) \(students[k - 1].name): a–d answer, s submits, t hands it back.")
        } else {
            say("S\(k) \(students[k - 1].name) is simulated again.")
            if let q = exam.sessions[k - 1].currentQuestion { scheduleThink(k, q) }
            resumeSimulatedIsa(k)
            if demo.startedAt != nil, demo.activity[k - 1] == .choosing || { if case .typing = demo.activity[k - 1] { true } else { false } }() {
                demo.activity[k - 1] = .choosing
                queue.schedule(.timer(.demoThink(student: k)), at: now + .seconds(1))
            }
        }
    }

    /// Whether the operator plays student `k`; when not, says how to take it over.
    func operatorPlays(_ k: Int, before doing: String) -> Bool {
        guard exam.operated[k - 1] else {
            say("Press t to take over S\(k) before \(doing).")
            return false
        }
        return true
    }

    func operatorAnswer(_ k: Int, _ choice: Int) {
        guard (1...students.count).contains(k), (0...3).contains(choice), operatorPlays(k, before: "answering for it") else { return }
        guard exam.sessions[k - 1].currentQuestion != nil else {
            say(exam.startedAt == nil ? "The exam has not started: press 2." : "S\(k) has no question on screen right now.")
            return
        }
        answer(k, choice)
    }

    func operatorSubmit(_ k: Int) {
        guard (1...students.count).contains(k), operatorPlays(k, before: "submitting for it") else { return }
        guard exam.startedAt != nil, !exam.sessions[k - 1].hasSubmitted else {
            say(exam.startedAt == nil ? "The exam has not started: press 2." : "S\(k) has already submitted.")
            return
        }
        let actions = exam.sessions[k - 1].submitRequested()
        carryOut(actions, k)
    }
}
