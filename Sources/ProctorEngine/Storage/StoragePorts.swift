#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// Carries out the storage effects nodes return: `persist` writes a file atomically,
/// `check` compares a file with the SHA-256 it should have. Paths are relative to the output
/// directory. The kernel calls it in event order, so a check always sees every persist
/// delivered before it — never a file an earlier event has already replaced in memory.
public protocol StoragePort: AnyObject, Sendable {
    /// `sha256` is the bytes' checksum, computed once by whoever made them.
    func persist(path: String, bytes: [UInt8], sha256: String) -> StorageOutcome
    func check(path: String, sha256: String) -> StorageOutcome
    /// Writes the results store as the workbook `path`, atomically, now or later (only the
    /// last of the waiting versions need reach the disk). A failure is the port's to report.
    func persistWorkbook(path: String, rows: [ResultRow])
    /// Removes a file (a step back that branched before the file was first written).
    func discard(path: String)
}

extension StoragePort {
    /// Writes `bytes` to `path`, hashed here.
    public func persist(path: String, bytes: [UInt8]) -> StorageOutcome {
        persist(path: path, bytes: bytes, sha256: ReplicaFiles.sha256(bytes))
    }
}

/// Real files under an output directory. With `writeBehind`, writes wait in memory until
/// `flush()` (headless mode, where a thousand demo writes fall in a few wall seconds), and a
/// check of a waiting file is answered from the bytes that will be written. Used from one
/// queue at a time (the engine's), hence unchecked.
///
/// The metadata always describes files that are there, whenever the program is killed. A
/// copy's new version is first written under a versioned name (`chunk-1.json.v3`); when the
/// metadata describing it comes, the metadata is written pointing at that name, then the copy
/// takes its own name, then the metadata is written as the nodes made it, pointing at the copy's
/// own name, and the versioned file goes. Each step is an atomic rename, and after each one
/// every path the metadata names holds the version and checksum it gives.
public final class DiskStorage: StoragePort, @unchecked Sendable {
    public let out: String
    public let writeBehind: Bool
    /// Writes waiting for `flush()`: the bytes and their checksum, by path.
    private var waiting: [String: (bytes: [UInt8], sha256: String)] = [:]
    /// Workbooks waiting for `flush()` or `settle()`: the last rows, by path.
    private var waitingWorkbooks: [String: [ResultRow]] = [:]
    /// Where a workbook goes when set (the live program's background queue, which writes the
    /// latest and reports a failure itself); otherwise it waits like a write-behind file.
    public var writeWorkbookLater: (@Sendable (_ path: String, _ rows: [ResultRow]) -> Void)?
    private var madeDirectories: Set<String> = []
    /// A copy written under its versioned name, not yet in place.
    private struct Versioned {
        var path: String
        var bytes: [UInt8]
        var sha256: String
    }
    /// By the copy's own path.
    private var versioned: [String: Versioned] = [:]
    /// The metadata on disk points at versioned names (a write that failed half-way): its
    /// checksum, and that of the metadata it stands for.
    private var pointing: (written: String, standsFor: String)?
    /// What the metadata this run last wrote says of each copy: its checksum, by path.
    private var described: [String: String] = [:]
    /// The first write that failed, for the program's exit message.
    public private(set) var firstError: StorageError?
    /// Called after each file is put in place or removed: a test looks at the directory at
    /// every step a kill could stop at.
    var afterEachStep: (() -> Void)?

    public init(out: String, writeBehind: Bool = false) {
        self.out = out
        self.writeBehind = writeBehind
    }

    public func persist(path: String, bytes: [UInt8], sha256: String) -> StorageOutcome {
        if writeBehind {
            waiting[path] = (bytes, sha256)
            return .ok
        }
        if path == ReplicaFiles.metadataName { return putMetadata(bytes) }
        // A copy the metadata on disk already describes (a repair) goes straight in place.
        if let name = ReplicaFiles.versionedPath(of: path, bytes: bytes), described[path] != sha256 {
            let outcome = write(name, bytes)
            if outcome == .ok { keepVersioned(path, Versioned(path: name, bytes: bytes, sha256: sha256)) }
            return outcome
        }
        return write(path, bytes)
    }

    private func keepVersioned(_ path: String, _ v: Versioned) {
        // An older versioned file nobody describes goes (one the metadata on disk points at stays).
        if let old = versioned[path], old.path != v.path, pointing == nil { remove(old.path) }
        versioned[path] = v
    }

