//! A triangulated irregular network of a height grid at a maximum error, by greedy insertion
//! (Garland and Heckbert, "Fast polygonal approximation of terrains and height fields", 1995):
//! start from the grid's two corner triangles; repeatedly take the triangle whose worst pixel
//! (the largest difference between the pixel's height and the triangle's plane there) is the
//! worst of all, insert that pixel as a vertex, and restore the Delaunay property by flipping
//! edges; stop when no pixel is off by more than the maximum error. Few triangles where the
//! ground is flat, many where it is rough: for the same error, far fewer than a regular grid.
//!
//! Triangles are kept as half-edges (a triangle `t` is the half-edges `3t`, `3t + 1`, `3t + 2`,
//! each going from its vertex to the next, counter-clockwise in (column, row) coordinates); each
//! half-edge knows its twin in the neighbouring triangle. A triangle's worst pixel is found by
//! walking the pixels inside it. The queue holds (error, triangle) and skips entries whose triangle
//! has since changed its error.
use std::collections::BinaryHeap;

/// No twin: a half-edge on the grid's border.
const NONE: u32 = u32::MAX;

/// A height grid, row by row, with no missing heights.
pub struct HeightGrid<'a> {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Heights, `width * height` of them.
    pub heights: &'a [f32],
}

impl HeightGrid<'_> {
    fn at(&self, x: u32, y: u32) -> f64 {
        f64::from(self.heights[y as usize * self.width + x as usize])
    }
}

/// A TIN: vertices as (column, row) of the grid, triangles as three vertex numbers each,
/// counter-clockwise in (column, row).
#[derive(Debug, Clone, Default)]
pub struct Tin {
    /// Vertices.
    pub vertices: Vec<[u32; 2]>,
    /// Vertex numbers, three a triangle.
    pub triangles: Vec<u32>,
    /// The largest difference at a pixel centre between the grid and the TIN, in height units.
    pub max_error: f64,
}

struct Mesher<'a> {
    grid: &'a HeightGrid<'a>,
    vertices: Vec<[u32; 2]>,
    /// Vertex number of each half-edge's start.
    corners: Vec<u32>,
    /// Twin of each half-edge.
    twins: Vec<u32>,
    /// Per triangle: its worst pixel and that pixel's error.
    candidates: Vec<([u32; 2], f64)>,
    /// (error bits, triangle), the worst first. An entry whose error is no longer its
    /// triangle's is stale and skipped; one that still matches (the triangle changed, its error
    /// by chance did not) is as good as the fresh entry beside it, and popped as early.
    queue: BinaryHeap<(u64, u32)>,
    /// Triangles changed since the last refresh of the queue.
    dirty: Vec<u32>,
    /// The error to reach: a triangle within it is never queued (on rough ground, queueing
    /// them all made the queue's pops a fifth of the time).
    max_error: f64,
    /// Whether the grid is small enough for [`in_circle`]'s i64 path.
    small: bool,
}

