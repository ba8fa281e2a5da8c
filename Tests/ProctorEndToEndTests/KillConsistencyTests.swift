import Crypto
import Foundation
import Testing

/// Headless runs of the real binary, killed with SIGKILL at random moments, leave outputs
/// that parse, and a `replication_metadata.json` that matches the replica copies beside it.
/// The kill moments come from a fixed-seed generator, so a failure reproduces (as far as the
/// machine's timing allows).
@Suite(.serialized) struct KillConsistencyTests {
    /// One kind of run to kill.
    struct Configuration: Sendable, CustomTestStringConvertible {
        var students: Int
        /// Seed of the finished run; kill k runs with `firstSeed + k`.
        var firstSeed: Int
        var kills: Int
        /// The number of kills when the finished run takes over 20 s: the kill moments are
        /// then drawn up to 15 s only.
        var killsIfSlow: Int
        /// Each killed run goes into an `--out` that already holds a finished run (seed 1,
        /// 40 students).
        var intoFinishedRun: Bool
        /// `--events` is passed to the finished run and to every n-th kill; nil: never (the
        /// log of 1000 students is half a gigabyte).
        var eventsEvery: Int?
        /// Seed of the generator that draws the kill moments.
        var momentSeed: UInt64

        var testDescription: String {
            intoFinishedRun ? "N = \(students) into an --out holding a finished run" : "N = \(students)"
        }

        func arguments(seed: Int, out: String, events: String?) -> [String] {
            ["--headless", "--seed", "\(seed)", "--students", "\(students)", "--out", out]
                + (events.map { ["--events", $0] } ?? [])
        }
    }

    static let configurations: [Configuration] = [
        Configuration(students: 40, firstSeed: 1, kills: 24, killsIfSlow: 24, intoFinishedRun: false, eventsEvery: 3, momentSeed: 0x4B11_0040),
        Configuration(students: 200, firstSeed: 200, kills: 12, killsIfSlow: 12, intoFinishedRun: false, eventsEvery: 3, momentSeed: 0x4B11_0200),
        Configuration(students: 1000, firstSeed: 1000, kills: 6, killsIfSlow: 5, intoFinishedRun: false, eventsEvery: nil, momentSeed: 0x4B11_1000),
        Configuration(students: 30, firstSeed: 2, kills: 10, killsIfSlow: 10, intoFinishedRun: true, eventsEvery: 2, momentSeed: 0x4B11_0030),
    ]

