/// The deterministic core every node runs on: virtual time, the event queue ordered by
/// (time, sequence), the simulated network, every node's clock, per-node timers and the
/// event log. It knows nodes only by id and timers only as values of `Timer`; it has no
/// phase-specific code. A value type: copying it is a checkpoint.
public struct Kernel<Timer: Hashable & Sendable>: Sendable {
    enum Event: Sendable {
        case deliver(Envelope)
        case timer(NodeID, Timer, serial: UInt64, epoch: Int)
        indirect case command(OperatorCommand)
        indirect case storage(NodeID, StorageResult)
        /// The `index`-th fault of the run begins or ends (what it is, the world knows).
        case fault(index: Int, begin: Bool)
    }

    /// A one-way link between two nodes.
    public struct Link: Hashable, Sendable {
        public var from: NodeID
        public var to: NodeID
        public init(from: NodeID, to: NodeID) {
            self.from = from
            self.to = to
        }
    }

    struct TimerKey: Hashable, Sendable {
        var node: NodeID
        var timer: Timer
    }

    public private(set) var now: VirtualTime = .zero
    var queue = EventQueue<Event>()
    var network: Network
    /// Clocks by node (`NodeID.denseIndex`); nil for nodes without one.
    private var clocks: [NodeClock?] = []
    public internal(set) var log: EventLog
    /// Messages sent, by mechanism (`Mechanism.index`).
    private var sent = [Int](repeating: 0, count: Mechanism.allCases.count)
    /// Messages sent so far, by mechanism (those sent none are absent).
    public var messageCounts: [Mechanism: Int] {
        Dictionary(uniqueKeysWithValues: Mechanism.allCases.compactMap { m in sent[m.index] > 0 ? (m, sent[m.index]) : nil })
    }
    public private(set) var inFlight = 0
    /// Events delivered so far: a position in the run.
    public private(set) var delivered = 0
    /// Storage effects carried out so far (a step back replays their outcomes).
    public private(set) var storageOps = 0
    private var timerSerial: UInt64 = 0
    /// A timer firing whose serial is at or below this was cancelled.
    private var cancelledThrough: [TimerKey: UInt64] = [:]

    // Faults.
    /// Crashed nodes: they receive nothing and their timers do not fire.
    public private(set) var down: [NodeID: VirtualTime] = [:]
    /// A node's timers set before its last crash never fire: a timer is set in an epoch.
    private var epochs: [NodeID: Int] = [:]
    /// Links that drop every message (a count: faults may overlap).
    public private(set) var blocked: [Link: Int] = [:]
    /// Extra latency on a link.
    public private(set) var delays: [Link: VirtualDuration] = [:]
    /// Nodes cut off from every other node.
    public private(set) var partitioned: Set<NodeID> = []

    public init(network: Network, encodesLog: Bool) {
        self.network = network
        log = EventLog(encodes: encodesLog)
    }

    // MARK: Clocks

    public mutating func setClock(_ clock: NodeClock, of node: NodeID) {
        let i = node.denseIndex
        if i >= clocks.count { clocks += Array(repeating: nil, count: i + 1 - clocks.count) }
        clocks[i] = clock
    }

    public func clock(of node: NodeID) -> NodeClock? {
        let i = node.denseIndex
        return i < clocks.count ? clocks[i] : nil
    }

    /// The node's clock reading now (true time for a node without a clock).
    public func local(_ node: NodeID) -> VirtualTime {
        clock(of: node)?.reading(at: now) ?? now
    }

    public func context(_ node: NodeID) -> NodeContext {
        NodeContext(now: now, local: local(node))
    }

    /// Moves a node's clock and logs it.
    public mutating func adjustClock(of node: NodeID, by delta: VirtualDuration) {
        let i = node.denseIndex
        guard i < clocks.count, var c = clocks[i] else { return }
        let before = c.reading(at: now)
        c.adjust(by: delta)
        clocks[i] = c
        record(.clockAdjust(node: node, localBefore: before, delta: delta))
    }

    // MARK: Scheduling

    mutating func schedule(_ e: Event, at t: VirtualTime) {
        // Timers are marked in the queue's keys: pruning dead ones looks at the event only then.
        let isTimer = if case .timer = e { true } else { false }
        queue.schedule(e, at: max(t, now), marked: isTimer)
    }

