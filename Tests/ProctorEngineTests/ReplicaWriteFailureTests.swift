import Foundation
import Testing
@testable import ProctorEngine

/// A replica confirms a copy only once its file holds it — also when the first write failed
/// and the same STORE or WRITE comes again (a duplicated message).
@Suite struct ReplicaWriteFailureTests {
    static let rows = ExamData.defaults().students(count: 2).map(ResultRow.pending)
    static let copy = ChunkCopy(chunk: 1, version: 1, rows: rows)
    static let path = ReplicaFiles.path(replica: 1, chunk: 1)
    static let at = NodeContext(now: .seconds(1), local: .seconds(1))

    static func result(_ bytes: [UInt8], _ outcome: StorageOutcome) -> StorageResult {
        StorageResult(op: .persist, path: path, sha256: ReplicaFiles.sha256(bytes), outcome: outcome)
    }

    static func sent(_ fx: [Effect<Replica.Timer>]) -> [Payload] {
        fx.compactMap { if case .send(let p, _) = $0 { p } else { nil } }
    }

    static func persisted(_ fx: [Effect<Replica.Timer>]) -> [[UInt8]] {
        fx.compactMap { if case .persist(_, let b, _) = $0 { b } else { nil } }
    }

    @Test func aRepeatedStoreAfterAFailedWriteWritesAgainBeforeConfirming() throws {
        var r = Replica(number: 1)
        let bytes = try #require(Self.persisted(r.received(.replica(.store(Self.copy)), from: .main, Self.at)).first)
        #expect(Self.sent(r.storageResult(Self.result(bytes, .error), Self.at)).isEmpty)

        let again = r.received(.replica(.store(Self.copy)), from: .main, Self.at)
        #expect(Self.sent(again).isEmpty, "no STORED for a file that was never written")
        #expect(Self.persisted(again) == [bytes], "the copy is written again")
        let done = r.storageResult(Self.result(bytes, .ok), Self.at)
        #expect(Self.sent(done) == [.replica(.stored(chunk: 1, version: 1, sha256: ReplicaFiles.sha256(bytes)))])

        // Written now: a further duplicate is confirmed at once, without writing.
        let third = r.received(.replica(.store(Self.copy)), from: .main, Self.at)
        #expect(Self.persisted(third).isEmpty)
        #expect(Self.sent(third) == [.replica(.stored(chunk: 1, version: 1, sha256: ReplicaFiles.sha256(bytes)))])
    }

    /// A repair whose own write fails is not a repair: the replica says so, and the copy is
    /// not counted as on disk.
    @Test func aFailedRepairIsSaidAndNotCounted() throws {
        var r = Replica(number: 1)
        let bytes = try #require(Self.persisted(r.received(.replica(.store(Self.copy)), from: .main, Self.at)).first)
        _ = r.storageResult(Self.result(bytes, .ok), Self.at)
        _ = r.command(.verify, Self.at)
        let check = StorageResult(op: .check, path: Self.path, sha256: ReplicaFiles.sha256(bytes), outcome: .corrupt)
        #expect(!Self.persisted(r.storageResult(check, Self.at)).isEmpty, "the repair writes the copy again")
        let failed = r.storageResult(Self.result(bytes, .error), Self.at)
        #expect(failed.contains { if case .notice(let t) = $0 { t.contains("could not rewrite") } else { false } }, "\(failed)")
        #expect(r.store.writtenCopies[0] == nil, "not shown as stored")
    }

    @Test func aRepeatedWriteAfterAFailedWriteWritesAgainBeforeConfirming() throws {
        var r = Replica(number: 1)
        let stored = try #require(Self.persisted(r.received(.replica(.store(Self.copy)), from: .main, Self.at)).first)
        _ = r.storageResult(Self.result(stored, .ok), Self.at)
        let write = Payload.replica(.write(chunk: 1, version: 2, roll: Self.rows[0].roll, isa: 9))
        let bytes = try #require(Self.persisted(r.received(write, from: .student(1), Self.at)).first)
        #expect(Self.sent(r.storageResult(Self.result(bytes, .error), Self.at)).isEmpty)

        let again = r.received(write, from: .student(1), Self.at)
        #expect(Self.sent(again).isEmpty, "no WRITTEN for a file that was never written")
        #expect(Self.persisted(again) == [bytes])
        let done = r.storageResult(Self.result(bytes, .ok), Self.at)
        #expect(Self.sent(done) == [.replica(.written(chunk: 1, version: 2, sha256: ReplicaFiles.sha256(bytes)))])
    }
}