    /// For each configuration: one finished run (exit 0, consistent outputs) measures the
    /// run's wall time D; then each kill is of a fresh run, at a moment drawn uniformly in
    /// [2 ms, D], and the checker must find the outputs consistent.
    @Test(arguments: configurations)
    func killedRunsLeaveConsistentOutputs(_ c: Configuration) throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }

        let finishedOut = "\(base)/out-0", finishedEvents = c.eventsEvery == nil ? nil : "\(base)/events-0.jsonl"
        if c.intoFinishedRun {
            let setup = try runProgram(proctorBinary, Self.setupArguments(out: finishedOut))
            try #require(setup.status == 0, "the run of seed 1 exited \(setup.status): \(setup.stderr)")
        }
        let started = ContinuousClock.now
        let finished = try runProgram(proctorBinary, c.arguments(seed: c.firstSeed, out: finishedOut, events: finishedEvents))
        let d = seconds(since: started)
        try #require(finished.status == 0, "\(c.testDescription), seed \(c.firstSeed): exited \(finished.status): \(finished.stderr)")
        let finishedProblems = outputProblems(out: finishedOut, events: finishedEvents)
        #expect(finishedProblems.isEmpty, "\(c.testDescription), finished run of seed \(c.firstSeed):\n  - \(finishedProblems.joined(separator: "\n  - "))")

        let slow = d > 20
        let window = 0.002...max(0.002, slow ? min(d, 15) : d)
        let kills = slow ? c.killsIfSlow : c.kills
        var moments = SplitMix64(seed: c.momentSeed)
        var failures: [String] = []
        var finishedBeforeKill = 0
        for k in 1...kills {
            let seed = c.firstSeed + k
            let out = "\(base)/out-\(k)"
            // `--events DIR/../events-k.jsonl`, outside DIR.
            let events = c.eventsEvery.flatMap { (k - 1) % $0 == 0 ? "\(base)/events-\(k).jsonl" : nil }
            let moment = moments.uniform(in: window)
            let what = "\(c.testDescription), kill \(k) of \(kills) (seed \(seed)\(events == nil ? "" : ", with --events"))"
            if c.intoFinishedRun {
                let setup = try runProgram(proctorBinary, Self.setupArguments(out: out))
                let problems = outputProblems(out: out, events: nil)
                if setup.status != 0 || !problems.isEmpty {
                    let stderr = setup.stderr.isEmpty ? [] : ["stderr: \(setup.stderr)"]
                    failures.append("\(what): the finished run of seed 1 beforehand exited \(setup.status)\n    - "
                        + (problems + stderr).joined(separator: "\n    - "))
                    continue
                }
            }
            let pid = try spawnProgram(proctorBinary, c.arguments(seed: seed, out: out, events: events))
            let spawned = ContinuousClock.now
            usleep(useconds_t(moment * 1_000_000))
            let elapsed = seconds(since: spawned)
            kill(pid, SIGKILL)
            var problems: [String] = []
            switch waitForExit(pid) {
            case 128 + SIGKILL: break
            case 0: finishedBeforeKill += 1
            case let code where code > 128: problems.append("the program ended by signal \(code - 128), not by the SIGKILL")
            case let code: problems.append("the program exited with status \(code) before the kill")
            }
            problems += outputProblems(out: out, events: events)
            if !problems.isEmpty {
                failures.append("\(what): killed \(duration(elapsed)) after the start (drawn \(duration(moment)), D = \(duration(d)))\n    - "
                    + problems.joined(separator: "\n    - "))
            }
            try? FileManager.default.removeItem(atPath: out)
            if let events { try? FileManager.default.removeItem(atPath: events) }
        }
        print("\(c.testDescription): \(kills) kills in [\(duration(window.lowerBound)), \(duration(window.upperBound))] "
            + "(D = \(duration(d)), \(finishedBeforeKill) finished before the kill), \(failures.count) inconsistent")
        #expect(failures.isEmpty, "\(failures.count) of \(kills) kills left inconsistent outputs:\n\(failures.joined(separator: "\n"))")
    }

    /// The checker finds each of four tamperings of a finished output, each as one problem
    /// naming the file and what is wrong.
    @Test func theCheckerReportsTamperedOutputs() throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let out = "\(base)/out", events = "\(base)/events.jsonl"
        let r = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--students", "40", "--out", out, "--events", events])
        try #require(r.status == 0, "\(r.stderr)")
        try #require(outputProblems(out: out, events: events).isEmpty)

        let fm = FileManager.default
        func tampered(_ name: String, _ change: (_ out: String, _ events: String) throws -> Void) throws -> [String] {
            let copy = "\(base)/\(name)", copyEvents = "\(base)/\(name).jsonl"
            try fm.copyItem(atPath: out, toPath: copy)
            try fm.copyItem(atPath: events, toPath: copyEvents)
            try change(copy, copyEvents)
            return outputProblems(out: copy, events: copyEvents)
        }
        // One letter of a name, so the copy still parses.
        let edited = try tampered("edited") { out, _ in
            let path = "\(out)/replicas/replica-2/chunk-1.json"
            var bytes = try #require(fm.contents(atPath: path))
            let at = try #require(bytes.range(of: Data(#""Name":""#.utf8))).upperBound
            bytes[at] = bytes[at] == UInt8(ascii: "Q") ? UInt8(ascii: "X") : UInt8(ascii: "Q")
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        let unlisted = try tampered("unlisted") { out, _ in try fm.removeItem(atPath: "\(out)/replication_metadata.json") }
        let cut = try tampered("cut") { out, _ in
            let path = "\(out)/results.xlsx"
            let bytes = try #require(fm.contents(atPath: path))
            try bytes.prefix(bytes.count - 30).write(to: URL(fileURLWithPath: path))
        }
        let torn = try tampered("torn") { _, events in
            let bytes = try #require(fm.contents(atPath: events))
            try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: events))
        }
        #expect(edited.count == 1 && edited.first?.contains("replicas/replica-2/chunk-1.json: sha256") == true, "\(edited)")
        #expect(unlisted.count == 1 && unlisted.first?.contains("replication_metadata.json: missing") == true, "\(unlisted)")
        #expect(cut.count == 1 && cut.first?.contains("results.xlsx: no end-of-central-directory") == true, "\(cut)")
        #expect(torn.count >= 1 && torn.first?.contains("does not end with a newline") == true, "\(torn)")
        #expect(Set(edited + unlisted + cut + torn).count == edited.count + unlisted.count + cut.count + torn.count)
    }

    static func setupArguments(out: String) -> [String] {
        ["--headless", "--seed", "1", "--students", "40", "--out", out]
    }
}

