import Foundation
import Testing
@testable import ProctorEngine

/// The replica files on disk stay described by `replication_metadata.json` at every step: a
/// copy's new version waits under a versioned name until the metadata describing it comes,
/// and a write that fails half-way leaves metadata that points at files that are there.
@Suite struct CrashConsistentStorageTests {
    static let rows = ExamData.defaults().students(count: 4).map(ResultRow.pending)

    static func copy(_ version: Int, isa: Int? = nil) -> [UInt8] {
        var rows = Self.rows
        rows[0].isa = isa
        return ReplicaFiles.encode(ChunkCopy(chunk: 1, version: version, rows: Array(rows.prefix(2))))
    }

    /// Metadata describing chunk 1 on `replicas` at these bytes.
    static func metadata(_ bytes: [UInt8], version: Int, replicas: [Int] = [1, 2, 3]) -> [UInt8] {
        let info = (version: version, sha256: ReplicaFiles.sha256(bytes))
        let copies = (1...3).map { r in [replicas.contains(r) ? info : nil, nil] }
        return ReplicaFiles.metadata(copies: copies, rolls: [[1, 2], [3, 4]])
    }

    final class Directory {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-storage-\(UUID())").path
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func bytes(_ p: String) -> [UInt8]? { FileManager.default.contents(atPath: path + "/" + p).map { Array($0) } }
        func exists(_ p: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + p) }
    }

    /// What is wrong between the metadata on disk and the files it names (empty: nothing).
    static func problems(in dir: Directory) -> [String] {
        guard let m = dir.bytes(ReplicaFiles.metadataName) else { return [] }
        guard let (_, copies) = ReplicaFiles.parseMetadata(m) else { return ["the metadata does not parse"] }
        return copies.joined().compactMap { $0 }.compactMap { c in
            guard let b = dir.bytes(c.path) else { return "\(c.path) is missing" }
            return ReplicaFiles.sha256(b) == c.sha256 ? nil : "\(c.path) is not what the metadata says"
        }
    }

    @Test func aCopyTakesItsNameOnlyWithTheMetadataThatDescribesIt() throws {
        let dir = try Directory()
        let storage = DiskStorage(out: dir.path)
        let v1 = Self.copy(1)
        let path = ReplicaFiles.path(replica: 1, chunk: 1)
        #expect(storage.persist(path: path, bytes: v1) == .ok)
        #expect(!dir.exists(path), "not in place before the metadata describes it")
        #expect(dir.bytes(path + ".v1") == v1, "written, under its versioned name")
        #expect(storage.check(path: path, sha256: ReplicaFiles.sha256(v1)) == .ok, "the replica reads what it wrote")

        let meta = Self.metadata(v1, version: 1, replicas: [1])
        #expect(storage.persist(path: ReplicaFiles.metadataName, bytes: meta) == .ok)
        #expect(dir.bytes(path) == v1)
        #expect(!dir.exists(path + ".v1"), "the versioned file goes once the copy is in place")
        #expect(dir.bytes(ReplicaFiles.metadataName) == meta, "the metadata as main made it")
        #expect(Self.problems(in: dir).isEmpty)
    }

    @Test func aMetadataWriteThatFailsHalfWayPointsAtFilesThatAreThere() throws {
        let dir = try Directory()
        let storage = DiskStorage(out: dir.path)
        let v1 = Self.copy(1), v2 = Self.copy(2, isa: 9)
        for r in 1...3 { #expect(storage.persist(path: ReplicaFiles.path(replica: r, chunk: 1), bytes: v1) == .ok) }
        #expect(storage.persist(path: ReplicaFiles.metadataName, bytes: Self.metadata(v1, version: 1)) == .ok)
        for r in 1...3 { #expect(storage.persist(path: ReplicaFiles.path(replica: r, chunk: 1), bytes: v2) == .ok) }
        #expect(Self.problems(in: dir).isEmpty, "version 2 waits: the metadata still describes version 1 in place")

        // replica-2's copy cannot take its name: a directory stands there.
        let blocked = ReplicaFiles.path(replica: 2, chunk: 1)
        try FileManager.default.removeItem(atPath: dir.path + "/" + blocked)
        try FileManager.default.createDirectory(atPath: dir.path + "/" + blocked + "/x", withIntermediateDirectories: true)
        let meta = Self.metadata(v2, version: 2)
        #expect(storage.persist(path: ReplicaFiles.metadataName, bytes: meta) == .error)
        #expect(Self.problems(in: dir).isEmpty, "every file the metadata names is there, as it says")
        let onDisk = try #require(dir.bytes(ReplicaFiles.metadataName).flatMap(ReplicaFiles.parseMetadata))
        #expect(onDisk.copies[1][0]?.path == blocked + ".v2", "replica-2's copy is described at its versioned name")
        #expect(dir.bytes(ReplicaFiles.path(replica: 1, chunk: 1)) == v2, "replica-1's copy took its name before the failure")
        #expect(storage.check(path: ReplicaFiles.metadataName, sha256: ReplicaFiles.sha256(meta)) == .ok,
                "main's check of its metadata is not a hand edit")
        #expect(storage.firstError != nil)
    }

    @Test func aRepairOfADescribedCopyGoesStraightInPlace() throws {
        let dir = try Directory()
        let storage = DiskStorage(out: dir.path)
        let v1 = Self.copy(1)
        let path = ReplicaFiles.path(replica: 3, chunk: 1)
        for r in 1...3 { _ = storage.persist(path: ReplicaFiles.path(replica: r, chunk: 1), bytes: v1) }
        _ = storage.persist(path: ReplicaFiles.metadataName, bytes: Self.metadata(v1, version: 1))
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: dir.path + "/" + path))
        #expect(storage.check(path: path, sha256: ReplicaFiles.sha256(v1)) == .corrupt)
        #expect(storage.persist(path: path, bytes: v1) == .ok)
        #expect(dir.bytes(path) == v1, "repaired on disk at once: the metadata already describes these bytes")
        #expect(!dir.exists(path + ".v1"))
    }

    @Test func aCopyNoMetadataDescribedIsPutInPlaceAtTheEnd() throws {
        let dir = try Directory()
        let storage = DiskStorage(out: dir.path)
        let v1 = Self.copy(1)
        let path = ReplicaFiles.path(replica: 2, chunk: 1)
        _ = storage.persist(path: path, bytes: v1)
        storage.settle()
        #expect(dir.bytes(path) == v1, "the file shows what the replica holds")
        #expect(!dir.exists(path + ".v1"))
    }

    @Test func headlessFlushEndsWithTheCopiesInPlaceAndNothingVersioned() throws {
        let dir = try Directory()
        let storage = DiskStorage(out: dir.path, writeBehind: true)
        let v1 = Self.copy(1), v2 = Self.copy(2, isa: 7)
        for v in [v1, v2] {
            for r in 1...3 { _ = storage.persist(path: ReplicaFiles.path(replica: r, chunk: 1), bytes: v) }
        }
        _ = storage.persist(path: ReplicaFiles.metadataName, bytes: Self.metadata(v2, version: 2))
        #expect(!dir.exists(ReplicaFiles.path(replica: 1, chunk: 1)), "nothing written before the flush")
        try storage.flush()
        for r in 1...3 {
            #expect(dir.bytes(ReplicaFiles.path(replica: r, chunk: 1)) == v2)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/replicas/replica-\(r)") == ["chunk-1.json"])
        }
        #expect(Self.problems(in: dir).isEmpty)
    }

    @Test func metadataPointingAtVersionedNamesDiffersInThosePathsAlone() throws {
        let v3 = Self.copy(3)
        let meta = Self.metadata(v3, version: 3)
        let a = ReplicaFiles.path(replica: 1, chunk: 1)
        let pointing = try #require(ReplicaFiles.metadata(meta, pointing: [a: a + ".v3"]))
        let before = try #require(ReplicaFiles.parseMetadata(meta)), after = try #require(ReplicaFiles.parseMetadata(pointing))
        #expect(after.rolls == before.rolls)
        #expect(after.copies[0][0]?.path == a + ".v3")
        var same = after.copies
        same[0][0]?.path = a
        #expect(same == before.copies, "versions and checksums unchanged")
        #expect(ReplicaFiles.versionedPath(of: a, bytes: v3) == a + ".v3")
        #expect(ReplicaFiles.versionedPath(of: "results.xlsx", bytes: v3) == nil, "only the six copies")
    }

    /// Every file under the directory, by path.
    static func files(in dir: Directory) -> [String: [UInt8]] {
        let paths = FileManager.default.enumerator(atPath: dir.path)?.allObjects.compactMap { $0 as? String } ?? []
        return Dictionary(uniqueKeysWithValues: paths.compactMap { p in
            FileSystem.isDirectory(dir.path + "/" + p) ? nil : dir.bytes(p).map { (p, $0) }
        })
    }

    @Test func aStepBackThatBranchesPutsTheFilesBackDescribed() throws {
        let dir = try Directory()
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 5, encodesLog: false), storage: DiskStorage(out: dir.path))
        sim.enableStepBack()
        for p in [Phase.sync, .exam, .isa, .replication] {
            sim.apply(.start(p))
            while sim.step() {}
        }
        let before = sim.position
        let atReplication = Self.files(in: dir)
        #expect(atReplication.count == 7, "six copies and the metadata: \(atReplication.keys.sorted())")
        sim.apply(.start(.consistency))
        while sim.step() {}
        #expect(Self.files(in: dir) != atReplication, "the demo wrote")
        #expect(Self.problems(in: dir).isEmpty)
        #expect(sim.stepBack(to: before))
        sim.branch()
        #expect(Self.files(in: dir) == atReplication, "the files as they were, and nothing versioned left")
    }

    /// Every moment a kill could stop at — after each rename or removal, through the
    /// replication and a consistency demo of many writes, live (each write at once) and
    /// headless (written when each phase ends) — leaves the metadata describing files that
    /// are there, and no copy beside a metadata that does not exist.
    @Test(arguments: [false, true])
    func everyStepOfARunLeavesTheMetadataDescribingTheFiles(writeBehind: Bool) throws {
        let dir = try Directory()
        let storage = DiskStorage(out: dir.path, writeBehind: writeBehind)
        var steps = 0, failures: [String] = []
        storage.afterEachStep = {
            steps += 1
            var found = Self.problems(in: dir)
            if !dir.exists(ReplicaFiles.metadataName), dir.exists(ReplicaFiles.path(replica: 1, chunk: 1)) {
                found.append("a copy in place with no metadata")
            }
            if !found.isEmpty, failures.count < 5 { failures.append("step \(steps): \(found)") }
        }
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 6, seed: 11, encodesLog: false), storage: storage)
        for p in Phase.walkthrough {
            sim.apply(.start(p))
            while sim.step() {}
            if writeBehind { try storage.flush() }
        }
        storage.settle()
        #expect(failures.isEmpty, "\(failures)")
        #expect(steps > (writeBehind ? 20 : 60), "the run wrote its copies many times: \(steps) steps")
        #expect(sim.completed.contains(.consistency))
        let versions = try #require(dir.bytes(ReplicaFiles.metadataName).flatMap(ReplicaFiles.parseMetadata))
        #expect(versions.copies.joined().contains { ($0?.version ?? 0) > 1 }, "the demo wrote")
    }

    /// A step back to before the replicas were made, then a branch: the files go, the
    /// metadata first, and no step leaves it naming a file that is not there.
    @Test func aBranchFromBeforeTheReplicasRemovesThemInOrder() throws {
        let dir = try Directory()
        let storage = DiskStorage(out: dir.path)
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 4, seed: 9, encodesLog: false), storage: storage)
        sim.enableStepBack()
        for p in [Phase.sync, .exam, .isa] {
            sim.apply(.start(p))
            while sim.step() {}
        }
        let before = sim.position
        for p in [Phase.replication, .consistency] {
            sim.apply(.start(p))
            while sim.step() {}
        }
        #expect(Self.files(in: dir).count == 7)
        var failures: [String] = []
        storage.afterEachStep = {
            let found = Self.problems(in: dir)
            if !found.isEmpty { failures.append("\(found)") }
        }
        #expect(sim.stepBack(to: before))
        sim.branch()
        #expect(failures.isEmpty, "\(failures)")
        #expect(Self.files(in: dir).isEmpty, "\(Self.files(in: dir).keys.sorted())")
    }

    @Test func aKilledRunsVersionedFilesGoAtTheNextStart() throws {
        let dir = try Directory()
        let copy = ReplicaFiles.path(replica: 1, chunk: 2)
        try FileManager.default.createDirectory(atPath: dir.path + "/replicas/replica-1", withIntermediateDirectories: true)
        for name in [copy + ".v4", copy + ".v12", copy + ".keep"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: dir.path + "/" + name))
        }
        try OutputDirectory.prepare(dir.path)
        #expect(!dir.exists(copy + ".v4") && !dir.exists(copy + ".v12"))
        #expect(dir.exists(copy + ".keep"), "only the program's own names")
    }
}

/// An event log whose writing failed is saved as far as it got, cut to its last whole line,
/// with a last line saying so.
@Suite struct IncompleteLogTests {
    @Test func theLogIsCutToItsLastWholeLineAndMarked() throws {
        let dir = try CrashConsistentStorageTests.Directory()
        let w = try AtomicFileWriter(path: dir.path + "/e.jsonl")
        try w.write(Array("{\"t\":1,\"type\":\"phase\"}\n{\"t\":2,\"type\":\"phase\"}\n{\"t\":3,\"ty".utf8))
        let marker = EventLogEncoder.incompleteMarker(at: .milliseconds(2_500), reason: "cannot write e.jsonl: No space left on device")
        try w.commitIncomplete(marker: marker)
        let text = String(decoding: try #require(dir.bytes("e.jsonl")), as: UTF8.self)
        #expect(text == "{\"t\":1,\"type\":\"phase\"}\n{\"t\":2,\"type\":\"phase\"}\n"
            + "{\"t\":2500,\"type\":\"log_incomplete\",\"reason\":\"cannot write e.jsonl: No space left on device\"}\n")
        #expect(throws: StorageError.self, "a closed file cannot be saved again") { try w.commitIncomplete(marker: marker) }
    }
}
