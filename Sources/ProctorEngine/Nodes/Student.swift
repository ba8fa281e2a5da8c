/// A student: a Berkeley client, an exam session with its countdowns on the student's own
/// clock, a Ricart–Agrawala peer for the ISA marksheet, and a consistency-demo client. It is
/// simulated (think times and choices drawn from its own random stream) unless the operator
/// has taken it over, when its answers and keys come as commands.
public struct Student: Sendable {
    public enum Timer: Hashable, Sendable {
        case think(q: Int)
        case deadline(q: Int)
        case retransmit
        case isaRequest
        /// The next keystroke of the `entry`-th stay in the critical section.
        case isaType(entry: Int, index: Int)
        case isaHold(entry: Int)
        case demoThink
        case demoRelease
        /// A READ or WRITE not answered: try the next replica, or resend to those missing.
        case demoRetry
        /// The next question is overdue (a QUESTION lost): ask main which one is open.
        case questionDue
        /// A simulated student that answered the last question presses submit early.
        case submitEarly
    }

    public enum Command: Sendable, Equatable {
        /// The ISA phase opened: a simulated student asks for the marksheet.
        case isaOpened
        /// The demo opened.
        case demoOpened
        case toggleTakeover
        case answer(Int)
        case submit
        case requestMarksheet
        /// The operator edits the ISA mark it types inside the critical section.
        case editIsaMark(MarkEdit)
        /// The operator chooses what the student does next in the demo.
        case chooseInDemo(DemoChoice)
        /// The operator edits the new mark of a demo write.
        case editDemoMark(MarkEdit)
    }

    /// One edit of a mark being typed.
    public enum MarkEdit: Sendable, Equatable {
        case digit(Int)
        case erase
        /// Enter the mark typed.
        case confirm
        /// Give up typing.
        case cancel
    }

    /// A choice in the consistency demo.
    public enum DemoChoice: Sendable, Equatable { case read, write, exit }

    public enum IsaStatus: Sendable, Equatable {
        case notRequested
        case waiting(since: VirtualTime)
        /// In the critical section, typing; `entry` numbers the student's stays.
        case inCS(since: VirtualTime, typed: String, entry: Int)
        case done(isa: Int?, reason: IsaExitReason)
    }

    public struct FlagRecord: Sendable, Equatable {
        public var at: VirtualTime
        /// The warning count it brought, or nil when it was dropped (already submitted).
        public var count: Int?
    }

    public typealias Effects = [Effect<Timer>]

    public let number: StudentID
    public let profile: Profile
    public private(set) var clock = BerkeleyClientState()
    public private(set) var exam: ExamSession
    public private(set) var flags: [FlagRecord] = []
    public private(set) var operated = false
    public private(set) var isa: IsaStatus = .notRequested
    public private(set) var ra: RicartAgrawala
    public private(set) var demo: DemoClient
    private var isaOpen = false
    /// The demo has opened (so the ISA phase is over: every mark is in).
    private var demoOpened = false
    private var planned = ""
    public private(set) var entries = 0
    /// Submissions resent without an ACK.
    private var retries = 0
    private var random: SeededRandom
    private let seed: UInt64

    /// What a student knows from the start and never changes: held once, by reference, so
    /// the class's students (and every step-back checkpoint of them) share it.
    public final class Profile: Sendable {
        public let roll: Int
        public let name: String
        public let questions: [Question]
        public let scenario: Scenario
        public let studentCount: Int

        public init(roll: Int, name: String, questions: [Question], scenario: Scenario, studentCount: Int) {
            self.roll = roll
            self.name = name
            self.questions = questions
            self.scenario = scenario
            self.studentCount = studentCount
        }
    }

    public init(number k: Int, profile: Profile, seed: UInt64) {
        number = k
        self.profile = profile
        self.seed = seed
        exam = ExamSession(questionCount: profile.questions.count, retransmitAfter: profile.scenario.retransmit)
        ra = RicartAgrawala(id: k, peers: (1...profile.studentCount).filter { $0 != k })
        demo = DemoClient(chunk: ReplicationCoordinator.chunk(ofStudent: k, studentCount: profile.studentCount), roll: profile.roll)
        random = SeededRandom(seed: seed, stream: NodeID.student(k).denseIndex)
    }

    public var id: NodeID { .student(number) }

