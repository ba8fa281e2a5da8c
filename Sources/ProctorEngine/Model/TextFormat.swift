/// Number formats for the text Proctor prints, without Foundation's `String(format:)`.
public enum TextFormat {
    /// `v` with `places` decimals, rounded half away from zero: `fixed(2.345, 1)` is `2.3`.
    public static func fixed(_ v: Double, _ places: Int) -> String {
        var p = 1.0
        for _ in 0..<places { p *= 10 }
        let n = Int((abs(v) * p).rounded())
        let whole = n / Int(p), frac = String(n % Int(p))
        let sign = v < 0 && n != 0 ? "-" : ""
        return sign + (places == 0 ? String(whole) : "\(whole).\(String(repeating: "0", count: places - frac.count))\(frac)")
    }

    /// True time 0 is 10:00:00.0 on the exam day.
    public static let dayStart: Int64 = 10 * 3600 * 1_000_000

    /// `HH:MM:SS.t` of a clock reading (`HH:MM:SS` without tenths).
    public static func clock(_ t: VirtualTime, tenths showTenths: Bool = true) -> String {
        let us = dayStart + t.microseconds
        let tenths = us.floorDivided(by: 100_000)
        let s = tenths.floorDivided(by: 10)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : String(v) }
        return "\(two((s / 3600) % 24)):\(two((s / 60) % 60)):\(two(s % 60))" + (showTenths ? ".\(tenths - s * 10)" : "")
    }

    /// `s` padded with spaces to `width` characters (never cut).
    public static func padded(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
