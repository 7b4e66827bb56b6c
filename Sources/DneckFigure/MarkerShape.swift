import Foundation

/// The shape of a scatter marker, so that points can be told apart without colour (the
/// information plane colours by epoch and shapes by layer).
public enum MarkerShape: Sendable, CaseIterable, Equatable {
    case circle, square, triangleUp, diamond, triangleDown, pentagon, hexagon, star, triangleLeft, triangleRight, thinDiamond, plus

    /// The shape of item `index` of a list, cycling through every shape (so a thirteenth layer
    /// looks like the first: legends name them).
    public static func cycled(_ index: Int) -> MarkerShape { allCases[index % allCases.count] }

    /// The outline of the marker of `diameter` points around `center` (y down), nil for the
    /// circle. Every shape has about the circle's area, so no layer looks heavier.
    public func outline(center: Point, diameter: Double) -> [Point]? {
        let r = diameter / 2
        func regular(_ sides: Int, radius: Double, rotation: Double = 0) -> [Point] {
            (0..<sides).map { k in
                let a = rotation + 2 * Double.pi * Double(k) / Double(sides) - Double.pi / 2
                return Point(center.x + radius * cos(a), center.y + radius * sin(a))
            }
        }
        switch self {
        case .circle: return nil
        case .square: return regular(4, radius: r * 1.25, rotation: Double.pi / 4)
        case .diamond: return regular(4, radius: r * 1.25)
        case .triangleUp: return regular(3, radius: r * 1.55)
        case .triangleDown: return regular(3, radius: r * 1.55, rotation: Double.pi)
        case .pentagon: return regular(5, radius: r * 1.12)
        case .hexagon: return regular(6, radius: r * 1.1)
        case .triangleLeft: return regular(3, radius: r * 1.55, rotation: -Double.pi / 2)
        case .triangleRight: return regular(3, radius: r * 1.55, rotation: Double.pi / 2)
        case .thinDiamond:
            return [Point(center.x, center.y - r * 1.5), Point(center.x + r * 0.8, center.y),
                    Point(center.x, center.y + r * 1.5), Point(center.x - r * 0.8, center.y)]
        case .plus:
            let a = r * 1.2, b = r * 0.4
            return [(-b, -a), (b, -a), (b, -b), (a, -b), (a, b), (b, b), (b, a), (-b, a), (-b, b), (-a, b), (-a, -b), (-b, -b)]
                .map { Point(center.x + $0.0, center.y + $0.1) }
        case .star:
            return (0..<10).map { k in
                let a = Double.pi * Double(k) / 5 - Double.pi / 2, radius = k % 2 == 0 ? r * 1.45 : r * 0.6
                return Point(center.x + radius * cos(a), center.y + radius * sin(a))
            }
        }
    }
}

extension Renderer {
    /// A marker of `shape`: a circle, or its outline filled.
    public func marker(_ shape: MarkerShape, center: Point, diameter: Double, fill: Color, edge: Color?, edgeWidth: Double) {
        if let outline = shape.outline(center: center, diameter: diameter) {
            polygon(outline, fill: fill, edge: edge, edgeWidth: edgeWidth)
        } else {
            circle(center: center, diameter: diameter, fill: fill, edge: edge, edgeWidth: edgeWidth)
        }
    }
}