    /// How long a READ or a WRITE may go unanswered before it is sent again (to the next
    /// replica for a read; to the replicas still missing for a write).
    public static let demoRetry = VirtualDuration.seconds(2)

    /// How long after a question's deadline the next one may be overdue before the student
    /// asks main for it.
    public static let questionGrace = VirtualDuration.seconds(10)
    var scenario: Scenario { profile.scenario }

    /// The student's program saves its progress as it goes (durable): the exam's answers
    /// and state, the last sync round it applied, its Ricart–Agrawala request, replies and
    /// promises (as the algorithm's crash-recovery form requires), its ISA entry, its demo
    /// client. The mark it was about to type and its timers are lost.
    public mutating func crash() {
        var fresh = Student(number: number, profile: profile, seed: seed)
        fresh.exam = exam
        fresh.clock = clock
        fresh.flags = flags
        fresh.operated = operated
        fresh.isa = isa
        fresh.ra = ra
        fresh.isaOpen = isaOpen
        fresh.entries = entries
        fresh.demo = demo
        fresh.demoOpened = demoOpened
        self = fresh
    }

    /// Back from the saved progress: the countdown or the resend is armed again, main is
    /// asked for the question now open (one released while the student was down was lost),
    /// and the ISA entry and the demo go on where they were.
    public mutating func restart(_ ctx: NodeContext) -> Effects {
        restartExam() + restartIsa(ctx) + restartDemo()
    }

    private func restartExam() -> Effects {
        switch exam.state {
        case .submitted:
            return [.setTimer(.retransmit, after: scenario.retransmit)]
        case .answering(let q, let deadline):
            return [.setTimerAtLocal(.deadline(q: q), local: deadline)] + askForOpenQuestion()
        case .between:
            return askForOpenQuestion()
        case .waiting:
            // No question seen yet: if the exam began while it was down, main sends the open
            // one (main ignores the ask before the exam).
            return exam.shown > 0 ? askForOpenQuestion() : [.send(.exam(.resume), to: .main)]
        case .recorded:
            return []
        }
    }

    /// RESUME, asked again every `questionGrace` until a QUESTION arrives (main may be down
    /// too, and the first RESUME lost with it).
    private func askForOpenQuestion() -> Effects {
        [.send(.exam(.resume), to: .main), .setTimer(.questionDue, after: Self.questionGrace)]
    }

    private mutating func restartIsa(_ ctx: NodeContext) -> Effects {
        switch isa {
        case .notRequested:
            return isaOpen && !operated ? [.setTimer(.isaRequest, after: .seconds(1))] : []
        case .waiting:
            // Replies that came while it was down were lost: it asks the silent peers again.
            return effects(of: ra.requestAgain(), ctx)
        case .inCS(let since, _, let entry):
            // The hold limit runs from entry, down time included.
            let left = since + scenario.isaHoldTimeout - ctx.now
            setTyped("")
            var out: Effects = [.setTimer(.isaHold(entry: entry), after: max(.zero, left))]
            if !operated && left > .zero { out += planTyping(entry: entry) }
            return out
        case .done:
            return markAgain()   // the MARK may have been lost with the crash (or main's)
        }
    }

    private mutating func restartDemo() -> Effects {
        var out = effects(of: demo.resendToMain())
        switch demo.activity {
        case .reading(let r, nil, nil):
            out += effects(of: [.read(replica: r)])
        case .reading:
            out.append(.setTimer(.demoRelease, after: .seconds(1)))
        case .writing:
            out.append(.setTimer(.demoRetry, after: .zero))
        case .choosing:
            if !operated { out.append(thinkAboutDemo()) }
        case .idle, .typing, .waiting, .exited:
            break
        }
        return out
    }

    /// The ISA mark again, while main may still lack it (the ISA phase open, the demo not
    /// yet: main takes a mark once).
    private func markAgain() -> Effects {
        guard case .done(let value, let reason) = isa, isaOpen, !demoOpened else { return [] }
        return [.send(.exam(.mark(isa: value, reason: reason)), to: .main)]
    }

