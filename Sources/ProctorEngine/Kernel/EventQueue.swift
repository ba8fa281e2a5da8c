/// The kernel's agenda: events ordered by (virtual time, sequence number). The sequence
/// number makes the order total, so two events at the same time run in the order they were
/// scheduled, on every run.
///
/// The heap orders small keys; the events themselves wait in a slab of reusable slots, so a
/// million messages in flight cost the heap 24 bytes each to sift rather than a whole event.
/// The heap is 4-ary: half as deep as a binary one, and a node's children share a cache line.
public struct EventQueue<Event> {
    struct Key: Comparable, Sendable {
        let time: VirtualTime
        let sequence: UInt64
        let slot: UInt32
        /// A mark the scheduler gave the event (the kernel marks timers), readable without
        /// touching the event itself.
        let marked: Bool
        @inline(__always)
        static func < (a: Key, b: Key) -> Bool {
            a.time.microseconds != b.time.microseconds ? a.time.microseconds < b.time.microseconds : a.sequence < b.sequence
        }
        static func == (a: Key, b: Key) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }

    private var heap = QuaternaryHeap<Key>()
    private var slots: [Event?] = []
    private var freeSlots: [Int] = []
    private var nextSequence: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var count: Int { heap.count }
    public var nextTime: VirtualTime? { heap.min?.time }
    /// The event `popNext` would return, left in place.
    public var next: Event? { heap.min.flatMap { slots[Int($0.slot)] } }

    /// Whether the next event was scheduled `marked`.
    public var nextIsMarked: Bool { heap.min?.marked ?? false }

    /// What `body` says of the next event, read in place (nil when there is none).
    @inline(__always)
    public func peekNext<R>(_ body: (borrowing Event) -> R) -> R? {
        guard let k = heap.min else { return nil }
        return body(slots[Int(k.slot)].unsafelyUnwrapped)
    }

    /// The same queue in storage of just its size: the slab and the heap keep the capacity of
    /// their busiest moment, which a checkpoint need not carry.
    public mutating func compact() {
        var live: [Event?] = []
        live.reserveCapacity(heap.count)
        heap.remap { k in
            live.append(slots[Int(k.slot)])
            return Key(time: k.time, sequence: k.sequence, slot: UInt32(live.count - 1), marked: k.marked)
        }
        slots = live
        freeSlots = []
    }

    /// Calls `body` with every event waiting, in no particular order.
    public func forEach(_ body: (borrowing Event) -> Void) {
        for k in heap.elements { body(slots[Int(k.slot)].unsafelyUnwrapped) }
    }

    /// Removes the next event unread.
    public mutating func discardNext() {
        guard let k = heap.popMin() else { return }
        slots[Int(k.slot)] = nil
        freeSlots.append(Int(k.slot))
    }

    public mutating func schedule(_ event: Event, at time: VirtualTime, marked: Bool = false) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = event
        } else {
            slot = slots.count
            slots.append(event)
        }
        heap.insert(Key(time: time, sequence: nextSequence, slot: UInt32(slot), marked: marked))
        nextSequence += 1
    }

    public mutating func popNext() -> (time: VirtualTime, event: Event)? {
        guard let k = heap.popMin() else { return nil }
        let event = slots[Int(k.slot)].take()!
        freeSlots.append(Int(k.slot))
        return (k.time, event)
    }

    /// Removes and returns the next event if it is due at or before `limit`.
    public mutating func popNext(notAfter limit: VirtualTime) -> (time: VirtualTime, event: Event)? {
        guard let t = heap.min?.time, t <= limit else { return nil }
        return popNext()
    }
}
extension EventQueue: Sendable where Event: Sendable {}

/// A 4-ary min-heap: each node's key is no greater than its four children's.
struct QuaternaryHeap<Element: Comparable & Sendable>: Sendable {
    private var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }
    /// The elements, in the heap's order.
    var elements: [Element] { items }
    var count: Int { items.count }
    var min: Element? { items.first }

    mutating func insert(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        items.withUnsafeMutableBufferPointer { a in
            while i > 0 {
                let parent = (i - 1) >> 2
                guard e < a[parent] else { break }
                a[i] = a[parent]
                i = parent
            }
            a[i] = e
        }
    }

    /// Replaces every element by `f(element)`, in place in the heap's order, into storage of
    /// just its size. `f` must keep the order of elements.
    mutating func remap(_ f: (Element) -> Element) {
        items = items.map(f)
    }

    mutating func popMin() -> Element? {
        guard let last = items.popLast() else { return nil }
        guard !items.isEmpty else { return last }
        let top = items[0]
        items.withUnsafeMutableBufferPointer { a in
            let n = a.count
            var i = 0
            while true {
                let first = 4 * i + 1
                if first >= n { break }
                var least = first
                let end = Swift.min(first + 4, n)
                var c = first + 1
                while c < end {
                    if a[c] < a[least] { least = c }
                    c += 1
                }
                guard a[least] < last else { break }
                a[i] = a[least]
                i = least
            }
            a[i] = last
        }
        return top
    }
}
