#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FoundationEssentials
import Synchronization

/// A file that appears complete or not at all: bytes go to a temporary file beside the
/// target, and `commit` flushes it to disk and renames it into place.
public final class AtomicFileWriter: @unchecked Sendable {
    // Used from one queue at a time (the caller's I/O queue).
    public let path: String
    private let tempPath: String
    private var fd: Int32

    public init(path: String) throws(StorageError) {
        self.path = try Self.target(of: path)
        let url = URL(fileURLWithPath: self.path)
        FileSystem.removeStaleTemporaries(in: url.deletingLastPathComponent().path, of: url.lastPathComponent)
        tempPath = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(Self.nextSerial())").path
        fd = open(tempPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError(path: path, errno: errno) }
    }

    /// The file a write to `path` replaces: `path` itself, or, through symbolic links, the
    /// regular file they lead to. Anything else already there — a directory, a device, a FIFO,
    /// a socket — is refused: renaming over it would destroy it, and writing into it is not
    /// what an output file is.
    static func target(of path: String) throws(StorageError) -> String {
        var st = stat()
        guard lstat(path, &st) == 0 else { return path }      // nothing there yet
        var resolved = path
        if st.st_mode & S_IFMT == S_IFLNK {
            guard let real = realpath(path, nil) else {
                throw StorageError(path: path, reason: "it is a symbolic link that leads nowhere (\(String(cString: strerror(errno))))")
            }
            resolved = String(cString: real)
            free(real)
            guard stat(resolved, &st) == 0 else { return resolved }
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return resolved
        case S_IFDIR: throw StorageError(path: path, reason: "it is a directory; give a file name")
        case S_IFCHR, S_IFBLK: throw StorageError(path: path, reason: "it is a device, not a regular file; Proctor writes only regular files")
        case S_IFIFO: throw StorageError(path: path, reason: "it is a FIFO, not a regular file; Proctor writes only regular files")
        case S_IFSOCK: throw StorageError(path: path, reason: "it is a socket, not a regular file; Proctor writes only regular files")
        default: throw StorageError(path: path, reason: "it is not a regular file")
        }
    }

    /// Checks, before anything is created, that a file can be written at `path`: what is
    /// there is a regular file (or nothing), and its directory, when it exists, takes files.
    /// A directory that does not exist yet is fine when it is `out` itself (the run makes
    /// it), not elsewhere.
    public static func checkWritable(_ path: String, out: String) throws(StorageError) {
        let target = try target(of: path)
        let dir = directory(of: target)
        if FileSystem.isDirectory(dir) {
            if access(dir, W_OK | X_OK) != 0 { throw StorageError(path: path, errno: errno) }
        } else if FileSystem.exists(dir) {
            throw StorageError(path: path, reason: "\(dir) is not a directory")
        } else {
            let outDir = out.hasSuffix("/") ? String(out.dropLast()) : out
            let normalized = dir.hasPrefix("./") ? String(dir.dropFirst(2)) : dir
            let outNormalized = outDir.hasPrefix("./") ? String(outDir.dropFirst(2)) : outDir
            guard normalized == outNormalized else {
                throw StorageError(path: path, reason: "its directory \(dir) does not exist")
            }
        }
    }

    /// Numbers the temporary files of one process, so two writers never share one.
    private static let serial = Mutex(0)
    static func nextSerial() -> Int { serial.withLock { $0 += 1; return $0 } }

    /// The file that holds what was written so far, until `commit` renames it into place.
    public var writtenPath: String { tempPath }

    /// Bytes written so far, and how many of them end with the last whole line.
    private var length = 0
    private var wholeLines = 0