/// (b - a) x (c - a): positive when a, b, c turn counter-clockwise.
fn orient(a: [u32; 2], b: [u32; 2], c: [u32; 2]) -> i64 {
    let (ax, ay, bx, by, cx, cy) = (a[0] as i64, a[1] as i64, b[0] as i64, b[1] as i64, c[0] as i64, c[1] as i64);
    (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
}

/// Whether `d` is strictly inside the circle through the counter-clockwise `a`, `b`, `c`,
/// exactly. Below 2^14 pixels a side (every tile) each product fits in an i64: differences
/// under 2^14, squared sums under 2^29, the determinant's terms under 2^59; larger grids take
/// i128 (coordinates below 2^20 keep every product within it), a few times slower, and the
/// Delaunay test is a fifth of the mesher's time on rough ground.
fn in_circle(a: [u32; 2], b: [u32; 2], c: [u32; 2], d: [u32; 2], small: bool) -> bool {
    if small {
        let r = |p: [u32; 2]| (i64::from(p[0]) - i64::from(d[0]), i64::from(p[1]) - i64::from(d[1]));
        let ((ax, ay), (bx, by), (cx, cy)) = (r(a), r(b), r(c));
        let (a2, b2, c2) = (ax * ax + ay * ay, bx * bx + by * by, cx * cx + cy * cy);
        return ax * (by * c2 - b2 * cy) - ay * (bx * c2 - b2 * cx) + a2 * (bx * cy - by * cx) > 0;
    }
    let r = |p: [u32; 2]| (p[0] as i128 - d[0] as i128, p[1] as i128 - d[1] as i128);
    let ((ax, ay), (bx, by), (cx, cy)) = (r(a), r(b), r(c));
    let (a2, b2, c2) = (ax * ax + ay * ay, bx * bx + by * by, cx * cx + cy * cy);
    ax * (by * c2 - b2 * cy) - ay * (bx * c2 - b2 * cx) + a2 * (bx * cy - by * cx) > 0
}

/// The most pixels in a triangle's bounding box for [`Mesher::worst_pixel`] to walk the box
/// rather than the triangle's rows.
const SMALL_BOX: u32 = 48;

/// The largest side, in pixels, for which [`in_circle`] may take its i64 path.
const SMALL_GRID: usize = 1 << 14;

/// A triangle's plane: height = `z0 + gx (x - x0) + gy (y - y0)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plane {
    x0: f64,
    y0: f64,
    z0: f64,
    /// Height gained per column.
    pub(crate) gx: f64,
    gy: f64,
}

impl Plane {
    /// The plane through three points (x, y, height) that are not on one line (else flat at
    /// the first's height).
    pub(crate) fn through([a, b, c]: [[f64; 3]; 3]) -> Self {
        let (u, v) = ([b[0] - a[0], b[1] - a[1], b[2] - a[2]], [c[0] - a[0], c[1] - a[1], c[2] - a[2]]);
        let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
        let (gx, gy) = if n[2] == 0.0 { (0.0, 0.0) } else { (-n[0] / n[2], -n[1] / n[2]) };
        Self { x0: a[0], y0: a[1], z0: a[2], gx, gy }
    }

    /// The height at (x, y).
    pub(crate) fn at(&self, x: f64, y: f64) -> f64 {
        self.z0 + self.gx * (x - self.x0) + self.gy * (y - self.y0)
    }
}

/// `v.floor()` for the small numbers of pixel positions (`as` truncates towards zero; this
/// rounds down), without the library call `f64::floor` is on a baseline x86-64.
pub(crate) fn floor(v: f64) -> i64 {
    let t = v as i64;
    if (t as f64) > v { t - 1 } else { t }
}

/// `v.ceil()`, as [`floor`].
pub(crate) fn ceil(v: f64) -> i64 {
    let t = v as i64;
    if (t as f64) < v { t + 1 } else { t }
}

/// Calls `f(y, x0, x1)` for every row of integer points inside the triangle or on its edges,
/// with the row's first and last: each row's span comes from where the edges cross it, so no
/// point outside is visited.
pub(crate) fn scan_rows(p: [[f64; 2]; 3], mut f: impl FnMut(i64, i64, i64)) {
    const EPS: f64 = 1e-9;
    let (y0, y1) = (p[0][1].min(p[1][1]).min(p[2][1]), p[0][1].max(p[1][1]).max(p[2][1]));
    // Each edge: its rows, and x as a function of y. (Written out, not `[0, 1, 2].map`: in this
    // hot loop the compiler left the array map a call of its own.)
    let edge = |a: [f64; 2], b: [f64; 2]| {
        let (lo, hi) = (a[1].min(b[1]), a[1].max(b[1]));
        let slope = if hi - lo < EPS { f64::NAN } else { (b[0] - a[0]) / (b[1] - a[1]) };
        (a, b, lo - EPS, hi + EPS, slope)
    };
    let edges = [edge(p[0], p[1]), edge(p[1], p[2]), edge(p[2], p[0])];
    for y in ceil(y0 - EPS)..=floor(y1 + EPS) {
        let yf = y as f64;
        let (mut xl, mut xr) = (f64::INFINITY, f64::NEG_INFINITY);
        for &(a, b, lo, hi, slope) in &edges {
            if yf < lo || yf > hi {
                continue;
            }
            if slope.is_nan() {
                xl = xl.min(a[0].min(b[0]));
                xr = xr.max(a[0].max(b[0]));
            } else {
                let x = a[0] + (yf - a[1]) * slope;
                xl = xl.min(x);
                xr = xr.max(x);
            }
        }
        if xl <= xr {
            let (x0, x1) = (ceil(xl - EPS), floor(xr + EPS));
            if x0 <= x1 {
                f(y, x0, x1);
            }
        }
    }
}

