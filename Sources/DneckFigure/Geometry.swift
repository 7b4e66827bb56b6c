/// A point in figure space: points (1/72 inch), origin at the top-left, y downwards.
public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// A rectangle in figure space (points, origin top-left).
public struct Rect: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
}

/// An sRGB colour with alpha, each channel in 0...1.
public struct Color: Sendable, Equatable {
    public var r: Double, g: Double, b: Double, a: Double
    public init(_ r: Double, _ g: Double, _ b: Double, _ a: Double = 1) {
        self.r = r; self.g = g; self.b = b; self.a = a
    }
    /// A colour from `#rrggbb` or `#rrggbbaa`; nil when malformed.
    public init?(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6 || digits.count == 8, let v = UInt32(digits, radix: 16) else { return nil }
        let full = digits.count == 6 ? (v << 8 | 0xFF) : v
        self.init(Double(full >> 24 & 0xFF) / 255, Double(full >> 16 & 0xFF) / 255,
                  Double(full >> 8 & 0xFF) / 255, Double(full & 0xFF) / 255)
    }
    /// The same colour with another alpha.
    public func withAlpha(_ alpha: Double) -> Color { Color(r, g, b, alpha) }
    /// The 8-bit channel value a renderer stores for `v` (round to nearest).
    public static func byte(_ v: Double) -> UInt8 { UInt8((min(max(v, 0), 1) * 255).rounded()) }

    public static let black = Color(0, 0, 0)
    public static let white = Color(1, 1, 1)
}