    mutating func setTimer(_ timer: Timer, of node: NodeID, at t: VirtualTime) {
        timerSerial += 1
        schedule(.timer(node, timer, serial: timerSerial, epoch: epochs.isEmpty ? 0 : epochs[node, default: 0]), at: t)
    }

    mutating func setTimer(_ timer: Timer, of node: NodeID, atLocal reading: VirtualTime) {
        let t = clock(of: node)?.trueTime(whenReading: reading) ?? reading
        setTimer(timer, of: node, at: t)
    }

    mutating func cancelTimer(_ timer: Timer, of node: NodeID) {
        cancelledThrough[TimerKey(node: node, timer: timer)] = timerSerial
        pruneHead()
    }

    /// Drops timers that will never fire (cancelled, or set before their node's last crash)
    /// from the front of the queue: the next event is always one that happens, so a position
    /// in the run (`delivered`) and the next event's time mean the same live and in a replay,
    /// whenever a dead timer happened to be passed over.
    mutating func pruneHead() {
        while queue.nextIsMarked, queue.peekNext({ e in
            guard case .timer(let node, let timer, let serial, let epoch) = e else { return false }
            return !stands(timer, of: node, serial: serial, epoch: epoch)
        }) == true {
            queue.discardNext()
        }
    }

    /// Whether a popped timer firing still stands (was not cancelled after it was set).
    func stands(_ timer: Timer, of node: NodeID, serial: UInt64, epoch: Int) -> Bool {
        if !down.isEmpty || !epochs.isEmpty {
            guard down[node] == nil, epoch == epochs[node, default: 0] else { return false }
        }
        guard let through = cancelledThrough[TimerKey(node: node, timer: timer)] else { return true }
        return serial > through
    }

    /// The next event due at or before `limit`, with time moved to it.
    mutating func next(notAfter limit: VirtualTime? = nil) -> Event? {
        while true {
            let popped = limit.map { queue.popNext(notAfter: $0) } ?? queue.popNext()
            guard let (t, e) = popped else { return nil }
            // A cancelled (or dead) timer is dropped without counting or moving time:
            // cancelling a timer leaves the run as if it had never been set.
            if case .timer(let node, let timer, let serial, let epoch) = e, !stands(timer, of: node, serial: serial, epoch: epoch) {
                continue
            }
            delivered += 1
            now = max(now, t)
            if case .deliver = e { inFlight -= 1 }
            pruneHead()
            return e
        }
    }

    /// Sheds what a stored copy of the kernel (a step-back checkpoint) need not carry: the
    /// recent log lines beyond `keepingRecent`, the queue's room for its busiest moment, the
    /// links' last arrivals that are already past, and cancellations of timers no longer waiting.
    mutating func trimForCheckpoint(keepingRecent: Int) {
        log.trimRecent(keeping: keepingRecent)
        queue.compact()
        network.forgetArrivals(notAfter: now)
        // A cancellation matters only to a firing still waiting: one set later has a higher
        // serial and stands anyway.
        var waiting = Set<TimerKey>()
        queue.forEach { e in
            if case .timer(let node, let timer, _, _) = e { waiting.insert(TimerKey(node: node, timer: timer)) }
        }
        cancelledThrough = cancelledThrough.filter { waiting.contains($0.key) }
    }

    /// Moves time forward with nothing delivered (the wall clock's pace).
    mutating func advance(to t: VirtualTime) {
        if t > now { now = t }
    }

    public var nextEventTime: VirtualTime? { queue.nextTime }

    // MARK: Network and log

    /// Sends a message. Returns it when it was dropped at once (a partition or a dropped link).
    @discardableResult
    mutating func send(_ payload: Payload, from: NodeID, to: NodeID) -> Envelope? {
        let (id, arrival, duplicate) = network.transmit(from: from, to: to, at: now)
        let env = Envelope(id: id, from: from, to: to, sentAt: now, payload: payload)
        sent[payload.mechanism.index] += 1
        record(.send(env))
        // A partitioned node is cut off from every other, another partitioned one included.
        if !partitioned.isEmpty, from != to, partitioned.contains(from) || partitioned.contains(to) {
            record(.drop(id: id, reason: "partition"))
            return env
        }
        if !blocked.isEmpty, blocked[Link(from: from, to: to), default: 0] > 0 {
            record(.drop(id: id, reason: "link"))
            return env
        }
        let extra = delays.isEmpty ? .zero : delays[Link(from: from, to: to)] ?? .zero
        inFlight += 1
        schedule(.deliver(env), at: arrival + extra)
        if let duplicate {
            var copy = env   // the same message, delivered again
            copy.isDuplicate = true
            inFlight += 1
            schedule(.deliver(copy), at: duplicate + extra)
        }
        return nil
    }