fn next(e: u32) -> u32 {
    if e % 3 == 2 { e - 2 } else { e + 1 }
}

fn prev(e: u32) -> u32 {
    if e.is_multiple_of(3) { e + 2 } else { e - 1 }
}

impl<'a> Mesher<'a> {
    /// A mesher of `grid` with no triangles yet.
    fn new(grid: &'a HeightGrid<'a>, max_error: f64) -> Self {
        Self {
            grid,
            vertices: Vec::new(),
            corners: Vec::new(),
            twins: Vec::new(),
            candidates: Vec::new(),
            queue: BinaryHeap::new(),
            dirty: Vec::new(),
            max_error,
            small: grid.width.max(grid.height) <= SMALL_GRID,
        }
    }

    fn link(&mut self, a: u32, b: u32) {
        self.twins[a as usize] = b;
        if b != NONE {
            self.twins[b as usize] = a;
        }
    }

    fn vertex(&mut self, p: [u32; 2]) -> u32 {
        self.vertices.push(p);
        (self.vertices.len() - 1) as u32
    }

    /// Writes triangle `t` (a new one when `t` is the count) as (a, b, c) with the twins of
    /// its edges a->b, b->c, c->a.
    fn set(&mut self, t: u32, [a, b, c]: [u32; 3], [ta, tb, tc]: [u32; 3]) {
        let e = 3 * t as usize;
        if e == self.corners.len() {
            self.corners.extend([a, b, c]);
            self.twins.extend([NONE; 3]);
            self.candidates.push(([0, 0], 0.0));
        } else {
            self.corners[e..e + 3].copy_from_slice(&[a, b, c]);
        }
        self.link(3 * t, ta);
        self.link(3 * t + 1, tb);
        self.link(3 * t + 2, tc);
        self.dirty.push(t);
    }

    fn triangles(&self) -> u32 {
        (self.corners.len() / 3) as u32
    }

    /// The worst pixel inside triangle `t` (its vertices excluded) and its error. Small
    /// triangles (most of them on rough ground) walk their bounding box with integer edge
    /// functions; larger ones walk row spans ([`scan_rows`]) with the plane's height stepped
    /// along each row.
    fn worst_pixel(&self, t: u32) -> ([u32; 2], f64) {
        let e = 3 * t as usize;
        let (a, b, c) = (
            self.vertices[self.corners[e] as usize],
            self.vertices[self.corners[e + 1] as usize],
            self.vertices[self.corners[e + 2] as usize],
        );
        let area2 = orient(a, b, c);
        // A triangle of the least area a lattice has (half a pixel cell) holds no pixel but
        // its corners (Pick's theorem): nothing to measure. A third of all on rough ground.
        if area2 == 1 {
            return ([0, 0], 0.0);
        }
        let (x0, x1) = (a[0].min(b[0]).min(c[0]), a[0].max(b[0]).max(c[0]));
        let (y0, y1) = (a[1].min(b[1]).min(c[1]), a[1].max(b[1]).max(c[1]));
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= SMALL_BOX {
            self.worst_in_box(a, b, c, area2, [x0, y0], [x1, y1])
        } else {
            self.worst_by_rows(a, b, c)
        }
    }

