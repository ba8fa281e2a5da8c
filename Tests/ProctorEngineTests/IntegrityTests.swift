import Foundation
import Testing
@testable import ProctorEngine

@Suite struct IntegrityTests {
    static func replicated(students: Int = 5, seed: UInt64 = 2, storage: StoragePort = MemoryStorage()) -> Simulation {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: students, seed: seed, encodesLog: true), storage: storage)
        sim.run(through: [Phase.sync, .exam, .isa, .replication])
        return sim
    }

    static func temporaryDirectory(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("proctor-\(name)-\(UUID())").path
    }

    static func lines(_ sim: Simulation) -> [[String: Any]] {
        String(decoding: sim.takeEncodedLog(), as: UTF8.self).split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    @Test func diskStorageFindsACorruptOrMissingFile() throws {
        let dir = Self.temporaryDirectory("disk")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let disk = DiskStorage(out: dir)
        let bytes = Array("{\"chunk\": 1}\n".utf8)
        let sha = ReplicaFiles.sha256(bytes)
        #expect(disk.persist(path: "replicas/replica-1/chunk-1.json", bytes: bytes) == .ok)
        #expect(disk.check(path: "replicas/replica-1/chunk-1.json", sha256: sha) == .ok)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/replicas/replica-1/chunk-1.json"))
        #expect(disk.check(path: "replicas/replica-1/chunk-1.json", sha256: sha) == .corrupt)
        try FileManager.default.removeItem(atPath: dir + "/replicas/replica-1/chunk-1.json")
        #expect(disk.check(path: "replicas/replica-1/chunk-1.json", sha256: sha) == .missing)
    }

    @Test func writeBehindIsCheckedFromTheWaitingBytesThenFromTheFile() throws {
        let dir = Self.temporaryDirectory("behind")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let disk = DiskStorage(out: dir, writeBehind: true)
        let bytes = Array("v2\n".utf8)
        #expect(disk.persist(path: "a/b.json", bytes: bytes) == .ok)
        #expect(!FileManager.default.fileExists(atPath: dir + "/a/b.json"), "not written before the flush")
        #expect(disk.check(path: "a/b.json", sha256: ReplicaFiles.sha256(bytes)) == .ok)
        try disk.flush()
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/a/b.json")) == Data(bytes))
        try Data("edited".utf8).write(to: URL(fileURLWithPath: dir + "/a/b.json"))
        #expect(disk.check(path: "a/b.json", sha256: ReplicaFiles.sha256(bytes)) == .corrupt, "from now on the file is read")
    }

    /// The live program once wrote replica files after each batch of events, while checks
    /// read the disk inside an event: a demo write and a later read of the same chunk in one
    /// wake made the read see the old file and report it corrupt. Storage is now an effect
    /// carried out in event order, so the read's check sees the write.
    @Test func aWriteAndAReadOfOneChunkInOneWakeAgree() throws {
        let dir = Self.temporaryDirectory("race")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 6, seed: 4, encodesLog: true), storage: DiskStorage(out: dir))
        var t = VirtualTime.zero
        for p in Phase.walkthrough {
            sim.apply(.start(p))
            // One wake per phase: every event of the phase is delivered in one run.
            t = t + .seconds(3_600)
            sim.run(until: t)
        }
        let log = Self.lines(sim)
        let storage = log.filter { $0["type"] as? String == "storage" }
        let reads = log.filter { $0["type"] as? String == "recv" && $0["msg"] as? String == "READ" }
        let writes = log.filter { $0["type"] as? String == "replica_write" && $0["roll"] != nil }
        #expect(!reads.isEmpty && !writes.isEmpty, "the run has demo reads and writes")
        #expect(storage.contains { $0["op"] as? String == "check" })
        #expect(storage.allSatisfy { $0["outcome"] as? String == "ok" }, "no check sees a stale file")
        #expect(!log.contains { $0["type"] as? String == "integrity" })
        #expect(sim.completed.contains(.consistency))
        #expect(sim.brokenInvariants.isEmpty)
    }

    /// A bad copy is reported, never served, and rewritten before the read is answered.
    @Test func aBadCopyIsReportedNeverServedAndRepaired() throws {
        let files = MemoryStorage()
        let sim = Self.replicated(storage: files)
        let path = ReplicaFiles.path(replica: 2, chunk: 1)
        let good = try #require(files.files[path])
        files.overwrite(path, with: Array("{}".utf8))
        _ = sim.takeEncodedLog()
        sim.apply(.start(.consistency))
        sim.runUntilQuiet()
        let log = Self.lines(sim)
        let integrity = log.filter { $0["type"] as? String == "integrity" }
        #expect(integrity.count == 1)
        #expect(integrity.first?["replica"] as? Int == 2 && integrity.first?["chunk"] as? Int == 1)
        #expect(integrity.first?["problem"] as? String == "corrupt")
        #expect(log.contains { $0["type"] as? String == "storage" && $0["outcome"] as? String == "corrupt" && $0["path"] as? String == path })
        #expect(sim.snapshot().replication.repairs == 1)
        #expect(files.files[path] != Array("{}".utf8), "the copy is rewritten")
        let version = sim.snapshot().replication.copies[1][0]!.version
        if version == 1 { #expect(files.files[path] == good) }
        #expect(sim.completed.contains(.consistency))
    }

    @Test func aMissingCopyIsRewrittenToo() {
        let files = MemoryStorage()
        let sim = Self.replicated(storage: files)
        files.overwrite(ReplicaFiles.path(replica: 3, chunk: 2), with: nil)
        _ = sim.takeEncodedLog()
        sim.apply(.start(.consistency))
        sim.runUntilQuiet()
        let integrity = Self.lines(sim).filter { $0["type"] as? String == "integrity" }
        #expect(integrity.map { $0["problem"] as? String } == ["missing"])
        #expect(files.files[ReplicaFiles.path(replica: 3, chunk: 2)] != nil)
    }

    @Test func editedMetadataIsRefusedAndRewritten() throws {
        let files = MemoryStorage()
        let sim = Self.replicated(storage: files)
        let good = try #require(files.files[ReplicaFiles.metadataName])
        files.overwrite(ReplicaFiles.metadataName, with: Array(#"{"chunks": [{"copies": [{"path": "../../etc/passwd"}]}]}"#.utf8))
        _ = sim.takeEncodedLog()
        sim.apply(.start(.consistency))
        sim.run(until: sim.now)
        sim.step()
        let log = Self.lines(sim)
        #expect(log.contains { $0["type"] as? String == "metadata_refused" })
        #expect(files.files[ReplicaFiles.metadataName] == good, "rewritten from what main knows")
    }

    /// Metadata edited by hand during the demo, after main's check at its start, is reported
    /// when main next rewrites it — not silently replaced.
    @Test func metadataEditedDuringTheDemoIsReportedAtTheNextRewrite() throws {
        let files = MemoryStorage()
        let sim = Self.replicated(storage: files)
        sim.apply(.start(.consistency))
        sim.run(until: sim.now + .seconds(1))
        files.overwrite(ReplicaFiles.metadataName, with: Array(#"{"chunks": []}"#.utf8))
        _ = sim.takeEncodedLog()
        sim.runUntilQuiet()
        let log = Self.lines(sim)
        #expect(log.contains { $0["type"] as? String == "metadata_refused" }, "the edit is reported")
        #expect(log.contains { $0["type"] as? String == "storage" && $0["op"] as? String == "check" && $0["outcome"] as? String == "corrupt" })
    }
}
