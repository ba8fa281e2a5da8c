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

/// A demo write re-encodes only the row it changes: the file is still byte for byte the
/// copy's own encoding, write after write, a failed one and a fresh STORE among them.
@Suite struct ChunkStoreEncodingTests {
    static func bytes(_ actions: [ChunkStore.Action]) -> (ChunkCopy, [UInt8], String)? {
        for a in actions { if case .persist(let c, let b, let sha) = a { return (c, b, sha) } }
        return nil
    }

    @Test func everyWrittenFileIsTheCopysEncoding() throws {
        let rows = (1...7).map { ResultRow(roll: 100 + $0, name: "S\\\"\($0)", mcq: 10 * $0, warnings: $0 % 3, final: 5 * $0,
                                           status: .submitted, server: $0 % 2 == 0 ? .backup : .main, isa: nil) }
        var store = ChunkStore()
        let first = try #require(Self.bytes(store.store(ChunkCopy(chunk: 2, version: 1, rows: rows))))
        #expect(first.1 == ReplicaFiles.encode(first.0))
        var version = 1
        for (roll, isa) in [(103, 17), (107, 4), (103, 20), (999, 1), (101, 0)] {
            version += 1
            let w = try #require(Self.bytes(store.write(chunk: 2, version: version, roll: roll, isa: isa)))
            #expect(w.0.version == version)
            #expect(w.1 == ReplicaFiles.encode(w.0), "after writing \(isa) for \(roll)")
            #expect(w.2 == ReplicaFiles.sha256(ReplicaFiles.encode(w.0)))
            if roll == 107 { store.writeFailed(chunk: 2) }
        }
        // main's STORE of a newer copy with other rows replaces the encoding whole.
        let fresh = try #require(Self.bytes(store.store(ChunkCopy(chunk: 2, version: 9, rows: Array(rows.prefix(3))))))
        #expect(fresh.1 == ReplicaFiles.encode(fresh.0))
        let after = try #require(Self.bytes(store.write(chunk: 2, version: 10, roll: 102, isa: 11)))
        #expect(after.1 == ReplicaFiles.encode(after.0))
        #expect(after.0.rows.count == 3)
    }
}
