import Foundation
import Testing
@testable import ProctorEngine
@testable import ProctorTUI

/// What the screen shows, composed into an in-memory buffer from real snapshots.
@Suite struct ScreenTests {
    static func snapshot(students: Int = 5, seed: UInt64 = 42, synced: Bool, paused: Bool = false, speed: Double = 1) -> Snapshot {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: students, seed: seed, encodesLog: false))
        sim.run(until: .seconds(2))
        if synced {
            sim.apply(.start(.sync))
            sim.runUntilQuiet()
        }
        return Snapshot(simulation: sim, paused: paused, speed: speed)
    }

    static func render(_ s: Snapshot, _ w: Int, _ h: Int, _ v: ViewState = ViewState()) -> ScreenBuffer {
        var b = ScreenBuffer(width: w, height: h)
        Screen.compose(s, v, into: &b)
        return b
    }

    @Test(arguments: [(80, 24), (120, 40), (200, 60), (300, 100)])
    func everyPaneIsThereAtEverySize(size: (Int, Int)) {
        let text = Self.render(Self.snapshot(synced: false), size.0, size.1).text
        for title in ["Proctor", "Admin", "Clocks (Berkeley)", "Students", "Cheating monitor", "Lock queues", "Servers", "Event log"] {
            #expect(text.contains(title), "\(title) missing at \(size)")
        }
        for name in ["Asha", "Ben", "Chen", "Dana", "Eli"] { #expect(text.contains(name)) }
        #expect(text.contains("seed 42"))
    }

    @Test func afterSyncTheClocksPaneShowsBeforeOffsetAdjustmentAndTheSpread() throws {
        let snap = Self.snapshot(synced: true)
        let b = Self.render(snap, 120, 40)
        let l = try #require(Layout.compute(width: 120, height: 40, students: 5))
        let pane = (l.clocks.y..<l.clocks.maxY).map { String(b.line($0).unicodeScalars.prefix(l.clocks.width)) }
        #expect(pane.contains { $0.contains("before") && $0.contains("offset") && $0.contains("adjust") })
        let rows = pane.filter { $0.contains("✓") }
        #expect(rows.count == 7, "main, teacher, S1…S5 adjusted")
        // Each student row shows its own adjustment, as the engine computed it.
        for row in snap.clocks {
            let delta = Format.signed(row.lastAdjust!.delta)
            #expect(pane.contains { $0.contains(delta) }, "\(row.node) adjustment \(delta)")
        }
        let r = try #require(snap.sync.lastResult)
        #expect(pane.last!.contains("spread \(Format.span(r.spreadBefore)) → \(Format.span(r.spreadAfter))"))
        #expect(b.text.contains("SYNC 1/5 ✓"))
    }

    @Test func beforeSyncTheClocksRunLiveAndShowHowFarOffTheyAre() {
        let snap = Self.snapshot(synced: false)
        let text = Self.render(snap, 120, 40).text
        #expect(text.contains("local"))
        // Running, a clock shows whole seconds; paused, tenths as well.
        #expect(text.contains(Format.clock(snap.clocks[2].reading, tenths: false) + " "))
        var paused = snap
        paused.paused = true
        #expect(Self.render(paused, 120, 40).text.contains(Format.clock(snap.clocks[2].reading, tenths: true)))
        #expect(text.contains("READY 0/5"))
        #expect(text.contains("Press 1"))
    }

    @Test func theStatusBarShowsPauseAndSpeed() {
        let running = Self.render(Self.snapshot(synced: false, speed: 4), 120, 40).line(0)
        #expect(running.contains("▶ 4×"))
        let paused = Self.render(Self.snapshot(synced: false, paused: true, speed: 0.25), 120, 40).line(0)
        #expect(paused.contains("⏸ PAUSED 0.25×"))
    }

    @Test func theEventLogShowsMessagesAsTheyTravel() {
        let text = Self.render(Self.snapshot(synced: true), 120, 40).text
        #expect(text.contains("ADJUST"))
        #expect(text.contains("delivered"))
        #expect(text.contains("sync round 1: spread"))
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func theHelpOverlayListsEveryBindingOfTheKeyTableGroupedByMode(size: (Int, Int)) throws {
        var v = ViewState()
        v.helpVisible = true
        let text = Self.render(Self.snapshot(synced: false), size.0, size.1, v).text
        let lines = text.split(separator: "\n").map(String.init)
        // The fault menu lists its own keys when f opens it; the help names f. The tour's keys
        // are listed on the tour.
        for b in KeyTable.bindings where b.group != .faultMenu && !b.group.isTourOnly {
            #expect(text.contains(b.keyLabel), "help lacks \(b.keyLabel) at \(size)")
            #expect(text.contains(String(b.help.prefix(20))), "help lacks \(b.help) at \(size)")
        }
        // Each group's title heads its first row, and the groups come in the table's order.
        var last = -1
        for g in KeyGroup.allCases where g != .faultMenu && !g.isTourOnly {
            let first = try #require(KeyTable.bindings.first { $0.group == g })
            let row = try #require(lines.firstIndex { $0.contains(g.title + " ") && $0.contains(first.keyLabel) }, "\(g.title) at \(size)")
            #expect(row > last)
            last = row
        }
        #expect(text.contains("Mark prompt") && text.contains("0–9 · ⌫ · Enter · Esc"))
        #expect(text.contains("b · PageUp") && text.contains("step back one delivered event"))
        // A description too long for the overlay ends after a whole word, with "…".
        let phases = try #require(KeyTable.bindings.first { $0.keyLabel == "1–5 · n" }).help
        // Whole, or shortened to its first clauses, or cut after a whole word with "…".
        let row = try #require(lines.first { $0.contains("1–5 · n") })
        let shown = String(row[row.range(of: "1–5 · n")!.upperBound...]).trimmingCharacters(in: CharacterSet(charactersIn: " │"))
        let core = shown.hasSuffix("…") || shown.hasSuffix(".") && !phases.hasSuffix(".") ? String(shown.dropLast()) : shown
        #expect(phases.hasPrefix(core) && core.count >= 10, "\(shown)")
        #expect(!lines.contains { $0.contains("1–5 · n") && $0.contains(" c││") }, "not cut mid-word")
    }

    /// On the tour, the help lists the tour's keys first, from the key table, with its note.
    @Test func onTheTourTheHelpListsTheToursKeysFirst() throws {
        var v = ViewState()
        v.helpVisible = true
        var s = Self.snapshot(synced: false)
        #expect(!Self.render(s, 120, 40, v).text.contains("Tour (--tour)"), "off the tour: not listed")
        s.tour = Snapshot.TourView(stop: nil, index: 1, total: Tour.count)
        let lines = Self.render(s, 120, 40, v).text.split(separator: "\n").map(String.init)
        let tour = try #require(KeyTable.bindings.first { $0.group.isTourOnly })
        let row = try #require(lines.firstIndex { $0.contains("Tour (--tour)") && $0.contains(tour.keyLabel) && $0.contains(String(tour.help.prefix(20))) })
        let normal = try #require(lines.firstIndex { $0.contains("Normal ") })
        #expect(row < normal)
        #expect(lines.joined().contains(KeyGroup.tour.when.prefix(40)))
    }

    @Test func withRoomTheHelpSaysWhenEachModesKeysWork() {
        var v = ViewState()
        v.helpVisible = true
        let text = Self.render(Self.snapshot(synced: false), 120, 40, v).text
        for note in HelpOverlay.notes() { #expect(text.contains(note)) }
        #expect(text.contains("Answering: you play the focused student"))
    }

    @Test func everyKeyOfTheTableMapsToItsOwnAction() {
        #expect(KeyTable.action(for: .char("3"), in: .normal) == .command(.start(.isa)))
        #expect(KeyTable.action(for: .char("c"), in: .answering) == .answer(2))
        #expect(KeyTable.action(for: .char("c"), in: .normal) == nil)
        #expect(KeyTable.action(for: .pageDown, in: .normal) == .command(.nextPhase))
        #expect(KeyTable.action(for: .char("z"), in: .normal) == nil)
        #expect(KeyTable.action(for: .char("3"), in: .markPrompt) == .mark(.digit(3)))
        #expect(KeyTable.action(for: .char("w"), in: .demo) == .demo(.write))
        for g in KeyGroup.allCases {
            let keys = KeyTable.bindings.filter { $0.group == g }.flatMap(\.keys)
            #expect(Set(keys).count == keys.count, "no key is bound twice in \(g.title)")
        }
    }

    @Test func theOnlyKeyAModeTakesFromAnotherGroupIsBWhileAnswering() {
        for mode in InputMode.allCases {
            let rows = KeyTable.bindings(in: mode)
            let keys = rows.flatMap(\.keys)
            let twice = Set(keys.filter { k in keys.filter { $0 == k }.count > 1 })
            #expect(twice == (mode == .answering ? [.char("b")] : []), "\(mode): \(twice)")
        }
        #expect(KeyTable.action(for: .char("b"), in: .answering) == .answer(1))
        #expect(KeyTable.action(for: .char("b"), in: .normal) == .stepBack)
    }

    @Test func statusBarHintsComeFromTheKeyTable() {
        let bar = Self.render(Self.snapshot(synced: false), 200, 60).line(0)
        for (row, b) in KeyTable.bindings.enumerated() where b.group.modes.contains(.normal) {
            for h in b.hints { #expect(bar.contains(KeyTable.hintText(h, row: row, in: .normal)!)) }
        }
        #expect(bar.hasSuffix("· ? help · q quit"), "\(bar)")
        let narrow = Self.render(Self.snapshot(synced: false), 80, 24).line(0)
        #expect(narrow.contains("? help"), "the most important hint survives at 80 columns")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func theStatusBarShowsTheKeysOfTheCurrentMode(size: (Int, Int)) {
        let snap = ExamScreenTests.examSnapshot(until: .seconds(12), operate: 1)
        let expected: [(InputMode, String?, String?)] = [
            (.normal, nil, "a–d answer"),
            (.answering, "a–d answer · s submit", "b back"),
            (.demo, "r read · w write · x exit", "a–d answer"),
            (.markPrompt, "0–9 mark · ⌫ · Enter done · Esc cancel", "1–5 phases"),
            (.help, "Esc close · q quit", "space pause"),
        ]
        for (mode, shown, absent) in expected {
            var v = ViewState()
            v.mode = mode
            let bar = Self.render(snap, size.0, size.1, v).line(0)
            if let shown { #expect(bar.contains(shown), "\(mode) at \(size): \(bar)") }
            if let absent { #expect(!bar.contains(absent), "\(mode) at \(size): \(bar)") }
            #expect(bar.hasPrefix(" Proctor"), "the left part stays, cut if need be: \(bar)")
        }
        var v = ViewState()
        v.helpVisible = true
        #expect(Self.render(snap, size.0, size.1, v).line(0).contains("Esc close · q quit"), "the overlay's keys while it is open")
    }

    @Test func aTooSmallTerminalGetsOneLineInsteadOfABrokenScreen() {
        for (w, h) in [(40, 12), (79, 24), (10, 3)] {
            let b = Self.render(Self.snapshot(synced: false), w, h)
            let lines = (0..<h).map(b.line).filter { !$0.isEmpty }
            #expect(lines.count == 1)
            #expect(lines[0].contains("oo small"))
        }
    }

    @Test func aNoticeReplacesTheCaptionWhileShown() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 1, encodesLog: false))
        sim.apply(.start(.consistency))
        let snap = Snapshot(simulation: sim, paused: false, speed: 1)
        var v = ViewState()
        v.showNotice = true
        #expect(Self.render(snap, 120, 40, v).line(39).contains("start the exam first (2)"))
        v.showNotice = false
        #expect(!Self.render(snap, 120, 40, v).line(39).contains("start the exam first (2)"))
    }

    @Test func theFocusedStudentIsMarkedAndFollowedInALargeClass() {
        var v = ViewState()
        v.focus = 37
        let b = Self.render(Self.snapshot(students: 60, synced: false), 120, 40, v)
        #expect(b.text.contains("▸S38"))
        #expect(b.text.contains("38/60"))
    }

    /// States are told by symbols and words, never by colour alone: a state the panes colour
    /// must also change the characters, or a monochrome terminal (or a colour-blind reader)
    /// cannot see it. Each check flips one coloured state and compares the plain text.
    @Test func everyStateIsReadableWithoutColour() throws {
        // Seed 7 has a sync round with outliers: offsets left out of the average.
        let snap = Self.snapshot(seed: 7, synced: true)
        let text = Self.render(snap, 120, 40).text
        #expect(text.contains("✓"))
        #expect(text.contains("◂ next"))

        var paused = snap
        paused.paused = true
        #expect(Self.render(paused, 120, 40).text != text, "paused")
        var polled = snap
        polled.clocks[2].status = .polled
        #expect(Self.render(polled, 120, 40).text != text, "a clock still waiting for its poll")

        let outlier = try #require(snap.clocks.firstIndex { $0.lastAdjust?.averaged == false }, "a clock outside the tolerance")
        var averaged = snap
        averaged.clocks[outlier].lastAdjust?.averaged = true
        #expect(Self.render(averaged, 120, 40).text != text, "\(snap.clocks[outlier].node): an outlier")
    }
}

@Suite struct FormatAndBufferTests {
    @Test func clockAndSpanFormats() {
        #expect(Format.clock(.zero) == "10:00:00.0")
        #expect(Format.clock(VirtualTime(microseconds: -2_950_000)) == "09:59:57.0")
        #expect(Format.signed(.milliseconds(2940)) == "+2.94s")
        #expect(Format.signed(.milliseconds(-12)) == "−12ms")
        #expect(Format.signed(.zero) == "±0")
        #expect(Format.span(.milliseconds(8210)) == "8.21 s")
        #expect(Format.logTime(.milliseconds(101_203)) == "01:41.203")
        #expect(Format.speed(0.25) == "0.25×")
    }

    @Test func writingIsClippedToTheBufferAndTheRectangle() {
        var b = ScreenBuffer(width: 10, height: 2)
        b.write("hello world", x: 3, y: 0)
        #expect(b.line(0) == "   hello w")
        b.write("abcdef", x: 0, y: 1, clip: Rect(x: 2, y: 0, width: 3, height: 2))
        #expect(b.line(1) == "  cde")
        b.write("x", x: 0, y: 5)
        b.write("\u{1B}[31m", x: 0, y: 1)
        #expect(!b.line(1).contains("\u{1B}"), "control characters never reach the terminal")
    }

    @Test func boxesCarryTitlesAndFooters() {
        var b = ScreenBuffer(width: 20, height: 3)
        b.box(Rect(x: 0, y: 0, width: 20, height: 3), title: "Clocks", footer: "ok")
        #expect(b.line(0) == "┌ Clocks ──────────┐")
        #expect(b.line(2) == "└───────────── ok ─┘")
    }
}

@Suite struct FrameDiffTests {
    @Test func onlyChangedCellsAreRedrawn() {
        var a = ScreenBuffer(width: 30, height: 4)
        a.write("hello", x: 2, y: 1)
        #expect(a.changes(since: nil).count == 4, "the first frame draws every row")
        var b = a
        #expect(b.changes(since: a).isEmpty, "an unchanged frame draws nothing")
        b.write("J", x: 2, y: 1)
        b.write("!", x: 20, y: 1)
        b.write("x", x: 0, y: 3)
        #expect(b.changes(since: a) == [.init(y: 1, x: 2, endX: 21), .init(y: 3, x: 0, endX: 1)])
        b.restyle(Rect(x: 5, y: 0, width: 2, height: 1), .bad)
        #expect(b.changes(since: a).first == .init(y: 0, x: 5, endX: 7), "a style change counts")
        #expect(b.changes(since: ScreenBuffer(width: 31, height: 4)).count == 4, "a resize redraws everything")
    }
}

/// The exam as the screen shows it.
@Suite struct ExamScreenTests {
    static func examSnapshot(students: Int = 5, seed: UInt64 = 42, until: VirtualTime? = nil, operate: Int? = nil) -> Snapshot {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: students, seed: seed, encodesLog: false))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        if let operate { sim.apply(.toggleTakeover(student: operate)) }
        sim.apply(.start(.exam))
        if let until { sim.run(until: sim.now + VirtualDuration(microseconds: until.microseconds)) } else { sim.runUntilQuiet() }
        return Snapshot(simulation: sim, paused: false, speed: 16)
    }

    @Test func studentsShowTheQuestionACountdownAndTheOperatorMark() {
        let snap = Self.examSnapshot(until: .seconds(12), operate: 2)
        let text = ScreenTests.render(snap, 120, 40).text
        #expect(text.contains("Q1/10"))
        #expect(text.range(of: "█+░* 1[0-9]s", options: .regularExpression) != nil, "a countdown bar with seconds left:\n\(text)")
        #expect(text.contains("◆ you"))
        #expect(text.contains("0/5 submitted"))
    }

    /// A student that answered question 10 is still on it: the row says so, and that the
    /// countdown's end submits.
    @Test(arguments: [(120, 40), (200, 60)])
    func theLastAnswerWaitsForTheCountdown(size: (Int, Int)) throws {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 3, encodesLog: false))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        sim.apply(.start(.exam))
        while !sim.snapshot().exam.sessions.contains(where: { $0.answeredAll }) && !sim.completed.contains(.exam) {
            sim.step()
        }
        let snap = Snapshot(simulation: sim, paused: true, speed: 1)
        let k = try #require(snap.exam.sessions.firstIndex { $0.answeredAll })
        let text = ScreenTests.render(snap, size.0, size.1).text
        let row = try #require(text.split(separator: "\n").first { $0.contains("S\(k + 1)  ") && $0.contains(snap.students[k].name) })
        #expect(row.contains("Q10/10 █") || row.contains("Q10/10 ░"), "a space after the question count: \(row)")
        #expect(row.contains("submits when the countdown ends"), "\(row)")
        #expect(!snap.exam.sessions[k].hasSubmitted)
    }

    /// An exam begun without sync warns that the countdowns disagree — until a sync round
    /// during the exam pulls the clocks together, when the caption says that instead.
    @Test func aReSyncDuringTheExamChangesTheCaption() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 42, encodesLog: false))
        sim.apply(.start(.exam))
        sim.run(until: sim.now + .seconds(10))
        var v = ViewState()
        v.showNotice = false
        let before = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40, v).text
        #expect(before.contains("Clocks were NOT synchronized"))
        sim.apply(.start(.sync))
        sim.run(until: sim.now + .seconds(3))
        let after = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40, v).text
        #expect(!after.contains("NOT synchronized") && after.contains("countdowns agree now"), "\(after)")
    }

    /// One warning reads "1 warning"; a terminated student's row says so, with 0, while its
    /// submission travels — never "50%".
    @Test func warningsAndATerminationReadRightWhileTheyHappen() throws {
        var sawOne = false, sawTerminated = false
        for seed in UInt64(1)...40 where !(sawOne && sawTerminated) {
            let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: seed, encodesLog: false))
            sim.apply(.start(.sync))
            sim.runUntilQuiet()
            sim.apply(.start(.exam))
            while !sim.completed.contains(.exam) {
                sim.step()
                let snap = Snapshot(simulation: sim, paused: true, speed: 1)
                let warned = snap.exam.flags.filter { $0.count != nil }.count
                if !sawOne, warned == 1 {
                    sawOne = true
                    let text = ScreenTests.render(snap, 120, 40).text
                    #expect(text.contains("1 warning ─") && !text.contains("1 warnings"), "\(text)")
                }
                if !sawTerminated, let k = snap.exam.sessions.firstIndex(where: { $0.state == .submitted(.terminated) }) {
                    sawTerminated = true
                    let text = ScreenTests.render(snap, 120, 40).text
                    let row = try #require(text.split(separator: "\n").first { $0.contains("S\(k + 1)  ") && $0.contains(snap.students[k].name) })
                    #expect(row.contains("TERMINATED (⚠2, 0 marks)") && !row.contains("50%"), "\(row)")
                }
            }
        }
        #expect(sawOne && sawTerminated, "the seeds show both")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func afterTheExamEveryRowShowsItsOutcomeAndTheTeacherSeesTheResults(size: (Int, Int)) {
        let snap = Self.examSnapshot()
        let text = ScreenTests.render(snap, size.0, size.1).text
        for (i, rec) in snap.exam.records.enumerated() {
            let r = rec!
            let row = text.split(separator: "\n").first { $0.contains("S\(i + 1)  ") && $0.contains(snap.students[i].name) }!
            if r.reason == .terminated { #expect(row.contains("TERMINATED")) } else { #expect(row.contains("✓") && row.contains("\(r.final)")) }
        }
        // At 80 columns the status bar gives its tail to ? and q; the caption still says it.
        #expect(text.contains("5/5 submitted") || (size.0 < 100 && text.contains("Exam over: 5 recorded")), "\(text)")
        var v = ViewState()
        v.teacherView = true
        let teacher = ScreenTests.render(snap, 120, 40, v).text
        #expect(teacher.contains("Roll") && teacher.contains("Final") && teacher.contains("Status"))
        for r in snap.results { #expect(teacher.contains(String(r.roll))) }
    }

    @Test func theCheatingMonitorListsFlagsNewestFirst() throws {
        let snap = Self.examSnapshot()
        try #require(snap.exam.flags.count >= 2)
        let text = ScreenTests.render(snap, 120, 40).text
        let newest = snap.exam.flags.last!, oldest = snap.exam.flags.first!
        let a = try #require(text.range(of: "\(Format.runTime(newest.at)) S\(newest.student)"))
        let b = try #require(text.range(of: "\(Format.runTime(oldest.at)) S\(oldest.student)"))
        #expect(a.lowerBound < b.lowerBound)
    }

    @Test func theServersPaneShowsTheOverflow() {
        let snap = Self.examSnapshot(students: 12, seed: 11)
        #expect(snap.servers.redirects > 0)
        let text = ScreenTests.render(snap, 120, 40).text
        #expect(text.contains("redirects: \(snap.servers.redirects)"))
        #expect(text.contains("→ backup (main full)") || text.contains("→ backup (full)"), "the servers' log says why, as its width allows")
        #expect(text.contains("\(snap.servers.handledByBackup) done"))
    }
}

