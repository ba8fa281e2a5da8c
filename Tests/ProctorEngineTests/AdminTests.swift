import Testing
@testable import ProctorEngine

/// The admin console as a node, driven by hand: a command in, effects out. No kernel, no
/// other node: what it knows of the run comes in its context.
@Suite struct AdminTests {
    static let data = ExamData.defaults()

    static func admin(students n: Int = 3) -> Admin {
        Admin(roster: data.students(count: n), questionCount: data.questions.count, secondsPerQuestion: data.scenario.secondsPerQuestion)
    }

    static func at(_ seconds: Int64, operated: [Bool] = [false, false, false], down: Set<NodeID> = []) -> Admin.Context {
        var ctx = Admin.Context(now: .seconds(seconds))
        ctx.operated = operated
        ctx.down = down
        return ctx
    }

    static func logs(_ fx: Admin.Effects) -> [LogEntry.Kind] {
        fx.compactMap { if case .log(let k) = $0 { k } else { nil } }
    }
    static func notices(_ fx: Admin.Effects) -> [String] {
        fx.compactMap { if case .notice(let t) = $0 { t } else { nil } }
    }
    static func orders(_ fx: Admin.Effects) -> [Admin.Order] {
        fx.compactMap { if case .order(let o) = $0 { o } else { nil } }
    }
    static func phases(_ fx: Admin.Effects) -> [Phase] {
        logs(fx).compactMap { if case .phase(let p) = $0 { p } else { nil } }
    }

    @Test func pressing3BeforeTheExamIsRefusedWithNoPhaseLineAndNoCommandLine() {
        var a = Self.admin()
        let fx = a.command(.operate(.start(.isa)), Self.at(1))
        #expect(Self.notices(fx) == ["ISA marks come after the exam: start the exam first (2)."])
        #expect(Self.logs(fx).isEmpty, "neither the command nor a phase is logged")
        #expect(Self.orders(fx).isEmpty)
        #expect(a.phase == nil && !a.started(.isa))
        #expect(a.commandLog.map(\.command) == [.start(.isa)], "the session record keeps it: a replay refuses it the same way")
    }