// MARK: - The checker

/// What is inconsistent in the outputs a run (finished or killed) left in `out`, each
/// problem naming the file and what was expected and found; empty when all is consistent.
/// `events` is the `--events` file the run was given, if any. Hidden temporary files are
/// ignored. Independent of the engine's code: Foundation's JSON parser and swift-crypto.
private func outputProblems(out: String, events: String?) -> [String] {
    var problems: [String] = []
    let metadataName = "replication_metadata.json"
    let metadataPath = "\(out)/\(metadataName)"

    // 1. The metadata, and the copies it lists.
    let metadataKind = fileKind(metadataPath)
    if metadataKind != .absent {
        switch parseJSONFile(metadataPath) {
        case .failure(let why):
            problems.append("\(metadataName): \(why)")
        case .success(let top):
            if let top = top as? [String: Any], let chunks = top["chunks"] as? [Any] {
                for (i, entry) in chunks.enumerated() {
                    problems += metadataEntryProblems(entry, index: i, out: out, metadataName: metadataName)
                }
            } else if let top = top as? [String: Any] {
                problems.append("\(metadataName): \"chunks\" should be an array, found \(describe(top["chunks"]))")
            } else {
                problems.append("\(metadataName): the top level should be an object, found \(describe(top))")
            }
        }
    }

    // 2 and 3. Every file under replicas/.
    var copies: [String] = []
    for relative in filesUnder(out, "replicas") {
        let path = "\(out)/\(relative)"
        switch parseJSONFile(path) {
        case .failure(let why):
            problems.append("\(relative): \(why)")
            if chunkNumber(inCopyPath: relative) != nil { copies.append(relative) }
        case .success(let value):
            guard let c = chunkNumber(inCopyPath: relative) else { continue }
            copies.append(relative)
            guard let object = value as? [String: Any] else {
                problems.append("\(relative): the top level should be an object, found \(describe(value))")
                continue
            }
            if let chunk = integer(object["chunk"]) {
                if chunk != c { problems.append("\(relative): \"chunk\" should be \(c) (its file name), found \(chunk)") }
            } else {
                problems.append("\(relative): \"chunk\" should be an integer, found \(describe(object["chunk"]))")
            }
            if integer(object["version"]) == nil {
                problems.append("\(relative): \"version\" should be an integer, found \(describe(object["version"]))")
            }
            if !(object["rows"] is [Any]) {
                problems.append("\(relative): \"rows\" should be an array, found \(describe(object["rows"]))")
            }
        }
    }
    if !copies.isEmpty && metadataKind == .absent {
        problems.append("\(metadataName): missing, but \(copies.count) replica copies exist (\(copies.sorted().joined(separator: ", ")))")
    }

    // 4. The workbook.
    let workbook = "\(out)/results.xlsx"
    switch fileKind(workbook) {
    case .absent: break
    case .regular:
        if let bytes = FileManager.default.contents(atPath: workbook) {
            if !bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
                problems.append("results.xlsx: should start with PK\\3\\4, found \(hex(bytes.prefix(4))) (\(bytes.count) bytes)")
            }
            if bytes.suffix(65_557).range(of: Data([0x50, 0x4B, 0x05, 0x06])) == nil {
                problems.append("results.xlsx: no end-of-central-directory signature PK\\5\\6 in its last 65,557 bytes (\(bytes.count) bytes; it ends \(hex(bytes.suffix(8))))")
            }
        } else {
            problems.append("results.xlsx: cannot be read")
        }
    case let other:
        problems.append("results.xlsx: should be a regular file, found \(other)")
    }

    // 5. The event log.
    if let events, fileKind(events) != .absent {
        problems += eventLogProblems(events)
    }
    return problems
}