/// Ricart–Agrawala as the screen shows it.
@Suite struct IsaScreenTests {
    @Test func theLockQueuesPaneShowsHolderQueueDeferralsAndClocks() throws {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 42, encodesLog: false))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        sim.apply(.start(.exam))
        sim.runUntilQuiet()
        sim.apply(.start(.isa))
        // Step until someone holds the marksheet while another waits, its request deferred.
        var guardSteps = 0
        while !(sim.snapshot().isa.holder != nil && !sim.snapshot().isa.queue.isEmpty && sim.snapshot().isa.ra.contains { !$0.deferred.isEmpty }) && guardSteps < 5_000 {
            sim.stepMessage()
            guardSteps += 1
        }
        let holder = try #require(sim.snapshot().isa.holder)
        let snap = Snapshot(simulation: sim, paused: true, speed: 1)
        let text = ScreenTests.render(snap, 120, 40).text
        #expect(text.contains("RA in CS: S\(holder)"))
        let first = snap.isa.queue[0]
        #expect(text.contains("(\(first.ts),S\(first.student))"))
        #expect(text.contains("Lamport S1:\(snap.isa.ra[0].clock)"))
        #expect(text.contains("ISA: in critical section") || text.contains("ISA mark:"))
        #expect(text.contains("ISA: waiting for"))
        let d = try #require(snap.isa.ra.first { !$0.deferred.isEmpty }, "a deferred reply to show")
        #expect(text.contains("S\(d.id)→S\(d.deferred[0])"))
    }

    /// Ricart–Agrawala's weakness on screen: the holder crashes, and the pane says whom it
    /// owes a REPLY (they wait) and for how long it has been down.
    @Test func theLockQueuesPaneSaysWhoWaitsForACrashedPeer() throws {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 42, encodesLog: false))
        sim.run(through: [Phase.sync, .exam])
        sim.apply(.start(.isa))
        var steps = 0
        while !(sim.snapshot().isa.holder != nil && sim.snapshot().isa.ra.contains { $0.wanting }) && steps < 5_000 {
            sim.stepMessage()
            steps += 1
        }
        let holder = try #require(sim.snapshot().isa.holder)
        sim.apply(.inject(sim.world.specNow(.crash, node: .student(holder))))
        sim.run(until: sim.now + .seconds(3))
        let snap = Snapshot(simulation: sim, paused: true, speed: 1)
        let waiters = snap.isa.ra.filter { $0.wanting && $0.awaiting.contains(holder) }.map(\.id)
        #expect(!waiters.isEmpty, "someone waits for the crashed holder's REPLY")
        let text = ScreenTests.render(snap, 120, 40).text
        #expect(text.contains("owes:   S\(holder) ✗ down 3s → " + waiters.map { "S\($0)" }.joined(separator: ",")), "\(text)")
    }

    @Test func aTakenOverStudentInTheSectionShowsThePrompt() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 5, encodesLog: false))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        sim.apply(.start(.exam))
        sim.runUntilQuiet()
        sim.apply(.toggleTakeover(student: 1))
        sim.apply(.start(.isa))
        sim.apply(.requestMarksheet(student: 1))
        while case .waiting = sim.snapshot().isa.status[0] { sim.step() }
        sim.apply(.isaKey(student: 1, .digit(1)))
        sim.apply(.isaKey(student: 1, .digit(7)))
        let text = ScreenTests.render(Snapshot(simulation: sim, paused: false, speed: 1), 120, 40).text
        #expect(text.contains("ISA mark (0–20): 17▁"), "the range up front")
        #expect(text.contains("digits, Enter, Esc · 5 s limit"), "and the hold limit")
    }
}

