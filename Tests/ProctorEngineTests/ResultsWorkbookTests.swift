import Foundation
import Testing
@testable import ProctorEngine

/// results.xlsx goes the way of every file: main returns it as an effect whenever a result
/// changes, and the storage port writes it.
@Suite struct ResultsWorkbookTests {
    static func headless(seed: UInt64, students: Int = 5) throws -> [UInt8] {
        let dir = IntegrityTests.temporaryDirectory("xlsx")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = try Headless.run(config: .init(data: .defaults(), studentCount: students, seed: seed, encodesLog: false),
                                      outDirectory: dir, eventsPath: nil)
        #expect(report.outputs.contains(dir + "/results.xlsx"))
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/results.xlsx")))
    }

    /// The same seed gives the same workbook byte for byte: no wall-clock time in it.
    @Test func theSameSeedWritesTheSameBytes() throws {
        let a = try Self.headless(seed: 3), b = try Self.headless(seed: 3)
        #expect(a.count > 0 && a.starts(with: [0x50, 0x4B, 0x03, 0x04]), "a zip file")
        #expect(a == b)
        #expect(try Self.headless(seed: 4) != a, "another seed, other marks")
    }

    /// The marksheet is there from the first sync round, every student pending: a run that
    /// stops before the exam (main down for good) still leaves it.
    @Test func aRunStoppedBeforeTheExamLeavesThePendingMarksheet() throws {
        let storage = MemoryStorage()
        let config = try Simulation.Config(data: .defaults(), studentCount: 3, seed: 1, encodesLog: false,
                                           commandLineFaults: [try FaultSpec.parse("crash main at sync+0s")], chaosRate: 0)
        let report = try Headless.run(Simulation(config: config, storage: storage)) { _ in }
        #expect(report.summary.contains { $0.hasPrefix("stalled") })
        let rows = try #require(storage.workbooks["results.xlsx"])
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0.status == .pending && $0.mcq == nil })
    }

    /// A workbook persist ends in the port with the store's rows, and leaves no line in the
    /// log and no event: the log of a run is the same as before it was a persist.
    @Test func mainPersistsTheResultsAfterEveryChangeWithoutALogLine() {
        let storage = MemoryStorage()
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 4, seed: 5, encodesLog: false), storage: storage)
        sim.run(through: [.sync, .exam])
        #expect(storage.workbooks["results.xlsx"] == sim.results)
        #expect(sim.results.allSatisfy { $0.status != .pending })
        #expect(!sim.log.recent.contains { if case .storage(_, let r) = $0.kind { r.path == "results.xlsx" } else { false } })
        sim.run(through: [.isa])
        #expect(storage.workbooks["results.xlsx"] == sim.results)
        #expect(sim.results.allSatisfy { $0.isa != nil })
    }

    /// With write-behind, the workbook waits like the other files and only its last version
    /// is made at `flush()`.
    @Test func writeBehindMakesOnlyTheLastVersion() throws {
        let dir = IntegrityTests.temporaryDirectory("xlsx-wb")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let disk = DiskStorage(out: dir, writeBehind: true)
        let row = ResultRow(roll: 1, name: "Asha", mcq: nil, warnings: 0, final: nil, status: .pending, server: nil, isa: nil)
        disk.persistWorkbook(path: "results.xlsx", rows: [row])
        var done = row
        done.status = .submitted
        done.mcq = 70
        done.final = 70
        done.server = .main
        disk.persistWorkbook(path: "results.xlsx", rows: [done])
        #expect(!FileManager.default.fileExists(atPath: dir + "/results.xlsx"), "nothing before the flush")
        try disk.flush()
        let flushed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/results.xlsx")))
        try ResultsWorkbook.write([done], to: dir + "/direct.xlsx")
        #expect(flushed == [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/direct.xlsx"))), "the last rows, written once")
    }
}
