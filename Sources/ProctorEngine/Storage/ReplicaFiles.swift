import Crypto
import Foundation

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
        var out = Array("{\n  \"chunk\": \(c.chunk),\n  \"version\": \(c.version),\n  \"rows\": [".utf8)
        for (i, r) in c.rows.enumerated() {
            out += Array((i == 0 ? "\n    " : ",\n    ").utf8)
            var row: [UInt8] = []
            var w = JSONObjectWriter.begin(&row)
            w.field("Roll", Int64(r.roll))
            w.field("Name", r.name)
            w.field("MCQ", r.mcq.map(Int64.init))
            w.field("Warnings", Int64(r.warnings))
            w.field("Final", r.final.map(Int64.init))
            w.field("Status", r.status.rawValue)
            w.field("Server", r.server?.description)
            w.field("ISA", r.isa.map(Int64.init))
            w.end(&row)
            out += row
        }
        out += Array((c.rows.isEmpty ? "]\n}\n" : "\n  ]\n}\n").utf8)
        return out
    }

    public static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Writes every copy (replica, chunk) and then the metadata that describes them.
    /// `rolls[c - 1]` are the rolls of chunk c.
    public static func write(copies: [[ChunkCopy?]], rolls: [[Int]], to out: String) throws(StorageError) {
        var metadata: [(chunk: Int, rolls: [Int], version: Int, copies: [(replica: Int, path: String, version: Int, sha: String)])] = []
        for c in rolls.indices {
            var entries: [(replica: Int, path: String, version: Int, sha: String)] = []
            for r in copies.indices {
                guard let copy = copies[r][c] else { continue }
                let rel = path(replica: r + 1, chunk: c + 1)
                let dir = out + "/replicas/replica-\(r + 1)"
                do {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                } catch {
                    throw StorageError(path: dir, reason: "the directory cannot be created")
                }
                let bytes = encode(copy)
                try AtomicFileWriter.write(bytes, to: out + "/" + rel)
                entries.append((r + 1, rel, copy.version, sha256(bytes)))
            }
            if !entries.isEmpty {
                metadata.append((c + 1, rolls[c], entries.map(\.version).max() ?? 0, entries))
            }
        }
        var m = Array("{\n  \"chunks\": [".utf8)
        for (i, c) in metadata.enumerated() {
            m += Array((i == 0 ? "\n    " : ",\n    ").utf8)
            m += Array("{ \"chunk\": \(c.chunk), \"rolls\": [\(c.rolls.map(String.init).joined(separator: ", "))], \"version\": \(c.version), \"copies\": [".utf8)
            for (j, e) in c.copies.enumerated() {
                m += Array((j == 0 ? "\n      " : ",\n      ").utf8)
                var row: [UInt8] = []
                var w = JSONObjectWriter.begin(&row)
                w.field("replica", Int64(e.replica))
                w.field("path", e.path)
                w.field("version", Int64(e.version))
                w.field("sha256", e.sha)
                w.end(&row)
                m += row
            }
            m += Array("\n    ] }".utf8)
        }
        m += Array((metadata.isEmpty ? "]\n}\n" : "\n  ]\n}\n").utf8)
        try AtomicFileWriter.write(m, to: out + "/" + metadataName)
    }
}

extension JSONObjectWriter {
    mutating func field(_ k: String, _ v: Int64?) {
        if let v { field(k, v) } else { fieldNull(k) }
    }

    mutating func field(_ k: String, _ v: String?) {
        if let v { field(k, v) } else { fieldNull(k) }
    }
}
