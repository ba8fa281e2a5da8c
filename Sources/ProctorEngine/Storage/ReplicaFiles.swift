import Crypto
import FoundationEssentials

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
        assemble(chunk: c.chunk, version: c.version, rows: c.rows.map(encode(row:)), into: &out)
    }

    /// One row of a copy, as the copy's file holds it.
    static func encode(row r: ResultRow) -> [UInt8] {
        RawBytes.collect { out in
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
    }

    /// A copy's file from its rows already encoded (`encode(row:)`).
    static func assemble(chunk: Int, version: Int, rows: [[UInt8]], into out: inout RawBytes) {
        out.append("{\n  \"chunk\": ")
        JSONObjectWriter.integer(Int64(chunk), into: &out)
        out.append(",\n  \"version\": ")
        JSONObjectWriter.integer(Int64(version), into: &out)
        out.append(",\n  \"rows\": [")
        for (i, r) in rows.enumerated() {
            out.append(i == 0 ? "\n    " : ",\n    ")
            r.withUnsafeBufferPointer { if let p = $0.baseAddress { out.append(p, $0.count) } }
        }
        out.append(rows.isEmpty ? "]\n}\n" : "\n  ]\n}\n")
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

    /// The six copy paths.
    static let copyPaths: Set<String> = Set((1...ReplicationCoordinator.replicaCount).flatMap { r in
        (1...ReplicationCoordinator.chunkCount).map { path(replica: r, chunk: $0) }
    })

    /// Where a copy's new version is written before it takes the copy's own name:
    /// `replicas/replica-K/chunk-C.json.vN` (nil: `path` is not a copy). While it is being put in
    /// place, the metadata points at this name, so the metadata always describes files that
    /// are there.
    public static func versionedPath(of path: String, bytes: [UInt8]) -> String? {
        guard copyPaths.contains(path) else { return nil }
        // The encoder writes the version second, near the top: no need to parse the rows.
        let head = String(decoding: bytes.prefix(96), as: UTF8.self)
        guard let r = head.ranges(of: "\"version\": ").first else { return nil }
        let digits = head[r.upperBound...].prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return nil }
        return path + ".v" + digits
    }

    /// A copy as `replication_metadata.json` describes it.
    public struct DescribedCopy: Sendable, Equatable, Decodable {
        public var replica: Int
        public var path: String
        public var version: Int
        public var sha256: String
    }

    private struct Document: Decodable {
        struct Chunk: Decodable {
            var chunk: Int
            var rolls: [Int]
            var copies: [DescribedCopy]
        }
        var chunks: [Chunk]
    }

    /// The metadata read back: each chunk's rolls and copies (nil: not metadata this program
    /// writes).
    public static func parseMetadata(_ bytes: [UInt8]) -> (rolls: [[Int]], copies: [[DescribedCopy?]])? {
        guard let doc = try? JSONDecoder().decode(Document.self, from: Data(bytes)) else { return nil }
        let replicas = ReplicationCoordinator.replicaCount, chunks = ReplicationCoordinator.chunkCount
        var rolls = Array(repeating: [Int](), count: chunks)
        var copies = Array(repeating: Array(repeating: DescribedCopy?.none, count: chunks), count: replicas)
        for c in doc.chunks {
            guard (1...chunks).contains(c.chunk) else { return nil }
            rolls[c.chunk - 1] = c.rolls
            for copy in c.copies {
                guard (1...replicas).contains(copy.replica) else { return nil }
                copies[copy.replica - 1][c.chunk - 1] = copy
            }
        }
        return (rolls, copies)
    }

    /// The same metadata with some copies' `path` replaced (`paths[copy path]`).
    public static func metadata(_ bytes: [UInt8], pointing paths: [String: String]) -> [UInt8]? {
        guard let (rolls, described) = parseMetadata(bytes) else { return nil }
        return metadata(copies: described.map { $0.map { $0.map { ($0.version, $0.sha256) } } }, rolls: rolls) { r, c in
            let own = path(replica: r, chunk: c)
            return paths[own] ?? own
        }
    }

    /// The bytes of `replication_metadata.json` describing `copies[r][c]` (nil: not stored).
    /// `rolls[c]` are the rolls of chunk c + 1; `pathOf(replica, chunk)` is where a copy is.
    public static func metadata(copies: [[(version: Int, sha256: String)?]], rolls: [[Int]],
                                pathOf: (Int, Int) -> String = path(replica:chunk:)) -> [UInt8] {
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
                    w.field("path", pathOf(e.replica, c + 1))
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