    /// Whether `path` (relative to `out`) stays inside `out`: no directory on the way is a
    /// symbolic link (one could lead reads and writes anywhere).
    private func staysInside(_ path: String) -> Bool {
        var dir = out
        for part in path.split(separator: "/").dropLast() {
            dir += "/" + part
            if FileSystem.isSymbolicLink(dir) { return false }
        }
        return true
    }

    /// Making a workbook is slow next to an event (a thousand rows, zipped): one waits, and
    /// only the last version is made, at the next `flush()` or `settle()`, or on the queue of
    /// `writeWorkbookLater`.
    public func persistWorkbook(path: String, rows: [ResultRow]) {
        if let later = writeWorkbookLater {
            later(out + "/" + path, rows)
        } else {
            waitingWorkbooks[path] = rows
        }
    }

    /// Writes the waiting workbooks (in path order).
    private func writeWorkbooks() {
        let all = waitingWorkbooks.sorted { $0.key < $1.key }
        waitingWorkbooks.removeAll()
        for (path, rows) in all {
            guard staysInside(path) else {
                firstError = firstError ?? StorageError(path: out + "/" + path, reason: "a directory on the way is a symbolic link, which could lead outside --out; Proctor does not follow it")
                continue
            }
            do throws(StorageError) {
                let full = out + "/" + path
                try FileSystem.makeDirectories(directory(of: full))
                try ResultsWorkbook.write(rows, to: full)
                afterEachStep?()
            } catch {
                firstError = firstError ?? error
            }
        }
    }

    public func check(path: String, sha256: String) -> StorageOutcome {
        if let w = waiting[path] { return w.sha256 == sha256 ? .ok : .corrupt }
        // A copy not yet in place is its versioned file.
        let file = versioned[path]?.path ?? path
        guard staysInside(file) else {
            firstError = firstError ?? StorageError(path: out + "/" + file, reason: "a directory on the way is a symbolic link, which could lead outside --out; Proctor does not follow it")
            return .error
        }
        // A copy replaced by a link is not the copy: corrupt, to be rewritten as a file.
        if FileSystem.isSymbolicLink(out + "/" + file) { return .corrupt }
        guard FileSystem.exists(out + "/" + file) else { return .missing }
        guard let bytes = try? FileSystem.read(out + "/" + file) else { return .error }
        let sha = ReplicaFiles.sha256(bytes)
        // Metadata left pointing at versioned names stands for the metadata main wrote.
        if path == ReplicaFiles.metadataName, let p = pointing, p.standsFor == sha256 { return sha == p.written ? .ok : .corrupt }
        return sha == sha256 ? .ok : .corrupt
    }

    public func discard(path: String) {
        waiting[path] = nil
        waitingWorkbooks[path] = nil
        if let v = versioned.removeValue(forKey: path) { remove(v.path) }
        if path == ReplicaFiles.metadataName {
            described = [:]
            pointing = nil
        }
        remove(path)
    }

