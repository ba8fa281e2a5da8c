import Foundation
import Testing
@testable import ProctorEngine
@testable import ProctorTUI

/// The space-time diagram (`g`), composed in memory: lanes per node, each message from its
/// send (●) across to its receiver's lane and down to its receive (◆), the last delivered
/// one highlighted, filters per mechanism, lanes that keep the focused student in view.
@Suite struct SpaceTimeDiagramTests {
    static func view(focus: Int = 0, hidden: Set<Mechanism> = []) -> ViewState {
        var v = ViewState()
        v.diagram = true
        v.focus = focus
        v.diagramHidden = hidden
        return v
    }

    /// The diagram's rows (between its header and its bottom border).
    static func body(_ b: ScreenBuffer, _ h: Int) -> [String] { (3..<(h - 3)).map { b.line($0) } }

    /// A sync round delivered message by message, paused after the ADJUSTs went out.
    static func syncRound(students: Int = 5) -> Simulation {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: students, seed: 42, encodesLog: false))
        sim.enableStepBack()
        sim.run(until: .seconds(2))
        sim.apply(.start(.sync))
        for _ in 0..<(2 * (students + 1) + 3) { sim.stepMessage() }
        return sim
    }

    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func aSyncRoundShowsEachMessageFromItsSendToItsReceive(size: (Int, Int)) throws {
        let sim = Self.syncRound()
        let snap = Snapshot(simulation: sim, paused: true, speed: 1)
        let b = ScreenTests.render(snap, size.0, size.1, Self.view())
        let header = b.line(2)
        for lane in ["main", "backup", "tchr", "S1", "S5", "R1", "R3"] { #expect(header.contains(lane), "\(lane) in \(header)") }
        let rows = Self.body(b, size.1)
        // Every send and receive shown has its mark: as many ● as sends, ◆ as receives.
        let shown = SpaceTimeDiagram.rows(snap, hidden: []).suffix(rows.count)
        let sends = shown.filter { if case .send = $0.kind { true } else { false } }.count
        let recvs = shown.filter { if case .recv = $0.kind { true } else { false } }.count
        #expect(rows.reduce(0) { $0 + $1.filter { $0 == "●" }.count } == sends)
        #expect(rows.reduce(0) { $0 + $1.filter { $0 == "◆" }.count } == recvs)
        // The newest receive is the one `.` delivered: named, highlighted.
        guard case .recv(let m)? = shown.last(where: { if case .recv = $0.kind { true } else { false } })?.kind else {
            Issue.record("no receive shown")
            return
        }
        #expect(rows.contains { $0.contains("◆ \(m.payload.kind) from \(m.from.shortName)") }, "\(rows.joined(separator: "\n"))")
        // A message still in flight runs down its receiver's lane.
        #expect(rows.contains { $0.contains("┊") })
        if size.0 >= 120 { #expect(rows.contains { $0.contains("ADJUST") } && rows.contains { $0.contains("REPLY") }) }
    }

    @Test func stepBackMovesTheHighlightToTheMessageBefore() throws {
        let sim = Self.syncRound()
        func note() -> String? {
            let b = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40, Self.view())
            return Self.body(b, 40).first { $0.contains(" from ") }.map { String($0[$0.range(of: "◆")!.lowerBound...]) }
        }
        let now = try #require(note())
        var back = now
        while back == now, sim.stepBack() { back = try #require(note()) }
        #expect(back != now, "\(now) → \(back)")
    }

    /// A contended Ricart–Agrawala entry, with only `ra` shown: REQUESTs, REPLYs and the entry.
    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func aContendedEntryWithOnlyRicartAgrawalaShown(size: (Int, Int)) {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 42, encodesLog: false))
        sim.run(through: [.sync, .exam])
        sim.apply(.start(.isa))
        var entered = 0
        while entered < 2, sim.step() {
            if case .csEnter? = sim.log.recent.last?.kind { entered += 1 }
        }
        let hidden: Set<Mechanism> = [.sync, .exam, .lock, .replica]
        let snap = Snapshot(simulation: sim, paused: true, speed: 1)
        let b = ScreenTests.render(snap, size.0, size.1, Self.view(hidden: hidden))
        let rows = Self.body(b, size.1)
        #expect(rows.contains { $0.contains("ENTER") }, "the entry on its lane:\n\(rows.joined(separator: "\n"))")
        let shown = SpaceTimeDiagram.rows(snap, hidden: hidden)
        #expect(shown.allSatisfy { row in
            switch row.kind {
            case .send(let m), .recv(let m): m.payload.mechanism == .ra
            default: true
            }
        })
        #expect(b.text.contains("hidden: sync exam lock replica"))
        if size.0 >= 120 { #expect(rows.contains { $0.contains("REQUEST") || $0.contains("REPLY") }) }
    }

    /// With 100 students the lanes scroll; the focused student's lane is always on screen.
    @Test func aLargeClassKeepsTheFocusedLaneInView() {
        let sim = Self.syncRound(students: 100)
        let b = ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), 120, 40, Self.view(focus: 57))
        let header = b.line(2)
        #expect(header.contains("S58"), "\(header)")
        #expect(header.contains("◀") && header.contains("▶"), "lanes off both sides are counted")
    }

    @Test func gOpensTheDiagramAndItsKeysFilterAndClose() {
        var r = InputRouter(students: 5, maxMark: 20)
        let facts = InputRouterTests.nothingYet
        _ = r.route(.char("g"), facts)
        #expect(r.mode(facts) == .diagram)
        _ = r.route(.char("r"), facts)
        _ = r.route(.char("s"), facts)
        #expect(r.diagramHidden == [.ra, .sync])
        #expect(r.route(.char("1"), facts).isEmpty, "a phase key does nothing in the diagram")
        #expect(r.route(.char("."), facts) == [.step], "the presenter's keys keep their meaning")
        _ = r.route(.char("s"), facts)
        #expect(r.diagramHidden == [.ra])
        _ = r.route(.escape, facts)
        #expect(r.mode(facts) == .normal)
    }
}

