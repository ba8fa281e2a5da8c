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

    /// The bytes of `replication_metadata.json` describing `copies[r][c]` (nil: not stored).
    /// `rolls[c]` are the rolls of chunk c + 1.
    public static func metadata(copies: [[(version: Int, sha256: String)?]], rolls: [[Int]]) -> [UInt8] {
        var m = Array("{\n  \"chunks\": [".utf8)
        var first = true
        for c in rolls.indices {
            let stored = copies.indices.compactMap { r in copies[r][c].map { (replica: r + 1, copy: $0) } }
            guard !stored.isEmpty else { continue }
            m += (first ? "\n    " : ",\n    ").utf8
            first = false
            let version = stored.map(\.copy.version).max() ?? 0
            m += "{ \"chunk\": \(c + 1), \"rolls\": [\(rolls[c].map(String.init).joined(separator: ", "))], \"version\": \(version), \"copies\": [".utf8
            for (j, e) in stored.enumerated() {
                m += (j == 0 ? "\n      " : ",\n      ").utf8
                m += RawBytes.collect { out in
                    var w = JSONObjectWriter.begin(&out)
                    w.field("replica", Int64(e.replica))
                    w.field("path", path(replica: e.replica, chunk: c + 1))
                    w.field("version", Int64(e.copy.version))
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