@Suite struct SummaryScreenTests {
    @Test func theEndShowsScoresWarningsServersAndMessages() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 6, seed: 3, encodesLog: false))
        _ = try! Headless.run(sim) { _ in }
        let snap = Snapshot(simulation: sim, paused: false, speed: 1)
        let text = ScreenTests.render(snap, 120, 40).text
        #expect(text.contains("Summary · walkthrough complete"))
        #expect(text.contains("main recorded \(snap.servers.handledByMain), backup \(snap.servers.handledByBackup)"))
        #expect(text.contains("ra \(snap.messageCounts[.ra, default: 0])"))
        #expect(text.contains("DONE ✓"))
    }
}

@Suite struct LargeClassTests {
    @Test func listsAreCutAtAWholeItemWithTheRestCounted() {
        let items = (1...50).map { "(\($0),S\($0))" }
        let text = Format.fitting(items, separator: " ", width: 30)
        #expect(text.cellCount <= 30)
        #expect(text.hasSuffix(" +\(50 - text.split(separator: " ").count + 1)"))
        #expect(text.split(separator: " ").dropLast().allSatisfy { items.contains(String($0)) }, "no half entry: \(text)")
        #expect(Format.fitting(["a", "b"], separator: " ", width: 30) == "a b")
        #expect(Format.fitting(["a long item"], separator: " ", width: 4) == "+1")
    }