    /// `peer` is reachable again — it restarted, or a link or a partition between the two
    /// healed (the failure detector's word). What it may have missed goes again: a Ricart–
    /// Agrawala REQUEST it has not answered, and for main the MARK and the lock traffic.
    public mutating func reachable(_ peer: NodeID, _ ctx: NodeContext) -> Effects {
        switch peer {
        case .student(let j):
            return effects(of: ra.requestAgain(to: j), ctx)
        case .main:
            var out: Effects = []
            if case .waiting = exam.state, exam.shown == 0, !isaOpen {
                out.append(.send(.exam(.resume), to: .main))   // question 1 may have been lost
            }
            return out + markAgain() + effects(of: demo.resendToMain())
        default:
            return []
        }
    }

    // MARK: Inputs

    public mutating func received(_ payload: Payload, from: NodeID, _ ctx: NodeContext) -> Effects {
        switch payload {
        case .sync(let m):
            return clock.received(m, from: from, ctx).map { $0.effect() }
        case .exam(let m):
            return receivedExam(m, ctx)
        case .ra(let m):
            guard case .student(let j) = from else { return [] }
            return effects(of: ra.received(m, from: j), ctx)
        case .lock(.grant(_, let mode, let version, let req)):
            let replica = Int(random.int(in: 1...Int64(ReplicationCoordinator.replicaCount)))
            return effects(of: demo.granted(mode, version: version, req: req, replica: mode == .read ? replica : 0))
        case .replica(.value(_, let version, let value)):
            return effects(of: demo.valueArrived(version: version, isa: value))
        case .replica(.written(_, let version, let sha)):
            guard case .replica(let r) = from else { return [] }
            return effects(of: demo.writtenArrived(from: r, version: version, sha256: sha))
        case .lock, .replica:
            return []
        }
    }

    public mutating func timerFired(_ t: Timer, _ ctx: NodeContext) -> Effects {
        switch t {
        case .think(let q):
            guard !operated, exam.currentQuestion == q else { return [] }
            let right = profile.questions[q - 1].answer
            let correct = random.unit() < scenario.accuracy
            let wrong = (right + 1 + Int(random.int(in: 0...2))) % 4
            var out = effects(of: exam.answer(correct ? right : wrong, localNow: ctx.local), ctx)
            // The last question answered: most wait for its countdown; a few press submit
            // early, some seconds before it ends.
            if exam.answeredAll, random.unit() < scenario.earlySubmit, case .answering(_, let deadline) = exam.state {
                let before = random.duration(in: .seconds(2)...(.seconds(10)))
                out.append(.setTimerAtLocal(.submitEarly, local: max(ctx.local + .seconds(1), deadline + VirtualDuration(microseconds: -before.microseconds))))
            }
            return out
        case .submitEarly:
            guard !operated, exam.answeredAll else { return [] }
            return effects(of: exam.submitRequested(), ctx)
        case .deadline(let q):
            return effects(of: exam.deadlineExpired(q: q, localNow: ctx.local), ctx)
        case .questionDue:
            guard !exam.hasSubmitted else { return [] }
            return [.send(.exam(.resume), to: .main), .setTimer(.questionDue, after: Self.questionGrace)]
        case .retransmit:
            // No ACK: the first retry goes to main again (its ACK may have been lost); after
            // that main counts as down and the submission goes to the backup (failover).
            guard case .submitted = exam.state else { return [] }
            retries += 1
            let failover = retries >= 2
            var out: Effects = failover && retries == 2 ? [.log(.failover(student: id, reason: "main down"))] : []
            out += effects(of: exam.retransmitDue(), ctx, to: failover ? .backup : .main)
            return out
        case .isaRequest:
            return requestMarksheet(ctx)
        case .isaType(let entry, let index):
            guard case .inCS(_, let typed, entry) = isa, !operated else { return [] }
            let mark = Array(planned)
            if index < mark.count {
                setTyped(typed + String(mark[index]))
                return []
            }
            return leaveMarksheet(Int(typed), .done, ctx)
        case .isaHold(let entry):
            guard case .inCS(_, let typed, entry) = isa else { return [] }
            return [.notice("S\(number) held the marksheet too long: auto-submitted " + (typed.isEmpty ? "with no mark" : "with \(typed)") + ", and it leaves.")]
                + leaveMarksheet(Int(typed), .timeout, ctx)
        case .demoThink:
            guard demo.mayChoose, !operated else { return [] }
            let p = random.unit()
            let value = Int(random.int(in: 0...Int64(scenario.isaMaxMark)))
            if demo.wantsToLeave || p >= 0.85 { return effects(of: demo.exit()) }
            return effects(of: p < 0.55 ? demo.chooseRead() : demo.chooseWrite(value))
        case .demoRelease:
            return effects(of: demo.readDone())
        case .demoRetry:
            if case .writing(let value, let v, _) = demo.activity {
                let c = demo.chunk
                return demo.writeWaitsFor.map { .send(.replica(.write(chunk: c, version: v, roll: profile.roll, isa: value)), to: .replica($0)) }
                    + [.setTimer(.demoRetry, after: Self.demoRetry)]
            }
            let retry = effects(of: demo.readUnanswered())
            return retry.isEmpty ? [] : retry + [.setTimer(.demoRetry, after: Self.demoRetry)]
        }
    }

