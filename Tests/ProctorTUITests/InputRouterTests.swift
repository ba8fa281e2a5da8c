import Testing
@testable import ProctorEngine
@testable import ProctorTUI

/// Keys in, what the program does out — mode by mode, without a terminal.
@Suite struct InputRouterTests {
    static let nothingYet = RoutingFacts.start(students: 5)
    static let examOver = RoutingFacts(examOver: Array(repeating: true, count: 5), isaDone: Array(repeating: false, count: 5), demoStarted: false)
    static let demo = RoutingFacts(examOver: Array(repeating: true, count: 5), isaDone: Array(repeating: true, count: 5), demoStarted: true)

    /// Presses the keys that bring a fresh router into `mode`; returns the facts that hold there.
    static func enter(_ mode: InputMode, _ r: inout InputRouter) -> RoutingFacts {
        switch mode {
        case .normal: return nothingYet
        case .answering: press(&r, .char("t")); return nothingYet
        case .demo: press(&r, .char("t"), facts: demo); return demo
        case .markPrompt: press(&r, .char("t"), .char("i"), facts: examOver); return examOver
        case .diagram: press(&r, .char("g")); return nothingYet
        case .help: press(&r, .char("?")); return nothingYet
        case .faultMenu: press(&r, .char("f")); return nothingYet
        }
    }

    /// A router after `keys`, each routed with `facts`; returns the actions of the last key.
    @discardableResult
    static func press(_ r: inout InputRouter, _ keys: Key..., facts: RoutingFacts = nothingYet) -> [InputRouter.Action] {
        var last: [InputRouter.Action] = []
        for k in keys { last = r.route(k, facts) }
        return last
    }

    static func digit(_ d: Int) -> Key { .char(Character(String(d))) }

    /// `[` scrolls the event log back, `]` forward, `\\` to the newest — in any mode, and never
    /// further back than the snapshot's recent events.
    @Test func theEventLogScrollsBackAndForward() {
        var r = InputRouter(students: 5, maxMark: 20)
        var facts = Self.nothingYet
        facts.logLength = 12
        _ = r.route(.char("["), facts)
        _ = r.route(.char("["), facts)
        #expect(r.logScroll == 10)
        _ = r.route(.char("["), facts)
        #expect(r.logScroll == 12, "no further back than the recent events")
        _ = r.route(.char("]"), facts)
        #expect(r.logScroll == 7)
        _ = r.route(.char("\\"), facts)
        #expect(r.logScroll == 0)
        _ = r.route(.char("]"), facts)
        #expect(r.logScroll == 0, "never past the newest")
    }

    @Test func eTogglesTheFocusedStudentsScreen() {
        var r = InputRouter(students: 5, maxMark: 20)
        #expect(!r.studentScreen)
        #expect(r.route(.char("e"), Self.nothingYet).isEmpty, "a view change: nothing for the engine")
        #expect(r.studentScreen)
        _ = r.route(.char("e"), Self.nothingYet)
        #expect(!r.studentScreen)
    }

    @Test func normalModeRunsThePhasesTimeAndFocus() {
        var r = InputRouter(students: 5, maxMark: 20)
        #expect(r.mode(Self.nothingYet) == .normal)
        #expect(Self.press(&r, .char("1")) == [.send(.start(.sync))])
        #expect(Self.press(&r, .pageDown) == [.send(.nextPhase)])
        #expect(Self.press(&r, .char(" ")) == [.togglePause])
        #expect(Self.press(&r, .char(".")) == [.step])
        #expect(Self.press(&r, .char("+")) == [.faster])
        #expect(Self.press(&r, .char("-")) == [.slower])
        // No student is played: a student's key goes to the engine, which says to press t
        // first; it opens no prompt.
        #expect(Self.press(&r, .char("a")) == [.send(.answer(student: 1, choice: 0))])
        #expect(Self.press(&r, .char("w")) == [.send(.demo(student: 1, .write))])
        #expect(r.mode(Self.nothingYet) == .normal, "w opened no prompt for a student not played")
        #expect(Self.press(&r, .enter).isEmpty)
        Self.press(&r, .backTab)
        #expect(r.focus == 4, "focus wraps")
        Self.press(&r, .tab, .tab)
        #expect(r.focus == 1)
        Self.press(&r, .end)
        #expect(r.focus == 4)
        Self.press(&r, .char("v"))
        #expect(r.teacherView)
        #expect(Self.press(&r, .char("q")) == [.quit])
    }