    @Test func theLockQueuesStayReadableWithAHundredStudents() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 100, seed: 7, encodesLog: false))
        sim.run(through: [Phase.sync, .exam])
        sim.apply(.start(.isa))
        sim.run(until: sim.now + .seconds(20))
        let snap = Snapshot(simulation: sim, paused: false, speed: 1)
        #expect(snap.isa.queue.count > 10, "a contended entry")
        let text = ScreenTests.render(snap, 120, 40).text
        let lines = text.split(separator: "\n").map(String.init)
        for label in ["queue:", "defers:", "Lamport"] {
            let line = lines.first { $0.contains(label) }!
            // The list ends with a count of what did not fit, never with a cut entry.
            let pane = line[line.range(of: label)!.upperBound...].prefix { $0 != "│" }
            #expect(pane.trimmingCharacters(in: .whitespaces).split(separator: " ").last?.hasPrefix("+") == true, "\(label): \(pane)")
        }
    }
}

/// The screen while stepped back.
@Suite struct PastScreenTests {
    @Test(arguments: [(120, 40), (80, 24)])
    func thePastShowsWhereItIsAndTheKeysThatMoveThroughIt(size: (Int, Int)) {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 4, encodesLog: false))
        sim.enableStepBack()
        sim.apply(.start(.sync))
        for _ in 0..<12 { sim.step() }
        let live = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), size.0, size.1).text
        #expect(!live.contains("PAST"))
        #expect(sim.stepBack() && sim.stepBack())
        let text = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), size.0, size.1).text
        let top = String(text.split(separator: "\n").first ?? "")
        #expect(top.contains("◀ PAST 10/12"))
        #expect(top.contains("b back · . forward · space resume"))
        #expect(text.contains(size.0 >= 120 ? "◀ Event 10 of 12: space or a command resumes HERE" : "◀ Event 10 of 12: space resumes HERE"), "\(text)")
    }
}

