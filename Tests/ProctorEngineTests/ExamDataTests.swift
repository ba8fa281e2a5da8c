import Foundation
import Testing
@testable import ProctorEngine

@Suite struct ExamDataTests {
    static let dataDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data")

    @Test func theShippedDataFilesEqualTheCompiledInDefaults() throws {
        let loaded = try ExamData.load(from: Self.dataDir)
        #expect(loaded == ExamData.defaults())
        #expect(loaded.scenario == Scenario(), "a field missing from scenario.json falls back to the same default")
        #expect(loaded.questions.count == 10)
        #expect(loaded.roster.count == 5)
    }

    @Test func studentsBeyondTheRosterAreGeneratedWithFreshRolls() {
        let s = ExamData.defaults().students(count: 8)
        #expect(s.count == 8)
        #expect(Set(s.map(\.roll)).count == 8)
        #expect(s[5].name == "Student 6")
        #expect(s.map(\.roll) == s.map(\.roll).sorted())
    }

    func expectError(_ file: String, _ text: String, field: String?, containing: String) {
        do {
            switch file {
            case "scenario.json": _ = try ExamData.parseScenario(text, file: file)
            case "roster.json": _ = try ExamData.parseRoster(text, file: file)
            default: _ = try ExamData.parseQuestions(text, file: file)
            }
            Issue.record("\(file) accepted: \(text)")
        } catch {
            #expect(error.file == file)
            #expect(error.field == field)
            #expect(error.problem.contains(containing), "\(error)")
        }
    }

    @Test func malformedFilesNameTheFileAndTheField() {
        expectError("scenario.json", "{ \"network\": { \"latency_ms\": \"fast\" } }", field: "network.latency_ms", containing: "whole number")
        expectError("scenario.json", "{ \"clocks\": { \"max_skew_ms\": -5 } }", field: "clocks.max_skew_ms", containing: "between")
        expectError("scenario.json", "{ \"clokcs\": {} }", field: "clokcs", containing: "not a known field")
        expectError("scenario.json", "{ \"network\": { \"latency_ms\": 10, \"jitter_ms\": 10 } }", field: "network.jitter_ms", containing: "smaller")
        expectError("scenario.json", "{ nope", field: nil, containing: "not valid JSON (line 1, column 3: expected a quoted key, found 'n')")
        expectError("scenario.json", "{\n  \"exam\": { \"accuracy\": 0.7 }\n  \"network\": {}\n}", field: nil,
                    containing: "line 3, column 3: expected ',' or '}', found '\"'")
        expectError("roster.json", "{ \"students\": [ 1, 2,", field: nil, containing: "expected a value, found the end of the file")
        expectError("roster.json", "{ \"students\": [ { \"roll\": 1, \"name\": \"A\" }, { \"roll\": 1, \"name\": \"B\" } ] }", field: "students[1].roll", containing: "repeats")
        expectError("roster.json", "{ \"students\": [ { \"roll\": 1 } ] }", field: "students[0].name", containing: "missing")
        expectError("roster.json", "{ \"students\": [] }", field: "students", containing: "empty")
        expectError("questions.json", "{ \"questions\": [] }", field: "questions", containing: "exactly 10")
        let nine = (0..<9).map { _ in "{\"text\":\"q\",\"options\":[\"a\",\"b\",\"c\",\"d\"],\"answer\":0}" }
        let bad = "{\"text\":\"q\",\"options\":[\"a\",\"b\",\"c\",\"d\"],\"answer\":4}"
        expectError("questions.json", "{ \"questions\": [\(( nine + [bad]).joined(separator: ","))] }", field: "questions[9].answer", containing: "between 0 and 3")
    }