    @Test func answeringModeAnswersAndSubmitsForTheFocusedStudent() {
        var r = InputRouter(students: 5, maxMark: 20)
        Self.press(&r, .tab)
        #expect(Self.press(&r, .char("t")) == [.send(.toggleTakeover(student: 2))])
        #expect(r.mode(Self.nothingYet) == .answering)
        #expect(Self.press(&r, .char("a")) == [.send(.answer(student: 2, choice: 0))])
        #expect(Self.press(&r, .char("d")) == [.send(.answer(student: 2, choice: 3))])
        #expect(Self.press(&r, .char("s")) == [.send(.submitExam(student: 2))])
        #expect(Self.press(&r, .char("2")) == [.send(.start(.exam))], "normal keys work while answering")
        Self.press(&r, .tab)
        #expect(r.mode(Self.nothingYet) == .normal, "S3 is not played")
        Self.press(&r, .backTab)
        #expect(r.mode(Self.examOver) == .normal, "S2's exam is over")
        Self.press(&r, .char("t"))
        #expect(r.mode(Self.nothingYet) == .normal, "t hands S2 back")
    }

    @Test func bAnswersWhileAnsweringAndStepsBackOtherwise() {
        var r = InputRouter(students: 5, maxMark: 20)
        #expect(Self.press(&r, .char("b")) == [.stepBack], "normal")
        Self.press(&r, .char("t"))
        #expect(Self.press(&r, .char("b")) == [.send(.answer(student: 1, choice: 1))], "answering")
        #expect(Self.press(&r, .char("b"), facts: Self.examOver) == [.stepBack], "the played student's exam is over")
        #expect(Self.press(&r, .char("b"), facts: Self.demo) == [.stepBack], "demo")
        Self.press(&r, .char("i"), facts: Self.examOver)
        #expect(r.mode(Self.examOver) == .markPrompt)
        #expect(Self.press(&r, .char("b"), facts: Self.examOver) == [.stepBack], "mark prompt")
    }

    @Test(arguments: [InputMode.normal, .answering, .demo, .markPrompt, .diagram])
    func pageUpAlwaysStepsBack(mode: InputMode) {
        var r = InputRouter(students: 5, maxMark: 20)
        let facts = Self.enter(mode, &r)
        #expect(r.mode(facts) == mode)
        #expect(Self.press(&r, .pageUp, facts: facts) == [.stepBack])
        #expect(r.mode(facts) == mode, "stepping back leaves the mode as it was")
    }

    @Test func theIsaPromptTakesDigitsUntilEscAndNoPhaseKeyMeanwhile() {
        var r = InputRouter(students: 5, maxMark: 20)
        Self.press(&r, .char("t"), facts: Self.examOver)
        #expect(Self.press(&r, .char("i"), facts: Self.examOver) == [.send(.requestMarksheet(student: 1))])
        #expect(r.mode(Self.examOver) == .markPrompt)
        #expect(Self.press(&r, .char("1"), facts: Self.examOver) == [.send(.isaKey(student: 1, .digit(1)))], "a digit, not clock sync")
        #expect(Self.press(&r, .backspace, facts: Self.examOver) == [.send(.isaKey(student: 1, .backspace))])
        #expect(Self.press(&r, .tab, facts: Self.examOver).isEmpty, "the focus stays with the prompt")
        #expect(r.focus == 0)
        #expect(Self.press(&r, .char("t"), facts: Self.examOver).isEmpty, "no hand-back mid-prompt")
        #expect(Self.press(&r, .escape, facts: Self.examOver) == [.send(.isaKey(student: 1, .escape))])
        #expect(r.mode(Self.examOver) == .normal, "Esc leaves the prompt")
        #expect(Self.press(&r, .char("1"), facts: Self.examOver) == [.send(.start(.sync))])
    }