/// Crashed nodes on screen.
@Suite struct FaultScreenTests {
    @Test func aCrashedMainAndStudentShowCrossAndDowntime() {
        let faults = [FaultSpec(kind: .crash, node: .main, phase: .exam, offset: .seconds(20), duration: .seconds(60)),
                      FaultSpec(kind: .crash, node: .student(2), phase: .exam, offset: .seconds(25), duration: .seconds(60))]
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 4, encodesLog: false, faults: faults))
        sim.apply(.start(.sync)); sim.runUntilQuiet()
        sim.apply(.start(.exam))
        sim.run(until: sim.now + .seconds(37))
        let text = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40).text
        #expect(text.contains("main   ✗ DOWN 17s"))
        #expect(text.contains("✗ down 12s"))
        sim.run(until: sim.now + .seconds(60))
        let after = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40).text
        #expect(!after.contains("✗ DOWN") && !after.contains("✗ down"), "restarted")
    }
}

/// The demo's "Please wait" names what actually blocks a student, from main's lock table.
@Suite struct DemoWaitTextTests {
    @Test func aWaitNamesItsBlockerOrSaysTheLockIsStillOnItsWay() {
        var lock = ReadWriteLock()
        #expect(StudentsPane.waitText(lock, student: 3, mode: .read) == "LOCK (read) on its way to main…")
        _ = lock.request(node: 8, mode: .read)
        _ = lock.request(node: 2, mode: .write)
        _ = lock.request(node: 3, mode: .read)
        #expect(StudentsPane.waitText(lock, student: 2, mode: .write) == "Please wait — held by S8 (read)")
        #expect(StudentsPane.waitText(lock, student: 3, mode: .read) == "Please wait — queued behind S2 (write)",
                "a reader is not blocked by another reader: by the writer ahead of it")
        _ = lock.release(node: 8)
        #expect(StudentsPane.waitText(lock, student: 3, mode: .read) == "Please wait — held by S2 (write)")
    }
}