/// The problems of one entry of the metadata's `chunks`, and of the copies it lists.
private func metadataEntryProblems(_ entry: Any, index: Int, out: String, metadataName: String) -> [String] {
    guard let entry = entry as? [String: Any] else {
        return ["\(metadataName): chunks[\(index)] should be an object, found \(describe(entry))"]
    }
    guard let chunk = integer(entry["chunk"]) else {
        return ["\(metadataName): chunks[\(index)].chunk should be an integer, found \(describe(entry["chunk"]))"]
    }
    guard let listed = entry["copies"] as? [Any] else {
        return ["\(metadataName): chunk \(chunk): \"copies\" should be an array, found \(describe(entry["copies"]))"]
    }
    var problems: [String] = []
    for (j, item) in listed.enumerated() {
        let at = "\(metadataName): chunk \(chunk), copies[\(j)]"
        guard let copy = item as? [String: Any] else {
            problems.append("\(at) should be an object, found \(describe(item))")
            continue
        }
        guard let relative = copy["path"] as? String, !relative.isEmpty else {
            problems.append("\(at): \"path\" should be a non-empty string, found \(describe(copy["path"]))")
            continue
        }
        guard !relative.hasPrefix("/"), !relative.split(separator: "/").contains("..") else {
            problems.append("\(at): \"path\" should be relative to the output directory without \"..\", found \"\(relative)\"")
            continue
        }
        let version = integer(copy["version"])
        if version == nil {
            problems.append("\(at) (\(relative)): \"version\" should be an integer, found \(describe(copy["version"]))")
        }
        let sha256 = copy["sha256"] as? String
        if sha256 == nil {
            problems.append("\(at) (\(relative)): \"sha256\" should be a string, found \(describe(copy["sha256"]))")
        }
        let path = "\(out)/\(relative)"
        let kind = fileKind(path)
        guard kind == .regular else {
            problems.append("\(relative): listed in \(metadataName) (chunk \(chunk), version \(version.map(String.init) ?? "?")) "
                + (kind == .absent ? "but missing" : "but a \(kind), not a regular file"))
            continue
        }
        guard let bytes = FileManager.default.contents(atPath: path) else {
            problems.append("\(relative): listed in \(metadataName) but cannot be read")
            continue
        }
        if let sha256 {
            let found = sha256Hex(bytes)
            if found != sha256 {
                problems.append("\(relative): sha256 in \(metadataName) is \(sha256), the file's is \(found) (\(bytes.count) bytes)")
            }
        }
        switch parseJSON(bytes) {
        case .failure(let why):
            problems.append("\(relative): listed in \(metadataName) but \(why)")
        case .success(let value):
            guard let object = value as? [String: Any] else { continue }  // reported by the scan of replicas/
            let foundChunk = integer(object["chunk"])
            if foundChunk != chunk {
                problems.append("\(relative): \"chunk\" should be \(chunk) (as in \(metadataName)), found \(describe(object["chunk"]))")
            }
            if let version, integer(object["version"]) != version {
                problems.append("\(relative): \"version\" should be \(version) (as in \(metadataName)), found \(describe(object["version"]))")
            }
        }
    }
    return problems
}

/// The problems of a JSON Lines event log: it must be non-empty, end with a newline, and
/// hold one JSON object with `t` and `type` a line.
private func eventLogProblems(_ path: String) -> [String] {
    let name = URL(fileURLWithPath: path).lastPathComponent
    guard fileKind(path) == .regular, let bytes = FileManager.default.contents(atPath: path) else {
        return ["\(name): should be a readable regular file, found \(fileKind(path))"]
    }
    if bytes.isEmpty { return ["\(name): empty"] }
    var problems: [String] = []
    if bytes.last != UInt8(ascii: "\n") {
        problems.append("\(name): does not end with a newline (\(bytes.count) bytes; it ends \"\(excerpt(bytes.suffix(40)))\")")
    }
    var bad: [String] = []
    var badCount = 0
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    for (i, line) in lines.enumerated() {
        var why: String?
        if case .success(let value) = parseJSON(Data(line)) {
            if let object = value as? [String: Any] {
                if object["t"] == nil || object["type"] == nil { why = "lacks \"t\" or \"type\"" }
            } else {
                why = "is not a JSON object"
            }
        } else {
            why = "does not parse as JSON"
        }
        guard let why else { continue }
        badCount += 1
        if bad.count < 3 { bad.append("line \(i + 1) \(why): \"\(excerpt(line.prefix(80)))\"") }
    }
    if badCount > 0 {
        problems.append("\(name): \(badCount) of \(lines.count) lines are not JSON objects with \"t\" and \"type\"; \(bad.joined(separator: "; "))")
    }
    return problems
}