    public mutating func command(_ c: Command, _ ctx: NodeContext) -> Effects {
        switch c {
        case .isaOpened:
            isaOpen = true
            guard !operated else { return [] }
            return [.setTimer(.isaRequest, after: random.duration(in: .zero...VirtualDuration(microseconds: Int64(scenario.isaRequestSpread * 1_000_000))))]
        case .demoOpened:
            demoOpened = true
            demo.start(actions: Int(random.int(in: 1...3)))
            return operated ? [] : [thinkAboutDemo()]
        case .toggleTakeover:
            operated.toggle()
            return operated ? [] : resumeSimulated(ctx)
        case .answer(let choice):
            guard exam.currentQuestion != nil else { return [.notice("S\(number) has no question on screen right now.")] }
            return effects(of: exam.answer(choice, localNow: ctx.local), ctx)
        case .submit:
            guard !exam.hasSubmitted else { return [.notice("S\(number) has already submitted.")] }
            return effects(of: exam.submitRequested(), ctx)
        case .requestMarksheet:
            switch isa {
            case .notRequested: return requestMarksheet(ctx)
            case .waiting: return [.notice("S\(number) is already waiting for replies.")]
            case .inCS: return [.notice("S\(number) holds the marksheet: type the mark, Enter.")]
            case .done(let v, _): return refuse("S\(number)'s ISA mark is already recorded (\(v.map(String.init) ?? "none")); it is never written twice.")
            }
        case .editIsaMark(let edit):
            return editIsaMark(edit, ctx)
        case .chooseInDemo(let choice):
            return demo(.choose(choice))
        case .editDemoMark(let edit):
            return demo(.edit(edit))
        }
    }

    public mutating func storageResult(_ r: StorageResult, _ ctx: NodeContext) -> Effects { [] }

    // MARK: Exam

    private mutating func receivedExam(_ m: ExamMessage, _ ctx: NodeContext) -> Effects {
        switch m {
        case .question(let q, let deadline):
            let actions = exam.questionArrived(q: q, deadline: deadline)
            var out = effects(of: actions, ctx)
            if !actions.isEmpty, !exam.hasSubmitted {
                out += [.cancelTimer(.questionDue), .setTimerAtLocal(.questionDue, local: deadline + Self.questionGrace)]
            }
            if !actions.isEmpty && !operated { out.append(think(q)) }
            return out
        case .ack(let final, let server):
            guard case .submitted = exam.state else { return [] }
            return [.cancelTimer(.retransmit)] + effects(of: exam.acknowledged(server: server, final: final), ctx)
        case .flag(let n):
            return effects(of: exam.flagArrived(n: n), ctx)
        default:
            return []
        }
    }

    private mutating func think(_ q: Int) -> Effect<Timer> {
        let lo = Int64(scenario.thinkMin * 1_000_000), hi = Int64(scenario.thinkMax * 1_000_000)
        return .setTimer(.think(q: q), after: VirtualDuration(microseconds: random.int(in: lo...max(lo, hi))))
    }

    /// The exam session: its actions as effects.
    private mutating func effects(of actions: [ExamSession.Action], _ ctx: NodeContext, to server: NodeID = .main) -> Effects {
        var out: Effects = []
        for a in actions {
            switch a {
            case .send(let m):
                if case .submit = m { out.append(.cancelTimer(.questionDue)) }
                out.append(.send(.exam(m), to: server))
            case .setDeadline(let q, let at):
                out.append(.setTimerAtLocal(.deadline(q: q), local: at))
            case .setRetransmit(let after):
                out.append(.setTimer(.retransmit, after: after))
            case .warned(let count):
                out.append(.log(.warning(student: id, count: count)))
                flags.append(FlagRecord(at: ctx.now, count: count))
                if count >= 2 { out.append(.notice("S\(number) \(profile.name): second warning — the exam is terminated with 0.")) }
            case .flagDropped:
                out.append(.log(.flagDropped(student: id)))
                flags.append(FlagRecord(at: ctx.now, count: nil))
            }
        }
        return out
    }