/// In the demo the lock-queues pane shows the chunks' read/write locks, not the marksheet's.
@Suite struct DemoLocksPaneTests {
    @Test(arguments: [(80, 24), (120, 40)])
    func theDemoShowsReadWriteLocksAndOnlyASummaryOfTheMarksheet(size: (Int, Int)) {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 8, encodesLog: false))
        sim.run(through: [Phase.sync, .exam, .isa, .replication])
        sim.apply(.start(.consistency))
        sim.run(until: sim.now + .seconds(3))
        let text = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), size.0, size.1).text
        // A narrow pane labels each chunk's lock shorter: `c1 v1 S2(r)`.
        #expect(size.0 >= 120 ? text.contains("RW chunk-1 v") && text.contains("RW chunk-2 v") : text.contains("│c1 v") && text.contains("│c2 v"), "\(text)")
        #expect(!text.contains("Lamport") && !text.contains("defers:") && !text.contains("RA in CS"), "\(text)")
        if size.0 >= 120 { #expect(text.contains("RA (ISA, done): 5 entries")) }
    }
}

/// A taken-over student that never asks for the marksheet holds the ISA phase open: the
/// caption names it and the key.
@Suite struct IsaWaitsForTheOperatorTests {
    @Test func theCaptionNamesTheStudentTheIsaPhaseWaitsFor() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 4, seed: 5, encodesLog: false))
        sim.run(through: [Phase.sync, .exam])
        sim.apply(.toggleTakeover(student: 3))
        sim.apply(.start(.isa))
        sim.runUntilQuiet()
        #expect(!sim.completed.contains(.isa), "S3 has not asked")
        var v = ViewState()
        v.showNotice = false
        let text = ScreenTests.render(Snapshot(simulation: sim, paused: false, speed: 1), 120, 40, v).text
        #expect(text.contains("ISA waits for S3 (yours): press i to ask for the marksheet"), "\(text)")
        // S3 asks, types nothing, and its hold limit ends its stay: the caption does not
        // claim every mark was entered.
        sim.apply(.requestMarksheet(student: 3))
        sim.runUntilQuiet()
        #expect(sim.completed.contains(.isa))
        let done = ScreenTests.render(Snapshot(simulation: sim, paused: false, speed: 1), 120, 40, v).text
        #expect(done.contains("ISA done: 3 marks entered, 1 left empty"), "\(done)")
    }
}