    // MARK: Faults

    public func isDown(_ node: NodeID) -> Bool { down[node] != nil }

    /// The node stops: it receives nothing, and the timers it had set never fire.
    mutating func crash(_ node: NodeID) {
        down[node] = now
        epochs[node, default: 0] += 1
        pruneHead()
    }

    mutating func restart(_ node: NodeID) {
        down[node] = nil
    }

    mutating func block(_ link: Link, _ on: Bool) {
        blocked[link, default: 0] += on ? 1 : -1
        if blocked[link] == 0 { blocked[link] = nil }
    }

    mutating func delay(_ link: Link, by extra: VirtualDuration?) {
        delays[link] = extra
    }

    mutating func partition(_ node: NodeID, _ on: Bool) {
        if on { partitioned.insert(node) } else { partitioned.remove(node) }
    }

    /// Moves a node's clock by `delta` without a protocol doing it (a fault).
    mutating func jumpClock(of node: NodeID, by delta: VirtualDuration) {
        let i = node.denseIndex
        guard i < clocks.count, var c = clocks[i] else { return }
        c.adjust(by: delta)
        clocks[i] = c
    }

    /// Schedules a fault's beginning or end.
    mutating func scheduleFault(_ index: Int, begin: Bool, at t: VirtualTime) {
        schedule(.fault(index: index, begin: begin), at: t)
    }

    public mutating func record(_ kind: LogEntry.Kind) {
        log.append(LogEntry(t: now, kind: kind))
    }
}

/// What the kernel hands up after carrying out a node's effects: the parts that are not
/// its business (words for the operator, a phase's work done, a broken rule), and what it
/// logged, for whoever watches the run.
public enum EffectReport: Sendable {
    case notice(String)
    case completed(Phase)
    case invariant(name: String, detail: String)
    case logged(LogEntry.Kind)
    case clockAdjusted(NodeID)
    /// A message that will never be received (its link or an end was down).
    case dropped(Envelope)
    /// A decision of the admin console, for the host to carry out.
    case order(Admin.Order)
}

extension Kernel {
    /// The effect interpreter: carries out a node's effects in order. Storage goes to the
    /// port at once, so a later check sees this write; its outcome comes back to the node as
    /// an event.
    mutating func carryOut(_ effects: [Effect<Timer>], from node: NodeID, storage: StoragePort) -> [EffectReport] {
        var reports: [EffectReport] = []
        for e in effects {
            switch e {
            case .send(let payload, let to):
                if let lost = send(payload, from: node, to: to) { reports.append(.dropped(lost)) }
            case .setTimer(let t, let after):
                setTimer(t, of: node, at: now + after)
            case .setTimerAtLocal(let t, let local):
                setTimer(t, of: node, atLocal: local)
            case .cancelTimer(let t):
                cancelTimer(t, of: node)
            case .log(let kind):
                record(kind)
                reports.append(.logged(kind))
            case .persist(let path, let bytes, let sha):
                storageOps += 1
                let outcome = storage.persist(path: path, bytes: bytes, sha256: sha)
                schedule(.storage(node, StorageResult(op: .persist, path: path, sha256: sha, outcome: outcome)), at: now)
            case .persistWorkbook(let path, let rows):
                // No outcome event (and no log line): the port reports a failure itself.
                storage.persistWorkbook(path: path, rows: rows)
            case .check(let path, let sha):
                storageOps += 1
                let outcome = storage.check(path: path, sha256: sha)
                schedule(.storage(node, StorageResult(op: .check, path: path, sha256: sha, outcome: outcome)), at: now)
            case .adjustClock(let delta):
                adjustClock(of: node, by: delta)
                reports.append(.clockAdjusted(node))
            case .notice(let text):
                reports.append(.notice(text))
            case .completed(let p):
                reports.append(.completed(p))
            case .invariantBroken(let name, let detail):
                record(.invariant(name: name, detail: detail))
                reports.append(.invariant(name: name, detail: detail))
            case .order(let o):
                reports.append(.order(o))
            }
        }
        return reports
    }
}