/// Symbolic links inside `--out` never lead reads or writes outside it: a linked directory on
/// the way is refused; a copy replaced by a link is corrupt, and rewritten as a file of its
/// own, the link's target untouched.
@Suite struct OutLinkTests {
    @Test func aLinkedCopyIsCorruptAndReplacedByAFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-links-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let storage = DiskStorage(out: dir + "/out")
        let bytes = Array("{\"chunk\":1}".utf8)
        #expect(storage.persist(path: "replicas/replica-1/chunk-1.json", bytes: bytes) == .ok)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/elsewhere/copy.json"))
        let copy = dir + "/out/replicas/replica-1/chunk-1.json"
        unlink(copy)
        #expect(symlink(dir + "/elsewhere/copy.json", copy) == 0)
        #expect(storage.check(path: "replicas/replica-1/chunk-1.json", sha256: ReplicaFiles.sha256(bytes)) == .corrupt,
                "the same bytes through a link are not the copy")
        #expect(storage.persist(path: "replicas/replica-1/chunk-1.json", bytes: Array("{\"chunk\":1,\"v\":2}".utf8)) == .ok)
        var st = stat()
        #expect(lstat(copy, &st) == 0 && st.st_mode & S_IFMT == S_IFREG, "a regular file again")
        #expect(try String(contentsOfFile: dir + "/elsewhere/copy.json", encoding: .utf8) == "{\"chunk\":1}", "the outside file untouched")
    }

    @Test func aLinkedDirectoryOnTheWayIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-links-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir + "/out/replicas", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(symlink(dir + "/elsewhere", dir + "/out/replicas/replica-3") == 0)
        let storage = DiskStorage(out: dir + "/out")
        #expect(storage.persist(path: "replicas/replica-3/chunk-1.json", bytes: [1, 2, 3]) == .error)
        #expect(storage.check(path: "replicas/replica-3/chunk-1.json", sha256: "x") == .error)
        #expect(storage.firstError?.reason.contains("symbolic link") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/elsewhere").isEmpty, "nothing written outside")
    }
}

/// A disk that refuses every replica write: each failure is logged as a `storage` line with
/// `outcome: error`, and no copy is confirmed or counted as stored — the run never claims a
/// replica it does not have.
@Suite struct FailingDiskTests {
    final class FailingReplicas: StoragePort, @unchecked Sendable {
        let inner = MemoryStorage()
        func persist(path: String, bytes: [UInt8], sha256: String) -> StorageOutcome {
            path.hasPrefix("replicas/") ? .error : inner.persist(path: path, bytes: bytes, sha256: sha256)
        }
        func check(path: String, sha256: String) -> StorageOutcome { inner.check(path: path, sha256: sha256) }
        func persistWorkbook(path: String, rows: [ResultRow]) { inner.persistWorkbook(path: path, rows: rows) }
        func discard(path: String) { inner.discard(path: path) }
    }

    @Test func failedReplicaWritesAreLoggedAndNeverConfirmed() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 2, encodesLog: false), storage: FailingReplicas())
        sim.run(through: [.sync, .exam, .isa])
        sim.apply(.start(.replication))
        sim.run(until: sim.now + .seconds(30))
        let entries = Array(sim.log.recent)
        let errors = entries.filter { if case .storage(_, let r) = $0.kind { r.outcome == .error } else { false } }
        #expect(errors.count >= 6, "each of the 6 copies' failed write is logged: \(errors.count)")
        #expect(!entries.contains { if case .replicaWrite = $0.kind { true } else { false } }, "no copy logged as written")
        #expect(!entries.contains { if case .recv(let m, _) = $0.kind, case .replica(.stored) = m.payload { true } else { false } },
                "no STORED confirmation reaches main")
        #expect(!sim.completed.contains(.replication), "the replication is not complete")
        #expect(Snapshot(simulation: sim, paused: true, speed: 1).replication.storedCount == 0, "the screen shows no copy as stored")
    }
}

/// A run starting in an `--out` that holds an earlier run's replicas removes them (and its
/// metadata) first, so a run killed early never leaves old copies beside its own files —
/// and never removes anything through a link that leads outside.
@Suite struct EarlierRunTests {
    @Test func theEarlierRunsReplicasGoAtStart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-earlier-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let copy = dir + "/out/" + ReplicaFiles.path(replica: 1, chunk: 2)
        try FileManager.default.createDirectory(atPath: dir + "/out/replicas/replica-1", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: true)
        try "old".write(toFile: copy, atomically: true, encoding: .utf8)
        try "old".write(toFile: dir + "/out/" + ReplicaFiles.metadataName, atomically: true, encoding: .utf8)
        try "keep".write(toFile: dir + "/elsewhere/chunk-1.json", atomically: true, encoding: .utf8)
        #expect(symlink(dir + "/elsewhere", dir + "/out/replicas/replica-2") == 0)
        try OutputDirectory.prepare(dir + "/out")
        #expect(!FileManager.default.fileExists(atPath: copy))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/" + ReplicaFiles.metadataName))
        #expect(FileManager.default.fileExists(atPath: dir + "/elsewhere/chunk-1.json"), "nothing removed through the link")
    }
}