    /// Writes the metadata, putting in place on the way every versioned copy it describes.
    private func putMetadata(_ bytes: [UInt8]) -> StorageOutcome {
        let copies = ReplicaFiles.parseMetadata(bytes)?.copies.joined().compactMap { $0 } ?? []
        let describes = Dictionary(copies.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        let moving = copies.compactMap { d in versioned[d.path].flatMap { $0.sha256 == d.sha256 ? (d.path, $0) : nil } }
        guard !moving.isEmpty else {
            let outcome = write(ReplicaFiles.metadataName, bytes)
            if outcome == .ok {
                pointing = nil
                described = describes
            }
            return outcome
        }
        // 1. The metadata, pointing at the versioned files.
        let names = Dictionary(uniqueKeysWithValues: moving.map { ($0.0, $0.1.path) })
        guard let interim = ReplicaFiles.metadata(bytes, pointing: names) else { return write(ReplicaFiles.metadataName, bytes) }
        guard write(ReplicaFiles.metadataName, interim) == .ok else { return .error }
        pointing = (ReplicaFiles.sha256(interim), ReplicaFiles.sha256(bytes))
        // 2. The copies in their own place.
        for (path, v) in moving {
            guard write(path, v.bytes) == .ok else { return .error }
        }
        // 3. The metadata as main made it.
        guard write(ReplicaFiles.metadataName, bytes) == .ok else { return .error }
        pointing = nil
        described = describes
        // 4. The versioned files, described no more.
        for (path, v) in moving {
            remove(v.path)
            versioned[path] = nil
        }
        return .ok
    }

    /// Puts in place the versioned copies no metadata has described (a run that ends with a
    /// replica ahead of main's metadata: the files show what each replica holds), and writes
    /// the waiting workbooks.
    public func settle() {
        writeWorkbooks()
        for (path, v) in versioned.sorted(by: { $0.key < $1.key }) {
            guard write(path, v.bytes) == .ok else { continue }
            if pointing == nil { remove(v.path) }
            versioned[path] = nil
        }
    }

    /// Writes every waiting file (in path order, so runs are repeatable). The copies are all
    /// written and flushed to disk under their versioned names first, in one pass; then the
    /// metadata puts them in place as `persist` does.
    public func flush() throws(StorageError) {
        writeWorkbooks()
        let all = waiting.sorted { $0.key < $1.key }
        waiting.removeAll()
        var staged: [(path: String, copy: Versioned, writer: AtomicFileWriter)] = []
        var metadata: [UInt8]?
        do throws(StorageError) {
            for (path, (bytes, sha256)) in all {
                if path == ReplicaFiles.metadataName {
                    metadata = bytes
                } else if let name = ReplicaFiles.versionedPath(of: path, bytes: bytes) {
                    let w = try open(name)
                    staged.append((path, Versioned(path: name, bytes: bytes, sha256: sha256), w))
                    try w.write(bytes)
                    try w.flushToDisk()
                } else if write(path, bytes) == .error, let e = firstError {
                    throw e
                }
            }
            for s in staged {
                try s.writer.commit()
                afterEachStep?()
            }
        } catch {
            for s in staged { s.writer.abort() }
            firstError = firstError ?? error
            throw error
        }
        for s in staged { keepVersioned(s.path, s.copy) }
        if let metadata, putMetadata(metadata) == .error, let e = firstError { throw e }
        settle()
        if let e = firstError { throw e }
    }

    private func write(_ path: String, _ bytes: [UInt8]) -> StorageOutcome {
        do throws(StorageError) {
            let w = try open(path)
            do throws(StorageError) {
                try w.write(bytes)
                try w.commit()
                afterEachStep?()
            } catch {
                w.abort()
                throw error
            }
            return .ok
        } catch {
            firstError = firstError ?? error
            return .error
        }
    }

    private func remove(_ path: String) {
        FileSystem.remove(out + "/" + path)
        afterEachStep?()
    }

    /// A writer for `path` inside `out`: no symbolic link on the way, a link in the copy's
    /// place replaced by the file itself, the directories made.
    private func open(_ path: String) throws(StorageError) -> AtomicFileWriter {
        let full = out + "/" + path
        guard staysInside(path) else {
            throw StorageError(path: full, reason: "a directory on the way is a symbolic link, which could lead outside --out; Proctor does not follow it")
        }
        if FileSystem.isSymbolicLink(full) { unlink(full) }
        if let slash = full.lastIndex(of: "/") {
            let dir = String(full[..<slash])
            if !madeDirectories.contains(dir) {
                try FileSystem.makeDirectories(dir)
                madeDirectories.insert(dir)
            }
        }
        return try AtomicFileWriter(path: full)
    }
}

/// Files in a map: unit tests, and any run without an output directory.
public final class MemoryStorage: StoragePort, @unchecked Sendable {
    public private(set) var files: [String: [UInt8]] = [:]
    /// The workbooks' last rows, by path (making the file itself is the disk's business).
    public private(set) var workbooks: [String: [ResultRow]] = [:]

    public init() {}

    public func persist(path: String, bytes: [UInt8], sha256: String) -> StorageOutcome {
        files[path] = bytes
        return .ok
    }

    public func check(path: String, sha256: String) -> StorageOutcome {
        guard let bytes = files[path] else { return .missing }
        return ReplicaFiles.sha256(bytes) == sha256 ? .ok : .corrupt
    }

    public func persistWorkbook(path: String, rows: [ResultRow]) {
        workbooks[path] = rows
    }

    public func discard(path: String) {
        files[path] = nil
        workbooks[path] = nil
    }

    /// Replaces a file behind the nodes' backs (a test's corruption).
    public func overwrite(_ path: String, with bytes: [UInt8]?) {
        files[path] = bytes
    }
}
