import Foundation
import Testing
@testable import ProctorEngine

/// session.json: what is written reads back the same, and a damaged file is refused with
/// the file and the field named.
@Suite struct SessionRecordTests {
    static let every: [OperatorCommand] = Phase.allCases.map { .start($0) } + [
        .nextPhase, .toggleTakeover(student: 2), .answer(student: 3, choice: 0), .answer(student: 1, choice: 3),
        .submitExam(student: 12), .requestMarksheet(student: 1),
        .isaKey(student: 2, .digit(0)), .isaKey(student: 2, .digit(9)), .isaKey(student: 2, .backspace),
        .isaKey(student: 2, .enter), .isaKey(student: 2, .escape),
        .demo(student: 4, .read), .demo(student: 4, .write), .demo(student: 4, .exit), .demo(student: 4, .digit(7)),
        .demo(student: 4, .backspace), .demo(student: 4, .enter), .demo(student: 4, .escape),
    ]

    static let record: SessionRecord = {
        var commands = every.enumerated().map { i, c in
            SessionRecord.Entry(at: VirtualTime(microseconds: Int64(1_000_003 * i)), after: 7 * i, action: .command(c))
        }
        commands.append(.init(at: .seconds(99), after: 500, action: .quit))
        return SessionRecord(seed: UInt64.max - 2, students: 12, speed: 0.25, data: ExamData.defaults().sha256,
                             faults: ["crash main at exam+30s for 10s", "clockjump student-12 by -1500ms at sync+0s"], commands: commands)
    }()

    @Test func aRecordReadsBackAsWritten() throws {
        let bytes = Self.record.encoded()
        let back = try SessionRecord.decode(bytes, file: "s.json")
        #expect(back == Self.record)
        #expect(back.seed == UInt64.max - 2, "the seed exactly, beyond a double's integers")
        #expect(back.encoded() == bytes)
        #expect(back.isFinished)
    }

    @Test func theFileHasTheContractsShape() throws {
        let text = String(decoding: Self.record.encoded(), as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"format\": \"proctor-session\",\n  \"version\": 1,\n"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["format", "version", "seed", "students", "speed", "data", "faults", "commands"])
        let data = try #require(json["data"] as? [String: String])
        #expect(Set(data.keys) == ["questions.json", "roster.json", "scenario.json"])
        let commands = try #require(json["commands"] as? [[String: Any]])
        #expect(commands.count == Self.every.count + 1)
        let answer = try #require(commands.first { $0["name"] as? String == "answer" })
        #expect(answer["at_us"] as? Int == 1_000_003 * 8)
        let args = try #require(answer["args"] as? [String: Any])
        #expect(args["student"] as? String == "student-3" && args["choice"] as? Int == 0 && args.count == 2)
        #expect(commands.last?["name"] as? String == "quit")
        // One command per line, so a diff of two records reads well.
        #expect(text.split(separator: "\n").filter { $0.contains("\"at_us\"") }.count == commands.count)
    }

    @Test func anEmptyLessonIsARecordToo() throws {
        let empty = SessionRecord(seed: 0, students: 1, speed: 16, data: ExamData.defaults().sha256)
        #expect(try SessionRecord.decode(empty.encoded(), file: "s.json") == empty)
        #expect(!empty.isFinished)
    }

    /// The compiled-in data hashes as the shipped Data/ files do, so a lesson given from the
    /// project directory replays anywhere.
    @Test func theBuiltInDataHashesLikeTheShippedFiles() throws {
        let defaults = ExamData.defaults().sha256
        #expect(defaults.keys.sorted() == ExamData.fileNames)
        for name in ExamData.fileNames {
            let bytes = try FileSystem.read(ExamDataTests.dataDir.appendingPathComponent(name).path)
            #expect(defaults[name] == ReplicaFiles.sha256(bytes), "\(name)")
        }
        let edited = try ExamData(scenario: ExamData.builtIn(DefaultData.scenario) + " ", roster: ExamData.builtIn(DefaultData.roster),
                                  questions: ExamData.builtIn(DefaultData.questions))
        #expect(edited.sha256["scenario.json"] != defaults["scenario.json"])
        #expect(edited.sha256["roster.json"] == defaults["roster.json"])
    }

    static let good = String(decoding: record.encoded(), as: UTF8.self)

