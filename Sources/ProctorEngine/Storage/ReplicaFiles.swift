import Crypto

/// One copy of a chunk of the results, as a replica stores it.
public struct ChunkCopy: Sendable, Equatable {
    public var chunk: Int
    public var version: Int
    public var rows: [ResultRow]
}

/// The replica files under `--out`: `replicas/replica-K/chunk-C.json` and
/// `replication_metadata.json`. Every file is written atomically; the copies of a chunk at
/// one version are byte-identical, and the metadata carries each copy's SHA-256.
public enum ReplicaFiles {
    public static let metadataName = "replication_metadata.json"

    /// The path of a copy, relative to `--out`.
    public static func path(replica: Int, chunk: Int) -> String { "replicas/replica-\(replica)/chunk-\(chunk).json" }

    /// The bytes of a copy: `{ "chunk", "version", "rows": [ … the columns of results.xlsx … ] }`,
    /// in a fixed field order, so equal copies are equal bytes.
    public static func encode(_ c: ChunkCopy) -> [UInt8] {
        RawBytes.collect { encode(c, into: &$0) }
    }

    static func encode(_ c: ChunkCopy, into out: inout RawBytes) {
        out.append("{\n  \"chunk\": ")
        JSONObjectWriter.integer(Int64(c.chunk), into: &out)
        out.append(",\n  \"version\": ")
        JSONObjectWriter.integer(Int64(c.version), into: &out)
        out.append(",\n  \"rows\": [")
        for (i, r) in c.rows.enumerated() {
            out.append(i == 0 ? "\n    " : ",\n    ")
            var w = JSONObjectWriter.begin(&out)
            w.field("Roll", Int64(r.roll))
            w.field("Name", r.name)
            w.field("MCQ", r.mcq.map(Int64.init))
            w.field("Warnings", Int64(r.warnings))
            w.field("Final", r.final.map(Int64.init))
            w.field("Status", r.status.rawValue)
            w.field("Server", r.server?.description)
            w.field("ISA", r.isa.map(Int64.init))
            w.end(&out)
        }
        out.append(c.rows.isEmpty ? "]\n}\n" : "\n  ]\n}\n")
    }

