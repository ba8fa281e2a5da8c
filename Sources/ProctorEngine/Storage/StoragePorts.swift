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
    func persist(path: String, bytes: [UInt8]) -> StorageOutcome
    func check(path: String, sha256: String) -> StorageOutcome
    /// Removes a file (a step back that branched before the file was first written).
    func discard(path: String)
}

/// Real files under an output directory. With `writeBehind`, writes wait in memory until
/// `flush()` (headless mode, where a thousand demo writes fall in a few wall seconds), and a
/// check of a waiting file is answered from the bytes that will be written. Used from one
/// queue at a time (the engine's), hence unchecked.
public final class DiskStorage: StoragePort, @unchecked Sendable {
    public let out: String
    public let writeBehind: Bool
    private var waiting: [String: [UInt8]] = [:]
    private var madeDirectories: Set<String> = []
    /// The first write that failed, for the program's exit message.
    public private(set) var firstError: StorageError?

    public init(out: String, writeBehind: Bool = false) {
        self.out = out
        self.writeBehind = writeBehind
    }

    public func persist(path: String, bytes: [UInt8]) -> StorageOutcome {
        if writeBehind {
            waiting[path] = bytes
            return .ok
        }
        return write(path, bytes)
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

    public func check(path: String, sha256: String) -> StorageOutcome {
        if let bytes = waiting[path] { return ReplicaFiles.sha256(bytes) == sha256 ? .ok : .corrupt }
        guard staysInside(path) else {
            firstError = firstError ?? StorageError(path: out + "/" + path, reason: "a directory on the way is a symbolic link, which could lead outside --out; Proctor does not follow it")
            return .error
        }
        // A copy replaced by a link is not the copy: corrupt, to be rewritten as a file.
        if FileSystem.isSymbolicLink(out + "/" + path) { return .corrupt }
        guard FileSystem.exists(out + "/" + path) else { return .missing }
        guard let bytes = try? FileSystem.read(out + "/" + path) else { return .error }
        return ReplicaFiles.sha256(bytes) == sha256 ? .ok : .corrupt
    }

    public func discard(path: String) {
        waiting[path] = nil
        FileSystem.remove(out + "/" + path)
    }

    /// Writes every waiting file (in path order, so runs are repeatable: the copies before
    /// the metadata). Every file is first written and flushed to disk under its temporary
    /// name; only then are they all put in place, in one quick pass of renames — so a run
    /// killed while writing leaves the metadata and the copies beside it out of step for
    /// microseconds, not for the length of a dozen disk flushes.
    public func flush() throws(StorageError) {
        let all = waiting.sorted { $0.key < $1.key }
        waiting.removeAll()
        var staged: [AtomicFileWriter] = []
        do throws(StorageError) {
            for (path, bytes) in all {
                let w = try open(path)
                staged.append(w)
                try w.write(bytes)
                try w.flushToDisk()
            }
            for w in staged { try w.commit() }
        } catch {
            for w in staged { w.abort() }
            firstError = firstError ?? error
            throw error
        }
    }

    private func write(_ path: String, _ bytes: [UInt8]) -> StorageOutcome {
        do throws(StorageError) {
            let w = try open(path)
            do throws(StorageError) {
                try w.write(bytes)
                try w.commit()
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

    public init() {}

    public func persist(path: String, bytes: [UInt8]) -> StorageOutcome {
        files[path] = bytes
        return .ok
    }

    public func check(path: String, sha256: String) -> StorageOutcome {
        guard let bytes = files[path] else { return .missing }
        return ReplicaFiles.sha256(bytes) == sha256 ? .ok : .corrupt
    }

    public func discard(path: String) {
        files[path] = nil
    }

    /// Replaces a file behind the nodes' backs (a test's corruption).
    public func overwrite(_ path: String, with bytes: [UInt8]?) {
        files[path] = bytes
    }
}