    @Test func aScenarioMayListFaults() throws {
        #expect(ExamData.defaults().scenario.faults.isEmpty, "none by default")
        let s = try ExamData.parseScenario("{ \"faults\": [\"crash main at exam+60s for 20s\", \" drop student-2 -> main at exam+1m for 5s \"] }",
                                           file: "scenario.json")
        #expect(s.faults == [FaultSpec(kind: .crash, node: .main, phase: .exam, offset: .seconds(60), duration: .seconds(20)),
                             FaultSpec(kind: .drop, from: .student(2), to: .main, phase: .exam, offset: .seconds(60), duration: .seconds(5))])
        #expect(try ExamData.parseScenario("{ \"faults\": [] }", file: "scenario.json").faults.isEmpty)
        expectError("scenario.json", "{ \"faults\": [\"crash main at exam+1s\", \"crash main at exam60s\"] }", field: "faults[1]",
                    containing: "\"crash main at exam60s\": expected PHASE+DURATION after \"at\", like exam+60s")
        expectError("scenario.json", "{ \"faults\": \"crash main at exam+1s\" }", field: "faults", containing: "must be a list")
        expectError("scenario.json", "{ \"faults\": [7] }", field: "faults[0]", containing: "must be a string")
        expectError("scenario.json", "{ \"faults\": [\"crash admin at sync+0s\"] }", field: "faults[0]", containing: "cannot fail")
    }

    @Test func aMissingFileFallsBackToItsDefaultAndAMissingDirectoryIsAnError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-data-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{ \"students\": [ { \"roll\": 7, \"name\": \"Zed\" } ] }".utf8).write(to: dir.appendingPathComponent("roster.json"))
        let d = try ExamData.load(from: dir)
        #expect(d.roster == [RosterEntry(roll: 7, name: "Zed")])
        #expect(d.questions == ExamData.defaults().questions)
        #expect(throws: DataError.self) { try ExamData.load(from: dir.appendingPathComponent("absent")) }
    }

    /// A Data file must be a regular file of at most 1 MB: a FIFO (which would block the
    /// read), a link to one, a link that leads nowhere, a directory or a huge file stop the
    /// program with the file named, and none falls back to the built-in copy.
    @Test func onlyRegularFilesOfSaneSizeAreRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-data-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func problem() -> String? {
            do { _ = try ExamData.load(from: dir); return nil } catch { return error.problem + " @ " + error.file }
        }
        let q = dir.appendingPathComponent("questions.json").path
        #expect(mkfifo(q, 0o644) == 0)
        #expect(problem()?.contains("is a FIFO, not a regular file @ \(q)") == true, "\(problem() ?? "accepted")")
        unlink(q)
        #expect(mkfifo(dir.appendingPathComponent("pipe").path, 0o644) == 0)
        #expect(symlink(dir.appendingPathComponent("pipe").path, q) == 0)
        #expect(problem()?.contains("is a FIFO") == true, "through a link: \(problem() ?? "accepted")")
        unlink(q)
        #expect(symlink(dir.appendingPathComponent("nowhere").path, q) == 0)
        #expect(problem()?.contains("leads nowhere") == true, "\(problem() ?? "accepted")")
        unlink(q)
        try FileManager.default.createDirectory(atPath: q, withIntermediateDirectories: false)
        #expect(problem()?.contains("is a directory") == true)
        try FileManager.default.removeItem(atPath: q)
        try Data(repeating: 0x20, count: (1 << 20) + 1).write(to: URL(fileURLWithPath: q))
        #expect(problem()?.contains("at most 1048576") == true, "\(problem() ?? "accepted")")
    }

    /// A name longer than 200 characters (Excel keeps at most 32,767 in a cell) is refused.
    @Test func aNameOverTwoHundredCharactersIsRefused() throws {
        let long = String(repeating: "a", count: 201)
        expectError("roster.json", "{ \"students\": [ { \"roll\": 1, \"name\": \"\(long)\" } ] }", field: "students[0].name", containing: "at most 200")
        let fine = String(repeating: "é", count: 200)
        #expect(try ExamData.parseRoster("{ \"students\": [ { \"roll\": 1, \"name\": \"\(fine)\" } ] }", file: "roster.json").first?.name == fine)
    }

    /// Names must show something, and no text may carry control characters (C0, C1, DEL):
    /// a terminal would act on an ESC in a question.
    @Test func invisibleNamesAndControlCharactersAreRefused() {
        for name in ["\\u00a0\\u00a0", "\\u200b", "A\\u0085B", "\\u2060 "] {
            expectError("roster.json", "{ \"students\": [ { \"roll\": 1, \"name\": \"\(name)\" } ] }", field: "students[0].name",
                        containing: name.contains("0085") ? "control characters" : "no visible character")
        }
        // Ten questions (the exam's number), the first one carrying the text given.
        let q = { (text: String, option: String) in
            let first = "{ \"text\": \"\(text)\", \"options\": [\"\(option)\", \"b\", \"c\", \"d\"], \"answer\": 0 }"
            let rest = Array(repeating: "{ \"text\": \"Q\", \"options\": [\"a\", \"b\", \"c\", \"d\"], \"answer\": 0 }", count: 9)
            return "{ \"questions\": [ " + ([first] + rest).joined(separator: ", ") + " ] }"
        }
        expectError("questions.json", q("Why\\u001b[2J?", "a"), field: "questions[0].text", containing: "control characters")
        expectError("questions.json", q("Why?", "a\\u009b"), field: "questions[0].options[0]", containing: "control characters")
    }

    @Test func aMissingDataDirectoryIsSaidToBeMissing() {
        do {
            _ = try ExamData.load(from: URL(fileURLWithPath: "/nonexistent-proctor-data"))
            Issue.record("accepted")
        } catch {
            #expect(error.problem.hasPrefix("does not exist"), "\(error)")
        }
    }

    /// A key twice in one object is an error, not a silent choice; a whole number far out
    /// of range is out of range.
    @Test func repeatedKeysAndHugeNumbersAreNamed() {
        expectError("roster.json", "{ \"students\": [ { \"roll\": 1, \"name\": \"A\", \"name\": \"B\" } ] }", field: nil,
                    containing: "key \"name\" appears twice")
        expectError("roster.json", "{ \"students\": [ { \"roll\": 1e20, \"name\": \"A\" } ] }", field: "students[0].roll",
                    containing: "must be between 1 and 999999999")
    }
}