    // MARK: ISA (Ricart–Agrawala)

    private mutating func requestMarksheet(_ ctx: NodeContext) -> Effects {
        guard isa == .notRequested else { return [] }
        isa = .waiting(since: ctx.now)
        let actions = ra.request()
        return [.log(.csRequest(node: id, ts: ra.requestTimestamp ?? 0))] + effects(of: actions, ctx)
    }

    /// Ricart–Agrawala: its actions as effects.
    private mutating func effects(of actions: [RicartAgrawala.Action], _ ctx: NodeContext) -> Effects {
        var out: Effects = []
        for a in actions {
            switch a {
            case .send(let m, let to): out.append(.send(.ra(m), to: .student(to)))
            case .enter: out += enterMarksheet(ctx)
            }
        }
        return out
    }

    private mutating func enterMarksheet(_ ctx: NodeContext) -> Effects {
        entries += 1
        isa = .inCS(since: ctx.now, typed: "", entry: entries)
        var out: Effects = [.log(.csEnter(node: id)), .setTimer(.isaHold(entry: entries), after: scenario.isaHoldTimeout)]
        if !operated { out += planTyping(entry: entries) }
        return out
    }

    /// A simulated student types its mark digit by digit, then Enter.
    private mutating func planTyping(entry: Int) -> Effects {
        let mark = String(random.int(in: 0...Int64(scenario.isaMaxMark)))
        let total = random.int(in: Int64(scenario.isaTypeMin * 1_000_000)...Int64(scenario.isaTypeMax * 1_000_000))
        planned = mark
        let keys = mark.count + 1
        return (0..<keys).map { i in
            .setTimer(.isaType(entry: entry, index: i), after: VirtualDuration(microseconds: total * Int64(i + 1) / Int64(keys)))
        }
    }

    private mutating func setTyped(_ typed: String) {
        guard case .inCS(let since, _, let entry) = isa else { return }
        isa = .inCS(since: since, typed: typed, entry: entry)
    }

    private mutating func leaveMarksheet(_ value: Int?, _ reason: IsaExitReason, _ ctx: NodeContext) -> Effects {
        guard case .inCS(_, _, let entry) = isa else { return [] }
        isa = .done(isa: value, reason: reason)
        return [.cancelTimer(.isaHold(entry: entry)), .log(.csExit(node: id, isa: value, reason: reason)),
                .send(.exam(.mark(isa: value, reason: reason)), to: .main)] + effects(of: ra.exit(), ctx)
    }

    private mutating func editIsaMark(_ edit: MarkEdit, _ ctx: NodeContext) -> Effects {
        guard case .inCS(_, let typed, _) = isa else {
            if case .done(let v, .timeout) = isa {
                return refuse("Too late: S\(number)'s hold timed out and \(v.map(String.init) ?? "no mark") was recorded. A late entry is refused.")
            }
            return []
        }
        switch edit {
        case .digit(let d):
            if typed.count < String(scenario.isaMaxMark).count { setTyped(typed + String(d)) }
            return []
        case .erase:
            setTyped(String(typed.dropLast()))
            return []
        case .confirm:
            guard let v = Int(typed) else { return [.notice("Type the mark first (0–\(scenario.isaMaxMark)), then Enter.")] }
            guard v <= scenario.isaMaxMark else { return [.notice("ISA marks run from 0 to \(scenario.isaMaxMark).")] }
            return leaveMarksheet(v, .done, ctx)
        case .cancel:
            return leaveMarksheet(nil, .done, ctx)
        }
    }

    private func refuse(_ text: String) -> Effects {
        [.log(.isaRefused(node: id, reason: text)), .notice(text)]
    }

    // MARK: Consistency demo

    private mutating func thinkAboutDemo() -> Effect<Timer> {
        .setTimer(.demoThink, after: random.duration(in: .milliseconds(500)...(.milliseconds(4000))))
    }

