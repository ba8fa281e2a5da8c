import Foundation
import Testing
import ProctorEngine   // the public API only: the transcripts must not depend on internals

/// Golden transcripts of small runs: the message exchange and state changes of each
/// mechanism, rendered from the event log and compared with the reviewed files in
/// `testdata/`. A change to a run shows as a diff of the conversation, not as a boolean.
///
/// When a change to the engine is meant to change its runs, regenerate the files and review
/// the diff before committing them:
///
///     PROCTOR_UPDATE_TRANSCRIPTS=1 swift test --filter TranscriptTests
@Suite struct TranscriptTests {
    static let regenerate = "PROCTOR_UPDATE_TRANSCRIPTS=1 swift test --filter TranscriptTests"

    /// One run and the part of its log a file shows.
    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        var title: String
        var students: Int
        var seed: UInt64
        /// The phases run, in order, each started a second after the previous one fell quiet
        /// (as the headless walkthrough does); the file shows the log from the start of the
        /// last one. Empty: the whole headless walkthrough, shown entire.
        var phases: [Phase]
        var mainSlots: Int?
        var flagsPerMinute: Double?

        var testDescription: String { file }

        /// What differs from the compiled-in scenario.
        var changes: [String] {
            (mainSlots.map { ["main_slots \($0)"] } ?? []) + (flagsPerMinute.map { ["flags_per_minute \($0)"] } ?? [])
        }

