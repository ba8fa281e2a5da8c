import Foundation
import Testing
@testable import ProctorEngine

/// The runtime with its session driver: a live lesson's record is on disk from its first
/// phase change, complete with `quit` after `stop`, and replays — headless and through a
/// replaying runtime — to the live log.
@Suite(.serialized) struct RuntimeSessionTests {
    static let config = Simulation.Config(data: .defaults(), studentCount: 3, seed: 9, encodesLog: true)

    /// Polls `condition` for up to `seconds` of wall time.
    static func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test func aLiveRuntimeRecordsTheLessonAndItsReplaysGiveTheSameLog() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-runtime-\(UUID().uuidString)").path
        try FileSystem.makeDirectories(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/session.json"

        let live = Runtime(config: Self.config, speed: 16, session: .record(to: path),
                           eventsFile: try AtomicFileWriter(path: dir + "/live.jsonl"), resultsPath: nil) {}
        live.start()
        live.send(.start(.sync))
        #expect(Self.eventually { FileManager.default.fileExists(atPath: path) }, "written at the phase change")
        let early = try SessionRecord.load(path: path)
        #expect(early.commands.map(\.action.name) == ["sync_clocks"])
        live.togglePause()
        live.step()
        live.step()
        live.send(.nextPhase)
        live.step()
        #expect(live.stop() == nil)
        let record = try SessionRecord.load(path: path)
        #expect(record.commands.map(\.action.name) == ["sync_clocks", "next_phase", "quit"])
        #expect(record.seed == 9 && record.students == 3 && record.speed == 16 && record.data == ExamData.defaults().sha256)
        let liveLog = try FileSystem.read(dir + "/live.jsonl")

        let report = try Headless.replay(record, data: .defaults(), outDirectory: dir + "/headless", eventsPath: dir + "/headless.jsonl")
        #expect(report.allInvariantsHeld)
        let headlessLog = try FileSystem.read(dir + "/headless.jsonl")
        #expect(headlessLog == liveLog, "\(firstDifference(headlessLog, liveLog))")

        let replay = Runtime(config: Self.config, speed: 16, session: .replay(record),
                             eventsFile: try AtomicFileWriter(path: dir + "/screen.jsonl"), resultsPath: nil) {}
        #expect(replay.snapshot.replaying)
        replay.togglePause()
        replay.send(.start(.exam))
        #expect(Self.eventually { replay.snapshot.notice?.text == Runtime.replayRefusal })
        replay.start()
        replay.togglePause()
        // The replay plays the lesson in wall time at 16×: a live lesson that ran long (a loaded
        // machine was slow to write its record) takes as long to replay.
        let budget = 10 + 2 * (record.commands.last?.at.seconds ?? 0) / 16
        #expect(Self.eventually(budget) { replay.snapshot.paused && replay.snapshot.notice?.text.contains("ends here") == true })
        #expect(replay.stop() == nil)
        let screenLog = try FileSystem.read(dir + "/screen.jsonl")
        #expect(screenLog == liveLog, "\(firstDifference(screenLog, liveLog))")
        #expect(try SessionRecord.load(path: path) == record, "a replay leaves the record alone")
    }

    /// `.` says what it did when there was no message on the wire to deliver.
    @Test func aStepThroughQuietSaysWhatItSkipped() {
        #expect(Runtime.stepNotice(delivered: true, wasInFlight: false, from: .seconds(340), to: .seconds(470))
                == "Nothing was in flight: skipped 2m 10s of quiet to t 07:50, when a timer sent the next message.")
        #expect(Runtime.stepNotice(delivered: true, wasInFlight: false, from: .seconds(5), to: .milliseconds(7_500))?.contains("skipped 2.5s") == true)
        #expect(Runtime.stepNotice(delivered: true, wasInFlight: true, from: .seconds(5), to: .seconds(60)) == nil, "a message on the wire: nothing to explain")
        #expect(Runtime.stepNotice(delivered: true, wasInFlight: false, from: .seconds(5), to: .milliseconds(5_300)) == nil)
        #expect(Runtime.stepNotice(delivered: false, wasInFlight: false, from: .seconds(5), to: .seconds(5))?.hasPrefix("Nothing left to deliver") == true)
    }

    /// A live lesson's record lists the faults it ran with, in the grammar's words.
    @Test func aLiveRecordListsTheRunsFaults() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-runtime-\(UUID().uuidString)").path
        try FileSystem.makeDirectories(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/session.json"
        var config = Self.config
        config.faults = [try FaultSpec.parse("crash main at exam+60s for 20s"), try FaultSpec.parse("clockjump student-2 by -1.5s at sync+0s")]
        let live = Runtime(config: config, speed: 16, session: .record(to: path), eventsFile: nil, resultsPath: nil) {}
        live.togglePause()
        live.send(.start(.sync))
        #expect(live.stop() == nil)
        let record = try SessionRecord.load(path: path)
        #expect(record.faults == ["crash main at exam+60s for 20s", "clockjump student-2 by -1500ms at sync+0s"])
        #expect(try record.config(data: .defaults(), encodesLog: false).faults == config.faults)
    }
}