/// After a round, the caption names the outliers and the average the daemon used, so the
/// offsets column can be checked by hand.
@Suite struct SyncCaptionTests {
    @Test(arguments: [120, 200])
    func theCaptionGivesTheAverageAndNamesTheOutliers(width: Int) throws {
        let snap = ScreenTests.snapshot(seed: 42, synced: true)
        let r = try #require(snap.sync.lastResult)
        #expect(!r.outliers.isEmpty, "seed 42 has an outlier")
        var v = ViewState()
        v.showNotice = false
        let text = ScreenTests.render(snap, width, 40, v).text
        let names = r.outliers.map(\.shortName).joined(separator: ", ")
        #expect(text.contains("average of \(r.averagedCount) offsets"), "\(text)")
        #expect(text.contains("(\(names) outlier"), "\(text)")
        // The average is what the averaged offsets make.
        let averaged = snap.clocks.compactMap { $0.lastAdjust }.filter(\.averaged).map { $0.estimatedOffset.microseconds }
        #expect(averaged.count == r.averagedCount)
        #expect(abs(averaged.reduce(0, +) / Int64(averaged.count) - r.average.microseconds) <= 1)
    }
}

/// The student the operator plays sees its own screen: the question and its options, the
/// chosen one marked, the countdown on its clock; then its marks; the ISA prompt; the demo.
@Suite struct StudentScreenTests {
    static func view(_ focus: Int) -> ViewState {
        var v = ViewState()
        v.focus = focus
        return v
    }

    static func exam(answering: Bool) -> Simulation {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 6, encodesLog: false))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        sim.apply(.toggleTakeover(student: 2))
        sim.apply(.start(.exam))
        sim.run(until: sim.now + .seconds(3))
        if answering { sim.apply(.answer(student: 2, choice: 1)) }
        return sim
    }

    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func theExamScreenShowsTheQuestionItsOptionsAndTheCountdown(size: (Int, Int)) throws {
        let sim = Self.exam(answering: false)
        sim.run(until: sim.now + .seconds(31))   // question 2 is on screen
        let open = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), size.0, size.1, Self.view(1)).text
        // A short pane carries the header in its title: `S2 Ben · Q2/10 · 26 s left`.
        #expect(open.range(of: "(Question 2 of 10|Q2/10) · [0-9]+ s left", options: .regularExpression) != nil, "\(open)")
        sim.apply(.answer(student: 2, choice: 2))
        let snap = Snapshot(simulation: sim, paused: true, speed: 1)
        let text = ScreenTests.render(snap, size.0, size.1, Self.view(1)).text
        let q = snap.exam.questions[1]
        #expect(text.contains(size.1 < 30 ? "S2 Ben · " : "S2 Ben's screen"), "\(text)")
        #expect(text.contains("Question 2 of 10 · answered") || text.contains("Q2/10 · answered"), "\(text)")
        #expect(text.contains(String(q.text.prefix(size.0 >= 120 ? 40 : 20))), "the question's text:\n\(text)")
        #expect(text.contains("▶ C) " + String(q.options[2].prefix(8))), "the chosen option marked:\n\(text)")
        for (k, option) in q.options.enumerated() where k != 2 {
            #expect(text.contains("  \(Format.answerLetter(k))) " + String(option.prefix(8))), "every option shown:\n\(text)")
        }
    }

    @Test func afterTheExamItShowsTheMarksAndTheServer() throws {
        let sim = Self.exam(answering: true)
        sim.apply(.submitExam(student: 2))
        sim.runUntilQuiet()
        let snap = Snapshot(simulation: sim, paused: true, speed: 1)
        let rec = try #require(snap.exam.records[1])
        let text = ScreenTests.render(snap, 120, 40, Self.view(1)).text
        #expect(text.contains("Exam recorded by \(rec.server.shortName): \(rec.final) / 100"), "\(text)")
        #expect(text.contains("1 of 10 answered · submitted (manual)"), "\(text)")
    }

    @Test func inTheMarksheetItShowsThePromptWithItsRange() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 5, encodesLog: false))
        sim.run(through: [Phase.sync, .exam])
        sim.apply(.toggleTakeover(student: 1))
        sim.apply(.start(.isa))
        sim.apply(.requestMarksheet(student: 1))
        let asked = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40, Self.view(0)).text
        #expect(asked.contains("Asked for the marksheet: REQUEST (ts"), "\(asked)")
        while case .waiting = sim.snapshot().isa.status[0] { sim.step() }
        sim.apply(.isaKey(student: 1, .digit(9)))
        let inside = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40, Self.view(0)).text
        #expect(inside.contains("You hold the marksheet. ISA mark (0–20): 9▁"), "\(inside)")
    }

    @Test func inTheDemoItShowsThePromptThenWhatItRead() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 4, seed: 3, encodesLog: false))
        sim.run(through: [Phase.sync, .exam, .isa, .replication])
        sim.apply(.toggleTakeover(student: 2))
        sim.apply(.start(.consistency))
        let prompt = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40, Self.view(1)).text
        #expect(prompt.contains("Read / Write / Exit?  r · w · x") && prompt.contains("Your row is in chunk"), "\(prompt)")
        sim.apply(.demo(student: 2, .read))
        while case .waiting = sim.snapshot().demo.activity[1] { sim.step() }
        while case .reading(_, nil, _) = sim.snapshot().demo.activity[1] { sim.step() }
        let read = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40, Self.view(1)).text
        #expect(read.range(of: "Read from replica [1-3]: ISA [0-9]+ \\(version [0-9]+\\)", options: .regularExpression) != nil, "\(read)")
    }

    /// `e` shows a simulated student's screen too, without a player's keys; again, the monitors.
    @Test func eShowsTheFocusedSimulatedStudentsScreen() {
        let sim = Self.exam(answering: false)
        sim.apply(.toggleTakeover(student: 2))   // handed back: simulated again
        var v = Self.view(2)
        v.studentScreen = true
        let text = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40, v).text
        #expect(text.contains("S3 Chen's screen") && text.contains("simulated · e: the monitors"), "\(text)")
        #expect(text.contains("Question 1 of 10") && !text.contains("a–d answer · s submits"), "\(text)")
        #expect(!text.contains("Cheating monitor"))
    }

    @Test func aStudentNotTakenOverLeavesTheMonitorsInPlace() {
        let sim = Self.exam(answering: false)
        sim.apply(.toggleTakeover(student: 2))
        let text = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40, Self.view(1)).text
        #expect(!text.contains("'s screen") && text.contains("Cheating monitor"))
    }
}

