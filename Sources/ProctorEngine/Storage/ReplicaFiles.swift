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

    /// Writes the copies named in `only` (every copy when nil), then the metadata that
    /// describes all of them. `rolls[c - 1]` are the rolls of chunk c.
    public static func write(copies: [[ChunkCopy?]], rolls: [[Int]], to out: String, only: [(replica: Int, chunk: Int)]? = nil) throws(StorageError) {
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
                if only == nil || only!.contains(where: { $0.replica == r + 1 && $0.chunk == c + 1 }) {
                    try AtomicFileWriter.write(bytes, to: out + "/" + rel)
                }
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

/// What is wrong with a copy on disk.
public enum CopyProblem: String, Sendable, Equatable {
    case missing
    /// The bytes differ from the copy's checksum.
    case corrupt
}

extension ReplicaFiles {
    /// Checks the copy of `chunk` on `replica` under `out` against the checksum of what it
    /// must hold. Nil when healthy.
    public static func check(replica: Int, chunk: Int, expected: ChunkCopy, out: String) -> CopyProblem? {
        guard let data = FileManager.default.contents(atPath: out + "/" + path(replica: replica, chunk: chunk)) else { return .missing }
        return sha256([UInt8](data)) == sha256(encode(expected)) ? nil : .corrupt
    }

    /// The paths in `replication_metadata.json` that leave `out` (absolute, or through
    /// `..`): such a file is refused, never followed. Each entry is a message for people.
    public static func refusedMetadataPaths(out: String) -> [String] {
        let file = out + "/" + metadataName
        guard let data = FileManager.default.contents(atPath: file) else { return [] }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let chunks = root["chunks"] as? [[String: Any]] else {
            return ["\(file): not the metadata Proctor writes (no \"chunks\" list); it is rewritten"]
        }
        var refused: [String] = []
        for c in chunks {
            for copy in c["copies"] as? [[String: Any]] ?? [] {
                guard let p = copy["path"] as? String else { continue }
                if p.hasPrefix("/") || p.split(separator: "/").contains("..") {
                    refused.append("\(file): path \"\(p)\" leaves the output directory: refused")
                }
            }
        }
        return refused
    }
}