    /// [`Self::worst_pixel`] for a triangle of a small bounding box: each pixel's barycentric
    /// weights times twice the area (`w0`, `w1`, `w2`, integers) say whether it is inside and
    /// give the plane's height times twice the area, so there is no division until the end.
    /// A vertex has an error of exactly zero here, so it is never the worst.
    fn worst_in_box(
        &self,
        a: [u32; 2],
        b: [u32; 2],
        c: [u32; 2],
        area2: i64,
        lo: [u32; 2],
        hi: [u32; 2],
    ) -> ([u32; 2], f64) {
        let z = |p: [u32; 2]| self.grid.at(p[0], p[1]);
        let (za, zb, zc, scale) = (z(a), z(b), z(c), area2 as f64);
        let (mut best, mut best_err) = ([0u32, 0], 0.0f64);
        // w0 = orient(b, c, p) and so on: each steps by a constant along a row and down a column.
        let (dx0, dx1, dx2) =
            (i64::from(b[1]) - i64::from(c[1]), i64::from(c[1]) - i64::from(a[1]), i64::from(a[1]) - i64::from(b[1]));
        let w = self.grid.width;
        for y in lo[1]..=hi[1] {
            let p = [lo[0], y];
            let (mut w0, mut w1, mut w2) = (orient(b, c, p), orient(c, a, p), orient(a, b, p));
            let row = &self.grid.heights[y as usize * w..][..w];
            for x in lo[0]..=hi[0] {
                if (w0 | w1 | w2) >= 0 {
                    let plane = w0 as f64 * za + w1 as f64 * zb + w2 as f64 * zc;
                    let err = (plane - f64::from(row[x as usize]) * scale).abs();
                    if err > best_err {
                        (best, best_err) = ([x, y], err);
                    }
                }
                (w0, w1, w2) = (w0 + dx0, w1 + dx1, w2 + dx2);
            }
        }
        (best, best_err / scale)
    }

    /// [`Self::worst_pixel`] row span by row span.
    fn worst_by_rows(&self, a: [u32; 2], b: [u32; 2], c: [u32; 2]) -> ([u32; 2], f64) {
        let xy = |p: [u32; 2]| [f64::from(p[0]), f64::from(p[1])];
        let xyz = |p: [u32; 2]| [f64::from(p[0]), f64::from(p[1]), self.grid.at(p[0], p[1])];
        let plane = Plane::through([xyz(a), xyz(b), xyz(c)]);
        let (mut best, mut best_err) = ([0u32, 0], 0.0f64);
        let w = self.grid.width;
        scan_rows([xy(a), xy(b), xy(c)], |y, x0, x1| {
            let row = &self.grid.heights[y as usize * w..][..w];
            let mut z = plane.at(x0 as f64, y as f64);
            for x in x0..=x1 {
                let err = (z - f64::from(row[x as usize])).abs();
                if err > best_err {
                    let p = [x as u32, y as u32];
                    if p != a && p != b && p != c {
                        (best, best_err) = (p, err);
                    }
                }
                z += plane.gx;
            }
        });
        (best, best_err)
    }

    /// Computes the candidates of the triangles changed and queues them.
    fn refresh(&mut self) {
        let mut dirty = std::mem::take(&mut self.dirty);
        // A triangle set twice (inserted, then flipped) is measured once.
        dirty.sort_unstable();
        dirty.dedup();
        for t in dirty {
            let c = self.worst_pixel(t);
            self.candidates[t as usize] = c;
            if c.1 > self.max_error {
                self.queue.push((c.1.to_bits(), t));
            }
        }
    }