    @Test func theIsaPromptClosesAfterEnterOnceTheMarkIsRecorded() {
        var r = InputRouter(students: 5, maxMark: 20)
        Self.press(&r, .char("t"), .char("i"), facts: Self.examOver)
        Self.press(&r, .enter, facts: Self.examOver)
        #expect(r.mode(Self.examOver) == .markPrompt, "Enter on nothing typed is refused: the prompt stays")
        Self.press(&r, Self.digit(1), Self.digit(5), .enter, facts: Self.examOver)
        #expect(r.mode(Self.examOver) == .markPrompt, "until a snapshot shows the mark recorded, keys still go to the prompt")
        var recorded = Self.examOver
        recorded.isaDone[0] = true
        #expect(r.mode(recorded) == .normal)
        #expect(Self.press(&r, .char("2"), facts: recorded) == [.send(.start(.exam))])
        #expect(r.prompt == nil)
    }

    /// The hold limit ends a stay while the player still types: the prompt closes with it,
    /// and the keys are the phase keys again (the status bar no longer offers 0–9).
    @Test func theIsaPromptClosesWhenTheHoldLimitRecordsTheMark() {
        var r = InputRouter(students: 5, maxMark: 20)
        Self.press(&r, .char("t"), .char("i"), Self.digit(1), facts: Self.examOver)
        #expect(r.mode(Self.examOver) == .markPrompt)
        var timedOut = Self.examOver
        timedOut.isaDone[0] = true
        #expect(r.mode(timedOut) == .normal)
        #expect(Self.press(&r, .char("4"), facts: timedOut) == [.send(.start(.replication))])
    }