    public static func sha256(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in SHA256.hash(data: bytes) {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One copy as encoded for a file: its bytes and their checksum.
    public struct Encoded: Sendable {
        public let copy: ChunkCopy
        public let bytes: [UInt8]
        public let sha256: String

        public init(_ copy: ChunkCopy) {
            self.copy = copy
            bytes = ReplicaFiles.encode(copy)
            sha256 = ReplicaFiles.sha256(bytes)
        }
    }

    /// The bytes of `replication_metadata.json` describing `copies[r][c]` (nil: not stored).
    /// `rolls[c]` are the rolls of chunk c + 1.
    public static func metadata(copies: [[Encoded?]], rolls: [[Int]]) -> [UInt8] {
        var m = Array("{\n  \"chunks\": [".utf8)
        var first = true
        for c in rolls.indices {
            let stored = copies.indices.compactMap { r in copies[r][c].map { (replica: r + 1, copy: $0) } }
            guard !stored.isEmpty else { continue }
            m += (first ? "\n    " : ",\n    ").utf8
            first = false
            let version = stored.map(\.copy.copy.version).max() ?? 0
            m += "{ \"chunk\": \(c + 1), \"rolls\": [\(rolls[c].map(String.init).joined(separator: ", "))], \"version\": \(version), \"copies\": [".utf8
            for (j, e) in stored.enumerated() {
                m += (j == 0 ? "\n      " : ",\n      ").utf8
                m += RawBytes.collect { out in
                    var w = JSONObjectWriter.begin(&out)
                    w.field("replica", Int64(e.replica))
                    w.field("path", path(replica: e.replica, chunk: c + 1))
                    w.field("version", Int64(e.copy.copy.version))
                    w.field("sha256", e.copy.sha256)
                    w.end(&out)
                }
            }
            m += "\n    ] }".utf8
        }
        m += (first ? "]\n}\n" : "\n  ]\n}\n").utf8
        return m
    }
}

extension JSONObjectWriter {
    mutating func field(_ k: StaticString, _ v: Int64?) {
        if let v { field(k, v) } else { fieldNull(k) }
    }

    mutating func field(_ k: StaticString, _ v: String?) {
        if let v { field(k, v) } else { fieldNull(k) }
    }
}

/// What is wrong with a copy on disk.
public enum CopyProblem: String, Sendable, Equatable {
    case missing
    /// The bytes differ from the copy's checksum.
    case corrupt
}

/// The replica files under one output directory, and what was last written to each: a copy
/// is encoded and hashed once per change, however often the metadata is rewritten or the
/// copy is checked. Used from one queue at a time (the caller's I/O queue), hence unchecked.
///
/// `write` writes at once (the live program: someone may open the files at any moment).
/// `stage` defers the writing to `flush` (headless mode, where a thousand writes fall in a
/// few seconds of wall time: it flushes when each phase ends).
public final class ReplicaStore: @unchecked Sendable {
    public let out: String
    private var encoded: [[ReplicaFiles.Encoded?]] = []
    private var staged: (copies: [[ChunkCopy?]], rolls: [[Int]], dirty: Set<[Int]>)?

    public init(out: String) {
        self.out = out
    }

    private func encoding(replica r: Int, chunk c: Int, _ copy: ChunkCopy) -> ReplicaFiles.Encoded {
        while encoded.count < r { encoded.append([]) }
        while encoded[r - 1].count < c { encoded[r - 1].append(nil) }
        if let e = encoded[r - 1][c - 1], e.copy == copy { return e }
        // The copies of a chunk at one version are equal: encode once, share the bytes.
        let e = encoded.lazy.compactMap { $0.count >= c ? $0[c - 1] : nil }.first { $0.copy == copy } ?? ReplicaFiles.Encoded(copy)
        encoded[r - 1][c - 1] = e
        return e
    }

    /// Writes the copies named in `only` (every copy when nil), then the metadata that
    /// describes all of them. `rolls[c - 1]` are the rolls of chunk c.
    public func write(copies: [[ChunkCopy?]], rolls: [[Int]], only: [(replica: Int, chunk: Int)]? = nil) throws(StorageError) {
        var all: [[ReplicaFiles.Encoded?]] = copies.map { $0.map { _ in nil } }
        for r in copies.indices {
            for c in rolls.indices {
                guard let copy = copies[r][c] else { continue }
                let e = encoding(replica: r + 1, chunk: c + 1, copy)
                all[r][c] = e
                guard only == nil || only!.contains(where: { $0.replica == r + 1 && $0.chunk == c + 1 }) else { continue }
                let dir = out + "/replicas/replica-\(r + 1)"
                try FileSystem.makeDirectories(dir)
                try AtomicFileWriter.write(e.bytes, to: out + "/" + ReplicaFiles.path(replica: r + 1, chunk: c + 1))
            }
        }
        try AtomicFileWriter.write(ReplicaFiles.metadata(copies: all, rolls: rolls), to: out + "/" + ReplicaFiles.metadataName)
    }

    /// Like `write`, but only at the next `flush`; the copies named in `only` join those
    /// already waiting.
    public func stage(copies: [[ChunkCopy?]], rolls: [[Int]], only: [(replica: Int, chunk: Int)]) {
        var dirty = staged?.dirty ?? []
        for o in only { dirty.insert([o.replica, o.chunk]) }
        staged = (copies, rolls, dirty)
    }

    /// Writes what `stage` deferred.
    public func flush() throws(StorageError) {
        guard let s = staged else { return }
        try write(copies: s.copies, rolls: s.rolls, only: s.dirty.map { ($0[0], $0[1]) })
        staged = nil
    }

    /// Checks the copy of `chunk` on `replica` against what it must hold. Nil when healthy,
    /// and for a copy with a write staged: its file is replaced at the flush, so what is on
    /// disk now is never served.
    public func check(replica: Int, chunk: Int, expected: ChunkCopy) -> CopyProblem? {
        if staged?.dirty.contains([replica, chunk]) == true { return nil }
        guard let onDisk = try? FileSystem.read(out + "/" + ReplicaFiles.path(replica: replica, chunk: chunk)) else { return .missing }
        return onDisk == encoding(replica: replica, chunk: chunk, expected).bytes ? nil : .corrupt
    }

    /// The paths in `replication_metadata.json` that leave `out` (absolute, or through
    /// `..`): such a file is refused, never followed. Each entry is a message for people.
    public func refusedMetadataPaths() -> [String] {
        let file = out + "/" + ReplicaFiles.metadataName
        guard let bytes = try? FileSystem.read(file) else { return [] }
        guard case .object(let root, _)? = try? JSONValue.parse(String(decoding: bytes, as: UTF8.self), file: file),
              case .array(let chunks)? = root["chunks"] else {
            return ["\(file): not the metadata Proctor writes (no \"chunks\" list); it is rewritten"]
        }
        var refused: [String] = []
        for case .object(let c, _) in chunks {
            guard case .array(let copies)? = c["copies"] else { continue }
            for case .object(let copy, _) in copies {
                guard case .string(let p)? = copy["path"] else { continue }
                if p.hasPrefix("/") || p.split(separator: "/").contains("..") {
                    refused.append("\(file): path \"\(p)\" leaves the output directory: refused")
                }
            }
        }
        return refused
    }
}
