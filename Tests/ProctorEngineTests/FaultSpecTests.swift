import Foundation
import Testing
@testable import ProctorEngine

/// The fault grammar: every kind reads back from its own words, and a bad spec is refused
/// with the spec quoted and what was expected.
@Suite struct FaultSpecTests {
    static let examples: [(String, FaultSpec)] = [
        ("crash main at exam+60s", FaultSpec(kind: .crash, node: .main, phase: .exam, offset: .seconds(60))),
        ("crash backup at exam+90s for 20s",
         FaultSpec(kind: .crash, node: .backup, phase: .exam, offset: .seconds(90), duration: .seconds(20))),
        ("drop student-2->main at exam+100s for 15s",
         FaultSpec(kind: .drop, from: .student(2), to: .main, phase: .exam, offset: .seconds(100), duration: .seconds(15))),
        ("delay main->replica-3 by 500ms at replication+0s for 2m",
         FaultSpec(kind: .delay, from: .main, to: .replica(3), phase: .replication, offset: .zero, duration: .seconds(120),
                   amount: .milliseconds(500))),
        ("partition student-4 at isa+2.5s for 10s",
         FaultSpec(kind: .partition, node: .student(4), phase: .isa, offset: .milliseconds(2500), duration: .seconds(10))),
        ("clockjump teacher by -3s at sync+0s",
         FaultSpec(kind: .clockjump, node: .teacher, phase: .sync, offset: .zero, amount: .seconds(-3))),
        ("clockjump replica-1 by +250us at consistency+1m",
         FaultSpec(kind: .clockjump, node: .replica(1), phase: .consistency, offset: .seconds(60), amount: VirtualDuration(microseconds: 250))),
    ]

    @Test(arguments: examples.indices)
    func everyKindParsesAndReadsBackFromItsDescription(i: Int) throws {
        let (text, expected) = Self.examples[i]
        let spec = try FaultSpec.parse(text)
        #expect(spec == expected)
        #expect(try FaultSpec.parse(spec.description) == spec, "\(spec.description)")
        #expect(try FaultSpec.parse(spec.description).description == spec.description)
    }

    @Test func everyKindIsAmongTheExamples() {
        #expect(Set(Self.examples.map(\.1.kind)) == Set(FaultSpec.Kind.allCases))
    }

