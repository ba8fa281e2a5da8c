import HeapModule

/// The kernel's agenda: events ordered by (virtual time, sequence number). The sequence
/// number makes the order total, so two events at the same time run in the order they were
/// scheduled, on every run.
public struct EventQueue<Event> {
    struct Entry: Comparable {
        let time: VirtualTime
        let sequence: UInt64
        let event: Event
        static func < (a: Entry, b: Entry) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
        static func == (a: Entry, b: Entry) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }

    private var heap = Heap<Entry>()
    private var nextSequence: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var count: Int { heap.count }
    public var nextTime: VirtualTime? { heap.min?.time }

    public mutating func schedule(_ event: Event, at time: VirtualTime) {
        heap.insert(Entry(time: time, sequence: nextSequence, event: event))
        nextSequence += 1
    }

    public mutating func popNext() -> (time: VirtualTime, event: Event)? {
        guard let e = heap.popMin() else { return nil }
        return (e.time, e.event)
    }

    /// Removes and returns the next event if it is due at or before `limit`.
    public mutating func popNext(notAfter limit: VirtualTime) -> (time: VirtualTime, event: Event)? {
        guard let t = heap.min?.time, t <= limit else { return nil }
        return popNext()
    }
}
