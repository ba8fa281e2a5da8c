import Testing
@testable import ProctorEngine
@testable import ProctorTUI

/// The invariants strip above the caption: each invariant held ✓, broken ✗ or not yet
/// checked –, at the target size and the smallest.
@Suite struct InvariantsStripTests {
    static let sizes = [(120, 40), (80, 24)]

    /// A whole walkthrough, with every invariant checked.
    static func finished(students: Int = 5) -> Snapshot {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: students, seed: 42, encodesLog: false))
        _ = try? Headless.run(sim) { _ in }
        return sim.snapshot()
    }

    static func strip(_ s: Snapshot, _ w: Int, _ h: Int) -> String {
        ScreenTests.render(s, w, h).line(h - 3)
    }

    /// The style of the first cell of `text` in line `y`.
    static func style(of text: String, in b: ScreenBuffer, y: Int) -> Style? {
        guard let r = b.line(y).range(of: text) else { return nil }
        let x = b.line(y).unicodeScalars[..<r.lowerBound.samePosition(in: b.line(y).unicodeScalars)!].count
        return b.cells[y * b.width + x].style
    }

    @Test(arguments: sizes)
    func beforeAnyCheckEveryInvariantShowsADash(size: (Int, Int)) {
        let line = Self.strip(ScreenTests.snapshot(synced: false), size.0, size.1)
        for name in ["mutex", "rw", "exactly_once", "replicas", "clock_bound"] {
            #expect(line.contains(name + " –"), "\(name) at \(size): \(line)")
        }
        #expect(!line.contains("✓") && !line.contains("✗"))
    }

    @Test(arguments: sizes)
    func afterASyncRoundOnlyTheClockBoundIsChecked(size: (Int, Int)) {
        let line = Self.strip(ScreenTests.snapshot(synced: true), size.0, size.1)
        #expect(line.contains("clock_bound ✓ 1"), "\(line)")
        #expect(line.contains("mutex –") && line.contains("replicas –"))
    }

    @Test func atTheTargetSizeAFinishedWalkthroughShowsEveryCountWithTheLabel() throws {
        let snap = Self.finished()
        let line = Self.strip(snap, 120, 40)
        let expected = " invariants  " + snap.invariants.map { "\($0.name) ✓ \($0.checks)" }.joined(separator: " · ")
        #expect(line == expected)
        #expect(snap.invariants.allSatisfy { $0.checks > 0 })
        let b = ScreenTests.render(snap, 120, 40)
        #expect(Self.style(of: "✓", in: b, y: 37) == .good)
        #expect(b.line(39).hasPrefix(" Walkthrough complete."), "the caption stays below it")
    }

    @Test(arguments: [5, 100])
    func atTheSmallestSizeEveryInvariantAndCountStillFits(students: Int) {
        let snap = Self.finished(students: students)
        let line = Self.strip(snap, 80, 24)
        for s in snap.invariants {
            #expect(line.contains("\(s.name) ✓ \(s.checks)") || line.contains("\(s.name)✓\(s.checks)"), "\(s.name) \(s.checks): \(line)")
        }
        #expect(!line.contains("…"))
    }

    @Test(arguments: sizes)
    func aBrokenInvariantShowsACrossInTheBadStyleAndTheCaptionSaysWhat(size: (Int, Int)) throws {
        var snap = Self.finished()
        snap.invariants[1].breaks = 1
        snap.invariants[1].detail = "chunk-1: S2 acquired it to write while S1 held it to read"
        snap.brokenInvariants = ["rw: chunk-1: S2 acquired it to write while S1 held it to read"]
        let b = ScreenTests.render(snap, size.0, size.1)
        let y = size.1 - 3, line = b.line(y)
        let checks = snap.invariants[1].checks
        #expect(line.contains("rw ✗ \(checks)") || line.contains("rw✗\(checks)"), "\(line)")
        #expect(Self.style(of: "✗", in: b, y: y) == .bad)
        #expect(Self.style(of: "rw", in: b, y: y) == .bad)
        #expect(line.contains("mutex ✓") || line.contains("mutex✓"), "the others still held")
        #expect(b.line(size.1 - 1).contains("INVARIANT BROKEN — rw: chunk-1"))
    }

    @Test func anExtraInvariantAppearsOnlyOnceBroken() {
        var snap = ScreenTests.snapshot(synced: true)
        #expect(!Self.strip(snap, 120, 40).contains("main_slots"))
        snap.invariants.append(InvariantStatus(name: "main_slots", breaks: 1, detail: "main is processing 4 submissions, more than 3"))
        let line = Self.strip(snap, 120, 40)
        #expect(line.contains("main_slots ✗") && !line.contains("main_slots ✗ 0"), "\(line)")
    }

    @Test func onANarrowLineTheLabelAndSeparatorsGiveWayBeforeTheCounts() {
        let all = ["mutex", "rw", "exactly_once", "replicas", "clock_bound"].map { InvariantStatus(name: $0, checks: 1000) }
        #expect(InvariantsStrip.text(all, width: 200).hasPrefix("invariants  mutex ✓ 1000 · rw ✓ 1000"))
        let narrow = InvariantsStrip.text(all, width: 79)
        #expect(narrow.cellCount <= 79)
        #expect(narrow == "mutex✓1000 rw✓1000 exactly_once✓1000 replicas✓1000 clock_bound✓1000")
    }
}
