/// Replication: the results split into 2 chunks by roll (the first ⌈N/2⌉ rolls, then the
/// rest), each chunk sent over the network to 3 replica nodes, which store it and confirm.
extension Simulation {
    public static let replicaCount = 3
    public static let chunkCount = 2

    public struct ReplicationState: Sendable {
        public var startedAt: VirtualTime?
        /// `copies[r][c]`: what replica r + 1 stores of chunk c + 1.
        public var copies: [[ChunkCopy?]] = Array(repeating: Array(repeating: nil, count: Simulation.chunkCount), count: Simulation.replicaCount)
        /// The rolls of each chunk.
        public var rolls: [[Int]] = Array(repeating: [], count: Simulation.chunkCount)
        /// Confirmations main has received.
        public var confirmed = 0
        /// Increases with every stored copy, so the runtime knows to write the files.
        public var revision = 0
        /// Copies found missing or corrupt on disk and repaired.
        public var repairs = 0
        /// Copies (replica, chunk), from 1, changed since the files were last written.
        var dirty: Set<[Int]> = []

        public var storedCount: Int { copies.joined().lazy.filter { $0 != nil }.count }
    }

    /// The copies changed since the last call, as (replica, chunk) pairs from 1; the driver
    /// rewrites those files (and the metadata).
    public func takeDirtyCopies() -> [(replica: Int, chunk: Int)] {
        defer { replication.dirty.removeAll() }
        return replication.dirty.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0[0], $0[1]) }
    }

    /// The student indexes (from 0) of chunk `c` (1 or 2).
    func chunkMembers(_ c: Int) -> Range<Int> {
        let firstSize = (students.count + 1) / 2
        return c == 1 ? 0..<firstSize : firstSize..<students.count
    }

    func startReplication() {
        guard replication.startedAt == nil else {
            say(completed.contains(.replication) ? "The replicas are in place." : "Replication is already under way.")
            return
        }
        guard completed.contains(.isa) else {
            say("Replicas hold the final results: finish the ISA phase (3) first.")
            return
        }
        enter(.replication)
        replication.startedAt = now
        for c in 1...Self.chunkCount {
            let rows = Array(results[chunkMembers(c)])
            replication.rolls[c - 1] = rows.map(\.roll)
            for r in 1...Self.replicaCount {
                send(.replica(.store(ChunkCopy(chunk: c, version: 1, rows: rows))), from: .main, to: .replica(r))
            }
        }
        say("Replication: \(Self.chunkCount) chunks by roll, each sent to \(Self.replicaCount) replicas; watch replica_write and the files appear.")
    }

    func receiveReplica(_ m: ReplicaMessage, _ env: Envelope) {
        switch (env.to, m) {
        case (.replica(let r), .store(let copy)):
            if let have = replication.copies[r - 1][copy.chunk - 1], have.version >= copy.version { return }   // duplicate
            replication.copies[r - 1][copy.chunk - 1] = copy
            replication.revision += 1
            replication.dirty.insert([r, copy.chunk])
            record(.replicaWrite(replica: r, chunk: copy.chunk, version: copy.version))
            send(.replica(.stored(chunk: copy.chunk, version: copy.version)), from: env.to, to: .main)
        case (.main, .stored):
            replication.confirmed += 1
            if replication.storedCount == Self.chunkCount * Self.replicaCount && !completed.contains(.replication) {
                completed.insert(.replication)
                say("Replicas in place: \(Self.chunkCount) chunks × \(Self.replicaCount) copies, version 1, checksums in replication_metadata.json.")
            }
        default:
            receiveDemoReplica(m, env)
        }
    }
}

public enum ReplicaMessage: Sendable, Equatable {
    /// main → replica: store this copy.
    case store(ChunkCopy)
    /// replica → main: stored.
    case stored(chunk: Int, version: Int)
    /// student → replica: read my row of the chunk.
    case read(chunk: Int, roll: Int)
    /// replica → student: the row's ISA mark and the copy's version.
    case value(chunk: Int, version: Int, isa: Int?)
    /// student (holding the write lock) → every replica: set my ISA mark, at this version.
    case write(chunk: Int, version: Int, roll: Int, isa: Int)
    /// replica → student: written.
    case written(chunk: Int, version: Int)

    public var kind: String {
        switch self {
        case .store: "STORE"
        case .stored: "STORED"
        case .read: "READ"
        case .value: "VALUE"
        case .write: "WRITE"
        case .written: "WRITTEN"
        }
    }
}
