/// Replication of the results: main's coordinator splits them into 2 chunks by roll (the
/// first ⌈N/2⌉ rolls, then the rest), sends each chunk to 3 replicas, and keeps what each
/// copy is known to hold (version and checksum) for `replication_metadata.json`. The
/// replica side is `ChunkStore`. Both are sans-I/O: inputs in, actions out.
public struct ReplicationCoordinator: Sendable, Equatable {
    public static let replicaCount = 3
    public static let chunkCount = 2

    /// What a copy is known to hold.
    public struct CopyInfo: Sendable, Equatable {
        public var version: Int
        public var sha256: String
    }

    public enum Action: Sendable, Equatable {
        case store(ChunkCopy, replica: Int)
        /// The metadata changed: persist these bytes.
        case persistMetadata([UInt8])
        /// Every copy of every chunk is stored.
        case complete
    }

    public let studentCount: Int
    public private(set) var started = false
    /// `copies[r - 1][c - 1]`: what replica r is known to hold of chunk c.
    public private(set) var copies: [[CopyInfo?]]
    public private(set) var rolls: [[Int]]
    private var completed = false
    /// The copy of each chunk sent out at version 1 (resent to a replica that has not
    /// confirmed it).
    private var sent: [ChunkCopy] = []

    public init(studentCount: Int) {
        self.studentCount = studentCount
        copies = Array(repeating: Array(repeating: nil, count: Self.chunkCount), count: Self.replicaCount)
        rolls = Array(repeating: [], count: Self.chunkCount)
    }

    /// The student indexes (from 0) of chunk `c` (1 or 2): the first ⌈N/2⌉, then the rest.
    public static func members(ofChunk c: Int, studentCount n: Int) -> Range<Int> {
        let firstSize = (n + 1) / 2
        return c == 1 ? 0..<firstSize : firstSize..<n
    }

    /// The chunk (1 or 2) that holds student `k` (from 1).
    public static func chunk(ofStudent k: Int, studentCount n: Int) -> Int {
        members(ofChunk: 1, studentCount: n).contains(k - 1) ? 1 : 2
    }

    public var storedCount: Int { copies.joined().lazy.filter { $0 != nil }.count }

    /// Splits the results (one row per student, roll order) and sends every copy.
    public mutating func start(results: [ResultRow]) -> [Action] {
        guard !started else { return [] }
        started = true
        var actions: [Action] = []
        for c in 1...Self.chunkCount {
            let rows = Array(results[Self.members(ofChunk: c, studentCount: studentCount)])
            rolls[c - 1] = rows.map(\.roll)
            sent.append(ChunkCopy(chunk: c, version: 1, rows: rows))
            for r in 1...Self.replicaCount {
                actions.append(.store(ChunkCopy(chunk: c, version: 1, rows: rows), replica: r))
            }
        }
        return actions
    }

    /// The copies still unconfirmed, sent again (a replica down or a message lost).
    public func resend() -> [Action] {
        guard started, !completed else { return [] }
        var actions: [Action] = []
        for copy in sent {
            for r in 1...Self.replicaCount where copies[r - 1][copy.chunk - 1] == nil {
                actions.append(.store(copy, replica: r))
            }
        }
        return actions
    }

    /// A replica confirmed a copy (a store, or a write of the demo).
    public mutating func stored(replica r: Int, chunk c: Int, version: Int, sha256: String) -> [Action] {
        guard (1...Self.replicaCount).contains(r), (1...Self.chunkCount).contains(c) else { return [] }
        if let have = copies[r - 1][c - 1], have.version > version { return [] }
        let info = CopyInfo(version: version, sha256: sha256)
        guard copies[r - 1][c - 1] != info else { return [] }
        copies[r - 1][c - 1] = info
        var actions: [Action] = [.persistMetadata(metadata())]
        if !completed && storedCount == Self.replicaCount * Self.chunkCount {
            completed = true
            actions.append(.complete)
        }
        return actions
    }

    /// A demo write is on every replica (the writer said so as it released the lock): every
    /// copy of the chunk is at `version`, with these bytes.
    public mutating func committed(chunk c: Int, version: Int, sha256: String) -> [Action] {
        guard (1...Self.chunkCount).contains(c) else { return [] }
        var changed = false
        for r in 1...Self.replicaCount where (copies[r - 1][c - 1]?.version ?? 0) <= version {
            let info = CopyInfo(version: version, sha256: sha256)
            if copies[r - 1][c - 1] != info { copies[r - 1][c - 1] = info; changed = true }
        }
        return changed ? [.persistMetadata(metadata())] : []
    }