    @Test func theDescriptionIsInTheGrammarsWords() throws {
        #expect(try FaultSpec.parse("delay main->replica-3 by 0.5s at replication+0ms for 120s").description
                == "delay main->replica-3 by 500ms at replication+0s for 120s")
        #expect(try FaultSpec.parse("clockjump main by 5s at sync+1s").description == "clockjump main by +5s at sync+1s")
        #expect(try FaultSpec.parse("crash main at exam+1.5m").description == "crash main at exam+90s")
    }

    @Test(arguments: [
        "  drop   student-1 -> main   at  exam + 30s  for 5s ",
        "drop student-1-> main at exam+30s for 5s",
        "drop student-1 ->main at exam +30s for 5s",
        "DROP Student-1->MAIN AT EXAM+30S FOR 5S",
        "drop student-1->main for 5s at exam+30s",
        "drop\tstudent-1->main\nat exam+30000ms for 5s",
        "drop student-1->main at exam+0.5m for 5000000us",
    ])
    func whitespaceCaseAndClauseOrderAreTolerated(text: String) throws {
        #expect(try FaultSpec.parse(text) == FaultSpec(kind: .drop, from: .student(1), to: .main, phase: .exam,
                                                        offset: .seconds(30), duration: .seconds(5)))
    }

    /// Bad specs, and words the message must contain.
    @Test(arguments: [
        ("", ["is empty", "crash main at exam+60s"]),
        ("explode main at exam+1s", ["\"explode\"", "crash, drop, delay, partition or clockjump"]),
        ("crash main at exam60s", ["expected PHASE+DURATION after \"at\", like exam+60s", "\"exam60s\""]),
        ("crash main at exam", ["expected PHASE+DURATION after \"at\""]),
        ("crash main at exam+", ["a duration after \"+\""]),
        ("crash main at lunch+5s", ["\"lunch\" is not a phase", "sync, exam, isa, replication, consistency"]),
        ("crash main at done+5s", ["\"done\" is not a phase"]),
        ("crash main", ["at PHASE+DURATION"]),
        ("crash", ["expected a node after \"crash\""]),
        ("crash admin at exam+1s", ["admin", "cannot fail"]),
        ("crash server at exam+1s", ["\"server\" is not a node", "student-K"]),
        ("crash student-0 at exam+1s", ["numbered from 1"]),
        ("crash replica-4 at exam+1s", ["replica-4 does not exist", "replica-3"]),
        ("crash student-x at exam+1s", ["\"student-x\" is not a node"]),
        ("crash main->backup at exam+1s", ["one node, not a link"]),
        ("crash main at exam+60x", ["\"60x\"", "not a duration", "500ms, 30s or 2m"]),
        ("crash main at exam+.5s", ["\".5s\"", "not a duration"]),
        ("crash main at exam+1.0000001s", ["finer than a microsecond"]),
        ("crash main at exam+1441m", ["longer than a day"]),
        ("crash main at exam+25h", ["\"25h\"", "not a duration"]),
        ("crash main at exam+1s for 0s", ["longer than 0"]),
        ("crash main at exam+1s at exam+2s", ["\"at\" twice"]),
        ("crash main at exam+1s for 2s for 3s", ["\"for\" twice"]),
        ("crash main by 2s at exam+1s", ["has no \"by\""]),
        ("crash main at exam+1s soon", ["unexpected \"soon\"", "for DURATION"]),
        ("drop main at exam+1s for 5s", ["expected a link A->B after \"drop\""]),
        ("drop main->main at exam+1s for 5s", ["two different nodes"]),
        ("drop main-> at exam+1s for 5s", ["\"at\" is not a node"]),
        ("drop main->", ["expected a node after \"->\""]),
        ("drop main->backup at exam+1s", ["a drop needs \"for DURATION\""]),
        ("partition main at exam+1s", ["a partition needs \"for DURATION\""]),
        ("delay main->backup at exam+1s for 5s", ["a delay needs \"by DURATION\""]),
        ("delay main->backup by -1s at exam+1s for 5s", ["without a sign"]),
        ("delay main->backup by 0ms at exam+1s for 5s", ["more than 0"]),
        ("delay main->backup by at exam+1s for 5s", ["\"at\" after \"by\" is not a duration"]),
        ("clockjump main at sync+1s", ["a clock jump needs \"by ±DURATION\""]),
        ("clockjump main by +5s at sync+1s for 3s", ["no \"for\""]),
        ("clockjump main by ±5s at sync+1s", ["one way"]),
        ("clockjump main by -0s at sync+1s", ["moves the clock"]),
        ("clockjump main by + at sync+1s", ["\"at\" after \"by\" is not a duration"]),
    ] as [(String, [String])])
    func aBadSpecIsQuotedWithWhatWasExpected(text: String, words: [String]) {
        do {
            let spec = try FaultSpec.parse(text)
            Issue.record("accepted \"\(text)\" as \(spec)")
        } catch {
            #expect(error.spec == text.trimmingCharacters(in: .whitespaces))
            #expect(error.description.hasPrefix("--fault \"\(error.spec)\": "), "\(error)")
            for w in words { #expect(error.problem.contains(w), "\(error) lacks \(w)") }
        }
    }

    @Test func theExampleMessageReadsAsDocumented() {
        #expect(throws: FaultSpecError(spec: "crash main at exam60s",
                                       problem: "expected PHASE+DURATION after \"at\", like exam+60s, found \"exam60s\"")) {
            try FaultSpec.parse("crash main at exam60s")
        }
    }

    @Test func validateChecksTheClassAndTheShape() throws {
        let five = 5
        try FaultSpec.parse("crash student-5 at exam+1s").validate(studentCount: five)
        try FaultSpec.parse("drop student-5->replica-3 at consistency+1s for 2s").validate(studentCount: five)
        func problem(_ spec: FaultSpec, _ n: Int = 5) -> String? {
            do {
                try spec.validate(studentCount: n)
                return nil
            } catch {
                #expect(error.spec == spec.description)
                return error.problem
            }
        }
        #expect(problem(try FaultSpec.parse("crash student-6 at exam+1s"))?.contains("not in this class of 5") == true)
        #expect(problem(try FaultSpec.parse("delay main->student-2 by 1s at exam+1s for 2s"), 1)?.contains("student-1 only") == true)
        #expect(problem(try FaultSpec.parse("drop student-9->main at exam+1s for 2s"))?.contains("student-1 to student-5") == true)
        #expect(problem(FaultSpec(kind: .crash, node: .replica(4), phase: .exam, offset: .zero))?.contains("replica-4") == true)
        #expect(problem(FaultSpec(kind: .crash, node: .admin, phase: .exam, offset: .zero))?.contains("admin") == true)
        #expect(problem(FaultSpec(kind: .crash, phase: .exam, offset: .zero))?.contains("needs a node") == true)
        #expect(problem(FaultSpec(kind: .drop, node: .main, phase: .exam, offset: .zero, duration: .seconds(1)))?.contains("needs a link") == true)
        #expect(problem(FaultSpec(kind: .drop, from: .main, to: .backup, phase: .exam, offset: .zero))?.contains("needs \"for") == true)
        #expect(problem(FaultSpec(kind: .partition, node: .main, phase: .exam, offset: .zero))?.contains("needs \"for") == true)
        #expect(problem(FaultSpec(kind: .delay, from: .main, to: .backup, phase: .exam, offset: .zero, duration: .seconds(1)))?
            .contains("needs \"by") == true)
        #expect(problem(FaultSpec(kind: .delay, from: .main, to: .backup, phase: .exam, offset: .zero, amount: .seconds(1)))?
            .contains("needs \"for") == true)
        #expect(problem(FaultSpec(kind: .clockjump, node: .main, phase: .sync, offset: .zero, duration: .seconds(1), amount: .seconds(1)))?
            .contains("no \"for\"") == true)
        #expect(problem(FaultSpec(kind: .clockjump, node: .main, phase: .sync, offset: .zero))?.contains("needs \"by") == true)
        #expect(problem(FaultSpec(kind: .crash, node: .main, phase: .sync, offset: .zero, amount: .seconds(1)))?.contains("no \"by\"") == true)
        #expect(problem(FaultSpec(kind: .crash, node: .main, phase: .done, offset: .zero))?.contains("\"done\"") == true)
        #expect(problem(FaultSpec(kind: .crash, node: .main, phase: .exam, offset: .seconds(-1)))?.contains("from 0s") == true)
    }
}
