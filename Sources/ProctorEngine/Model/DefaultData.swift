/// The Data/ files as compiled in, so `proctor` runs from any directory. A test keeps them
/// equal to the files in Data/, which are what users edit (scripts/embed_data.py).
enum DefaultData {
    static let scenario = #"""
{
  "students": 5,
  "network": {
    "latency_ms": 80,
    "jitter_ms": 50,
    "duplicate_rate": 0
  },
  "clocks": {
    "max_skew_ms": 6000,
    "max_drift_ppm": 100
  },
  "sync": {
    "tolerance_ms": 4000
  },
  "exam": {
    "seconds_per_question": 30,
    "think_min_s": 5,
    "think_max_s": 55,
    "accuracy": 0.7,
    "early_submit": 0.1,
    "retransmit_s": 20
  },
  "cheating": {
    "flags_per_minute": 0.4
  },
  "servers": {
    "main_slots": 3,
    "processing_min_ms": 6000,
    "processing_max_ms": 12000
  },
  "isa": {
    "max_mark": 20,
    "request_spread_s": 6,
    "type_min_s": 1,
    "type_max_s": 7,
    "hold_timeout_s": 5
  },
  "faults": []
}
"""#

    static let roster = #"""
{
  "students": [
    { "roll": 101, "name": "Asha" },
    { "roll": 102, "name": "Ben" },
    { "roll": 103, "name": "Chen" },
    { "roll": 104, "name": "Dana" },
    { "roll": 105, "name": "Eli" }
  ]
}
"""#

    static let questions = #"""
{
  "questions": [
    {
      "text": "In Berkeley clock synchronization, who decides each node's adjustment?",
      "options": ["Each node, from an atomic clock", "The time daemon, from the average of polled offsets", "The node with the highest id", "A UTC radio receiver on every node"],
      "answer": 1
    },
    {
      "text": "Why does Berkeley's daemon add half the round-trip time to a reply?",
      "options": ["To estimate the reply's travel time", "To punish slow nodes", "To round to whole seconds", "To account for clock drift over a day"],
      "answer": 0
    },
    {
      "text": "How many messages does Ricart-Agrawala need per critical-section entry with N processes?",
      "options": ["N", "2(N-1)", "3(N-1)", "N squared"],
      "answer": 1
    },
    {
      "text": "In Ricart-Agrawala, when does a process defer its REPLY?",
      "options": ["Never", "When it is in the critical section or its own request is earlier", "When the requester has a higher id", "When it has no pending request"],
      "answer": 1
    },
    {
      "text": "What does a Lamport clock guarantee?",
      "options": ["If a happened before b then C(a) < C(b)", "Clocks agree with UTC", "C(a) < C(b) implies a happened before b", "No two events share a timestamp"],
      "answer": 0
    },
    {
      "text": "Several readers may hold a read/write lock at once, but a writer needs...",
      "options": ["Any one reader's consent", "Exclusive access", "A majority of replicas", "A Lamport timestamp"],
      "answer": 1
    },
    {
      "text": "Why keep three replicas of each chunk of results?",
      "options": ["To make writes faster", "To survive the loss or corruption of a copy", "To sort the rows", "To compress the data"],
      "answer": 1
    },
    {
      "text": "A main server with all 3 processing slots busy redirects a new submission to the backup. This is...",
      "options": ["Load shedding by overflow", "Two-phase commit", "Leader election", "Byzantine agreement"],
      "answer": 0
    },
    {
      "text": "A checksum stored beside each replica lets a reader...",
      "options": ["Decrypt the file", "Detect that the copy was corrupted", "Lock the chunk", "Order concurrent writes"],
      "answer": 1
    },
    {
      "text": "Granting locks strictly in arrival order prevents...",
      "options": ["Deadlock between replicas", "Starvation of readers or writers", "Clock drift", "Duplicate submissions"],
      "answer": 1
    }
  ]
}
"""#
}