    public func write(_ bytes: [UInt8]) throws(StorageError) {
        guard fd >= 0 else { throw StorageError(path: path, reason: "the file was already closed") }
        flushed = false
        var offset = 0
        defer {
            if let nl = bytes[..<offset].lastIndex(of: UInt8(ascii: "\n")) { wholeLines = length + nl + 1 }
            length += offset
        }
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError(path: path, errno: errno)
            }
            offset += n
        }
    }

    /// Completes a file of lines whose writing failed part-way: cut back to the last whole
    /// line, `marker` appended (a line saying the file is incomplete), then flushed and
    /// renamed into place as `commit` does. On a full disk a few more lines give way to the
    /// marker. When even that fails, nothing replaces the target.
    public func commitIncomplete(marker: [UInt8]) throws(StorageError) {
        guard fd >= 0 else { throw StorageError(path: path, reason: "the file was already closed") }
        var end = wholeLines
        for attempt in 0..<3 {
            do throws(StorageError) {
                try truncate(to: end)
                try write(marker)
                try commit()
                return
            } catch {
                guard attempt < 2, fd >= 0, end > 0 else { abort(); throw error }
                end = lineStart(atOrBefore: end - (4096 << (2 * attempt)))
            }
        }
    }

    /// An event log whose run stopped at `error` (its own write, or another file's), saved
    /// with `commitIncomplete` and a `log_incomplete` line at virtual time `at`. Returns the
    /// error for the exit message, saying what became of the log.
    func saveIncompleteLog(after error: StorageError, at: VirtualTime) -> StorageError {
        let marker = EventLogEncoder.incompleteMarker(at: at, reason: error.description)
        let what: String
        do throws(StorageError) {
            try commitIncomplete(marker: marker)
            what = "the event log \(path) was saved incomplete, up to \(at.milliseconds) ms; its last line (log_incomplete) says so"
        } catch {
            what = "the event log \(path) was not saved"
        }
        return StorageError(path: error.path, reason: error.reason + " — " + what)
    }

    /// The end of the last whole line at or before `offset` (0 if none).
    private func lineStart(atOrBefore offset: Int) -> Int {
        var pos = max(0, offset)
        var window = [UInt8](repeating: 0, count: 1 << 16)
        while pos > 0 {
            let from = max(0, pos - window.count)
            let n = window.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, pos - from, off_t(from)) }
            guard n == pos - from else { return 0 }
            if let nl = window[..<n].lastIndex(of: UInt8(ascii: "\n")) { return from + nl + 1 }
            pos = from
        }
        return 0
    }

    /// Flushes what was written so far to disk (the file stays open and temporary).
    public func flushToDisk() throws(StorageError) {
        guard fd >= 0 else { return }
        if fsync(fd) != 0 { throw StorageError(path: path, errno: errno) }
        flushed = true
    }

    /// Nothing written since the last flush to disk: `commit` need not flush again.
    private var flushed = false

    /// Flushes, closes and renames the file into place.
    public func commit() throws(StorageError) {
        guard fd >= 0 else { return }
        defer { fd = -1 }
        if !flushed, fsync(fd) != 0 { let e = errno; close(fd); unlink(tempPath); throw StorageError(path: path, errno: e) }
        if close(fd) != 0 { let e = errno; unlink(tempPath); throw StorageError(path: path, errno: e) }
        if rename(tempPath, path) != 0 { let e = errno; unlink(tempPath); throw StorageError(path: path, errno: e) }
    }

    /// Cuts what was written back to its first `length` bytes, the end of a line (a step back
    /// that branched: the log of the discarded future goes).
    public func truncate(to length: Int) throws(StorageError) {
        guard fd >= 0 else { return }
        if ftruncate(fd, off_t(length)) != 0 || lseek(fd, off_t(length), SEEK_SET) < 0 { throw StorageError(path: path, errno: errno) }
        self.length = length
        wholeLines = length
    }

    /// Discards the temporary file; the target is left as it was.
    public func abort() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(tempPath)
    }

    deinit { abort() }

    /// Writes a whole file atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws(StorageError) {
        let w = try AtomicFileWriter(path: path)
        try w.write(bytes)
        try w.commit()
    }
}

/// A file or directory that could not be written, with the reason in words.
public struct StorageError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public init(path: String, errno code: Int32) {
        self.init(path: path, reason: String(cString: strerror(code)))
    }

    public var description: String { "cannot write \(path): \(reason)" }

    /// For the screen, where a long path may not fit: the file's name and the reason first,
    /// the whole path last.
    public var notice: String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return "\(name) not saved: \(reason) (\(path))"
    }
}

