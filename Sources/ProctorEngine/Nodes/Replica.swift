/// A replica store: keeps the chunk copies main sends and the demo's writes, persists each
/// change to its own file before confirming it, and checks its file before serving a read.
/// A copy found missing or corrupt on disk is reported, never served, and rewritten from
/// the replica's own durable state.
public struct Replica: Sendable {
    public enum Timer: Hashable, Sendable {}

    public enum Command: Sendable, Equatable {
        /// At the start of the demo: check every copy on disk.
        case verify
    }

    public typealias Effects = [Effect<Timer>]

    /// What a confirmation or a read waits for: the storage outcome of this path.
    enum Waiting: Sendable, Equatable {
        case confirmStore(to: NodeID, chunk: Int, version: Int, sha256: String)
        case confirmWrite(to: NodeID, chunk: Int, version: Int, sha256: String, roll: Int, isa: Int)
        case serveRead(to: NodeID, chunk: Int, roll: Int)
        case verify(chunk: Int)
        /// A repair's rewrite.
        case rewrite
    }

    public let number: ReplicaID
    /// Durable: the copies (the replica's files).
    public private(set) var store = ChunkStore()
    /// Volatile: what waits for a storage outcome, in order, per path.
    private var waiting: [String: [Waiting]] = [:]
    public private(set) var repairs = 0

    public init(number: Int) { self.number = number }


    public mutating func crash() { waiting.removeAll() }
    public mutating func restart() {}

    func path(_ c: Int) -> String { ReplicaFiles.path(replica: number, chunk: c) }

    public mutating func command(_ c: Command, _ ctx: NodeContext) -> Effects {
        var out: Effects = []
        for chunk in 1...ReplicationCoordinator.chunkCount {
            guard let sha = store.sha256[chunk - 1] else { continue }
            waiting[path(chunk), default: []].append(.verify(chunk: chunk))
            out.append(.check(path: path(chunk), sha256: sha))
        }
        return out
    }

    public mutating func received(_ payload: Payload, from: NodeID, _ ctx: NodeContext) -> Effects {
        guard case .replica(let m) = payload else { return [] }
        switch m {
        case .store(let copy):
            return effects(of: store.store(copy), to: from, write: nil)
        case .write(let c, let v, let roll, let isa):
            return effects(of: store.write(chunk: c, version: v, roll: roll, isa: isa), to: from, write: (roll, isa))
        case .read(let c, let roll):
            guard let sha = store.sha256.indices.contains(c - 1) ? store.sha256[c - 1] : nil else {
                return [.send(.replica(.value(chunk: c, version: 0, isa: nil)), to: from)]
            }
            waiting[path(c), default: []].append(.serveRead(to: from, chunk: c, roll: roll))
            return [.check(path: path(c), sha256: sha)]
        case .stored, .value, .written:
            return []
        }
    }

    /// The chunk store: its actions as effects (the replies go `to` the asker).
    /// `write`: the demo write's row and mark (nil for main's STORE).
    private mutating func effects(of actions: [ChunkStore.Action], to: NodeID, write: (roll: Int, isa: Int)?) -> Effects {
        var out: Effects = []
        for a in actions {
            switch a {
            case .persist(let copy, let bytes, let sha):
                waiting[path(copy.chunk), default: []].append(write.map {
                    .confirmWrite(to: to, chunk: copy.chunk, version: copy.version, sha256: sha, roll: $0.roll, isa: $0.isa)
                } ?? .confirmStore(to: to, chunk: copy.chunk, version: copy.version, sha256: sha))
                out.append(.persist(path: path(copy.chunk), bytes: bytes, sha256: sha))
            case .confirm(let c, let v, let sha):
                out.append(.send(.replica(write != nil ? .written(chunk: c, version: v, sha256: sha) : .stored(chunk: c, version: v, sha256: sha)), to: to))
            }
        }
        return out
    }

    public mutating func storageResult(_ r: StorageResult, _ ctx: NodeContext) -> Effects {
        guard var queue = waiting[r.path], !queue.isEmpty else { return [] }
        let w = queue.removeFirst()
        waiting[r.path] = queue.isEmpty ? nil : queue
        switch w {
        case .confirmStore(let to, let c, let v, let sha):
            guard r.outcome == .ok else { store.writeFailed(chunk: c); return [.notice("replica-\(number) could not write chunk-\(c) (\(r.outcome.rawValue)).")] }
            return [.log(.replicaWrite(replica: number, chunk: c, version: v)), .send(.replica(.stored(chunk: c, version: v, sha256: sha)), to: to)]
        case .confirmWrite(let to, let c, let v, let sha, let roll, let isa):
            guard r.outcome == .ok else { store.writeFailed(chunk: c); return [.notice("replica-\(number) could not write chunk-\(c) (\(r.outcome.rawValue)).")] }
            return [.log(.replicaWrite(replica: number, chunk: c, version: v, roll: roll, isa: isa)),
                    .send(.replica(.written(chunk: c, version: v, sha256: sha)), to: to)]
        case .serveRead(let to, let c, let roll):
            var out: Effects = []
            if r.outcome != .ok { out += repair(c, problem: r.outcome) }
            let copy = store.copy(c)
            out.append(.send(.replica(.value(chunk: c, version: copy?.version ?? 0, isa: copy?.rows.first { $0.roll == roll }?.isa)), to: to))
            return out
        case .verify(let c):
            return r.outcome == .ok ? [] : repair(c, problem: r.outcome)
        case .rewrite:
            // The repair's own write failed: say so, and do not count the copy as on disk.
            guard r.outcome == .ok else {
                if let c = (1...ReplicationCoordinator.chunkCount).first(where: { path($0) == r.path }) { store.writeFailed(chunk: c) }
                return [.notice("replica-\(number) could not rewrite \(r.path) (\(r.outcome.rawValue)): the copy is still bad and will not be served.")]
            }
            return []
        }
    }

    /// A bad file: reported, and rewritten from the replica's own copy before it is served.
    private mutating func repair(_ c: Int, problem: StorageOutcome) -> Effects {
        guard let copy = store.copy(c) else { return [] }
        repairs += 1
        waiting[path(c), default: []].append(.rewrite)
        let kind: CopyProblem = problem == .missing ? .missing : .corrupt
        return [.log(.integrity(replica: number, chunk: c, problem: kind, repairedFrom: number)),
                .notice("replica-\(number) chunk-\(c) was \(kind.rawValue): not served, rewritten from replica-\(number)'s own copy."),
                .persist(path: path(c), bytes: ReplicaFiles.encode(copy))]
    }

    // MARK: View

    /// What a screen or an observer may read of a replica.
    public struct View: Sendable {
        public var number: ReplicaID
        /// Per chunk: the copy it holds, and the same where its file was written too.
        public var held: [ChunkCopy?]
        public var written: [ChunkCopy?]
        /// Per chunk: the checksum of the copy's bytes, as last persisted.
        public var sha256: [String?]
        /// Copies repaired from a healthy replica.
        public var repairs: Int

        /// The version and checksum of its copy of chunk `c`, nil when it holds none.
        public func copyInfo(chunk c: ChunkID) -> ReplicationCoordinator.CopyInfo? {
            guard held.indices.contains(c - 1), let copy = held[c - 1], let sha = sha256[c - 1] else { return nil }
            return ReplicationCoordinator.CopyInfo(version: copy.version, sha256: sha)
        }
    }

    public var view: View {
        View(number: number, held: store.copies, written: store.writtenCopies, sha256: store.sha256, repairs: repairs)
    }
}