    @Test func thePhasesComeInOrderEachRefusalNamingTheStepMissing() {
        var a = Self.admin()
        #expect(Self.notices(a.command(.operate(.start(.replication)), Self.at(0))) == ["Replicas hold the final results: start the exam first (2)."])
        #expect(Self.notices(a.command(.operate(.start(.consistency)), Self.at(0))) == ["The demo reads and writes the replicas: start the exam first (2)."])
        let exam = a.command(.operate(.start(.exam)), Self.at(2))
        #expect(Self.logs(exam) == [.command(.start(.exam)), .phase(.exam)])
        #expect(Self.orders(exam) == [.scheduleFaults(.exam), .command(.main(.startExam), to: .main, whenDown: .refuse)])
        #expect(Self.notices(exam).first?.hasPrefix("Exam started WITHOUT clock sync") == true)
        #expect(Self.notices(a.command(.operate(.start(.isa)), Self.at(3))) == ["ISA marks come after the exam: wait for the exam to finish."])
        #expect(Self.notices(a.command(.operate(.start(.exam)), Self.at(3))) == ["The exam is already running."])
        _ = a.command(.completed(.exam), Self.at(4))
        #expect(a.nextPhase == .sync, "n offers the clock sync the exam went without")
        let isa = a.command(.operate(.start(.isa)), Self.at(5))
        #expect(Self.phases(isa) == [.isa])
        #expect(Self.orders(isa).dropFirst().allSatisfy { if case .command(.student(.isaOpened), _, .deliver) = $0 { true } else { false } },
                "a student that is down takes the opening in and acts on it when back")
    }

    @Test func noPhaseStartsWhileMainIsDown() {
        var a = Self.admin()
        let fx = a.command(.operate(.start(.sync)), Self.at(1, down: [.main]))
        #expect(Self.notices(fx) == ["main is down: restart it (f) before starting the sync phase."])
        #expect(Self.logs(fx).isEmpty && a.syncRound == nil)
    }

    @Test func aSyncRoundAsksMainToPollAndASecondPressWaitsForIt() {
        var a = Self.admin()
        let fx = a.command(.operate(.start(.sync)), Self.at(1))
        #expect(Self.logs(fx) == [.command(.start(.sync)), .phase(.sync)])
        #expect(Self.orders(fx).last == .command(.main(.startSync(participants: [.teacher, .student(1), .student(2), .student(3)])), to: .main, whenDown: .refuse))
        #expect(Self.notices(fx) == ["Sync round 1: main polls 4 clocks."])
        #expect(a.syncRound == 1)
        #expect(Self.notices(a.command(.operate(.start(.sync)), Self.at(2))) == ["A sync round is already in progress: watch the REPLYs reach main."])
        // Lost (main crashed in it): main polls again, round 2.
        let again = a.command(.syncRoundLost(why: "main lost sync round 1 with its crash"), Self.at(3))
        #expect(Self.logs(again).isEmpty, "a re-poll is no new phase")
        #expect(Self.notices(again) == ["main lost sync round 1 with its crash: main polls again (round 2)."])
        #expect(a.syncRound == 2)
        let result = SyncRoundResult(round: 2, spreadBefore: .seconds(5), spreadAfter: .milliseconds(20), maxRoundTrip: .milliseconds(200), outliers: [])
        _ = a.command(.syncRoundDone(result), Self.at(4))
        #expect(a.syncRound == nil && a.completed == [.sync] && a.syncRoundsCompleted == 1)
        #expect(a.notice == nil, "the console's notices are effects the host shows")
    }

    @Test func aReSyncDuringTheExamHandsTheStageBackWhenItEnds() {
        var a = Self.admin()
        _ = a.command(.operate(.start(.exam)), Self.at(1))
        let fx = a.command(.operate(.start(.sync)), Self.at(2))
        #expect(Self.orders(fx) == [.scheduleFaults(.sync), .command(.main(.startSync(participants: [.teacher, .student(1), .student(2), .student(3)])), to: .main, whenDown: .refuse)])
        #expect(a.phase == .sync)
        _ = a.command(.syncRoundDone(SyncRoundResult(round: 1, spreadBefore: .zero, spreadAfter: .zero, maxRoundTrip: .zero, outliers: [])), Self.at(3))
        #expect(a.phase == .exam)
    }

    @Test func aPlayedStudentsKeysNeedTheTakeoverAndTheirPhase() {
        var a = Self.admin()
        #expect(Self.notices(a.command(.operate(.answer(student: 2, choice: 1)), Self.at(1))) == ["Press t to take over S2 before answering for it."])
        let operated = Self.at(1, operated: [false, true, false])
        let early = a.command(.operate(.answer(student: 2, choice: 1)), operated)
        #expect(Self.notices(early) == ["The exam has not started: press 2."])
        #expect(Self.logs(early) == [.command(.answer(student: 2, choice: 1))], "the command is logged, the refusal is not a phase")
        #expect(Self.orders(early).isEmpty)
        _ = a.command(.operate(.start(.exam)), operated)
        #expect(Self.orders(a.command(.operate(.answer(student: 2, choice: 1)), operated)) == [.command(.student(.answer(1)), to: .student(2), whenDown: .refuse)])
        #expect(Self.notices(a.command(.operate(.demo(student: 2, .read)), operated)) == ["The consistency demo comes after replication (4)."])
    }

    @Test func aTakeoverIsTheStudentsAndTheConsoleSaysWhoPlaysIt() {
        var a = Self.admin()
        let fx = a.command(.operate(.toggleTakeover(student: 1)), Self.at(1))
        #expect(Self.orders(fx) == [.command(.student(.toggleTakeover), to: .student(1), whenDown: .refuse)])
        #expect(Self.notices(fx).last?.hasPrefix("You now play S1 ") == true)
        // A student that is down refuses the takeover: still simulated.
        let down = a.command(.operate(.toggleTakeover(student: 1)), Self.at(2, down: [.student(1)]))
        #expect(Self.notices(down).last?.hasSuffix("is simulated again.") == true)
    }

    @Test func aMenuFaultIsAnchoredToThePhaseOnAndHandedToTheHost() {
        var a = Self.admin()
        _ = a.command(.operate(.start(.exam)), Self.at(10))
        let spec = FaultSpec(kind: .crash, node: .backup, from: nil, to: nil, phase: .sync, offset: .zero, duration: nil, amount: nil)
        let fx = a.command(.operate(.inject(spec)), Self.at(42))
        guard case .inject(let anchored)? = Self.orders(fx).first else { Issue.record("no inject order"); return }
        #expect(anchored.phase == .exam && anchored.offset == .seconds(32))
        #expect(a.commandLog.last?.command == .inject(anchored))
    }

    @Test func theConsoleSaysWhatAFaultMeansAndAKeyForAStudentBecomesWhatItDoes() {
        var a = Self.admin()
        let jump = FaultSpec(kind: .clockjump, node: .student(2), from: nil, to: nil, phase: .exam, offset: .zero, duration: nil, amount: .milliseconds(-1800))
        #expect(Self.notices(a.command(.fault(jump, began: true), Self.at(1))) == ["S2's clock jumped back 1.8 s; a sync round (1) pulls it back."])
        let crash = FaultSpec(kind: .crash, node: .main, from: nil, to: nil, phase: .exam, offset: .zero, duration: nil, amount: nil)
        #expect(Self.notices(a.command(.fault(crash, began: false), Self.at(2))) == ["main restarted from its durable state."])
        let drop = FaultSpec(kind: .drop, node: nil, from: .main, to: .student(1), phase: .exam, offset: .zero, duration: nil, amount: nil)
        #expect(a.command(.fault(drop, began: true), Self.at(3)).isEmpty, "a link's fault shows in the log alone")
        #expect(IsaKey.enter.edit == .confirm && IsaKey.backspace.edit == .erase)
        #expect(DemoKey.write.studentCommand == .chooseInDemo(.write) && DemoKey.digit(7).studentCommand == .editDemoMark(.digit(7)))
    }

    @Test func theDemoEndsOnceEveryStudentLeftAndNoLockIsHeld() {
        var a = Self.admin(students: 2)
        for (p, t) in [(Phase.exam, 1), (.isa, 2), (.replication, 3)] {
            _ = a.command(.operate(.start(p)), Self.at(Int64(t), operated: [false, false]))
            _ = a.command(.completed(p), Self.at(Int64(t), operated: [false, false]))
        }
        _ = a.command(.operate(.start(.consistency)), Self.at(4, operated: [false, false]))
        var ctx = Self.at(5, operated: [false, false])
        ctx.demoExits = 1
        #expect(a.command(.demoProgress, ctx).isEmpty)
        ctx.demoExits = 2
        ctx.locksIdle = false
        #expect(a.command(.demoProgress, ctx).isEmpty)
        ctx.locksIdle = true
        let fx = a.command(.demoProgress, ctx)
        #expect(Self.phases(fx) == [.done])
        #expect(a.completed.contains(.consistency) && a.phase == .done)
        #expect(a.command(.finish, ctx).isEmpty, "the end is logged once")
    }
}