    /// The consistency-demo client: its actions as effects.
    private mutating func effects(of actions: [DemoClient.Action]) -> Effects {
        var out: Effects = []
        let c = demo.chunk
        for a in actions {
            switch a {
            case .chose(let choice):
                out.append(.log(.demoChoice(student: id, choice: choice)))
            case .lock(let mode, let req):
                out.append(.send(.lock(.lock(chunk: c, mode: mode, req: req)), to: .main))
            case .read(let r):
                out.append(.send(.replica(.read(chunk: c, roll: profile.roll)), to: .replica(r)))
                out.append(.setTimer(.demoRetry, after: Self.demoRetry))
            case .write(let v, let value):
                for r in 1...ReplicationCoordinator.replicaCount {
                    out.append(.send(.replica(.write(chunk: c, version: v, roll: profile.roll, isa: value)), to: .replica(r)))
                }
                out.append(.setTimer(.demoRetry, after: Self.demoRetry))
            case .unlock(let note, let req):
                if note != nil { out.append(.cancelTimer(.demoRetry)) }
                out.append(.send(.lock(.unlock(chunk: c, wrote: note, req: req)), to: .main))
            case .holdRead:
                out.append(.cancelTimer(.demoRetry))
                out.append(.setTimer(.demoRelease, after: random.duration(in: .seconds(1)...(.seconds(3)))))
            case .chooseAgain:
                if !operated { out.append(thinkAboutDemo()) }
            }
        }
        return out
    }

    private enum DemoInput {
        case choose(DemoChoice)
        case edit(MarkEdit)
    }

    private mutating func demo(_ input: DemoInput) -> Effects {
        switch (demo.activity, input) {
        case (.choosing, .choose(.read)): return effects(of: demo.chooseRead())
        case (.choosing, .choose(.write)): demo.type(""); return []
        case (.choosing, .choose(.exit)): return effects(of: demo.exit())
        case (.typing(let t), .edit(.digit(let d))):
            if t.count < String(scenario.isaMaxMark).count { demo.type(t + String(d)) }
            return []
        case (.typing(let t), .edit(.erase)): demo.type(String(t.dropLast())); return []
        case (.typing, .edit(.cancel)): demo.cancelTyping(); return []
        case (.typing(let t), .edit(.confirm)):
            guard let v = Int(t), v <= scenario.isaMaxMark else { return [.notice("Type a mark from 0 to \(scenario.isaMaxMark), then Enter.")] }
            return effects(of: demo.chooseWrite(v))
        case (.exited, _): return [.notice("S\(number) has left the demo.")]
        case (.idle, _): return []
        case (.reading, _): return [.notice("S\(number) holds the read lock on chunk \(demo.chunk) while it reads; it lets go in a moment, then r · w · x again.")]
        case (.waiting(let mode, _), _): return [.notice("S\(number) waits for the \(mode.rawValue) lock on chunk \(demo.chunk): the lock queues pane says who holds it.")]
        case (.writing, _): return [.notice("S\(number) is writing to every replica; when all have confirmed, it releases the lock.")]
        default: return [.notice("S\(number) is busy: wait for its lock to be released.")]
        }
    }

    /// Handed back to the simulation mid-phase: it answers, asks or types by itself again.
    private mutating func resumeSimulated(_ ctx: NodeContext) -> Effects {
        var out: Effects = []
        if let q = exam.currentQuestion { out.append(think(q)) }
        if isaOpen {
            switch isa {
            case .notRequested: out.append(.setTimer(.isaRequest, after: .seconds(1)))
            case .inCS(_, _, let entry): out += planTyping(entry: entry)
            default: break
            }
        }
        if demo.isTyping { demo.cancelTyping() }
        if demo.mayChoose { out.append(.setTimer(.demoThink, after: .seconds(1))) }
        return out
    }

    // MARK: View

    /// What a screen or an observer may read of a student.
    public struct View: Sendable {
        public var number: StudentID
        public var operated: Bool
        public var exam: ExamSession
        public var flags: [FlagRecord]
        public var isa: IsaStatus
        public var ra: RicartAgrawala
        public var demo: DemoClient
        /// The last correction Berkeley made to its clock.
        public var lastAdjust: ClockChange?
        /// Its stays in the ISA critical section.
        public var entries: Int
    }

    public var view: View {
        View(number: number, operated: operated, exam: exam, flags: flags, isa: isa, ra: ra, demo: demo,
             lastAdjust: clock.lastAdjust, entries: entries)
    }
}
