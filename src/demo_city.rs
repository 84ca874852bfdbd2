//! The built-in demo city: a deterministic street-grid city at Zhuhai (22.27 N, 113.57 E) in
//! CGCS2000 (EPSG:4547, the 3-degree Gauss-Kruger zone at 114 E), written as CityJSONSeq and
//! imported with `cim_import` like any other city, then cached. It needs nothing from outside
//! the repository.
//!
//! Three rings of districts: towers in the centre (LoD1), residential slabs around them (LoD1),
//! and houses with gabled roofs (LoD2) outside; streets between the blocks as Road objects.
//! Attributes: height, storeys, year of construction, function, district.
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use city_core::{AxisOrder, Crs, Geodetic};
use serde_json::json;

/// The version of the generator: bump it when the city changes, so caches are rebuilt.
const VERSION: u32 = 1;
/// Blocks per side of the grid.
const BLOCKS: i32 = 30;
/// Block size (east, north) and street width, metres.
const BLOCK_M: (f64, f64) = (110.0, 90.0);
const STREET_M: f64 = 20.0;

// The benchmark city's generator: the same city on every machine.
use city_core::SplitMix64 as Rng;

/// One of `items`, uniformly.
fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[((rng.unit() * items.len() as f64) as usize).min(items.len() - 1)]
}

/// A solid: vertices (local metres) and faces (vertex-index rings), made to face outwards.
struct Solid {
    vertices: Vec<[f64; 3]>,
    faces: Vec<Vec<usize>>,
}

impl Solid {
    /// A prism over a convex footprint (counter-clockwise) from 0 to `h`.
    fn prism(footprint: &[[f64; 2]], h: f64) -> Self {
        let k = footprint.len();
        let mut vertices: Vec<[f64; 3]> = footprint.iter().map(|p| [p[0], p[1], 0.0]).collect();
        vertices.extend(footprint.iter().map(|p| [p[0], p[1], h]));
        let mut faces = vec![(0..k).rev().collect(), (k..2 * k).collect()];
        faces.extend((0..k).map(|j| vec![j, (j + 1) % k, k + (j + 1) % k, k + j]));
        Self { vertices, faces }.outwards()
    }

    /// A house: a `l` x `d` rectangle (long side along x) with walls to `h` and a gabled roof
    /// whose ridge runs along the long side, `r` above the eaves.
    fn gabled(l: f64, d: f64, h: f64, r: f64) -> Self {
        let (x, y) = (l / 2.0, d / 2.0);
        let vertices = vec![
            [-x, -y, 0.0],
            [x, -y, 0.0],
            [x, y, 0.0],
            [-x, y, 0.0],
            [-x, -y, h],
            [x, -y, h],
            [x, y, h],
            [-x, y, h],
            [-x, 0.0, h + r],
            [x, 0.0, h + r],
        ];
        let faces = vec![
            vec![3, 2, 1, 0],    // floor
            vec![0, 1, 5, 4],    // south wall
            vec![2, 3, 7, 6],    // north wall
            vec![1, 2, 6, 9, 5], // east gable
            vec![3, 0, 4, 8, 7], // west gable
            vec![4, 5, 9, 8],    // south roof
            vec![6, 7, 8, 9],    // north roof
        ];
        Self { vertices, faces }.outwards()
    }

    /// Reverses any face whose normal points into the (convex) solid.
    fn outwards(mut self) -> Self {
        let n = self.vertices.len() as f64;
        let c: [f64; 3] = std::array::from_fn(|i| self.vertices.iter().map(|v| v[i]).sum::<f64>() / n);
        for f in &mut self.faces {
            let mut normal = [0.0; 3];
            for (i, &a) in f.iter().enumerate() {
                let (p, q) = (self.vertices[a], self.vertices[f[(i + 1) % f.len()]]);
                normal[0] += (p[1] - q[1]) * (p[2] + q[2]);
                normal[1] += (p[2] - q[2]) * (p[0] + q[0]);
                normal[2] += (p[0] - q[0]) * (p[1] + q[1]);
            }
            let m = f.len() as f64;
            let fc: [f64; 3] = std::array::from_fn(|i| f.iter().map(|&v| self.vertices[v][i]).sum::<f64>() / m);
            if (0..3).map(|i| normal[i] * (fc[i] - c[i])).sum::<f64>() < 0.0 {
                f.reverse();
            }
        }
        self
    }

    /// Turned by `angle` and moved to `at` (local metres).
    fn placed(mut self, at: [f64; 2], angle: f64) -> Self {
        let (s, c) = angle.sin_cos();
        for v in &mut self.vertices {
            let (x, y) = (v[0], v[1]);
            v[0] = at[0] + c * x - s * y;
            v[1] = at[1] + s * x + c * y;
        }
        self
    }
}

/// Where the cached demo tileset lives (`city_core::cache_dir`).
pub fn cache_dir() -> PathBuf {
    city_core::cache_dir()
}