    @Test func aPlayedStudentHoldingTheMarksheetHasThePromptWithoutI() {
        var r = InputRouter(students: 5, maxMark: 20)
        var holding = Self.examOver
        holding.holdsMarksheet = [true, false, false, false, false]
        #expect(r.mode(holding) == .normal, "S1 is simulated: its marksheet is not the operator's")
        Self.press(&r, .char("t"), facts: Self.examOver)
        #expect(r.mode(holding) == .markPrompt)
        #expect(Self.press(&r, Self.digit(4), facts: holding) == [.send(.isaKey(student: 1, .digit(4)))], "a digit for the mark, not the replicas")
        #expect(Self.press(&r, .escape, facts: holding) == [.send(.isaKey(student: 1, .escape))])
        #expect(Self.press(&r, Self.digit(4), facts: holding) == [.send(.isaKey(student: 1, .digit(4)))],
                "a snapshot from before the Esc took effect: the key goes to the closed prompt, where it does nothing")
        #expect(r.mode(Self.examOver) == .normal, "the snapshot shows S1 has left")
        #expect(Self.press(&r, Self.digit(4), facts: Self.examOver) == [.send(.start(.replication))])
    }

    /// Esc while waiting for the marksheet leaves the prompt, but the request stands: when the
    /// marksheet is granted, the prompt is back and the mark goes into it.
    @Test func theMarksheetGrantedAfterAnEscStillTakesTheMark() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 5, encodesLog: false))
        sim.run(through: [Phase.sync, .exam])
        var r = InputRouter(students: 3, maxMark: sim.scenario.isaMaxMark)
        func type(_ keys: Key...) {
            for k in keys {
                for case .send(let c) in r.route(k, RoutingFacts(Snapshot(simulation: sim, paused: false, speed: 1))) { sim.apply(c) }
            }
        }
        type(.char("t"), .char("3"), .char("i"), .escape)
        #expect({ if case .waiting = sim.snapshot().isa.status[0] { true } else { false } }(), "\(sim.snapshot().isa.status[0])")
        var steps = 0
        while !{ if case .inCS = sim.snapshot().isa.status[0] { true } else { false } }() && steps < 10_000 {
            sim.step()
            steps += 1
        }
        type(Self.digit(1), Self.digit(2), .enter)
        guard case .done(let mark, _) = sim.snapshot().isa.status[0] else {
            Issue.record("S1's mark was not recorded: \(sim.snapshot().isa.status[0])")
            return
        }
        #expect(mark == 12)
        #expect(sim.phase == .isa, "no phase key fired")
    }

    @Test func aRecordedMarkOrAStudentNotPlayedOpensNoPrompt() {
        var r = InputRouter(students: 5, maxMark: 20)
        #expect(Self.press(&r, .char("i"), facts: Self.examOver) == [.send(.requestMarksheet(student: 1))], "the engine says to take over first")
        #expect(r.mode(Self.examOver) == .normal)
        Self.press(&r, .char("t"), facts: Self.examOver)
        var recorded = Self.examOver
        recorded.isaDone[0] = true
        Self.press(&r, .char("i"), facts: recorded)
        #expect(r.mode(recorded) == .normal, "a recorded mark is never written again")
    }

    @Test func theDemoReadsWritesAndExitsAndItsPromptFollowsTheMark() {
        var r = InputRouter(students: 5, maxMark: 20)
        Self.press(&r, .char("t"), facts: Self.demo)
        #expect(r.mode(Self.demo) == .demo)
        #expect(Self.press(&r, .char("r"), facts: Self.demo) == [.send(.demo(student: 1, .read))])
        #expect(Self.press(&r, .char("x"), facts: Self.demo) == [.send(.demo(student: 1, .exit))])
        #expect(Self.press(&r, .char("w"), facts: Self.demo) == [.send(.demo(student: 1, .write))])
        #expect(r.mode(Self.demo) == .markPrompt)
        #expect(Self.press(&r, Self.digit(2), facts: Self.demo) == [.send(.demo(student: 1, .digit(2)))])
        Self.press(&r, Self.digit(5), Self.digit(7), facts: Self.demo)
        #expect(r.prompt?.typed == "25", "two digits at most, as the prompt takes them")
        #expect(Self.press(&r, .enter, facts: Self.demo) == [.send(.demo(student: 1, .enter))])
        #expect(r.mode(Self.demo) == .markPrompt, "25 is above the largest mark: the prompt stays")
        Self.press(&r, .backspace, .backspace, Self.digit(9), .enter, facts: Self.demo)
        #expect(r.mode(Self.demo) == .demo, "9 is taken")
        Self.press(&r, .char("w"), .escape, facts: Self.demo)
        #expect(r.mode(Self.demo) == .demo, "Esc cancels")
    }

    /// On the tour, n and PageDown go to its next stop, b and PageUp back to the previous one
    /// — answering too — from the key table; a mark prompt, the help and the fault menu keep
    /// their own keys. Off the tour they are the next phase and step back.
    @Test(arguments: [InputMode.normal, .answering, .demo, .markPrompt, .diagram, .help, .faultMenu])
    func theToursKeysComeFromTheTableInItsModes(mode: InputMode) {
        var r = InputRouter(students: 5, maxMark: 20)
        let facts = Self.enter(mode, &r)
        #expect(r.mode(facts) == mode)
        var tour = facts
        tour.tour = true
        let moves = [mode == .markPrompt || mode == .help || mode == .faultMenu ? nil : InputRouter.Action.tourNext,
                     nil, mode == .markPrompt || mode == .help || mode == .faultMenu ? nil : .tourBack, nil]
        for (key, move) in zip([Key.char("n"), .pageDown, .char("b"), .pageUp], [moves[0], moves[0], moves[2], moves[2]]) {
            let got = Self.press(&r, key, facts: tour)
            if let move { #expect(got == [move], "\(key) in \(mode) on the tour") } else { #expect(!got.contains(.tourNext) && !got.contains(.tourBack), "\(key) in \(mode)") }
            #expect(r.mode(facts) == mode, "the tour's keys leave the mode as it was")
        }
        for key in [Key.char("n"), .pageDown, .char("b"), .pageUp] {
            let got = Self.press(&r, key, facts: facts)
            #expect(!got.contains(.tourNext) && !got.contains(.tourBack), "\(key) in \(mode) off the tour: \(got)")
        }
        #expect(KeyTable.action(for: .char("n"), in: .normal) == .command(.nextPhase))
        #expect(KeyTable.action(for: .char("n"), in: .normal, tour: true) == .tourNext)
        #expect(KeyTable.action(for: .char("b"), in: .answering, tour: true) == .tourBack)
        #expect(KeyTable.tourHints() == "n next · b back")
    }

    @Test func theHelpOverlayTakesEveryKeyAndReturnsToTheModeBeneath() {
        var r = InputRouter(students: 5, maxMark: 20)
        Self.press(&r, .char("t"), .char("i"), facts: Self.examOver)
        Self.press(&r, .char("?"), facts: Self.examOver)
        #expect(r.mode(Self.examOver) == .help)
        #expect(Self.press(&r, Self.digit(1), facts: Self.examOver).isEmpty)
        #expect(Self.press(&r, .pageUp, facts: Self.examOver).isEmpty)
        Self.press(&r, .escape, facts: Self.examOver)
        #expect(r.mode(Self.examOver) == .markPrompt, "Esc closed the help, not the prompt")
        Self.press(&r, .char("h"), facts: Self.examOver)
        #expect(Self.press(&r, .char("q"), facts: Self.examOver) == [.quit])
    }

    /// Keys typed faster than the engine publishes: every key is routed with the snapshot
    /// taken before the first of them, and still does what the operator meant.
    @Test func keysTypedBeforeAnySnapshotShowsThemGoWhereTheOperatorMeant() throws {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 5, encodesLog: false))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        var r = InputRouter(students: 3, maxMark: sim.scenario.isaMaxMark)
        let stale = RoutingFacts(Snapshot(simulation: sim, paused: false, speed: 1))
        func type(_ keys: Key...) {
            for k in keys {
                for case .send(let c) in r.route(k, stale) { sim.apply(c) }
            }
        }
        // Take over S1, start the exam, answer B: the snapshot knows none of it.
        type(.char("t"), .char("2"))
        sim.run(until: sim.now + .seconds(3))
        type(.char("b"))
        #expect(sim.snapshot().exam.sessions[0].answers[0] == 1, "b answered B instead of stepping back")
        sim.runUntilQuiet()
        #expect(sim.completed.contains(.exam))

        // The ISA phase and the marksheet, then the mark typed before a snapshot shows the prompt.
        let afterExam = RoutingFacts(Snapshot(simulation: sim, paused: false, speed: 1))
        for case .send(let c) in r.route(.char("3"), afterExam) { sim.apply(c) }
        for case .send(let c) in r.route(.char("i"), afterExam) { sim.apply(c) }
        var steps = 0
        while !{ if case .inCS = sim.snapshot().isa.status[0] { true } else { false } }() && steps < 10_000 {
            sim.step()
            steps += 1
        }
        for k in [Self.digit(1), Self.digit(2), .enter] {
            for case .send(let c) in r.route(k, afterExam) { sim.apply(c) }
        }
        guard case .done(let mark, _) = sim.snapshot().isa.status[0] else {
            Issue.record("S1's mark was not recorded: \(sim.snapshot().isa.status[0])")
            return
        }
        #expect(mark == 12, "the digits went to the prompt, not to the phase keys")
        #expect(r.mode(afterExam) == .markPrompt, "the old snapshot cannot say the mark is in")
        #expect(r.mode(RoutingFacts(Snapshot(simulation: sim, paused: false, speed: 1))) == .normal)
    }

    @Test func routingFactsComeFromTheSnapshot() {
        let none = Array(repeating: false, count: 5)
        let early = RoutingFacts(ExamScreenTests.examSnapshot(until: .seconds(12), operate: 2))
        #expect(early == RoutingFacts(examOver: none, isaDone: none, demoStarted: false, holdsMarksheet: none), "12 s in, every exam runs")
        let over = RoutingFacts(ExamScreenTests.examSnapshot())
        #expect(over == RoutingFacts(examOver: Array(repeating: true, count: 5), isaDone: none, demoStarted: false, holdsMarksheet: none))

        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 5, encodesLog: false))
        sim.run(through: [Phase.sync, .exam])
        sim.apply(.start(.isa))
        var steps = 0
        while sim.snapshot().isa.holder == nil && steps < 10_000 {
            sim.step()
            steps += 1
        }
        let holding = RoutingFacts(Snapshot(simulation: sim, paused: false, speed: 1))
        #expect(holding.holdsMarksheet == (1...3).map { $0 == sim.snapshot().isa.holder })
        sim.runUntilQuiet()
        #expect(RoutingFacts(Snapshot(simulation: sim, paused: false, speed: 1)).isaDone == [true, true, true])
    }
}