    /// The bytes of `replication_metadata.json` for what is known now.
    public func metadata() -> [UInt8] {
        ReplicaFiles.metadata(copies: copies.map { $0.map { $0.map { ($0.version, $0.sha256) } } }, rolls: rolls)
    }
}

/// A replica's chunk store: the copies it holds, by chunk. Its contents are the replica's
/// durable state (its files); every change is persisted before it is confirmed.
public struct ChunkStore: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Write the copy's file, then confirm.
        case persist(ChunkCopy, bytes: [UInt8], sha256: String)
        /// Already held (a duplicate): confirm again without writing.
        case confirm(chunk: Int, version: Int, sha256: String)
    }

    public private(set) var copies: [ChunkCopy?] = Array(repeating: nil, count: ReplicationCoordinator.chunkCount)
    /// The checksum of each copy's bytes, as last persisted.
    public private(set) var sha256: [String?] = Array(repeating: nil, count: ReplicationCoordinator.chunkCount)
    /// Chunks whose last write failed: their file does not hold the copy, so a repeated
    /// STORE or WRITE writes it again instead of confirming it.
    private var unwritten: Set<Int> = []
    /// Each copy's rows as its file holds them (derived from `copies`): a demo write
    /// encodes the one row it changes, not the whole chunk.
    private var encodedRows: [[[UInt8]]] = Array(repeating: [], count: ReplicationCoordinator.chunkCount)

    public init() {}

    public static func == (a: ChunkStore, b: ChunkStore) -> Bool {
        a.copies == b.copies && a.sha256 == b.sha256 && a.unwritten == b.unwritten
    }

    public func copy(_ c: ChunkID) -> ChunkCopy? { copies.indices.contains(c - 1) ? copies[c - 1] : nil }

    /// main's STORE: keeps the copy unless it already holds this version or a later one.
    public mutating func store(_ copy: ChunkCopy) -> [Action] {
        guard copies.indices.contains(copy.chunk - 1) else { return [] }
        if let have = copies[copy.chunk - 1], have.version >= copy.version, let sha = sha256[copy.chunk - 1] {
            return unwritten.contains(copy.chunk) ? [keep(have)] : [.confirm(chunk: copy.chunk, version: have.version, sha256: sha)]
        }
        return [keep(copy)]
    }

    /// A demo WRITE: sets one row's ISA mark and raises the version.
    public mutating func write(chunk c: Int, version: Int, roll: Int, isa: Int) -> [Action] {
        guard copies.indices.contains(c - 1), var copy = copies[c - 1] else { return [] }
        guard copy.version < version else {
            return unwritten.contains(c) ? [keep(copy)] : [.confirm(chunk: c, version: copy.version, sha256: sha256[c - 1] ?? "")]
        }
        let i = copy.rows.firstIndex { $0.roll == roll }
        if let i { copy.rows[i].isa = isa }
        copy.version = version
        return [keep(copy, changedRow: i)]
    }

    /// The write of chunk `c`'s copy failed: it is not confirmed until written again.
    public mutating func writeFailed(chunk c: Int) { unwritten.insert(c) }

    /// The copies as the replica's files hold them: a copy whose last write failed is not
    /// one (a screen must not show it as stored).
    public var writtenCopies: [ChunkCopy?] {
        copies.enumerated().map { unwritten.contains($0.offset + 1) ? nil : $0.element }
    }

    /// `changedRow`: the one row that differs from the copy held before (nil: any may).
    private mutating func keep(_ copy: ChunkCopy, changedRow: Int? = nil) -> Action {
        let c = copy.chunk - 1
        if let i = changedRow, encodedRows[c].count == copy.rows.count {
            encodedRows[c][i] = ReplicaFiles.encode(row: copy.rows[i])
        } else {
            encodedRows[c] = copy.rows.map(ReplicaFiles.encode(row:))
        }
        let bytes = RawBytes.collect { ReplicaFiles.assemble(chunk: copy.chunk, version: copy.version, rows: encodedRows[c], into: &$0) }
        let sha = ReplicaFiles.sha256(bytes)
        copies[copy.chunk - 1] = copy
        sha256[copy.chunk - 1] = sha
        unwritten.remove(copy.chunk)
        return .persist(copy, bytes: bytes, sha256: sha)
    }
}