        var data: ExamData {
            var data = ExamData.defaults()
            if let mainSlots { data.scenario.mainSlots = mainSlots }
            if let flagsPerMinute { data.scenario.flagsPerMinute = flagsPerMinute }
            return data
        }
    }

    static let cases: [Case] = [
        Case(file: "sync-n2.txt", title: "Berkeley clock sync", students: 2, seed: 1, phases: [.sync]),
        Case(file: "sync-n3.txt", title: "Berkeley clock sync, one outlier", students: 3, seed: 2, phases: [.sync]),
        Case(file: "exam-n2.txt", title: "MCQ exam: a warning, a manual and a timed-out submission", students: 2, seed: 2,
             phases: [.sync, .exam]),
        Case(file: "exam-n3.txt", title: "MCQ exam: a termination, and main full so one submission goes to the backup",
             students: 3, seed: 4, phases: [.sync, .exam], mainSlots: 1, flagsPerMinute: 1.5),
        Case(file: "isa-n2.txt", title: "ISA marks under Ricart–Agrawala", students: 2, seed: 2, phases: [.sync, .exam, .isa]),
        Case(file: "isa-n3.txt", title: "ISA marks under Ricart–Agrawala, with hold timeouts", students: 3, seed: 9,
             phases: [.sync, .exam, .isa]),
        Case(file: "replication-n2.txt", title: "Replication: 2 chunks × 3 replicas", students: 2, seed: 1,
             phases: [.sync, .exam, .isa, .replication]),
        Case(file: "replication-n3.txt", title: "Replication: 2 chunks × 3 replicas, chunks of unequal size", students: 3, seed: 1,
             phases: [.sync, .exam, .isa, .replication]),
        Case(file: "consistency-n2.txt", title: "Consistency demo: locks per chunk, each write sent to all 3 replicas", students: 2, seed: 28,
             phases: [.sync, .exam, .isa, .replication, .consistency]),
        Case(file: "consistency-n3.txt", title: "Consistency demo: two readers share a chunk, a writer waits for a reader", students: 3, seed: 6,
             phases: [.sync, .exam, .isa, .replication, .consistency]),
        Case(file: "walkthrough-n2.txt", title: "The whole headless walkthrough", students: 2, seed: 4, phases: []),
    ]

    @Test(arguments: cases)
    func theRunMatchesItsTranscript(_ c: Case) throws {
        let actual = Self.transcript(c)
        let url = Self.testdata.appendingPathComponent(c.file)
        let expected = try? String(contentsOf: url, encoding: .utf8)
        if ProcessInfo.processInfo.environment["PROCTOR_UPDATE_TRANSCRIPTS"] == "1" {
            if expected != actual {
                try FileManager.default.createDirectory(at: Self.testdata, withIntermediateDirectories: true)
                try actual.write(to: url, atomically: true, encoding: .utf8)
            }
            return
        }
        guard let expected else {
            Issue.record("no transcript \(c.file) in testdata/; create it with\n  \(Self.regenerate)\nand review it before committing")
            return
        }
        if let diff = LineDiff.describe(expected: Self.lines(expected), actual: Self.lines(actual)) {
            Issue.record("""
                the run no longer matches testdata/\(c.file):
                \(diff)
                If the change is intended, regenerate the transcripts and review the diff before committing:
                  \(Self.regenerate)
                """)
        }
    }

    /// The files next to this source file: the tests read and rewrite the checked-in copies.
    static let testdata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata")

    /// The lines of a file; the newline that ends the last one does not start another.
    static func lines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Runs the case and renders its log, headed by what was run.
    static func transcript(_ c: Case) -> String {
        let sim = Simulation(config: .init(data: c.data, studentCount: c.students, seed: c.seed, encodesLog: true))
        var header = ["# \(c.title)", "# \(c.students) students, seed \(c.seed)"
            + (c.changes.isEmpty ? ", default scenario" : ", scenario changed: " + c.changes.joined(separator: ", "))]
        let shown: [UInt8]
        if let focus = c.phases.last {
            var earlier = 0
            for phase in c.phases {
                if phase == focus { earlier = sim.takeEncodedLog().count(where: { $0 == UInt8(ascii: "\n") }) }
                sim.schedule(.start(phase), at: sim.now + Headless.pause)
                while sim.step() {}
            }
            shown = sim.takeEncodedLog()
            let before = c.phases.dropLast().map(\.rawValue)
            header.append("# phases run: " + c.phases.map(\.rawValue).joined(separator: ", ") + "; shown: " + focus.rawValue
                + (before.isEmpty ? "" : " (the \(earlier) lines of " + before.joined(separator: ", ") + " before it are left out)"))
        } else {
            var bytes: [UInt8] = []
            let report = try! Headless.run(sim) { bytes += $0 }
            shown = bytes
            header.append("# the headless walkthrough, every line; invariants "
                + (report.allInvariantsHeld ? "all held" : "broken: " + report.brokenInvariants.joined(separator: ", ")))
        }
        header.append("# one line per log event: time (s), then the event; regenerate with " + regenerate)
        return (header + Transcript.render(shown)).joined(separator: "\n") + "\n"
    }

    // MARK: The renderer and the diff themselves

    @Test func everyFieldOfAKnownTypeIsShown() throws {
        func line(_ json: String) throws -> String { Transcript.render(try JSONLineParser.parse(Substring(json))) }
        #expect(try line(#"{"t":1000,"type":"send","from":"main","to":"student-1","mech":"sync","msg":"REQUEST","id":2,"round":1}"#)
            == "   1.000s  main → student-1  sync REQUEST #2 round=1")
        #expect(try line(#"{"t":1275,"type":"recv","from":"main","to":"student-2","mech":"sync","msg":"ADJUST","id":15,"round":1,"delta_ms":-1672,"dup":true}"#)
            == "   1.275s  student-2 recv sync ADJUST #15 (dup) from main round=1 delta=-1.672s")
        #expect(try line(#"{"t":1238,"type":"send","from":"main","to":"student-1","mech":"sync","msg":"ADJUST","id":8,"round":1,"delta_ms":1614}"#)
            == "   1.238s  main → student-1  sync ADJUST #8 round=1 delta=+1.614s")
        #expect(try line(#"{"t":1221,"type":"clock_adjust","node":"main","local_before_ms":-3219,"delta_ms":8467,"delta_us":8467769}"#)
            == "   1.221s  clock_adjust main before -3.219s Δ +8.467s (+8467769 µs)")
        #expect(try line(#"{"t":90001,"type":"submit","student":"student-2","roll":102,"reason":"timeout","server":"backup","arrived":88000,"started":89000,"warnings":1,"raw":70,"final":35}"#)
            == "  90.001s  submit student-2 roll=102 reason=timeout server=backup arrived=88.000s started=89.000s warnings=1 raw=70 final=35")
        #expect(try line(#"{"t":5,"type":"cs_exit","node":"student-1","isa":null,"reason":"timeout"}"#)
            == "   0.005s  cs_exit student-1 isa=null reason=timeout")
        #expect(try line(#"{"t":7,"type":"sync_result","round":2,"spread_before_ms":8200,"spread_after_ms":40,"max_rtt_ms":240,"outliers":["student-3"]}"#)
            == "   0.007s  sync_result round 2  spread 8.200s → 0.040s  max rtt 0.240s outliers=[student-3]")
    }

    @Test func anUnknownTypeOrAMissingFieldIsPrintedAsKeyValue() throws {
        func line(_ json: String) throws -> String { Transcript.render(try JSONLineParser.parse(Substring(json))) }
        #expect(try line(#"{"t":1500,"type":"fault","kind":"crash","node":"main","at_us":1500250,"note":"a b","x":{"y":[1,2.5]}}"#)
            == "   1.500s  fault kind=crash node=main at=1.500250s note=\"a b\" x={y=[1,2.5]}")
        // A send without its id is not forced into the compact form.
        #expect(try line(#"{"t":0,"type":"send","from":"main","to":"backup","mech":"exam","msg":"FORWARD"}"#)
            == "   0.000s  send from=main to=backup mech=exam msg=FORWARD")
        #expect(Transcript.render(Array("{\"t\":1,\n{oops\n".utf8)).allSatisfy { $0.hasPrefix("!! unparsable") })
    }

    @Test func aDiffShowsTheFirstDifferingLinesWithContext() {
        let expected = (1...20).map { "line \($0)" }
        var actual = expected
        actual[9] = "line 10 changed"
        actual.insert("inserted", at: 15)
        let diff = LineDiff.describe(expected: expected, actual: actual) ?? ""
        #expect(diff.contains("first difference at line 10"))
        #expect(diff.contains("-line 10\n+line 10 changed"))
        #expect(diff.contains("+inserted"))
        #expect(diff.contains(" line 9\n"), "context before the change")
        #expect(LineDiff.describe(expected: expected, actual: expected) == nil)
    }
}

