import Foundation
import Testing
@testable import ProctorEngine

@Suite struct IntegrityTests {
    static func replicated(students: Int = 5, seed: UInt64 = 2) -> Simulation {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: students, seed: seed, encodesLog: true))
        for p in [Phase.sync, .exam, .isa, .replication] {
            sim.apply(.start(p))
            sim.runUntilQuiet()
        }
        return sim
    }

    @Test func aCorruptOrMissingFileIsDetectedOnDisk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-int-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sim = Self.replicated()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = ReplicaStore(out: dir)
        try store.write(copies: sim.replication.copies, rolls: sim.replication.rolls)
        let copy = sim.replication.copies[0][0]!
        #expect(store.check(replica: 1, chunk: 1, expected: copy) == nil)
        try Data("{\"chunk\": 1, \"version\": 1, \"rows\": []}\n".utf8).write(to: URL(fileURLWithPath: dir + "/" + ReplicaFiles.path(replica: 1, chunk: 1)))
        #expect(store.check(replica: 1, chunk: 1, expected: copy) == .corrupt)
        try FileManager.default.removeItem(atPath: dir + "/" + ReplicaFiles.path(replica: 2, chunk: 1))
        #expect(store.check(replica: 2, chunk: 1, expected: copy) == .missing)
        #expect(store.refusedMetadataPaths().isEmpty)
    }

    @Test func stagedCopiesAreWrittenAtTheFlushAndCheckedFromThen() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-stage-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sim = Self.replicated()
        let store = ReplicaStore(out: dir)
        try store.write(copies: sim.replication.copies, rolls: sim.replication.rolls)
        var copies = sim.replication.copies
        copies[1][0]!.version += 1
        copies[1][0]!.rows[0].isa = 19
        store.stage(copies: copies, rolls: sim.replication.rolls, only: [(replica: 2, chunk: 1)])
        // Not written yet: the file still holds version 1, and its check waits for the flush.
        let onDisk = try String(contentsOfFile: dir + "/" + ReplicaFiles.path(replica: 2, chunk: 1), encoding: .utf8)
        #expect(onDisk.contains("\"version\": 1,"))
        #expect(store.check(replica: 2, chunk: 1, expected: copies[1][0]!) == nil)
        try store.flush()
        #expect(try String(contentsOfFile: dir + "/" + ReplicaFiles.path(replica: 2, chunk: 1), encoding: .utf8).contains("\"version\": 2,"))
        #expect(store.check(replica: 2, chunk: 1, expected: copies[1][0]!) == nil)
        // From now on the file is read: an edit shows.
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/" + ReplicaFiles.path(replica: 2, chunk: 1)))
        #expect(store.check(replica: 2, chunk: 1, expected: copies[1][0]!) == .corrupt)
        // The metadata describes what is on disk: the new version for replica 2, 1 for the others.
        let meta = try String(contentsOfFile: dir + "/" + ReplicaFiles.metadataName, encoding: .utf8)
        #expect(meta.contains("\"version\": 2, \"copies\""))
    }

    @Test func metadataPathsThatLeaveTheOutputDirectoryAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-meta-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let meta = """
            {"chunks": [{"chunk": 1, "rolls": [1], "version": 1, "copies": [
              {"replica": 1, "path": "../../etc/passwd", "version": 1, "sha256": "00"},
              {"replica": 2, "path": "/etc/hosts", "version": 1, "sha256": "00"},
              {"replica": 3, "path": "replicas/replica-3/chunk-1.json", "version": 1, "sha256": "00"}]}]}
            """
        try Data(meta.utf8).write(to: URL(fileURLWithPath: dir + "/" + ReplicaFiles.metadataName))
        let refused = ReplicaStore(out: dir).refusedMetadataPaths()
        #expect(refused.count == 2)
        #expect(refused[0].contains("../../etc/passwd") && refused[0].contains("leaves the output directory"))
        #expect(refused[1].contains("/etc/hosts"))
    }

    /// The demo checks every copy when it starts and before each read: a bad copy is
    /// reported, never served, and repaired from a healthy one.
    @Test func aBadCopyIsReportedNeverServedAndRepaired() {
        let sim = Self.replicated()
        var bad: Set<[Int]> = [[2, 1]]
        var checks = 0
        sim.checkCopy = { r, c, _ in
            checks += 1
            return bad.contains([r, c]) ? .corrupt : nil
        }
        sim.checkMetadata = { ["replication_metadata.json: path \"../x\" leaves the output directory: refused"] }
        _ = sim.takeEncodedLog()
        _ = sim.takeDirtyCopies()
        sim.apply(.start(.consistency))
        let log = String(decoding: sim.takeEncodedLog(), as: UTF8.self)
        #expect(log.contains("\"type\":\"integrity\",\"replica\":2,\"chunk\":1,\"problem\":\"corrupt\",\"repaired_from\":1"))
        #expect(log.contains("\"type\":\"metadata_refused\""))
        #expect(sim.replication.repairs == 1)
        #expect(sim.takeDirtyCopies().map { [$0.replica, $0.chunk] } == [[2, 1]], "the bad copy is rewritten")
        #expect(checks >= 6)
        // Repaired: later reads find it healthy and are served.
        bad.removeAll()
        sim.runUntilQuiet()
        #expect(sim.replication.repairs == 1)
        #expect(sim.completed.contains(.consistency))
    }
}
