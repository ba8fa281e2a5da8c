import Testing
@testable import ProctorEngine
@testable import ProctorTUI

/// Nothing on screen is broken mid-word: every write that reaches its pane's right edge
/// has been fitted first (a shorter wording, a clause dropped, or "…" after a whole word).
/// The walkthrough is composed at each phase's moments, with a student played, at the
/// sizes a class uses, with the overlays and alternative views too.
@Suite struct CutTextTests {
    static let sizes = [(80, 24), (120, 40), (200, 60)]

    /// Every cut write of every view at every size, for the moment the simulation is at.
    static func cuts(_ sim: Simulation, focus: Int = 1) -> [String] {
        var found: [String] = []
        var views: [ViewState] = []
        var v = ViewState()
        v.focus = focus
        views.append(v)
        v.helpVisible = true
        views.append(v)
        v.helpVisible = false
        v.mode = .faultMenu
        views.append(v)
        v.mode = .normal
        v.teacherView = true
        views.append(v)
        v.teacherView = false
        v.focus = 0
        v.studentScreen = true
        views.append(v)
        let snap = Snapshot(simulation: sim, paused: false, speed: 1)
        var paused = snap
        paused.paused = true
        for s in [snap, paused] {
            for (w, h) in sizes {
                for view in views {
                    var b = ScreenBuffer(width: w, height: h)
                    b.recordsCuts = true
                    Screen.compose(s, view, into: &b)
                    found += b.cuts.map { "\(w)×\(h) row \($0.y): \($0.text)" }
                }
            }
        }
        return found
    }

    @Test(arguments: [5, 17])
    func noTextIsCutMidWordAnywhereInTheWalkthrough(students: Int) {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: students, seed: 42, encodesLog: false))
        sim.run(until: .seconds(2))
        var found: [String] = []
        func look(_ moment: String) { found += Self.cuts(sim).map { "\(moment) \($0)" } }
        look("start")
        sim.apply(.start(.sync))
        for _ in 0..<4 { sim.step() }
        look("sync")
        sim.runUntilQuiet()
        look("synced")
        sim.apply(.toggleTakeover(student: 2))
        sim.apply(.start(.exam))
        sim.run(until: sim.now + .seconds(45))
        look("exam")
        sim.runUntilQuiet()
        look("exam over")
        sim.apply(.start(.isa))
        sim.apply(.requestMarksheet(student: 2))
        for _ in 0..<30 { sim.step() }
        look("isa")
        sim.runUntilQuiet()
        look("isa over")
        sim.apply(.start(.replication))
        for _ in 0..<8 { sim.step() }
        look("replication")
        sim.runUntilQuiet()
        sim.apply(.start(.consistency))
        for _ in 0..<25 { sim.step() }
        look("demo")
        sim.apply(.demo(student: 2, .read))
        for _ in 0..<6 { sim.step() }
        look("demo read")
        sim.runUntilQuiet()
        sim.apply(.start(.done))
        sim.runUntilQuiet()
        look("done")
        #expect(found.isEmpty, "\(found.count) cut: \(found.prefix(12).joined(separator: "\n"))")
    }
}

/// A class of 100: `S100` and its name stay apart.
@Suite struct LargeClassRowTests {
    @Test func theHundredthStudentsNumberAndNameAreApart() {
        let snap = ScreenTests.snapshot(students: 100, synced: false)
        var v = ViewState()
        v.focus = 99
        let text = ScreenTests.render(snap, 120, 40, v).text
        #expect(text.contains("S100 Student 1"), "\(text)")
        #expect(!text.contains("S100Student"))
    }
}

/// Wide, emoji and combining characters take the cells a terminal gives them: a row of wide
/// names ends at its border, a combining mark adds no cell.
@Suite struct WideCharacterTests {
    @Test func displayWidthsAreTheTerminals() {
        #expect("abc".cellCount == 3)
        #expect("山田".cellCount == 4)
        #expect("🎓x".cellCount == 3)
        #expect("e\u{301}".cellCount == 1, "e and a combining acute: one cell")
        #expect("│─█░".cellCount == 4)
        #expect("山田太郎".fit(5) == "山田…")
        #expect("山田太郎".fit(5).cellCount == 5)
    }

    @Test func aRowOfWideNamesEndsAtItsBorder() throws {
        let roster = """
            { "students": [ { "roll": 1, "name": "山田太郎山田太郎" }, { "roll": 2, "name": "🎓🎓🎓🎓🎓🎓" },
                            { "roll": 3, "name": "Zoe\\u0301 Combin\\u0308ing" } ] }
            """
        let data = try ExamData(scenario: DefaultData.scenario, roster: roster, questions: DefaultData.questions)
        let sim = Simulation(config: .init(data: data, studentCount: 3, seed: 1, encodesLog: false))
        sim.run(until: .seconds(2))
        for (w, h) in [(80, 24), (120, 40)] {
            let b = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), w, h)
            for y in 0..<h {
                let line = b.line(y)
                #expect(line.cellCount <= w, "row \(y) is \(line.cellCount) cells at \(w): \(line)")
            }
            // The students pane's right border is where it belongs on every student row.
            let rows = (0..<h).map { b.line($0) }.filter { $0.contains("S1 ") || $0.contains("S2 ") || $0.contains("S3 ") }
            #expect(!rows.isEmpty)
            for r in rows where r.contains("│") {
                #expect(r.cellCount == w || r.hasSuffix("│"), "\(r)")
            }
        }
    }
}