/// The sync-round observer, fed by hand what a host reports: it follows a round main was
/// asked to start and reports its completion once every ADJUST has been applied.
@Suite struct SyncRoundObserverTests {
    @Test func aRoundEndsWhenEveryAdjustIsAppliedOrLost() {
        // A real cluster and kernel, driven only as far as main computing round 1.
        var world = World(data: .defaults(), studentCount: 2, seed: 5, encodesLog: false)
        let storage = MemoryStorage()
        world.apply(.start(.sync), storage: storage)
        #expect(world.observers.sync.round == 1)
        // Run until main has computed the round, without letting an ADJUST be applied yet.
        while world.cluster.main.view.lastRound == nil { world.deliverNext(storage: storage) }
        var observer = SyncRoundObserver()
        var invariants = InvariantObserver()
        observer.performed(.command(.main(.startSync(participants: [.teacher, .student(1), .student(2)])), to: .main, whenDown: .refuse),
                           cluster: world.cluster)
        #expect(observer.round == 1)
        #expect(observer.clockAdjusted(.main, cluster: world.cluster, kernel: world.kernel, invariants: &invariants).isEmpty,
                "main's own correction is not one of the round's ADJUSTs")
        #expect(observer.clockAdjusted(.teacher, cluster: world.cluster, kernel: world.kernel, invariants: &invariants).isEmpty)
        #expect(observer.clockAdjusted(.student(1), cluster: world.cluster, kernel: world.kernel, invariants: &invariants).isEmpty)
        let adjust = Envelope(id: 99, from: .main, to: .student(2), sentAt: world.now, payload: .sync(.adjust(round: 1, delta: .zero)))
        let done = observer.dropped(adjust, cluster: world.cluster, kernel: world.kernel, invariants: &invariants)
        guard case .log(.syncResult(let result))? = done.first else { Issue.record("no sync_result: \(done)"); return }
        #expect(result.round == 1 && result.notAdjusted == [.student(2)])
        #expect(done.last == .console(.syncRoundDone(result)))
        #expect(observer.round == nil && observer.roundsCompleted == 1 && observer.lastResult == result)
        #expect(invariants.checker[.clockBound].checks == 1)
    }

    @Test func aRoundMainLostWithItsCrashIsPolledAgainAfterTheEvent() {
        var world = World(data: .defaults(), studentCount: 2, seed: 5, encodesLog: false)
        world.apply(.start(.sync), storage: MemoryStorage())
        var observer = SyncRoundObserver()
        observer.performed(.command(.main(.startSync(participants: [])), to: .main, whenDown: .refuse), cluster: world.cluster)
        observer.logged(.recover(kind: "restart", node: .main, from: nil, to: nil), cluster: world.cluster, kernel: world.kernel)
        #expect(observer.takeAlerts() == [.syncRoundLost(why: "main lost sync round 1 with its crash")])
        #expect(observer.takeAlerts().isEmpty)
    }
}