/// What is at a path, not following a symbolic link.
private enum FileKind: CustomStringConvertible {
    case absent, regular, directory, symbolicLink, other

    var description: String {
        switch self {
        case .absent: "nothing"
        case .regular: "regular file"
        case .directory: "directory"
        case .symbolicLink: "symbolic link"
        case .other: "special file"
        }
    }
}

private func fileKind(_ path: String) -> FileKind {
    var st = stat()
    guard lstat(path, &st) == 0 else { return .absent }
    switch st.st_mode & S_IFMT {
    case S_IFREG: return .regular
    case S_IFDIR: return .directory
    case S_IFLNK: return .symbolicLink
    default: return .other
    }
}

/// The non-hidden regular files under `out/sub`, relative to `out`; hidden files and
/// directories (temporary files) are skipped, symbolic links are not followed.
private func filesUnder(_ out: String, _ sub: String) -> [String] {
    guard fileKind("\(out)/\(sub)") == .directory,
          let names = try? FileManager.default.contentsOfDirectory(atPath: "\(out)/\(sub)") else { return [] }
    var files: [String] = []
    for name in names.sorted() where !name.hasPrefix(".") {
        let relative = "\(sub)/\(name)"
        switch fileKind("\(out)/\(relative)") {
        case .regular: files.append(relative)
        case .directory: files += filesUnder(out, relative)
        default: break
        }
    }
    return files
}

/// C when `relative` is `replicas/replica-K/chunk-C.json`.
private func chunkNumber(inCopyPath relative: String) -> Int? {
    let parts = relative.split(separator: "/")
    guard parts.count == 3, parts[0] == "replicas", parts[1].hasPrefix("replica-"),
          Int(parts[1].dropFirst("replica-".count)) != nil,
          parts[2].hasPrefix("chunk-"), parts[2].hasSuffix(".json") else { return nil }
    return Int(parts[2].dropFirst("chunk-".count).dropLast(".json".count))
}

private func parseJSONFile(_ path: String) -> Result<Any, JSONProblem> {
    guard let bytes = FileManager.default.contents(atPath: path) else {
        return .failure(JSONProblem(description: "cannot be read (\(fileKind(path)))"))
    }
    return parseJSON(bytes)
}

private func parseJSON(_ bytes: Data) -> Result<Any, JSONProblem> {
    do {
        return .success(try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed]))
    } catch {
        return .failure(JSONProblem(description: "does not parse as JSON (\(bytes.count) bytes, ending \"\(excerpt(bytes.suffix(24)))\")"))
    }
}

private struct JSONProblem: Error, CustomStringConvertible {
    var description: String
}

/// A JSON integer (not a boolean, not a number with a fraction or exponent).
private func integer(_ value: Any?) -> Int? {
    guard let n = value as? NSNumber, "silqSILQ".contains(String(cString: n.objCType)) else { return nil }
    return n as? Int
}

/// A short account of a JSON value, for a problem's "found".
private func describe(_ value: Any?) -> String {
    switch value {
    case nil: return "nothing"
    case is NSNull: return "null"
    case let s as String: return "\"\(s.prefix(60))\""
    case let a as [Any]: return "an array of \(a.count)"
    case is [String: Any]: return "an object"
    case let n as NSNumber: return String(cString: n.objCType) == "c" ? "\(n.boolValue)" : "\(n)"
    default: return "\(value!)"
    }
}

/// Lowercase hex SHA-256.
private func sha256Hex(_ bytes: Data) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// Bytes as text on one line, for a problem's "found".
private func excerpt(_ bytes: Data) -> String {
    String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\n", with: "\\n")
}

private func hex(_ bytes: Data) -> String {
    bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
}

// MARK: - Running and killing

/// SplitMix64: a small generator whose sequence is fixed by its seed.
private struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range`, from the top 53 bits of the next value.
    mutating func uniform(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * (Double(next() >> 11) / Double(1 << 53))
    }
}

private func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

private func duration(_ seconds: Double) -> String {
    seconds < 10 ? String(format: "%.1f ms", seconds * 1000) : String(format: "%.2f s", seconds)
}