public enum OutputDirectory {
    /// Creates `path` (and its parents) if needed and checks that it accepts files.
    public static func prepare(_ path: String) throws(StorageError) {
        try FileSystem.makeDirectories(path)
        guard FileSystem.isDirectory(path) else {
            throw StorageError(path: path, reason: "it is not a directory")
        }
        guard access(path, W_OK | X_OK) == 0 else { throw StorageError(path: path, errno: errno) }
        // Permission bits do not tell everything (/proc as root): a file is made and removed,
        // so a directory that cannot hold the outputs is found before the run, not after it.
        let probe = path + "/.proctor-probe-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError(path: path, reason: "files cannot be created there (\(String(cString: strerror(errno))))") }
        close(fd)
        unlink(probe)
        // A run killed before it finished leaves its temporary files (at N = 1,000 the event
        // log's is half a gigabyte): those of processes no longer running go now.
        FileSystem.removeStaleTemporaries(in: path)
        for k in 1...3 { FileSystem.removeStaleTemporaries(in: path + "/replicas/replica-\(k)") }
        // The replicas and metadata of an earlier run go: a run killed before writing its own
        // must not leave the old ones beside its files, looking like its replicas.
        // Never through a symbolic link on the way (it could lead outside --out).
        // The metadata first describes no copy, then the copies go, then the metadata: a
        // kill on the way never leaves metadata naming a file that is not there, nor copies
        // without metadata.
        let isLink = FileSystem.isSymbolicLink
        let metadata = path + "/" + ReplicaFiles.metadataName
        let replicas = isLink(path + "/replicas") ? [] : (1...ReplicationCoordinator.replicaCount).filter { !isLink(path + "/replicas/replica-\($0)") }
        if FileSystem.exists(metadata), !isLink(metadata) {
            try AtomicFileWriter.write(ReplicaFiles.metadata(copies: [], rolls: []), to: metadata)
        }
        for k in replicas {
            for c in 1...ReplicationCoordinator.chunkCount {
                let copy = path + "/" + ReplicaFiles.path(replica: k, chunk: c)
                FileSystem.remove(copy)
                FileSystem.removeVersions(of: copy)
            }
        }
        FileSystem.remove(metadata)
    }
}

/// The few file-system calls Proctor makes, with errors in words (`strerror`).
public enum FileSystem {
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Removes a file if it is there.
    public static func remove(_ path: String) {
        unlink(path)
    }

    /// Removes from `dir` the temporary files Proctor writes beside an output
    /// (`.NAME.tmp-PID` or `.NAME.tmp-PID-N`) whose process is no longer running.
    public static func removeStaleTemporaries(in dir: String, of file: String? = nil) {
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        var stale: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix("."), let r = name.ranges(of: ".tmp-").last else { continue }
            if let file, name[name.index(after: name.startIndex)..<r.lowerBound] != file { continue }
            let tail = name[r.upperBound...].split(separator: "-")
            guard let first = tail.first, let pid = Int32(first), tail.count <= 2, tail.allSatisfy({ Int($0) != nil }) else { continue }
            if pid != getpid(), kill(pid, 0) != 0, errno == ESRCH { stale.append(dir + "/" + name) }
        }
        for path in stale { unlink(path) }
    }

    /// Removes the versioned files of a copy (`chunk-1.json.v3`) a killed run left.
    public static func removeVersions(of copy: String) {
        guard let slash = copy.lastIndex(of: "/") else { return }
        let dir = String(copy[..<slash]), prefix = copy[copy.index(after: slash)...] + ".v"
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        var found: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(prefix), name.dropFirst(prefix.count).allSatisfy(\.isNumber), name.count > prefix.count { found.append(dir + "/" + name) }
        }
        for p in found { unlink(p) }
    }

    /// Whether `path` itself is a symbolic link (not followed).
    public static func isSymbolicLink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Creates `path` and any missing parents (`mkdir -p`).
    public static func makeDirectories(_ path: String) throws(StorageError) {
        if isDirectory(path) { return }
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !parent.isEmpty && parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw StorageError(path: path, reason: "the directory cannot be created (\(String(cString: strerror(errno))))")
        }
    }

    /// The whole contents of a file, or its first `limit` bytes.
    public static func read(_ path: String, atMost limit: Int = .max) throws(StorageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError(path: path, errno: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError(path: path, errno: errno)
            }
            if n == 0 { return out }
            out += chunk[..<n]
            if out.count >= limit { return out }
        }
    }
}