/// The event log pane scrolled back shows older events and says how far back it is.
@Suite struct EventLogScrollTests {
    @Test func aScrolledLogShowsOlderEventsAndSaysSo() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 4, encodesLog: false))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        let snap = Snapshot(simulation: sim, paused: true, speed: 1)
        var v = ViewState()
        let newest = ScreenTests.render(snap, 120, 40, v).text
        v.logScroll = 10
        let back = ScreenTests.render(snap, 120, 40, v).text
        #expect(back.contains("↑ 10 back · ] newer · \\ newest"), "\(back)")
        let last = EventLogPane.describe(snap.recentLog[snap.recentLog.count - 1]).0
        let older = EventLogPane.describe(snap.recentLog[snap.recentLog.count - 11]).0
        #expect(newest.contains(String(last.prefix(30))) && back.contains(String(older.prefix(30))))
        #expect(!back.contains("sync round 1: spread"), "the newest event (the round's result) is scrolled out")
    }
}

/// The replicas rows show each copy's version and the start of its file's SHA-256, the
/// checksum replication_metadata.json records.
@Suite struct ReplicaChecksumTests {
    @Test func eachCopyShowsItsVersionAndShortChecksum() throws {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 6, encodesLog: false))
        sim.run(through: [Phase.sync, .exam, .isa, .replication])
        let snap = Snapshot(simulation: sim, paused: true, speed: 1)
        let text = ScreenTests.render(snap, 120, 40).text
        for r in 0..<3 {
            let shas = snap.replication.sha256[r].map { String(($0 ?? "").prefix(4)) }
            #expect(shas.allSatisfy { $0.count == 4 })
            #expect(text.contains("R\(r + 1)     c1 v1 \(shas[0])  c2 v1 \(shas[1])"), "\(text)")
        }
        let metadata = sim.world.cluster.main.durable.coordinator.metadata()
        let json = String(decoding: metadata, as: UTF8.self)
        #expect(json.contains(snap.replication.sha256[0][0] ?? "missing"), "the same checksum the metadata records")
    }
}

/// A caption or notice too long for the terminal is cut after a whole word, with "…".
@Suite struct CaptionFitTests {
    @Test func longTextIsCutAtAWordWithAnEllipsis() {
        #expect(Text.fitWords("Ricart–Agrawala: REQUEST(ts, id) to all; enter after N−1 REPLYs", width: 40) == "Ricart–Agrawala: REQUEST(ts, id) to…")
        #expect(Text.fitWords("short", width: 40) == "short")
        #expect(Text.fitWords("unbreakablewordthatislong", width: 10) == "unbreakab…")
    }

    @Test(arguments: [80, 120])
    func theIsaCaptionNeverEndsMidWord(width: Int) throws {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 4, encodesLog: false))
        sim.run(through: [Phase.sync, .exam])
        sim.apply(.start(.isa))
        sim.run(until: sim.now + .seconds(2))
        var v = ViewState()
        v.showNotice = false
        let b = ScreenTests.render(Snapshot(simulation: sim, paused: false, speed: 1), width, 40, v)
        let caption = b.line(39).trimmingCharacters(in: .whitespaces)
        #expect(caption.hasPrefix("Ricart–Agrawala"))
        // One of the caption's wordings, whole: the longest that fits.
        let options = CaptionLine.texts(Snapshot(simulation: sim, paused: false, speed: 1))
        #expect(options.contains(caption), "a whole wording: \(caption)")
        #expect(options.filter { $0.cellCount <= width - 1 }.first == caption, "the longest that fits")
    }
}

/// After a sync round, each student's row gives its clock's adjusted reading, at 120 columns
/// too (the clocks pane shows it only on a very wide screen).
@Suite struct AdjustedClockTests {
    @Test func eachStudentRowReadsItsAdjustedClock() {
        let snap = ScreenTests.snapshot(seed: 42, synced: true, paused: true)
        let text = ScreenTests.render(snap, 120, 40).text
        for k in 1...snap.studentCount {
            let reading = Format.clock(snap.clockRow(ofStudent: k).reading, tenths: true)
            #expect(text.contains("reads \(reading)"), "S\(k): \(reading)\n\(text)")
        }
    }
}

/// A re-sync in progress shows this round's state in the clocks pane, not the last round's
/// numbers beside it; the footer says its spread is the true clocks'.
@Suite struct ReSyncClocksPaneTests {
    @Test func aRoundInProgressHidesTheLastRoundsNumbers() throws {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 42, encodesLog: false))
        sim.run(through: [.sync])
        let done = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40).text
        #expect(done.contains("true spread"), "\(done)")
        let firstAdjust = try #require(sim.snapshot().clocks[2].lastAdjust)
        sim.apply(.start(.sync))   // round 2: every clock polled again
        let polling = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40).text
        let row = try #require(polling.split(separator: "\n").first { $0.contains("│S1 ") })
        #expect(row.contains("polled…"), "\(row)")
        #expect(!row.contains(Format.signed(firstAdjust.delta)), "round 1's adjustment is not shown beside round 2's marker: \(row)")
    }
}
