import COpenBLAS
import DneckCore
import Foundation

/// How KSG readies X and M before the neighbour search, in this order, with one generator
/// (`NumpyRandom`, numpy's legacy `RandomState(seed)`), whose standard normal draws are taken
/// row-major: noise on M, then the jitter of X, then the jitter of M.
/// 1. M + S·N(0, 1) with S = `--noise-std` (no draws for S = 0);
/// 2. each column divided by its standard deviation, not centred (scikit-learn's
///    `scale(with_mean=False)`; a deviation below 10·eps counts as 1), sums taken row by row;
/// 3. with `--pca D`, a variable of more than D columns is centred and projected onto the
///    eigenvectors of its covariance AᵀA/N with the D largest eigenvalues (LAPACK `dsyevd`),
///    those below 1e-12 of the largest left out, each eigenvector signed so that its entry of
///    largest magnitude is positive; `--whiten` divides each component by √λ;
/// 4. every column c plus 1e-10·max(1, mean|z_c|)·N(0, 1) (scikit-learn's jitter).
struct KSGSpace {
    /// The points, ready for the search.
    let points: PointSet
    /// 100 times the largest jitter scale, 1e-8·max_c max(1, mean|z_c|): what lies this close
    /// to a radius is counted or not by the jitter alone.
    let tieBand: Double

    /// `raw` (N × d, row-major) through steps 2 to 4, the jitter drawn from `draws`. Without PCA
    /// the steps work in `raw`'s own storage when nothing else holds it: one copy of the points.
    init(_ raw: consuming PointSet, pca: KSGEstimator.Projection?, draws: inout NumpyRandom) {
        var z = Self.scaled(raw)
        if let pca, z.columns > pca.dimensions { z = Self.projected(z, pca) }
        let (n, d) = (z.rows, z.columns)
        let scales = Self.columnMeans(z) { abs($0) }.map { 1e-10 * max(1, $0) }
        var values = (consume z).values
        for r in 0..<n { for c in 0..<d { values[r * d + c] += scales[c] * draws.nextGaussian() } }
        points = PointSet(rows: n, columns: d, values: values)
        tieBand = 100 * (scales.max() ?? 1e-10)
    }

    /// M + `std`·N(0, 1), drawn from `draws` row-major; M itself for `std` = 0.
    static func noisy(_ m: PointSet, std: Double, draws: inout NumpyRandom) -> PointSet {
        guard std > 0 else { return m }
        return PointSet(rows: m.rows, columns: m.columns, values: m.values.map { $0 + std * draws.nextGaussian() })
    }

    /// Σ_r f(a_rc) / N per column, summed row by row.
    static func columnMeans(_ a: PointSet, _ f: (Double) -> Double) -> [Double] {
        var sums = [Double](repeating: 0, count: a.columns)
        for r in 0..<a.rows { for c in 0..<a.columns { sums[c] += f(a.values[r * a.columns + c]) } }
        return sums.map { $0 / Double(a.rows) }
    }

    /// Each column divided by its population standard deviation (1 when below 10·eps), in
    /// `a`'s own storage when nothing else holds it.
    static func scaled(_ a: consuming PointSet) -> PointSet {
        let means = columnMeans(a) { $0 }
        var squares = [Double](repeating: 0, count: a.columns)
        for r in 0..<a.rows {
            for c in 0..<a.columns { let v = a.values[r * a.columns + c] - means[c]; squares[c] += v * v }
        }
        let stds = squares.map { ($0 / Double(a.rows)).squareRoot() }.map { $0 < 10 * Double.ulpOfOne ? 1 : $0 }
        let (rows, columns) = (a.rows, a.columns)
        var values = (consume a).values
        for i in values.indices { values[i] /= stds[i % columns] }
        return PointSet(rows: rows, columns: columns, values: values)
    }

    /// The centred points projected onto the leading principal axes (step 3).
    static func projected(_ a: PointSet, _ pca: KSGEstimator.Projection) -> PointSet {
        let (n, d) = (a.rows, a.columns)
        let means = columnMeans(a) { $0 }
        let centred = a.values.enumerated().map { $1 - means[$0 % d] }
        var covariance = [Double](repeating: 0, count: d * d)
        OpenBLASThreads.single
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(n), 1 / Double(n),
                    centred, Int32(d), centred, Int32(d), 0, &covariance, Int32(d))
        let (eigenvalues, eigenvectors) = SymmetricEigenvalues.decomposition(covariance, order: d)
        let largest = eigenvalues.last ?? 0
        let kept = (0..<d).reversed().prefix(pca.dimensions).filter { eigenvalues[$0] > 1e-12 * largest }
        // Row j of `eigenvectors` is the eigenvector of eigenvalue j; W is d × kept, row-major.
        var w = [Double](repeating: 0, count: d * kept.count)
        for (j, e) in kept.enumerated() {
            let v = eigenvectors[e * d..<(e + 1) * d]
            let sign = v.max { abs($0) < abs($1) }.map { $0 < 0 ? -1.0 : 1.0 } ?? 1
            let scale = sign / (pca.whiten ? eigenvalues[e].squareRoot() : 1)
            for (r, x) in v.enumerated() { w[r * kept.count + j] = x * scale }
        }
        var out = [Double](repeating: 0, count: n * kept.count)
        if !kept.isEmpty {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(kept.count), Int32(d), 1,
                        centred, Int32(d), w, Int32(kept.count), 0, &out, Int32(kept.count))
        }
        return PointSet(rows: n, columns: kept.count, values: out)
    }
}