/// A unified-style diff of two line lists, enough to show where a transcript changed.
enum LineDiff {
    /// nil when the lists are equal; otherwise a summary and the first hunks, `maxLines` at most.
    static func describe(expected: [String], actual: [String], context: Int = 3, maxLines: Int = 60) -> String? {
        guard expected != actual else { return nil }
        // The edit script: " " kept, "-" only expected, "+" only actual, with line numbers.
        let difference = actual.difference(from: expected)
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        var ops: [(mark: Character, line: String, old: Int, new: Int)] = []
        var i = 0, j = 0
        while i < expected.count || j < actual.count {
            if i < expected.count && removed.contains(i) {
                ops.append(("-", expected[i], i, j)); i += 1
            } else if j < actual.count && inserted.contains(j) {
                ops.append(("+", actual[j], i, j)); j += 1
            } else {
                ops.append((" ", expected[i], i, j)); i += 1; j += 1
            }
        }
        let changed = ops.indices.filter { ops[$0].mark != " " }
        let first = ops[changed[0]]
        var out = ["expected \(expected.count) lines, got \(actual.count); first difference at line \((first.mark == "-" ? first.old : first.new) + 1)"]
        var printed = 0, k = 0
        while k < changed.count && printed < maxLines {
            // One hunk: changes closer than 2 × context lines apart, with context around them.
            var end = k
            while end + 1 < changed.count && changed[end + 1] - changed[end] <= 2 * context { end += 1 }
            let lo = max(0, changed[k] - context), hi = min(ops.count - 1, changed[end] + context)
            let hunk = ops[lo...hi]
            let oldCount = hunk.filter { $0.mark != "+" }.count, newCount = hunk.filter { $0.mark != "-" }.count
            out.append("@@ -\(ops[lo].old + 1),\(oldCount) +\(ops[lo].new + 1),\(newCount) @@")
            for op in hunk {
                guard printed < maxLines else { out.append("… (diff cut)"); break }
                out.append("\(op.mark)\(op.line)")
                printed += 1
            }
            k = end + 1
        }
        if k < changed.count && printed >= maxLines && out.last != "… (diff cut)" { out.append("… (more differences)") }
        return out.joined(separator: "\n")
    }
}
