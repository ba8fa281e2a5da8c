import HeapModule

/// The kernel's agenda: events ordered by (virtual time, sequence number). The sequence
/// number makes the order total, so two events at the same time run in the order they were
/// scheduled, on every run.
///
/// The heap orders small keys; the events themselves wait in a slab of reusable slots, so a
/// million messages in flight cost the heap 24 bytes each to sift rather than a whole event.
public struct EventQueue<Event> {
    struct Key: Comparable {
        let time: VirtualTime
        let sequence: UInt64
        let slot: Int
        static func < (a: Key, b: Key) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
        static func == (a: Key, b: Key) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }

    private var heap = Heap<Key>()
    private var slots: [Event?] = []
    private var freeSlots: [Int] = []
    private var nextSequence: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var count: Int { heap.count }
    public var nextTime: VirtualTime? { heap.min?.time }
    /// The event `popNext` would return, left in place.
    public var next: Event? { heap.min.flatMap { slots[$0.slot] } }

    public mutating func schedule(_ event: Event, at time: VirtualTime) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = event
        } else {
            slot = slots.count
            slots.append(event)
        }
        heap.insert(Key(time: time, sequence: nextSequence, slot: slot))
        nextSequence += 1
    }

    public mutating func popNext() -> (time: VirtualTime, event: Event)? {
        guard let k = heap.popMin() else { return nil }
        let event = slots[k.slot].take()!
        freeSlots.append(k.slot)
        return (k.time, event)
    }

    /// Removes and returns the next event if it is due at or before `limit`.
    public mutating func popNext(notAfter limit: VirtualTime) -> (time: VirtualTime, event: Event)? {
        guard let t = heap.min?.time, t <= limit else { return nil }
        return popNext()
    }
}
extension EventQueue: Sendable where Event: Sendable {}
