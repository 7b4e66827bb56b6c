import DneckFigure

/// Everything a figure draws but its panels' marks: what a movie draws once and keeps under
/// every frame (`MovieWriter` draws the first frame's decorations only once). The rule of a
/// movie: nothing that depends on the frame may be a decoration (the "Epoch N" label of a
/// frame is a mark); `MovieFrameChart` keeps it by making its decorations without the frame,
/// and the tests check frames against this value.
struct Decorations: Equatable {
    /// The figure without marks, described field by field (titles, labels, scales, legends,
    /// colorbars, footer, style).
    private let description: String

    init(_ figure: Figure) {
        var bare = figure
        for i in bare.panels.indices { bare.panels[i].marks = [] }
        description = String(describing: bare)
    }
}