    /// Restores the Delaunay property across edge `3t` of triangle `t` = (a, b, p), `p` the
    /// point just inserted: when the vertex beyond the edge lies inside the triangle's
    /// circumcircle, the edge is flipped and the two edges beyond are checked in turn.
    fn legalize(&mut self, t: u32) {
        let e = 3 * t;
        let f = self.twins[e as usize];
        if f == NONE {
            return;
        }
        let u = f / 3;
        let (a, b, p) = (self.corners[e as usize], self.corners[e as usize + 1], self.corners[e as usize + 2]);
        let d = self.corners[prev(f) as usize];
        let pos = |v: u32| self.vertices[v as usize];
        if !in_circle(pos(a), pos(b), pos(p), pos(d), self.small) {
            return;
        }
        // (a, b, p) and (b, a, d) become (a, d, p) and (d, b, p).
        let (x_ad, x_db) = (self.twins[next(f) as usize], self.twins[prev(f) as usize]);
        let (x_bp, x_pa) = (self.twins[e as usize + 1], self.twins[e as usize + 2]);
        self.set(t, [a, d, p], [x_ad, 3 * u + 2, x_pa]);
        self.set(u, [d, b, p], [x_db, x_bp, 3 * t + 1]);
        self.legalize(t);
        self.legalize(u);
    }

    /// Inserts the worst pixel `p` of triangle `t`.
    fn insert(&mut self, t: u32, p: [u32; 2]) {
        let e = 3 * t as usize;
        let [a, b, c] = [self.corners[e], self.corners[e + 1], self.corners[e + 2]];
        let pos = |v: u32| self.vertices[v as usize];
        let (w_ab, w_bc, w_ca) = (orient(pos(a), pos(b), p), orient(pos(b), pos(c), p), orient(pos(c), pos(a), p));
        let twins = [self.twins[e], self.twins[e + 1], self.twins[e + 2]];
        let v = self.vertex(p);
        // On an edge: rotate so that it is a->b.
        let on_edge = [w_ab, w_bc, w_ca].iter().position(|&w| w == 0);
        let Some(k) = on_edge else {
            // Inside: three triangles (a, b, p), (b, c, p), (c, a, p).
            let (t1, t2) = (self.triangles(), self.triangles() + 1);
            self.set(t, [a, b, v], [twins[0], NONE, NONE]);
            self.set(t1, [b, c, v], [twins[1], NONE, 3 * t + 1]);
            self.set(t2, [c, a, v], [twins[2], 3 * t + 2, 3 * t1 + 1]);
            for tri in [t, t1, t2] {
                self.legalize(tri);
            }
            return;
        };
        let [a, b, c] = [[a, b, c], [b, c, a], [c, a, b]][k];
        let [t_ab, t_bc, t_ca] =
            [[twins[0], twins[1], twins[2]], [twins[1], twins[2], twins[0]], [twins[2], twins[0], twins[1]]][k];
        let f = t_ab;
        if f == NONE {
            // On the border: (b, c, p) and (c, a, p).
            let t1 = self.triangles();
            self.set(t, [b, c, v], [t_bc, NONE, NONE]);
            self.set(t1, [c, a, v], [t_ca, NONE, 3 * t + 1]);
            self.legalize(t);
            self.legalize(t1);
            return;
        }
        // Between t = (a, b, c) and u = (b, a, d): four triangles around p.
        let u = f / 3;
        let d = self.corners[prev(f) as usize];
        let (x_ad, x_db) = (self.twins[next(f) as usize], self.twins[prev(f) as usize]);
        let (t1, t2) = (self.triangles(), self.triangles() + 1);
        self.set(t, [b, c, v], [t_bc, NONE, NONE]);
        self.set(t1, [c, a, v], [t_ca, NONE, 3 * t + 1]);
        self.set(u, [a, d, v], [x_ad, NONE, 3 * t1 + 1]);
        self.set(t2, [d, b, v], [x_db, 3 * t + 2, 3 * u + 1]);
        for tri in [t, t1, u, t2] {
            self.legalize(tri);
        }
    }
}

