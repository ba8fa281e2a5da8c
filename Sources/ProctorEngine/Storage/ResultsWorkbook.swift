import CXLSXWriter
#if canImport(Glibc)
import Glibc
#endif

/// One row of the results sheet. Absent values are left as empty cells.
public struct ResultRow: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, submitted, terminated }
    public var roll: Int
    public var name: String
    public var mcq: Int?
    public var warnings: Int
    public var final: Int?
    public var status: Status
    public var server: NodeID?
    public var isa: Int?

    public static func pending(_ s: RosterEntry) -> ResultRow {
        ResultRow(roll: s.roll, name: s.name, mcq: nil, warnings: 0, final: nil, status: .pending, server: nil, isa: nil)
    }
}

/// `results.xlsx`: one sheet, a header row, one row per student in roll order; numbers are
/// stored as numbers. Written with libxlsxwriter to a temporary file, flushed and renamed
/// into place, so a reader never sees half a workbook.
public enum ResultsWorkbook {
    public static let header = ["Roll", "Name", "MCQ", "Warnings", "Final", "Status", "Server", "ISA"]
    /// Its path, relative to the output directory.
    public static let fileName = "results.xlsx"
    /// The creation time the workbook states (2026-01-01 00:00 UTC), the same for every run:
    /// the same seed gives the same bytes, which a wall-clock time would not.
    public static let created: time_t = 1_767_225_600

    public static func write(_ rows: [ResultRow], to path: String) throws(StorageError) {
        let path = try AtomicFileWriter.target(of: path)
        let dir = directory(of: path)
        let temp = dir + "/.results.xlsx.tmp-\(getpid())-\(AtomicFileWriter.nextSerial())"
        // libxlsxwriter's own temporary files go beside the output, not to /tmp: a full /tmp
        // must not make a workbook that cannot be opened.
        var options = lxw_workbook_options()
        let made: UnsafeMutablePointer<lxw_workbook>? = dir.withCString { d in
            options.tmpdir = UnsafeMutablePointer(mutating: d)
            return workbook_new_opt(temp, &options)
        }
        guard let wb = made else { throw StorageError(path: path, reason: "the workbook cannot be created") }
        // Every call is checked; the first failure is the one reported.
        var failure = LXW_NO_ERROR
        func check(_ e: lxw_error) { if failure == LXW_NO_ERROR && e != LXW_NO_ERROR { failure = e } }
        guard let ws = workbook_add_worksheet(wb, "Results"), let bold = workbook_add_format(wb) else {
            _ = workbook_close(wb)
            unlink(temp)
            throw StorageError(path: path, reason: "the worksheet cannot be created (out of memory?)")
        }
        var properties = lxw_doc_properties()
        properties.created = created
        check(workbook_set_properties(wb, &properties))
        format_set_bold(bold)
        for (c, h) in header.enumerated() { check(worksheet_write_string(ws, 0, lxw_col_t(c), h, bold)) }
        for (i, r) in rows.enumerated() {
            let row = lxw_row_t(i + 1)
            func number(_ col: Int, _ v: Int?) { if let v { check(worksheet_write_number(ws, row, lxw_col_t(col), Double(v), nil)) } }
            func text(_ col: Int, _ v: String?) { if let v { check(worksheet_write_string(ws, row, lxw_col_t(col), v, nil)) } }
            number(0, r.roll)
            text(1, r.name)
            number(2, r.mcq)
            number(3, r.warnings)
            number(4, r.final)
            text(5, r.status.rawValue)
            text(6, r.server?.description)
            number(7, r.isa)
        }
        check(worksheet_set_column(ws, 1, 1, 16, nil))
        errno = 0
        let closed = workbook_close(wb)
        let closeErrno = errno
        if failure == LXW_NO_ERROR { failure = closed }
        guard failure == LXW_NO_ERROR else {
            unlink(temp)
            // The zip failed on the disk (full, say): the system's reason says more than the library's.
            if failure == LXW_ERROR_ZIP_FILE_OPERATION || failure == LXW_ERROR_CREATING_XLSX_FILE, closeErrno != 0 {
                throw StorageError(path: path, errno: closeErrno)
            }
            throw StorageError(path: path, reason: String(cString: lxw_strerror(failure)))
        }
        let fd = open(temp, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            unlink(temp)
            throw StorageError(path: path, errno: e)
        }
        let synced = fsync(fd) == 0 ? 0 : errno
        close(fd)
        guard synced == 0 else {
            unlink(temp)
            throw StorageError(path: path, errno: synced)
        }
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw StorageError(path: path, errno: e)
        }
    }
}

/// The directory part of a path.
func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