/// The demo's centre.
pub fn centre() -> Geodetic {
    Geodetic::from_deg(113.57, 22.27, 0.0)
}

/// The demo tileset, generated and imported on first use, then reused.
pub fn demo_tileset() -> Result<PathBuf> {
    let dir = cache_dir().join(format!("demo-zhuhai-v{VERSION}"));
    if dir.join("tileset.json").is_file() {
        return Ok(dir);
    }
    std::fs::create_dir_all(cache_dir()).with_context(|| format!("creating {}", cache_dir().display()))?;
    let seq = cache_dir().join(format!("demo-zhuhai-v{VERSION}.city.jsonl"));
    eprintln!("generating the demo city (once; cached in {})", dir.display());
    write_demo_cityjsonseq(&seq)?;
    cim_import::import(std::slice::from_ref(&seq), &cim_import::ImportOptions::new(&dir), &())?;
    let _ = std::fs::remove_file(&seq);
    Ok(dir)
}

/// Writes the demo city as CityJSONSeq (EPSG:4547, millimetre integers).
pub fn write_demo_cityjsonseq(path: &Path) -> Result<usize> {
    let crs = Crs::from_epsg(4547)?.with_axis_order(AxisOrder::EastNorth);
    let origin = crs.from_geodetic(centre())?;
    let translate = [origin[0].round(), origin[1].round(), 0.0];
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?);
    let header = json!({
        "type": "CityJSON", "version": "2.0",
        "transform": {"scale": [0.001, 0.001, 0.001], "translate": translate},
        "metadata": {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/4547", "title": "CityTwin demo city, Zhuhai"},
        "CityObjects": {}, "vertices": [],
    });
    writeln!(w, "{header}")?;
    let mm = |v: f64| (v * 1000.0).round() as i64;
    let mut count = 0;
    let mut write = |id: String, ty: &str, lod: &str, solid: &Solid, attributes: serde_json::Value| -> Result<()> {
        let vertices: Vec<[i64; 3]> = solid.vertices.iter().map(|v| [mm(v[0]), mm(v[1]), mm(v[2])]).collect();
        let surfaces: Vec<Vec<Vec<usize>>> = solid.faces.iter().map(|f| vec![f.clone()]).collect();
        let geometry = if ty == "Road" {
            json!({"type": "MultiSurface", "lod": lod, "boundaries": surfaces})
        } else {
            json!({"type": "Solid", "lod": lod, "boundaries": [surfaces]})
        };
        let feature = json!({
            "type": "CityJSONFeature", "id": id,
            "CityObjects": {id.clone(): {"type": ty, "attributes": attributes, "geometry": [geometry]}},
            "vertices": vertices,
        });
        writeln!(w, "{feature}")?;
        count += 1;
        Ok(())
    };
    let mut rng = Rng(20_261_130);
    let pitch = (BLOCK_M.0 + STREET_M, BLOCK_M.1 + STREET_M);
    let half = (f64::from(BLOCKS) * pitch.0 / 2.0, f64::from(BLOCKS) * pitch.1 / 2.0);
    // Streets: one strip per grid line, each way.
    for i in 0..=BLOCKS {
        let x = -half.0 + f64::from(i) * pitch.0 - STREET_M / 2.0;
        let strip = Solid {
            vertices: vec![
                [x, -half.1, 0.0],
                [x + STREET_M, -half.1, 0.0],
                [x + STREET_M, half.1, 0.0],
                [x, half.1, 0.0],
            ],
            faces: vec![vec![0, 1, 2, 3]],
        };
        write(
            format!("street-ns-{i}"),
            "Road",
            "1",
            &strip,
            json!({"name": format!("{} Road", 100 + i), "function": "street"}),
        )?;
        let y = -half.1 + f64::from(i) * pitch.1 - STREET_M / 2.0;
        let strip = Solid {
            vertices: vec![
                [-half.0, y, 0.0],
                [half.0, y, 0.0],
                [half.0, y + STREET_M, 0.0],
                [-half.0, y + STREET_M, 0.0],
            ],
            faces: vec![vec![0, 1, 2, 3]],
        };
        write(
            format!("street-ew-{i}"),
            "Road",
            "1",
            &strip,
            json!({"name": format!("{} Street", 100 + i), "function": "street"}),
        )?;
    }
    for bx in 0..BLOCKS {
        for by in 0..BLOCKS {
            let x0 = -half.0 + f64::from(bx) * pitch.0 + STREET_M / 2.0;
            let y0 = -half.1 + f64::from(by) * pitch.1 + STREET_M / 2.0;
            let centre = [x0 + BLOCK_M.0 / 2.0, y0 + BLOCK_M.1 / 2.0];
            let r = (centre[0].powi(2) + centre[1].powi(2)).sqrt();
            let id = |k: usize| format!("b-{bx:02}-{by:02}-{k}");
            if r < 650.0 {
                // Towers: two to four per block.
                let n = 2 + (rng.unit() * 3.0) as usize;
                for k in 0..n {
                    let (w, d) = (rng.range(18.0, 34.0), rng.range(18.0, 34.0));
                    let cx = x0 + 4.0 + (BLOCK_M.0 - 8.0) * ((k % 2) as f64 * 0.5 + 0.25) + rng.range(-6.0, 6.0);
                    let cy = y0 + 4.0 + (BLOCK_M.1 - 8.0) * ((k / 2) as f64 * 0.5 + 0.25) + rng.range(-4.0, 4.0);
                    let h = rng.range(45.0, 160.0) * (1.0 - r / 1300.0);
                    let fp = [[-w / 2.0, -d / 2.0], [w / 2.0, -d / 2.0], [w / 2.0, d / 2.0], [-w / 2.0, d / 2.0]];
                    let solid = Solid::prism(&fp, h).placed([cx, cy], 0.0);
                    let function = pick(&mut rng, &["office", "office", "commercial", "hotel"]);
                    let year = rng.range(1995.0, 2024.0).round();
                    write(
                        id(k),
                        "Building",
                        "1",
                        &solid,
                        json!({"height": (h * 10.0).round() / 10.0, "storeys": (h / 3.6).round(), "year_built": year, "function": function, "district": "Centre"}),
                    )?;
                }
            } else if r < 1500.0 {
                // Residential slabs: two rows per block.
                for k in 0..2 {
                    let l = rng.range(55.0, 95.0);
                    let h = rng.range(15.0, 48.0);
                    let cy = y0 + BLOCK_M.1 * (0.27 + 0.46 * k as f64);
                    let fp = [[-l / 2.0, -7.0], [l / 2.0, -7.0], [l / 2.0, 7.0], [-l / 2.0, 7.0]];
                    let solid = Solid::prism(&fp, h).placed([centre[0], cy], 0.0);
                    let year = rng.range(1978.0, 2015.0).round();
                    let function = pick(&mut rng, &["residential", "residential", "residential", "school", "retail"]);
                    write(
                        id(k),
                        "Building",
                        "1",
                        &solid,
                        json!({"height": (h * 10.0).round() / 10.0, "storeys": (h / 3.0).round(), "year_built": year, "function": function, "district": "Xiangzhou"}),
                    )?;
                }
            } else {
                // Houses with gabled roofs (LoD2), four by three, or a shed.
                if rng.unit() < 0.12 {
                    let (l, d, h) = (rng.range(60.0, 95.0), rng.range(40.0, 70.0), rng.range(8.0, 14.0));
                    let fp = [[-l / 2.0, -d / 2.0], [l / 2.0, -d / 2.0], [l / 2.0, d / 2.0], [-l / 2.0, d / 2.0]];
                    let solid = Solid::prism(&fp, h).placed(centre, 0.0);
                    write(
                        id(0),
                        "Building",
                        "1",
                        &solid,
                        json!({"height": (h * 10.0).round() / 10.0, "storeys": 1, "year_built": rng.range(1985.0, 2020.0).round(), "function": "industrial", "district": "Jinwan"}),
                    )?;
                    continue;
                }
                for k in 0..12 {
                    let (i, j) = (k % 4, k / 4);
                    let cx = x0 + BLOCK_M.0 * (0.125 + 0.25 * i as f64);
                    let cy = y0 + BLOCK_M.1 * (0.17 + 0.33 * j as f64);
                    let (l, d) = (rng.range(12.0, 20.0), rng.range(8.0, 11.0));
                    let h = rng.range(3.0, 7.0);
                    let roof = d / 2.0 * rng.range(0.5, 0.9);
                    let solid = Solid::gabled(l, d, h, roof).placed([cx, cy], rng.range(-0.08, 0.08));
                    let total = ((h + roof) * 10.0).round() / 10.0;
                    write(
                        id(k),
                        "Building",
                        "2",
                        &solid,
                        json!({"height": total, "storeys": (h / 2.8).round().max(1.0), "year_built": rng.range(1960.0, 2022.0).round(), "function": "residential", "roof": "gabled", "district": "Doumen"}),
                    )?;
                }
            }
        }
    }
    w.flush()?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solids_face_outwards() {
        for s in [
            Solid::gabled(16.0, 9.0, 5.0, 3.0),
            Solid::prism(&[[0.0, 0.0], [10.0, 0.0], [10.0, 8.0], [0.0, 8.0]], 12.0),
        ] {
            let roof_or_top = s.faces.iter().find(|f| f.iter().all(|&v| s.vertices[v][2] > 0.0)).unwrap();
            let (a, b, c) = (s.vertices[roof_or_top[0]], s.vertices[roof_or_top[1]], s.vertices[roof_or_top[2]]);
            let nz = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
            assert!(nz > 0.0, "a top face should face up");
            let floor = s.faces.iter().find(|f| f.iter().all(|&v| s.vertices[v][2] == 0.0)).unwrap();
            let (a, b, c) = (s.vertices[floor[0]], s.vertices[floor[1]], s.vertices[floor[2]]);
            assert!((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]) < 0.0, "the floor faces down");
        }
    }
}