/// The diagram's screens, checked in as text: a sync round and a contended Ricart–Agrawala
/// entry at 80×24, 120×40 and 200×60. A change to how the diagram draws shows up as a diff to
/// review. Regenerate with
///     PROCTOR_UPDATE_TRANSCRIPTS=1 swift test --filter DiagramTranscriptTests
@Suite struct DiagramTranscriptTests {
    static let testdata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata")

    static func syncScreen(_ w: Int, _ h: Int) -> String {
        let sim = SpaceTimeDiagramTests.syncRound()
        return ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), w, h, SpaceTimeDiagramTests.view(focus: 1)).text
    }

    static func raScreen(_ w: Int, _ h: Int) -> String {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: w >= 200 ? 17 : 5, seed: 42, encodesLog: false))
        sim.run(through: [.sync, .exam])
        sim.apply(.start(.isa))
        var entered = 0
        while entered < 2, sim.step() {
            if case .csEnter? = sim.log.recent.last?.kind { entered += 1 }
        }
        return ScreenTests.render(Snapshot(simulation: sim, paused: true, speed: 1), w, h,
                                  SpaceTimeDiagramTests.view(focus: 0, hidden: [.sync, .exam, .lock, .replica])).text
    }

    @Test(arguments: [("sync", 80, 24), ("sync", 120, 40), ("sync", 200, 60), ("ra", 80, 24), ("ra", 120, 40), ("ra", 200, 60)])
    func theDiagramMatchesItsTranscript(_ c: (String, Int, Int)) throws {
        let actual = (c.0 == "sync" ? Self.syncScreen(c.1, c.2) : Self.raScreen(c.1, c.2))
            .split(separator: "\n", omittingEmptySubsequences: false).map { $0.replacing(#/ +$/#, with: "") }.joined(separator: "\n") + "\n"
        let url = Self.testdata.appendingPathComponent("diagram-\(c.0)-\(c.1)x\(c.2).txt")
        if ProcessInfo.processInfo.environment["PROCTOR_UPDATE_TRANSCRIPTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.testdata, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try #require(try? String(contentsOf: url, encoding: .utf8), "no \(url.lastPathComponent); regenerate and review")
        #expect(actual == expected, "the diagram no longer matches \(url.lastPathComponent); if intended, regenerate (PROCTOR_UPDATE_TRANSCRIPTS=1) and review the diff")
    }
}
