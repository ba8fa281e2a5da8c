import Foundation
import Testing
@testable import ProctorEngine

@Suite struct ReplicationTests {
    @Test(arguments: [1, 2, 5, 6, 13])
    func twoChunksByRollOnThreeReplicasAtVersionOne(students n: Int) {
        let (sim, log) = TestLog.run(seed: 4, students: n)
        // The stores of phase 4 (demo writes, later, carry a roll).
        let writes = TestLog.of(log, "replica_write").filter { $0["roll"] == nil }
        #expect(writes.count == 6, "every copy, the empty chunk's included")
        #expect(Set(writes.map { "\(int($0, "replica"))-\(int($0, "chunk"))" }).count == 6)
        #expect(writes.allSatisfy { int($0, "version") == 1 })
        let rolls = sim.students.map(\.roll)
        let first = (n + 1) / 2
        #expect(sim.snapshot().replication.rolls == [Array(rolls[..<first]), Array(rolls[first...])])
        for r in 0..<3 {
            #expect(sim.snapshot().replication.copies[r][0]?.rows == Array(sim.results[..<first]))
            #expect(sim.snapshot().replication.copies[r][1]?.rows == Array(sim.results[first...]))
        }
        #expect(sim.completed.contains(.replication))
    }

    @Test func replicationWaitsForTheISAMarks() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 1, encodesLog: false))
        sim.apply(.start(.exam))
        sim.runUntilQuiet()
        sim.apply(.start(.replication))
        #expect(sim.notice?.text.contains("start the ISA marks first (3)") == true)
        #expect(sim.snapshot().replication.startedAt == nil)
    }

    @Test func theFilesAreByteIdenticalPerChunkAndTheMetadataHoldsTheirChecksums() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-rep-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = try Headless.run(config: .init(data: .defaults(), studentCount: 5, seed: 9, encodesLog: false), outDirectory: dir, eventsPath: nil)
        #expect(report.allInvariantsHeld)
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/" + ReplicaFiles.metadataName))) as! [String: Any]
        let chunks = meta["chunks"] as! [[String: Any]]
        #expect(chunks.count == 2)
        for c in chunks {
            let copies = c["copies"] as! [[String: Any]]
            #expect(copies.count == 3)
            var contents: Set<[UInt8]> = []
            for copy in copies {
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + (copy["path"] as! String))))
                #expect(ReplicaFiles.sha256(bytes) == copy["sha256"] as? String)
                contents.insert(bytes)
            }
            #expect(contents.count == 1)
        }
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: dir).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty, "no half-written file")
    }

    @Test func aChunkFileCarriesTheColumnsOfTheResultsSheet() throws {
        let row = ResultRow(roll: 7, name: "Zed \"Z\"", mcq: 40, warnings: 1, final: 20, status: .submitted, server: .backup, isa: nil)
        let text = String(decoding: ReplicaFiles.encode(ChunkCopy(chunk: 2, version: 3, rows: [row])), as: UTF8.self)
        let doc = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(doc["chunk"] as? Int == 2 && doc["version"] as? Int == 3)
        let r = (doc["rows"] as! [[String: Any]])[0]
        #expect(Set(r.keys) == Set(ResultsWorkbook.header))
        #expect(r["Name"] as? String == "Zed \"Z\"" && r["ISA"] is NSNull && r["Server"] as? String == "backup")
    }
}