    @Test(arguments: [
        ("", nil, "is not valid JSON"),
        ("[]", nil, "must be an object"),
        (good.replacingOccurrences(of: "proctor-session", with: "proctor-replay"), "format", "not a Proctor session record"),
        (good.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2"), "version", "reads version 1"),
        (good.replacingOccurrences(of: "\"seed\"", with: "\"sead\""), "seed", "is missing"),
        (good.replacingOccurrences(of: "\"seed\": 18446744073709551613", with: "\"seed\": -4"), "seed", "whole number"),
        (good.replacingOccurrences(of: "\"students\": 12", with: "\"students\": \"twelve\""), "students", "whole number"),
        (good.replacingOccurrences(of: "\"speed\": 0.25", with: "\"speed\": 99"), "speed", "between 0.25 and 16"),
        (good.replacingOccurrences(of: "\"roster.json\"", with: "\"rooster.json\""), "data.roster.json", "is missing"),
        (good.replacingOccurrences(of: "\"questions.json\": \"", with: "\"questions.json\": \"zz"), "data.questions.json", "64 lowercase hex"),
        (good.replacingOccurrences(of: "\"faults\": [", with: "\"faults\": [3, "), "faults[0]", "must be a string"),
        (good.replacingOccurrences(of: "at exam+30s", with: "at exam30s"), "faults[0]", "\"crash main at exam30s for 10s\": expected PHASE+DURATION"),
        (good.replacingOccurrences(of: "student-12 by", with: "student-13 by"), "faults[1]", "not in this class of 12"),
        (good.replacingOccurrences(of: "\"commands\": [", with: "\"commands\": {").replacingOccurrences(of: "  ]\n}", with: "  }\n}"), nil, "not valid JSON"),
        (good.replacingOccurrences(of: "\"name\": \"takeover\"", with: "\"name\": \"take_over\""), "commands[7].name", "not a command Proctor knows"),
        (good.replacingOccurrences(of: "\"student\": \"student-12\"", with: "\"student\": \"student-13\""), "commands[10].args.student", "student-1 … student-12"),
        (good.replacingOccurrences(of: "\"choice\": 3", with: "\"choice\": 4"), "commands[9].args.choice", "between 0 and 3"),
        (good.replacingOccurrences(of: "{\"at_us\": 0, ", with: "{"), "commands[0].at_us", "is missing"),
        (good.replacingOccurrences(of: ", \"after\": 0}", with: "}"), "commands[0].after", "is missing"),
        (good.replacingOccurrences(of: "\"after\": 14}", with: "\"after\": 1}"), "commands[2]", "never decrease"),
        (good.replacingOccurrences(of: "\"after\": 500}", with: "\"after\": 500, \"when\": 3}"), "commands[24].when", "not a known field"),
        (good.replacingOccurrences(of: "\"name\": \"sync_clocks\", \"args\": {}", with: "\"name\": \"quit\", \"args\": {}"), "commands[1]", "follows quit"),
    ] as [(String, String?, String)])
    func aDamagedRecordNamesTheFileAndTheField(text: String, field: String?, problem: String) {
        do {
            _ = try SessionRecord.decode(Array(text.utf8), file: "lesson/session.json")
            Issue.record("accepted: \(text.prefix(120))")
        } catch {
            #expect(error.file == "lesson/session.json")
            #expect(error.field == field, "\(error)")
            #expect(error.problem.contains(problem), "\(error)")
        }
    }

    /// The faults a lesson ran with come back as specs, in the replay's configuration.
    @Test func theRecordsFaultsReadBackAsSpecsAndConfigureTheReplay() throws {
        let specs = [try FaultSpec.parse("drop student-1->main at exam+5s for 5s"), try FaultSpec.parse("clockjump teacher by +2s at sync+0s"),
                     try FaultSpec.parse("delay main->replica-2 by 1.25s at replication+0s for 20s")]
        let record = SessionRecord(seed: 4, students: 2, speed: 1, data: ExamData.defaults().sha256, faults: specs.map(\.description))
        let text = String(decoding: record.encoded(), as: UTF8.self)
        #expect(text.contains("\"faults\": [\"drop student-1->main at exam+5s for 5s\", \"clockjump teacher by +2s at sync+0s\", "
                              + "\"delay main->replica-2 by 1250ms at replication+0s for 20s\"],"))
        let back = try SessionRecord.decode(record.encoded(), file: "s.json")
        #expect(back == record)
        #expect(try back.faultSpecs(file: "s.json") == specs)
        let config = try back.config(data: .defaults(), encodesLog: true)
        #expect(config.faults == specs && config.seed == 4 && config.studentCount == 2 && config.encodesLog)
        let none = try SessionRecord(seed: 4, students: 2, speed: 1, data: ExamData.defaults().sha256).config(data: .defaults(), encodesLog: false)
        #expect(none.faults.isEmpty)

        let bad = SessionRecord(seed: 4, students: 2, speed: 1, data: ExamData.defaults().sha256, faults: ["crash student-3 at exam+1s"])
        #expect(throws: DataError(file: "x.json", field: "faults[0]",
                                  problem: "\"crash student-3 at exam+1s\": student-3 is not in this class of 2: students are student-1 to student-2")) {
            try bad.config(data: .defaults(), encodesLog: false, file: "x.json")
        }
        #expect {
            _ = try Headless.replay(bad, data: .defaults(), outDirectory: "/nonexistent/never", eventsPath: nil, file: "x.json")
        } throws: { error in
            "\(error)".contains("x.json: field 'faults[0]'")
        }
    }

    @Test func aMissingFileIsNamed() {
        #expect {
            _ = try SessionRecord.load(path: "/nonexistent/session.json")
        } throws: { error in
            let e = error as? DataError
            return e?.file == "/nonexistent/session.json" && e?.problem.contains("cannot be read") == true
        }
    }
}