/// The TIN of `grid` within `max_error` at every pixel centre. A grid of one row or column has
/// no triangles.
pub fn tin(grid: &HeightGrid<'_>, max_error: f64) -> Tin {
    let (w, h) = (grid.width as u32, grid.height as u32);
    if w < 2 || h < 2 {
        return Tin::default();
    }
    let mut m = Mesher::new(grid, max_error);
    // Two triangles over the grid; rows run down, so (0,0) -> (0,h) -> (w,h) is counter-clockwise
    // in (column, row) as `orient` counts it.
    let (nw, ne, se, sw) = (m.vertex([0, 0]), m.vertex([w - 1, 0]), m.vertex([w - 1, h - 1]), m.vertex([0, h - 1]));
    let (p, q) = ([0, 0], [w - 1, h - 1]);
    let first = if orient(p, [0, h - 1], q) > 0 { [nw, sw, se] } else { [nw, se, sw] };
    m.set(0, first, [NONE, NONE, NONE]);
    let second = if orient(p, q, [w - 1, 0]) > 0 { [nw, se, ne] } else { [nw, ne, se] };
    m.set(1, second, [NONE, NONE, NONE]);
    // The diagonal nw-se is shared: find its half-edges and link them.
    let diag = |m: &Mesher<'_>, t: u32| {
        (0..3).map(|k| 3 * t + k).find(|&e| {
            let (s, x) = (m.corners[e as usize], m.corners[next(e) as usize]);
            (s == nw && x == se) || (s == se && x == nw)
        })
    };
    if let (Some(a), Some(b)) = (diag(&m, 0), diag(&m, 1)) {
        m.link(a, b);
    }
    m.refresh();
    while let Some((bits, t)) = m.queue.pop() {
        if m.candidates[t as usize].1.to_bits() != bits {
            continue;
        }
        let p = m.candidates[t as usize].0;
        m.insert(t, p);
        m.refresh();
    }
    // Every triangle's candidate is current, and none is over the target.
    let worst = m.candidates.iter().map(|c| c.1).fold(0.0, f64::max);
    Tin { vertices: m.vertices, triangles: m.corners, max_error: worst }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid_of(w: usize, h: usize, f: impl Fn(usize, usize) -> f32) -> Vec<f32> {
        (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).map(|(x, y)| f(x, y)).collect()
    }

    /// The TIN's height at pixel (x, y): the plane of the triangle holding it.
    fn tin_at(tin: &Tin, g: &HeightGrid<'_>, x: u32, y: u32) -> Option<f64> {
        for t in tin.triangles.chunks_exact(3) {
            let [a, b, c] = [0, 1, 2].map(|k| tin.vertices[t[k] as usize]);
            let p = [x, y];
            let (w0, w1, w2) = (orient(b, c, p), orient(c, a, p), orient(a, b, p));
            if w0 >= 0 && w1 >= 0 && w2 >= 0 {
                let area = orient(a, b, c) as f64;
                return Some(
                    (w0 as f64 * g.at(a[0], a[1]) + w1 as f64 * g.at(b[0], b[1]) + w2 as f64 * g.at(c[0], c[1])) / area,
                );
            }
        }
        None
    }

    #[test]
    fn a_plane_needs_two_triangles_and_a_bump_more() {
        let plane = grid_of(33, 17, |x, y| (0.5 * x as f64 + 0.25 * y as f64) as f32);
        let g = HeightGrid { width: 33, height: 17, heights: &plane };
        let t = tin(&g, 1e-6);
        assert_eq!(t.triangles.len() / 3, 2);
        // A bump: every pixel within the error, every triangle counter-clockwise, and far fewer
        // triangles than the grid's 2 * 32 * 16.
        let bump = grid_of(33, 17, |x, y| {
            let (dx, dy) = (x as f64 - 16.0, y as f64 - 8.0);
            (10.0 * (-(dx * dx + dy * dy) / 20.0).exp()) as f32
        });
        let g = HeightGrid { width: 33, height: 17, heights: &bump };
        for max_error in [0.5, 0.1, 0.01] {
            let t = tin(&g, max_error);
            let n = t.triangles.len() / 3;
            assert!(n > 2 && n < 1024, "{n} triangles at {max_error}");
            // Counter-clockwise, and tiling the grid exactly: the areas add up to the grid's.
            let mut area = 0;
            for tri in t.triangles.chunks_exact(3) {
                let [a, b, c] = [0, 1, 2].map(|k| t.vertices[tri[k] as usize]);
                assert!(orient(a, b, c) > 0, "{a:?} {b:?} {c:?}");
                area += orient(a, b, c);
            }
            assert_eq!(area, 2 * 32 * 16, "no overlap, no gap");
            let mut worst: f64 = 0.0;
            for y in 0..17 {
                for x in 0..33 {
                    let z = tin_at(&t, &g, x, y).expect("every pixel covered");
                    worst = worst.max((z - g.at(x, y)).abs());
                }
            }
            assert!(worst <= max_error + 1e-9, "{worst} over {max_error}");
            assert!((worst - t.max_error).abs() < 1e-9 || t.max_error <= max_error, "{worst} vs {}", t.max_error);
        }
    }

    #[test]
    fn both_ways_of_finding_the_worst_pixel_and_of_the_circle_test_agree() {
        let rough = grid_of(64, 64, |x, y| (((x * 7919 + y * 104_729) % 97) as f32 * 0.173).sin() * 12.0);
        let g = HeightGrid { width: 64, height: 64, heights: &rough };
        let m = Mesher::new(&g, 0.0);
        let mut rng = city_core::SplitMix64(18);
        let mut pick = || [(rng.next_u64() % 64) as u32, (rng.next_u64() % 64) as u32];
        let (mut compared, mut with_pixels) = (0, 0);
        while compared < 2_000 {
            let (a, b, c, d) = (pick(), pick(), pick(), pick());
            if orient(a, b, c) <= 0 {
                continue;
            }
            compared += 1;
            assert_eq!(in_circle(a, b, c, d, true), in_circle(a, b, c, d, false), "{a:?} {b:?} {c:?} {d:?}");
            let (x0, x1) = (a[0].min(b[0]).min(c[0]), a[0].max(b[0]).max(c[0]));
            let (y0, y1) = (a[1].min(b[1]).min(c[1]), a[1].max(b[1]).max(c[1]));
            let (by_box, by_rows) =
                (m.worst_in_box(a, b, c, orient(a, b, c), [x0, y0], [x1, y1]), m.worst_by_rows(a, b, c));
            assert!((by_box.1 - by_rows.1).abs() < 1e-9, "{a:?} {b:?} {c:?}: {by_box:?} against {by_rows:?}");
            with_pixels += usize::from(by_rows.1 > 0.0);
        }
        assert!(with_pixels > 1_000, "only {with_pixels} triangles held a pixel to measure");
    }

    #[test]
    fn the_triangulation_stays_delaunay() {
        let rough = grid_of(40, 30, |x, y| ((x * 7 + y * 13) % 11) as f32 * 0.3);
        let g = HeightGrid { width: 40, height: 30, heights: &rough };
        let t = tin(&g, 0.2);
        let tris: Vec<[[u32; 2]; 3]> =
            t.triangles.chunks_exact(3).map(|c| [0, 1, 2].map(|k| t.vertices[c[k] as usize])).collect();
        for tri in &tris {
            for v in &t.vertices {
                if !tri.contains(v) {
                    assert!(!in_circle(tri[0], tri[1], tri[2], *v, true), "{v:?} inside the circle of {tri:?}");
                }
            }
        }
    }
}