@Suite struct HintBarTests {
    /// A mode's own keys first, always; ? and q never lost however narrow; then the rest.
    @Test func eachModeShowsItsOwnKeysFirst() {
        #expect(KeyTable.hintBar(in: .markPrompt, width: 0) == "0–9 mark · ⌫ · Enter done · Esc cancel · ? help · q quit")
        #expect(KeyTable.hintBar(in: .answering, width: 0) == "a–d answer · s submit · ? help · q quit")
        #expect(KeyTable.hintBar(in: .demo, width: 0) == "r read · w write · x exit · ? help · q quit")
        #expect(KeyTable.hintBar(in: .help, width: 0) == "Esc close · q quit")
        #expect(KeyTable.hintBar(in: .normal, width: 0) == "? help · q quit")
        #expect(KeyTable.hintBar(in: .answering, width: 0, paused: true) == "a–d answer · s submit · space resume · ? help · q quit",
                "paused, the key that resumes is never lost either")
    }

    @Test func withRoomTheOtherKeysFollowMostImportantFirst() {
        let normal = KeyTable.hintBar(in: .normal, width: 200)
        #expect(normal == "1–5 phases · n next · t take over · v results · f faults · space pause · . step · b back · + faster · - slower · ? help · q quit")
        let answering = KeyTable.hintBar(in: .answering, width: 200)
        #expect(answering.hasPrefix("a–d answer · s submit · "))
        #expect(answering.contains("PageUp back") && !answering.contains("b back"), "b answers here")
        let three = KeyTable.hintBar(in: .normal, width: "? help · q quit · 1–5 phases".cellCount)
        #expect(three == "1–5 phases · ? help · q quit")
        #expect(!KeyTable.hintBar(in: .markPrompt, width: 200).contains("1–5"), "no phase keys at the prompt")
    }
}

/// The fault menu: `f` opens it, one key injects a fault now, the same key restarts a node
/// that is down, Esc closes it.
@Suite struct FaultMenuRouterTests {
    @Test func fOpensTheMenuAndAKeyInjectsOneFaultNow() {
        var r = InputRouter(students: 5, maxMark: 20)
        let facts = InputRouterTests.nothingYet
        #expect(r.route(.char("f"), facts).isEmpty)
        #expect(r.mode(facts) == .faultMenu)
        #expect(r.route(.char("1"), facts) == [.send(.inject(FaultSpec(kind: .crash, node: .replica(1), phase: .sync, offset: .zero)))],
                "1 crashes replica 1 in the menu, not a clock sync")
        #expect(r.mode(facts) == .normal, "a choice closes the menu")
        _ = r.route(.tab, facts)
        _ = r.route(.char("f"), facts)
        let drop = r.route(.char("d"), facts)
        #expect(drop == [.send(.inject(FaultSpec(kind: .drop, from: .student(2), to: .main, phase: .sync, offset: .zero, duration: .seconds(15))))],
                "the focused student's link")
    }

    @Test func aNodeThatIsDownIsRestartedByItsKey() {
        var r = InputRouter(students: 3, maxMark: 20)
        var facts = InputRouterTests.nothingYet
        facts.down = [.main]
        _ = r.route(.char("f"), facts)
        #expect(r.route(.char("m"), facts) == [.send(.restart(.main))])
    }

    @Test func escClosesTheMenuAndNoKeyLeaksMeanwhile() {
        var r = InputRouter(students: 3, maxMark: 20)
        let facts = InputRouterTests.nothingYet
        _ = r.route(.char("f"), facts)
        #expect(r.route(.char("n"), facts).isEmpty, "no phase key while the menu is open")
        #expect(r.route(.escape, facts).isEmpty)
        #expect(r.mode(facts) == .normal)
    }
}

